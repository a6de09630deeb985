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
    /// The value read as SPF terms (also for records that are not SPF: the rules look for SPF
    /// terms put in the wrong record).
    pub spf: Arc<SpfRecord>,
    /// The value read as a DKIM key record, when the owner is under `_domainkey`.
    pub dkim: Option<DkimKey>,
    /// The value read as a DMARC record, when the owner is `_dmarc.…`.
    pub dmarc: Option<DmarcRecord>,
}

/// The readings of every TXT record of the local zones, by record (its address in the zone,
/// which the loaded model never moves).
#[derive(Debug, Default)]
pub struct TxtIndex(HashMap<usize, TxtReading>);

fn key(record: &Record) -> usize {
    std::ptr::from_ref(record) as usize
}

impl TxtIndex {
    /// Reads the TXT records of one zone.
    pub fn of_zone(zone: &Zone, src: &SourceFile) -> TxtIndex {
        let mut map = HashMap::new();
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
            let reading = TxtReading {
                is_spf: spf::is_spf(text.text()),
                spf: Arc::new(spf::parse(text.text())),
                dkim: under_domainkey.then(|| dkim::parse(text.text())),
                dmarc: at_dmarc.then(|| dmarc::parse(text.text())),
                text: Arc::new(text),
            };
            map.insert(key(record), reading);
        }
        TxtIndex(map)
    }

    /// Adds the readings of another zone.
    pub fn extend(&mut self, other: TxtIndex) {
        self.0.extend(other.0);
    }

    /// The reading of a TXT record of a local zone.
    pub fn get(&self, record: &Record) -> Option<&TxtReading> {
        self.0.get(&key(record))
    }
}
