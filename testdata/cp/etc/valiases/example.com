*: dave
