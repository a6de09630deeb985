//! DNS001 (with `--resolve`): a lookup a domain's verdicts need timed out, was refused or
//! failed: the domain is not verified against public DNS.

use crate::finding::Finding;
use crate::model::Server;

use super::FAMILY;

rule!(
    DNS001,
    "dns-unverifiable",
    Info,
    None,
    None,
    [MAIL_DOMAINS],
    "A DNS lookup needed to judge a domain failed: it is reported as not verified (--resolve)."
);

/// Most failed lookups named in one finding.
const MAX_SHOWN: usize = 8;

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    let Some(view) = &s.public else { return };
    for domain in view.needed.keys() {
        let failures = view.failures(domain);
        let Some((q0, f0)) = failures.first() else {
            continue;
        };
        let mut f = Finding::new(
            &DNS001,
            format!(
                "{domain} is not verified against public DNS: the lookup of {q0} {f0}{}",
                if failures.len() > 1 {
                    format!(" (and {} more)", failures.len() - 1)
                } else {
                    String::new()
                }
            ),
        )
        .domain(domain)
        .maybe_user(s.domains.get(domain).map(|i| i.user.clone()))
        .note(format!(
            "asked through {}; the checks of {domain} that need this answer (RT013, RT014 and the online SPF, DKIM, MX and NS checks) were not made, so their silence says nothing",
            view.source
        ));
        for (q, failure) in failures.iter().skip(1).take(MAX_SHOWN - 1) {
            f = f.note(format!("the lookup of {q} {failure}"));
        }
        if failures.len() > MAX_SHOWN {
            f = f.note(format!(
                "and {} more failed lookups",
                failures.len() - MAX_SHOWN
            ));
        }
        f = f.help("check that the resolvers answer (`dig @RESOLVER NAME TYPE`), raise --dns-timeout, or name other resolvers with --resolver IP[:PORT]");
        out.push(f);
    }
}
