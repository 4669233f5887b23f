//! Reports: sales by day, store, product, tax rate (for the VAT return) and tender, for a period
//! against the period just before it, with an SVG bar chart and CSV export. Read from the aggregates.

use super::html::{self, esc};
use super::overview::visible_stores;
use super::{Viewer, WebError, WebQuery, WebResult, ok};
use crate::http::AppState;
use crate::http::reports::MAX_REPORT_DAYS;
use crate::storage::dashboard::{DimRow, ReportDim, ReportSource};
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::{BTreeMap, HashMap};
use sync_protocol::{Money, TaxRate};

/// Rows drawn in the chart.
pub const CHART_ROWS: usize = 15;
/// Rows shown in the page table (the CSV has all).
pub const TABLE_ROWS: usize = 200;

#[derive(Debug, Deserialize)]
pub struct ReportQuery {
    pub by: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
}

/// One merged row: this period and the previous one.
#[derive(Debug, Clone, Default)]
pub struct Line {
    pub key: String,
    pub label: String,
    pub count: i64,
    pub quantity_milli: i64,
    pub gross: Money,
    pub net: Money,
    pub tax: Money,
    pub prev_gross: Money,
}

pub struct Report {
    pub dim: ReportDim,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub prev_from: NaiveDate,
    pub prev_to: NaiveDate,
    pub lines: Vec<Line>,
}

fn parse_dim(s: Option<&str>) -> Result<ReportDim, WebError> {
    Ok(match s.unwrap_or("day") {
        "day" => ReportDim::Day,
        "store" => ReportDim::Store,
        "product" => ReportDim::Product,
        "tax" => ReportDim::TaxRate,
        "tender" => ReportDim::Tender,
        other => {
            return Err(WebError::invalid(format!(
                "Agrupación «{other}» desconocida: day, store, product, tax o tender."
            )));
        }
    })
}

fn dim_param(d: ReportDim) -> &'static str {
    match d {
        ReportDim::Day => "day",
        ReportDim::Store => "store",
        ReportDim::Product => "product",
        ReportDim::TaxRate => "tax",
        ReportDim::Tender => "tender",
    }
}

fn parse_day(field: &str, s: Option<&str>, default: NaiveDate) -> Result<NaiveDate, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(t) => NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| {
            WebError::invalid(format!(
                "La fecha «{t}» de «{field}» no es válida (AAAA-MM-DD)."
            ))
        }),
    }
}

