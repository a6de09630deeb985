--- 
documentroot: /home/dave/public_html
group: dave
hascgi: 1
homedir: /home/dave
ip: 192.0.2.40
owner: root
port: 80
serveradmin: webmaster@example.com
serveralias: mail.example.com www.example.com example.net
servername: example.com
usecanonicalname: 'Off'
user: dave
