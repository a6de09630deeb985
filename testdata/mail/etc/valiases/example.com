*: dana
