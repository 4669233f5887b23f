//! What the web dashboard needs from storage beyond the admin API: the people who sign in, their
//! sessions and failed sign-ins, open alerts, and the report aggregates that push keeps up to date.

use super::{Alert, StorageResult};
use async_trait::async_trait;
use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use sync_protocol::{Document, DocumentKind, FranchiseeId, Money, ProductId, StoreId};

/// What a dashboard user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DashboardRole {
    /// HQ: sees everything and changes catalog, stores, tills and staff.
    Admin,
    /// HQ, read-only: sees everything, changes nothing.
    Analyst,
    /// Sees only the stores assigned to them, read-only except for their stores' till staff.
    Manager,
    /// A franchisee's own people: read-only, only that franchisee's stores (every store it runs,
    /// as it has them now), invoices, statement, payments and mandates.
    Franchisee,
}

impl DashboardRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Admin => "admin",
            Self::Analyst => "analyst",
            Self::Manager => "manager",
            Self::Franchisee => "franchisee",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Self::Admin),
            "analyst" => Some(Self::Analyst),
            "manager" => Some(Self::Manager),
            "franchisee" => Some(Self::Franchisee),
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
    /// The stores a manager sees (empty for HQ roles and franchisees).
    pub stores: Vec<StoreId>,
    /// The franchisee a franchisee user belongs to (`None` for every other role).
    pub franchisee: Option<FranchiseeId>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DashboardUser {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: DashboardRole,
    /// A manager's stores; a franchisee user's: every store of its franchisee.
    pub stores: Vec<StoreId>,
    /// Signed in with a one-time password: every page leads to "Mi cuenta" until they set their own.
    pub must_change_password: bool,
    pub franchisee: Option<FranchiseeId>,
}

/// How failures of one key slow down the next attempt: `free` failures within `window` cost nothing;
/// after that each attempt waits `base`, doubling with every further failure, up to `cap`, counted
/// from the last failure. Growing delays, never a hard lock-out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Throttle {
    pub free: u64,
    pub base: chrono::Duration,
    pub cap: chrono::Duration,
    pub window: chrono::Duration,
}

impl Throttle {
    /// How long to wait after `failures` failures, the last at `last`, at `now` (zero: go ahead).
    pub fn wait(
        &self,
        failures: u64,
        last: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) -> chrono::Duration {
        let (Some(last), true) = (last, failures >= self.free) else {
            return chrono::Duration::zero();
        };
        let doublings = (failures - self.free).min(30) as i32;
        let delay = (self.base * 2i32.pow(doublings.min(20) as u32)).min(self.cap);
        (last + delay - now).max(chrono::Duration::zero())
    }
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
    /// Local (Europe/Madrid) hour of the till time, 0–23.
    Hour,
    /// The cashier on the sale or refund document (key 0: none recorded).
    Cashier,
    /// The franchisee owning the store.
    Franchisee,
    /// The product's category ('' = none).
    Category,
}

impl ReportDim {
    /// Product-based reports read the product aggregates (days at the edges, whole months between).
    pub fn by_product(self) -> bool {
        matches!(self, Self::Product | Self::Category)
    }
}

/// Where a report reads from: the aggregates (the dashboard) or the raw lines (the benchmark's baseline).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportSource {
    Aggregates,
    RawLines,
}

