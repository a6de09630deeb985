//! EXIM003: the RCPT ACL accepts mail for any domain from any host (an open relay).
//!
//! The ACLs Exim runs for an SMTP session are walked the way Exim walks them, for the client an
//! open relay serves: a host with an address of its own choosing (in no host list of specific
//! hosts, and not authenticated), which sends `MAIL FROM` and `RCPT TO` of its choosing, for a
//! domain of no list of specific domains. Each condition is, for that client, always true, never
//! true, the client's choice (the sender, the HELO name, TLS, the local part…), or unknown (an
//! expansion, a lookup of a file, another ACL…). A statement decides only when its conditions
//! do: an `accept` whose conditions the client can all meet, reached without a `deny` that could
//! stop the client on the way, is an open relay; an unknown condition anywhere on the way makes
//! the verdict unknown, and nothing is reported. So cPanel's stock ACLs (whose accepts depend on
//! authentication, local domains, lookups of files and expansions) are never reported.

use crate::finding::{Finding, Loc as FLoc};
use crate::model::Server;
use crate::parse::exim::{Acl, AclStatement, AclVerb, Config, ListKind, Loc, list};

use super::{FAMILY, item_loc};

rule!(
    EXIM003,
    "open-relay",
    Error,
    None,
    None,
    [EXIM],
    "relay_from_hosts or relay_domains admits the whole Internet, or an RCPT ACL accepts before any relay check."
);

/// A condition, for the client of an open relay.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    Always,
    Never,
    /// The client can make it true or false.
    Choice,
    Unknown,
}

impl Cond {
    fn not(self) -> Cond {
        match self {
            Cond::Always => Cond::Never,
            Cond::Never => Cond::Always,
            c => c,
        }
    }
}

/// An item that makes a list match every host or every domain: where it is, and its text.
#[derive(Clone, Debug)]
pub struct Culprit {
    pub loc: Loc,
    pub text: String,
    /// The named list it is in, if any.
    pub list: Option<String>,
}

/// Whether an item, by itself, matches any host (any domain): `*`, or for hosts `0.0.0.0/0`
/// and `::/0`.
fn matches_anything(kind: ListKind, text: &str) -> bool {
    text == "*"
        || (kind == ListKind::Host
            && matches!(text, "0.0.0.0/0" | "::/0" | "0/0" | "::0/0" | "0::0/0"))
}

/// Whether a list matches the client's host (or a foreign domain), as Exim matches lists: the
/// first item that matches decides (a `!` item decides "no"); when none matches, the list
/// matches only if its last item was negated.
pub fn list_cond(
    c: &Config,
    kind: ListKind,
    value: &str,
    value_loc: Loc,
    list_name: Option<&str>,
    depth: usize,
) -> (Cond, Option<Culprit>) {
    if depth > 16 {
        return (Cond::Unknown, None);
    }
    let items = list::items(value);
    let last_negated = items.last().is_some_and(|i| i.negated);
    for item in &items {
        let (hit, culprit) = if item.is_expanded() {
            (Cond::Unknown, None)
        } else if matches_anything(kind, &item.text) {
            (
                Cond::Always,
                Some(Culprit {
                    loc: item_loc(c, value_loc, value, item.range.clone()),
                    text: item.text.clone(),
                    list: list_name.map(str::to_string),
                }),
            )
        } else if let Some(name) = item.reference() {
            match c.named_list(kind, name) {
                Some(l) => list_cond(c, kind, &l.value, l.value_loc, Some(&l.name), depth + 1),
                // An undefined list is an error at run time (EXIM006): the check fails.
                None => (Cond::Unknown, None),
            }
        } else if kind == ListKind::Domain && item.text.starts_with('^') {
            // A regular expression may match any domain.
            (Cond::Unknown, None)
        } else {
            // A specific host or domain, a lookup in a file, `@`, `@[]`, `localhost`, the empty
            // item (local submission): not the client's host, not a foreign domain.
            (Cond::Never, None)
        };
        match hit {
            Cond::Never => continue,
            Cond::Always => {
                return if item.negated {
                    (Cond::Never, None)
                } else {
                    (Cond::Always, culprit)
                };
            }
            _ => return (Cond::Unknown, None),
        }
    }
    if last_negated {
        (Cond::Always, None)
    } else {
        (Cond::Never, None)
    }
}

