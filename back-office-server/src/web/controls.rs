//! Control reports read straight from the stored documents (by kind and business day, Europe/Madrid):
//! loss prevention per cashier (AuditEvent), cash over/short per Z close (CashClose) and staff
//! hours for payroll (ClockEvent). Each with a period, a store filter, CSV export, scoped to the
//! viewer's stores.
//!
//! Refunds in the loss-prevention report come from the AuditEvent (action Refund) the till writes
//! beside every Refund document, never from the Refund documents too, so each refund counts once.

use super::csv_file::{CsvExport, text, value};
use super::html;
use super::overview::visible_stores;
use super::{Lang, SessionForm, Tr, Viewer, WebError, WebPath, WebQuery, WebResult, ok};
use crate::app::AppState;
use crate::key;
use crate::storage::reconcile::DEFAULT_TOLERANCE_CENTS;
use axum::extract::State;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use maud::{Markup, html};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use sync_protocol::{
    AuditAction, ClockDirection, DocumentBody, DocumentKind, Money, StaffId, StoreId, Tender,
    TillId,
};

/// The longest period a control report covers: they read the documents themselves, not aggregates.
pub const MAX_CONTROL_DAYS: i64 = 366;

#[derive(Debug, Deserialize)]
pub struct ControlQuery {
    pub from: Option<String>,
    pub to: Option<String>,
    pub store: Option<String>,
    /// The address the report was just e-mailed to (the notice after sending).
    pub mailed: Option<String>,
}

/// The period and stores a control report covers, already checked against the viewer.
pub struct Filter {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The store picked, or `None` for every store the viewer sees.
    pub store: Option<StoreId>,
    /// Names of the stores the viewer sees, by id.
    pub stores: BTreeMap<StoreId, String>,
    /// Staff names by id (every store: a person may clock in elsewhere).
    pub staff: HashMap<StaffId, String>,
    /// The language of the names made up for unknown stores and people (Spanish for the CSV).
    pub t: &'static Tr,
}

impl Filter {
    /// The stores to read documents of: the one picked, else the viewer's (`None` = every store).
    pub fn scope(&self, v: &Viewer) -> Option<Vec<StoreId>> {
        match self.store {
            Some(s) => Some(vec![s]),
            None => v.scope().map(<[StoreId]>::to_vec),
        }
    }
    fn shows(&self, v: &Viewer, store: StoreId) -> bool {
        v.sees_store(store) && self.store.is_none_or(|s| s == store)
    }
    fn store_name(&self, id: StoreId) -> String {
        self.stores
            .get(&id)
            .cloned()
            .unwrap_or_else(|| self.t.msg_with(key!("report-label-store"), &[("id", &id)]))
    }
    fn staff_name(&self, id: Option<StaffId>) -> String {
        match id {
            None => self.t.msg(key!("control-unidentified")),
            Some(id) => self
                .staff
                .get(&id)
                .cloned()
                .unwrap_or_else(|| self.t.msg_with(key!("report-label-staff"), &[("id", &id)])),
        }
    }
    fn query(&self) -> String {
        format!(
            "from={}&to={}&store={}",
            self.from,
            self.to,
            self.store.map(|s| s.to_string()).unwrap_or_default()
        )
    }
}

fn parse_day(
    t: &Tr,
    field: &str,
    s: Option<&str>,
    default: NaiveDate,
) -> Result<NaiveDate, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(v) => super::reports::report_day(v).ok_or_else(|| {
            WebError::invalid(t.msg_with(
                "report-bad-date",
                &[("value", &v), ("field", &t.msg(field))],
            ))
        }),
    }
}

/// Checks the period and the store against what the viewer may see. Errors are in the viewer's
/// language; names made up for unknown stores and people in `names`' (Spanish for the CSV).
pub async fn filter(
    st: &AppState,
    v: &Viewer,
    q: &ControlQuery,
    names: &'static Tr,
) -> Result<Filter, WebError> {
    let t = v.t();
    let today = crate::storage::sql::business_day(Utc::now());
    let to = parse_day(t, "report-field-to", q.to.as_deref(), today)?;
    let from = parse_day(
        t,
        "report-field-from",
        q.from.as_deref(),
        to - Duration::days(6),
    )?;
    if from > to {
        return Err(WebError::invalid(t.msg_with(
            "report-from-after-to",
            &[("from", &t.day(from)), ("to", &t.day(to))],
        )));
    }
    if (to - from).num_days() + 1 > MAX_CONTROL_DAYS {
        return Err(WebError::invalid(t.msg_with(
            key!("control-too-long"),
            &[("days", &MAX_CONTROL_DAYS)],
        )));
    }
    let stores: BTreeMap<StoreId, String> = visible_stores(st, v)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let store = match q.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id = s.parse::<i64>().map(StoreId).map_err(|_| {
                WebError::invalid(t.msg_with(key!("report-bad-store"), &[("value", &s)]))
            })?;
            if !stores.contains_key(&id) {
                return Err(WebError::not_found_t(t));
            }
            Some(id)
        }
    };
    let staff = st
        .storage
        .list_staff(None)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(Filter {
        from,
        to,
        store,
        stores,
        staff,
        t: names,
    })
}

