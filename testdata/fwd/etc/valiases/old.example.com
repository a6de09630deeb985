*: alice
