//! Inventory at HQ: what a till document does to a store's stock, the weighted average cost of a
//! receipt, and the figures the Existencias page derives (value, days of cover, dead stock).
//!
//! Quantities are exact thousandths (`Quantity`), costs are euros with four decimals (a weighted
//! average is rarely a whole cent), a stock value is rounded to the cent only at the end.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use sync_protocol::{DocumentBody, Money, ProductId, Quantity, StaffId, StockMovementKind};

/// Decimals a unit cost keeps (stored as an integer of ten-thousandths of a euro).
pub const COST_SCALE: u32 = 4;
/// The largest unit cost HQ accepts (a typo such as 1999 instead of 19.99 is caught elsewhere).
pub const MAX_COST: i64 = 1_000_000;

/// Days of sales the stock page's "sold" and days of cover look back over by default.
pub const SALES_WINDOW_DAYS: i64 = 28;
/// Costs one API call or CSV file may set.
pub const MAX_COST_LINES: usize = 50_000;

/// What a movement line is, as stored in `stock_moves.kind`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveKind {
    Sale,
    Refund,
    Receipt,
    Count,
    Waste,
    Adjustment,
}

impl MoveKind {
    pub const ALL: [MoveKind; 6] = [
        Self::Sale,
        Self::Refund,
        Self::Receipt,
        Self::Count,
        Self::Waste,
        Self::Adjustment,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sale => "sale",
            Self::Refund => "refund",
            Self::Receipt => "receipt",
            Self::Count => "count",
            Self::Waste => "waste",
            Self::Adjustment => "adjustment",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One line of a document as it touches stock, before it is applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineMove {
    /// 1-based, in the document's line order (with `document_id` the move's key).
    pub line_no: i64,
    pub product_id: ProductId,
    pub kind: MoveKind,
    /// The signed change, or for a count the quantity counted.
    pub quantity: Quantity,
    /// The cashier or the person who received, counted or wrote off, when the till knows.
    pub staff_id: Option<StaffId>,
    pub reason: Option<String>,
}

/// The stock lines of a document: sales take out what they sold, refunds put it back, receipts
/// add, waste removes (whatever sign the till wrote), adjustments add their signed change, a count
/// states the quantity on the shelf (several lines of one product in a count add up: counted in
/// two places). A full invoice replaces a ticket already counted and moves nothing.
pub fn moves_of(body: &DocumentBody) -> Vec<LineMove> {
    match body {
        DocumentBody::Sale(s) => s
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineMove {
                line_no: i as i64 + 1,
                product_id: l.product_id,
                kind: MoveKind::Sale,
                quantity: -l.quantity,
                staff_id: s.cashier_id,
                reason: None,
            })
            .collect(),
        DocumentBody::Refund(r) => r
            .lines
            .iter()
            .enumerate()
            .map(|(i, l)| LineMove {
                line_no: i as i64 + 1,
                product_id: l.product_id,
                kind: MoveKind::Refund,
                quantity: l.quantity,
                staff_id: r.cashier_id,
                reason: Some(r.reason.clone()).filter(|r| !r.trim().is_empty()),
            })
            .collect(),
        DocumentBody::StockMovement(m) => {
            let kind = match m.kind {
                StockMovementKind::Receipt => MoveKind::Receipt,
                StockMovementKind::Count => MoveKind::Count,
                StockMovementKind::Waste => MoveKind::Waste,
                StockMovementKind::Adjustment => MoveKind::Adjustment,
            };
            m.lines
                .iter()
                .enumerate()
                .map(|(i, l)| LineMove {
                    line_no: i as i64 + 1,
                    product_id: l.product_id,
                    kind,
                    quantity: match kind {
                        MoveKind::Waste => -l.quantity.abs(),
                        _ => l.quantity,
                    },
                    staff_id: m.staff_id,
                    // A receipt's reason is its reference (the delivery note, the supplier's number).
                    reason: m.reason.clone().or_else(|| m.reference.clone()),
                })
                .collect()
        }
        _ => Vec::new(),
    }
}

/// A store's stock of one product as the ledger holds it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Level {
    pub on_hand: Quantity,
    /// The store's weighted average unit cost, once a receipt at a known cost arrived.
    pub avg_cost: Option<Decimal>,
    /// Till time (µs) of the last sale.
    pub last_sale_at: Option<i64>,
}

