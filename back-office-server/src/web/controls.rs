//! Control reports read straight from the stored documents (by kind and business day, Europe/Madrid):
//! loss prevention per cashier (AuditEvent), cash over/short per Z close (CashClose) and staff
//! hours for payroll (ClockEvent). Each with a period, a store filter, CSV export, scoped to the
//! viewer's stores.
//!
//! Refunds in the loss-prevention report come from the AuditEvent (action Refund) the till writes
//! beside every Refund document, never from the Refund documents too, so each refund counts once.

use super::html::{self, esc};
use super::overview::visible_stores;
use super::{Lang, Tr, Viewer, WebError, WebQuery, WebResult, ok};
use crate::http::AppState;
use crate::storage::reconcile::DEFAULT_TOLERANCE_CENTS;
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
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
            .unwrap_or_else(|| self.t.msg_with("report-label-store", &[("id", &id)]))
    }
    fn staff_name(&self, id: Option<StaffId>) -> String {
        match id {
            None => self.t.msg("control-unidentified"),
            Some(id) => self
                .staff
                .get(&id)
                .cloned()
                .unwrap_or_else(|| self.t.msg_with("report-label-staff", &[("id", &id)])),
        }
    }
    fn query(&self) -> String {
        format!(
            "from={}&amp;to={}&amp;store={}",
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
        Some(v) => NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
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
        return Err(WebError::invalid(
            t.msg_with("control-too-long", &[("days", &MAX_CONTROL_DAYS)]),
        ));
    }
    let stores: BTreeMap<StoreId, String> = visible_stores(st, v)
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let store = match q.store.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let id = s
                .parse::<i64>()
                .map(StoreId)
                .map_err(|_| WebError::invalid(t.msg_with("report-bad-store", &[("value", &s)])))?;
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

fn csv_response(name: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

fn csv_field(s: &str) -> String {
    super::catalog::csv_field(s)
}

/// Links to every report of the Informes page (sales groupings and the control reports).
pub fn tabs(t: &Tr, current: &str, f_from: NaiveDate, f_to: NaiveDate) -> String {
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
    ];
    let link = |href: String, key: &str, label: &str| {
        let cur = if key == current {
            " aria-current=\"page\""
        } else {
            ""
        };
        format!("<a href=\"{href}\"{cur}>{}</a>", esc(&t.msg(label)))
    };
    let a: Vec<String> = sales
        .iter()
        .map(|(k, l)| {
            link(
                format!("/dashboard/reports?by={k}&amp;from={f_from}&amp;to={f_to}"),
                k,
                l,
            )
        })
        .collect();
    let b: Vec<String> = controls
        .iter()
        .map(|(k, l)| {
            link(
                format!("/dashboard/reports/{k}?from={f_from}&amp;to={f_to}"),
                k,
                l,
            )
        })
        .collect();
    format!(
        "<p class=\"report-tabs\">{}: {}<br>{}: {}</p>",
        esc(&t.msg("report-tabs-sales")),
        a.join(" · "),
        esc(&t.msg("report-tabs-control")),
        b.join(" · ")
    )
}

fn form(t: &Tr, kind: &str, f: &Filter) -> String {
    let mut opts = format!(
        "<option value=\"\">{}</option>",
        esc(&t.msg("report-all-stores"))
    );
    for (id, name) in &f.stores {
        let sel = if f.store == Some(*id) {
            " selected"
        } else {
            ""
        };
        opts.push_str(&format!(
            "<option value=\"{id}\"{sel}>{}</option>",
            esc(name)
        ));
    }
    format!(
        "<form class=\"row\" method=\"get\" action=\"/dashboard/reports/{kind}\">\
         <label>{l_from} <input type=\"date\" name=\"from\" id=\"from\" value=\"{from}\"></label>\
         <label>{l_to} <input type=\"date\" name=\"to\" id=\"to\" value=\"{to}\"></label>\
         <label>{l_store} <select name=\"store\" id=\"store\">{opts}</select></label>\
         <button type=\"submit\">{show}</button>\
         <a href=\"/dashboard/reports/{kind}.csv?{q}\">{export}</a></form>",
        from = f.from,
        to = f.to,
        q = f.query(),
        l_from = esc(&t.msg("report-from")),
        l_to = esc(&t.msg("report-to")),
        l_store = esc(&t.msg("report-store")),
        show = esc(&t.msg("report-show")),
        export = esc(&t.msg("report-export")),
    )
}

fn kpis(t: &Tr, items: &[(&str, String)]) -> String {
    let inner: String = items
        .iter()
        .map(|(k, v)| {
            format!(
                "<div class=\"kpi\"><span>{}</span><b>{v}</b></div>",
                esc(&t.msg(k))
            )
        })
        .collect();
    format!("<div class=\"kpis\">{inner}</div>")
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
        format!(
            "<td class=\"num\">{}</td><td class=\"num\">{}</td>",
            x.count,
            t.money(x.amount)
        )
    };
    let line = |r: &LossRow, attrs: &str, first: &str| {
        format!(
            "<tr{attrs}>{first}{}{}{}<td class=\"num\">{}</td>{}</tr>",
            cell(&r.voids),
            cell(&r.price_overrides),
            cell(&r.refunds),
            r.no_sales.count,
            cell(&r.tolerance_overrides),
        )
    };
    let body_rows: String = rows
        .iter()
        .map(|r| {
            line(
                r,
                &format!(
                    " data-key=\"{}-{}\"",
                    r.store_id,
                    r.staff_id.map(|s| s.to_string()).unwrap_or_default()
                ),
                &format!("<td>{}</td><td>{}</td>", esc(&r.store), esc(&r.staff)),
            )
        })
        .collect();
    let total_row = line(
        &total,
        " class=\"total\"",
        &format!("<td>{}</td><td></td>", esc(&t.msg("report-total"))),
    );
    let mut chart_rows: Vec<(String, i64)> = rows
        .iter()
        .map(|r| (format!("{} · {}", r.staff, r.store), r.exposed().cents()))
        .collect();
    chart_rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    chart_rows.truncate(super::reports::CHART_ROWS);
    let chart = if rows.is_empty() {
        format!("<p class=\"muted\">{}</p>", esc(&t.msg("loss-empty")))
    } else {
        html::bar_chart_single_t(t, &t.msg("loss-chart"), &chart_rows, &|c| {
            t.money(Money::from_cents(c))
        })
    };
    let m = |k: &str| esc(&t.msg(k));
    let n_amount = format!(
        "<th class=\"num\">{n}</th><th class=\"num\">{a}</th>",
        n = m("control-col-count"),
        a = m("control-col-amount")
    );
    let body = format!(
        "<h1>{heading}</h1>{tabs}{form}\
         {kpis}<section class=\"card\">{chart}</section>\
         <section class=\"card\"><table id=\"report\"><thead>\
         <tr><th rowspan=\"2\">{c_store}</th><th rowspan=\"2\">{c_cashier}</th><th colspan=\"2\">{c_voids}</th>\
         <th colspan=\"2\">{c_prices}</th><th colspan=\"2\">{c_refunds}</th><th>{c_no_sale}</th>\
         <th colspan=\"2\">{c_tolerance}</th></tr>\
         <tr>{n_amount}{n_amount}{n_amount}<th class=\"num\">{c_n}</th>{n_amount}</tr></thead>\
         <tbody>{body_rows}{total_row}</tbody></table>\
         <p class=\"muted\">{help}</p></section>",
        heading = m("loss-heading"),
        c_store = m("report-store"),
        c_cashier = m("loss-col-cashier"),
        c_voids = m("loss-col-voids"),
        c_prices = m("loss-col-price-overrides"),
        c_refunds = m("loss-col-refunds"),
        c_no_sale = m("loss-col-no-sale"),
        c_tolerance = m("loss-col-tolerance"),
        c_n = m("control-col-count"),
        help = m("loss-help"),
        tabs = tabs(t, "loss", f.from, f.to),
        form = form(t, "loss", &f),
        kpis = kpis(
            t,
            &[
                (
                    "loss-col-voids",
                    format!("{} · {}", total.voids.count, t.money(total.voids.amount))
                ),
                (
                    "loss-col-refunds",
                    format!(
                        "{} · {}",
                        total.refunds.count,
                        t.money(total.refunds.amount)
                    )
                ),
                ("loss-kpi-no-sales", total.no_sales.count.to_string()),
            ]
        ),
    );
    Ok(ok(html::page_t(
        &v,
        "reports",
        &t.msg("reports-title"),
        &body,
    )))
}

