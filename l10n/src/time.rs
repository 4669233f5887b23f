//! Store time zones. Instants are stored in UTC; each store counts its sales in its own zone
//! (Europe/Madrid by default; Atlantic/Canary for the Canary Islands), so a sale at 23:30 UTC in
//! January belongs to the next day in Madrid and to the same day in Las Palmas.

use chrono::{DateTime, NaiveDate, Timelike, Utc};
use std::fmt;
use std::str::FromStr;

/// The zone of a store HQ has not set one for, and of HQ itself.
pub const DEFAULT_TIME_ZONE: TimeZone = TimeZone(chrono_tz::Europe::Madrid);

/// A time zone by its IANA name, e.g. `Europe/Madrid`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct TimeZone(pub chrono_tz::Tz);

impl Default for TimeZone {
    fn default() -> Self {
        DEFAULT_TIME_ZONE
    }
}

impl TimeZone {
    /// Its IANA name.
    pub fn name(self) -> &'static str {
        self.0.name()
    }

    /// The zones a Spanish franchise's stores are in, for pickers.
    pub const SPAIN: [TimeZone; 3] = [
        TimeZone(chrono_tz::Europe::Madrid),
        TimeZone(chrono_tz::Atlantic::Canary),
        TimeZone(chrono_tz::Africa::Ceuta),
    ];
}

impl fmt::Display for TimeZone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not a time zone of the tz database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeZoneError(pub String);

impl fmt::Display for TimeZoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a time zone: use an IANA name such as Europe/Madrid or Atlantic/Canary",
            self.0
        )
    }
}

impl std::error::Error for TimeZoneError {}

impl FromStr for TimeZone {
    type Err = TimeZoneError;
    fn from_str(s: &str) -> Result<Self, TimeZoneError> {
        s.trim()
            .parse::<chrono_tz::Tz>()
            .map(TimeZone)
            .map_err(|_| TimeZoneError(s.trim().to_string()))
    }
}

/// The business day `t` falls on in `tz`.
pub fn business_day(t: DateTime<Utc>, tz: TimeZone) -> NaiveDate {
    t.with_timezone(&tz.0).date_naive()
}

/// The local hour (0–23) of `t` in `tz`.
pub fn local_hour(t: DateTime<Utc>, tz: TimeZone) -> u32 {
    t.with_timezone(&tz.0).hour()
}

impl serde::Serialize for TimeZone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for TimeZone {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    #[test]
    fn madrid_and_the_canaries_count_the_same_instant_on_different_days_and_hours() {
        let canary: TimeZone = "Atlantic/Canary".parse().unwrap();
        // Winter: Madrid UTC+1, Canary UTC+0.
        let t = at("2026-01-15T23:30:00Z");
        assert_eq!(business_day(t, DEFAULT_TIME_ZONE).to_string(), "2026-01-16");
        assert_eq!(local_hour(t, DEFAULT_TIME_ZONE), 0);
        assert_eq!(business_day(t, canary).to_string(), "2026-01-15");
        assert_eq!(local_hour(t, canary), 23);
        // Summer: Madrid UTC+2, Canary UTC+1 (the EU rule: last Sunday of March, 01:00 UTC).
        let t = at("2026-03-29T01:30:00Z");
        assert_eq!(local_hour(t, DEFAULT_TIME_ZONE), 3);
        assert_eq!(local_hour(t, canary), 2);
        let before = at("2026-03-29T00:59:00Z");
        assert_eq!(local_hour(before, DEFAULT_TIME_ZONE), 1);
        assert_eq!(local_hour(before, canary), 0);
    }

    #[test]
    fn names() {
        assert_eq!(TimeZone::default().name(), "Europe/Madrid");
        assert!("Mars/Olympus".parse::<TimeZone>().is_err());
        assert_eq!(
            " Atlantic/Canary ".parse::<TimeZone>().unwrap().to_string(),
            "Atlantic/Canary"
        );
        assert!(
            "Europe/Madird"
                .parse::<TimeZone>()
                .unwrap_err()
                .to_string()
                .contains("IANA")
        );
    }
}
