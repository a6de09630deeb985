sales@example.com: team@example.org
webmaster@example.com: alice@example.com
*: :fail: No Such User Here
