//! What the web dashboard needs from storage beyond the admin API: the people who sign in, their
//! sessions and failed sign-ins, open alerts, and the report aggregates that push keeps up to date.

use super::{Alert, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use sync_protocol::{Document, DocumentKind, Money, ProductId, StoreId};

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DashboardRole {
    /// HQ: sees everything and changes catalog, stores, tills and staff.
    Admin,
    /// HQ, read-only: sees everything, changes nothing.
    Analyst,
    /// Sees only the stores assigned to them, read-only.
    Manager,
}

impl DashboardRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Manager => "manager",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Self::Admin),
            "analyst" => Some(Self::Analyst),
            "manager" => Some(Self::Manager),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDashboardUser {
    pub username: String,
    pub display_name: String,
    /// argon2id PHC string; the password itself is never stored.
    pub password_hash: String,
    pub role: DashboardRole,
    /// The stores a manager sees (empty for HQ roles).
    pub stores: Vec<StoreId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: DashboardRole,
    pub stores: Vec<StoreId>,
}

/// What a report groups by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportDim {
    Day,
    Store,
    Product,
    TaxRate,
    Tender,
}

/// Where a report reads from: the aggregates (the dashboard) or the raw lines (the benchmark's baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    Aggregates,
    RawLines,
}

/// One group of a report, per store (the caller scopes and merges stores).
/// `key`: the day, store id, product id, tax rate in hundredths or tender, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimRow {
    pub store_id: StoreId,
    pub key: String,
    /// Product rows: "SKU name"; empty otherwise.
    pub label: String,
    /// Tickets (day, store), payments (tender), 0 otherwise.
    pub count: i64,
    /// Product rows: units sold in thousandths.
    pub quantity_milli: i64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
}