/// `GET /dashboard/reports/loss.csv?from=&to=&store=`.
pub async fn loss_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(&st, &v, &q, Tr::es()).await?;
    let rows = loss_rows(&st, &v, &f).await?;
    let mut out = String::from(
        "store_id,store,staff_id,staff,voids,void_amount,price_overrides,price_override_amount,\
         refunds,refund_amount,no_sales,tolerance_overrides,tolerance_override_amount\n",
    );
    for r in &rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.store_id,
            csv_field(&r.store),
            r.staff_id.map(|s| s.to_string()).unwrap_or_default(),
            csv_field(&r.staff),
            r.voids.count,
            r.voids.amount,
            r.price_overrides.count,
            r.price_overrides.amount,
            r.refunds.count,
            r.refunds.amount,
            r.no_sales.count,
            r.tolerance_overrides.count,
            r.tolerance_overrides.amount,
        ));
    }
    Ok(csv_response(
        format!("perdidas-cajero-{}-{}.csv", f.from, f.to),
        out,
    ))
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
            till: tills
                .get(&d.till_id)
                .cloned()
                .unwrap_or_else(|| f.t.msg_with("control-label-till", &[("id", &d.till_id)])),
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
    let beyond = format!("<b class=\"down\">{}</b>", esc(&t.msg("cash-beyond")));
    let not_approved = esc(&t.msg("cash-not-approved"));
    let body_rows: String = rows
        .iter()
        .map(|r| {
            let class = if r.flagged { " class=\"flagged\"" } else { "" };
            format!(
                "<tr data-key=\"{till}-{z}\"{class}><td>{store}</td><td>{till_name}</td><td class=\"num\">{z}</td>\
                 <td>{date}</td><td>{closed}</td><td class=\"num\">{exp}</td><td class=\"num\">{cnt}</td>\
                 <td class=\"num\">{os}</td><td class=\"num\">{tol}</td><td>{flag}</td><td>{appr}</td><td>{note}</td></tr>",
                till = r.till_id,
                z = r.z_number,
                store = esc(&r.store),
                till_name = esc(&r.till),
                date = t.day(r.business_date),
                closed = t.datetime(r.closed_at),
                exp = t.money(r.expected),
                cnt = t.money(r.counted),
                os = signed(t, r.over_short),
                tol = t.money(r.tolerance),
                flag = if r.flagged { beyond.as_str() } else { "—" },
                appr = r
                    .approved_by
                    .as_deref()
                    .map(esc)
                    .unwrap_or_else(|| not_approved.clone()),
                note = esc(&r.note),
            )
        })
        .collect();
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
            .1 += r.over_short.cents().abs();
    }
    let chart_rows: Vec<(String, i64)> = per_store.into_values().collect();
    let chart = if rows.is_empty() {
        format!("<p class=\"muted\">{}</p>", esc(&t.msg("cash-empty")))
    } else {
        html::bar_chart_single_t(t, &t.msg("cash-chart"), &chart_rows, &|c| {
            t.money(Money::from_cents(c))
        })
    };
    let m = |k: &str| esc(&t.msg(k));
    let body = format!(
        "<h1>{heading}</h1>{tabs}{form}{kpis}\
         <section class=\"card\">{chart}</section>\
         <section class=\"card\"><table id=\"report\"><thead><tr><th>{c_store}</th><th>{c_till}</th><th class=\"num\">Z</th>\
         <th>{c_date}</th><th>{c_closed}</th><th class=\"num\">{c_expected}</th><th class=\"num\">{c_counted}</th>\
         <th class=\"num\">{c_os}</th><th class=\"num\">{c_tol}</th><th></th><th>{c_appr}</th><th>{c_note}</th></tr></thead>\
         <tbody>{body_rows}<tr class=\"total\"><td>{total}</td><td></td><td class=\"num\">{n}</td><td></td><td></td>\
         <td class=\"num\">{e}</td><td class=\"num\">{c}</td><td class=\"num\">{os}</td><td></td><td>{flagged}</td>\
         <td></td><td></td></tr></tbody></table>\
         <p class=\"muted\">{help}</p></section>",
        heading = m("cash-heading"),
        c_store = m("report-store"),
        c_till = m("cash-col-till"),
        c_date = m("cash-col-date"),
        c_closed = m("cash-col-closed"),
        c_expected = m("cash-col-expected"),
        c_counted = m("cash-col-counted"),
        c_os = m("cash-col-over-short"),
        c_tol = m("cash-col-tolerance"),
        c_appr = m("cash-col-approved-by"),
        c_note = m("cash-col-note"),
        total = m("report-total"),
        help = esc(&t.msg_with(
            "cash-help",
            &[(
                "tolerance",
                &t.money(Money::from_cents(DEFAULT_TOLERANCE_CENTS))
            )]
        )),
        tabs = tabs(t, "cash", f.from, f.to),
        form = form(t, "cash", &f),
        kpis = kpis(
            t,
            &[
                ("cash-kpi-closes", rows.len().to_string()),
                ("cash-kpi-net", signed(t, tos)),
                ("cash-beyond", flagged.to_string()),
            ]
        ),
        n = rows.len(),
        e = t.money(te),
        c = t.money(tc),
        os = signed(t, tos),
    );
    Ok(ok(html::page_t(
        &v,
        "reports",
        &t.msg("reports-title"),
        &body,
    )))
}

