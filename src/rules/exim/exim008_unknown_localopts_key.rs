//! EXIM008: a key of `etc/exim.conf.localopts` that cPanel does not read.

use crate::finding::Finding;
use crate::model::Server;
use crate::model::exim::{LOCALOPTS_KEYS, localopts_key_known};
use crate::rules::catalog::distance;

use super::FAMILY;

rule!(
    EXIM008,
    "unknown-localopts-key",
    Warning,
    None,
    None,
    [EXIM],
    "A key in etc/exim.conf.localopts that cPanel does not know: the setting is silently ignored."
);

/// The known key a mistyped one was probably meant to be.
fn closest(key: &str) -> Option<&'static str> {
    let trimmed = key.trim();
    if trimmed != key && localopts_key_known(trimmed) {
        return LOCALOPTS_KEYS.iter().copied().find(|k| *k == trimmed);
    }
    let best = LOCALOPTS_KEYS
        .iter()
        .map(|k| (distance(trimmed, k), *k))
        .min()?;
    (best.0 <= 2 && best.0 < trimmed.len() / 3 + 1).then_some(best.1)
}

pub(super) fn check(s: &Server, out: &mut Vec<Finding>) {
    for o in s.localopts() {
        if localopts_key_known(&o.key) {
            continue;
        }
        let file = if o.shadow {
            "etc/exim.conf.localopts.shadow"
        } else {
            "etc/exim.conf.localopts"
        };
        let shown = &o.key;
        let trimmed = o.key.trim();
        let spaced = trimmed != o.key && localopts_key_known(trimmed);
        let message = if spaced {
            format!(
                "`{shown}` in {file} is not the key `{trimmed}`: cPanel keeps the white space around `=` in the key, so this line sets nothing"
            )
        } else {
            format!("`{shown}` in {file} is not a setting cPanel knows: it is ignored")
        };
        let mut f = Finding::new(&EXIM008, message)
            .at(o.key_loc.clone())
            .label("cPanel does not read this key")
            .note("cPanel's buildeximconf reads every `key=value` line of this file, keeps the keys it knows (the settings of WHM's Exim Configuration Manager, `acl_…` and `filter_…` switches) and silently ignores the others, so what this line means to set has no effect")
            .note("a key WHM no longer offers is a leftover of an older cPanel version; one with a typo or white space is a hand edit");
        f = match closest(&o.key) {
            Some(k) => f.help(format!(
                "did you mean `{k}`? Set it in WHM » Service Configuration » Exim Configuration Manager, or write `{k}=…` without white space and run /usr/local/cpanel/scripts/buildeximconf"
            )),
            None => f.help("remove the line, or set what it meant in WHM » Service Configuration » Exim Configuration Manager"),
        };
        out.push(f);
    }
}
