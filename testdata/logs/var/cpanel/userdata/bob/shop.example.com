--- 
documentroot: /home/bob/public_html/shop
group: bob
hascgi: 1
homedir: /home/bob
ip: 192.0.2.10
owner: root
phpopenbasedirprotect: 1
port: 80
serveradmin: webmaster@shop.example.com
serveralias: www.shop.example.com
servername: shop.example.com
usecanonicalname: 'Off'
user: bob