/// Links to every report of the Informes page (sales groupings and the control reports).
pub fn tabs(t: &Tr, current: &str, f_from: NaiveDate, f_to: NaiveDate) -> Markup {
    let sales = [
        ("day", "report-tab-day"),
        ("store", "report-tab-store"),
        ("product", "report-tab-product"),
        ("tax", "report-tab-tax"),
        ("tender", "report-tab-tender"),
        ("hour", "report-tab-hour"),
        ("cashier", "report-tab-cashier"),
        ("franchisee", "report-tab-franchisee"),
        ("category", "report-tab-category"),
        ("top", "report-tab-top"),
    ];
    let controls = [
        ("loss", "report-tab-loss"),
        ("cash", "report-tab-cash"),
        ("hours", "report-tab-hours"),
        ("promotions", "report-tab-promotions"),
    ];
    let link = |href: String, key: &str, label: &str| {
        html! { a href=(href) aria-current=[(key == current).then_some("page")] { (t.msg(label)) } }
    };
    html! {
        // Shorthand (not `class="…"`): a literal like that would read as a message key to the i18n test.
        p.report-tabs {
            (t.msg(key!("report-tabs-sales"))) ": "
            @for (i, (k, l)) in sales.iter().enumerate() {
                @if i > 0 { " · " }
                (link(format!("/dashboard/reports?by={k}&from={f_from}&to={f_to}"), k, l))
            }
            br;
            (t.msg(key!("report-tabs-control"))) ": "
            @for (i, (k, l)) in controls.iter().enumerate() {
                @if i > 0 { " · " }
                (link(format!("/dashboard/reports/{k}?from={f_from}&to={f_to}"), k, l))
            }
        }
    }
}

/// The period and store picker of a control report, its CSV link, and its e-mail form.
pub fn form(st: &AppState, v: &Viewer, kind: &str, f: &Filter, q: &ControlQuery) -> Markup {
    let t = v.t();
    let hidden = [
        ("from", f.from.to_string()),
        ("to", f.to.to_string()),
        ("store", f.store.map(|s| s.to_string()).unwrap_or_default()),
    ];
    let action = format!("/dashboard/reports/{kind}/mail");
    html! {
        form class="row" method="get" action={ "/dashboard/reports/" (kind) } {
            label { (t.msg(key!("report-from"))) " " input type="date" name="from" id="from" value=(f.from); }
            label { (t.msg(key!("report-to"))) " " input type="date" name="to" id="to" value=(f.to); }
            label { (t.msg(key!("report-store"))) " " select name="store" id="store" {
                option value="" { (t.msg(key!("report-all-stores"))) }
                @for (id, name) in &f.stores {
                    option value=(id) selected[f.store == Some(*id)] { (name) }
                }
            } }
            button type="submit" { (t.msg(key!("report-show"))) }
            a href={ "/dashboard/reports/" (kind) ".csv?" (f.query()) } { (t.msg(key!("report-export"))) }
        }
        (super::reports::mail_form(st, v, &action, &hidden, q.mailed.as_deref()))
    }
}

/// A control report's e-mail: its query and where to send it.
#[derive(Debug, Deserialize)]
pub struct ControlMailForm {
    #[serde(flatten)]
    pub report: ControlQuery,
    #[serde(default)]
    pub recipient: String,
}

