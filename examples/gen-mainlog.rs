//! Writes a synthetic Exim main log of about SIZE MiB to standard output, for the log benchmark
//! (`bench/logs.sh`, BENCHMARKS.md "Mail logs").
//!
//! ```sh
//! cargo run --release --example gen-mainlog -- 1024 [SEED] | gzip -1 > exim_mainlog.gz
//! ```
//!
//! The lines have the shapes of a cPanel server's log (`shared/reference/logs.md` §2, log_selector
//! `+all`: pids, 23-character message ids): per message an arrival (webmail users authenticated
//! from localhost, scripts with their `cwd=` line, hosts on the Internet), one or two deliveries
//! (local mailboxes, remote hosts), now and then a deferral, a refusal citing a blocklist or a
//! send-limit hold, and `Completed`; SMTP connection lines between messages. Names are synthetic
//! (`dN.example.com`, `example.net`, RFC 5737 addresses). The clock starts at 2026-11-01 00:00
//! UTC and advances about a second per message; the output depends on SIZE and SEED only.

use std::io::{self, BufWriter, Write};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

const B62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

fn b62(mut n: u64, width: usize, out: &mut String) {
    let mut buf = vec![b'0'; width];
    for i in (0..width).rev() {
        buf[i] = B62[(n % 62) as usize];
        n /= 62;
    }
    out.push_str(std::str::from_utf8(&buf).unwrap());
}

fn stamp(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Days from 2026-11-01; months of 30/31 days are close enough for a benchmark, but keep the
    // dates valid: walk the real calendar from November 2026.
    let mut y = 2026;
    let mut m = 11;
    let mut d = 1 + days;
    loop {
        let len = match m {
            2 => {
                if y % 4 == 0 {
                    29
                } else {
                    28
                }
            }
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if d <= len {
            break;
        }
        d -= len;
        m += 1;
        if m == 13 {
            m = 1;
            y += 1;
        }
    }
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

fn main() -> io::Result<()> {
    let mut args = std::env::args().skip(1);
    let mib: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(100);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let target = mib * 1024 * 1024;
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let stdout = io::stdout();
    let mut out = BufWriter::with_capacity(1 << 20, stdout.lock());
    let mut written = 0u64;
    let mut t: i64 = 0;
    let mut n: u64 = 0;
    let mut lines = String::with_capacity(4096);
    while written < target {
        lines.clear();
        n += 1;
        t += 1 + rng.below(2) as i64;
        let ts = stamp(t);
        let ms = rng.below(1000);
        let pid = 10_000 + rng.below(50_000);
        let mut id = String::with_capacity(23);
        b62(t as u64, 6, &mut id);
        id.push('-');
        b62(n, 11, &mut id);
        id.push('-');
        b62(rng.next(), 4, &mut id);
        let head = format!("{ts}.{ms:03} [{pid}] {id}");
        let dom = rng.below(5000);
        let user = rng.below(20);
        let rdom = rng.below(5000);
        let ruser = rng.below(20);
        let kind = rng.below(10);
        if rng.below(4) == 0 {
            lines.push_str(&format!(
                "{ts}.{ms:03} [{pid}] SMTP connection from [198.51.100.{}]:{} (TCP/IP connection count = {})\n",
                rng.below(250) + 1,
                30_000 + rng.below(30_000),
                rng.below(20) + 1
            ));
        }
        // The arrival.
        match kind {
            0..=4 => lines.push_str(&format!(
                "{head} <= u{user}@d{dom}.example.com H=localhost (server.example.net) [127.0.0.1]:{} I=[127.0.0.1]:587 P=esmtpa A=dovecot_login:u{user}@d{dom}.example.com S={} id={id}@d{dom}.example.com T=\"Re: order {n}\" for r{ruser}@d{rdom}.example.com\n",
                40_000 + rng.below(20_000),
                800 + rng.below(50_000)
            )),
            5..=6 => {
                lines.push_str(&format!(
                    "{ts}.{ms:03} [{pid}] cwd=/home/acct{dom}/public_html/app 3 args: /usr/sbin/sendmail -t -i\n"
                ));
                lines.push_str(&format!(
                    "{head} <= acct{dom}@d{dom}.example.com U=acct{dom} P=local S={} id={id}@d{dom}.example.com T=\"Notification {n}\" for r{ruser}@d{rdom}.example.com\n",
                    600 + rng.below(5_000)
                ));
            }
            _ => lines.push_str(&format!(
                "{head} <= sender{ruser}@example.net H=mail{rdom}.example.net [203.0.113.{}]:{} I=[192.0.2.10]:25 P=esmtps X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=no S={} id=m{n}@example.net T=\"Newsletter {n}\" for u{user}@d{dom}.example.com\n",
                rng.below(250) + 1,
                30_000 + rng.below(30_000),
                2_000 + rng.below(80_000)
            )),
        }
        // The deliveries.
        let local = kind >= 7 || rng.below(3) == 0;
        let rcpt = if kind >= 7 {
            format!("u{user}@d{dom}.example.com")
        } else {
            format!("r{ruser}@d{rdom}.example.com")
        };
        let local_part = rcpt.split('@').next().unwrap_or("").to_string();
        let odd = rng.below(100);
        if local {
            lines.push_str(&format!(
                "{head} => {local_part} <{rcpt}> R=virtual_user T=dovecot_virtual_delivery C=\"250 2.0.0 <{rcpt}> mW3kGEbp0F7BFgAAgiGGmw Saved\"\n"
            ));
        } else if odd == 0 {
            lines.push_str(&format!(
                "{head} ** {rcpt} R=dkim_lookuphost T=dkim_remote_smtp H=mx.d{rdom}.example.com [198.51.100.{}]: SMTP error from remote mail server after RCPT TO:<{rcpt}>: 554 5.7.1 Service unavailable; Client host [192.0.2.10] blocked using zen.spamhaus.org\n",
                rng.below(250) + 1
            ));
        } else if odd == 1 {
            lines.push_str(&format!(
                "{head} == {rcpt} R=check_mail_permissions defer (-1): Domain d{dom}.example.com has exceeded the max emails per hour (101/100 (101%)) allowed.  Message will be reattempted later\n"
            ));
        } else if odd < 5 {
            lines.push_str(&format!(
                "{head} == {rcpt} R=dkim_lookuphost T=dkim_remote_smtp defer (-44) H=mx.d{rdom}.example.com [198.51.100.{}]: SMTP error from remote mail server after RCPT TO:<{rcpt}>: 451 4.7.1 Greylisted, please try again later\n",
                rng.below(250) + 1
            ));
        } else {
            lines.push_str(&format!(
                "{head} => {rcpt} R=dkim_lookuphost T=dkim_remote_smtp H=mx.d{rdom}.example.com [198.51.100.{}] X=TLS1.3:TLS_AES_256_GCM_SHA384:256 CV=yes C=\"250 2.0.0 Ok: queued as {n:X}\" QT=1s DT=0s\n",
                rng.below(250) + 1
            ));
        }
        if odd >= 2 {
            lines.push_str(&format!("{head} Completed\n"));
        }
        out.write_all(lines.as_bytes())?;
        written += lines.len() as u64;
    }
    out.flush()
}
