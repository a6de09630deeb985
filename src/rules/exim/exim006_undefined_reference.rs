//! EXIM006: a name Exim looks up at run time that the configuration does not define: a router's
//! transport, an `acl_smtp_*` ACL, a `+name` named list.

use crate::finding::Finding;
use crate::model::Server;
use crate::parse::exim::{AclVerb, Config, ListKind, Loc, OptionSetting, list};

use super::{FAMILY, item_loc};

rule!(
    EXIM006,
    "undefined-reference",
    Error,
    None,
    None,
    [EXIM],
    "A router names an undefined transport, an acl_smtp_* option an undefined ACL, a +list an undefined list."
);

/// The router options whose value is the name of a transport.
const TRANSPORT_OPTIONS: &[&str] = &[
    "transport",
    "file_transport",
    "pipe_transport",
    "reply_transport",
    "directory_transport",
];

/// The kind of named list an option of a driver or of the main section holds, if it is a list
/// that may refer to named lists.
fn option_list_kind(name: &str, main: bool) -> Option<ListKind> {
    match name {
        // Domain lists despite their names, and host options that are not matched against.
        "hosts_treat_as_local"
        | "dns_again_means_nonexist"
        | "dns_ipv4_lookup"
        | "dns_trust_aa"
        | "dnssec_request_domains"
        | "dnssec_require_domains" => Some(ListKind::Domain),
        "hosts_max_try"
        | "hosts_max_try_hardlimit"
        | "hosts_override"
        | "hosts_randomize"
        | "fallback_hosts"
        | "hosts" => None,
        "domains" if !main => Some(ListKind::Domain),
        "local_parts" if !main => Some(ListKind::LocalPart),
        "senders" if !main => Some(ListKind::Address),
        "ignore_target_hosts" if !main => Some(ListKind::Host),
        "host_lookup" | "host_reject_connection" => Some(ListKind::Host),
        n if n.ends_with("_hosts") || n.starts_with("hosts_") => Some(ListKind::Host),
        n if main && n.ends_with("_domains") => Some(ListKind::Domain),
        _ => None,
    }
}

/// The kind of named list an ACL condition holds.
fn condition_list_kind(name: &str) -> Option<ListKind> {
    match name {
        "domains" | "sender_domains" => Some(ListKind::Domain),
        "hosts" => Some(ListKind::Host),
        "senders" | "recipients" => Some(ListKind::Address),
        "local_parts" => Some(ListKind::LocalPart),
        _ => None,
    }
}

fn kind_word(kind: ListKind) -> &'static str {
    match kind {
        ListKind::Domain => "domain",
        ListKind::Host => "host",
        ListKind::Address => "address",
        ListKind::LocalPart => "local part",
    }
}

struct Ctx<'a> {
    s: &'a Server,
    c: &'a Config,
    out: &'a mut Vec<Finding>,
}

