//! Replenishment: a forecast of each product's daily sales per store weighted by weekday, and the
//! suggested order that covers lead time + review period + safety stock, minus what is on hand and
//! on order, rounded up to the pack size and topped up to the supplier's minimum.

use crate::storage::replenish::{
    CatalogProduct, FamilyRule, ProductPosition, StockLevel, StoreInputs, StoreRule, Supplier,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use sync_protocol::{Money, ProductId, Quantity};

/// Weeks of history the forecast reads.
pub const FORECAST_WEEKS: i64 = 4;
/// Safety stock in days of forecast sales, unless a rule says otherwise.
pub const DEFAULT_SAFETY_DAYS: i64 = 2;
/// The local hour a store's daily replenishment runs at, unless set for the store.
pub const DEFAULT_JOB_HOUR: i64 = 6;
/// Days without a sale after which stock on hand is dead, unless set for the store.
pub const DEFAULT_DEAD_STOCK_DAYS: i64 = 30;

/// Units sold per weekday on average over the last [`FORECAST_WEEKS`] weeks (Monday first).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Forecast(pub [Decimal; 7]);

impl Forecast {
    /// From net units sold per business day (`today` excluded, it is not over): for each weekday,
    /// the mean of its last [`FORECAST_WEEKS`] occurrences (a day without sales counts as zero).
    pub fn from_history(sales: &BTreeMap<NaiveDate, Quantity>, today: NaiveDate) -> Self {
        let mut per_day = [0i64; 7];
        for (d, q) in sales.range(today - Duration::days(FORECAST_WEEKS * 7)..today) {
            per_day[d.weekday().num_days_from_monday() as usize] += q.milli();
        }
        Self::from_weekday_milli(&per_day)
    }

    /// From net thousandths sold on each weekday (Monday first) over the last [`FORECAST_WEEKS`].
    pub fn from_weekday_milli(per_day: &[i64; 7]) -> Self {
        let weeks = Decimal::from(FORECAST_WEEKS);
        Self(per_day.map(|m| Decimal::new(m, 3) / weeks))
    }

    /// Nothing sold in the window.
    pub fn is_zero(&self) -> bool {
        self.0.iter().all(Decimal::is_zero)
    }

    pub fn on(&self, day: NaiveDate) -> Decimal {
        self.0[day.weekday().num_days_from_monday() as usize]
    }

    /// Expected sales over `days` days starting `from` (inclusive).
    pub fn over(&self, from: NaiveDate, days: i64) -> Decimal {
        if self.is_zero() {
            return Decimal::ZERO;
        }
        (0..days.max(0))
            .map(|i| self.on(from + Duration::days(i)))
            .sum()
    }

    /// The average day.
    pub fn daily(&self) -> Decimal {
        self.0.iter().copied().sum::<Decimal>() / Decimal::from(7)
    }
}

/// The days of the week a supplier takes orders, as `1,3,5` (ISO: 1 = Monday … 7 = Sunday).
pub fn parse_order_days(s: &str) -> Result<Vec<Weekday>, String> {
    let mut out: Vec<Weekday> = Vec::new();
    for part in s
        .split([',', ' ', ';'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let n: u8 = part
            .parse()
            .map_err(|_| format!("{part:?} is not a weekday number 1–7"))?;
        let d = match n {
            1 => Weekday::Mon,
            2 => Weekday::Tue,
            3 => Weekday::Wed,
            4 => Weekday::Thu,
            5 => Weekday::Fri,
            6 => Weekday::Sat,
            7 => Weekday::Sun,
            _ => return Err(format!("{n} is not a weekday number 1–7")),
        };
        if !out.contains(&d) {
            out.push(d);
        }
    }
    if out.is_empty() {
        return Err("at least one order day is needed".into());
    }
    out.sort_by_key(|d| d.num_days_from_monday());
    Ok(out)
}

pub fn order_days_text(days: &[Weekday]) -> String {
    days.iter()
        .map(|d| d.number_from_monday().to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// Days from `today` to the next order day after today's (the next chance to order again): the
/// review period. With one order day a week it is 7.
pub fn review_days(order_days: &[Weekday], today: NaiveDate) -> i64 {
    (1..=7)
        .find(|i| {
            let d = today + Duration::days(*i);
            order_days.contains(&d.weekday())
        })
        .unwrap_or(7)
}

/// Whether the supplier takes orders on `day`.
pub fn is_order_day(order_days: &[Weekday], day: NaiveDate) -> bool {
    order_days.contains(&day.weekday())
}

/// The rule a store's product is replenished by (a family default overridden per store).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub supplier_id: i64,
    /// Order only when on hand + on order is at or below this (None: always cover the horizon).
    pub reorder_point: Option<Quantity>,
    /// Never order above this level (None: no cap).
    pub par_level: Option<Quantity>,
    /// Orders are whole packs of this (at least 0.001).
    pub pack: Quantity,
    pub safety_days: i64,
}

/// What the suggestion is computed from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Position {
    pub product_id: ProductId,
    pub on_hand: Quantity,
    pub on_order: Quantity,
    pub forecast: Forecast,
    pub cost: Option<Decimal>,
}

/// One line of a suggested order, with why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub product_id: ProductId,
    pub on_hand: Quantity,
    pub on_order: Quantity,
    /// Forecast sales over the horizon.
    pub demand: Quantity,
    pub horizon_days: i64,
    pub quantity: Quantity,
    pub value: Money,
}

/// Rounds a need up to whole packs.
pub fn round_to_pack(need: Decimal, pack: Quantity) -> Quantity {
    if need <= Decimal::ZERO {
        return Quantity::ZERO;
    }
    let pack = pack.as_decimal().max(Decimal::new(1, 3));
    let packs = (need / pack).round_dp_with_strategy(0, RoundingStrategy::ToPositiveInfinity);
    Quantity::new(packs * pack)
}

/// The suggestion for one product, or `None` when nothing needs ordering.
pub fn suggest(
    p: &Position,
    rule: &Rule,
    lead_days: i64,
    review: i64,
    today: NaiveDate,
) -> Option<Suggestion> {
    let horizon = lead_days.max(0) + review.max(0) + rule.safety_days.max(0);
    let demand = p.forecast.over(today + Duration::days(1), horizon);
    let position = p.on_hand + p.on_order;
    if let Some(rp) = rule.reorder_point
        && position > rp
    {
        return None;
    }
    let mut need = demand - position.as_decimal();
    // Below the reorder point with no forecast (a new or slow product): bring it back to par.
    if let Some(par) = rule.par_level {
        let room = par.as_decimal() - position.as_decimal();
        if rule.reorder_point.is_some() && need <= Decimal::ZERO {
            need = room;
        }
        need = need.min(room);
    }
    let mut q = round_to_pack(need, rule.pack);
    if let Some(par) = rule.par_level {
        // Whole packs may overshoot par by less than one pack; never by a whole one.
        while q.as_decimal() > Decimal::ZERO
            && (position + q).as_decimal() - par.as_decimal() >= rule.pack.as_decimal()
        {
            q -= rule.pack;
        }
    }
    if q.is_zero() || q.is_negative() {
        return None;
    }
    Some(Suggestion {
        product_id: p.product_id,
        on_hand: p.on_hand,
        on_order: p.on_order,
        demand: Quantity::new(demand),
        horizon_days: horizon,
        quantity: q,
        value: Money::new(q.as_decimal() * p.cost.unwrap_or_default()),
    })
}

/// Tops an order up to the supplier's minimum value: one pack at a time of the line that sells
/// most (by forecast), while it is below. Lines without a cost cannot help; an order that cannot
/// reach the minimum that way is returned as it is (shown below the minimum).
pub fn top_up_to_minimum(
    lines: &mut [Suggestion],
    positions: &BTreeMap<ProductId, (Forecast, Option<Decimal>, Quantity)>,
    minimum: Money,
) {
    let total = |ls: &[Suggestion]| ls.iter().map(|l| l.value).sum::<Money>();
    let best = lines
        .iter()
        .enumerate()
        .filter_map(|(i, l)| {
            let (f, cost, pack) = positions.get(&l.product_id)?;
            let c = (*cost)?;
            (c > Decimal::ZERO && !pack.is_zero()).then_some((i, f.daily(), c, *pack))
        })
        .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(&a.0)));
    let Some((i, _, cost, pack)) = best else {
        return;
    };
    // The total kept as it changes (one line at a time), not summed again on every pack.
    let mut sum = total(lines);
    let mut guard = 0;
    while sum < minimum && guard < 100_000 {
        let before = lines[i].value;
        lines[i].quantity += pack;
        lines[i].value = Money::new(lines[i].quantity.as_decimal() * cost);
        sum = sum - before + lines[i].value;
        guard += 1;
    }
}

