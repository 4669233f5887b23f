//! Promotions and scheduled prices: what HQ defines, what tills apply offline, and the one rule
//! both ends use to turn a cart's lines and the promotions in force into line discounts.
//!
//! # Kinds
//! - [`PromotionRule::PercentOff`]: a percentage off each line of the promotion's products
//!   (a family is sent to the tills as its products). Weighed lines too.
//! - [`PromotionRule::NForM`]: take `take`, pay `pay` (3x2: take 3, pay 2).
//! - [`PromotionRule::SecondUnit`]: the second unit of each pair at `percent_off` % off.
//! - [`PromotionRule::Bundle`]: one unit of each of the promotion's products for `price`.
//!
//! # The rule ([`apply_promotions`])
//! 1. **Which lines.** A line with a manual discount takes no promotion (the cashier's discount
//!    wins). Weighed lines (and any line whose quantity is not whole units) take only
//!    `PercentOff`: the unit promotions (N for M, second unit, bundle) count whole units.
//! 2. **Units across lines.** N for M and second unit pool the units of every eligible line of the
//!    promotion's products, sorted by unit price from dearest to cheapest (ties: earlier line
//!    first), and cut them into groups of `take` (or 2) in that order; in each full group the
//!    cheapest `take − pay` units are free (or the cheaper unit of the pair is `percent_off` off).
//!    Units left over (3x2 on 7 units: the 7th, the cheapest) pay full price. Cutting the
//!    sorted units this way is the grouping that frees the most money.
//! 3. **Rounding.** Each line's discount is rounded once to the cent, half away from zero:
//!    `PercentOff` = round(line amount × % / 100); second unit = round(units at a discount ×
//!    unit price × % / 100); N for M is whole unit prices, already in cents.
//! 4. **Bundles.** The number of sets is the fewest whole units of any component; each set takes
//!    the dearest unit left of each component. The saving is the value of the units in sets minus
//!    sets × the bundle price (none if not positive), shared over the lines that gave units in
//!    proportion to the value they gave, in whole cents, leftover cents to the largest remainder
//!    first (the totals rule's style), so the shares add up exactly.
//! 5. **Conflicts: best for the customer, one promotion per line.** A document names one
//!    promotion per line, so a line takes at most one. Among the promotions that apply, the one
//!    that saves the most on the lines still free goes first and takes the lines it used (a line
//!    that only helped make a group, with no discount of its own, is taken too, so no unit
//!    counts twice); then the next, on what is left, until none saves anything. Ties go to the
//!    lower promotion id, so both ends always agree.
//!
//! # In force
//! A promotion runs from `starts_on` to `ends_on` (both included) in the store's local calendar,
//! judged by the till's own clock ([`PromotionRecord::in_force`]), and stops at once when HQ ends
//! it early (`ended_at`). A scheduled price takes effect at the store's local midnight starting
//! `effective_on` ([`PriceScheduleRecord::in_force`]).

use crate::ids::{ProductId, StoreId};
use crate::money::{Money, Percent, Quantity};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Longest promotion name, in characters (what fits under a line on an 80 mm receipt).
pub const MAX_NAME_CHARS: usize = 40;
/// Most products one promotion names.
pub const MAX_PRODUCTS: usize = 500;
/// Largest `take` of an N for M.
pub const MAX_TAKE: u32 = 20;

/// Which promotion gave a line its discount, as the documents record it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PromotionRef {
    pub id: i64,
    pub name: String,
}

/// What a promotion gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum PromotionRule {
    PercentOff { percent: Percent },
    NForM { take: u32, pay: u32 },
    SecondUnit { percent_off: Percent },
    Bundle { price: Money },
}

impl PromotionRule {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::PercentOff { .. } => "percent_off",
            Self::NForM { .. } => "n_for_m",
            Self::SecondUnit { .. } => "second_unit",
            Self::Bundle { .. } => "bundle",
        }
    }

    /// Counts whole units (weighed lines stay out).
    pub fn is_unit_promotion(&self) -> bool {
        !matches!(self, Self::PercentOff { .. })
    }
}