impl Ctx<'_> {
    /// Every `+name` of a list that names no list of its kind.
    fn lists(&mut self, kind: ListKind, value: &str, value_loc: Loc, place: &str) {
        for item in list::items(value) {
            let Some(name) = item.reference() else {
                continue;
            };
            if self.c.named_list(kind, name).is_some() {
                continue;
            }
            let other = [
                ListKind::Domain,
                ListKind::Host,
                ListKind::Address,
                ListKind::LocalPart,
            ]
            .into_iter()
            .find(|k| self.c.named_list(*k, name).is_some());
            let loc = item_loc(self.c, value_loc, value, item.range.clone());
            let mut f = Finding::new(
                &EXIM006,
                format!("{place} refers to `+{name}`, but no {} list `{name}` is defined", kind_word(kind)),
            )
            .at(self.s.exim_loc(loc))
            .label(format!("no `{}list {name}`", kind.keyword().trim_end_matches("list")))
            .note(format!(
                "Exim looks named lists up when it uses them: every check that reaches this item fails with \"unknown named {} list \\\"+{name}\\\"\", which defers the message or the SMTP command (451) instead of deciding",
                kind_word(kind)
            ));
            if let Some(k) = other {
                let l = self.c.named_list(k, name).expect("found above");
                f = f
                    .related(
                        self.s.exim_loc(l.name_loc),
                        format!("a {} list of that name", kind_word(k)),
                    )
                    .help(format!(
                        "a `{}` of this name exists, but a {} list can only refer to a `{}`",
                        k.keyword(),
                        kind_word(kind),
                        kind.keyword()
                    ));
            } else {
                f = f.help(format!(
                    "define `{} {name} = …` in the main section, or correct the name",
                    kind.keyword()
                ));
            }
            self.out.push(f);
        }
    }

    fn option_lists(&mut self, o: &OptionSetting, main: bool, place: &str) {
        let (Some(kind), Some(value), Some(loc)) =
            (option_list_kind(&o.name, main), &o.value, o.value_loc)
        else {
            return;
        };
        self.lists(kind, value, loc, &format!("{place} `{}`", o.name));
    }

    /// An ACL named by a main option or an `acl =` condition.
    fn acl_name(&mut self, value: &str, loc: Loc, place: &str) {
        let v = value.trim();
        // Expanded, a file, inline ACL text (white space or a verb) or empty: not a name.
        if v.is_empty()
            || v.contains('$')
            || v.starts_with('/')
            || v.contains(char::is_whitespace)
            || AclVerb::parse(v).is_some()
            || self.c.acl(v).is_some()
        {
            return;
        }
        self.out.push(
            Finding::new(&EXIM006, format!("{place} names the ACL `{v}`, which is not defined"))
                .at(self.s.exim_loc(loc))
                .label("no ACL of this name")
                .note(format!(
                    "Exim reads a single word that is not an ACL name as the text of an ACL: `{v}` is no verb, so every use of this ACL fails (\"unknown ACL verb\") and the SMTP command is deferred with 451: no mail gets through it"
                ))
                .help("define the ACL in the ACL section (`begin acl`), or correct the name"),
        );
    }
}

pub(super) fn check(s: &Server, c: &Config, out: &mut Vec<Finding>) {
    let mut cx = Ctx { s, c, out };
    for o in &c.options {
        if (o.name.starts_with("acl_smtp_") || o.name.starts_with("acl_not_smtp"))
            && let (Some(v), Some(loc)) = (&o.value, o.value_loc)
        {
            cx.acl_name(v, loc, &format!("`{}`", o.name));
        }
        cx.option_lists(o, true, "the main option");
    }
    for l in &c.named_lists {
        cx.lists(
            l.kind,
            &l.value,
            l.value_loc,
            &format!("`{} {}`", l.kind.keyword(), l.name),
        );
    }
    for r in c.routers() {
        for o in &r.options {
            if TRANSPORT_OPTIONS.contains(&o.name.as_str())
                && let (Some(v), Some(loc)) = (&o.value, o.value_loc)
            {
                let v = v.trim();
                if !v.is_empty() && !v.contains('$') && c.transport(v).is_none() {
                    cx.out.push(
                        Finding::new(
                            &EXIM006,
                            format!("router `{}` names the transport `{v}`, which is not defined", r.name),
                        )
                        .at(s.exim_loc(loc))
                        .label("no transport of this name")
                        .note("Exim looks the transport up when the router accepts an address: every address this router handles is deferred (\"transport not found\") and stays in the queue until it bounces")
                        .help("define the transport in `begin transports`, or correct the name"),
                    );
                }
            }
            cx.option_lists(o, false, &format!("router `{}`", r.name));
        }
    }
    for t in c.transports() {
        for o in &t.options {
            cx.option_lists(o, false, &format!("transport `{}`", t.name));
        }
    }
    for a in c.acls() {
        for st in &a.statements {
            for item in &st.items {
                let (Some(v), Some(loc)) = (&item.value, item.value_loc) else {
                    continue;
                };
                if item.name == "acl" {
                    cx.acl_name(v, loc, &format!("an `acl` condition of ACL `{}`", a.name));
                } else if let Some(kind) = condition_list_kind(&item.name) {
                    cx.lists(
                        kind,
                        v,
                        loc,
                        &format!("the `{}` condition of ACL `{}`", item.name, a.name),
                    );
                }
            }
        }
    }
    for r in &c.retry_rules {
        if let Some(name) = r.pattern.strip_prefix('+')
            && !name.is_empty()
            && c.named_list(ListKind::Address, name).is_none()
            && c.named_list(ListKind::Domain, name).is_none()
        {
            cx.lists(ListKind::Address, &r.pattern, r.pattern_loc, "a retry rule");
        }
    }
}