/// `POST /dashboard/reports/{loss|cash|hours|promotions}/mail`: the report's CSV (the viewer's
/// stores only, as on screen) to `recipient`, sent now (see [`super::reports::send_report`]).
pub async fn mail(
    State(st): State<AppState>,
    WebPath(kind): WebPath<String>,
    SessionForm(v, f): SessionForm<ControlMailForm>,
) -> WebResult {
    let q = &f.report;
    let (what, (file_name, out)) = match kind.as_str() {
        "loss" => (key!("report-tab-loss"), loss_export(&st, &v, q).await?),
        "cash" => (key!("report-tab-cash"), cash_export(&st, &v, q).await?),
        "hours" => (key!("report-tab-hours"), hours_export(&st, &v, q).await?),
        "promotions" => (
            key!("report-tab-promotions"),
            super::promotions::report_export(&st, &v, q).await?,
        ),
        _ => return Err(WebError::not_found_t(v.t())),
    };
    let fl = filter(&st, &v, q, v.t()).await?;
    let m = super::reports::ReportMail {
        what: v.t().msg(what),
        store: fl.store.and_then(|s| fl.stores.get(&s)).map(String::as_str),
        from: fl.from,
        to: fl.to,
        file_name,
        csv: out.finish()?,
        back: format!("/dashboard/reports/{kind}?{}", fl.query()),
    };
    super::reports::send_report(&st, &v, &f.recipient, m).await
}

fn kpis(t: &Tr, items: &[(&str, String)]) -> Markup {
    html! {
        div class="kpis" {
            @for (k, v) in items { div class="kpi" { span { (t.msg(k)) } b { (v) } } }
        }
    }
}

/// The chart of a control report, or its empty state.
fn chart_or(
    t: &Tr,
    empty: bool,
    empty_key: &str,
    title_key: &str,
    rows: &[(String, i64)],
    value: &dyn Fn(i64) -> String,
) -> Markup {
    if empty {
        html::muted(&t.msg(empty_key))
    } else {
        html::bar_chart_single(t, &t.msg(title_key), rows, value)
    }
}

// --- 1. loss prevention per cashier -------------------------------------------------------------

/// Count and amount of one kind of action.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub count: i64,
    pub amount: Money,
}

impl Tally {
    fn add(&mut self, amount: Option<Money>) {
        self.count += 1;
        self.amount += amount.unwrap_or(Money::ZERO);
    }
    fn merge(&mut self, o: &Tally) {
        self.count += o.count;
        self.amount += o.amount;
    }
}

/// One store + cashier of the loss-prevention report.
#[derive(Debug, Clone)]
pub struct LossRow {
    pub store_id: StoreId,
    pub store: String,
    pub staff_id: Option<StaffId>,
    pub staff: String,
    pub voids: Tally,
    pub price_overrides: Tally,
    pub refunds: Tally,
    pub no_sales: Tally,
    pub tolerance_overrides: Tally,
}

impl Default for LossRow {
    fn default() -> Self {
        Self {
            store_id: StoreId(0),
            store: String::new(),
            staff_id: None,
            staff: String::new(),
            voids: Tally::default(),
            price_overrides: Tally::default(),
            refunds: Tally::default(),
            no_sales: Tally::default(),
            tolerance_overrides: Tally::default(),
        }
    }
}

impl LossRow {
    fn merge(&mut self, o: &LossRow) {
        self.voids.merge(&o.voids);
        self.price_overrides.merge(&o.price_overrides);
        self.refunds.merge(&o.refunds);
        self.no_sales.merge(&o.no_sales);
        self.tolerance_overrides.merge(&o.tolerance_overrides);
    }
    /// Voids + price overrides + refunds: the money the cashier's actions moved.
    fn exposed(&self) -> Money {
        self.voids.amount + self.price_overrides.amount + self.refunds.amount
    }
}

pub async fn loss_rows(st: &AppState, v: &Viewer, f: &Filter) -> Result<Vec<LossRow>, WebError> {
    let docs = st
        .storage
        .dashboard()
        .documents_of_kind(
            DocumentKind::AuditEvent,
            f.from,
            f.to,
            f.scope(v).as_deref(),
        )
        .await?;
    let mut rows: BTreeMap<(StoreId, Option<StaffId>), LossRow> = BTreeMap::new();
    for d in docs {
        let DocumentBody::AuditEvent(a) = &d.body else {
            continue;
        };
        if !f.shows(v, d.store_id) {
            continue;
        }
        let r = rows
            .entry((d.store_id, a.staff_id))
            .or_insert_with(|| LossRow {
                store_id: d.store_id,
                store: f.store_name(d.store_id),
                staff_id: a.staff_id,
                staff: f.staff_name(a.staff_id),
                ..Default::default()
            });
        match a.action {
            AuditAction::Void => r.voids.add(a.amount),
            AuditAction::PriceOverride => r.price_overrides.add(a.amount),
            AuditAction::Refund => r.refunds.add(a.amount),
            AuditAction::NoSale => r.no_sales.add(a.amount),
            AuditAction::ToleranceOverride => r.tolerance_overrides.add(a.amount),
        }
    }
    Ok(rows.into_values().collect())
}

