//! The alerts page: every alert the viewer may see in their language, filtered by state, kind,
//! store and severity, a page at a time; acknowledge and resolve with a note (an admin any alert,
//! a store manager their stores' alerts); and the viewer's own daily digest settings.

use super::forms::ScopedWriteForm;
use super::{SessionForm, Viewer, WebError, WebPath, WebQuery, WebResult, html, ok, see_other};
use crate::app::AppState;
use crate::i18n::Lang;
use crate::key;
use crate::services::alerts::{
    self as svc, HandleError, Handling, Names, kind_title, severity_name, state_name,
};
use crate::storage::alerts::{AlertFilter, AlertRecord, AlertState, Severity};
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use sync_protocol::StoreId;

/// Alerts per page.
pub const PAGE_SIZE: u64 = 50;

#[derive(Debug, Default, Deserialize)]
pub struct AlertsQuery {
    /// `open`, `acknowledged`, `resolved`, `all`; empty: everything not resolved.
    pub state: Option<String>,
    pub kind: Option<String>,
    pub store: Option<String>,
    pub severity: Option<String>,
    pub page: Option<u64>,
    pub done: Option<String>,
}

/// The badge class of a severity.
pub fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "bad",
        Severity::Warning => "warn",
        Severity::Info => "",
    }
}

/// One alert as a list item (the overview) or a table row's text: severity, kind, the sentence
/// linking to what it is about.
pub fn alert_line(v: &Viewer, names: &Names, a: &AlertRecord) -> Markup {
    let t = v.t();
    let s = svc::describe(t, names, a);
    html! {
        (html::badge(severity_class(a.severity), &severity_name(t, a.severity))) " "
        b { (s.title) } " · "
        a href=(s.link) { (s.text) }
    }
}

fn bad_filter(t: &crate::i18n::Tr, field: &str, value: &str) -> WebError {
    WebError::invalid(t.msg_with(
        key!("alerts-bad-filter"),
        &[("field", &field), ("value", &value)],
    ))
}

