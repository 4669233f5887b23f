//! The overview: today's sales (Europe/Madrid business day) across the franchise and per store,
//! tills that have not synced for a while, and open alerts. Reloads itself every 30 seconds.

use super::html::{self, esc};
use super::{Viewer, WebQuery, WebResult, ok};
use crate::http::AppState;
use crate::storage::dashboard::{ReportDim, ReportSource};
use crate::storage::{Store, Till};
use axum::extract::State;
use chrono::{Duration, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use sync_protocol::{Money, StoreId, TillId};

/// Hours without a sync after which a till counts as offline, unless the page asks otherwise.
pub const DEFAULT_OFFLINE_HOURS: i64 = 24;
/// Seconds between automatic reloads.
pub const REFRESH_SECONDS: u32 = 30;

#[derive(Debug, Deserialize)]
pub struct OverviewQuery {
    pub offline_hours: Option<i64>,
}

/// The stores a viewer may see.
pub async fn visible_stores(st: &AppState, v: &Viewer) -> Result<Vec<Store>, super::WebError> {
    Ok(st
        .storage
        .list_stores()
        .await?
        .into_iter()
        .filter(|s| v.sees_store(s.id))
        .collect())
}

/// The tills of the stores a viewer may see.
pub async fn visible_tills(st: &AppState, v: &Viewer) -> Result<Vec<Till>, super::WebError> {
    Ok(st
        .storage
        .list_tills()
        .await?
        .into_iter()
        .filter(|t| v.sees_store(t.store_id))
        .collect())
}

/// `GET /dashboard`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<OverviewQuery>,
) -> WebResult {
    let hours = q
        .offline_hours
        .unwrap_or(DEFAULT_OFFLINE_HOURS)
        .clamp(1, 24 * 365);
    let t = v.t();
    let now = Utc::now();
    let today = crate::storage::sql::business_day(now);
    let stores = visible_stores(&st, &v).await?;
    let names: HashMap<StoreId, String> = stores.iter().map(|s| (s.id, s.name.clone())).collect();
    let tills = visible_tills(&st, &v).await?;
    let till_store: HashMap<TillId, (StoreId, String)> = tills
        .iter()
        .map(|t| (t.id, (t.store_id, t.name.clone())))
        .collect();

    // Today's sales per store, from the aggregates.
    let mut per_store: HashMap<StoreId, (i64, Money)> = HashMap::new();
    for r in st
        .storage
        .dashboard()
        .report_by(ReportDim::Store, today, today, ReportSource::Aggregates)
        .await?
        .into_iter()
        .filter(|r| v.sees_store(r.store_id))
    {
        let e = per_store.entry(r.store_id).or_insert((0, Money::ZERO));
        e.0 += r.count;
        e.1 += r.gross;
    }
    let total_tickets: i64 = per_store.values().map(|x| x.0).sum();
    let total_gross: Money = per_store.values().map(|x| x.1).sum();
    let mut rows = String::new();
    for s in &stores {
        let (c, g) = per_store.get(&s.id).copied().unwrap_or((0, Money::ZERO));
        rows.push_str(&format!(
            "<tr data-store=\"{id}\"><td>{n}</td><td class=\"num\">{c}</td><td class=\"num\">{g}</td></tr>",
            id = s.id,
            n = esc(&s.name),
            c = t.int(c),
            g = t.money(g)
        ));
    }

    // Tills offline longer than the threshold (enrolled, not revoked).
    let limit = now - Duration::hours(hours);
    let mut offline = String::new();
    let mut offline_count = 0;
    for till in tills
        .iter()
        .filter(|x| x.enrolled_at.is_some() && x.revoked_at.is_none())
    {
        let last = till.last_push_at.or(till.enrolled_at);
        if last.is_some_and(|l| l >= limit) {
            continue;
        }
        offline_count += 1;
        let since = match till.last_push_at {
            Some(l) => t.msg_with(
                "overview-last-sync",
                &[("ago", &t.ago(l, now)), ("when", &t.datetime(l))],
            ),
            None => t.msg("overview-never-synced"),
        };
        offline.push_str(&format!(
            "<li><b>{}</b> · {} — <span class=\"badge warn\">{}</span></li>",
            esc(&till.name),
            esc(names.get(&till.store_id).map(String::as_str).unwrap_or("")),
            esc(&since)
        ));
    }
    if offline.is_empty() {
        offline = format!(
            "<p class=\"muted\">{}</p>",
            esc(&t.msg_with("overview-all-synced", &[("hours", &hours)]))
        );
    } else {
        offline = format!("<ul id=\"offline-tills\">{offline}</ul>");
    }

    // Open alerts of the visible tills (HQ also sees alerts tied to no till).
    let alerts: Vec<_> = st
        .storage
        .dashboard()
        .open_alerts()
        .await?
        .into_iter()
        .filter(|a| match a.till_id {
            Some(t) => till_store.contains_key(&t),
            None => v.scope().is_none(),
        })
        .collect();
    let alerts_html = if alerts.is_empty() {
        format!(
            "<p class=\"muted\">{}</p>",
            esc(&t.msg("overview-no-alerts"))
        )
    } else {
        let items: String = alerts
            .iter()
            .rev()
            .take(50)
            .map(|a| {
                let kind = match a.kind.as_str() {
                    "conflict" => t.msg("alert-conflict"),
                    "gap" => t.msg("alert-gap"),
                    "chain_break" => t.msg("alert-chain-break"),
                    "delivery_difference" => t.msg("alert-delivery-difference"),
                    "delivery_unknown" => t.msg("alert-delivery-unknown"),
                    other => other.to_string(),
                };
                format!(
                    "<li><span class=\"badge bad\">{}</span> {} <span class=\"muted\">{}</span></li>",
                    esc(&kind),
                    esc(&a.message),
                    t.datetime(a.created_at)
                )
            })
            .collect();
        format!("<ul id=\"alerts\">{items}</ul>")
    };

    let m = |k: &str| esc(&t.msg(k));
    let body = format!(
        "<h1>{title} <span class=\"muted\">{day}</span></h1>\
         <div class=\"kpis\"><div class=\"kpi\"><span>{k_sales}</span><b id=\"today-gross\">{gross}</b></div>\
         <div class=\"kpi\"><span>{k_tickets}</span><b id=\"today-tickets\">{tickets}</b></div>\
         <div class=\"kpi\"><span>{k_offline}</span><b>{offline_count}</b></div>\
         <div class=\"kpi\"><span>{k_alerts}</span><b>{alert_count}</b></div></div>\
         <div class=\"grid\"><section class=\"card\"><h2>{h_by_store}</h2>\
         <table id=\"today-by-store\"><thead><tr><th>{c_store}</th><th class=\"num\">{k_tickets}</th><th class=\"num\">{c_sales}</th></tr></thead>\
         <tbody>{rows}<tr class=\"total\"><td>{c_total}</td><td class=\"num\">{tickets}</td><td class=\"num\">{gross}</td></tr></tbody></table></section>\
         <section class=\"card\"><h2>{h_offline}</h2>{offline}</section></div>\
         <section class=\"card\"><h2>{h_alerts}</h2>{alerts_html}</section>\
         <p class=\"muted\">{refresh}</p>",
        title = m("overview-heading"),
        k_sales = m("overview-today-sales"),
        k_tickets = m("overview-tickets"),
        k_offline = esc(&t.msg_with("overview-offline-kpi", &[("hours", &hours)])),
        k_alerts = m("overview-open-alerts"),
        h_by_store = m("overview-by-store"),
        c_store = m("col-store"),
        c_sales = m("overview-sales"),
        c_total = m("total"),
        h_offline = m("overview-offline-tills"),
        h_alerts = m("overview-alerts"),
        refresh = esc(&t.msg_with(
            "overview-refresh",
            &[("seconds", &REFRESH_SECONDS), ("now", &t.datetime(now))]
        )),
        day = t.day(today),
        gross = t.money(total_gross),
        tickets = t.int(total_tickets),
        alert_count = t.int(alerts.len() as i64),
    );
    let head = format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">");
    Ok(ok(html::page_with_head_t(
        &v,
        "overview",
        &t.msg("overview-title"),
        &head,
        &body,
    )))
}
