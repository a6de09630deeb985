info@example.com: alice@example.com
orders@example.com: team+orders@example.org
sales@example.com: alice@example.com,bob@example.com
*: examplec