/// A promotion as HQ sends it to the tills (change kind `promotion`) and keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PromotionRecord {
    pub id: i64,
    pub name: String,
    pub rule: PromotionRule,
    /// The products it covers (a family's products at the time HQ saved it; a bundle's components).
    pub products: Vec<ProductId>,
    /// The family it was made for, if any (shown only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    /// The stores it runs in; empty: every store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub stores: Vec<StoreId>,
    pub starts_on: NaiveDate,
    /// Last day it runs (included).
    pub ends_on: NaiveDate,
    /// Set when HQ ended it early: it stops at this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended_at: Option<DateTime<Utc>>,
}

/// Why HQ refuses a promotion.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromotionError {
    #[error("the name must have 1 to {MAX_NAME_CHARS} characters")]
    BadName,
    #[error("a promotion needs 1 to {MAX_PRODUCTS} products")]
    BadProducts,
    #[error("a bundle needs at least two products")]
    BundleTooSmall,
    #[error("the percentage must be more than 0 and at most 100")]
    BadPercent,
    #[error("take N, pay M needs 2 ≤ N ≤ {MAX_TAKE} and 1 ≤ M < N")]
    BadNForM,
    #[error("the bundle price must be positive")]
    BadBundlePrice,
    #[error("it ends before it starts")]
    EndsBeforeStart,
}

impl PromotionRecord {
    /// The reference a document line carries.
    pub fn reference(&self) -> PromotionRef {
        PromotionRef {
            id: self.id,
            name: self.name.clone(),
        }
    }

    /// Checks what HQ accepts.
    pub fn check(&self) -> Result<(), PromotionError> {
        let n = self.name.trim().chars().count();
        if n == 0 || n > MAX_NAME_CHARS {
            return Err(PromotionError::BadName);
        }
        if self.products.is_empty()
            || self.products.len() > MAX_PRODUCTS
            || self
                .products
                .iter()
                .enumerate()
                .any(|(i, p)| self.products[..i].contains(p))
        {
            return Err(PromotionError::BadProducts);
        }
        let pct_ok = |p: Percent| !p.is_negative() && !p.is_zero() && p <= Percent::whole(100);
        match self.rule {
            PromotionRule::PercentOff { percent } if !pct_ok(percent) => {
                return Err(PromotionError::BadPercent);
            }
            PromotionRule::SecondUnit { percent_off } if !pct_ok(percent_off) => {
                return Err(PromotionError::BadPercent);
            }
            PromotionRule::NForM { take, pay }
                if !(2..=MAX_TAKE).contains(&take) || pay == 0 || pay >= take =>
            {
                return Err(PromotionError::BadNForM);
            }
            PromotionRule::Bundle { price } => {
                if price.is_negative() || price.is_zero() {
                    return Err(PromotionError::BadBundlePrice);
                }
                if self.products.len() < 2 {
                    return Err(PromotionError::BundleTooSmall);
                }
            }
            _ => {}
        }
        if self.ends_on < self.starts_on {
            return Err(PromotionError::EndsBeforeStart);
        }
        Ok(())
    }

    /// Whether it runs at `now` (the till's clock) in a store whose calendar is `zone`.
    pub fn in_force(&self, now: DateTime<Utc>, zone: Tz) -> bool {
        if self.ended_at.is_some_and(|e| now >= e) {
            return false;
        }
        let today = now.with_timezone(&zone).date_naive();
        self.starts_on <= today && today <= self.ends_on
    }

    /// Whether it runs in `store` (empty list: every store).
    pub fn runs_in(&self, store: StoreId) -> bool {
        self.stores.is_empty() || self.stores.contains(&store)
    }
}

/// A price HQ scheduled (change kind `price_schedule`): from `effective_on`, at the store's local
/// midnight, the product sells at `price` — franchise-wide (`store_id` `None`, replacing HQ's
/// price) or in one store (replacing that store's price).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PriceScheduleRecord {
    pub id: i64,
    pub product_id: ProductId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    pub price: Money,
    pub effective_on: NaiveDate,
}

impl PriceScheduleRecord {
    /// In force at `now` (the till's clock) in a store whose calendar is `zone`.
    pub fn in_force(&self, now: DateTime<Utc>, zone: Tz) -> bool {
        now.with_timezone(&zone).date_naive() >= self.effective_on
    }
}