/// One group of a report over the stores asked for.
/// `key`: the day, store id, product id, tax rate in hundredths, tender, hour, cashier id,
/// franchisee id or category, as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DimRow {
    /// Store rows: the store; `StoreId(0)` for every other dimension.
    pub store_id: StoreId,
    pub key: String,
    /// Product rows: "SKU name"; cashier rows: the staff name; franchisee rows: the legal name;
    /// category rows: the category; empty otherwise.
    pub label: String,
    /// Tickets (day, store, hour, cashier, franchisee), payments (tender), 0 otherwise.
    pub count: i64,
    /// Refund documents (day, store, hour, cashier, franchisee), 0 otherwise.
    pub refunds: i64,
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
    /// Starts a throttled attempt (a sign-in, an enrolment): under one lock shared by every
    /// instance, refuses it with how long to wait when any key's failures call for a delay, else
    /// records it against every key at once, as if it had failed, and returns its row ids. So a
    /// burst of parallel attempts is counted attempt by attempt, before any password is checked.
    async fn begin_attempt(
        &self,
        keys: &[(String, Throttle)],
        now: DateTime<Utc>,
    ) -> StorageResult<Result<Vec<i64>, chrono::Duration>>;
    /// A started attempt succeeded: its rows go, and the failures of `clear` keys are forgotten.
    async fn attempt_succeeded(&self, rows: &[i64], clear: &[String]) -> StorageResult<()>;
    /// Sets the HQ price of many products in one transaction, each with its change-log row
    /// (the bulk price change). All or nothing; returns how many products changed.
    async fn bulk_set_prices(&self, prices: &[(ProductId, Money)]) -> StorageResult<u64>;
    /// The per-store prices of a product, by store.
    async fn store_prices(&self, product: ProductId) -> StorageResult<Vec<(StoreId, Money)>>;
    /// Alerts not resolved yet, oldest first.
    async fn open_alerts(&self) -> StorageResult<Vec<Alert>>;
    /// A report between two business days inclusive, grouped by `dim`, over the given stores
    /// (`None` = every store, read from the store-less aggregates where there are some).
    async fn report(
        &self,
        dim: ReportDim,
        from: NaiveDate,
        to: NaiveDate,
        source: ReportSource,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<DimRow>>;
    /// [`Self::report`] over every store.
    async fn report_by(
        &self,
        dim: ReportDim,
        from: NaiveDate,
        to: NaiveDate,
        source: ReportSource,
    ) -> StorageResult<Vec<DimRow>> {
        self.report(dim, from, to, source, None).await
    }
    /// Sets a product's report category ('' = none); `NotFound` for an unknown product. Reports
    /// only: tills do not get it, so no change-log row.
    async fn set_product_category(&self, product: ProductId, category: &str) -> StorageResult<()>;
    /// Sets the report category of many products in one transaction (the demo catalog, imports);
    /// all or nothing, `NotFound` for an unknown product.
    async fn set_product_categories(&self, categories: &[(ProductId, String)])
    -> StorageResult<()>;
    /// A product's report category ('' = none); `NotFound` for an unknown product.
    async fn product_category(&self, product: ProductId) -> StorageResult<String>;
    /// The active catalog products: id, "SKU name" and category (the bottom-products list shows
    /// those that sold nothing).
    async fn active_products(&self) -> StorageResult<Vec<(i64, String, String)>>;
    /// The stored documents of one kind whose business day (Europe/Madrid) is between `from` and
    /// `to` inclusive, of the given stores (`None` = every store), in till time order (the
    /// loss-prevention, cash and staff-hours reports).
    async fn documents_of_kind(
        &self,
        kind: DocumentKind,
        from: NaiveDate,
        to: NaiveDate,
        stores: Option<&[StoreId]>,
    ) -> StorageResult<Vec<Document>>;
}

pub const SET_PRODUCT_CATEGORY: &str = "UPDATE products SET category = ?1 WHERE id = ?2";
pub const PRODUCT_CATEGORY: &str = "SELECT category FROM products WHERE id = ?1";

/// The active products for [`DashboardStorage::active_products`].
pub const ACTIVE_PRODUCTS: &str =
    "SELECT id, sku || ' ' || name, category FROM products WHERE active ORDER BY id";

/// Shared by both backends: `?1` kind, `?2`/`?3` first and last business day, then the stores.
pub fn documents_of_kind_sql(stores: Option<&[StoreId]>) -> String {
    format!(
        "SELECT json FROM documents WHERE kind = ?1 AND business_day >= ?2 AND business_day <= ?3{} \
         ORDER BY till_time, till_id, seq",
        store_filter("store_id", stores)
    )
}

