#!/usr/bin/env python3
"""Writes the mail logs of testdata/logs (run from this directory; output is deterministic).

The lines follow the shapes of real Exim 4 and Dovecot 2.3 lines on cPanel
(shared/reference/logs.md §2): arrivals from webmail (authenticated, from localhost), from
scripts (`cwd=` then `P=local U=`), from hosts on the Internet; local and remote deliveries;
refusals citing blocklists; cPanel's send-limit defers and discards; frozen mail for a domain
whose MX is this server; POP3 logouts. Names are synthetic (example.*, RFC 5737 addresses).

- exim_mainlog-20261116 (gzipped into ../logs/var/log/exim_mainlog-20261116.gz with `gzip -n`):
  8 to 16 Nov 2026, old 16-character message ids (Exim before 4.97), no pid, no milliseconds.
- ../logs/var/log/exim_mainlog: 16 to 23 Nov 2026, new 23-character ids (Exim 4.97+), with
  `[pid]`, milliseconds and a time zone on some lines, a garbage line and a line after "now".
- ../logs/var/log/maillog: Dovecot lines in syslog format.
"""

import gzip
import shutil

B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def b62(n, width):
    s = ""
    for _ in range(width):
        s = B62[n % 62] + s
        n //= 62
    return s


def old_id(n):
    return f"1tK{b62(n, 3)}-000{b62(n, 3)}-Q{b62(n % 62, 1)}"


def new_id(n):
    return f"1x6{b62(n, 3)}-0000000{b62(n, 4)}-{b62(n, 4)}"


SAVED = 'C="250 2.0.0 <{rcpt}> mW3kGEbp0F7BFgAAgiGGmw Saved"'


def webmail_to(ts, mid, sender, rcpt, local_part, pid=""):
    return [
        f'{ts}{pid} {mid} <= {sender} H=localhost (server.example.net) [127.0.0.1]:41234 P=esmtpa A=dovecot_login:{sender} S=1874 id={mid}@server.example.net T="Re: order" for {rcpt}',
        f"{ts}{pid} {mid} => {local_part} <{rcpt}> R=virtual_user T=dovecot_virtual_delivery "
        + SAVED.format(rcpt=rcpt),
        f"{ts}{pid} {mid} Completed",
    ]