/// `GET /dashboard/reports/loss?from=&to=&store=`.
pub async fn loss_page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let t = v.t();
    let f = filter(&st, &v, &q, t).await?;
    let rows = loss_rows(&st, &v, &f).await?;
    let mut total = LossRow::default();
    for r in &rows {
        total.merge(r);
    }
    let cell = |x: &Tally| {
        html! { td class="num" { (x.count) } td class="num" { (t.money(x.amount)) } }
    };
    let cells = |r: &LossRow| {
        html! {
            (cell(&r.voids)) (cell(&r.price_overrides)) (cell(&r.refunds))
            td class="num" { (r.no_sales.count) } (cell(&r.tolerance_overrides))
        }
    };
    let mut chart_rows: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (format!("{} · {}", r.staff, r.store), r.exposed().cents()))
        .collect();
    chart_rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    chart_rows.truncate(super::reports::CHART_ROWS);
    let m = |k: &str| t.msg(k);
    let n_amount = html! { th class="num" { (m("control-col-count")) } th class="num" { (m("control-col-amount")) } };
    let body = html! {
        h1 { (m("loss-heading")) }
        (tabs(t, "loss", f.from, f.to))
        (form(&st, &v, "loss", &f, &q))
        (kpis(t, &[
            ("loss-col-voids", format!("{} · {}", total.voids.count, t.money(total.voids.amount))),
            ("loss-col-refunds", format!("{} · {}", total.refunds.count, t.money(total.refunds.amount))),
            ("loss-kpi-no-sales", total.no_sales.count.to_string()),
        ]))
        section class="card" {
            (chart_or(t, rows.is_empty(), "loss-empty", "loss-chart", &chart_rows, &|c| t.money(Money::from_cents(c))))
        }
        section class="card" {
            table id="report" {
                thead {
                    tr {
                        th rowspan="2" { (m("report-store")) } th rowspan="2" { (m("loss-col-cashier")) }
                        th colspan="2" { (m("loss-col-voids")) } th colspan="2" { (m("loss-col-price-overrides")) }
                        th colspan="2" { (m("loss-col-refunds")) } th { (m("loss-col-no-sale")) }
                        th colspan="2" { (m("loss-col-tolerance")) }
                    }
                    tr { (n_amount) (n_amount) (n_amount) th class="num" { (m("control-col-count")) } (n_amount) }
                }
                tbody {
                    @for r in &rows {
                        tr data-key={ (r.store_id) "-" (r.staff_id.map(|s| s.to_string()).unwrap_or_default()) } {
                            td { (r.store) } td { (r.staff) } (cells(r))
                        }
                    }
                    tr class="total" { td { (m("report-total")) } td {} (cells(&total)) }
                }
            }
            p class="muted" { (m("loss-help")) }
        }
    };
    Ok(ok(html::page(
        &v,
        "reports",
        &t.msg(key!("reports-title")),
        body,
    )))
}

/// `GET /dashboard/reports/loss.csv?from=&to=&store=`.
pub async fn loss_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let (name, out) = loss_export(&st, &v, &q).await?;
    out.download(&name)
}

/// The CSV file of this report: its name and content (downloaded, or e-mailed from the page).
pub async fn loss_export(
    st: &AppState,
    v: &Viewer,
    q: &ControlQuery,
) -> Result<(String, CsvExport), WebError> {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(st, v, q, Tr::es()).await?;
    let rows = loss_rows(st, v, &f).await?;
    let mut out = CsvExport::new(&[
        "store_id",
        "store",
        "staff_id",
        "staff",
        "voids",
        "void_amount",
        "price_overrides",
        "price_override_amount",
        "refunds",
        "refund_amount",
        "no_sales",
        "tolerance_overrides",
        "tolerance_override_amount",
    ]);
    for r in &rows {
        out.row(&[
            value(r.store_id),
            text(&r.store),
            value(r.staff_id.map(|s| s.to_string()).unwrap_or_default()),
            text(&r.staff),
            value(r.voids.count),
            value(r.voids.amount),
            value(r.price_overrides.count),
            value(r.price_overrides.amount),
            value(r.refunds.count),
            value(r.refunds.amount),
            value(r.no_sales.count),
            value(r.tolerance_overrides.count),
            value(r.tolerance_overrides.amount),
        ]);
    }
    Ok((format!("perdidas-cajero-{}-{}.csv", f.from, f.to), out))
}