// --- what people type -----------------------------------------------------------------------------

use crate::problem::Problem;

/// An optional quantity of a rule (`""` = not set): a number with at most three decimals, not negative.
pub fn parse_level(field: &'static str, text: &str) -> Result<Option<Quantity>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let q: Quantity = t.replace(',', ".").parse().map_err(|_| {
        Problem::new("replenish_bad_quantity")
            .with("field", field)
            .with("value", t)
    })?;
    if q.is_negative() {
        return Err(Problem::new("replenish_negative")
            .with("field", field)
            .with("value", t));
    }
    if q > Quantity::units(1_000_000) {
        return Err(Problem::new("replenish_bad_quantity")
            .with("field", field)
            .with("value", t));
    }
    Ok(Some(q))
}

/// A pack size: greater than zero.
pub fn parse_pack(text: &str) -> Result<Option<Quantity>, Problem> {
    let q = parse_level("pack", text)?;
    if q.is_some_and(Quantity::is_zero) {
        return Err(Problem::new("replenish_pack_zero"));
    }
    Ok(q)
}

/// A number of days from 0 to 365 (`""` = not set).
pub fn parse_days(field: &'static str, text: &str) -> Result<Option<i64>, Problem> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse::<i64>()
        .ok()
        .filter(|d| (0..=365).contains(d))
        .map(Some)
        .ok_or_else(|| {
            Problem::new("replenish_bad_days")
                .with("field", field)
                .with("value", t)
        })
}