/// `GET /dashboard/alerts`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<AlertsQuery>,
) -> WebResult {
    let t = v.t();
    let nonempty = |o: &Option<String>| {
        o.as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
    };
    let state_q = nonempty(&q.state);
    let (state, any_state) = match state_q.as_deref() {
        None => (None, false),
        Some("all") => (None, true),
        Some(s) => (
            Some(AlertState::parse(s).ok_or_else(|| bad_filter(t, "state", s))?),
            false,
        ),
    };
    let severity = match nonempty(&q.severity) {
        None => None,
        Some(s) => Some(Severity::parse(&s).ok_or_else(|| bad_filter(t, "severity", &s))?),
    };
    let store = match nonempty(&q.store) {
        None => None,
        Some(s) => {
            let id = s.parse::<i64>().map_err(|_| bad_filter(t, "store", &s))?;
            if !v.sees_store(StoreId(id)) {
                return Err(WebError::not_found_t(t));
            }
            Some(StoreId(id))
        }
    };
    let kind = nonempty(&q.kind);
    let page = q.page.unwrap_or(1).clamp(1, 100_000);
    let filter = AlertFilter {
        state,
        any_state,
        kind: kind.clone(),
        store,
        severity,
        scope: v.scope().map(<[StoreId]>::to_vec),
        offset: (page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
    };
    let (alerts, total) = st.storage.alerts().alerts(&filter).await?;
    let names = Names::load(st.storage.as_ref()).await?;
    let kinds = st.storage.alerts().alert_kinds().await?;
    let stores = super::overview::visible_stores(&st, &v).await?;
    let digest = st.storage.alerts().digest_settings(v.user.id).await?;
    let m = |k: &str| t.msg(k);
    let query = format!(
        "state={}&kind={}&store={}&severity={}",
        html::url(state_q.as_deref().unwrap_or("")),
        html::url(kind.as_deref().unwrap_or("")),
        store.map(|s| s.0.to_string()).unwrap_or_default(),
        severity.map(Severity::as_str).unwrap_or("")
    );
    let has_next = page * PAGE_SIZE < total;
    let body = html! {
        h1 { (m("alerts-heading")) }
        (html::done(q.done.as_deref().map(|d| match d {
            "acknowledged" => m("alerts-done-acknowledged"),
            "resolved" => m("alerts-done-resolved"),
            _ => m("alerts-done-digest"),
        }).as_deref()))
        form class="card filters" method="get" action="/dashboard/alerts" {
            label { (m("alerts-filter-state")) " " select name="state" id="state" {
                option value="" selected[state_q.is_none()] { (m("alerts-state-unresolved")) }
                @for s in AlertState::ALL {
                    option value=(s.as_str()) selected[state == Some(s)] { (state_name(t, s)) }
                }
                option value="all" selected[any_state] { (m("alerts-state-all")) }
            } }
            " "
            label { (m("alerts-filter-kind")) " " select name="kind" id="kind" {
                option value="" { (m("alerts-any")) }
                @for k in &kinds {
                    option value=(k) selected[kind.as_deref() == Some(k.as_str())] { (kind_title(t, k)) }
                }
            } }
            " "
            label { (m("alerts-filter-store")) " " select name="store" id="store" {
                option value="" { (m("alerts-any")) }
                @for s in &stores {
                    option value=(s.id.0) selected[store == Some(s.id)] { (s.name) }
                }
            } }
            " "
            label { (m("alerts-filter-severity")) " " select name="severity" id="severity" {
                option value="" { (m("alerts-any")) }
                @for s in Severity::ALL {
                    option value=(s.as_str()) selected[severity == Some(s)] { (severity_name(t, s)) }
                }
            } }
            " "
            button type="submit" { (m("alerts-filter")) }
        }
        section class="card" {
            p class="muted" id="alerts-total" { (t.msg_with(key!("alerts-total"), &[("count", &total)])) }
            @if alerts.is_empty() {
                (html::muted(&m("alerts-empty")))
            } @else {
                table id="alerts" {
                    thead { tr {
                        th { (m("alerts-col-alert")) }
                        th { (m("col-store")) }
                        th { (m("alerts-col-raised")) }
                        th { (m("alerts-col-state")) }
                        th {}
                    } }
                    tbody {
                        @for a in &alerts {
                            tr id={ "alert_" (a.id) } data-kind=(a.kind) data-state=(a.state().as_str()) {
                                td { (alert_line(&v, &names, a)) }
                                td { (svc::describe(t, &names, a).store) }
                                td { (t.datetime(a.created_at)) }
                                td { (handling(&v, a)) }
                                td { (actions(&v, a)) }
                            }
                        }
                    }
                }
            }
            div class="pager" {
                @if page > 1 {
                    a href={ "/dashboard/alerts?" (query) "&page=" (page - 1) } { "← " (m("pager-previous")) }
                }
                span class="muted" { (t.msg_with(key!("pager-page"), &[("page", &page)])) }
                @if has_next {
                    a id="next-page" href={ "/dashboard/alerts?" (query) "&page=" (page + 1) } { (m("pager-next")) " →" }
                }
            }
        }
        section class="card" id="digest" {
            h2 { (m("alerts-digest-title")) }
            p class="muted" { (m(match v.user.role {
                crate::storage::dashboard::DashboardRole::Admin => "alerts-digest-help-admin",
                crate::storage::dashboard::DashboardRole::Manager => "alerts-digest-help-manager",
                crate::storage::dashboard::DashboardRole::Franchisee => "alerts-digest-help-franchisee",
                crate::storage::dashboard::DashboardRole::Analyst => "alerts-digest-help-analyst",
            })) }
            form method="post" action="/dashboard/alerts/digest" {
                (v.csrf_field())
                label { (m("alerts-digest-email")) " "
                    input type="email" name="email" id="digest-email" value=(digest.email) maxlength="254";
                }
                " "
                label { input type="checkbox" name="enabled" value="on" id="digest-enabled" checked[digest.enabled]; " " (m("alerts-digest-enabled")) }
                " "
                label { (m("alerts-digest-language")) " " select name="language" id="digest-language" {
                    @for l in Lang::ALL {
                        @let current = if digest.email.is_empty() { v.lang.code() } else { digest.language.as_str() };
                        option value=(l.code()) selected[current == l.code()] { (l.code().to_uppercase()) }
                    }
                } }
                " "
                button type="submit" { (m("save")) }
            }
        }
    };
    Ok(ok(html::page(&v, "alerts", &m("alerts-title"), body)))
}

/// Who acknowledged or resolved it, when, with which note.
fn handling(v: &Viewer, a: &AlertRecord) -> Markup {
    let t = v.t();
    let state = a.state();
    html! {
        (html::badge(match state { AlertState::Open => "warn", AlertState::Acknowledged => "", AlertState::Resolved => "ok" }, &state_name(t, state)))
        @if let Some(at) = a.acknowledged_at {
            div class="muted" {
                (t.msg_with(key!("alerts-acknowledged-by"), &[
                    ("who", &a.acknowledged_by.clone().unwrap_or_default()),
                    ("when", &t.datetime(at)),
                ]))
                @if let Some(n) = &a.acknowledge_note { ": " q { (n) } }
            }
        }
        @if let Some(at) = a.resolved_at {
            div class="muted" {
                @match &a.resolved_by {
                    Some(who) => (t.msg_with(key!("alerts-resolved-by"), &[("who", who), ("when", &t.datetime(at))])),
                    None => (t.msg_with(key!("alerts-resolved-auto"), &[("when", &t.datetime(at))])),
                }
                @if let Some(n) = &a.resolve_note { ": " q { (n) } }
            }
        }
    }
}

/// The acknowledge and resolve forms, for someone who may handle the alert.
fn actions(v: &Viewer, a: &AlertRecord) -> Markup {
    let t = v.t();
    let state = a.state();
    if state == AlertState::Resolved || !svc::may_handle(&v.user, a) {
        return html! {};
    }
    html! {
        form method="post" action={ "/dashboard/alerts/" (a.id) "/handle" } class="inline" {
            (v.csrf_field())
            input type="text" name="note" maxlength="1000" placeholder=(t.msg(key!("alerts-note")));
            " "
            @if state == AlertState::Open {
                button type="submit" name="action" value="acknowledge" { (t.msg(key!("alerts-acknowledge"))) }
                " "
            }
            button type="submit" name="action" value="resolve" { (t.msg(key!("alerts-resolve"))) }
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct HandleForm {
    pub action: String,
    #[serde(default)]
    pub note: String,
}

/// `POST /dashboard/alerts/{id}/handle`: acknowledge or resolve.
pub async fn handle(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    ScopedWriteForm(v, f): ScopedWriteForm<HandleForm>,
) -> WebResult {
    let t = v.t();
    let how = match f.action.as_str() {
        "acknowledge" => Handling::Acknowledge,
        "resolve" => Handling::Resolve,
        other => return Err(bad_filter(t, "action", other)),
    };
    match svc::handle(st.storage.as_ref(), &v.user, id, how, &f.note, Utc::now()).await {
        Ok(_) => Ok(see_other(&format!(
            "/dashboard/alerts?done={}",
            match how {
                Handling::Acknowledge => "acknowledged",
                Handling::Resolve => "resolved",
            }
        ))),
        Err(HandleError::Forbidden) => Err(WebError::new(
            StatusCode::FORBIDDEN,
            t.msg(key!("alerts-not-yours")),
        )),
        Err(HandleError::Storage(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct DigestForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub enabled: Option<String>,
    #[serde(default)]
    pub language: String,
}

/// `POST /dashboard/alerts/digest`: the viewer's own digest address, on/off and language.
pub async fn save_digest(
    State(st): State<AppState>,
    SessionForm(v, f): SessionForm<DigestForm>,
) -> WebResult {
    svc::set_digest(
        st.storage.as_ref(),
        v.user.id,
        &f.email,
        f.enabled.is_some(),
        &f.language,
    )
    .await?;
    Ok(see_other("/dashboard/alerts?done=digest"))
}
