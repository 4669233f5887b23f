//! Euro cash counted by denomination: the coins and notes a drawer holds, and what a count is worth.
//! Used for the opening float and the Z count, so both ends see exactly which pieces were counted.

use crate::money::Money;
use serde::{Deserialize, Serialize};

/// Every euro coin and note a drawer can hold, in cents, smallest first.
pub const EURO_DENOMINATIONS: [i64; 15] = [
    1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000,
];

/// One euro coin or note, by its face value in cents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub struct Denomination(i64);

impl Denomination {
    /// The denomination worth `cents`, if a euro coin or note has that face value.
    pub fn from_cents(cents: i64) -> Option<Self> {
        EURO_DENOMINATIONS.contains(&cents).then_some(Self(cents))
    }

    /// All euro denominations, smallest first.
    pub fn all() -> impl Iterator<Item = Denomination> {
        EURO_DENOMINATIONS.iter().map(|&c| Denomination(c))
    }

    pub fn cents(self) -> i64 {
        self.0
    }

    pub fn value(self) -> Money {
        Money::from_cents(self.0)
    }

    /// Coins go up to 2 €; from 5 € they are notes.
    pub fn is_note(self) -> bool {
        self.0 >= 500
    }
}

impl TryFrom<i64> for Denomination {
    type Error = String;
    fn try_from(cents: i64) -> Result<Self, String> {
        Self::from_cents(cents).ok_or_else(|| format!("{cents} cents is not a euro coin or note"))
    }
}

impl From<Denomination> for i64 {
    fn from(d: Denomination) -> i64 {
        d.0
    }
}

/// How many pieces of one denomination were counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DenominationCount {
    /// Face value in cents (e.g. `2000` for a 20 € note).
    pub denomination: Denomination,
    pub count: u32,
}

impl DenominationCount {
    pub fn total(&self) -> Money {
        Money::from_cents(self.denomination.cents() * i64::from(self.count))
    }
}

/// What a count by denomination adds up to.
pub fn count_total(counts: &[DenominationCount]) -> Money {
    counts.iter().map(DenominationCount::total).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_add_up_exactly() {
        let counts = [
            DenominationCount {
                denomination: Denomination::from_cents(1).unwrap(),
                count: 3,
            },
            DenominationCount {
                denomination: Denomination::from_cents(2000).unwrap(),
                count: 4,
            },
            DenominationCount {
                denomination: Denomination::from_cents(50000).unwrap(),
                count: 1,
            },
        ];
        assert_eq!(count_total(&counts), Money::from_cents(58003));
        assert!(Denomination::from_cents(300).is_none());
        assert!(serde_json::from_str::<Denomination>("300").is_err());
        assert_eq!(
            serde_json::to_string(&counts[1]).unwrap(),
            r#"{"denomination":2000,"count":4}"#
        );
        assert_eq!(Denomination::all().count(), 15);
        assert!(Denomination::from_cents(500).unwrap().is_note());
        assert!(!Denomination::from_cents(200).unwrap().is_note());
    }
}
