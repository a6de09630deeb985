//! The TXT records of the local zones, read once when the zones are loaded: each record's joined
//! value (with its map back to the file) and what it says as SPF, and, at the names where they
//! are looked up, as a DKIM key record (`…._domainkey.…`) and as a DMARC record (`_dmarc.…`).
//! Rules and the model's SPF, DKIM and DMARC views read these; nothing parses a TXT record later.

use std::collections::HashMap;
use std::sync::Arc;

use crate::parse::dkim::{self, DkimKey};
use crate::parse::dmarc::{self, DmarcRecord};
use crate::parse::spf::{self, SpfRecord};
use crate::parse::txt::TxtText;
use crate::parse::zone::{RData, Record, Zone};
use crate::source::SourceFile;

/// One TXT record, read.
#[derive(Debug)]
pub struct TxtReading {
    /// The joined value, with its map back to the file.
    pub text: Arc<TxtText>,
    /// Whether the value is an SPF record (`v=spf1` first, RFC 7208 §4.5).
    pub is_spf: bool,
    /// The value read as SPF terms: for SPF records, and for records that are not SPF but hold
    /// a mechanism, a `redirect=` or a `v=spf1` word (the rules look for SPF terms put in the
    /// wrong record). `None` for the rest (DKIM keys, DMARC records, site verifications): on a
    /// large server they are most TXT records, and their terms would only be kept to be ignored.
    pub spf: Option<Arc<SpfRecord>>,
    /// The value read as a DKIM key record, when the owner is under `_domainkey` (boxed: most
    /// records are not, and a server has tens of thousands of TXT records).
    pub dkim: Option<Box<DkimKey>>,
    /// The value read as a DMARC record, when the owner is `_dmarc.…` (boxed, as `dkim`).
    pub dmarc: Option<Box<DmarcRecord>>,
}

/// The readings of every TXT record of the local zones, by record (its address in the zone,
/// which the loaded model never moves).
#[derive(Debug, Default)]
pub struct TxtIndex(HashMap<usize, TxtReading>);

/// The readings of one zone's TXT records, before they join the index: a vector of exactly
/// their number (a map per zone would hold empty slots for each of thousands of zones).
#[derive(Debug, Default)]
pub struct ZoneTxt(Vec<(usize, TxtReading)>);

impl ZoneTxt {
    /// How many TXT records the zone has.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether the zone has no TXT record.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// A term only SPF has: a mechanism, `redirect=`, or `v=spf1` glued or repeated.
fn looks_like_spf(t: &spf::SpfTerm) -> bool {
    match &t.kind {
        spf::TermKind::Mechanism(_) => true,
        spf::TermKind::Modifier(spf::Modifier::Redirect(_)) => true,
        spf::TermKind::Modifier(spf::Modifier::Unknown { name, value }) => {
            name == "v" && value.raw.eq_ignore_ascii_case("spf1")
        }
        _ => false,
    }
}

fn key(record: &Record) -> usize {
    std::ptr::from_ref(record) as usize
}

impl TxtIndex {
    /// Reads the TXT records of one zone.
    pub fn of_zone(zone: &Zone, src: &SourceFile) -> ZoneTxt {
        let mut readings = Vec::new();
        for record in zone.records() {
            let RData::Txt(txt) = &record.data else {
                continue;
            };
            let text = TxtText::from_txt(txt, src);
            let owner = &*record.owner.name;
            let under_domainkey = owner
                .split('.')
                .any(|label| label.eq_ignore_ascii_case("_domainkey"));
            let at_dmarc = owner
                .split('.')
                .next()
                .is_some_and(|l| l.eq_ignore_ascii_case("_dmarc"));
            let is_spf = spf::is_spf(text.text());
            let parsed = spf::parse(text.text());
            let keep =
                is_spf || parsed.version.is_some() || parsed.terms.iter().any(looks_like_spf);
            let reading = TxtReading {
                is_spf,
                spf: keep.then(|| Arc::new(parsed)),
                dkim: under_domainkey.then(|| Box::new(dkim::parse(text.text()))),
                dmarc: at_dmarc.then(|| Box::new(dmarc::parse(text.text()))),
                text: Arc::new(text),
            };
            readings.push((key(record), reading));
        }
        readings.shrink_to_fit();
        ZoneTxt(readings)
    }

    /// Makes room for `n` more readings (the loader adds every zone's at once).
    pub fn reserve(&mut self, n: usize) {
        self.0.reserve(n);
    }

    /// Adds the readings of another zone.
    pub fn extend(&mut self, zone: ZoneTxt) {
        self.0.extend(zone.0);
    }

    /// The reading of a TXT record of a local zone.
    pub fn get(&self, record: &Record) -> Option<&TxtReading> {
        self.0.get(&key(record))
    }
}