/// One condition of an ACL statement, for the client.
fn condition(
    c: &Config,
    name: &str,
    value: Option<&str>,
    value_loc: Option<Loc>,
) -> (Cond, Option<Culprit>) {
    let v = value.unwrap_or("").trim();
    let list = |kind| match value_loc {
        Some(loc) => list_cond(c, kind, value.unwrap_or(""), loc, None, 0),
        None => (Cond::Unknown, None),
    };
    let cond = match name {
        "hosts" => return list(ListKind::Host),
        "domains" => return list(ListKind::Domain),
        // The client has not authenticated: no list matches it.
        "authenticated" => Cond::Never,
        "dnslists" => Cond::Never,
        "verify" => {
            let what = v.split(['/', ' ']).next().unwrap_or("");
            match what {
                "certificate" => Cond::Never,
                "recipient"
                | "sender"
                | "helo"
                | "reverse_host_lookup"
                | "header_syntax"
                | "header_sender"
                | "not_blind"
                | "csa"
                | "header_names_ascii"
                | "arc" => Cond::Choice,
                _ => Cond::Unknown,
            }
        }
        "encrypted" | "senders" | "sender_domains" | "local_parts" | "spf" | "spf_guess"
        | "dkim_signers" | "dkim_status" | "dmarc_status" | "ratelimit" => Cond::Choice,
        "recipients" if v == "*" => Cond::Always,
        "condition" => {
            let l = v.to_ascii_lowercase();
            if l == "yes"
                || l == "true"
                || (!l.is_empty()
                    && l.bytes().all(|b| b.is_ascii_digit())
                    && l.bytes().any(|b| b != b'0'))
            {
                Cond::Always
            } else if l.is_empty() || l == "no" || l == "false" || l.bytes().all(|b| b == b'0') {
                Cond::Never
            } else {
                Cond::Unknown
            }
        }
        _ => Cond::Unknown,
    };
    (cond, None)
}

/// What a statement does to the client.
#[derive(Clone, Debug)]
enum Outcome {
    /// The statement does not apply; the next one is read.
    Next,
    /// The client is accepted (for `accept`), with the item that opened the door.
    Accepted(Option<Culprit>),
    /// The client is refused, or its mail dropped.
    Stopped,
    /// It depends on what is not known.
    Unknown,
}

fn statement(c: &Config, st: &AclStatement) -> Outcome {
    let mut pre: Vec<(Cond, Option<Culprit>)> = Vec::new();
    let mut post: Vec<(Cond, Option<Culprit>)> = Vec::new();
    let mut after_endpass = false;
    for item in &st.items {
        if item.name == "endpass" {
            after_endpass = true;
            continue;
        }
        if item.is_modifier {
            continue;
        }
        let (cond, culprit) = condition(c, &item.name, item.value.as_deref(), item.value_loc);
        let cond = if item.negated { cond.not() } else { cond };
        let culprit = if item.negated { None } else { culprit };
        if after_endpass {
            post.push((cond, culprit));
        } else {
            pre.push((cond, culprit));
        }
    }
    let all = |v: &[(Cond, Option<Culprit>)], ok: &[Cond]| v.iter().all(|(c, _)| ok.contains(c));
    let any = |v: &[(Cond, Option<Culprit>)], what: Cond| v.iter().any(|(c, _)| *c == what);
    let can = [Cond::Always, Cond::Choice];
    match st.verb {
        AclVerb::Accept | AclVerb::Discard => {
            if any(&pre, Cond::Never) {
                return Outcome::Next;
            }
            if !all(&pre, &can) {
                // It may accept the client or pass it on: either way the client goes on,
                // unless the statement can refuse it after `endpass`, or discard its mail.
                return if st.verb == AclVerb::Accept && all(&post, &can) {
                    Outcome::Next
                } else {
                    Outcome::Unknown
                };
            }
            if any(&post, Cond::Never) {
                return Outcome::Stopped;
            }
            if !all(&post, &can) {
                return Outcome::Unknown;
            }
            if st.verb == AclVerb::Discard {
                return Outcome::Stopped;
            }
            let culprit = pre.into_iter().chain(post).find_map(|(_, c)| c);
            Outcome::Accepted(culprit)
        }
        AclVerb::Deny | AclVerb::Drop | AclVerb::Defer => {
            let all_items: Vec<_> = pre.into_iter().chain(post).collect();
            if any(&all_items, Cond::Never) || any(&all_items, Cond::Choice) {
                Outcome::Next
            } else if all(&all_items, &[Cond::Always]) {
                Outcome::Stopped
            } else {
                Outcome::Unknown
            }
        }
        AclVerb::Require => {
            let all_items: Vec<_> = pre.into_iter().chain(post).collect();
            if any(&all_items, Cond::Never) {
                Outcome::Stopped
            } else if all(&all_items, &can) {
                Outcome::Next
            } else {
                Outcome::Unknown
            }
        }
        AclVerb::Warn => Outcome::Next,
    }
}

