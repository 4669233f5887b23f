//! Reports: sales by day, store, product, tax rate (for the VAT return), tender, local hour,
//! cashier, franchisee and category, and the top and bottom products, for a period against the
//! period just before it, for every store the viewer sees or one of them, with an SVG bar chart
//! and CSV export. Read from the aggregates push keeps up to date.

use super::csv_file::{self, Cell, CsvExport};
use super::html;
use super::overview::visible_stores;
use super::{Lang, SessionForm, Tr, Viewer, WebError, WebQuery, WebResult, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::reports::MAX_REPORT_DAYS;
use crate::storage::dashboard::{DimRow, ReportDim, ReportSource};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{Duration, NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet};
use sync_protocol::{Money, StoreId, TaxRate};

/// Rows drawn in the chart.
pub const CHART_ROWS: usize = 15;
/// Rows shown in the page table (the CSV has all).
pub const TABLE_ROWS: usize = 200;
/// Products in each of the top and bottom lists unless `n` says otherwise, and the most allowed.
pub const TOP_DEFAULT: usize = 20;
pub const TOP_MAX: usize = 500;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    /// A store id, or empty for every store the viewer sees.
    pub store: Option<String>,
    /// Top/bottom products: how many in each list (1–[`TOP_MAX`]).
    pub n: Option<String>,
    /// Top/bottom products: rank by `gross` (default) or `units`.
    pub rank: Option<String>,
    /// The address the report was just e-mailed to (the notice after sending).
    pub mailed: Option<String>,
}

/// What the page shows: one dimension, or the top and bottom products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dim(ReportDim),
    Top,
}

impl View {
    /// The report's name as its tab says it ("Por día", "Más y menos vendidos"…).
    fn tab_label(self, t: &Tr) -> String {
        t.msg(match self.param() {
            "day" => key!("report-tab-day"),
            "store" => key!("report-tab-store"),
            "product" => key!("report-tab-product"),
            "tax" => key!("report-tab-tax"),
            "tender" => key!("report-tab-tender"),
            "hour" => key!("report-tab-hour"),
            "cashier" => key!("report-tab-cashier"),
            "franchisee" => key!("report-tab-franchisee"),
            "category" => key!("report-tab-category"),
            _ => key!("report-tab-top"),
        })
    }

    fn dim(self) -> ReportDim {
        match self {
            Self::Dim(d) => d,
            Self::Top => ReportDim::Product,
        }
    }
    fn param(self) -> &'static str {
        match self {
            Self::Top => "top",
            Self::Dim(d) => match d {
                ReportDim::Day => "day",
                ReportDim::Store => "store",
                ReportDim::Product => "product",
                ReportDim::TaxRate => "tax",
                ReportDim::Tender => "tender",
                ReportDim::Hour => "hour",
                ReportDim::Cashier => "cashier",
                ReportDim::Franchisee => "franchisee",
                ReportDim::Category => "category",
            },
        }
    }
}

/// Top/bottom products ranked by gross or by units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rank {
    Gross,
    Units,
}

/// One merged row: this period and the previous one.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub refunds: i64,
    pub quantity_milli: i64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
    pub prev_gross: Money,
}

pub struct Report {
    pub view: View,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub prev_from: NaiveDate,
    pub prev_to: NaiveDate,
    /// The store picked, or `None` for every store the viewer sees.
    pub store: Option<StoreId>,
    /// The stores the viewer sees (the store list), by id.
    pub stores: BTreeMap<StoreId, String>,
    pub n: usize,
    pub rank: Rank,
    /// Every group; for the top/bottom view, every product sold, best first.
    pub lines: Vec<Line>,
    /// Top/bottom view: the `n` lowest, lowest first (catalog products that sold nothing included).
    pub bottom: Vec<Line>,
}

impl Report {
    /// The query of this report as hidden form fields (the e-mail form).
    fn hidden(&self) -> Vec<(&'static str, String)> {
        let mut h = vec![
            ("by", self.view.param().to_string()),
            ("from", self.from.to_string()),
            ("to", self.to.to_string()),
            (
                "store",
                self.store.map(|s| s.to_string()).unwrap_or_default(),
            ),
        ];
        if self.view == View::Top {
            h.push(("n", self.n.to_string()));
            let rank = if self.rank == Rank::Units {
                "units"
            } else {
                "gross"
            };
            h.push(("rank", rank.to_string()));
        }
        h
    }

