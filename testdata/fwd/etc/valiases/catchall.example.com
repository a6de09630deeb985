*: owner@example.net