/// The verdict of an ACL for the client: the statement that accepts it (with the item that
/// opened the door), `Err(true)` when it is refused, `Err(false)` when it is not known.
pub fn walk(c: &Config, acl: &Acl) -> Result<(usize, Option<Culprit>), bool> {
    for (i, st) in acl.statements.iter().enumerate() {
        match statement(c, st) {
            Outcome::Next => continue,
            Outcome::Accepted(culprit) => return Ok((i, culprit)),
            Outcome::Stopped => return Err(true),
            Outcome::Unknown => return Err(false),
        }
    }
    // The end of an ACL denies.
    Err(true)
}

/// What the ACL an option names does to the client: `Some(true)` accepted (or no ACL: Exim
/// then accepts, except for RCPT), `Some(false)` refused, `None` unknown.
fn gate(c: &Config, option: &str) -> Option<bool> {
    let Some(o) = c.main_option(option) else {
        return Some(true);
    };
    let v = o.value.as_deref().unwrap_or("").trim();
    if v.is_empty() {
        return Some(true);
    }
    match c.acl(v) {
        Some(acl) => match walk(c, acl) {
            Ok(_) => Some(true),
            Err(true) => Some(false),
            Err(false) => None,
        },
        None if v == "accept" => Some(true),
        None => None,
    }
}

