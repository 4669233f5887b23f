//! The overview: today's sales (Europe/Madrid business day) across the franchise and per store,
//! tills that have not synced for a while, and open alerts. Reloads itself every 30 seconds.

use super::html;
use super::{Viewer, WebQuery, WebResult, ok};
use crate::app::AppState;
use crate::key;
use crate::storage::dashboard::{ReportDim, ReportSource};
use crate::storage::{Store, Till};
use axum::extract::State;
use chrono::{Duration, Utc};
use maud::html;
use serde::Deserialize;
use std::collections::HashMap;
use sync_protocol::{Money, StoreId};

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

    // Tills offline longer than the threshold (enrolled, not revoked), with when they last synced.
    let limit = now - Duration::hours(hours);
    let offline: Vec<(&Till, String)> = tills
        .iter()
        .filter(|x| x.enrolled_at.is_some() && x.revoked_at.is_none())
        .filter(|x| x.last_push_at.or(x.enrolled_at).is_none_or(|l| l < limit))
        .map(|till| {
            let since = match till.last_push_at {
                Some(l) => t.msg_with(
                    "overview-last-sync",
                    &[("ago", &t.ago(l, now)), ("when", &t.datetime(l))],
                ),
                None => t.msg(key!("overview-never-synced")),
            };
            (till, since)
        })
        .collect();

    // Tills HQ created that never enrolled: not offline, never online (no code was used yet).
    let never_enrolled: Vec<&Till> = tills
        .iter()
        .filter(|x| x.enrolled_at.is_none() && x.revoked_at.is_none())
        .collect();

    // Unresolved alerts the viewer may see (a manager: their stores'), in their language.
    let (alerts, open_alerts) = st
        .storage
        .alerts()
        .alerts(&crate::storage::alerts::AlertFilter {
            scope: v.scope().map(<[StoreId]>::to_vec),
            limit: 50,
            ..Default::default()
        })
        .await?;
    let alert_names = crate::services::alerts::Names::load(st.storage.as_ref()).await?;

    let on_hold = super::collections::on_hold_notice(&st, &v).await?;
    let m = |k: &str| t.msg(k);
    let gross = t.money(total_gross);
    let tickets = t.int(total_tickets);
    let body = html! {
        h1 { (m("overview-heading")) " " span class="muted" { (t.day(today)) } }
        div class="kpis" {
            div class="kpi" { span { (m("overview-today-sales")) } b id="today-gross" { (gross) } }
            div class="kpi" { span { (m("overview-tickets")) } b id="today-tickets" { (tickets) } }
            div class="kpi" {
                span { (t.msg_with(key!("overview-offline-kpi"), &[("hours", &hours)])) }
                b { (offline.len()) }
            }
            div class="kpi" { span { (m("overview-open-alerts")) } b id="open-alerts" { a href="/dashboard/alerts" { (t.int(i64::try_from(open_alerts).unwrap_or(i64::MAX))) } } }
        }
        div class="grid" {
            section class="card" {
                h2 { (m("overview-by-store")) }
                table id="today-by-store" {
                    thead { tr {
                        th { (m("col-store")) }
                        th class="num" { (m("overview-tickets")) }
                        th class="num" { (m("overview-sales")) }
                    } }
                    tbody {
                        @for s in &stores {
                            @let (c, g) = per_store.get(&s.id).copied().unwrap_or((0, Money::ZERO));
                            tr data-store=(s.id) {
                                td { (s.name) }
                                td class="num" { (t.int(c)) }
                                td class="num" { (t.money(g)) }
                            }
                        }
                        tr class="total" {
                            td { (m("total")) }
                            td class="num" { (tickets) }
                            td class="num" { (gross) }
                        }
                    }
                }
            }
            section class="card" {
                h2 { (m("overview-offline-tills")) }
                @if offline.is_empty() && never_enrolled.is_empty() {
                    (html::muted(&t.msg_with(key!("overview-all-synced"), &[("hours", &hours)])))
                } @else if offline.is_empty() {
                    (html::muted(&t.msg_with(key!("overview-enrolled-synced"), &[("hours", &hours)])))
                }
                @if !offline.is_empty() {
                    p id="offline-count" { (t.msg_with(key!("overview-offline-count"), &[("count", &offline.len()), ("hours", &hours)])) }
                    ul id="offline-tills" {
                        @for (till, since) in &offline {
                            li {
                                b { (till.name) } " · "
                                (names.get(&till.store_id).map(String::as_str).unwrap_or(""))
                                " — " (html::badge("warn", since))
                            }
                        }
                    }
                }
                @if !never_enrolled.is_empty() {
                    p id="unenrolled-count" { (t.msg_with(key!("overview-never-enrolled-count"), &[("count", &never_enrolled.len())])) }
                    ul id="unenrolled-tills" {
                        @for till in &never_enrolled {
                            li {
                                a href="/dashboard/tills" { b { (till.name) } } " · "
                                (names.get(&till.store_id).map(String::as_str).unwrap_or(""))
                                " — " (html::badge("", &m("overview-never-enrolled")))
                            }
                        }
                    }
                }
            }
        }
        section class="card" {
            h2 { (m("overview-alerts")) }
            @if alerts.is_empty() {
                (html::muted(&m("overview-no-alerts")))
            } @else {
                ul id="alerts" {
                    @for a in &alerts {
                        li data-kind=(a.kind) {
                            (super::alerts::alert_line(&v, &alert_names, a)) " "
                            span class="muted" { (t.datetime(a.created_at)) }
                            @if a.acknowledged_at.is_some() {
                                " " (html::badge("", &m("alert-state-acknowledged")))
                            }
                        }
                    }
                }
                p { a href="/dashboard/alerts" id="all-alerts" { (t.msg_with(key!("overview-all-alerts"), &[("count", &open_alerts)])) } }
            }
        }
        (on_hold)
        p class="muted" {
            (t.msg_with(key!("overview-refresh"), &[("seconds", &REFRESH_SECONDS), ("now", &t.datetime(now))]))
        }
    };
    let head = html! { meta http-equiv="refresh" content=(REFRESH_SECONDS); };
    Ok(ok(html::page_with_head(
        &v,
        "overview",
        &t.msg(key!("overview-title")),
        head,
        body,
    )))
}
