billing@example.com: accounts@example.org
careers@example.com: jobs@example.org
contact@example.com: "|/usr/local/cpanel/bin/autorespond contact@example.com /home/alice/.autorespond"
help@example.com: support@widgets.example.com
info@example.com: team@example.org
news@example.com: editor@example.net
office@example.com: office-copy@example.net
press@example.com: press@brand.example.org
sales@example.com: orders@example.org
*: alice
