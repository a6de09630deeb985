--- 
documentroot: /home/alice/public_html
group: alice
hascgi: 1
homedir: /home/alice
ip: 192.0.2.50
owner: root
port: 80
serveradmin: webmaster@example.com
serveralias: mail.example.com www.example.com example.org blackhole.example.com catchall.example.com moved.example.com old.example.com brand.example.org
servername: example.com
usecanonicalname: 'Off'
user: alice
