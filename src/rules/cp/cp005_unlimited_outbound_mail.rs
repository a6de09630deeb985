//! CP005: an account (or a domain of it) whose hourly send limit is unlimited, as cPanel's code
//! decides it (`shared/reference/cpanel.md` §9.1).
//!
//! - The server default is the number in `var/cpanel/maxemailsperhour` (read as Perl's `int`:
//!   leading digits, anything else 0), else cpanel.config's `maxemailsperhour`; 0 or nothing
//!   means no server-wide limit.
//! - For a domain, cPanel takes `MAX_EMAIL_PER_HOUR-<domain>` of the account's cpuser file when
//!   it is true to Perl (not empty, not `0`) and not `default`, else `MAX_EMAIL_PER_HOUR` on the
//!   same terms, else the server default.
//! - The value taken is enforced as Perl's `int` of it: `unlimited` (and any other value without
//!   leading digits, or `00`) is 0, which is no limit, even when the server has a default.

use std::collections::BTreeMap;

use crate::finding::{Finding, Loc};
use crate::model::{Account, Server};
use crate::parse::keyvalue::KvLineKind;

use super::FAMILY;

rule!(
    CP005,
    "unlimited-outbound-mail",
    Warning,
    None,
    None,
    [POLICY],
    "An account or domain whose effective hourly send limit is unlimited, as cPanel decides it."
);

/// Perl's `int` of a string: leading white space, an optional sign, then digits (0 if none).
pub fn perl_int(v: &str) -> u64 {
    let t = v.trim_start();
    let t = t.strip_prefix('+').unwrap_or(t);
    if t.starts_with('-') {
        return 0;
    }
    let digits: String = t.chars().take_while(char::is_ascii_digit).collect();
    if digits.is_empty() {
        return 0;
    }
    // Larger than any counter: no limit in practice, but a number.
    digits.parse().unwrap_or(u64::MAX)
}

/// Whether cPanel takes a cpuser value as the account's or domain's own limit: true to Perl
/// (a string other than `` and `0`) and not `default`.
pub fn own_value(v: &str) -> bool {
    !v.is_empty() && v != "0" && v != "default"
}

/// Where a domain's limit comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// `MAX_EMAIL_PER_HOUR-<domain>`.
    Domain,
    /// `MAX_EMAIL_PER_HOUR`.
    Account,
    /// The server default.
    Server,
}

/// The hourly limit cPanel enforces for a domain (`None`: no limit), and where it comes from.
pub fn effective_limit(
    server_default: u64,
    domain_value: Option<&str>,
    account_value: Option<&str>,
) -> (Option<u64>, Source) {
    let (value, source) = match (domain_value, account_value) {
        (Some(v), _) if own_value(v) => (perl_int(v), Source::Domain),
        (_, Some(v)) if own_value(v) => (perl_int(v), Source::Account),
        _ => (server_default, Source::Server),
    };
    ((value > 0).then_some(value), source)
}

/// The server default and the line that sets it (`var/cpanel/maxemailsperhour`, else
/// cpanel.config's `maxemailsperhour`).
/// `None` when the tree has neither file (a partial copy: the default is not known).
fn server_default(s: &Server) -> Option<(u64, Option<Loc>, &'static str)> {
    if let Some(f) = &s.maxemailsperhour {
        let text = f.text();
        let start = text.len() - text.trim_start().len();
        let end = text.trim_end().len().max(start);
        return Some((
            perl_int(text),
            Some(Loc::new(f.path(), crate::source::Span::new(start, end))),
            "var/cpanel/maxemailsperhour",
        ));
    }
    if let Some(c) = &s.cpanel_config {
        for line in &c.doc.lines {
            if let KvLineKind::Entry(e) = &line.kind
                && e.key == "maxemailsperhour"
            {
                let v = e.value_str().unwrap_or("");
                return Some((
                    perl_int(v),
                    Some(c.loc(line.span)),
                    "var/cpanel/cpanel.config",
                ));
            }
        }
        return Some((
            0,
            Some(Loc::file_start(c.path())),
            "var/cpanel/cpanel.config",
        ));
    }
    None
}