/// A supplier as typed: every problem found, or the supplier to store.
#[allow(clippy::too_many_arguments)]
pub fn new_supplier(
    name: &str,
    central: bool,
    franchisee: Option<i64>,
    email: &str,
    lead_time: &str,
    order_days: &str,
    min_order: &str,
    language: &str,
) -> Result<crate::storage::replenish::NewSupplier, Vec<Problem>> {
    let mut problems = Vec::new();
    let language = match language.trim() {
        "" => crate::i18n::Lang::Es,
        code => crate::i18n::Lang::from_code(code).unwrap_or_else(|| {
            problems.push(Problem::new("replenish_bad_language").with("value", code));
            crate::i18n::Lang::Es
        }),
    };
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        problems.push(Problem::new("replenish_supplier_name"));
    }
    let email = email.trim();
    if !email.is_empty() && (!email.contains('@') || email.chars().count() > 200) {
        problems.push(Problem::new("replenish_bad_email").with("value", email));
    }
    let lead = match parse_days("lead_time_days", lead_time) {
        Ok(Some(d)) => d,
        Ok(None) => {
            problems.push(
                Problem::new("replenish_bad_days")
                    .with("field", "lead_time_days")
                    .with("value", ""),
            );
            0
        }
        Err(p) => {
            problems.push(p);
            0
        }
    };
    let days = match parse_order_days(order_days) {
        Ok(d) => order_days_text(&d),
        Err(_) => {
            problems
                .push(Problem::new("replenish_bad_order_days").with("value", order_days.trim()));
            String::new()
        }
    };
    let min = min_order.trim();
    let min_order = if min.is_empty() {
        Money::ZERO
    } else {
        match min.replace(',', ".").parse::<Money>() {
            Ok(m) if !m.is_negative() => m,
            _ => {
                problems.push(Problem::new("replenish_bad_minimum").with("value", min));
                Money::ZERO
            }
        }
    };
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(crate::storage::replenish::NewSupplier {
        name: name.to_string(),
        central,
        franchisee_id: franchisee.map(sync_protocol::FranchiseeId),
        email: email.to_string(),
        lead_time_days: lead,
        order_days: days,
        min_order,
        language,
    })
}