    /// The query string of this report, for links and the CSV.
    fn query(&self) -> String {
        let mut q = format!(
            "by={}&from={}&to={}&store={}",
            self.view.param(),
            self.from,
            self.to,
            self.store.map(|s| s.to_string()).unwrap_or_default()
        );
        if self.view == View::Top {
            q.push_str(&format!(
                "&n={}&rank={}",
                self.n,
                if self.rank == Rank::Units {
                    "units"
                } else {
                    "gross"
                }
            ));
        }
        q
    }
}

/// A malformed query: 400 with the message.
fn bad(message: String) -> WebError {
    WebError::new(StatusCode::BAD_REQUEST, message)
}

fn parse_view(t: &Tr, s: Option<&str>) -> Result<View, WebError> {
    Ok(View::Dim(match s.unwrap_or("day") {
        "day" => ReportDim::Day,
        "store" => ReportDim::Store,
        "product" => ReportDim::Product,
        "tax" => ReportDim::TaxRate,
        "tender" => ReportDim::Tender,
        "hour" => ReportDim::Hour,
        "cashier" => ReportDim::Cashier,
        "franchisee" => ReportDim::Franchisee,
        "category" => ReportDim::Category,
        "top" => return Ok(View::Top),
        other => {
            return Err(bad(t.msg_with(key!("report-by-unknown"), &[("by", &other)])));
        }
    }))
}

/// The years a report's `from` and `to` may name. Outside them a date is refused like a malformed
/// one: chrono reads years up to ±262143, and the period arithmetic (the previous period, a day
/// either side) would overflow at its edges.
pub const REPORT_YEARS: std::ops::RangeInclusive<i32> = 1900..=9999;

/// A report date as `<input type="date">` sends it, `YYYY-MM-DD`, within [`REPORT_YEARS`].
pub fn report_day(v: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .ok()
        .filter(|d| REPORT_YEARS.contains(&chrono::Datelike::year(d)))
}

fn parse_day(
    t: &Tr,
    field: &str,
    s: Option<&str>,
    default: NaiveDate,
) -> Result<NaiveDate, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(v) => report_day(v).ok_or_else(|| {
            bad(t.msg_with(
                "report-bad-date",
                &[("value", &v), ("field", &t.msg(field))],
            ))
        }),
    }
}

fn parse_top(t: &Tr, q: &ReportQuery) -> Result<(usize, Rank), WebError> {
    let n = match q.n.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => TOP_DEFAULT,
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=TOP_MAX).contains(n))
            .ok_or_else(|| {
                bad(t.msg_with(key!("report-bad-n"), &[("value", &v), ("max", &TOP_MAX)]))
            })?,
    };
    let rank = match q.rank.as_deref().map(str::trim).unwrap_or("") {
        "" | "gross" => Rank::Gross,
        "units" => Rank::Units,
        other => {
            return Err(bad(t.msg_with(key!("report-bad-rank"), &[("rank", &other)])));
        }
    };
    Ok((n, rank))
}

/// The label of a group in `t`'s language, from its key (and the label the storage gave, if any).
fn label(
    t: &Tr,
    dim: ReportDim,
    key: &str,
    stored: &str,
    stores: &BTreeMap<StoreId, String>,
) -> String {
    let with_id = |k: &str| t.msg_with(k, &[("id", &key)]);
    match dim {
        ReportDim::Day => NaiveDate::parse_from_str(key, "%Y-%m-%d")
            .map(|d| t.day(d))
            .unwrap_or_else(|_| key.to_string()),
        ReportDim::Store => key
            .parse::<i64>()
            .ok()
            .and_then(|id| stores.get(&StoreId(id)).cloned())
            .unwrap_or_else(|| with_id("report-label-store")),
        ReportDim::Product if stored.is_empty() => with_id("report-label-product"),
        ReportDim::Product => stored.to_string(),
        ReportDim::TaxRate => key
            .parse::<i64>()
            .map(|h| {
                t.msg_with(
                    "report-label-vat",
                    &[("rate", &TaxRate::from_hundredths(h))],
                )
            })
            .unwrap_or_else(|_| key.to_string()),
        ReportDim::Tender => match key {
            "cash" => t.msg(key!("tender-cash")),
            "card" => t.msg(key!("tender-card")),
            "other" => t.msg(key!("tender-other")),
            k => k.to_string(),
        },
        ReportDim::Hour => key
            .parse::<u32>()
            .map(|h| format!("{h:02}:00–{:02}:00", (h + 1) % 24))
            .unwrap_or_else(|_| key.to_string()),
        ReportDim::Cashier if key == "0" => t.msg(key!("report-label-no-cashier")),
        ReportDim::Cashier | ReportDim::Franchisee if !stored.is_empty() => stored.to_string(),
        ReportDim::Cashier => with_id("report-label-staff"),
        ReportDim::Franchisee => with_id("report-label-franchisee"),
        ReportDim::Category if key.is_empty() => t.msg(key!("report-label-no-category")),
        ReportDim::Category => key.to_string(),
    }
}

