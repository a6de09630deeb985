//! DMARC001: a mail domain without a DMARC record, and no parent record covering it.

use crate::clock::Utc;
use crate::finding::{Finding, Fix, Loc};
use crate::model::Parsed;
use crate::model::dns::ZoneRecord;
use crate::parse::zone::Zone;
use crate::rules::edit;

use super::{Dom, FAMILY, RELOAD};

rule!(
    DMARC001,
    "missing-dmarc",
    Info,
    None,
    Safe,
    [ZONES, MAIL_DOMAINS],
    "A mail domain without a DMARC record (and no parent record covering it)."
);

/// cPanel's default record (since version 124).
const DEFAULT_RECORD: &str = "v=DMARC1; p=none;";

/// DMARC001: no record, and no parent record in a local zone.
pub(super) fn check(dom: &Dom<'_>, others: &[ZoneRecord<'_>], out: &mut Vec<Finding>) {
    let (s, d, today) = (dom.s, dom.name.as_str(), dom.today);
    let name = format!("_dmarc.{d}");
    let Some(zone) = s.zone_of(&name) else {
        return;
    };
    let mut f = dom
        .finding(
            &DMARC001,
            format!("{d} publishes no DMARC record (_dmarc.{d})"),
        )
        .at(Loc::file_start(zone.path()))
        .label(format!("the zone of {d}"))
        .note(
            "without DMARC, receivers apply no policy to mail forged in the domain's name, and the \
         domain gets no reports of who sends as it",
        );
    for o in others {
        f = f.related(
            o.loc(),
            "a TXT record at _dmarc that is not DMARC (it does not start with `v=DMARC1`)",
        );
    }
    out.push(f.fix(add_default(zone, &name, today)));
}

fn add_default(zone: &Parsed<Zone>, name: &str, today: Utc) -> Fix {
    Fix::safe("add cPanel's default DMARC record, `v=DMARC1; p=none;` (reports only)")
        .edits(edit::zone_add_record(
            zone,
            name,
            "TXT",
            &edit::txt_rdata(DEFAULT_RECORD),
            today,
        ))
        .command(RELOAD)
}