/// Builds the report a viewer asked for, scoped to their stores.
pub async fn build(st: &AppState, v: &Viewer, q: &ReportQuery) -> Result<Report, WebError> {
    let dim = parse_dim(q.by.as_deref())?;
    let today = crate::storage::sql::business_day(Utc::now());
    let to = parse_day("hasta", q.to.as_deref(), today)?;
    let from = parse_day("desde", q.from.as_deref(), to - Duration::days(6))?;
    if from > to {
        return Err(WebError::invalid(format!(
            "«Desde» ({}) es posterior a «hasta» ({}).",
            html::day(from),
            html::day(to)
        )));
    }
    let days = (to - from).num_days() + 1;
    if days > MAX_REPORT_DAYS {
        return Err(WebError::invalid(format!(
            "Un informe abarca como mucho {MAX_REPORT_DAYS} días."
        )));
    }
    let prev_to = from - Duration::days(1);
    let prev_from = prev_to - Duration::days(days - 1);
    let db = st.storage.dashboard();
    let now_rows = db
        .report_by(dim, from, to, ReportSource::Aggregates)
        .await?;
    let prev_rows = db
        .report_by(dim, prev_from, prev_to, ReportSource::Aggregates)
        .await?;
    let stores: HashMap<String, String> = visible_stores(st, v)
        .await?
        .into_iter()
        .map(|s| (s.id.to_string(), s.name))
        .collect();

    let mut merged: BTreeMap<String, Line> = BTreeMap::new();
    let mut add = |r: DimRow, current: bool| {
        if !v.sees_store(r.store_id) {
            return;
        }
        let e = merged.entry(r.key.clone()).or_insert_with(|| Line {
            key: r.key.clone(),
            ..Default::default()
        });
        if current {
            e.count += r.count;
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
            l.label = match dim {
                ReportDim::Day => NaiveDate::parse_from_str(&l.key, "%Y-%m-%d")
                    .map(html::day)
                    .unwrap_or_else(|_| l.key.clone()),
                ReportDim::Store => stores
                    .get(&l.key)
                    .cloned()
                    .unwrap_or_else(|| format!("Tienda {}", l.key)),
                ReportDim::Product if l.label.is_empty() => format!("Producto {}", l.key),
                ReportDim::Product => l.label.clone(),
                ReportDim::TaxRate => l
                    .key
                    .parse::<i64>()
                    .map(|h| format!("IVA {} %", TaxRate::from_hundredths(h)))
                    .unwrap_or_else(|_| l.key.clone()),
                ReportDim::Tender => match l.key.as_str() {
                    "cash" => "Efectivo".into(),
                    "card" => "Tarjeta".into(),
                    "other" => "Otros".into(),
                    k => k.to_string(),
                },
            };
            l
        })
        .collect();
    match dim {
        ReportDim::Product => lines.sort_by_key(|l| std::cmp::Reverse(l.gross)),
        ReportDim::TaxRate => {
            lines.sort_by_key(|l| l.key.parse::<i64>().unwrap_or(0));
        }
        ReportDim::Store => lines.sort_by_key(|l| l.key.parse::<i64>().unwrap_or(0)),
        _ => {}
    }
    Ok(Report {
        dim,
        from,
        to,
        prev_from,
        prev_to,
        lines,
    })
}

fn change(now: Money, prev: Money) -> String {
    if prev.is_zero() {
        return "—".into();
    }
    let pct = ((now - prev).as_decimal() * rust_decimal::Decimal::from(100) / prev.as_decimal())
        .round_dp(1);
    let class = if pct.is_sign_negative() { "down" } else { "up" };
    format!(
        "<span class=\"{class}\">{}{} %</span>",
        if pct.is_sign_negative() { "" } else { "+" },
        pct.to_string().replace('.', ",")
    )
}