/// Builds the report a viewer asked for, scoped to their stores (or the one picked). Errors are
/// in the viewer's language; group labels in `labels`' (the CSV always asks for Spanish, so the
/// file is the same whatever the language of the page).
pub async fn build(
    st: &AppState,
    v: &Viewer,
    q: &ReportQuery,
    labels: &Tr,
) -> Result<Report, WebError> {
    let t = v.t();
    let view = parse_view(t, q.by.as_deref())?;
    let dim = view.dim();
    let (n, rank) = parse_top(t, q)?;
    let today = crate::storage::sql::business_day(Utc::now());
    let to = parse_day(t, "report-field-to", q.to.as_deref(), today)?;
    let from = parse_day(
        t,
        "report-field-from",
        q.from.as_deref(),
        to - Duration::days(6),
    )?;
    if from > to {
        return Err(bad(t.msg_with(
            "report-from-after-to",
            &[("from", &t.day(from)), ("to", &t.day(to))],
        )));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_REPORT_DAYS {
        return Err(bad(
            t.msg_with(key!("report-too-long"), &[("days", &MAX_REPORT_DAYS)])
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
                .map_err(|_| bad(t.msg_with(key!("report-bad-store"), &[("value", &s)])))?;
            if !stores.contains_key(&id) {
                return Err(WebError::not_found_t(t));
            }
            Some(id)
        }
    };
    let scope: Option<Vec<StoreId>> = match store {
        Some(s) => Some(vec![s]),
        None => v.scope().map(<[StoreId]>::to_vec),
    };
    let prev_to = from - Duration::days(1);
    let prev_from = prev_to - Duration::days(days - 1);
    let db = st.storage.dashboard();
    let (now_rows, prev_rows) = tokio::try_join!(
        db.report(dim, from, to, ReportSource::Aggregates, scope.as_deref()),
        db.report(
            dim,
            prev_from,
            prev_to,
            ReportSource::Aggregates,
            scope.as_deref()
        ),
    )?;

    let mut merged: BTreeMap<String, Line> = BTreeMap::new();
    let mut add = |r: DimRow, current: bool| {
        let e = merged.entry(r.key.clone()).or_insert_with(|| Line {
            key: r.key.clone(),
            ..Default::default()
        });
        if current {
            e.count += r.count;
            e.refunds += r.refunds;
            e.quantity_milli += r.quantity_milli;
            e.gross += r.gross;
            e.net += r.net;
            e.tax += r.tax;
        } else {
            e.prev_gross += r.gross;
        }
        if e.label.is_empty() {
            e.label = r.label;
        }
    };
    for r in now_rows {
        add(r, true);
    }
    for mut r in prev_rows {
        // By day, each day is compared with the same day of the previous period.
        if dim == ReportDim::Day
            && let Ok(d) = NaiveDate::parse_from_str(&r.key, "%Y-%m-%d")
        {
            r.key = (d + Duration::days(days)).format("%Y-%m-%d").to_string();
        }
        add(r, false);
    }
    let mut lines: Vec<Line> = merged
        .into_values()
        .map(|mut l| {
            l.label = label(labels, dim, &l.key, &l.label, &stores);
            l
        })
        .collect();
    let num = |l: &Line| l.key.parse::<i64>().unwrap_or(0);
    match dim {
        ReportDim::Product => lines.sort_by_key(|l| std::cmp::Reverse(l.gross)),
        ReportDim::TaxRate | ReportDim::Store | ReportDim::Hour => lines.sort_by_key(num),
        ReportDim::Cashier | ReportDim::Franchisee | ReportDim::Category => {
            lines.sort_by(|a, b| b.gross.cmp(&a.gross).then_with(|| a.label.cmp(&b.label)))
        }
        ReportDim::Day | ReportDim::Tender => {}
    }
    let mut bottom = vec![];
    if view == View::Top {
        // Products that sold in the period (the previous period alone does not count).
        lines.retain(|l| l.quantity_milli != 0 || !l.gross.is_zero());
        let metric = |l: &Line| match rank {
            Rank::Gross => l.gross.cents(),
            Rank::Units => l.quantity_milli,
        };
        lines.sort_by(|a, b| metric(b).cmp(&metric(a)).then_with(|| num(a).cmp(&num(b))));
        // The catalog is one small query: active products that sold nothing rank lowest.
        let sold: HashSet<&str> = lines.iter().map(|l| l.key.as_str()).collect();
        let mut unsold: Vec<Line> = db
            .active_products()
            .await?
            .into_iter()
            .filter(|(id, _, _)| !sold.contains(id.to_string().as_str()))
            .map(|(id, name, _)| Line {
                key: id.to_string(),
                label: name,
                ..Default::default()
            })
            .collect();
        let mut low: Vec<Line> = lines.iter().rev().cloned().collect();
        unsold.append(&mut low);
        unsold.truncate(n);
        bottom = unsold;
        lines.truncate(n);
    }
    Ok(Report {
        view,
        from,
        to,
        prev_from,
        prev_to,
        store,
        stores,
        n,
        rank,
        lines,
        bottom,
    })
}

/// This period against the previous one, in percent with one decimal (`—` when there was nothing before).
fn change(t: &Tr, now: Money, prev: Money) -> Markup {
    if prev.is_zero() {
        return html! { "—" };
    }
    let pct = ((now - prev).as_decimal() * rust_decimal::Decimal::from(100) / prev.as_decimal())
        .round_dp(1);
    let class = if pct.is_sign_negative() { "down" } else { "up" };
    let sign = if pct.is_sign_negative() { "" } else { "+" };
    let shown = match t.lang() {
        Lang::Es => format!("{sign}{} %", pct.to_string().replace('.', ",")),
        Lang::En => format!("{sign}{pct}%"),
    };
    html! { span class=(class) { (shown) } }
}

/// The extra columns of a dimension: tickets/payments, refunds, units.
fn heads(t: &Tr, view: View) -> (String, String, String) {
    let (c, r, q) = match view {
        View::Top => ("", "", "report-col-units"),
        View::Dim(d) => match d {
            ReportDim::Day | ReportDim::Store | ReportDim::Hour | ReportDim::Franchisee => {
                ("report-col-tickets", "", "")
            }
            ReportDim::Cashier => ("report-col-tickets", "report-col-refunds", ""),
            ReportDim::Tender => ("report-col-payments", "", ""),
            ReportDim::Product | ReportDim::Category => ("", "", "report-col-units"),
            ReportDim::TaxRate => ("", "", ""),
        },
    };
    let m = |k: &str| {
        if k.is_empty() {
            String::new()
        } else {
            t.msg(k)
        }
    };
    (m(c), m(r), m(q))
}

/// The table of a report's lines (at most [`TABLE_ROWS`]), with a total row when `total`.
fn table(t: &Tr, id: &str, view: View, lines: &[Line], total: bool) -> Markup {
    let (count_head, refunds_head, qty_head) = heads(t, view);
    let sum = |f: fn(&Line) -> Money| lines.iter().map(f).sum::<Money>();
    let (tg, tp) = (sum(|l| l.gross), sum(|l| l.prev_gross));
    let pad = [&count_head, &refunds_head, &qty_head]
        .iter()
        .filter(|h| !h.is_empty())
        .count();
    let heads = [
        count_head.clone(),
        refunds_head.clone(),
        qty_head.clone(),
        t.msg(key!("report-col-net")),
        t.msg(key!("report-col-vat")),
        t.msg(key!("report-col-total")),
        t.msg(key!("report-col-previous")),
        t.msg(key!("report-col-change")),
    ];
    html! {
        table id=(id) {
            thead { tr {
                th {}
                @for h in heads.iter().filter(|h| !h.is_empty()) { th class="num" { (h) } }
            } }
            tbody {
                @for l in lines.iter().take(TABLE_ROWS) {
                    tr data-key=(l.key) {
                        td { (l.label) }
                        @if !count_head.is_empty() { td class="num" { (l.count) } }
                        @if !refunds_head.is_empty() { td class="num refunds" { (l.refunds) } }
                        @if !qty_head.is_empty() { td class="num qty" { (t.quantity(l.quantity_milli)) } }
                        td class="num" { (t.money(l.net)) }
                        td class="num" { (t.money(l.tax)) }
                        td class="num gross" { (t.money(l.gross)) }
                        td class="num prev" { (t.money(l.prev_gross)) }
                        td class="num" { (change(t, l.gross, l.prev_gross)) }
                    }
                }
                @if total {
                    tr class="total" {
                        td { (t.msg(key!("report-total"))) }
                        @for _ in 0..pad { td {} }
                        td class="num" { (t.money(sum(|l| l.net))) }
                        td class="num" { (t.money(sum(|l| l.tax))) }
                        td class="num" { (t.money(tg)) }
                        td class="num" { (t.money(tp)) }
                        td class="num" { (change(t, tg, tp)) }
                    }
                }
            }
        }
    }
}

/// `GET /dashboard/reports?by=&from=&to=&store=` (and `n=&rank=` for `by=top`).
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportQuery>,
) -> WebResult {
    let t = v.t();
    let r = build(&st, &v, &q, t).await?;
    let by = r.view.param();
    let tabs = super::controls::tabs(t, by, r.from, r.to);
    let form = html! {
        form class="row" method="get" action="/dashboard/reports" {
            input type="hidden" name="by" value=(by);
            label { (t.msg(key!("report-from"))) " " input type="date" name="from" id="from" value=(r.from); }
            label { (t.msg(key!("report-to"))) " " input type="date" name="to" id="to" value=(r.to); }
            label { (t.msg(key!("report-store"))) " " select name="store" id="store" {
                option value="" { (t.msg(key!("report-all-stores"))) }
                @for (id, name) in &r.stores {
                    option value=(id) selected[r.store == Some(*id)] { (name) }
                }
            } }
            @if r.view == View::Top {
                label { (t.msg(key!("report-products"))) " "
                    input type="number" name="n" id="n" min="1" max=(TOP_MAX) value=(r.n); }
                label { (t.msg(key!("report-sort-by"))) " " select name="rank" id="rank" {
                    option value="gross" selected[r.rank != Rank::Units] { (t.msg(key!("report-rank-gross"))) }
                    option value="units" selected[r.rank == Rank::Units] { (t.msg(key!("report-rank-units"))) }
                } }
            }
            button type="submit" { (t.msg(key!("report-show"))) }
            a href={ "/dashboard/reports.csv?" (r.query()) } { (t.msg(key!("report-export"))) }
        }
        (mail_form(&st, &v, "/dashboard/reports/mail", &r.hidden(), q.mailed.as_deref()))
    };
    let body = if r.view == View::Top {
        top_body(t, &r, tabs, form)
    } else {
        dim_body(t, &r, tabs, form)
    };
    Ok(ok(html::page(
        &v,
        "reports",
        &t.msg(key!("reports-title")),
        body,
    )))
}

fn dim_body(t: &Tr, r: &Report, tabs: Markup, form: Markup) -> Markup {
    let tg = r.lines.iter().map(|l| l.gross).sum::<Money>();
    let tp = r.lines.iter().map(|l| l.prev_gross).sum::<Money>();
    let mut chart_rows: Vec<(String, i64, i64)> = r
        .lines
        .iter()
        .map(|l| (l.label.clone(), l.gross.cents(), l.prev_gross.cents()))
        .collect();
    if !matches!(r.view, View::Dim(ReportDim::Day | ReportDim::Hour)) {
        chart_rows.sort_by_key(|r| std::cmp::Reverse(r.1));
        chart_rows.truncate(CHART_ROWS);
    }
    html! {
        h1 { (t.msg(key!("report-heading"))) }
        (tabs)
        (form)
        div class="kpis" {
            // `#report-gross`, not `id="…"`: the i18n test would read that literal as a message key.
            div class="kpi" { span { (t.msg(key!("report-kpi-gross"))) } b #report-gross { (t.money(tg)) } }
            div class="kpi" {
                span { (t.msg_with(key!("report-kpi-previous"), &[("from", &t.day(r.prev_from)), ("to", &t.day(r.prev_to))])) }
                b { (t.money(tp)) }
            }
            div class="kpi" { span { (t.msg(key!("report-kpi-change"))) } b { (change(t, tg, tp)) } }
        }
        section class="card" {
            @if chart_rows.is_empty() { (html::muted(&t.msg(key!("report-no-sales")))) }
            @else { (html::bar_chart(t, &t.msg(key!("report-chart")), &chart_rows)) }
        }
        section class="card" { (table(t, "report", r.view, &r.lines, true)) }
    }
}

fn top_body(t: &Tr, r: &Report, tabs: Markup, form: Markup) -> Markup {
    let (metric, value): (String, fn(&Line) -> i64) = match r.rank {
        Rank::Gross => (t.msg(key!("report-metric-gross")), |l| l.gross.cents()),
        Rank::Units => (t.msg(key!("report-metric-units")), |l| l.quantity_milli),
    };
    let rows: Vec<(String, i64)> = r
        .lines
        .iter()
        .take(CHART_ROWS)
        .map(|l| (l.label.clone(), value(l)))
        .collect();
    let shown: &dyn Fn(i64) -> String = match r.rank {
        Rank::Gross => &|c| t.money(Money::from_cents(c)),
        Rank::Units => &|q| t.quantity(q),
    };
    html! {
        h1 { (t.msg(key!("report-top-heading"))) }
        (tabs)
        (form)
        p class="muted" { (t.msg_with(key!("report-top-help"), &[("metric", &metric), ("n", &r.n)])) }
        section class="card" {
            @if r.lines.is_empty() { (html::muted(&t.msg(key!("report-no-sales")))) }
            @else {
                (html::bar_chart_single(t, &t.msg_with(key!("report-top-chart"), &[("metric", &metric)]), &rows, shown))
            }
        }
        section class="card" { h2 { (t.msg(key!("report-top-best"))) } (table(t, "top", r.view, &r.lines, false)) }
        section class="card" { h2 { (t.msg(key!("report-top-worst"))) } (table(t, "bottom", r.view, &r.bottom, false)) }
    }
}

/// "Enviar por correo" under a report: the CSV of what is on screen to an address, sent now
/// through HQ's SMTP server; without one, a line saying so instead of the form. `action` takes the
/// form, `hidden` the report's own query; `mailed` is where the last one went (said above it).
pub fn mail_form(
    st: &AppState,
    v: &Viewer,
    action: &str,
    hidden: &[(&str, String)],
    mailed: Option<&str>,
) -> Markup {
    let t = v.t();
    html! {
        @if let Some(to) = mailed {
            // Shorthand ids: a literal `id="…"` would read as a message key to the i18n test.
            p.notice #report-mailed role="status" {
                (t.msg_with(key!("report-mail-sent"), &[("to", &to)]))
            }
        }
        @if st.mail.get().is_some() {
            form.row #report-mail method="post" action=(action) {
                (v.csrf_field())
                @for (name, value) in hidden {
                    input type="hidden" name=(name) value=(value);
                }
                label { (t.msg(key!("report-mail-to"))) " "
                    input type="email" name="recipient" id="recipient" required autocomplete="email"; }
                button type="submit" { (t.msg(key!("report-mail-send"))) }
            }
        } @else {
            (html::muted(&t.msg(key!("report-mail-off"))))
        }
    }
}