/// ` AND col IN (…)` for some stores (ids are integers, written inline), nothing for every store.
pub fn store_filter(col: &str, stores: Option<&[StoreId]>) -> String {
    match stores {
        None => String::new(),
        Some([]) => " AND 1 = 0".to_string(),
        Some(ids) => format!(
            " AND {col} IN ({})",
            ids.iter()
                .map(|s| s.0.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The cashier id of a stored sale or refund document in SQL (0 when none).
fn cashier_sql(postgres: bool) -> &'static str {
    if postgres {
        "COALESCE(CAST(d.json::jsonb -> 'body' -> 'data' ->> 'cashier_id' AS BIGINT), 0)"
    } else {
        "COALESCE(CAST(json_extract(d.json, '$.body.data.cashier_id') AS INTEGER), 0)"
    }
}

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

/// The report query: columns store_id, key, label, count, refunds, quantity_milli, gross, net, tax;
/// `?1`/`?2` the days (product-based aggregates: see [`report_params`]). `postgres`: the dialect
/// (casts the sums back to BIGINT, time zones and JSON).
pub fn report_sql(
    dim: ReportDim,
    source: ReportSource,
    postgres: bool,
    stores: Option<&[StoreId]>,
) -> String {
    let sum = |e: &str| {
        if postgres {
            format!("CAST(SUM({e}) AS BIGINT)")
        } else {
            format!("SUM({e})")
        }
    };
    let zero = "CAST(0 AS BIGINT)";
    let signed = |col: &str| format!("CASE WHEN s.kind = 'sale' THEN {col} ELSE -{col} END");
    let period = "BETWEEN ?1 AND ?2";
    let f = |col: &str| store_filter(col, stores);
    match (source, dim) {
        (
            ReportSource::Aggregates,
            ReportDim::Day
            | ReportDim::Store
            | ReportDim::Hour
            | ReportDim::Cashier
            | ReportDim::Franchisee,
        ) => {
            // (table, store column, key, label, joins, group by)
            let (table, store, key, label, joins, by) = match dim {
                ReportDim::Day => (
                    "agg_store_day",
                    zero,
                    "a.business_day",
                    "''",
                    "",
                    "a.business_day",
                ),
                ReportDim::Store => (
                    "agg_store_day",
                    "a.store_id",
                    "CAST(a.store_id AS TEXT)",
                    "''",
                    "",
                    "a.store_id",
                ),
                ReportDim::Hour => (
                    "agg_hour_day",
                    zero,
                    "CAST(a.hour AS TEXT)",
                    "''",
                    "",
                    "a.hour",
                ),
                ReportDim::Cashier => (
                    "agg_cashier_day",
                    zero,
                    "CAST(a.cashier_id AS TEXT)",
                    "COALESCE(sf.name, '')",
                    " LEFT JOIN staff sf ON sf.id = a.cashier_id",
                    "a.cashier_id, sf.name",
                ),
                _ => (
                    "agg_store_day",
                    zero,
                    "CAST(st.franchisee_id AS TEXT)",
                    "COALESCE(fr.legal_name, '')",
                    " JOIN stores st ON st.id = a.store_id LEFT JOIN franchisees fr ON fr.id = st.franchisee_id",
                    "st.franchisee_id, fr.legal_name",
                ),
            };
            format!(
                "SELECT {store}, {key} AS dim_key, {label}, {}, {}, {zero}, {}, {}, {} FROM {table} a{joins} \
                 WHERE a.business_day {period}{} GROUP BY {by} ORDER BY {by}",
                sum("a.tickets"),
                sum("a.refunds"),
                sum("a.gross_cents"),
                sum("a.net_cents"),
                sum("a.tax_cents"),
                f("a.store_id"),
            )
        }
        // Days at the edges of the period from the daily rows, whole months in between from the
        // monthly rows (a year is 12 monthly rows per product instead of 365 daily ones). Every
        // store: the store-less tables; some stores: the per-store ones, read by store first.
        (ReportSource::Aggregates, ReportDim::Product | ReportDim::Category) => {
            let (days, months) = if stores.is_none() {
                ("agg_product_day_all", "agg_product_month_all")
            } else {
                ("agg_product_day", "agg_product_month")
            };
            let cols = "product_id, quantity_milli, gross_cents, net_cents";
            let flt = f("store_id");
            let g = format!(
                "SELECT product_id, {} AS q, {} AS c, {} AS b FROM (\
                   SELECT {cols} FROM {days} WHERE business_day BETWEEN ?1 AND ?2{flt} \
                   UNION ALL SELECT {cols} FROM {months} WHERE month BETWEEN ?3 AND ?4{flt} \
                   UNION ALL SELECT {cols} FROM {days} WHERE business_day BETWEEN ?5 AND ?6{flt}) u \
                 GROUP BY product_id",
                sum("quantity_milli"),
                sum("gross_cents"),
                sum("net_cents"),
            );
            if dim == ReportDim::Product {
                format!(
                    "SELECT {zero}, CAST(g.product_id AS TEXT) AS dim_key, COALESCE(p.sku || ' ' || p.name, ''), {zero}, {zero}, \
                     g.q, g.c, g.b, g.c - g.b FROM ({g}) g \
                     LEFT JOIN products p ON p.id = g.product_id ORDER BY g.product_id"
                )
            } else {
                format!(
                    "SELECT {zero}, COALESCE(p.category, '') AS dim_key, COALESCE(p.category, ''), {zero}, {zero}, \
                     {}, {}, {}, {} FROM ({g}) g \
                     LEFT JOIN products p ON p.id = g.product_id GROUP BY COALESCE(p.category, '') ORDER BY 2",
                    sum("g.q"),
                    sum("g.c"),
                    sum("g.b"),
                    sum("g.c - g.b"),
                )
            }
        }
        (ReportSource::Aggregates, ReportDim::TaxRate) => format!(
            "SELECT {zero}, CAST(tax_rate_hundredths AS TEXT) AS dim_key, '', {zero}, {zero}, {zero}, {}, {}, {} FROM agg_tax_day \
             WHERE business_day {period}{} GROUP BY tax_rate_hundredths ORDER BY tax_rate_hundredths",
            sum("gross_cents"),
            sum("net_cents"),
            sum("gross_cents - net_cents"),
            f("store_id"),
        ),
        (ReportSource::Aggregates, ReportDim::Tender) => format!(
            "SELECT {zero}, tender AS dim_key, '', {}, {zero}, {zero}, {}, {}, {zero} FROM agg_tender_day \
             WHERE business_day {period}{} GROUP BY tender ORDER BY tender",
            sum("payments"),
            sum("amount_cents"),
            sum("amount_cents"),
            f("store_id"),
        ),
        (
            ReportSource::RawLines,
            ReportDim::Day
            | ReportDim::Store
            | ReportDim::Hour
            | ReportDim::Cashier
            | ReportDim::Franchisee,
        ) => {
            let cashier = cashier_sql(postgres);
            let (store, key, label, joins, by) = match dim {
                ReportDim::Day => (zero, "s.business_day", "''", String::new(), "s.business_day"),
                ReportDim::Store => (
                    "s.store_id",
                    "CAST(s.store_id AS TEXT)",
                    "''",
                    String::new(),
                    "s.store_id",
                ),
                ReportDim::Hour => (
                    zero,
                    "CAST(h.hour AS TEXT)",
                    "''",
                    " JOIN (SELECT d.id, d.local_hour AS hour FROM documents d) h ON h.id = s.document_id".to_string(),
                    "h.hour",
                ),
                ReportDim::Cashier => (
                    zero,
                    "CAST(c.cashier_id AS TEXT)",
                    "COALESCE(sf.name, '')",
                    format!(
                        " JOIN (SELECT d.id, {cashier} AS cashier_id FROM documents d) c ON c.id = s.document_id \
                         LEFT JOIN staff sf ON sf.id = c.cashier_id"
                    ),
                    "c.cashier_id, sf.name",
                ),
                _ => (
                    zero,
                    "CAST(st.franchisee_id AS TEXT)",
                    "COALESCE(fr.legal_name, '')",
                    " JOIN stores st ON st.id = s.store_id LEFT JOIN franchisees fr ON fr.id = st.franchisee_id"
                        .to_string(),
                    "st.franchisee_id, fr.legal_name",
                ),
            };
            format!(
                "SELECT {store}, {key} AS dim_key, {label}, {}, {}, {zero}, {}, {}, {} FROM sales s{joins} \
                 WHERE s.business_day {period}{} GROUP BY {by} ORDER BY {by}",
                sum("CASE WHEN s.kind = 'sale' THEN 1 ELSE 0 END"),
                sum("CASE WHEN s.kind = 'refund' THEN 1 ELSE 0 END"),
                sum(&signed("s.total_cents")),
                sum(&signed("s.net_cents")),
                sum(&signed("s.tax_cents")),
                f("s.store_id"),
            )
        }
        (ReportSource::RawLines, ReportDim::Product) => format!(
            "SELECT {zero}, CAST(l.product_id AS TEXT) AS dim_key, COALESCE(p.sku || ' ' || p.name, ''), {zero}, {zero}, {}, {}, {}, {} \
             FROM sale_lines l JOIN sales s ON s.document_id = l.document_id LEFT JOIN products p ON p.id = l.product_id \
             WHERE s.business_day {period}{} GROUP BY l.product_id, p.sku, p.name ORDER BY l.product_id",
            sum(&signed("l.quantity_milli")),
            sum(&signed("l.net_cents")),
            sum(&signed(LINE_BASE)),
            sum(&signed(&format!("(l.net_cents - {LINE_BASE})"))),
            f("s.store_id"),
        ),
        (ReportSource::RawLines, ReportDim::Category) => format!(
            "SELECT {zero}, COALESCE(p.category, '') AS dim_key, COALESCE(p.category, ''), {zero}, {zero}, {}, {}, {}, {} \
             FROM sale_lines l JOIN sales s ON s.document_id = l.document_id LEFT JOIN products p ON p.id = l.product_id \
             WHERE s.business_day {period}{} GROUP BY COALESCE(p.category, '') ORDER BY 2",
            sum(&signed("l.quantity_milli")),
            sum(&signed("l.net_cents")),
            sum(&signed(LINE_BASE)),
            sum(&signed(&format!("(l.net_cents - {LINE_BASE})"))),
            f("s.store_id"),
        ),
        (ReportSource::RawLines, ReportDim::TaxRate) => format!(
            "SELECT {zero}, CAST(l.tax_rate_hundredths AS TEXT) AS dim_key, '', {zero}, {zero}, {zero}, {}, {}, {} \
             FROM sale_lines l JOIN sales s ON s.document_id = l.document_id \
             WHERE s.business_day {period}{} GROUP BY l.tax_rate_hundredths ORDER BY l.tax_rate_hundredths",
            sum(&signed("l.net_cents")),
            sum(&signed(LINE_BASE)),
            sum(&signed(&format!("(l.net_cents - {LINE_BASE})"))),
            f("s.store_id"),
        ),
        (ReportSource::RawLines, ReportDim::Tender) => format!(
            "SELECT {zero}, p.tender AS dim_key, '', COUNT(*), {zero}, {zero}, {}, {}, {zero} \
             FROM sale_payments p JOIN sales s ON s.document_id = p.document_id \
             WHERE s.business_day {period}{} GROUP BY p.tender ORDER BY p.tender",
            sum(&signed("p.amount_cents")),
            sum(&signed("p.amount_cents")),
            f("s.store_id"),
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
    if !(dim.by_product() && source == ReportSource::Aggregates) {
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

/// Builds a report row from the nine columns of [`report_sql`].
#[allow(clippy::too_many_arguments)]
pub fn dim_row(
    store: i64,
    key: String,
    label: String,
    count: i64,
    refunds: i64,
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
        refunds,
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
    /// (day, store, local hour 0–23) → [tickets, refunds, gross, net, tax]
    pub hour: BTreeMap<(String, i64, i64), [i64; 5]>,
    /// (day, store, cashier id or 0) → [tickets, refunds, gross, net, tax]
    pub cashier: BTreeMap<(String, i64, i64), [i64; 5]>,
    /// (day, product) → as `product`, every store together
    pub product_all: BTreeMap<(String, i64), [i64; 3]>,
    /// (month `YYYY-MM`, product) → as `product`, every store together
    pub product_month_all: BTreeMap<(String, i64), [i64; 3]>,
}

impl AggDelta {
    /// Adds a stored document (sales and refunds count; other kinds are ignored).
    /// `day` and `hour`: the document's business day and local hour in its store's zone.
    pub fn add(&mut self, day: &str, hour: u32, doc: &Document) {
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
        let hour = i64::from(hour);
        let cashier = match &doc.body {
            sync_protocol::DocumentBody::Sale(x) => x.cashier_id,
            sync_protocol::DocumentBody::Refund(x) => x.cashier_id,
            _ => None,
        }
        .map_or(0, |c| c.0);
        for (map, k) in [(&mut self.hour, hour), (&mut self.cashier, cashier)] {
            let e = map.entry((day.to_string(), store, k)).or_default();
            e[0] += sale;
            e[1] += refund;
            e[2] += sign * s.total_cents;
            e[3] += sign * s.net_cents;
            e[4] += sign * s.tax_cents;
        }
        let month = day.get(..7).unwrap_or(day).to_string();
        for l in &s.lines {
            let p = self
                .product
                .entry((day.to_string(), store, l.1))
                .or_default();
            let base = line_base(l.4, l.5);
            p[0] += sign * l.2;
            p[1] += sign * l.4;
            p[2] += sign * base;
            let delta = [sign * l.2, sign * l.4, sign * base];
            for (i, v) in delta.into_iter().enumerate() {
                self.product_month
                    .entry((month.clone(), store, l.1))
                    .or_default()[i] += v;
                self.product_all.entry((day.to_string(), l.1)).or_default()[i] += v;
                self.product_month_all
                    .entry((month.clone(), l.1))
                    .or_default()[i] += v;
            }
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

pub const UPSERT_HOUR: &str = "INSERT INTO agg_hour_day (business_day, store_id, hour, tickets, refunds, gross_cents, net_cents, tax_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (business_day, store_id, hour) DO UPDATE SET \
     tickets = agg_hour_day.tickets + excluded.tickets, refunds = agg_hour_day.refunds + excluded.refunds, \
     gross_cents = agg_hour_day.gross_cents + excluded.gross_cents, net_cents = agg_hour_day.net_cents + excluded.net_cents, \
     tax_cents = agg_hour_day.tax_cents + excluded.tax_cents";

pub const UPSERT_CASHIER: &str = "INSERT INTO agg_cashier_day (business_day, store_id, cashier_id, tickets, refunds, gross_cents, net_cents, tax_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT (business_day, store_id, cashier_id) DO UPDATE SET \
     tickets = agg_cashier_day.tickets + excluded.tickets, refunds = agg_cashier_day.refunds + excluded.refunds, \
     gross_cents = agg_cashier_day.gross_cents + excluded.gross_cents, net_cents = agg_cashier_day.net_cents + excluded.net_cents, \
     tax_cents = agg_cashier_day.tax_cents + excluded.tax_cents";

pub const UPSERT_PRODUCT_ALL: &str = "INSERT INTO agg_product_day_all (business_day, product_id, quantity_milli, gross_cents, net_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (business_day, product_id) DO UPDATE SET \
     quantity_milli = agg_product_day_all.quantity_milli + excluded.quantity_milli, \
     gross_cents = agg_product_day_all.gross_cents + excluded.gross_cents, net_cents = agg_product_day_all.net_cents + excluded.net_cents";

pub const UPSERT_PRODUCT_MONTH_ALL: &str = "INSERT INTO agg_product_month_all (month, product_id, quantity_milli, gross_cents, net_cents) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (month, product_id) DO UPDATE SET \
     quantity_milli = agg_product_month_all.quantity_milli + excluded.quantity_milli, \
     gross_cents = agg_product_month_all.gross_cents + excluded.gross_cents, net_cents = agg_product_month_all.net_cents + excluded.net_cents";

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