def rotated():
    lines = []
    # Before the period (since 9 Nov): not counted.
    lines += webmail_to("2026-11-08 23:59:00", old_id(1), "alice@example.com", "team@example.org", "team")
    # In the period: webmail to example.org, delivered here (RT001 evidence, the first one).
    lines += webmail_to("2026-11-12 09:14:03", old_id(2), "alice@example.com", "team@example.org", "team")
    # A forwarder (sales@example.com → team@example.org) for mail from the Internet: this server
    # sends it on to example.org, and delivers it here.
    m = old_id(3)
    lines += [
        f"2026-11-12 11:00:00 {m} <= buyer@example.net H=mail.example.net [198.51.100.20]:52000 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S=3100 id=x3@example.net T=\"Quote\" for sales@example.com",
        f"2026-11-12 11:00:00 {m} => team (team@example.org) <sales@example.com> R=virtual_user T=dovecot_virtual_delivery " + SAVED.format(rcpt="team@example.org"),
        f"2026-11-12 11:00:00 {m} Completed",
    ]
    # Mail from the Internet for alice@example.com.
    m = old_id(4)
    lines += [
        f"2026-11-13 08:30:00 {m} <= news@example.net H=mail.example.net [198.51.100.20]:52001 P=esmtps S=5000 id=x4@example.net T=\"News\" for alice@example.com",
        f"2026-11-13 08:30:00 {m} => alice <alice@example.com> R=virtual_user T=dovecot_virtual_delivery " + SAVED.format(rcpt="alice@example.com"),
        f"2026-11-13 08:30:00 {m} Completed",
    ]
    # A contact form (a script) writes to team@example.org: delivered here.
    m = old_id(5)
    lines += [
        "2026-11-13 15:02:10 cwd=/home/bob/public_html/contact 3 args: /usr/sbin/sendmail -t -i",
        f"2026-11-13 15:02:10 {m} <= bob@example.com U=bob P=local S=900 id=x5@example.com T=\"Contact form\" for team@example.org",
        f"2026-11-13 15:02:10 {m} => team <team@example.org> R=virtual_user T=dovecot_virtual_delivery " + SAVED.format(rcpt="team@example.org"),
        f"2026-11-13 15:02:10 {m} Completed",
    ]
    # Refused by a receiver citing Spamhaus (LOG001), the server's address named.
    m = old_id(6)
    lines += [
        f'2026-11-14 10:20:01 {m} <= alice@example.com H=localhost (server.example.net) [127.0.0.1]:41300 P=esmtpa A=dovecot_login:alice@example.com S=2000 id=x6@example.com T="Offer" for buyer@partner.example.net',
        f"2026-11-14 10:20:02 {m} ** buyer@partner.example.net R=dkim_lookuphost T=dkim_remote_smtp H=mx.partner.example.net [198.51.100.25]: SMTP error from remote mail server after RCPT TO:<buyer@partner.example.net>: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org; https://www.spamhaus.org/query/ip/192.0.2.10",
        f"2026-11-14 10:20:02 {old_id(600)} <= <> R={m} U=mailnull P=local S=3500 T=\"Mail delivery failed: returning message to sender\" for alice@example.com",
        f"2026-11-14 10:20:02 {m} Completed",
    ]
    # A remote delivery that worked.
    m = old_id(7)
    lines += [
        f'2026-11-14 12:00:00 {m} <= alice@example.com H=localhost (server.example.net) [127.0.0.1]:41301 P=esmtpa A=dovecot_login:alice@example.com S=2000 id=x7@example.com T="Hello" for friend@example.net',
        f'2026-11-14 12:00:01 {m} => friend@example.net R=dkim_lookuphost T=dkim_remote_smtp H=mail.example.net [198.51.100.20] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C="250 2.0.0 Ok: queued as 4AB"',
        f"2026-11-14 12:00:01 {m} Completed",
    ]
    # The burst: a script in public_html/contact sends 210 messages in one hour (LOG002), and
    # cPanel's limit (200 an hour for example.com) defers and then discards (LOG003).
    for i in range(210):
        m = old_id(100 + i)
        minute, second = divmod(i * 17, 60)
        ts = f"2026-11-15 03:{minute:02d}:{second:02d}"
        lines += [
            f"{ts} cwd=/home/bob/public_html/contact 3 args: /usr/sbin/sendmail -t -i",
            f"{ts} {m} <= bob@example.com U=bob P=local S=1100 id=b{i}@example.com T=\"You won\" for victim{i}@example.net",
        ]
        if i < 200:
            lines += [
                f'{ts} {m} => victim{i}@example.net R=dkim_lookuphost T=dkim_remote_smtp H=mail.example.net [198.51.100.20] C="250 ok"',
                f"{ts} {m} Completed",
            ]
        elif i < 208:
            lines.append(
                f"{ts} {m} == victim{i}@example.net R=check_mail_permissions defer (-1): Domain example.com has exceeded the max emails per hour ({i + 1}/200 ({(i + 1) * 100 // 200}%)) allowed.  Message will be reattempted later"
            )
        else:
            lines += [
                f"{ts} {m} ** victim{i}@example.net R=check_mail_permissions: Domain example.com has exceeded the max emails per hour ({i + 1}/200 ({(i + 1) * 100 // 200}%)) allowed.  Message discarded.",
                f"{ts} {m} Completed",
            ]
    # Microsoft's own list (S3150) on another day.
    m = old_id(400)
    lines += [
        f'2026-11-16 08:00:00 {m} <= alice@example.com H=localhost (server.example.net) [127.0.0.1]:41400 P=esmtpa A=dovecot_login:alice@example.com S=2000 id=x400@example.com T="Invoice" for billing@partner.example.org',
        f"2026-11-16 08:00:01 {m} ** billing@partner.example.org R=dkim_lookuphost T=dkim_remote_smtp H=partner-example-org.mail.protection.outlook.com [198.51.100.30]: SMTP error from remote mail server after RCPT TO:<billing@partner.example.org>: 550 5.7.1 Unfortunately, messages from [192.0.2.10] weren't sent. Please contact your Internet service provider since part of their network is on our block list (S3150).",
        f"2026-11-16 08:00:01 {m} Completed",
    ]
    return lines


