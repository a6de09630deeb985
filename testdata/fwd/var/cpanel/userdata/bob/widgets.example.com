--- 
documentroot: /home/bob/public_html
group: bob
hascgi: 1
homedir: /home/bob
ip: 192.0.2.50
owner: root
port: 80
serveradmin: webmaster@widgets.example.com
serveralias: mail.widgets.example.com www.widgets.example.com
servername: widgets.example.com
usecanonicalname: 'Off'
user: bob