/// What applying one line did: the change, the balance after it, and for a count what was counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Applied {
    pub delta: Quantity,
    pub balance: Quantity,
    pub counted: Option<Quantity>,
}

/// Applies one line to a level. `unit_cost` is the receipt's cost (from its delivery note line),
/// `hq_cost` HQ's cost of the product (the average starts from it).
pub fn apply(
    level: &mut Level,
    m: &LineMove,
    unit_cost: Option<Decimal>,
    hq_cost: Option<Decimal>,
    till_time_us: i64,
) -> Applied {
    let before = level.on_hand;
    let (delta, counted) = match m.kind {
        MoveKind::Count => (m.quantity - before, Some(m.quantity)),
        _ => (m.quantity, None),
    };
    if m.kind == MoveKind::Receipt
        && let Some(cost) = unit_cost
        && positive(delta)
    {
        level.avg_cost = Some(weighted_average(
            before,
            level.avg_cost.or(hq_cost).unwrap_or(cost),
            delta,
            cost,
        ));
    }
    if m.kind == MoveKind::Sale {
        level.last_sale_at = Some(
            level
                .last_sale_at
                .map_or(till_time_us, |t| t.max(till_time_us)),
        );
    }
    level.on_hand = before + delta;
    Applied {
        delta,
        balance: level.on_hand,
        counted,
    }
}

/// The average unit cost after receiving `received` at `cost` onto `on_hand` valued at `avg`.
/// Negative stock on hand has no value to average with: the receipt's cost is taken as it is.
pub fn weighted_average(
    on_hand: Quantity,
    avg: Decimal,
    received: Quantity,
    cost: Decimal,
) -> Decimal {
    let held = if positive(on_hand) {
        on_hand.as_decimal()
    } else {
        Decimal::ZERO
    };
    let total = held + received.as_decimal();
    if total.is_zero() {
        return round_cost(cost);
    }
    round_cost((held * avg + received.as_decimal() * cost) / total)
}

/// A cost to four decimals, always written with four (`2.5000`).
pub fn round_cost(c: Decimal) -> Decimal {
    let mut r = c.round_dp_with_strategy(COST_SCALE, RoundingStrategy::MidpointAwayFromZero);
    r.rescale(COST_SCALE);
    r
}

/// A cost as stored (ten-thousandths of a euro).
pub fn cost_to_e4(c: Decimal) -> i64 {
    let r = round_cost(c) * Decimal::from(10_000);
    i64::try_from(r.trunc()).unwrap_or(i64::MAX)
}

pub fn cost_from_e4(v: i64) -> Decimal {
    Decimal::new(v, COST_SCALE)
}

/// Quantity × unit cost, rounded to the cent.
pub fn value(q: Quantity, cost: Option<Decimal>) -> Money {
    Money::new(q.as_decimal() * cost.unwrap_or_default())
}

/// Parses a unit cost as HQ types it: `1.2345`, `1,20`; not negative, at most four decimals.
pub fn parse_cost(text: &str) -> Result<Decimal, CostProblem> {
    let t = text.trim();
    let d: Decimal = t
        .replace(',', ".")
        .parse()
        .map_err(|_| CostProblem::NotANumber(t.to_string()))?;
    if d.scale() > COST_SCALE && d.normalize().scale() > COST_SCALE {
        return Err(CostProblem::TooManyDecimals(t.to_string()));
    }
    if d.is_sign_negative() && !d.is_zero() {
        return Err(CostProblem::Negative(t.to_string()));
    }
    if d > Decimal::from(MAX_COST) {
        return Err(CostProblem::TooLarge(t.to_string()));
    }
    Ok(round_cost(d))
}