// --- 2. cash over/short per Z close -------------------------------------------------------------

/// One Z close.
#[derive(Debug, Clone)]
pub struct CashRow {
    pub store_id: StoreId,
    pub store: String,
    pub till_id: TillId,
    pub till: String,
    pub z_number: u64,
    pub business_date: NaiveDate,
    pub closed_at: DateTime<Utc>,
    pub expected: Money,
    pub counted: Money,
    pub over_short: Money,
    pub tolerance: Money,
    /// The over/short is beyond the tolerance.
    pub flagged: bool,
    pub approved_by: Option<String>,
    pub note: String,
}

pub async fn cash_rows(st: &AppState, v: &Viewer, f: &Filter) -> Result<Vec<CashRow>, WebError> {
    // A close is filed under its own business date; one made after midnight is stored on the next day.
    let docs = st
        .storage
        .dashboard()
        .documents_of_kind(
            DocumentKind::CashClose,
            f.from,
            f.to + Duration::days(1),
            f.scope(v).as_deref(),
        )
        .await?;
    let tills: HashMap<TillId, String> = st
        .storage
        .list_tills()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut rows = vec![];
    for d in docs {
        let DocumentBody::CashClose(c) = &d.body else {
            continue;
        };
        if !f.shows(v, d.store_id) || c.business_date < f.from || c.business_date > f.to {
            continue;
        }
        let pick = |v: &[sync_protocol::TenderAmount]| {
            v.iter()
                .filter(|t| t.tender == Tender::Cash)
                .map(|t| t.amount)
                .sum::<Money>()
        };
        let over_short = c.over_short(Tender::Cash);
        let tolerance = c
            .tolerance
            .unwrap_or(Money::from_cents(DEFAULT_TOLERANCE_CENTS));
        rows.push(CashRow {
            store_id: d.store_id,
            store: f.store_name(d.store_id),
            till_id: d.till_id,
            till: tills.get(&d.till_id).cloned().unwrap_or_else(|| {
                f.t.msg_with(key!("control-label-till"), &[("id", &d.till_id)])
            }),
            z_number: c.z_number,
            business_date: c.business_date,
            closed_at: d.till_time,
            expected: pick(&c.expected),
            counted: pick(&c.counted),
            over_short,
            tolerance,
            flagged: over_short.abs() > tolerance,
            approved_by: c.approved_by.map(|id| f.staff_name(Some(id))),
            note: c.note.clone().unwrap_or_default(),
        });
    }
    rows.sort_by(|a, b| {
        (a.store_id, a.business_date, a.till_id, a.z_number).cmp(&(
            b.store_id,
            b.business_date,
            b.till_id,
            b.z_number,
        ))
    });
    Ok(rows)
}

fn signed(t: &Tr, m: Money) -> String {
    if m.cents() > 0 {
        format!("+{}", t.money(m))
    } else {
        t.money(m)
    }
}