/// What a report e-mail says and carries.
pub struct ReportMail<'a> {
    /// The report's name, as its tab says it.
    pub what: String,
    /// The store picked, or `None` for every store the viewer sees.
    pub store: Option<&'a str>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub file_name: String,
    pub csv: String,
    /// The report's page and query, to come back to.
    pub back: String,
}

/// Sends a report's CSV to `recipient` now and goes back to the report saying where it went; a
/// wrong address (422), no SMTP server (503) or an SMTP failure (502) is said and sends nothing.
pub async fn send_report(
    st: &AppState,
    v: &Viewer,
    recipient: &str,
    m: ReportMail<'_>,
) -> WebResult {
    let t = v.t();
    let to = recipient.trim();
    if !sync_protocol::customers::is_email(to) {
        return Err(WebError::invalid(
            t.msg_with(key!("report-mail-bad"), &[("to", &to)]),
        ));
    }
    let Some(config) = st.mail.get() else {
        return Err(WebError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            t.msg(key!("report-mail-off")),
        ));
    };
    let scope = m
        .store
        .map_or_else(|| t.msg(key!("report-all-stores")), str::to_string);
    let (from, until) = (t.day(m.from), t.day(m.to));
    let subject = t.msg_with(
        key!("report-mail-subject"),
        &[
            ("what", &m.what),
            ("scope", &scope),
            ("from", &from),
            ("to", &until),
        ],
    );
    let body = t.msg_with(
        key!("report-mail-text"),
        &[
            ("what", &m.what),
            ("scope", &scope),
            ("from", &from),
            ("to", &until),
            ("who", &v.user.display_name),
        ],
    );
    let sent = match crate::services::mail::report_message(
        &config.from,
        to,
        &subject,
        &body,
        &m.file_name,
        m.csv,
    ) {
        Ok(message) => crate::services::mail::send_message(&config, message).await,
        Err(e) => Err(e),
    };
    match sent {
        Ok(()) => {
            tracing::info!(user = %v.user.username, to = %to, report = %m.file_name, "report e-mailed");
            Ok(see_other(&format!("{}&mailed={}", m.back, html::url(to))))
        }
        Err(e) => {
            tracing::warn!(user = %v.user.username, to = %to, error = %e, "report e-mail not sent");
            Err(WebError::new(
                StatusCode::BAD_GATEWAY,
                t.msg_with(key!("report-mail-failed"), &[("to", &to), ("error", &e)]),
            ))
        }
    }
}

