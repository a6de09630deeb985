--- 
documentroot: /home/dana/public_html
group: dana
hascgi: 1
homedir: /home/dana
ip: 192.0.2.20
owner: root
phpopenbasedirprotect: 1
port: 80
serveradmin: webmaster@example.com
serveralias: gone.example mail.example.com www.example.com www.gone.example
servername: example.com
usecanonicalname: 'Off'
user: dana