/// `GET /dashboard/reports/cash?from=&to=&store=`.
pub async fn cash_page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let t = v.t();
    let f = filter(&st, &v, &q, t).await?;
    let rows = cash_rows(&st, &v, &f).await?;
    let sum = |g: fn(&CashRow) -> Money| rows.iter().map(g).sum::<Money>();
    let (te, tc, tos) = (
        sum(|r| r.expected),
        sum(|r| r.counted),
        sum(|r| r.over_short),
    );
    let flagged = rows.iter().filter(|r| r.flagged).count();
    let mut per_store: BTreeMap<StoreId, (String, i64)> = BTreeMap::new();
    for r in &rows {
        per_store
            .entry(r.store_id)
            .or_insert_with(|| (r.store.clone(), 0))
            .1 += r.over_short.cents();
    }
    let chart_rows: Vec<(String, i64)> = per_store.into_values().collect();
    let m = |k: &str| t.msg(k);
    let body = html! {
        h1 { (m("cash-heading")) }
        (tabs(t, "cash", f.from, f.to))
        (form(&st, &v, "cash", &f, &q))
        (kpis(t, &[
            ("cash-kpi-closes", rows.len().to_string()),
            ("cash-kpi-net", signed(t, tos)),
            ("cash-beyond", flagged.to_string()),
        ]))
        section class="card" {
            @if rows.is_empty() {
                (html::muted(&m("cash-empty")))
            } @else {
                (html::bar_chart_signed(t, &m("cash-chart"), &chart_rows))
            }
        }
        section class="card" {
            table id="report" {
                thead { tr {
                    th { (m("report-store")) } th { (m("cash-col-till")) } th class="num" { "Z" }
                    th { (m("cash-col-date")) } th { (m("cash-col-closed")) } th class="num" { (m("cash-col-expected")) }
                    th class="num" { (m("cash-col-counted")) } th class="num" { (m("cash-col-over-short")) }
                    th class="num" { (m("cash-col-tolerance")) } th {} th { (m("cash-col-approved-by")) }
                    th { (m("cash-col-note")) }
                } }
                tbody {
                    @for r in &rows {
                        tr data-key={ (r.till_id) "-" (r.z_number) } class=[r.flagged.then_some("flagged")] {
                            td { (r.store) }
                            td { (r.till) }
                            td class="num" { (r.z_number) }
                            td { (t.day(r.business_date)) }
                            td { (t.datetime(r.closed_at)) }
                            td class="num" { (t.money(r.expected)) }
                            td class="num" { (t.money(r.counted)) }
                            td class="num" { (signed(t, r.over_short)) }
                            td class="num" { (t.money(r.tolerance)) }
                            td {
                                @if r.flagged { b class="down" { (m("cash-beyond")) } } @else { "—" }
                            }
                            td {
                                @match &r.approved_by {
                                    Some(a) => (a),
                                    None => (m("cash-not-approved")),
                                }
                            }
                            td { (r.note) }
                        }
                    }
                    tr class="total" {
                        td { (m("report-total")) } td {} td class="num" { (rows.len()) } td {} td {}
                        td class="num" { (t.money(te)) } td class="num" { (t.money(tc)) }
                        td class="num" { (signed(t, tos)) } td {} td { (flagged) } td {} td {}
                    }
                }
            }
            p class="muted" {
                (t.msg_with(key!("cash-help"), &[("tolerance", &t.money(Money::from_cents(DEFAULT_TOLERANCE_CENTS)))]))
            }
        }
    };
    Ok(ok(html::page(
        &v,
        "reports",
        &t.msg(key!("reports-title")),
        body,
    )))
}

/// `GET /dashboard/reports/cash.csv?from=&to=&store=`.
pub async fn cash_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let (name, out) = cash_export(&st, &v, &q).await?;
    out.download(&name)
}

/// The CSV file of this report: its name and content (downloaded, or e-mailed from the page).
pub async fn cash_export(
    st: &AppState,
    v: &Viewer,
    q: &ControlQuery,
) -> Result<(String, CsvExport), WebError> {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(st, v, q, Tr::es()).await?;
    let rows = cash_rows(st, v, &f).await?;
    let mut out = CsvExport::new(&[
        "store_id",
        "store",
        "till_id",
        "till",
        "z_number",
        "business_date",
        "closed_at",
        "expected_cash",
        "counted_cash",
        "over_short",
        "tolerance",
        "beyond_tolerance",
        "approved_by",
        "note",
    ]);
    for r in &rows {
        // The note is what was typed at the till: text, defused; the over/short keeps its minus.
        out.row(&[
            value(r.store_id),
            text(&r.store),
            value(r.till_id),
            text(&r.till),
            value(r.z_number),
            value(r.business_date),
            value(
                r.closed_at
                    .with_timezone(&chrono_tz::Europe::Madrid)
                    .format("%Y-%m-%d %H:%M"),
            ),
            value(r.expected),
            value(r.counted),
            value(r.over_short),
            value(r.tolerance),
            value(if r.flagged { "yes" } else { "no" }),
            text(r.approved_by.as_deref().unwrap_or("")),
            text(&r.note),
        ]);
    }
    Ok((format!("descuadres-caja-{}-{}.csv", f.from, f.to), out))
}

// --- 3. staff hours for payroll -----------------------------------------------------------------

/// One person on one day (Europe/Madrid) at one store.
#[derive(Debug, Clone)]
pub struct HoursRow {
    pub store_id: StoreId,
    pub store: String,
    pub staff_id: StaffId,
    pub staff: String,
    pub day: NaiveDate,
    /// None when the day only has clock-outs with no clock-in before them.
    pub first_in: Option<DateTime<Utc>>,
    pub last_out: Option<DateTime<Utc>>,
    /// Whole seconds worked in the paired clock-ins and clock-outs.
    pub seconds: i64,
    /// A clock-in of this day has no clock-out: it counts no hours.
    pub open: bool,
    /// Clock-outs of this day with no clock-in before them.
    pub unmatched_outs: u32,
}