pub(super) fn check(s: &Server, c: &Config, out: &mut Vec<Finding>) {
    let Some(opt) = c.main_option("acl_smtp_rcpt") else {
        // Without an RCPT ACL, Exim refuses every recipient of an SMTP client.
        return;
    };
    let name = opt.value.as_deref().unwrap_or("").trim();
    // The client must get through the earlier stages too.
    for stage in ["acl_smtp_connect", "acl_smtp_helo", "acl_smtp_mail"] {
        if gate(c, stage) != Some(true) {
            return;
        }
    }
    let opt_loc = s.exim_loc(opt.value_loc.unwrap_or(opt.loc));
    let (acl, verdict) = match c.acl(name) {
        Some(acl) => (Some(acl), walk(c, acl)),
        // `acl_smtp_rcpt = accept`: inline ACL text that accepts every recipient.
        None if name == "accept" => (None, Ok((0, None))),
        None => return,
    };
    let Ok((i, culprit)) = verdict else {
        return;
    };
    let acl_name = acl.map_or("(inline)".to_string(), |a| format!("`{}`", a.name));
    let st_loc: FLoc = match acl {
        Some(a) => s.exim_loc(a.statements[i].verb_loc),
        None => opt_loc.clone(),
    };
    let mut f = match &culprit {
        Some(k) => {
            let whose = match &k.list {
                Some(l) => format!("the named list `{l}`"),
                None => "the condition".to_string(),
            };
            let what = if k.text == "*" {
                "everything"
            } else {
                "every host"
            };
            Finding::new(
                &EXIM003,
                format!(
                    "open relay: `{}` in {whose} matches {what}, and the RCPT ACL {acl_name} accepts on it: any host can send mail through this server to any domain",
                    k.text
                ),
            )
            .at(s.exim_loc(k.loc))
            .label(format!("`{}` matches {what}", k.text))
            .related(st_loc, "this `accept` lets it through")
        }
        None => Finding::new(
            &EXIM003,
            format!(
                "open relay: the RCPT ACL {acl_name} accepts mail for any domain from any host before any relay check"
            ),
        )
        .at(st_loc)
        .label("accepts any host, any domain"),
    };
    f = f
        .related(opt_loc, "the RCPT ACL")
        .note("an unauthenticated client from anywhere can have this server deliver its mail to any domain: spammers find open relays within hours, and the server's addresses are then blocklisted, so legitimate mail from every account is refused")
        .help("relay only for authenticated clients and the hosts that need it: `accept hosts = +relay_from_hosts` with a list of specific networks, `accept authenticated = *`, and `require domains = +local_domains : +relay_to_domains` before any other accept");
    if s.exim_is_cpanel() {
        f = f.note("on cPanel, change the ACL or list in etc/exim.conf.local (WHM » Exim Configuration Manager » Advanced Editor) and run /usr/local/cpanel/scripts/buildeximconf: etc/exim.conf is generated");
    }
    out.push(f);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parse::exim::{IncludeOutcome, IncludeRequest};
    use crate::source::SourceFile;

    fn config(text: &str) -> Config {
        let mut resolve = |_: &IncludeRequest| IncludeOutcome::NotFound;
        crate::parse::exim::load(SourceFile::from_str("etc/exim.conf", text), &mut resolve)
    }

    fn verdict(acl: &str) -> Result<usize, bool> {
        let c = config(&format!(
            "hostlist any = 0.0.0.0/0\nhostlist some = 192.0.2.0/24\ndomainlist local_domains = example.com\ndomainlist all = *\nbegin acl\nr:\n{acl}\n"
        ));
        walk(&c, c.acl("r").unwrap()).map(|(i, _)| i)
    }

    #[test]
    fn host_and_domain_lists_for_a_client_of_no_list() {
        let c = config("hostlist h = 192.0.2.1\n");
        let loc = Loc::default();
        let cond = |kind, v: &str| list_cond(&c, kind, v, loc, None, 0).0;
        assert_eq!(cond(ListKind::Host, "*"), Cond::Always);
        assert_eq!(cond(ListKind::Host, "<; ::/0"), Cond::Always);
        assert_eq!(
            cond(ListKind::Host, "192.0.2.0/24 : localhost"),
            Cond::Never
        );
        assert_eq!(
            cond(ListKind::Host, ":"),
            Cond::Never,
            "local submission only"
        );
        assert_eq!(
            cond(ListKind::Host, "! +h"),
            Cond::Always,
            "a trailing negation"
        );
        assert_eq!(cond(ListKind::Host, "!* : *"), Cond::Never);
        assert_eq!(cond(ListKind::Host, "${lookup…}"), Cond::Unknown);
        assert_eq!(
            cond(ListKind::Domain, "+local_domains"),
            Cond::Unknown,
            "undefined"
        );
        assert_eq!(
            cond(ListKind::Domain, "lsearch;/etc/localdomains"),
            Cond::Never
        );
    }

    #[test]
    fn acls_walked_for_the_client_of_an_open_relay() {
        assert_eq!(verdict("  accept"), Ok(0));
        assert_eq!(verdict("  accept hosts = +any"), Ok(0));
        assert_eq!(
            verdict("  accept hosts = +some\n  accept domains = +all"),
            Ok(1)
        );
        assert_eq!(
            verdict("  accept verify = sender"),
            Ok(0),
            "the client's choice"
        );
        // Refused before the accept.
        assert_eq!(
            verdict("  require domains = +local_domains\n  accept"),
            Err(true)
        );
        assert_eq!(verdict("  deny !authenticated = *\n  accept"), Err(true));
        assert_eq!(verdict("  accept authenticated = *\n  deny"), Err(true));
        // A deny the client can avoid does not stop it.
        assert_eq!(
            verdict("  deny dnslists = zen.example.net\n  accept"),
            Ok(1)
        );
        // Unknown on the way: no verdict.
        assert_eq!(verdict("  deny condition = ${if …}\n  accept"), Err(false));
        // A maybe-accept that cannot refuse the client lets it on.
        assert_eq!(
            verdict(
                "  accept condition = ${if …}\n         endpass\n         verify = recipient\n  accept"
            ),
            Ok(1)
        );
        // The end of an ACL denies.
        assert_eq!(verdict("  warn"), Err(true));
    }
}