/// A suggested order to one supplier for one store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SupplierOrder {
    pub supplier: Supplier,
    /// Lines by SKU, each with its product.
    pub lines: Vec<(ProductPosition, Suggestion)>,
    pub total: Money,
    /// Still under the supplier's minimum after topping up (no line has a cost to top up with).
    pub below_minimum: bool,
    /// Days from today to the supplier's next order day after today's.
    pub review_days: i64,
}

/// A store-level stock alert: one per kind, naming how many products and the first few.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockAlert {
    /// `stock_negative`, `stock_below_reorder`, `stock_out_expected`, `stock_dead`.
    pub kind: &'static str,
    pub skus: Vec<String>,
}

impl StockAlert {
    /// The alert's text (kept in the alerts table; English like the other alerts there).
    pub fn message(&self, store: &str) -> String {
        let what = match self.kind {
            "stock_negative" => "products with negative stock",
            "stock_below_reorder" => "products at or below their reorder point",
            "stock_dead" => "products with stock and no sale in their dead-stock period",
            _ => "products expected to run out within their supplier's lead time",
        };
        let shown: Vec<&str> = self.skus.iter().take(10).map(String::as_str).collect();
        let more = if self.skus.len() > shown.len() {
            format!(" and {} more", self.skus.len() - shown.len())
        } else {
            String::new()
        };
        format!(
            "{store}: {} {what}: {}{more}",
            self.skus.len(),
            shown.join(", ")
        )
    }
}

/// A store's suggested orders and alerts for `today`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Plan {
    pub orders: Vec<SupplierOrder>,
    pub alerts: Vec<StockAlert>,
}

/// The rule of a product in a store: its store rule's fields over its family's.
pub fn resolve_rule(store_rule: Option<&StoreRule>, family: Option<&FamilyRule>) -> Option<Rule> {
    let supplier_id = store_rule
        .and_then(|r| r.supplier_id)
        .or(family.map(|f| f.supplier_id))?;
    Some(Rule {
        supplier_id,
        reorder_point: store_rule
            .and_then(|r| r.reorder_point)
            .or(family.and_then(|f| f.reorder_point)),
        par_level: store_rule
            .and_then(|r| r.par_level)
            .or(family.and_then(|f| f.par_level)),
        pack: store_rule
            .and_then(|r| r.pack)
            .or(family.map(|f| f.pack))
            .unwrap_or(Quantity::one()),
        safety_days: store_rule
            .and_then(|r| r.safety_days)
            .or(family.map(|f| f.safety_days))
            .unwrap_or(DEFAULT_SAFETY_DAYS),
    })
}

/// What every store's plan shares in one run, read and worked out once: the catalog by SKU with
/// each product's family rule, and the suppliers.
pub struct Catalog {
    products: Vec<CatalogProduct>,
    /// Position in `products` by product id.
    index: HashMap<ProductId, usize>,
    /// Each product's family rule (an index into `family_rules`).
    family: Vec<Option<usize>>,
    family_rules: Vec<FamilyRule>,
    suppliers: Vec<Supplier>,
}

impl Catalog {
    pub fn new(
        mut products: Vec<CatalogProduct>,
        family_rules: Vec<FamilyRule>,
        suppliers: Vec<Supplier>,
    ) -> Self {
        products.sort_by(|a, b| a.sku.cmp(&b.sku).then(a.product_id.0.cmp(&b.product_id.0)));
        let index = products
            .iter()
            .enumerate()
            .map(|(i, p)| (p.product_id, i))
            .collect();
        let by_family: HashMap<&str, usize> = family_rules
            .iter()
            .enumerate()
            .map(|(i, f)| (f.family.as_str(), i))
            .collect();
        let family = products
            .iter()
            .map(|p| by_family.get(p.family.as_str()).copied())
            .collect();
        Self {
            products,
            index,
            family,
            family_rules,
            suppliers,
        }
    }
}