/// Hours as a decimal with two places, half up, from whole seconds (exact: no floating point).
pub fn hours(seconds: i64) -> Decimal {
    (Decimal::from(seconds) / Decimal::from(3600))
        .round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

fn hours_text(t: &Tr, seconds: i64) -> String {
    let h = format!("{:.2}", hours(seconds));
    match t.lang() {
        Lang::Es => h.replace('.', ","),
        Lang::En => h,
    }
}

fn madrid_day(t: DateTime<Utc>) -> NaiveDate {
    crate::storage::sql::business_day(t)
}

fn hm(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Europe::Madrid)
        .format("%H:%M")
        .to_string()
}

/// Pairs each clock-in with the next clock-out of the same person. A shift crossing midnight
/// counts on the day it started. A clock-in followed by another clock-in stays open (no hours).
pub async fn hours_rows(st: &AppState, v: &Viewer, f: &Filter) -> Result<Vec<HoursRow>, WebError> {
    // One day either side, so night shifts pair across the edges of the period.
    let docs = st
        .storage
        .dashboard()
        .documents_of_kind(
            DocumentKind::ClockEvent,
            f.from - Duration::days(1),
            f.to + Duration::days(1),
            f.scope(v).as_deref(),
        )
        .await?;
    let mut events: Vec<(DateTime<Utc>, StaffId, StoreId, ClockDirection)> = docs
        .iter()
        .filter_map(|d| match &d.body {
            DocumentBody::ClockEvent(c) => Some((d.till_time, c.staff_id, d.store_id, c.direction)),
            _ => None,
        })
        .collect();
    events.sort_by_key(|e| (e.1, e.0));
    type Rows = BTreeMap<(StaffId, NaiveDate, StoreId), HoursRow>;
    let mut rows: Rows = BTreeMap::new();
    fn row<'a>(
        rows: &'a mut Rows,
        f: &Filter,
        store: StoreId,
        staff: StaffId,
        at: DateTime<Utc>,
    ) -> &'a mut HoursRow {
        rows.entry((staff, madrid_day(at), store))
            .or_insert_with(|| HoursRow {
                store_id: store,
                store: f.store_name(store),
                staff_id: staff,
                staff: f.staff_name(Some(staff)),
                day: madrid_day(at),
                first_in: None,
                last_out: None,
                seconds: 0,
                open: false,
                unmatched_outs: 0,
            })
    }
    let mut open: HashMap<StaffId, (DateTime<Utc>, StoreId)> = HashMap::new();
    for (at, staff, store, dir) in events {
        match dir {
            ClockDirection::In => {
                if let Some((t, s)) = open.insert(staff, (at, store)) {
                    row(&mut rows, f, s, staff, t).open = true;
                }
                let r = row(&mut rows, f, store, staff, at);
                r.first_in = Some(r.first_in.map_or(at, |f| f.min(at)));
            }
            ClockDirection::Out => match open.remove(&staff) {
                Some((t, s)) => {
                    let r = row(&mut rows, f, s, staff, t);
                    r.seconds += (at - t).num_seconds();
                    r.last_out = Some(r.last_out.map_or(at, |o| o.max(at)));
                }
                None => row(&mut rows, f, store, staff, at).unmatched_outs += 1,
            },
        }
    }
    for (staff, (t, s)) in open {
        row(&mut rows, f, s, staff, t).open = true;
    }
    let mut out: Vec<HoursRow> = rows
        .into_values()
        .filter(|r| r.day >= f.from && r.day <= f.to && f.shows(v, r.store_id))
        .collect();
    out.sort_by(|a, b| {
        (a.staff.as_str(), a.staff_id, a.day, a.store_id).cmp(&(
            b.staff.as_str(),
            b.staff_id,
            b.day,
            b.store_id,
        ))
    });
    Ok(out)
}

