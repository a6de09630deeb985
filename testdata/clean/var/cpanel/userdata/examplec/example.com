--- 
customlog: 
  - 
    format: combined
    target: /etc/apache2/logs/domlogs/example.com
  - 
    format: "\"%{%s}t %I .\\n%{%s}t %O .\""
    target: /etc/apache2/logs/domlogs/example.com-bytes_log
documentroot: /home/examplec/public_html
group: examplec
hascgi: 1
homedir: /home/examplec
ip: 192.0.2.10
ipv6: ~
owner: root
phpopenbasedirprotect: 1
phpversion: ea-php82
port: 80
scriptalias: 
  - 
    path: /home/examplec/public_html/cgi-bin
    url: /cgi-bin/
serveradmin: webmaster@example.com
serveralias: examplecorp.example mail.example.com mail.examplecorp.example www.example.com www.examplecorp.example
servername: example.com
usecanonicalname: 'Off'
user: examplec
userdirprotect: ''