/// `GET /dashboard/reports/cash.csv?from=&to=&store=`.
pub async fn cash_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(&st, &v, &q, Tr::es()).await?;
    let rows = cash_rows(&st, &v, &f).await?;
    let mut out = String::from(
        "store_id,store,till_id,till,z_number,business_date,closed_at,expected_cash,counted_cash,\
         over_short,tolerance,beyond_tolerance,approved_by,note\n",
    );
    for r in &rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n",
            r.store_id,
            csv_field(&r.store),
            r.till_id,
            csv_field(&r.till),
            r.z_number,
            r.business_date,
            r.closed_at
                .with_timezone(&chrono_tz::Europe::Madrid)
                .format("%Y-%m-%d %H:%M"),
            r.expected,
            r.counted,
            r.over_short,
            r.tolerance,
            if r.flagged { "yes" } else { "no" },
            csv_field(r.approved_by.as_deref().unwrap_or("")),
            csv_field(&r.note),
        ));
    }
    Ok(csv_response(
        format!("descuadres-caja-{}-{}.csv", f.from, f.to),
        out,
    ))
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
    let body_rows: String = rows
        .iter()
        .map(|r| {
            let mut state = vec![];
            if r.open {
                state.push(format!("<b class=\"down\">{}</b>", esc(&t.msg("hours-open"))));
            }
            if r.unmatched_outs > 0 {
                state.push(esc(&t.msg_with(
                    "hours-unmatched",
                    &[("n", &r.unmatched_outs)],
                )));
            }
            format!(
                "<tr data-key=\"{sid}-{day}-{store_id}\"><td>{staff}</td><td>{store}</td><td>{d}</td><td>{fi}</td>\
                 <td>{lo}</td><td class=\"num\">{h}</td><td>{state}</td></tr>",
                sid = r.staff_id,
                day = r.day,
                store_id = r.store_id,
                staff = esc(&r.staff),
                store = esc(&r.store),
                d = t.day(r.day),
                fi = r.first_in.map(hm).unwrap_or_else(|| "—".into()),
                lo = r.last_out.map(hm).unwrap_or_else(|| "—".into()),
                h = hours_text(t, r.seconds),
                state = state.join(" · "),
            )
        })
        .collect();
    let total_seconds: i64 = rows.iter().map(|r| r.seconds).sum();
    let totals: String = per_person
        .iter()
        .map(|((name, id), (secs, days, open))| {
            format!(
                "<tr data-key=\"{id}\"><td>{}</td><td class=\"num\">{days}</td><td class=\"num\">{}</td>\
                 <td class=\"num\">{open}</td></tr>",
                esc(name),
                hours_text(t, *secs),
            )
        })
        .collect();
    let chart_rows: Vec<(String, i64)> = per_person
        .iter()
        .map(|((name, _), (secs, _, _))| (name.clone(), *secs))
        .collect();
    let chart = if rows.is_empty() {
        format!("<p class=\"muted\">{}</p>", esc(&t.msg("hours-empty")))
    } else {
        html::bar_chart_single_t(t, &t.msg("hours-chart"), &chart_rows, &|s| {
            format!("{} h", hours_text(t, s))
        })
    };
    let m = |k: &str| esc(&t.msg(k));
    let body = format!(
        "<h1>{heading}</h1>{tabs}{form}{kpis}\
         <section class=\"card\">{chart}</section>\
         <section class=\"card\"><h2>{h_totals}</h2><table id=\"hours-totals\"><thead><tr><th>{c_person}</th>\
         <th class=\"num\">{c_days}</th><th class=\"num\">{c_hours}</th><th class=\"num\">{c_open}</th></tr></thead>\
         <tbody>{totals}<tr class=\"total\"><td>{total}</td><td></td><td class=\"num\">{th}</td><td></td></tr></tbody></table></section>\
         <section class=\"card\"><h2>{h_by_day}</h2><table id=\"report\"><thead><tr><th>{c_person}</th><th>{c_store}</th>\
         <th>{c_date}</th><th>{c_in}</th><th>{c_out}</th><th class=\"num\">{c_hours}</th><th></th></tr></thead>\
         <tbody>{body_rows}</tbody></table>\
         <p class=\"muted\">{help}</p></section>",
        heading = m("hours-heading"),
        h_totals = m("hours-totals"),
        h_by_day = m("hours-by-day"),
        c_person = m("hours-col-person"),
        c_days = m("hours-col-days"),
        c_hours = m("hours-col-hours"),
        c_open = m("hours-col-open-days"),
        c_store = m("report-store"),
        c_date = m("hours-col-date"),
        c_in = m("hours-col-in"),
        c_out = m("hours-col-out"),
        total = m("report-total"),
        help = m("hours-help"),
        tabs = tabs(t, "hours", f.from, f.to),
        form = form(t, "hours", &f),
        kpis = kpis(
            t,
            &[
                ("hours-kpi-hours", hours_text(t, total_seconds)),
                ("hours-kpi-people", per_person.len().to_string()),
                (
                    "hours-kpi-open",
                    rows.iter().filter(|r| r.open).count().to_string()
                ),
            ]
        ),
        th = hours_text(t, total_seconds),
    );
    Ok(ok(html::page_t(
        &v,
        "reports",
        &t.msg("reports-title"),
        &body,
    )))
}

/// `GET /dashboard/reports/hours.csv?from=&to=&store=`: one row per person per day, for payroll.
pub async fn hours_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ControlQuery>,
) -> WebResult {
    // Names made up for unknown stores and people in Spanish: the same file in both languages.
    let f = filter(&st, &v, &q, Tr::es()).await?;
    let rows = hours_rows(&st, &v, &f).await?;
    let mut out =
        String::from("store_id,store,staff_id,staff,date,first_in,last_out,hours,status\n");
    for r in &rows {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{:.2},{}\n",
            r.store_id,
            csv_field(&r.store),
            r.staff_id,
            csv_field(&r.staff),
            r.day,
            r.first_in.map(hm).unwrap_or_default(),
            r.last_out.map(hm).unwrap_or_default(),
            hours(r.seconds),
            if r.open { "open" } else { "closed" },
        ));
    }
    Ok(csv_response(
        format!("horas-personal-{}-{}.csv", f.from, f.to),
        out,
    ))
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
