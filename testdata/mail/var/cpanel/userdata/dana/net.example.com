--- 
documentroot: /home/dana/example.net
group: dana
hascgi: 1
homedir: /home/dana
ip: 192.0.2.20
owner: root
phpopenbasedirprotect: 1
port: 80
serveradmin: webmaster@net.example.com
serveralias: example.net www.example.net www.net.example.com
servername: net.example.com
usecanonicalname: 'Off'
user: dana
