//! Aging of receivables: how much each franchisee owes and how late, in the buckets not due,
//! 1–30, 31–60, 61–90 and over 90 days past the due date; and days sales outstanding (DSO).

use chrono::NaiveDate;
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Serialize;
use std::collections::BTreeMap;
use sync_protocol::Money;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum AgingBucket {
    /// Due today or later.
    NotDue,
    Days1To30,
    Days31To60,
    Days61To90,
    Over90,
}

impl AgingBucket {
    pub const ALL: [AgingBucket; 5] = [
        AgingBucket::NotDue,
        AgingBucket::Days1To30,
        AgingBucket::Days31To60,
        AgingBucket::Days61To90,
        AgingBucket::Over90,
    ];

    /// The bucket of an amount due on `due` as seen on `as_of`.
    pub fn of(due: NaiveDate, as_of: NaiveDate) -> AgingBucket {
        match (as_of - due).num_days() {
            i64::MIN..=0 => AgingBucket::NotDue,
            1..=30 => AgingBucket::Days1To30,
            31..=60 => AgingBucket::Days31To60,
            61..=90 => AgingBucket::Days61To90,
            _ => AgingBucket::Over90,
        }
    }

    pub fn index(self) -> usize {
        self as usize
    }
}

/// What aging needs of an open item: whose it is, when it was due, what is still open.
/// Credit notes and unallocated payments come in with a negative amount and age like the rest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgingItem<K> {
    pub franchisee: K,
    pub due_date: NaiveDate,
    pub amount_open: Money,
}

/// Amounts per bucket, in the order of [`AgingBucket::ALL`], and their total.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct AgingRow {
    pub buckets: [Money; 5],
    pub total: Money,
    /// Days past due of the oldest unpaid item (0 when nothing is overdue).
    pub oldest_days_overdue: i64,
}

impl AgingRow {
    fn add(&mut self, bucket: AgingBucket, amount: Money, days_overdue: i64) {
        self.buckets[bucket.index()] += amount;
        self.total += amount;
        if amount > Money::ZERO {
            self.oldest_days_overdue = self.oldest_days_overdue.max(days_overdue);
        }
    }

    pub fn get(&self, bucket: AgingBucket) -> Money {
        self.buckets[bucket.index()]
    }

    /// Everything past due.
    pub fn overdue(&self) -> Money {
        self.total - self.get(AgingBucket::NotDue)
    }
}

/// The aging report: one row per franchisee (in key order) and the totals.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AgingReport<K: Ord> {
    pub as_of: NaiveDate,
    pub rows: BTreeMap<K, AgingRow>,
    pub totals: AgingRow,
}

/// Ages the open items as of a date. Zero amounts are skipped.
pub fn age<K: Ord + Clone>(items: &[AgingItem<K>], as_of: NaiveDate) -> AgingReport<K> {
    let mut rows: BTreeMap<K, AgingRow> = BTreeMap::new();
    let mut totals = AgingRow::default();
    for it in items.iter().filter(|i| !i.amount_open.is_zero()) {
        let bucket = AgingBucket::of(it.due_date, as_of);
        let days = (as_of - it.due_date).num_days().max(0);
        rows.entry(it.franchisee.clone())
            .or_default()
            .add(bucket, it.amount_open, days);
        totals.add(bucket, it.amount_open, days);
    }
    AgingReport {
        as_of,
        rows,
        totals,
    }
}

