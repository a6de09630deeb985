//! With `--resolve`: DKIM001 and DKIM002 judged from the record public DNS serves at the
//! selector, where the local zone does not already say the same (a zone hosted elsewhere, or a
//! stale local copy that holds the right key while the Internet sees another or none). The
//! findings say they judged public DNS; their fix is at the DNS host, so they carry none.

use crate::dns::{Answer, QType};
use crate::finding::Finding;
use crate::model::dkim::{Local, SELECTOR, key_file_loc, key_matches};
use crate::rules::Selection;

use super::{DKIM001, DKIM002, Dom};

pub(super) fn check(
    s: &crate::model::Server,
    dom: &Dom<'_>,
    sel: &Selection,
    out: &mut Vec<Finding>,
) {
    let st = &dom.st;
    let Local::Usable(local) = &st.local else {
        return;
    };
    let Some(view) = &s.public else { return };
    let Some(answer) = view.get(&st.name, QType::Txt) else {
        return;
    };
    // What the local zone says: the offline rules report their own cases.
    let local_has = st.zone.is_some() && !st.records.is_empty();
    let local_ok = matches!(st.records.as_slice(), [r] if !r.is_malformed() && r.matches(local));
    let d = &st.domain;
    let source = &view.source;
    let keys: Vec<(String, crate::parse::dkim::DkimKey)> = answer
        .txts()
        .into_iter()
        .map(|t| {
            let k = crate::parse::dkim::parse(&t);
            (t, k)
        })
        .filter(|(_, k)| k.public_key.is_some() || k.list.get("v").is_some())
        .collect();
    match answer {
        Answer::NxDomain | Answer::NoData | Answer::Records(_) if keys.is_empty() => {
            if !sel.on(&DKIM001) || (st.zone.is_some() && !local_has) {
                return;
            }
            out.push(
                dom.finding(
                    &DKIM001,
                    format!(
                        "Exim signs {d}'s mail with the key in {}, but public DNS publishes no DKIM record at {}",
                        local.file.file.path(),
                        st.name
                    ),
                )
                .at(key_file_loc(local.file))
                .label(format!("the {} Exim signs with", local.describe()))
                .note(format!(
                    "judged from public DNS (asked through {source}){}: receivers find no key at the selector, so every signature fails (RFC 6376 §6.1.2)",
                    if local_has { "; the zone on this server has the record, but the Internet does not read that zone (see RT014)" } else { "" }
                ))
                .help(format!(
                    "publish at the domain's DNS host: {SELECTOR}.{d} TXT \"{}\"",
                    local.record_value()
                )),
            );
        }
        Answer::Records(_) => {
            if !sel.on(&DKIM002) || (local_has && !local_ok) {
                return;
            }
            if keys.iter().any(|(_, k)| key_matches(k, local)) {
                return;
            }
            let shown: Vec<String> = keys.iter().map(|(t, _)| format!("\"{t}\"")).collect();
            out.push(
                dom.finding(
                    &DKIM002,
                    format!(
                        "public DNS publishes another DKIM key for {d} at {} than the one Exim signs with: every signature fails",
                        st.name
                    ),
                )
                .at(key_file_loc(local.file))
                .label(format!("the {} Exim signs with", local.describe()))
                .note(format!(
                    "judged from public DNS (asked through {source}): {}",
                    shown.join(", ")
                ))
                .note(format!(
                    "local zone: {}",
                    if local_ok {
                        "holds the server's key, but the Internet does not read that zone (see RT014)"
                    } else {
                        "no zone for the selector on this server"
                    }
                ))
                .help(format!(
                    "publish the server's key at the domain's DNS host: {SELECTOR}.{d} TXT \"{}\"",
                    local.record_value()
                )),
            );
        }
        _ => {}
    }
}
