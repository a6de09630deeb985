//! Calendar dates from Unix time, in UTC, without a date crate: backup directory names
//! (`20261123T233000Z`) and SOA serials (`YYYYMMDDnn`) need nothing more.

use std::time::{SystemTime, UNIX_EPOCH};

/// A UTC date and time of day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Utc {
    pub year: i64,
    pub month: u32,
    pub day: u32,
    pub hour: u32,
    pub minute: u32,
    pub second: u32,
}

impl Utc {
    pub fn from_unix(secs: i64) -> Utc {
        let days = secs.div_euclid(86_400);
        let rem = secs.rem_euclid(86_400);
        // Howard Hinnant's days-to-civil algorithm.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        Utc {
            year,
            month,
            day,
            hour: (rem / 3600) as u32,
            minute: (rem % 3600 / 60) as u32,
            second: (rem % 60) as u32,
        }
    }

    /// The current time; `MAILLINT_NOW` (Unix seconds) overrides it, so tests that bump SOA
    /// serials or name backups give the same output every day.
    pub fn now() -> Utc {
        if let Some(secs) = std::env::var("MAILLINT_NOW")
            .ok()
            .and_then(|v| v.trim().parse::<i64>().ok())
        {
            return Utc::from_unix(secs);
        }
        let secs = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        Utc::from_unix(secs)
    }

    /// Seconds since the Unix epoch.
    pub fn unix(&self) -> i64 {
        // Howard Hinnant's days-from-civil algorithm.
        let y = self.year - i64::from(self.month <= 2);
        let era = y.div_euclid(400);
        let yoe = y.rem_euclid(400);
        let m = i64::from(self.month);
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(self.day) - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400
            + i64::from(self.hour) * 3600
            + i64::from(self.minute) * 60
            + i64::from(self.second)
    }

    /// `YYYYMMDDTHHMMSSZ`, sortable and safe in a file name.
    pub fn stamp(&self) -> String {
        format!(
            "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }

    /// `YYYYMMDD` as a number (the date part of an SOA serial).
    pub fn yyyymmdd(&self) -> u64 {
        self.year as u64 * 10_000 + u64::from(self.month) * 100 + u64::from(self.day)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_round_trips() {
        for secs in [0, 951_782_400, 1_795_392_000, 4_102_444_799, -86_400] {
            assert_eq!(Utc::from_unix(secs).unix(), secs);
        }
    }

    #[test]
    fn known_dates() {
        assert_eq!(Utc::from_unix(0).stamp(), "19700101T000000Z");
        assert_eq!(Utc::from_unix(951_782_400).stamp(), "20000229T000000Z");
        assert_eq!(Utc::from_unix(1_734_349_634).stamp(), "20241216T114714Z");
        assert_eq!(Utc::from_unix(1_795_392_000).yyyymmdd(), 20261123);
        assert_eq!(Utc::from_unix(-1).stamp(), "19691231T235959Z");
    }
}
