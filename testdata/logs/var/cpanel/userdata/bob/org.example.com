--- 
documentroot: /home/bob/example.org
group: bob
hascgi: 1
homedir: /home/bob
ip: 192.0.2.10
owner: root
phpopenbasedirprotect: 1
port: 80
serveradmin: webmaster@org.example.com
serveralias: example.org mail.example.org www.example.org www.org.example.com
servername: org.example.com
usecanonicalname: 'Off'
user: bob