/// The price in force of one product: the latest scheduled price in force of the store, else
/// the store's own price, else the latest franchise-wide scheduled price in force, else HQ's.
/// `schedules` are that product's, for this store or the franchise.
pub fn price_in_force(
    hq_price: Money,
    store_price: Option<Money>,
    schedules: &[PriceScheduleRecord],
    now: DateTime<Utc>,
    zone: Tz,
) -> Money {
    let latest = |store: bool| {
        schedules
            .iter()
            .filter(|s| s.store_id.is_some() == store && s.in_force(now, zone))
            .max_by_key(|s| (s.effective_on, s.id))
            .map(|s| s.price)
    };
    latest(true)
        .or(store_price)
        .or(latest(false))
        .unwrap_or(hq_price)
}

/// What the rule needs to know about one cart line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromoLine {
    pub product_id: ProductId,
    pub quantity: Quantity,
    pub unit_price: Money,
    /// Sold by weight (a scale label).
    pub weighed: bool,
    /// The cashier gave it a discount by hand: no promotion.
    pub manual_discount: bool,
}

impl PromoLine {
    /// Whole units, when the line counts units (not weighed, whole quantity).
    fn whole_units(&self) -> Option<i64> {
        let m = self.quantity.milli();
        (!self.weighed && m > 0 && m % 1000 == 0).then_some(m / 1000)
    }
}

/// A line's promotion: which one and how much it takes off.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePromotion {
    pub promotion: PromotionRef,
    pub discount: Money,
}

/// One promotion's outcome on the lines still free: discount per line (lines it uses, even at 0).
struct Outcome {
    total: i64,
    lines: Vec<(usize, i64)>,
}

fn evaluate(p: &PromotionRecord, lines: &[PromoLine], free: &[bool]) -> Outcome {
    let eligible = |i: usize| {
        free[i] && !lines[i].manual_discount && p.products.contains(&lines[i].product_id)
    };
    let mut out: Vec<(usize, i64)> = Vec::new();
    match p.rule {
        PromotionRule::PercentOff { percent } => {
            for (i, l) in lines.iter().enumerate() {
                if eligible(i) {
                    let d = l.unit_price.times(l.quantity).percent_of(percent).cents();
                    if d > 0 {
                        out.push((i, d));
                    }
                }
            }
        }
        PromotionRule::NForM { .. } | PromotionRule::SecondUnit { .. } => {
            let size = match p.rule {
                PromotionRule::NForM { take, .. } => take as i64,
                _ => 2,
            };
            // Units, dearest first; ties to the earlier line.
            let mut units: Vec<(i64, usize)> = Vec::new();
            for (i, l) in lines.iter().enumerate() {
                if eligible(i)
                    && let Some(n) = l.whole_units()
                {
                    units.extend(std::iter::repeat_n((l.unit_price.cents(), i), n as usize));
                }
            }
            units.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let groups = units.len() as i64 / size;
            if groups == 0 {
                return Outcome {
                    total: 0,
                    lines: vec![],
                };
            }
            let mut used: Vec<usize> = Vec::new();
            // Units at a discount per line: (line, count).
            let mut cut: Vec<(usize, i64)> = Vec::new();
            let discounted_per_group = match p.rule {
                PromotionRule::NForM { take, pay } => (take - pay) as i64,
                _ => 1,
            };
            for g in 0..groups {
                let group = &units[(g * size) as usize..((g + 1) * size) as usize];
                for (k, &(_, i)) in group.iter().enumerate() {
                    if !used.contains(&i) {
                        used.push(i);
                    }
                    if k as i64 >= size - discounted_per_group {
                        match cut.iter_mut().find(|(l, _)| *l == i) {
                            Some(c) => c.1 += 1,
                            None => cut.push((i, 1)),
                        }
                    }
                }
            }
            used.sort_unstable();
            for i in used {
                let n = cut.iter().find(|(l, _)| *l == i).map_or(0, |c| c.1);
                let value = Money::from_cents(lines[i].unit_price.cents() * n);
                let d = match p.rule {
                    PromotionRule::SecondUnit { percent_off } => value.percent_of(percent_off),
                    _ => value,
                };
                out.push((i, d.cents()));
            }
        }
        PromotionRule::Bundle { price } => {
            // Units per component, dearest first.
            let mut per_component: Vec<Vec<(i64, usize)>> = Vec::new();
            for prod in &p.products {
                let mut units: Vec<(i64, usize)> = Vec::new();
                for (i, l) in lines.iter().enumerate() {
                    if eligible(i)
                        && l.product_id == *prod
                        && let Some(n) = l.whole_units()
                    {
                        units.extend(std::iter::repeat_n((l.unit_price.cents(), i), n as usize));
                    }
                }
                units.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
                per_component.push(units);
            }
            let sets = per_component.iter().map(Vec::len).min().unwrap_or(0);
            if sets == 0 {
                return Outcome {
                    total: 0,
                    lines: vec![],
                };
            }
            // Value each line gives to the sets.
            let mut given: Vec<(usize, i64)> = Vec::new();
            for units in &per_component {
                for &(c, i) in &units[..sets] {
                    match given.iter_mut().find(|(l, _)| *l == i) {
                        Some(g) => g.1 += c,
                        None => given.push((i, c)),
                    }
                }
            }
            given.sort_unstable();
            let value: i64 = given.iter().map(|g| g.1).sum();
            let saving = (value - price.cents() * sets as i64).max(0);
            let amounts: Vec<Money> = given.iter().map(|g| Money::from_cents(g.1)).collect();
            let shares = crate::totals::share_discount(
                &amounts,
                Money::from_cents(value),
                Money::from_cents(saving),
            );
            for (g, s) in given.iter().zip(shares) {
                out.push((g.0, s.cents()));
            }
        }
    }
    Outcome {
        total: out.iter().map(|l| l.1).sum(),
        lines: out,
    }
}