/// The report on screen (its query, as hidden fields) and where to send it.
#[derive(Debug, Deserialize)]
pub struct ReportMailForm {
    #[serde(flatten)]
    pub report: ReportQuery,
    #[serde(default)]
    pub recipient: String,
}

/// `POST /dashboard/reports/mail`: the report's CSV (the viewer's stores only, as on screen) to
/// `recipient`, sent now; back to the report saying where it went, or an error saying why not.
pub async fn mail(
    State(st): State<AppState>,
    SessionForm(v, f): SessionForm<ReportMailForm>,
) -> WebResult {
    let (r, file_name, csv) = csv_text(&st, &v, &f.report).await?;
    let m = ReportMail {
        what: r.view.tab_label(v.t()),
        store: r.store.and_then(|s| r.stores.get(&s)).map(String::as_str),
        from: r.from,
        to: r.to,
        file_name,
        csv,
        back: format!("/dashboard/reports?{}", r.query()),
    };
    send_report(&st, &v, &f.recipient, m).await
}

/// `GET /dashboard/reports.csv?by=&from=&to=&store=` (and `n=&rank=` for `by=top`).
pub async fn csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportQuery>,
) -> WebResult {
    let (_, name, text) = csv_text(&st, &v, &q).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        text,
    )
        .into_response())
}