/// Why a typed cost was refused (the problem code says it in both languages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CostProblem {
    NotANumber(String),
    TooManyDecimals(String),
    Negative(String),
    TooLarge(String),
}

impl CostProblem {
    pub fn problem(&self) -> crate::problem::Problem {
        use crate::problem::Problem;
        match self {
            Self::NotANumber(v) => Problem::new("stock_cost_not_a_number").with("value", v),
            Self::TooManyDecimals(v) => Problem::new("stock_cost_decimals").with("value", v),
            Self::Negative(v) => Problem::new("stock_cost_negative").with("value", v),
            Self::TooLarge(v) => Problem::new("stock_cost_too_large")
                .with("value", v)
                .with("max", MAX_COST),
        }
    }
}

/// One cost to set as typed: a product by id or by SKU/barcode, and the cost as text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostLine {
    /// 1-based line (of the request, or of the CSV file) for the messages.
    pub line: u64,
    pub product_id: Option<i64>,
    pub code: Option<String>,
    pub cost: String,
}

/// Resolves every line (product by id or code, cost) and reports every bad one by its line; the
/// same product twice keeps the last cost. Nothing is stored here.
pub async fn resolve_costs(
    storage: &dyn crate::storage::Storage,
    lines: &[CostLine],
) -> Result<
    Result<Vec<crate::storage::stock::ProductStockIn>, Vec<(u64, crate::problem::Problem)>>,
    crate::storage::StorageError,
> {
    use crate::problem::Problem;
    use crate::storage::StorageError;
    let mut problems = Vec::new();
    let mut out: Vec<crate::storage::stock::ProductStockIn> = Vec::new();
    for l in lines {
        let product = match (l.product_id, l.code.as_deref().map(str::trim)) {
            (Some(id), _) => match storage.get_product(ProductId(id)).await {
                Ok(p) => Some(p.id),
                Err(StorageError::NotFound(_)) => {
                    problems.push((
                        l.line,
                        Problem::new("product_does_not_exist").with("id", id),
                    ));
                    None
                }
                Err(e) => return Err(e),
            },
            (None, Some(code)) if !code.is_empty() => {
                match storage.deliveries().product_by_code(code).await? {
                    Some(p) => Some(p.id),
                    None => {
                        problems.push((
                            l.line,
                            Problem::new("stock_unknown_code").with("code", code),
                        ));
                        None
                    }
                }
            }
            _ => {
                problems.push((l.line, Problem::new("stock_no_product")));
                None
            }
        };
        let cost = match parse_cost(&l.cost) {
            Ok(c) => Some(c),
            Err(p) => {
                problems.push((l.line, p.problem()));
                None
            }
        };
        if let (Some(product_id), Some(cost)) = (product, cost) {
            out.retain(|r| r.product_id != product_id);
            out.push(crate::storage::stock::ProductStockIn { product_id, cost });
        }
    }
    Ok(if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    })
}

/// Days the stock lasts at the recent daily sales: `None` when nothing sold (cover unknown), zero
/// when there is nothing (or less than nothing) on hand.
pub fn days_of_cover(on_hand: Quantity, sold: Quantity, days: i64) -> Option<Decimal> {
    if !positive(on_hand) {
        return Some(Decimal::ZERO);
    }
    if !positive(sold) || days <= 0 {
        return None;
    }
    let daily = sold.as_decimal() / Decimal::from(days);
    Some(
        (on_hand.as_decimal() / daily)
            .round_dp_with_strategy(1, RoundingStrategy::MidpointAwayFromZero),
    )
}

/// Stock nobody bought in `dead_days`: something on hand and no sale since `today - dead_days`.
pub fn is_dead(
    on_hand: Quantity,
    last_sale: Option<chrono::NaiveDate>,
    today: chrono::NaiveDate,
    dead_days: i64,
) -> bool {
    positive(on_hand) && last_sale.is_none_or(|d| (today - d).num_days() >= dead_days)
}