def current():
    lines = []
    pid = lambda p: f" [{p}]"
    # Webmail to example.org (new ids, pid, milliseconds): delivered here.
    for n, ts in [(1, "2026-11-17 14:05:00.120"), (2, "2026-11-20 09:30:00.500"), (3, "2026-11-22 17:02:41.003")]:
        lines += webmail_to(ts, new_id(n), "alice@example.com", "team@example.org", "team", pid(4000 + n))
    # A time zone on the line: 2026-11-21 10:00 +0100 is 09:00 UTC.
    m = new_id(10)
    lines += [
        f"2026-11-21 10:00:00 +0100 [4100] {m} <= <> R=1x6AAA-0000000AAAA-AAAA U=mailnull P=local S=1500 T=\"Warning: message delayed\" for alice@example.com",
        f"2026-11-21 10:00:00 +0100 [4100] {m} => alice <alice@example.com> R=virtual_user T=dovecot_virtual_delivery " + SAVED.format(rcpt="alice@example.com"),
        f"2026-11-21 10:00:00 +0100 [4100] {m} Completed",
    ]
    # Mail for shop.example.com, routed remotely while its MX is this server: frozen (LOG004).
    m = new_id(20)
    lines += [
        f'2026-11-18 09:00:00 [4200] {m} <= alice@example.com H=localhost (server.example.net) [127.0.0.1]:41500 P=esmtpa A=dovecot_login:alice@example.com S=1500 id=x20@example.com T="Stock" for orders@shop.example.com',
        f"2026-11-18 09:00:00 [4200] {m} == orders@shop.example.com R=lookuphost T=remote_smtp defer (-1): lowest numbered MX record points to local host",
        f"2026-11-18 09:00:00 [4200] {m} Frozen",
        f"2026-11-18 09:05:00 [4210] {m} lowest numbered MX record points to local host: shop.example.com",
    ]
    # A domain of no account whose MX is this server.
    m = new_id(21)
    lines += [
        f'2026-11-19 11:11:11 [4300] {m} <= alice@example.com H=localhost (server.example.net) [127.0.0.1]:41501 P=esmtpa A=dovecot_login:alice@example.com S=1500 id=x21@example.com T="Hi" for info@ghost.example',
        f"2026-11-19 11:11:11 [4300] {m} == info@ghost.example R=lookuphost T=remote_smtp defer (-1): remote host address is the local host: ghost.example",
        f"2026-11-19 11:11:11 [4300] {m} Frozen",
    ]
    # example.com froze once before it was local again (a near miss: it is in localdomains now).
    m = new_id(22)
    lines += [
        f"2026-11-19 12:00:00 [4301] {m} == alice@example.com R=lookuphost T=remote_smtp defer (-1): lowest numbered MX record points to local host",
    ]
    # The shop's scripts send as shop.example.com (no limit: CP005's evidence is their busiest hour).
    for i in range(12):
        m = new_id(300 + i)
        ts = f"2026-11-20 {10 + i // 10:02d}:{(i * 5) % 60:02d}:00"
        lines += [
            f"{ts} [{5000 + i}] cwd=/home/bob/public_html/shop 3 args: /usr/sbin/sendmail -t -i",
            f"{ts} [{5000 + i}] {m} <= orders@shop.example.com U=bob P=local S=1300 id=s{i}@shop.example.com T=\"Your order\" for client{i}@example.net",
            f'{ts} [{5000 + i}] {m} => client{i}@example.net R=dkim_lookuphost T=dkim_remote_smtp H=mail.example.net [198.51.100.20] C="250 ok"',
            f"{ts} [{5000 + i}] {m} Completed",
        ]
    # Not log lines: counted and skipped.
    lines.append("this is not a log line")
    lines.append("2026-11-20 25:99:00 [1] 1x6zzz-0000000zzzz-zzzz Completed")
    # After "now" (23 Nov 00:00): not counted.
    lines += webmail_to("2026-11-23 10:00:00", new_id(900), "alice@example.com", "team@example.org", "team")
    return lines


def maillog():
    return [
        "Nov 10 07:00:01 server dovecot: pop3-login: Login: user=<info@example.com>, method=PLAIN, rip=203.0.113.50, lip=192.0.2.10, mpid=20569, TLS, session=<N/eqJnN87MxTY+rj>",
        "Nov 10 07:00:03 server dovecot: pop3(info@example.com)<20569><N/eqJnN87MxTY+rj>: Disconnected: Logged out top=0/0, retr=4/120000, del=0/1840, size=125829120",
        "Nov 15 07:00:03 server dovecot: pop3(info@example.com)<20601><Ab/eqJnN87MxTY+rj>: Disconnected: Logged out top=0/0, retr=6/180000, del=0/1846, size=125900000",
        "Nov 21 07:00:02 server dovecot[32629]: pop3(info@example.com): Disconnected: Logged out top=0/0, retr=2/60000, del=0/1848, size=125960000",
        "Nov 12 09:13:00 server dovecot: imap-login: Login: user=<__cpanel__service__auth__imap__x>, method=PLAIN, rip=127.0.0.1, lip=127.0.0.1, mpid=735381, secured, session=<abc>",
        "Nov 12 09:13:30 server dovecot: imap(alice@example.com)<735390><def>: Logged out in=120, out=4000, bytes=120/4000",
        "Nov 13 09:00:00 server dovecot: pop3(__cpanel__service__auth__pop3__x): Disconnected: Logged out top=0/0, retr=0/0, del=0/0, size=0",
        "Sep 13 04:00:41 server dovecot[32629]: pop3-login: Login aborted: Connection closed (auth failed, 1 attempts in 2 secs) (auth_failed): user=<admin@example.com>, method=PLAIN, rip=203.0.113.60, lip=192.0.2.10, session=<x>",
    ]


def write(path, lines):
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")


write("exim_mainlog-20261116", rotated())
with open("exim_mainlog-20261116", "rb") as src, gzip.GzipFile(
    "../logs/var/log/exim_mainlog-20261116.gz", "wb", mtime=0, compresslevel=9
) as dst:
    dst.name = ""
    shutil.copyfileobj(src, dst)
write("../logs/var/log/exim_mainlog", current())
write("../logs/var/log/maillog", maillog())