#[async_trait]
pub trait DashboardStorage: Send + Sync {
    /// A duplicate username is a `Conflict`; an unknown store is `NotFound`.
    async fn create_dashboard_user(&self, u: &NewDashboardUser) -> StorageResult<i64>;
    async fn dashboard_user_by_name(&self, username: &str) -> StorageResult<Option<DashboardUser>>;
    async fn create_session(
        &self,
        token_hash: &str,
        user_id: i64,
        csrf_token: &str,
        now: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// The user and CSRF token of an unexpired session.
    async fn session_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Option<(DashboardUser, String)>>;
    async fn delete_session(&self, token_hash: &str) -> StorageResult<()>;
    async fn record_login_failure(&self, keys: &[String], now: DateTime<Utc>) -> StorageResult<()>;
    async fn login_failures_since(&self, key: &str, since: DateTime<Utc>) -> StorageResult<u64>;
    async fn clear_login_failures(&self, key: &str) -> StorageResult<()>;
    /// Sets the HQ price of many products in one transaction, each with its change-log row
    /// (the bulk price change). All or nothing; returns how many products changed.
    async fn bulk_set_prices(&self, prices: &[(ProductId, Money)]) -> StorageResult<u64>;
    /// The per-store prices of a product, by store.
    async fn store_prices(&self, product: ProductId) -> StorageResult<Vec<(StoreId, Money)>>;
    /// Alerts not resolved yet, oldest first.
    async fn open_alerts(&self) -> StorageResult<Vec<Alert>>;
    /// A report between two business days inclusive, grouped by store and `dim`.
    async fn report_by(
        &self,
        dim: ReportDim,
        from: NaiveDate,
        to: NaiveDate,
        source: ReportSource,
    ) -> StorageResult<Vec<DimRow>>;
    /// The stored documents of one kind whose business day (Europe/Madrid) is between `from` and
    /// `to` inclusive, in till time order (the loss-prevention, cash and staff-hours reports).
    async fn documents_of_kind(
        &self,
        kind: DocumentKind,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StorageResult<Vec<Document>>;
}

/// Shared by both backends: `?1` kind, `?2`/`?3` first and last business day.
pub const DOCUMENTS_OF_KIND: &str = "SELECT json FROM documents \
     WHERE kind = ?1 AND business_day >= ?2 AND business_day <= ?3 ORDER BY till_time, till_id, seq";

/// Reads a stored document body back.
pub fn parse_document(json: &str) -> StorageResult<Document> {
    serde_json::from_str(json)
        .map_err(|e| super::StorageError::Backend(format!("stored document unreadable: {e}")))
}

// --- SQL shared by both backends (written with ?N; PostgreSQL gets $N) ---------------------------

/// A line's tax base in cents from what was charged for it (`net_cents`, after the ticket discount,
/// tax included) and its rate, rounded half up with integer arithmetic (same result in SQL and Rust).
/// Product reports use it; the VAT report uses each ticket's own tax breakdown instead.
const LINE_BASE: &str =
    "((l.net_cents * 20000 + 10000 + l.tax_rate_hundredths) / (20000 + 2 * l.tax_rate_hundredths))";

/// [`LINE_BASE`] in Rust, for a positive charged amount.
pub fn line_base(charged_cents: i64, rate_hundredths: i64) -> i64 {
    let d = 10_000 + rate_hundredths;
    let sign = charged_cents.signum();
    sign * ((charged_cents.abs() * 20_000 + d) / (2 * d))
}

/// `?N` placeholders as PostgreSQL's `$N`.
pub fn pg(sql: &str) -> String {
    sql.replace('?', "$")
}

/// The report query: columns store_id, key, label, count, quantity_milli, gross, net, tax; `?1`/`?2` the days.
pub fn report_sql(dim: ReportDim, source: ReportSource, cast: bool) -> String {
    let sum = |e: &str| {
        if cast {
            format!("CAST(SUM({e}) AS BIGINT)")
        } else {
            format!("SUM({e})")
        }
    };
    let signed = |col: &str| format!("CASE WHEN s.kind = 'sale' THEN {col} ELSE -{col} END");
    let period = "BETWEEN ?1 AND ?2";
    match (source, dim) {
        (ReportSource::Aggregates, ReportDim::Day | ReportDim::Store) => {
            let (key, by) = if dim == ReportDim::Day {
                ("business_day", "store_id, business_day")
            } else {
                ("CAST(store_id AS TEXT)", "store_id")
            };
            format!(
                "SELECT store_id, {key} AS dim_key, '', {}, CAST(0 AS BIGINT), {}, {}, {} FROM agg_store_day \
                 WHERE business_day {period} GROUP BY {by} ORDER BY {by}",
                sum("tickets"),
                sum("gross_cents"),
                sum("net_cents"),
                sum("tax_cents")
            )
        }
        // Days at the edges of the period from the daily rows, whole months in between from the
        // monthly rows (a year is 12 monthly rows per store and product instead of 365 daily ones).
        (ReportSource::Aggregates, ReportDim::Product) => format!(
            "SELECT g.store_id, CAST(g.product_id AS TEXT) AS dim_key, COALESCE(p.sku || ' ' || p.name, ''), CAST(0 AS BIGINT), \
             g.q, g.c, g.b, g.c - g.b FROM (\
               SELECT store_id, product_id, {} AS q, {} AS c, {} AS b FROM (\
                 SELECT store_id, product_id, quantity_milli, gross_cents, net_cents FROM agg_product_day \
                   WHERE business_day BETWEEN ?1 AND ?2 OR business_day BETWEEN ?5 AND ?6 \
                 UNION ALL SELECT store_id, product_id, quantity_milli, gross_cents, net_cents FROM agg_product_month \
                   WHERE month BETWEEN ?3 AND ?4) u \
               GROUP BY store_id, product_id) g \
             LEFT JOIN products p ON p.id = g.product_id ORDER BY g.product_id, g.store_id",
            sum("quantity_milli"),
            sum("gross_cents"),
            sum("net_cents"),
        ),
        (ReportSource::Aggregates, ReportDim::TaxRate) => format!(
            "SELECT store_id, CAST(tax_rate_hundredths AS TEXT) AS dim_key, '', CAST(0 AS BIGINT), CAST(0 AS BIGINT), {}, {}, {} FROM agg_tax_day \
             WHERE business_day {period} GROUP BY store_id, tax_rate_hundredths ORDER BY tax_rate_hundredths, store_id",
            sum("gross_cents"),
            sum("net_cents"),
            sum("gross_cents - net_cents")
        ),
        (ReportSource::Aggregates, ReportDim::Tender) => format!(
            "SELECT store_id, tender AS dim_key, '', {}, CAST(0 AS BIGINT), {}, {}, CAST(0 AS BIGINT) FROM agg_tender_day \
             WHERE business_day {period} GROUP BY store_id, tender ORDER BY tender, store_id",
            sum("payments"),
            sum("amount_cents"),
            sum("amount_cents")
        ),
        (ReportSource::RawLines, ReportDim::Day | ReportDim::Store) => {
            let (key, by) = if dim == ReportDim::Day {
                ("s.business_day", "s.store_id, s.business_day")
            } else {
                ("CAST(s.store_id AS TEXT)", "s.store_id")
            };
            format!(
                "SELECT s.store_id, {key} AS dim_key, '', {}, CAST(0 AS BIGINT), {}, {}, {} FROM sales s \
                 WHERE s.business_day {period} GROUP BY {by} ORDER BY {by}",
                sum("CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END"),
                sum(&signed("s.total_cents")),
                sum(&signed("s.net_cents")),
                sum(&signed("s.tax_cents"))
            )
        }
        (ReportSource::RawLines, ReportDim::Product) => format!(
            "SELECT s.store_id, CAST(l.product_id AS TEXT) AS dim_key, COALESCE(p.sku || ' ' || p.name, ''), CAST(0 AS BIGINT), {}, {}, {}, {} \
             FROM sale_lines l JOIN sales s ON s.document_id = l.document_id LEFT JOIN products p ON p.id = l.product_id \
             WHERE s.business_day {period} GROUP BY s.store_id, l.product_id, p.sku, p.name ORDER BY l.product_id, s.store_id",
            sum(&signed("l.quantity_milli")),
            sum(&signed("l.net_cents")),
            sum(&signed(LINE_BASE)),
            sum(&signed(&format!("(l.net_cents - {LINE_BASE})")))
        ),
        (ReportSource::RawLines, ReportDim::TaxRate) => format!(
            "SELECT s.store_id, CAST(l.tax_rate_hundredths AS TEXT) AS dim_key, '', CAST(0 AS BIGINT), CAST(0 AS BIGINT), {}, {}, {} \
             FROM sale_lines l JOIN sales s ON s.document_id = l.document_id \
             WHERE s.business_day {period} GROUP BY s.store_id, l.tax_rate_hundredths ORDER BY l.tax_rate_hundredths, s.store_id",
            sum(&signed("l.net_cents")),
            sum(&signed(LINE_BASE)),
            sum(&signed(&format!("(l.net_cents - {LINE_BASE})")))
        ),
        (ReportSource::RawLines, ReportDim::Tender) => format!(
            "SELECT s.store_id, p.tender AS dim_key, '', COUNT(*), CAST(0 AS BIGINT), {}, {}, CAST(0 AS BIGINT) \
             FROM sale_payments p JOIN sales s ON s.document_id = p.document_id \
             WHERE s.business_day {period} GROUP BY s.store_id, p.tender ORDER BY p.tender, s.store_id",
            sum(&signed("p.amount_cents")),
            sum(&signed("p.amount_cents"))
        ),
    }
}

/// The parameters of [`report_sql`]: the first and last day, or for the product aggregates
/// (leading days, whole months `YYYY-MM`, trailing days); an empty range is written as from > to.
pub fn report_params(
    dim: ReportDim,
    source: ReportSource,
    from: NaiveDate,
    to: NaiveDate,
) -> Vec<String> {
    let day = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    if !(dim == ReportDim::Product && source == ReportSource::Aggregates) {
        return vec![day(from), day(to)];
    }
    let first_of = |d: NaiveDate| d.with_day(1).unwrap_or(d);
    let next_month = |d: NaiveDate| {
        first_of(d)
            .checked_add_months(Months::new(1))
            .unwrap_or(NaiveDate::MAX)
    };
    let months_from = if from.day() == 1 {
        from
    } else {
        next_month(from)
    };
    let months_to_excl = first_of(to + Duration::days(1));
    let empty = || ("9999-12-31".to_string(), "0000-01-01".to_string());
    if months_from >= months_to_excl {
        let (ef, et) = empty();
        return vec![day(from), day(to), ef.clone(), et.clone(), ef, et];
    }
    let month = |d: NaiveDate| d.format("%Y-%m").to_string();
    vec![
        day(from),
        day(months_from - Duration::days(1)),
        month(months_from),
        month(months_to_excl - Duration::days(1)),
        day(months_to_excl),
        day(to),
    ]
}

/// Builds a report row from the eight columns of [`report_sql`].
#[allow(clippy::too_many_arguments)]
pub fn dim_row(
    store: i64,
    key: String,
    label: String,
    count: i64,
    quantity_milli: i64,
    gross: i64,
    net: i64,
    tax: i64,
) -> DimRow {
    DimRow {
        store_id: StoreId(store),
        key,
        label,
        count,
        quantity_milli,
        gross: Money::from_cents(gross),
        net: Money::from_cents(net),
        tax: Money::from_cents(tax),
    }
}

// --- aggregates of one push batch -----------------------------------------------------------------

/// The aggregate deltas of the documents stored by one push, summed per key. Keys are sorted, so
/// concurrent pushes upsert rows in the same order (no deadlocks on PostgreSQL).
#[derive(Debug, Default)]
pub struct AggDelta {
    /// (day, store) → [tickets, refunds, gross, net, tax]
    pub store_day: BTreeMap<(String, i64), [i64; 5]>,
    /// (day, store, product) → [quantity_milli, charged (after ticket discount, tax included), base]
    pub product: BTreeMap<(String, i64, i64), [i64; 3]>,
    /// (month `YYYY-MM`, store, product) → the same as `product`, per month
    pub product_month: BTreeMap<(String, i64, i64), [i64; 3]>,
    /// (day, store, rate) → [gross, base] from the tickets' tax breakdowns
    pub tax: BTreeMap<(String, i64, i64), [i64; 2]>,
    /// (day, store, tender) → [payments, amount]
    pub tender: BTreeMap<(String, i64, String), [i64; 2]>,
}

impl AggDelta {
    /// Adds a stored document (sales and refunds count; other kinds are ignored).
    pub fn add(&mut self, day: &str, doc: &Document) {
        let Some(s) = super::sql::sale_rows(doc) else {
            return;
        };
        let store = doc.store_id.0;
        let (sign, sale, refund) = if s.kind == "sale" {
            (1, 1, 0)
        } else {
            (-1, 0, 1)
        };
        let e = self.store_day.entry((day.to_string(), store)).or_default();
        e[0] += sale;
        e[1] += refund;
        e[2] += sign * s.total_cents;
        e[3] += sign * s.net_cents;
        e[4] += sign * s.tax_cents;
        for l in &s.lines {
            let p = self
                .product
                .entry((day.to_string(), store, l.1))
                .or_default();
            let base = line_base(l.4, l.5);
            p[0] += sign * l.2;
            p[1] += sign * l.4;
            p[2] += sign * base;
            let m = self
                .product_month
                .entry((day.get(..7).unwrap_or(day).to_string(), store, l.1))
                .or_default();
            m[0] += sign * l.2;
            m[1] += sign * l.4;
            m[2] += sign * base;
        }
        // The VAT report sums each ticket's own breakdown per rate (as printed on the receipt).
        let taxes = match &doc.body {
            sync_protocol::DocumentBody::Sale(x) => &x.totals.taxes,
            sync_protocol::DocumentBody::Refund(x) => &x.totals.taxes,
            _ => return,
        };
        for b in taxes {
            let t = self
                .tax
                .entry((day.to_string(), store, b.rate.hundredths()))
                .or_default();
            t[0] += sign * b.gross.cents();
            t[1] += sign * b.base.cents();
        }
        for p in &s.payments {
            let t = self
                .tender
                .entry((day.to_string(), store, p.1.to_string()))
                .or_default();
            t[0] += 1;
            t[1] += sign * p.2;
        }
    }
}

pub const UPSERT_STORE_DAY: &str = "INSERT INTO agg_store_day (business_day, store_id, tickets, refunds, gross_cents, net_cents, tax_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT (business_day, store_id) DO UPDATE SET \
     tickets = agg_store_day.tickets + excluded.tickets, refunds = agg_store_day.refunds + excluded.refunds, \
     gross_cents = agg_store_day.gross_cents + excluded.gross_cents, net_cents = agg_store_day.net_cents + excluded.net_cents, \
     tax_cents = agg_store_day.tax_cents + excluded.tax_cents";

pub const UPSERT_PRODUCT: &str = "INSERT INTO agg_product_day (business_day, store_id, product_id, quantity_milli, gross_cents, net_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (business_day, store_id, product_id) DO UPDATE SET \
     quantity_milli = agg_product_day.quantity_milli + excluded.quantity_milli, \
     gross_cents = agg_product_day.gross_cents + excluded.gross_cents, net_cents = agg_product_day.net_cents + excluded.net_cents";

pub const UPSERT_PRODUCT_MONTH: &str = "INSERT INTO agg_product_month (month, store_id, product_id, quantity_milli, gross_cents, net_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (month, store_id, product_id) DO UPDATE SET \
     quantity_milli = agg_product_month.quantity_milli + excluded.quantity_milli, \
     gross_cents = agg_product_month.gross_cents + excluded.gross_cents, net_cents = agg_product_month.net_cents + excluded.net_cents";

pub const UPSERT_TAX: &str = "INSERT INTO agg_tax_day (business_day, store_id, tax_rate_hundredths, gross_cents, net_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (business_day, store_id, tax_rate_hundredths) DO UPDATE SET \
     gross_cents = agg_tax_day.gross_cents + excluded.gross_cents, net_cents = agg_tax_day.net_cents + excluded.net_cents";

pub const UPSERT_TENDER: &str = "INSERT INTO agg_tender_day (business_day, store_id, tender, payments, amount_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (business_day, store_id, tender) DO UPDATE SET \
     payments = agg_tender_day.payments + excluded.payments, amount_cents = agg_tender_day.amount_cents + excluded.amount_cents";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_base_rounds_half_up_like_the_sql() {
        assert_eq!(line_base(110, 1000), 100);
        assert_eq!(line_base(690, 1000), 627); // 627,27…
        assert_eq!(line_base(121, 2100), 100);
        assert_eq!(line_base(105, 1000), 95); // 95,45…
        assert_eq!(line_base(-110, 1000), -100);
        assert_eq!(line_base(500, 0), 500);
    }

    #[test]
    fn product_periods_split_into_edge_days_and_whole_months() {
        let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let p = |a, b| report_params(ReportDim::Product, ReportSource::Aggregates, d(a), d(b));
        assert_eq!(
            p("2025-01-15", "2025-04-10"),
            [
                "2025-01-15",
                "2025-01-31",
                "2025-02",
                "2025-03",
                "2025-04-01",
                "2025-04-10"
            ]
        );
        assert_eq!(
            p("2025-01-01", "2025-12-31"),
            [
                "2025-01-01",
                "2024-12-31",
                "2025-01",
                "2025-12",
                "2026-01-01",
                "2025-12-31"
            ]
        );
        // Inside one month: days only.
        assert_eq!(
            p("2025-02-03", "2025-02-20"),
            [
                "2025-02-03",
                "2025-02-20",
                "9999-12-31",
                "0000-01-01",
                "9999-12-31",
                "0000-01-01"
            ]
        );
        assert_eq!(
            report_params(
                ReportDim::Day,
                ReportSource::Aggregates,
                d("2025-01-15"),
                d("2025-04-10")
            ),
            ["2025-01-15", "2025-04-10"]
        );
    }

    #[test]
    fn postgres_placeholders() {
        assert_eq!(pg("a = ?1 AND b = ?2"), "a = $1 AND b = $2");
    }
}