fn positive(q: Quantity) -> bool {
    !q.is_negative() && !q.is_zero()
}

/// Rotation over a period: units sold divided by the units on hand now (how many times the shelf
/// turned). `None` when nothing is on hand.
pub fn rotation(sold: Quantity, on_hand: Quantity) -> Option<Decimal> {
    if !positive(on_hand) {
        return None;
    }
    Some(
        (sold.as_decimal() / on_hand.as_decimal())
            .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero),
    )
}

/// Applies a document's moves to the levels in `levels` (missing ones start at zero) and returns
/// each move with its result, in order. Used by ingest and by the start-up backfill alike.
pub fn apply_all(
    levels: &mut HashMap<ProductId, Level>,
    moves: &[LineMove],
    unit_costs: &HashMap<ProductId, Decimal>,
    hq_costs: &HashMap<ProductId, Decimal>,
    till_time_us: i64,
) -> Vec<Applied> {
    apply_all_as_of(
        levels,
        moves,
        unit_costs,
        hq_costs,
        till_time_us,
        &HashMap::new(),
    )
}

/// What HQ had already applied to a product that happened after a count was made (by the till
/// times of the documents): a count states the shelf as of its own time, not as of its arrival.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct After {
    /// The changes recorded after the count's time.
    pub delta: Quantity,
    /// A later count of the product was applied already: it stated the shelf since.
    pub counted: bool,
}