/// `GET /dashboard/reports?by=&from=&to=`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportQuery>,
) -> WebResult {
    let r = build(&st, &v, &q).await?;
    let by = dim_param(r.dim);
    let tabs = super::controls::tabs(by, r.from, r.to);
    let (count_head, qty_head) = match r.dim {
        ReportDim::Day | ReportDim::Store => ("Tickets", ""),
        ReportDim::Tender => ("Cobros", ""),
        ReportDim::Product => ("", "Unidades"),
        ReportDim::TaxRate => ("", ""),
    };
    let th = |h: &str| {
        if h.is_empty() {
            String::new()
        } else {
            format!("<th class=\"num\">{h}</th>")
        }
    };
    let rows: String = r
        .lines
        .iter()
        .take(TABLE_ROWS)
        .map(|l| {
            let count = if count_head.is_empty() {
                String::new()
            } else {
                format!("<td class=\"num\">{}</td>", l.count)
            };
            let qty = if qty_head.is_empty() {
                String::new()
            } else {
                format!("<td class=\"num\">{}</td>", html::quantity(l.quantity_milli))
            };
            format!(
                "<tr data-key=\"{k}\"><td>{label}</td>{count}{qty}<td class=\"num\">{net}</td><td class=\"num\">{tax}</td>\
                 <td class=\"num gross\">{gross}</td><td class=\"num\">{prev}</td><td class=\"num\">{chg}</td></tr>",
                k = esc(&l.key),
                label = esc(&l.label),
                net = html::money(l.net),
                tax = html::money(l.tax),
                gross = html::money(l.gross),
                prev = html::money(l.prev_gross),
                chg = change(l.gross, l.prev_gross),
            )
        })
        .collect();
    let total = |f: fn(&Line) -> Money| r.lines.iter().map(f).sum::<Money>();
    let (tg, tn, tt, tp) = (
        total(|l| l.gross),
        total(|l| l.net),
        total(|l| l.tax),
        total(|l| l.prev_gross),
    );
    let mut chart_rows: Vec<(String, i64, i64)> = r
        .lines
        .iter()
        .map(|l| (l.label.clone(), l.gross.cents(), l.prev_gross.cents()))
        .collect();
    if r.dim != ReportDim::Day {
        chart_rows.sort_by_key(|r| std::cmp::Reverse(r.1));
    }
    chart_rows.truncate(CHART_ROWS);
    let chart = if chart_rows.is_empty() {
        "<p class=\"muted\">No hay ventas en este periodo.</p>".to_string()
    } else {
        html::bar_chart("Ventas con IVA por grupo", &chart_rows)
    };
    let blanks = [count_head, qty_head]
        .iter()
        .filter(|h| !h.is_empty())
        .count();
    let body = format!(
        "<h1>Informes de ventas</h1>{tabs}\
         <form class=\"row\" method=\"get\" action=\"/dashboard/reports\"><input type=\"hidden\" name=\"by\" value=\"{by}\">\
         <label>Desde <input type=\"date\" name=\"from\" id=\"from\" value=\"{from}\"></label>\
         <label>Hasta <input type=\"date\" name=\"to\" id=\"to\" value=\"{to}\"></label>\
         <button type=\"submit\">Ver</button>\
         <a href=\"/dashboard/reports.csv?by={by}&amp;from={from}&amp;to={to}\">Exportar CSV</a></form>\
         <div class=\"kpis\"><div class=\"kpi\"><span>Ventas con IVA</span><b id=\"report-gross\">{g}</b></div>\
         <div class=\"kpi\"><span>Periodo anterior ({pf} – {pt})</span><b>{p}</b></div>\
         <div class=\"kpi\"><span>Variación</span><b>{chg}</b></div></div>\
         <section class=\"card\">{chart}</section>\
         <section class=\"card\"><table id=\"report\"><thead><tr><th></th>{c}{qh}<th class=\"num\">Base</th><th class=\"num\">IVA</th>\
         <th class=\"num\">Total</th><th class=\"num\">Anterior</th><th class=\"num\">Var.</th></tr></thead>\
         <tbody>{rows}<tr class=\"total\"><td>Total</td>{pad}<td class=\"num\">{n}</td><td class=\"num\">{t}</td>\
         <td class=\"num\">{g}</td><td class=\"num\">{p}</td><td class=\"num\">{chg}</td></tr></tbody></table></section>",
        from = r.from,
        to = r.to,
        pf = html::day(r.prev_from),
        pt = html::day(r.prev_to),
        g = html::money(tg),
        n = html::money(tn),
        t = html::money(tt),
        p = html::money(tp),
        chg = change(tg, tp),
        c = th(count_head),
        qh = th(qty_head),
        pad = "<td></td>".repeat(blanks),
    );
    Ok(ok(html::page(&v, "reports", "Informes", &body)))
}

/// `GET /dashboard/reports.csv?by=&from=&to=`.
pub async fn csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ReportQuery>,
) -> WebResult {
    let r = build(&st, &v, &q).await?;
    let mut out = String::from("key,label,count,quantity,net,tax,gross,previous_gross\n");
    for l in &r.lines {
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{}\n",
            super::catalog::csv_field(&l.key),
            super::catalog::csv_field(&l.label),
            l.count,
            sync_protocol::Quantity::from_milli(l.quantity_milli),
            l.net,
            l.tax,
            l.gross,
            l.prev_gross
        ));
    }
    let name = format!(
        "attachment; filename=\"ventas-{}-{}-{}.csv\"",
        dim_param(r.dim),
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
