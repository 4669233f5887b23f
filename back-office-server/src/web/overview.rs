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
        let (t, g) = per_store.get(&s.id).copied().unwrap_or((0, Money::ZERO));
        rows.push_str(&format!(
            "<tr data-store=\"{id}\"><td>{n}</td><td class=\"num\">{t}</td><td class=\"num\">{g}</td></tr>",
            id = s.id,
            n = esc(&s.name),
            g = html::money(g)
        ));
    }

    // Tills offline longer than the threshold (enrolled, not revoked).
    let limit = now - Duration::hours(hours);
    let mut offline = String::new();
    let mut offline_count = 0;
    for t in tills
        .iter()
        .filter(|t| t.enrolled_at.is_some() && t.revoked_at.is_none())
    {
        let last = t.last_push_at.or(t.enrolled_at);
        if last.is_some_and(|l| l >= limit) {
            continue;
        }
        offline_count += 1;
        let since = match t.last_push_at {
            Some(l) => format!(
                "última sincronización {} ({})",
                html::ago(l, now),
                html::madrid(l)
            ),
            None => "nunca ha sincronizado".into(),
        };
        offline.push_str(&format!(
            "<li><b>{}</b> · {} — <span class=\"badge warn\">{}</span></li>",
            esc(&t.name),
            esc(names.get(&t.store_id).map(String::as_str).unwrap_or("")),
            esc(&since)
        ));
    }
    if offline.is_empty() {
        offline = format!(
            "<p class=\"muted\">Todas las cajas han sincronizado en las últimas {hours} h.</p>"
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
        "<p class=\"muted\">No hay alertas abiertas.</p>".to_string()
    } else {
        let items: String = alerts
            .iter()
            .rev()
            .take(50)
            .map(|a| {
                let kind = match a.kind.as_str() {
                    "conflict" => "Conflicto de sincronización",
                    "gap" => "Hueco en la secuencia",
                    "chain_break" => "Cadena rota",
                    "delivery_difference" => "Albarán con diferencias",
                    "delivery_unknown" => "Albarán desconocido",
                    other => other,
                };
                format!(
                    "<li><span class=\"badge bad\">{}</span> {} <span class=\"muted\">{}</span></li>",
                    esc(kind),
                    esc(&a.message),
                    html::madrid(a.created_at)
                )
            })
            .collect();
        format!("<ul id=\"alerts\">{items}</ul>")
    };

    let body = format!(
        "<h1>Resumen de hoy <span class=\"muted\">{day}</span></h1>\
         <div class=\"kpis\"><div class=\"kpi\"><span>Ventas de hoy</span><b id=\"today-gross\">{gross}</b></div>\
         <div class=\"kpi\"><span>Tickets</span><b id=\"today-tickets\">{tickets}</b></div>\
         <div class=\"kpi\"><span>Cajas sin sincronizar (&gt; {hours} h)</span><b>{offline_count}</b></div>\
         <div class=\"kpi\"><span>Alertas abiertas</span><b>{alert_count}</b></div></div>\
         <div class=\"grid\"><section class=\"card\"><h2>Ventas por tienda</h2>\
         <table id=\"today-by-store\"><thead><tr><th>Tienda</th><th class=\"num\">Tickets</th><th class=\"num\">Ventas</th></tr></thead>\
         <tbody>{rows}<tr class=\"total\"><td>Total</td><td class=\"num\">{tickets}</td><td class=\"num\">{gross}</td></tr></tbody></table></section>\
         <section class=\"card\"><h2>Cajas sin conexión</h2>{offline}</section></div>\
         <section class=\"card\"><h2>Alertas</h2>{alerts_html}</section>\
         <p class=\"muted\">Se actualiza cada {REFRESH_SECONDS} s · {now}</p>",
        day = html::day(today),
        gross = html::money(total_gross),
        tickets = total_tickets,
        alert_count = alerts.len(),
        now = html::madrid(now),
    );
    let head = format!("<meta http-equiv=\"refresh\" content=\"{REFRESH_SECONDS}\">");
    Ok(ok(html::page_with_head(
        &v, "overview", "Resumen", &head, &body,
    )))
}