/// Stock on hand with no sale before `cutoff` (a product never sold: no movement since then).
fn is_dead(l: &StockLevel, cutoff: DateTime<Utc>) -> bool {
    l.on_hand > Quantity::ZERO && l.last_sale_at.unwrap_or(l.last_move_at) < cutoff
}

/// Computes a store's plan from what storage read: its suggested orders per supplier and its stock
/// alerts (with dead stock when `dead_before` is given: stock on hand with no sale before it).
/// Suppliers of another franchisee than the store's are skipped (never suggested).
///
/// One pass over the store's sales (grouped per product and weekday, in thousandths) and one over
/// the catalog; each supplier's order days and review period are worked out once, a product that
/// sold nothing in the window gets the zero forecast without looking at any history, and a
/// product's text is copied only for the lines and alerts that name it.
pub fn plan(
    catalog: &Catalog,
    inputs: &StoreInputs,
    franchisee: sync_protocol::FranchiseeId,
    today: NaiveDate,
    dead_before: Option<DateTime<Utc>>,
) -> Plan {
    let since = today - Duration::days(FORECAST_WEEKS * 7);
    let mut sold: HashMap<ProductId, [i64; 7]> = HashMap::new();
    for (p, day, q) in &inputs.sales {
        if *day >= since && *day < today {
            sold.entry(*p).or_insert([0; 7])[day.weekday().num_days_from_monday() as usize] +=
                q.milli();
        }
    }
    let mut levels: Vec<Option<&StockLevel>> = vec![None; catalog.products.len()];
    let mut dead: Vec<String> = Vec::new();
    for l in &inputs.levels {
        match catalog.index.get(&l.product_id) {
            Some(i) => levels[*i] = Some(l),
            // A level of a product the catalog no longer has: named by its id.
            None => {
                if dead_before.is_some_and(|cut| is_dead(l, cut)) {
                    dead.push(l.product_id.0.to_string());
                }
            }
        }
    }
    let on_order: HashMap<ProductId, Quantity> = inputs.on_order.iter().copied().collect();
    let store_rules: HashMap<ProductId, &StoreRule> = inputs
        .store_rules
        .iter()
        .map(|r| (r.product_id, r))
        .collect();
    // The suppliers that may supply this store, each with its review period from today.
    let suppliers: HashMap<i64, (&Supplier, i64)> = catalog
        .suppliers
        .iter()
        .filter(|s| s.franchisee_id.is_none_or(|f| f == franchisee))
        .map(|s| {
            let days = parse_order_days(&s.order_days).unwrap_or_else(|_| vec![Weekday::Mon]);
            (s.id, (s, review_days(&days, today)))
        })
        .collect();
    let tomorrow = today + Duration::days(1);
    let mut by_supplier: BTreeMap<i64, Vec<(ProductPosition, Suggestion)>> = BTreeMap::new();
    let mut packs: BTreeMap<ProductId, (Forecast, Option<Decimal>, Quantity)> = BTreeMap::new();
    let (mut negative, mut below, mut running_out) = (Vec::new(), Vec::new(), Vec::new());
    for (i, p) in catalog.products.iter().enumerate() {
        let level = levels[i];
        if let (Some(cut), Some(l)) = (dead_before, level)
            && is_dead(l, cut)
        {
            dead.push(p.sku.clone());
        }
        if !p.active {
            continue;
        }
        let store_rule = store_rules.get(&p.product_id).copied();
        let family = catalog.family[i].map(|f| &catalog.family_rules[f]);
        let Some(rule) = resolve_rule(store_rule, family) else {
            continue;
        };
        let Some(&(supplier, review)) = suppliers.get(&rule.supplier_id) else {
            continue;
        };
        let on_hand = level.map_or(Quantity::ZERO, |l| l.on_hand);
        let on_order = on_order
            .get(&p.product_id)
            .copied()
            .unwrap_or(Quantity::ZERO);
        let cost = level.and_then(|l| l.avg_cost).or(p.cost);
        let forecast = sold
            .get(&p.product_id)
            .map_or_else(Forecast::default, Forecast::from_weekday_milli);
        if on_hand.is_negative() {
            negative.push(p.sku.clone());
        }
        if rule.reorder_point.is_some_and(|rp| on_hand <= rp) {
            below.push(p.sku.clone());
        }
        if !on_hand.is_negative() && !forecast.is_zero() {
            let lead_demand = forecast.over(tomorrow, supplier.lead_time_days);
            if lead_demand > Decimal::ZERO && (on_hand + on_order).as_decimal() < lead_demand {
                running_out.push(p.sku.clone());
            }
        }
        let position = Position {
            product_id: p.product_id,
            on_hand,
            on_order,
            forecast,
            cost,
        };
        if let Some(s) = suggest(&position, &rule, supplier.lead_time_days, review, today) {
            packs.insert(p.product_id, (forecast, cost, rule.pack));
            by_supplier.entry(supplier.id).or_default().push((
                ProductPosition {
                    product_id: p.product_id,
                    sku: p.sku.clone(),
                    name: p.name.clone(),
                    family: p.family.clone(),
                    on_hand,
                    on_order,
                    cost,
                },
                s,
            ));
        }
    }
    let mut orders = Vec::new();
    for (id, lines) in by_supplier {
        let (supplier, review) = suppliers[&id];
        let (positions, mut suggestions): (Vec<ProductPosition>, Vec<Suggestion>) =
            lines.into_iter().unzip();
        top_up_to_minimum(&mut suggestions, &packs, supplier.min_order);
        let total: Money = suggestions.iter().map(|s| s.value).sum();
        orders.push(SupplierOrder {
            supplier: supplier.clone(),
            lines: positions.into_iter().zip(suggestions).collect(),
            total,
            below_minimum: total < supplier.min_order,
            review_days: review,
        });
    }
    dead.sort_unstable();
    let mut alerts = Vec::new();
    for (kind, skus) in [
        ("stock_negative", negative),
        ("stock_below_reorder", below),
        ("stock_out_expected", running_out),
        ("stock_dead", dead),
    ] {
        if !skus.is_empty() {
            alerts.push(StockAlert { kind, skus });
        }
    }
    Plan { orders, alerts }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    /// Four weeks of a store that sells 10 on Saturdays, 2 on other days and nothing on Sundays.
    fn weekly(today: NaiveDate) -> BTreeMap<NaiveDate, Quantity> {
        (1..=28)
            .map(|back| {
                let day = today - Duration::days(back);
                let q = match day.weekday() {
                    Weekday::Sat => 10,
                    Weekday::Sun => 0,
                    _ => 2,
                };
                (day, Quantity::units(q))
            })
            .collect()
    }

    #[test]
    fn forecast_on_a_known_weekly_pattern() {
        let today = d("2026-12-04"); // a Friday
        let f = Forecast::from_history(&weekly(today), today);
        assert_eq!(f.on(d("2026-12-05")), Decimal::from(10)); // Saturday
        assert_eq!(f.on(d("2026-12-06")), Decimal::ZERO); // Sunday
        assert_eq!(f.on(d("2026-12-07")), Decimal::from(2)); // Monday
        // Sat + Sun + Mon + Tue = 14.
        assert_eq!(f.over(d("2026-12-05"), 4), Decimal::from(14));
        assert_eq!(f.daily(), Decimal::from(20) / Decimal::from(7));
        // Older sales than four weeks do not count; a missing day counts as zero.
        let mut h = weekly(today);
        h.insert(today - Duration::days(29), Quantity::units(1000));
        h.remove(&d("2026-11-28")); // one of the four Saturdays
        let f = Forecast::from_history(&h, today);
        assert_eq!(f.on(d("2026-12-05")), Decimal::new(75, 1));
    }

    #[test]
    fn suggested_order_for_known_stock_on_order_lead_time_and_pack() {
        let today = d("2026-12-04"); // Friday
        let p = Position {
            product_id: ProductId(1),
            on_hand: Quantity::units(5),
            on_order: Quantity::units(3),
            forecast: Forecast::from_history(&weekly(today), today),
            cost: Some(Decimal::new(150, 2)),
        };
        let rule = Rule {
            supplier_id: 1,
            reorder_point: None,
            par_level: None,
            pack: Quantity::units(6),
            safety_days: 1,
        };
        // Orders on Mondays and Fridays: from Friday the next chance is Monday (3 days).
        let days = parse_order_days("1,5").unwrap();
        assert_eq!(review_days(&days, today), 3);
        // Horizon 2 (lead) + 3 (review) + 1 (safety) = 6 days from Saturday: 10+0+2+2+2+2 = 18.
        // 18 − 5 on hand − 3 on order = 10 → two packs of 6 = 12.
        let s = suggest(&p, &rule, 2, 3, today).unwrap();
        assert_eq!(s.horizon_days, 6);
        assert_eq!(s.demand, Quantity::units(18));
        assert_eq!(s.quantity, Quantity::units(12));
        assert_eq!(s.value, Money::from_cents(1800));
        // Above the reorder point: nothing.
        let gated = Rule {
            reorder_point: Some(Quantity::units(7)),
            ..rule.clone()
        };
        assert_eq!(suggest(&p, &gated, 2, 3, today), None);
        // A par level caps it: par 15 − 8 = 7 → packs of 6 round up to 12, which overshoots par by
        // 5 (< one pack): kept.
        let capped = Rule {
            par_level: Some(Quantity::units(15)),
            ..rule.clone()
        };
        assert_eq!(
            suggest(&p, &capped, 2, 3, today).unwrap().quantity,
            Quantity::units(12)
        );
        let tight = Rule {
            par_level: Some(Quantity::units(9)),
            ..rule.clone()
        };
        assert_eq!(
            suggest(&p, &tight, 2, 3, today).unwrap().quantity,
            Quantity::units(6)
        );
        // Enough on hand: nothing.
        let full = Position {
            on_hand: Quantity::units(40),
            ..p.clone()
        };
        assert_eq!(suggest(&full, &rule, 2, 3, today), None);
        // kg, packs of 0.5: need 1.2 → 1.5.
        assert_eq!(
            round_to_pack(Decimal::new(12, 1), Quantity::from_milli(500)),
            Quantity::from_milli(1_500)
        );
    }

    #[test]
    fn topped_up_to_the_supplier_minimum() {
        let today = d("2026-12-04");
        let fast = Forecast::from_history(&weekly(today), today);
        let mut lines = vec![
            Suggestion {
                product_id: ProductId(1),
                on_hand: Quantity::ZERO,
                on_order: Quantity::ZERO,
                demand: Quantity::ZERO,
                horizon_days: 1,
                quantity: Quantity::units(6),
                value: Money::from_cents(900),
            },
            Suggestion {
                product_id: ProductId(2),
                on_hand: Quantity::ZERO,
                on_order: Quantity::ZERO,
                demand: Quantity::ZERO,
                horizon_days: 1,
                quantity: Quantity::units(1),
                value: Money::from_cents(100),
            },
        ];
        let positions = BTreeMap::from([
            (
                ProductId(1),
                (fast, Some(Decimal::new(150, 2)), Quantity::units(6)),
            ),
            (
                ProductId(2),
                (Forecast::default(), Some(Decimal::ONE), Quantity::one()),
            ),
        ]);
        top_up_to_minimum(&mut lines, &positions, Money::from_cents(2500));
        // 9 + 1 = 10 → +9 → 19 → +9 → 28 ≥ 25.
        assert_eq!(lines[0].quantity, Quantity::units(18));
        assert_eq!(lines[1].quantity, Quantity::units(1));
        assert!(parse_order_days("0").is_err());
        assert!(parse_order_days("").is_err());
        assert_eq!(order_days_text(&parse_order_days("5, 1,1").unwrap()), "1,5");
    }
}