/// The hourly limit cPanel enforces for a domain of an account (`None`: no limit), for rules
/// that compare what was sent with it (LOG002).
pub fn domain_limit(s: &Server, account: &Account, domain: &str) -> Option<u64> {
    let default = server_default(s).map_or(0, |(v, _, _)| v);
    let d = cpuser_line(account, &format!("MAX_EMAIL_PER_HOUR-{domain}"));
    let a = cpuser_line(account, "MAX_EMAIL_PER_HOUR");
    effective_limit(
        default,
        d.as_ref().map(|(v, _)| *v),
        a.as_ref().map(|(v, _)| *v),
    )
    .0
}

/// The last `KEY=value` line of a cpuser file (cPanel's reader keeps the last).
fn cpuser_line<'a>(a: &'a Account, key: &str) -> Option<(&'a str, Loc)> {
    let cp = a.cpuser.as_ref()?;
    cp.doc.lines.iter().rev().find_map(|line| match &line.kind {
        KvLineKind::Entry(e) if e.key == key && !e.indented => {
            Some((e.value_str().unwrap_or(""), cp.loc(line.span)))
        }
        _ => None,
    })
}

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let known = server_default(s);
    let (default, default_loc, default_file) = known.clone().unwrap_or((0, None, ""));
    // (the line that makes them unlimited) → (user, value, domains)
    type Unlimited = (Loc, String, String, Source, Vec<String>);
    let mut unlimited: BTreeMap<(String, u32), Unlimited> = BTreeMap::new();
    let mut falling_back: Vec<(String, Vec<String>)> = Vec::new();
    for a in s.accounts.values() {
        if a.cpuser.is_none() {
            continue;
        }
        let account = cpuser_line(a, "MAX_EMAIL_PER_HOUR");
        let mut fallback = Vec::new();
        for d in s.domains.values().filter(|d| d.user == a.user) {
            let domain = cpuser_line(a, &format!("MAX_EMAIL_PER_HOUR-{}", d.name));
            let (limit, source) = effective_limit(
                default,
                domain.as_ref().map(|(v, _)| *v),
                account.as_ref().map(|(v, _)| *v),
            );
            if limit.is_some() {
                continue;
            }
            let line = match source {
                Source::Domain => domain,
                Source::Account => account.clone(),
                Source::Server => {
                    fallback.push(d.name.clone());
                    continue;
                }
            };
            let (value, loc) = line.expect("the line that gave the value");
            unlimited
                .entry((loc.file.clone(), loc.span.start))
                .or_insert_with(|| (loc, a.user.clone(), value.to_string(), source, Vec::new()))
                .4
                .push(d.name.clone());
        }
        if !fallback.is_empty() {
            falling_back.push((a.user.clone(), fallback));
        }
    }
    let why = "a compromised mailbox password, web form or script can then send mail without limit until the server's addresses are on blocklists, and every account's mail is refused";
    for (loc, user, value, source, domains) in unlimited.into_values() {
        let key_text = crate::escape::Esc(&value).to_string();
        let what = if value == "unlimited" {
            "unlimited".to_string()
        } else {
            format!("`{key_text}`, which cPanel reads as no limit")
        };
        let (message, domain) = match source {
            Source::Domain => (
                format!(
                    "{} may send unlimited mail: MAX_EMAIL_PER_HOUR-{} of account {user} is {what}",
                    domains[0], domains[0]
                ),
                Some(domains[0].clone()),
            ),
            _ => (
                format!(
                    "account {user} may send unlimited mail from {}: its MAX_EMAIL_PER_HOUR is {what}",
                    domains.join(", ")
                ),
                None,
            ),
        };
        let mut f = Finding::new(&CP005, message)
            .at(loc)
            .user(user.clone())
            .maybe_domain(domain)
            .label("no hourly send limit")
            .note(why);
        f = if default > 0 {
            f.note(format!(
                "this overrides the server's default of {default} messages per hour ({default_file}): `unlimited` beats it, while `0`, `default` or no value would take it"
            ))
        } else {
            f.note("the server has no default limit either (WHM » Tweak Settings » Mail » \"Max hourly emails per domain\")")
        };
        out.push(f.help(format!(
            "set a limit in WHM » Account Functions » Modify an Account (\"Maximum Hourly Email by Domain Relayed\"), or with: whmapi1 modifyacct user={user} MAX_EMAIL_PER_HOUR=500; then cPanel rebuilds etc/email_send_limits (/usr/local/cpanel/scripts/updateuserdomains)"
        )));
    }
    if known.is_some() && default == 0 && !falling_back.is_empty() && !s.is_account_backup() {
        let accounts: Vec<&str> = falling_back.iter().map(|(u, _)| u.as_str()).collect();
        let shown = if accounts.len() > 5 {
            format!(
                "{} and {} more",
                accounts[..5].join(", "),
                accounts.len() - 5
            )
        } else {
            accounts.join(", ")
        };
        let mut f = Finding::new(
            &CP005,
            format!(
                "the server has no default hourly send limit: {} account{} without a limit of their own may send unlimited mail ({shown})",
                accounts.len(),
                if accounts.len() == 1 { "" } else { "s" }
            ),
        )
        .label("no server default")
        .note(why)
        .note("cPanel applies the server default (WHM » Tweak Settings » Mail » \"Max hourly emails per domain\", kept in var/cpanel/maxemailsperhour) to every domain whose account sets no limit of its own, or sets 0 or `default`; with no default, or 0, those domains have no limit")
        .help("set \"Max hourly emails per domain\" in WHM » Tweak Settings » Mail (for instance 500); accounts that need more get their own MAX_EMAIL_PER_HOUR");
        if let Some(loc) = default_loc {
            f = f.at(loc);
        }
        for (user, _) in falling_back.iter().take(5) {
            let Some(a) = s.accounts.get(user) else {
                continue;
            };
            let (loc, what) = match cpuser_line(a, "MAX_EMAIL_PER_HOUR") {
                Some((v, loc)) => (loc, format!("{user}: `{v}` takes the server default")),
                None => match cpuser_line(a, "DNS") {
                    Some((_, loc)) => (loc, format!("{user}: no MAX_EMAIL_PER_HOUR")),
                    None => continue,
                },
            };
            f = f.related(loc, what);
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Reference cpanel.md §9.1: every server default (unset, 0, N) against every account value
    /// (absent, `0`, `default`, N, `unlimited`).
    #[test]
    fn truth_table_of_the_hourly_limit() {
        let n = 300u64;
        let m = "120";
        // (server default, account value, expected limit, where it comes from)
        let table: &[(u64, Option<&str>, Option<u64>, Source)] = &[
            (0, None, None, Source::Server),
            (0, Some("0"), None, Source::Server),
            (0, Some("default"), None, Source::Server),
            (0, Some(m), Some(120), Source::Account),
            (0, Some("unlimited"), None, Source::Account),
            (n, None, Some(n), Source::Server),
            (n, Some("0"), Some(n), Source::Server),
            (n, Some("default"), Some(n), Source::Server),
            (n, Some(m), Some(120), Source::Account),
            (n, Some("unlimited"), None, Source::Account),
        ];
        // "unset" and 0 are the same number to cPanel (cpanel.config's 0 is stored as unset,
        // and the file holds no number): both rows of 0 stand for both.
        for &(default, value, limit, source) in table {
            assert_eq!(
                effective_limit(default, None, value),
                (limit, source),
                "default {default}, MAX_EMAIL_PER_HOUR={value:?}"
            );
            // The same values on the domain key decide the same way, over any account value.
            for account in [
                None,
                Some("0"),
                Some("default"),
                Some("77"),
                Some("unlimited"),
            ] {
                let got = effective_limit(default, value, account);
                let expected = match value {
                    Some(v) if own_value(v) => (limit, Source::Domain),
                    _ => effective_limit(default, None, account),
                };
                assert_eq!(
                    got, expected,
                    "domain {value:?}, account {account:?}, default {default}"
                );
            }
        }
    }

    #[test]
    fn values_as_perl_reads_them() {
        assert_eq!(perl_int("500\n"), 500);
        assert_eq!(perl_int(" 500"), 500);
        assert_eq!(perl_int("500abc"), 500);
        assert_eq!(perl_int("unlimited"), 0);
        assert_eq!(perl_int(""), 0);
        assert_eq!(perl_int("-5"), 0);
        // `00` is true to Perl, so it is the account's own value, and its number is 0: no limit.
        assert_eq!(
            effective_limit(300, None, Some("00")),
            (None, Source::Account)
        );
        // A space after `=` stays in the value: ` 0` is true, its number 0.
        assert_eq!(
            effective_limit(300, None, Some(" 0")),
            (None, Source::Account)
        );
        assert_eq!(
            effective_limit(0, Some("0"), Some("250")),
            (Some(250), Source::Account)
        );
    }
}
