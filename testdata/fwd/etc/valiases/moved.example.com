sales@moved.example.com: sales@example.net
*: alice