/// Applies the rule in the module documentation: for each line, the promotion that gives it a
/// discount and how much (`None`: full price). `promotions` are those in force for this till
/// (see [`PromotionRecord::in_force`]); their order does not matter.
pub fn apply_promotions(
    lines: &[PromoLine],
    promotions: &[PromotionRecord],
) -> Vec<Option<LinePromotion>> {
    let mut result: Vec<Option<LinePromotion>> = vec![None; lines.len()];
    let mut free = vec![true; lines.len()];
    let mut order: Vec<&PromotionRecord> = promotions.iter().collect();
    order.sort_by_key(|p| p.id);
    let mut done = vec![false; order.len()];
    loop {
        let mut best: Option<(usize, Outcome)> = None;
        for (k, p) in order.iter().enumerate() {
            if done[k] {
                continue;
            }
            let o = evaluate(p, lines, &free);
            if o.total > 0 && best.as_ref().is_none_or(|(_, b)| o.total > b.total) {
                best = Some((k, o));
            }
        }
        let Some((k, o)) = best else { break };
        done[k] = true;
        for (i, d) in o.lines {
            free[i] = false;
            if d > 0 {
                result[i] = Some(LinePromotion {
                    promotion: order[k].reference(),
                    discount: Money::from_cents(d),
                });
            }
        }
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(product: i64, units: i64, cents: i64) -> PromoLine {
        PromoLine {
            product_id: ProductId(product),
            quantity: Quantity::units(units),
            unit_price: Money::from_cents(cents),
            weighed: false,
            manual_discount: false,
        }
    }

    fn promo(id: i64, rule: PromotionRule, products: &[i64]) -> PromotionRecord {
        PromotionRecord {
            id,
            name: format!("P{id}"),
            rule,
            products: products.iter().map(|&p| ProductId(p)).collect(),
            family: None,
            stores: vec![],
            starts_on: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            ends_on: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
            ended_at: None,
        }
    }

    fn cents(r: &[Option<LinePromotion>]) -> Vec<(i64, i64)> {
        r.iter()
            .map(|l| {
                l.as_ref()
                    .map_or((0, 0), |l| (l.promotion.id, l.discount.cents()))
            })
            .collect()
    }

    #[test]
    fn percent_off_rounds_each_line_once_and_takes_weighed_lines() {
        // 3 × 1.15 = 3.45 at 15 % = 0.5175 → 0.52; 0.755 kg × 8.99 = 6.78745 → 6.79, 15 % = 1.0185 → 1.02.
        let mut weighed = line(2, 0, 899);
        weighed.quantity = Quantity::from_milli(755);
        weighed.weighed = true;
        let lines = [line(1, 3, 115), weighed, line(3, 1, 500)];
        let p = promo(
            7,
            PromotionRule::PercentOff {
                percent: Percent::whole(15),
            },
            &[1, 2],
        );
        assert_eq!(
            cents(&apply_promotions(&lines, &[p])),
            vec![(7, 52), (7, 102), (0, 0)]
        );
    }

    #[test]
    fn three_for_two_on_seven_units_frees_two_and_the_seventh_pays() {
        // 7 units of one product at 1.20: two groups of 3, two free = 2.40; the 7th pays.
        let p = promo(1, PromotionRule::NForM { take: 3, pay: 2 }, &[1, 2]);
        assert_eq!(
            cents(&apply_promotions(
                &[line(1, 7, 120)],
                std::slice::from_ref(&p)
            )),
            vec![(1, 240)]
        );
        // Mixed: 4 at 2.00 and 3 at 1.00 sort as 2,2,2 | 2,1,1 | 1: free 2.00 and 1.00; the
        // last 1.00 (cheapest) pays.
        assert_eq!(
            cents(&apply_promotions(&[line(1, 4, 200), line(2, 3, 100)], &[p])),
            vec![(1, 200), (1, 100)]
        );
    }

    #[test]
    fn second_unit_at_half_price_by_pairs() {
        // 3 at 1.99: one pair, the second at 50 % off = 0.995 → 1.00; the third pays.
        let p = promo(
            4,
            PromotionRule::SecondUnit {
                percent_off: Percent::whole(50),
            },
            &[1],
        );
        assert_eq!(
            cents(&apply_promotions(
                &[line(1, 3, 199)],
                std::slice::from_ref(&p)
            )),
            vec![(4, 100)]
        );
        // One unit: nothing.
        assert_eq!(
            cents(&apply_promotions(&[line(1, 1, 199)], &[p])),
            vec![(0, 0)]
        );
    }

    #[test]
    fn bundle_price_is_shared_in_whole_cents() {
        // Coffee 1.30 + croissant 1.45 + juice 2.10 = 4.85 for 4.00: 0.85 off, shared
        // 85 × 130/485 = 22.78, × 145/485 = 25.41, × 210/485 = 36.80 → 22, 25, 36 and the two
        // cents left go to the largest remainders (juice .80, coffee .78): 23, 25, 37.
        let p = promo(
            9,
            PromotionRule::Bundle {
                price: Money::from_cents(400),
            },
            &[1, 2, 3],
        );
        let r = apply_promotions(
            &[line(1, 2, 130), line(2, 1, 145), line(3, 1, 210)],
            std::slice::from_ref(&p),
        );
        assert_eq!(cents(&r), vec![(9, 23), (9, 25), (9, 37)]);
        // Missing a component: no bundle.
        assert_eq!(
            cents(&apply_promotions(&[line(1, 2, 130), line(2, 1, 145)], &[p])),
            vec![(0, 0), (0, 0)]
        );
    }

    #[test]
    fn weighed_lines_and_manual_discounts_take_no_unit_promotion() {
        let mut w = line(1, 3, 120);
        w.weighed = true;
        let mut m = line(1, 3, 120);
        m.manual_discount = true;
        let p = promo(1, PromotionRule::NForM { take: 3, pay: 2 }, &[1]);
        assert_eq!(
            cents(&apply_promotions(&[w, m], &[p])),
            vec![(0, 0), (0, 0)]
        );
    }

    #[test]
    fn best_for_the_customer_wins_one_promotion_per_line() {
        // 3 at 1.00: 3x2 saves 1.00, 10 % saves 0.30: the 3x2 wins; the other product, only in
        // the 10 %, still gets it.
        let three_for_two = promo(2, PromotionRule::NForM { take: 3, pay: 2 }, &[1]);
        let ten = promo(
            1,
            PromotionRule::PercentOff {
                percent: Percent::whole(10),
            },
            &[1, 2],
        );
        let lines = [line(1, 3, 100), line(2, 1, 500)];
        assert_eq!(
            cents(&apply_promotions(
                &lines,
                &[ten.clone(), three_for_two.clone()]
            )),
            vec![(2, 100), (1, 50)]
        );
        // At 50 % off the percentage saves more (1.50 on the first line): it takes both lines.
        let half = PromotionRecord {
            rule: PromotionRule::PercentOff {
                percent: Percent::whole(50),
            },
            ..ten
        };
        assert_eq!(
            cents(&apply_promotions(&lines, &[three_for_two.clone(), half])),
            vec![(1, 150), (1, 250)]
        );
        // Equal savings: the lower id.
        let twin = PromotionRecord {
            id: 5,
            ..three_for_two.clone()
        };
        assert_eq!(
            cents(&apply_promotions(
                &[line(1, 3, 100)],
                &[twin, three_for_two]
            )),
            vec![(2, 100)]
        );
    }

    #[test]
    fn in_force_by_the_stores_calendar_and_until_ended() {
        let mut p = promo(1, PromotionRule::NForM { take: 3, pay: 2 }, &[1]);
        let madrid = chrono_tz::Europe::Madrid;
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        // 30 Nov 23:30 UTC is already 1 Dec 00:30 in Madrid.
        assert!(p.in_force(at("2026-11-30T23:30:00Z"), madrid));
        assert!(!p.in_force(at("2026-11-30T22:30:00Z"), madrid));
        assert!(p.in_force(at("2026-12-31T22:59:00Z"), madrid));
        assert!(!p.in_force(at("2026-12-31T23:00:00Z"), madrid));
        p.ended_at = Some(at("2026-12-10T12:00:00Z"));
        assert!(p.in_force(at("2026-12-10T11:59:59Z"), madrid));
        assert!(!p.in_force(at("2026-12-10T12:00:00Z"), madrid));
    }

    #[test]
    fn checks_refuse_nonsense() {
        let ok = promo(1, PromotionRule::NForM { take: 3, pay: 2 }, &[1]);
        assert_eq!(ok.check(), Ok(()));
        let bad = |rule| PromotionRecord { rule, ..ok.clone() }.check();
        assert_eq!(
            bad(PromotionRule::NForM { take: 3, pay: 3 }),
            Err(PromotionError::BadNForM)
        );
        assert_eq!(
            bad(PromotionRule::PercentOff {
                percent: Percent::whole(101)
            }),
            Err(PromotionError::BadPercent)
        );
        assert_eq!(
            bad(PromotionRule::Bundle {
                price: Money::from_cents(100)
            }),
            Err(PromotionError::BundleTooSmall)
        );
        let backwards = PromotionRecord {
            ends_on: NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            ..ok.clone()
        };
        assert_eq!(backwards.check(), Err(PromotionError::EndsBeforeStart));
    }

    #[test]
    fn scheduled_price_switches_at_local_midnight() {
        let madrid = chrono_tz::Europe::Madrid;
        let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let s = PriceScheduleRecord {
            id: 1,
            product_id: ProductId(1),
            store_id: None,
            price: Money::from_cents(150),
            effective_on: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
        };
        let hq = Money::from_cents(120);
        let store = Some(Money::from_cents(130));
        let sched = std::slice::from_ref(&s);
        assert_eq!(
            price_in_force(hq, None, sched, at("2026-12-31T22:59:59Z"), madrid),
            hq
        );
        assert_eq!(
            price_in_force(hq, None, sched, at("2026-12-31T23:00:00Z"), madrid),
            Money::from_cents(150)
        );
        // The store's own price still wins over a franchise-wide schedule...
        assert_eq!(
            price_in_force(hq, store, sched, at("2027-01-02T00:00:00Z"), madrid),
            Money::from_cents(130)
        );
        // ...and a store's schedule over the store's price.
        let own = PriceScheduleRecord {
            id: 2,
            store_id: Some(StoreId(3)),
            price: Money::from_cents(99),
            ..s
        };
        assert_eq!(
            price_in_force(hq, store, &[own], at("2027-01-02T00:00:00Z"), madrid),
            Money::from_cents(99)
        );
    }
}