/// [`apply_all`] for a document that may have arrived after later movements: a count line of a
/// product in `after` sets the quantity as of the count's time and keeps what was recorded after
/// it (on hand = counted + the later changes; the variance is counted − the balance then). A
/// product counted again later keeps that count's quantity: the earlier count records what was
/// counted with no change.
pub fn apply_all_as_of(
    levels: &mut HashMap<ProductId, Level>,
    moves: &[LineMove],
    unit_costs: &HashMap<ProductId, Decimal>,
    hq_costs: &HashMap<ProductId, Decimal>,
    till_time_us: i64,
    after: &HashMap<ProductId, After>,
) -> Vec<Applied> {
    moves
        .iter()
        .map(|m| {
            let level = levels.entry(m.product_id).or_default();
            if m.kind == MoveKind::Count
                && let Some(a) = after.get(&m.product_id)
            {
                let delta = if a.counted {
                    Quantity::ZERO
                } else {
                    m.quantity - (level.on_hand - a.delta)
                };
                level.on_hand += delta;
                return Applied {
                    delta,
                    balance: level.on_hand,
                    counted: Some(m.quantity),
                };
            }
            let cost = if m.kind == MoveKind::Receipt {
                unit_costs.get(&m.product_id).copied()
            } else {
                None
            };
            apply(
                level,
                m,
                cost,
                hq_costs.get(&m.product_id).copied(),
                till_time_us,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::dec;

    /// `dec("1.25")` without a macro crate.
    mod rust_decimal_macros_free {
        pub fn dec(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    fn mv(kind: MoveKind, milli: i64) -> LineMove {
        LineMove {
            line_no: 1,
            product_id: ProductId(1),
            kind,
            quantity: Quantity::from_milli(milli),
            staff_id: None,
            reason: None,
        }
    }

    #[test]
    fn a_day_by_hand() {
        let mut l = Level::default();
        // Receive 10 kg at 2.00 (first cost: the average is the cost).
        let a = apply(
            &mut l,
            &mv(MoveKind::Receipt, 10_000),
            Some(dec("2")),
            None,
            1,
        );
        assert_eq!(a.balance, Quantity::from_milli(10_000));
        assert_eq!(l.avg_cost, Some(dec("2.0000")));
        // Sell 1.235 kg, refund 0.235 kg.
        apply(&mut l, &mv(MoveKind::Sale, -1_235), None, None, 5);
        apply(&mut l, &mv(MoveKind::Refund, 235), None, None, 6);
        assert_eq!(l.on_hand, Quantity::from_milli(9_000));
        assert_eq!(l.last_sale_at, Some(5));
        // Receive 3 kg at 3.00: (9 × 2 + 3 × 3) / 12 = 2.25.
        apply(
            &mut l,
            &mv(MoveKind::Receipt, 3_000),
            Some(dec("3")),
            None,
            7,
        );
        assert_eq!(l.avg_cost, Some(dec("2.2500")));
        // Count 11.5 kg: variance −0.5.
        let c = apply(&mut l, &mv(MoveKind::Count, 11_500), None, None, 8);
        assert_eq!(c.delta, Quantity::from_milli(-500));
        assert_eq!(c.counted, Some(Quantity::from_milli(11_500)));
        // Waste 0.5 (the till writes it negative).
        apply(&mut l, &mv(MoveKind::Waste, -500), None, None, 9);
        assert_eq!(l.on_hand, Quantity::from_milli(11_000));
        assert_eq!(value(l.on_hand, l.avg_cost), Money::from_cents(2475));
    }

    #[test]
    fn negative_stock_averages_with_nothing() {
        let mut l = Level {
            on_hand: Quantity::units(-4),
            avg_cost: Some(dec("1")),
            last_sale_at: None,
        };
        apply(
            &mut l,
            &mv(MoveKind::Receipt, 6_000),
            Some(dec("1.5")),
            None,
            1,
        );
        assert_eq!(l.on_hand, Quantity::units(2));
        assert_eq!(l.avg_cost, Some(dec("1.5000")));
        // HQ's cost is where the average starts when the store has none yet.
        let mut l = Level {
            on_hand: Quantity::units(3),
            ..Level::default()
        };
        apply(
            &mut l,
            &mv(MoveKind::Receipt, 1_000),
            Some(dec("2")),
            Some(dec("1")),
            1,
        );
        assert_eq!(l.avg_cost, Some(dec("1.2500")));
        // A receipt at no known cost leaves the average alone.
        apply(
            &mut l,
            &mv(MoveKind::Receipt, 1_000),
            None,
            Some(dec("9")),
            1,
        );
        assert_eq!(l.avg_cost, Some(dec("1.2500")));
    }

    #[test]
    fn costs_as_typed() {
        assert_eq!(parse_cost("1,2"), Ok(dec("1.2")));
        assert_eq!(parse_cost(" 0.1234 "), Ok(dec("0.1234")));
        assert!(matches!(
            parse_cost("0.12345"),
            Err(CostProblem::TooManyDecimals(_))
        ));
        assert!(matches!(parse_cost("-1"), Err(CostProblem::Negative(_))));
        assert!(matches!(parse_cost("uno"), Err(CostProblem::NotANumber(_))));
        assert!(matches!(
            parse_cost("2000000"),
            Err(CostProblem::TooLarge(_))
        ));
        assert_eq!(cost_to_e4(dec("1.2345")), 12_345);
        assert_eq!(cost_from_e4(12_345), dec("1.2345"));
    }

    #[test]
    fn cover_dead_and_rotation() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 12, 4).unwrap();
        assert_eq!(
            days_of_cover(Quantity::units(10), Quantity::units(28), 28),
            Some(dec("10.0"))
        );
        assert_eq!(days_of_cover(Quantity::units(10), Quantity::ZERO, 28), None);
        assert_eq!(
            days_of_cover(Quantity::units(-1), Quantity::units(5), 28),
            Some(Decimal::ZERO)
        );
        assert!(is_dead(Quantity::units(1), None, today, 30));
        assert!(is_dead(
            Quantity::units(1),
            Some(today - chrono::Duration::days(30)),
            today,
            30
        ));
        assert!(!is_dead(
            Quantity::units(1),
            Some(today - chrono::Duration::days(29)),
            today,
            30
        ));
        assert!(!is_dead(Quantity::ZERO, None, today, 30));
        assert_eq!(
            rotation(Quantity::units(30), Quantity::units(12)),
            Some(dec("2.50"))
        );
    }
}
