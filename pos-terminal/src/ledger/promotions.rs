//! HQ's promotions and scheduled prices at the till (issue 17): kept from the change log and
//! applied by the till's own clock, offline, in the store's time zone (Europe/Madrid until HQ
//! sends another). [`Ledger::offers_at`] gives the cart what is in force at an instant; the rule
//! that turns it into line discounts is [`sync_protocol::promotions`].

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rusqlite::{OptionalExtension, Transaction, params};
use sync_protocol::verifactu::DEFAULT_TIME_ZONE;
use sync_protocol::{
    Money, PriceScheduleRecord, ProductId, PromotionRecord, StoreRecord, price_in_force,
};

use super::{CatalogItem, Ledger, LedgerError, Result};

fn bad(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::Invalid(format!("a stored promotion or price cannot be read: {e}"))
}

/// Keeps a promotion HQ sent (new, or ended early: the record replaces the one kept).
pub(super) fn apply_promotion(tx: &Transaction<'_>, p: &PromotionRecord) -> Result<()> {
    let json = serde_json::to_string(p).map_err(bad)?;
    tx.execute(
        "INSERT INTO promotions (id, record_json) VALUES (?1, ?2)
         ON CONFLICT (id) DO UPDATE SET record_json = excluded.record_json",
        params![p.id, json],
    )?;
    Ok(())
}

/// Keeps a scheduled price HQ sent ahead of its date.
pub(super) fn apply_price_schedule(tx: &Transaction<'_>, s: &PriceScheduleRecord) -> Result<()> {
    let json = serde_json::to_string(s).map_err(bad)?;
    tx.execute(
        "INSERT INTO price_schedules (id, product_id, record_json) VALUES (?1, ?2, ?3)
         ON CONFLICT (id) DO UPDATE SET product_id = excluded.product_id,
           record_json = excluded.record_json",
        params![s.id, s.product_id.0, json],
    )?;
    Ok(())
}

/// Drops a scheduled price HQ cancelled.
pub(super) fn cancel_price_schedule(tx: &Transaction<'_>, id: i64) -> Result<()> {
    tx.execute("DELETE FROM price_schedules WHERE id = ?1", [id])?;
    Ok(())
}

/// Keeps the store's time zone (absent: Europe/Madrid).
pub(super) fn apply_store_zone(tx: &Transaction<'_>, s: &StoreRecord) -> Result<()> {
    match &s.time_zone {
        Some(z) => tx.execute(
            "INSERT INTO store_zone (id, time_zone) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET time_zone = excluded.time_zone",
            [z],
        )?,
        None => tx.execute("DELETE FROM store_zone", [])?,
    };
    Ok(())
}

/// What the cart applies at one instant: the promotions in force and the prices scheduled for
/// products whose price has changed by then.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Offers {
    pub promotions: Vec<PromotionRecord>,
    /// Products whose price in force differs from the catalog's, with that price.
    prices: BTreeMap<ProductId, PriceRule>,
    zone: Option<Tz>,
    at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PriceRule(Vec<PriceScheduleRecord>);

impl Offers {
    /// The price `item` sells at now: a scheduled price in force, else the catalog's.
    pub fn price_of(&self, item: &CatalogItem) -> Money {
        match (self.prices.get(&item.product_id), self.at) {
            (Some(PriceRule(s)), Some(at)) => price_in_force(
                item.hq_price,
                item.store_override.then_some(item.price),
                s,
                at,
                self.zone.unwrap_or(DEFAULT_TIME_ZONE),
            ),
            _ => item.price,
        }
    }

    /// `item` at its price in force.
    pub fn reprice(&self, item: &CatalogItem) -> CatalogItem {
        CatalogItem {
            price: self.price_of(item),
            ..item.clone()
        }
    }
}

impl Ledger {
    /// The store's time zone, as HQ sent it (Europe/Madrid when none or unknown).
    pub fn store_zone(&self) -> Result<Tz> {
        let z: Option<String> = self
            .conn
            .query_row("SELECT time_zone FROM store_zone WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?;
        Ok(z.and_then(|z| z.parse().ok()).unwrap_or(DEFAULT_TIME_ZONE))
    }

    /// Every promotion kept (HQ sends only this store's), by id.
    pub fn promotions(&self) -> Result<Vec<PromotionRecord>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT record_json FROM promotions ORDER BY id")?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(bad))
            .collect()
    }

    /// Every scheduled price kept, by product then date.
    pub fn price_schedules(&self) -> Result<Vec<PriceScheduleRecord>> {
        let mut st = self
            .conn
            .prepare_cached("SELECT record_json FROM price_schedules ORDER BY product_id, id")?;
        let rows = st
            .query_map([], |r| r.get::<_, String>(0))?
            .collect::<std::result::Result<Vec<_>, _>>()?;
        rows.iter()
            .map(|j| serde_json::from_str(j).map_err(bad))
            .collect()
    }

    /// What is in force at `at` by the till's clock in the store's time zone.
    pub fn offers_at(&self, at: DateTime<Utc>) -> Result<Offers> {
        let zone = self.store_zone()?;
        let promotions = self
            .promotions()?
            .into_iter()
            .filter(|p| p.in_force(at, zone))
            .collect();
        let mut prices: BTreeMap<ProductId, PriceRule> = BTreeMap::new();
        for s in self.price_schedules()? {
            if s.in_force(at, zone) {
                prices
                    .entry(s.product_id)
                    .or_insert_with(|| PriceRule(Vec::new()))
                    .0
                    .push(s);
            }
        }
        Ok(Offers {
            promotions,
            prices,
            zone: Some(zone),
            at: Some(at),
        })
    }

    /// What is in force now, by the till's clock.
    pub fn offers(&self) -> Result<Offers> {
        self.offers_at(self.now())
    }
}
