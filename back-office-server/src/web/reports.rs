//! Reports: sales by day, store, product, tax rate (for the VAT return), tender, local hour,
//! cashier, franchisee and category, and the top and bottom products, for a period against the
//! period just before it, for every store the viewer sees or one of them, with an SVG bar chart
//! and CSV export. Read from the aggregates push keeps up to date.

use super::html::{self, esc};
use super::overview::visible_stores;
use super::{Lang, Tr, Viewer, WebError, WebQuery, WebResult, ok};
use crate::http::AppState;
use crate::http::reports::MAX_REPORT_DAYS;
use crate::storage::dashboard::{DimRow, ReportDim, ReportSource};
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use chrono::{Duration, NaiveDate, Utc};
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
}

/// What the page shows: one dimension, or the top and bottom products.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Dim(ReportDim),
    Top,
}

impl View {
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
    /// The query string of this report (HTML-escaped `&`), for links and the CSV.
    fn query(&self) -> String {
        let mut q = format!(
            "by={}&amp;from={}&amp;to={}&amp;store={}",
            self.view.param(),
            self.from,
            self.to,
            self.store.map(|s| s.to_string()).unwrap_or_default()
        );
        if self.view == View::Top {
            q.push_str(&format!(
                "&amp;n={}&amp;rank={}",
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
            return Err(bad(t.msg_with("report-by-unknown", &[("by", &other)])));
        }
    }))
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
            .ok_or_else(|| bad(t.msg_with("report-bad-n", &[("value", &v), ("max", &TOP_MAX)])))?,
    };
    let rank = match q.rank.as_deref().map(str::trim).unwrap_or("") {
        "" | "gross" => Rank::Gross,
        "units" => Rank::Units,
        other => {
            return Err(bad(t.msg_with("report-bad-rank", &[("rank", &other)])));
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
            "cash" => t.msg("tender-cash"),
            "card" => t.msg("tender-card"),
            "other" => t.msg("tender-other"),
            k => k.to_string(),
        },
        ReportDim::Hour => key
            .parse::<u32>()
            .map(|h| format!("{h:02}:00–{:02}:00", (h + 1) % 24))
            .unwrap_or_else(|_| key.to_string()),
        ReportDim::Cashier if key == "0" => t.msg("report-label-no-cashier"),
        ReportDim::Cashier | ReportDim::Franchisee if !stored.is_empty() => stored.to_string(),
        ReportDim::Cashier => with_id("report-label-staff"),
        ReportDim::Franchisee => with_id("report-label-franchisee"),
        ReportDim::Category if key.is_empty() => t.msg("report-label-no-category"),
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
            t.msg_with("report-too-long", &[("days", &MAX_REPORT_DAYS)])
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
                .map_err(|_| bad(t.msg_with("report-bad-store", &[("value", &s)])))?;
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

fn change(t: &Tr, now: Money, prev: Money) -> String {
    if prev.is_zero() {
        return "—".into();
    }
    let pct = ((now - prev).as_decimal() * rust_decimal::Decimal::from(100) / prev.as_decimal())
        .round_dp(1);
    let class = if pct.is_sign_negative() { "down" } else { "up" };
    let sign = if pct.is_sign_negative() { "" } else { "+" };
    match t.lang() {
        Lang::Es => format!(
            "<span class=\"{class}\">{sign}{} %</span>",
            pct.to_string().replace('.', ",")
        ),
        Lang::En => format!("<span class=\"{class}\">{sign}{pct}%</span>"),
    }
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
fn table(t: &Tr, id: &str, view: View, lines: &[Line], total: bool) -> String {
    let (count_head, refunds_head, qty_head) = heads(t, view);
    let th = |h: &str| {
        if h.is_empty() {
            String::new()
        } else {
            format!("<th class=\"num\">{}</th>", esc(h))
        }
    };
    let rows: String = lines
        .iter()
        .take(TABLE_ROWS)
        .map(|l| {
            let mut extra = String::new();
            if !count_head.is_empty() {
                extra.push_str(&format!("<td class=\"num\">{}</td>", l.count));
            }
            if !refunds_head.is_empty() {
                extra.push_str(&format!("<td class=\"num refunds\">{}</td>", l.refunds));
            }
            if !qty_head.is_empty() {
                extra.push_str(&format!(
                    "<td class=\"num qty\">{}</td>",
                    t.quantity(l.quantity_milli)
                ));
            }
            format!(
                "<tr data-key=\"{k}\"><td>{label}</td>{extra}<td class=\"num\">{net}</td><td class=\"num\">{tax}</td>\
                 <td class=\"num gross\">{gross}</td><td class=\"num prev\">{prev}</td><td class=\"num\">{chg}</td></tr>",
                k = esc(&l.key),
                label = esc(&l.label),
                net = t.money(l.net),
                tax = t.money(l.tax),
                gross = t.money(l.gross),
                prev = t.money(l.prev_gross),
                chg = change(t, l.gross, l.prev_gross),
            )
        })
        .collect();
    let sum = |f: fn(&Line) -> Money| lines.iter().map(f).sum::<Money>();
    let total_row = if total {
        let (tg, tp) = (sum(|l| l.gross), sum(|l| l.prev_gross));
        let pad = [&count_head, &refunds_head, &qty_head]
            .iter()
            .filter(|h| !h.is_empty())
            .count();
        format!(
            "<tr class=\"total\"><td>{}</td>{}<td class=\"num\">{}</td><td class=\"num\">{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
            esc(&t.msg("report-total")),
            "<td></td>".repeat(pad),
            t.money(sum(|l| l.net)),
            t.money(sum(|l| l.tax)),
            t.money(tg),
            t.money(tp),
            change(t, tg, tp)
        )
    } else {
        String::new()
    };
    format!(
        "<table id=\"{id}\"><thead><tr><th></th>{}{}{}{}{}{}{}{}</tr></thead>\
         <tbody>{rows}{total_row}</tbody></table>",
        th(&count_head),
        th(&refunds_head),
        th(&qty_head),
        th(&t.msg("report-col-net")),
        th(&t.msg("report-col-vat")),
        th(&t.msg("report-col-total")),
        th(&t.msg("report-col-previous")),
        th(&t.msg("report-col-change")),
    )
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
    let mut opts = format!(
        "<option value=\"\">{}</option>",
        esc(&t.msg("report-all-stores"))
    );
    for (id, name) in &r.stores {
        let sel = if r.store == Some(*id) {
            " selected"
        } else {
            ""
        };
        opts.push_str(&format!(
            "<option value=\"{id}\"{sel}>{}</option>",
            esc(name)
        ));
    }
    let top_fields = if r.view == View::Top {
        let (g, u) = if r.rank == Rank::Units {
            ("", " selected")
        } else {
            (" selected", "")
        };
        format!(
            "<label>{products} <input type=\"number\" name=\"n\" id=\"n\" min=\"1\" max=\"{TOP_MAX}\" value=\"{}\"></label>\
             <label>{sort} <select name=\"rank\" id=\"rank\"><option value=\"gross\"{g}>{gross}</option>\
             <option value=\"units\"{u}>{units}</option></select></label>",
            r.n,
            products = esc(&t.msg("report-products")),
            sort = esc(&t.msg("report-sort-by")),
            gross = esc(&t.msg("report-rank-gross")),
            units = esc(&t.msg("report-rank-units")),
        )
    } else {
        String::new()
    };
    let form = format!(
        "<form class=\"row\" method=\"get\" action=\"/dashboard/reports\"><input type=\"hidden\" name=\"by\" value=\"{by}\">\
         <label>{l_from} <input type=\"date\" name=\"from\" id=\"from\" value=\"{from}\"></label>\
         <label>{l_to} <input type=\"date\" name=\"to\" id=\"to\" value=\"{to}\"></label>\
         <label>{l_store} <select name=\"store\" id=\"store\">{opts}</select></label>{top_fields}\
         <button type=\"submit\">{show}</button>\
         <a href=\"/dashboard/reports.csv?{q}\">{export}</a></form>",
        from = r.from,
        to = r.to,
        q = r.query(),
        l_from = esc(&t.msg("report-from")),
        l_to = esc(&t.msg("report-to")),
        l_store = esc(&t.msg("report-store")),
        show = esc(&t.msg("report-show")),
        export = esc(&t.msg("report-export")),
    );
    let body = if r.view == View::Top {
        top_body(t, &r, &tabs, &form)
    } else {
        dim_body(t, &r, &tabs, &form)
    };
    Ok(ok(html::page_t(
        &v,
        "reports",
        &t.msg("reports-title"),
        &body,
    )))
}

fn dim_body(t: &Tr, r: &Report, tabs: &str, form: &str) -> String {
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
    let chart = if chart_rows.is_empty() {
        format!("<p class=\"muted\">{}</p>", esc(&t.msg("report-no-sales")))
    } else {
        html::bar_chart_t(t, &t.msg("report-chart"), &chart_rows)
    };
    format!(
        "<h1>{heading}</h1>{tabs}{form}\
         <div class=\"kpis\"><div class=\"kpi\"><span>{k_gross}</span><b id=\"report-gross\">{g}</b></div>\
         <div class=\"kpi\"><span>{k_prev}</span><b>{p}</b></div>\
         <div class=\"kpi\"><span>{k_chg}</span><b>{chg}</b></div></div>\
         <section class=\"card\">{chart}</section>\
         <section class=\"card\">{table}</section>",
        heading = esc(&t.msg("report-heading")),
        k_gross = esc(&t.msg("report-kpi-gross")),
        k_prev = esc(&t.msg_with(
            "report-kpi-previous",
            &[("from", &t.day(r.prev_from)), ("to", &t.day(r.prev_to))]
        )),
        k_chg = esc(&t.msg("report-kpi-change")),
        g = t.money(tg),
        p = t.money(tp),
        chg = change(t, tg, tp),
        table = table(t, "report", r.view, &r.lines, true),
    )
}

fn top_body(t: &Tr, r: &Report, tabs: &str, form: &str) -> String {
    let (metric, value): (String, fn(&Line) -> i64) = match r.rank {
        Rank::Gross => (t.msg("report-metric-gross"), |l| l.gross.cents()),
        Rank::Units => (t.msg("report-metric-units"), |l| l.quantity_milli),
    };
    let chart = if r.lines.is_empty() {
        format!("<p class=\"muted\">{}</p>", esc(&t.msg("report-no-sales")))
    } else {
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
        html::bar_chart_single_t(
            t,
            &t.msg_with("report-top-chart", &[("metric", &metric)]),
            &rows,
            shown,
        )
    };
    format!(
        "<h1>{heading}</h1>{tabs}{form}\
         <p class=\"muted\">{help}</p>\
         <section class=\"card\">{chart}</section>\
         <section class=\"card\"><h2>{best}</h2>{top}</section>\
         <section class=\"card\"><h2>{worst}</h2>{bottom}</section>",
        heading = esc(&t.msg("report-top-heading")),
        help = esc(&t.msg_with("report-top-help", &[("metric", &metric), ("n", &r.n)])),
        best = esc(&t.msg("report-top-best")),
        worst = esc(&t.msg("report-top-worst")),
        top = table(t, "top", r.view, &r.lines, false),
        bottom = table(t, "bottom", r.view, &r.bottom, false),
    )
}

/// `GET /dashboard/reports.csv?by=&from=&to=&store=` (and `n=&rank=` for `by=top`).
pub async fn csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportQuery>,
) -> WebResult {
    // Labels in Spanish whatever the viewer reads: the file is the same in both languages.
    let r = build(&st, &v, &q, Tr::es()).await?;
    let row = |list: &str, l: &Line| {
        format!(
            "{list}{},{},{},{},{},{},{},{},{}\n",
            super::catalog::csv_field(&l.key),
            super::catalog::csv_field(&l.label),
            l.count,
            l.refunds,
            sync_protocol::Quantity::from_milli(l.quantity_milli),
            l.net,
            l.tax,
            l.gross,
            l.prev_gross
        )
    };
    let head = "key,label,count,refunds,quantity,net,tax,gross,previous_gross\n";
    let mut out = String::new();
    if r.view == View::Top {
        out.push_str("list,");
        out.push_str(head);
        for l in &r.lines {
            out.push_str(&row("top,", l));
        }
        for l in &r.bottom {
            out.push_str(&row("bottom,", l));
        }
    } else {
        out.push_str(head);
        for l in &r.lines {
            out.push_str(&row("", l));
        }
    }
    let name = format!(
        "attachment; filename=\"ventas-{}-{}-{}.csv\"",
        r.view.param(),
        r.from,
        r.to
    );
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (header::CONTENT_DISPOSITION, name),
        ],
        out,
    )
        .into_response())
}