/// The report's CSV: its file name and text (and the report).
async fn csv_text(
    st: &AppState,
    v: &Viewer,
    q: &ReportQuery,
) -> Result<(Report, String, String), WebError> {
    // Labels in Spanish whatever the viewer reads: the file is the same in both languages.
    let r = build(st, v, q, Tr::es()).await?;
    let head = [
        "key",
        "label",
        "count",
        "refunds",
        "quantity",
        "net",
        "tax",
        "gross",
        "previous_gross",
    ];
    let top = r.view == View::Top;
    let header: Vec<&str> = top.then_some("list").into_iter().chain(head).collect();
    let mut out = CsvExport::new(&header);
    // The key is text too: a category's key is its name, typed by a person.
    let mut row = |list: Option<&'static str>, l: &Line| {
        let cells: Vec<Cell<'_>> = list
            .map(csv_file::value)
            .into_iter()
            .chain([
                csv_file::text(&l.key),
                csv_file::text(&l.label),
                csv_file::value(l.count),
                csv_file::value(l.refunds),
                csv_file::value(sync_protocol::Quantity::from_milli(l.quantity_milli)),
                csv_file::value(l.net),
                csv_file::value(l.tax),
                csv_file::value(l.gross),
                csv_file::value(l.prev_gross),
            ])
            .collect();
        out.row(&cells);
    };
    if top {
        for l in &r.lines {
            row(Some("top"), l);
        }
        for l in &r.bottom {
            row(Some("bottom"), l);
        }
    } else {
        for l in &r.lines {
            row(None, l);
        }
    }
    let name = format!("ventas-{}-{}-{}.csv", r.view.param(), r.from, r.to);
    let text = out.finish()?;
    Ok((r, name, text))
}