/// Days sales outstanding: receivables ÷ credit sales of the period × days in the period,
/// rounded to one decimal. `None` when there were no sales (DSO is undefined).
pub fn days_sales_outstanding(receivables: Money, sales: Money, days: u32) -> Option<Decimal> {
    if sales <= Money::ZERO {
        return None;
    }
    let dso = receivables.as_decimal() * Decimal::from(days) / sales.as_decimal();
    Some(dso.round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros::dec;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bucket_edges() {
        let as_of = d(2026, 3, 31);
        assert_eq!(AgingBucket::of(d(2026, 4, 1), as_of), AgingBucket::NotDue);
        assert_eq!(AgingBucket::of(d(2026, 3, 31), as_of), AgingBucket::NotDue);
        assert_eq!(
            AgingBucket::of(d(2026, 3, 30), as_of),
            AgingBucket::Days1To30
        );
        assert_eq!(
            AgingBucket::of(d(2026, 3, 1), as_of),
            AgingBucket::Days1To30
        ); // 30 days
        assert_eq!(
            AgingBucket::of(d(2026, 2, 28), as_of),
            AgingBucket::Days31To60
        ); // 31
        assert_eq!(
            AgingBucket::of(d(2026, 1, 30), as_of),
            AgingBucket::Days31To60
        ); // 60
        assert_eq!(
            AgingBucket::of(d(2026, 1, 29), as_of),
            AgingBucket::Days61To90
        ); // 61
        assert_eq!(
            AgingBucket::of(d(2025, 12, 31), as_of),
            AgingBucket::Days61To90
        ); // 90
        assert_eq!(AgingBucket::of(d(2025, 12, 30), as_of), AgingBucket::Over90); // 91
    }

    /// Worked by hand, as of 31 March 2026:
    /// F1: 100.00 due 15 Apr (not due), 200.00 due 1 Mar (30 days: 1–30), 50.00 due 15 Jan
    ///     (75 days: 61–90), credit note −20.00 due 20 Mar (11 days: 1–30).
    /// F2: 300.00 due 1 Dec 2025 (120 days: over 90), 40.00 due 20 Feb (39 days: 31–60).
    /// F1 = [100, 180, 0, 50, 0] = 330, oldest 75 days; F2 = [0, 0, 40, 0, 300] = 340, oldest 120.
    /// Totals [100, 180, 40, 50, 300] = 670.
    #[test]
    fn hand_computed_report() {
        let item = |f: &str, due, amount| AgingItem {
            franchisee: f.to_string(),
            due_date: due,
            amount_open: Money::new(amount),
        };
        let items = vec![
            item("F1", d(2026, 4, 15), dec!(100.00)),
            item("F1", d(2026, 3, 1), dec!(200.00)),
            item("F1", d(2026, 1, 15), dec!(50.00)),
            item("F1", d(2026, 3, 20), dec!(-20.00)),
            item("F2", d(2025, 12, 1), dec!(300.00)),
            item("F2", d(2026, 2, 20), dec!(40.00)),
            item("F2", d(2026, 2, 20), dec!(0.00)),
        ];
        let r = age(&items, d(2026, 3, 31));
        let cents = |row: &AgingRow| row.buckets.map(|m| m.cents() / 100);
        assert_eq!(cents(&r.rows["F1"]), [100, 180, 0, 50, 0]);
        assert_eq!(r.rows["F1"].total, Money::new(dec!(330)));
        assert_eq!(r.rows["F1"].oldest_days_overdue, 75);
        assert_eq!(r.rows["F1"].overdue(), Money::new(dec!(230)));
        assert_eq!(cents(&r.rows["F2"]), [0, 0, 40, 0, 300]);
        assert_eq!(r.rows["F2"].oldest_days_overdue, 120);
        assert_eq!(cents(&r.totals), [100, 180, 40, 50, 300]);
        assert_eq!(r.totals.total, Money::new(dec!(670)));
        assert_eq!(r.rows.keys().collect::<Vec<_>>(), ["F1", "F2"]);
    }

    /// 670.00 open after 2,010.00 of sales in a 90-day quarter: 670 × 90 / 2010 = 30.0 days.
    #[test]
    fn dso_by_hand() {
        assert_eq!(
            days_sales_outstanding(Money::new(dec!(670)), Money::new(dec!(2010)), 90),
            Some(dec!(30.0))
        );
        // 100 × 30 / 700 = 4.2857… → 4.3
        assert_eq!(
            days_sales_outstanding(Money::new(dec!(100)), Money::new(dec!(700)), 30),
            Some(dec!(4.3))
        );
        assert_eq!(
            days_sales_outstanding(Money::new(dec!(100)), Money::ZERO, 30),
            None
        );
    }
}