/// `GET /dashboard/reports/hours?from=&to=&store=`.
pub async fn hours_page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let t = v.t();
    let f = filter(&st, &v, &q, t).await?;
    let rows = hours_rows(&st, &v, &f).await?;
    let mut per_person: BTreeMap<(String, StaffId), (i64, usize, usize)> = BTreeMap::new();
    for r in &rows {
        let e = per_person
            .entry((r.staff.clone(), r.staff_id))
            .or_insert((0, 0, 0));
        e.0 += r.seconds;
        e.1 += 1;
        if r.open {
            e.2 += 1;
        }
    }
    let total_seconds: i64 = rows.iter().map(|r| r.seconds).sum();
    let chart_rows: Vec<(String, i64)> = per_person
        .iter()
        .map(|((name, _), (secs, _, _))| (name.clone(), *secs))
        .collect();
    let m = |k: &str| t.msg(k);
    let body = html! {
        h1 { (m("hours-heading")) }
        (tabs(t, "hours", f.from, f.to))
        (form(&st, &v, "hours", &f, &q))
        (kpis(t, &[
            ("hours-kpi-hours", hours_text(t, total_seconds)),
            ("hours-kpi-people", per_person.len().to_string()),
            ("hours-kpi-open", rows.iter().filter(|r| r.open).count().to_string()),
        ]))
        section class="card" {
            (chart_or(t, rows.is_empty(), "hours-empty", "hours-chart", &chart_rows, &|s| format!("{} h", hours_text(t, s))))
        }
        section class="card" {
            h2 { (m("hours-totals")) }
            table id="hours-totals" {
                thead { tr {
                    th { (m("hours-col-person")) } th class="num" { (m("hours-col-days")) }
                    th class="num" { (m("hours-col-hours")) } th class="num" { (m("hours-col-open-days")) }
                } }
                tbody {
                    @for ((name, id), (secs, days, open)) in &per_person {
                        tr data-key=(id) {
                            td { (name) } td class="num" { (days) }
                            td class="num" { (hours_text(t, *secs)) } td class="num" { (open) }
                        }
                    }
                    tr class="total" {
                        td { (m("report-total")) } td {} td class="num" { (hours_text(t, total_seconds)) } td {}
                    }
                }
            }
        }
        section class="card" {
            h2 { (m("hours-by-day")) }
            table id="report" {
                thead { tr {
                    th { (m("hours-col-person")) } th { (m("report-store")) } th { (m("hours-col-date")) }
                    th { (m("hours-col-in")) } th { (m("hours-col-out")) } th class="num" { (m("hours-col-hours")) } th {}
                } }
                tbody {
                    @for r in &rows {
                        tr data-key={ (r.staff_id) "-" (r.day) "-" (r.store_id) } {
                            td { (r.staff) }
                            td { (r.store) }
                            td { (t.day(r.day)) }
                            td { (r.first_in.map(hm).unwrap_or_else(|| "—".into())) }
                            td { (r.last_out.map(hm).unwrap_or_else(|| "—".into())) }
                            td class="num" { (hours_text(t, r.seconds)) }
                            td {
                                @if r.open { b class="down" { (m("hours-open")) } }
                                @if r.open && r.unmatched_outs > 0 { " · " }
                                @if r.unmatched_outs > 0 {
                                    (t.msg_with(key!("hours-unmatched"), &[("n", &r.unmatched_outs)]))
                                }
                            }
                        }
                    }
                }
            }
            p class="muted" { (m("hours-help")) }
        }
    };
    Ok(ok(html::page(
        &v,
        "reports",
        &t.msg(key!("reports-title")),
        body,
    )))
}

/// `GET /dashboard/reports/hours.csv?from=&to=&store=`: one row per person per day, for payroll.
pub async fn hours_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    let (name, out) = hours_export(&st, &v, &q).await?;
    out.download(&name)
}

/// The CSV file of this report: its name and content (downloaded, or e-mailed from the page).
pub async fn hours_export(
    st: &AppState,
    v: &Viewer,
    q: &ControlQuery,
) -> Result<(String, CsvExport), WebError> {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(st, v, q, Tr::es()).await?;
    let rows = hours_rows(st, v, &f).await?;
    let mut out = CsvExport::new(&[
        "store_id", "store", "staff_id", "staff", "date", "first_in", "last_out", "hours", "status",
    ]);
    for r in &rows {
        out.row(&[
            value(r.store_id),
            text(&r.store),
            value(r.staff_id),
            text(&r.staff),
            value(r.day),
            value(r.first_in.map(hm).unwrap_or_default()),
            value(r.last_out.map(hm).unwrap_or_default()),
            value(format!("{:.2}", hours(r.seconds))),
            value(if r.open { "open" } else { "closed" }),
        ]);
    }
    Ok((format!("horas-personal-{}-{}.csv", f.from, f.to), out))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hours_are_exact_to_two_places() {
        let h = |s| format!("{:.2}", hours(s));
        assert_eq!(h(8 * 3600 + 30 * 60), "8.50");
        assert_eq!(h(20 * 60), "0.33");
        assert_eq!(h(18), "0.01"); // 0.005 h rounds half up
        assert_eq!(h(17), "0.00");
        assert_eq!(format!("{:.2}", hours(0)), "0.00");
    }
}
