--- 
documentroot: /home/bob/public_html
group: bob
hascgi: 1
homedir: /home/bob
ip: 192.0.2.10
owner: root
phpopenbasedirprotect: 1
port: 80
serveradmin: webmaster@example.com
serveralias: mail.example.com www.example.com
servername: example.com
usecanonicalname: 'Off'
user: bob
