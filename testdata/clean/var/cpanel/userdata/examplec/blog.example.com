--- 
customlog: 
  - 
    format: combined
    target: /etc/apache2/logs/domlogs/blog.example.com
  - 
    format: "\"%{%s}t %I .\\n%{%s}t %O .\""
    target: /etc/apache2/logs/domlogs/blog.example.com-bytes_log
documentroot: /home/examplec/blog.example.com
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
serveradmin: webmaster@blog.example.com
serveralias: www.blog.example.com
servername: blog.example.com
usecanonicalname: 'Off'
user: examplec
userdirprotect: ''
