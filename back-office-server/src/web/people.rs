//! People and access: the dashboard's users (create, edit role and stores, disable and enable,
//! reset a password, end sessions), one's own password, HQ's admin API tokens, and the audit log
//! of every such change. HQ admins change; analysts read; store managers only change their own
//! password.

use super::html::{self, url};
use super::stores::DoneQuery;
use super::{
    SessionForm, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other,
};
use crate::app::AppState;
use crate::key;
use crate::services::people::{self as svc, AUDIT_KINDS};
use crate::storage::dashboard::DashboardRole;
use crate::storage::people::AuditFilter;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{FranchiseeId, StoreId};

/// Audit lines per page.
pub const AUDIT_PAGE: u64 = 50;

/// HQ's pages (people, tokens, audit) are for admins and analysts: a store manager gets a 403.
fn hq_only(v: &Viewer) -> Result<(), WebError> {
    if v.is_hq() {
        Ok(())
    } else {
        Err(WebError::forbidden(v.t().msg(key!("people-hq-only"))))
    }
}

fn role_of(v: &Viewer, r: &str) -> Result<DashboardRole, WebError> {
    DashboardRole::parse(r).ok_or_else(|| WebError::invalid(v.t().msg(key!("people-choose-role"))))
}

/// The stores ticked on a form (`stores=1&stores=2`), read from the raw pairs.
fn stores_of(v: &Viewer, pairs: &[(String, String)]) -> Result<Vec<StoreId>, WebError> {
    let mut out: Vec<StoreId> = Vec::new();
    for (k, val) in pairs {
        if k == "stores" && !val.trim().is_empty() {
            let id = val
                .trim()
                .parse::<i64>()
                .map(StoreId)
                .map_err(|_| WebError::invalid(v.t().msg(key!("choose-a-store"))))?;
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

fn role_select(v: &Viewer, current: DashboardRole) -> Markup {
    let t = v.t();
    html! {
        select name="role" id="role" {
            @for r in [DashboardRole::Admin, DashboardRole::Analyst, DashboardRole::Manager, DashboardRole::Franchisee] {
                option value=(r.as_str()) selected[r == current] { (html::role_name(t, r)) }
            }
        }
    }
}

/// The franchisee chosen on a form (`franchisee=3`; empty: none).
fn franchisee_of(v: &Viewer, pairs: &[(String, String)]) -> Result<Option<FranchiseeId>, WebError> {
    match field(pairs, "franchisee").trim() {
        "" => Ok(None),
        f => f
            .parse::<i64>()
            .map(|f| Some(FranchiseeId(f)))
            .map_err(|_| WebError::invalid(v.t().msg(key!("people-choose-franchisee")))),
    }
}

/// The franchisee a franchisee user belongs to (franchisee users only).
async fn franchisee_select(
    st: &AppState,
    v: &Viewer,
    current: Option<FranchiseeId>,
) -> Result<Markup, WebError> {
    let list = st.storage.list_franchisees().await?;
    Ok(html! {
        label { (v.t().msg(key!("people-franchisee"))) " "
            select name="franchisee" id="franchisee" {
                option value="" selected[current.is_none()] { "—" }
                @for f in &list {
                    option value=(f.id) selected[current == Some(f.id)] { (f.legal_name) }
                }
            }
        }
    })
}

async fn store_boxes(st: &AppState, ticked: &[StoreId]) -> Result<Markup, WebError> {
    let stores = st.storage.list_stores().await?;
    Ok(html! {
        span class="stores" {
            @for s in &stores {
                label class="check" {
                    input type="checkbox" name="stores" value=(s.id) checked[ticked.contains(&s.id)];
                    " " (s.name)
                }
                " "
            }
        }
    })
}

// --- users --------------------------------------------------------------------------------------

/// `GET /dashboard/users`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let users = st.storage.people().list_users(Utc::now()).await?;
    let stores = st.storage.list_stores().await?;
    let store_names = |ids: &[StoreId]| {
        ids.iter()
            .map(|id| {
                stores
                    .iter()
                    .find(|s| s.id == *id)
                    .map_or_else(|| id.to_string(), |s| s.name.clone())
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    let boxes = store_boxes(&st, &[]).await?;
    let franchisees = franchisee_select(&st, &v, None).await?;
    let franchisee_names: BTreeMap<FranchiseeId, String> = st
        .storage
        .list_franchisees()
        .await?
        .into_iter()
        .map(|f| (f.id, f.legal_name))
        .collect();
    let body = html! {
        h1 { (m("people-title")) }
        (html::done(q.done.as_deref()))
        p { a href="/dashboard/tokens" { (m("tokens-title")) } " · " a href="/dashboard/audit" { (m("audit-title")) } " · " a href="/dashboard/account" { (m("account-title")) } }
        section class="card" {
            table id="users" {
                thead { tr {
                    th { (m("people-username")) } th { (m("field-name")) } th { (m("col-role")) }
                    th { (m("people-stores")) } th { (m("col-state")) } th class="num" { (m("people-sessions")) }
                } }
                tbody {
                    @for u in &users {
                        tr data-user=(u.id) {
                            td { a href={ "/dashboard/users/" (u.id) } { (u.username) } }
                            td { (u.display_name) }
                            td { (html::role_name(t, u.role)) }
                            td { @match u.franchisee {
                                Some(f) => { (m("people-franchisee")) ": " (franchisee_names.get(&f).cloned().unwrap_or_else(|| f.to_string())) }
                                None => { (store_names(&u.stores)) }
                            } }
                            td { @if u.disabled { (html::badge("bad", &m("people-disabled"))) } @else { (m("people-active")) } }
                            td class="num" { (u.sessions) }
                        }
                    }
                }
            }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("people-new")) }
                form method="post" action="/dashboard/users" {
                    (v.csrf_field())
                    p class="row" {
                        label { (m("people-username")) " " input name="username" required maxlength="64"; }
                        label { (m("field-name")) " " input name="display_name" maxlength="200"; }
                        label { (m("col-role")) " " (role_select(&v, DashboardRole::Analyst)) }
                        label { (m("people-password")) " " input type="password" name="password" required minlength="10" autocomplete="new-password"; }
                    }
                    p { (m("people-stores-help")) " " (boxes) }
                    p { (franchisees) " " span class="muted" { (m("people-franchisee-help")) } }
                    p { button type="submit" { (m("create")) } }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "people", &m("people-title"), body)))
}

/// `POST /dashboard/users`.
pub async fn create(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<Vec<(String, String)>>,
) -> WebResult {
    let t = v.t();
    let role = role_of(&v, field(&f, "role"))?;
    let stores = stores_of(&v, &f)?;
    let franchisee = franchisee_of(&v, &f)?;
    let username = field(&f, "username").trim().to_lowercase();
    svc::create_user(
        st.storage.as_ref(),
        &svc::actor(&v.user),
        &username,
        field(&f, "display_name"),
        field(&f, "password"),
        role,
        stores,
        franchisee,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/users?done={}",
        url(&t.msg_with(key!("people-created"), &[("name", &username)]))
    )))
}

/// `GET /dashboard/users/{id}`.
pub async fn show(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let u = st.storage.people().get_user(id, Utc::now()).await?;
    let boxes = store_boxes(&st, &u.stores).await?;
    let franchisees = franchisee_select(&st, &v, u.franchisee).await?;
    let action = |what: &str| format!("/dashboard/users/{id}/{what}");
    let body = html! {
        p { a href="/dashboard/users" { "← " (m("people-title")) } }
        h1 { (u.username) }
        (html::done(q.done.as_deref()))
        section class="card" {
            p {
                (html::role_name(t, u.role)) " · "
                @if u.disabled { (html::badge("bad", &m("people-disabled"))) } @else { (m("people-active")) }
                " · " (t.msg_with(key!("people-sessions-open"), &[("count", &u.sessions)]))
                " · " (t.msg_with(key!("people-created-at"), &[("at", &t.datetime(u.created_at))]))
            }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("people-edit")) }
                form method="post" action={ "/dashboard/users/" (id) } {
                    (v.csrf_field())
                    p class="row" {
                        label { (m("field-name")) " " input name="display_name" value=(u.display_name) required maxlength="200"; }
                        label { (m("col-role")) " " (role_select(&v, u.role)) }
                    }
                    p { (m("people-stores-help")) " " (boxes) }
                    p { (franchisees) " " span class="muted" { (m("people-franchisee-help")) } }
                    p { button type="submit" id="save-user" { (m("save")) } }
                }
            }
            div class="grid" {
                section class="card" {
                    h2 { (m("people-password-reset")) }
                    p class="muted" { (m("people-password-reset-help")) }
                    form class="row" method="post" action=(action("password")) {
                        (v.csrf_field())
                        input type="password" name="password" minlength="10" autocomplete="new-password"
                            aria-label=(m("people-password")) placeholder=(m("people-password-placeholder"));
                        button type="submit" { (m("people-password-reset")) }
                    }
                }
                section class="card" {
                    h2 { (m("people-access")) }
                    form class="inline" method="post" action=(action("state")) {
                        (v.csrf_field())
                        input type="hidden" name="disabled" value=(if u.disabled { "false" } else { "true" });
                        button type="submit" id="toggle-user" {
                            (m(if u.disabled { "people-enable" } else { "people-disable" }))
                        }
                    }
                    " "
                    form class="inline" method="post" action=(action("sessions")) {
                        (v.csrf_field())
                        button type="submit" class="secondary" id="end-sessions" { (m("people-end-sessions")) }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "people", &u.username, body)))
}

/// `POST /dashboard/users/{id}`: name, role and stores.
pub async fn save(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<Vec<(String, String)>>,
) -> WebResult {
    let t = v.t();
    let role = role_of(&v, field(&f, "role"))?;
    let stores = stores_of(&v, &f)?;
    let franchisee = franchisee_of(&v, &f)?;
    svc::edit_user(
        st.storage.as_ref(),
        &svc::actor(&v.user),
        id,
        field(&f, "display_name"),
        role,
        stores,
        franchisee,
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/users/{id}?done={}",
        url(&t.msg(key!("people-saved")))
    )))
}

#[derive(Debug, Deserialize)]
pub struct StateForm {
    #[serde(default)]
    pub disabled: String,
}

/// `POST /dashboard/users/{id}/state`: `disabled=true` disables (and signs out), `false` enables.
pub async fn set_state(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<StateForm>,
) -> WebResult {
    let t = v.t();
    let disabled = match f.disabled.trim() {
        "true" => true,
        "false" => false,
        _ => return Err(WebError::invalid(t.msg(key!("people-bad-state")))),
    };
    svc::set_disabled(st.storage.as_ref(), &svc::actor(&v.user), id, disabled).await?;
    Ok(see_other(&format!(
        "/dashboard/users/{id}?done={}",
        url(&t.msg(if disabled {
            "people-disabled-done"
        } else {
            "people-enabled-done"
        }))
    )))
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    pub password: String,
}

/// `POST /dashboard/users/{id}/password`: the password typed, or a one-time one shown on this
/// answer only (never in a link or the log). Every session of the user ends.
pub async fn reset_password(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<PasswordForm>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let generated = svc::reset_password(
        st.storage.as_ref(),
        &svc::actor(&v.user),
        id,
        Some(f.password.as_str()),
    )
    .await?;
    let Some(p) = generated else {
        return Ok(see_other(&format!(
            "/dashboard/users/{id}?done={}",
            url(&m("people-password-set"))
        )));
    };
    let body = html! {
        p { a href={ "/dashboard/users/" (id) } { "← " (m("people-title")) } }
        section class="card" {
            h1 { (m("people-password-reset")) }
            p { (m("people-one-time-shown-once")) }
            p { code id="one-time-password" { (p) } }
        }
    };
    let mut res = ok(html::page(&v, "people", &m("people-password-reset"), body));
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /dashboard/users/{id}/sessions`: signs the user out everywhere.
pub async fn end_sessions(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, _): WriteForm<Vec<(String, String)>>,
) -> WebResult {
    let t = v.t();
    let n = svc::end_sessions(st.storage.as_ref(), &svc::actor(&v.user), id).await?;
    Ok(see_other(&format!(
        "/dashboard/users/{id}?done={}",
        url(&t.msg_with(key!("people-sessions-ended"), &[("count", &n)]))
    )))
}

// --- one's own account ------------------------------------------------------------------------

/// `GET /dashboard/account`: change one's own password (every role).
pub async fn account(v: Viewer, WebQuery(q): WebQuery<DoneQuery>) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let body = html! {
        h1 { (m("account-title")) }
        (html::done(q.done.as_deref()))
        @if v.user.must_change_password {
            p class="error" role="alert" id="must-change-password" { (m("account-must-change")) }
        }
        section class="card" {
            p { (v.user.username) " · " (html::role_name(t, v.user.role)) }
            h2 { (m("account-change-password")) }
            form method="post" action="/dashboard/account/password" {
                (v.csrf_field())
                p class="row" {
                    label { (m("account-current")) " " input type="password" name="current" required autocomplete="current-password"; }
                    label { (m("account-new")) " " input type="password" name="new" required minlength="10" autocomplete="new-password"; }
                }
                p { button type="submit" { (m("save")) } }
            }
        }
    };
    Ok(ok(html::page(&v, "account", &m("account-title"), body)))
}

#[derive(Debug, Deserialize)]
pub struct OwnPasswordForm {
    #[serde(default)]
    pub current: String,
    #[serde(default)]
    pub new: String,
}

/// `POST /dashboard/account/password`: needs the current password; other sessions end.
pub async fn change_password(
    State(st): State<AppState>,
    SessionForm(v, f): SessionForm<OwnPasswordForm>,
) -> WebResult {
    let t = v.t();
    svc::change_own_password(
        st.storage.as_ref(),
        &v.user,
        &f.current,
        &f.new,
        &v.token_hash,
    )
    .await
    .map_err(|e| match e {
        // A wrong current password is the person's mistake: 422, not a conflict.
        crate::storage::StorageError::Invalid(p) => {
            WebError::problem(StatusCode::UNPROCESSABLE_ENTITY, p)
        }
        other => WebError::from(other),
    })?;
    Ok(see_other(&format!(
        "/dashboard/account?done={}",
        url(&t.msg(key!("account-password-changed")))
    )))
}

// --- admin API tokens ---------------------------------------------------------------------------

/// `GET /dashboard/tokens`.
pub async fn tokens(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let tokens = st.storage.people().list_admin_tokens().await?;
    let body = html! {
        p { a href="/dashboard/users" { "← " (m("people-title")) } }
        h1 { (m("tokens-title")) }
        (html::done(q.done.as_deref()))
        section class="card" {
            p class="muted" { (m("tokens-help")) }
            table id="tokens" {
                thead { tr {
                    th { "#" } th { (m("field-name")) } th { (m("tokens-created")) }
                    th { (m("tokens-last-used")) } th { (m("col-state")) } th {}
                } }
                tbody {
                    @for k in &tokens {
                        tr data-token=(k.id) {
                            td { (k.id) }
                            td { (k.name) }
                            td { (t.datetime(k.created_at)) }
                            td { @match k.last_used_at { Some(at) => (t.datetime(at)), None => span class="muted" { (m("tokens-never")) } } }
                            td { @match k.revoked_at {
                                Some(at) => (html::badge("bad", &t.msg_with(key!("tokens-revoked-at"), &[("at", &t.datetime(at))]))),
                                None => (m("people-active")),
                            } }
                            td { @if v.can_write() && k.revoked_at.is_none() {
                                form class="inline" method="post" action={ "/dashboard/tokens/" (k.id) "/revoke" } {
                                    (v.csrf_field())
                                    button type="submit" class="secondary" { (m("tokens-revoke")) }
                                }
                            } }
                        }
                    }
                }
            }
            @if tokens.is_empty() { (html::muted(&m("tokens-empty"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("tokens-new")) }
                form class="row" method="post" action="/dashboard/tokens" {
                    (v.csrf_field())
                    label { (m("field-name")) " " input name="name" required maxlength="200" placeholder=(m("tokens-name-placeholder")); }
                    button type="submit" { (m("create")) }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "people", &m("tokens-title"), body)))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    pub name: String,
}

/// `POST /dashboard/tokens`: the new token is on this answer only.
pub async fn create_token(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<TokenForm>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let (id, token) = svc::create_token(st.storage.as_ref(), &svc::actor(&v.user), &f.name).await?;
    let body = html! {
        p { a href="/dashboard/tokens" { "← " (m("tokens-title")) } }
        section class="card" {
            h1 { (t.msg_with(key!("tokens-created-title"), &[("id", &id)])) }
            p { (m("tokens-shown-once")) }
            p { code id="new-token" { (token) } }
        }
    };
    let mut res = ok(html::page(&v, "people", &m("tokens-title"), body));
    res.headers_mut().insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    Ok(res)
}

/// `POST /dashboard/tokens/{id}/revoke`.
pub async fn revoke_token(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, _): WriteForm<Vec<(String, String)>>,
) -> WebResult {
    let t = v.t();
    svc::revoke_token(st.storage.as_ref(), &svc::actor(&v.user), id).await?;
    Ok(see_other(&format!(
        "/dashboard/tokens?done={}",
        url(&t.msg_with(key!("tokens-revoked"), &[("id", &id)]))
    )))
}

// --- the audit log ------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct AuditQuery {
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub kind: String,
    pub page: Option<String>,
}

/// `GET /dashboard/audit?user=&kind=&page=` (admins and analysts).
pub async fn audit(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<AuditQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let page = match q.page.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        None => 1,
        Some(p) => p
            .parse::<u64>()
            .ok()
            .filter(|n| (1..=1_000_000).contains(n))
            .ok_or_else(|| {
                WebError::new(
                    StatusCode::BAD_REQUEST,
                    t.msg_with(key!("error-bad-query"), &[("detail", &p)]),
                )
            })?,
    };
    let user = q.user.trim();
    let kind = q.kind.trim();
    if !kind.is_empty() && !AUDIT_KINDS.contains(&kind) {
        return Err(WebError::new(
            StatusCode::BAD_REQUEST,
            t.msg_with(key!("error-bad-query"), &[("detail", &kind)]),
        ));
    }
    let mut rows = st
        .storage
        .people()
        .audit(&AuditFilter {
            actor: Some(user.to_string()).filter(|s| !s.is_empty()),
            kind: Some(kind.to_string()).filter(|s| !s.is_empty()),
            offset: (page - 1) * AUDIT_PAGE,
            limit: AUDIT_PAGE + 1,
        })
        .await?;
    let has_next = rows.len() as u64 > AUDIT_PAGE;
    rows.truncate(AUDIT_PAGE as usize);
    let actors = st.storage.people().audit_actors().await?;
    let qs = format!("user={}&kind={}", url(user), url(kind));
    let kind_label = |k: &str| {
        let key = format!("audit-kind-{}", k.replace(['.', '_'], "-"));
        let s = t.msg(&key);
        if s == key { k.to_string() } else { s }
    };
    let body = html! {
        h1 { (m("audit-title")) }
        form class="row" method="get" action="/dashboard/audit" {
            label { (m("audit-user")) " " select name="user" id="audit-user" {
                option value="" { (m("audit-everyone")) }
                @for a in &actors { option value=(a) selected[a == user] { (a) } }
            } }
            label { (m("audit-kind")) " " select name="kind" id="audit-kind" {
                option value="" { (m("audit-every-kind")) }
                @for k in AUDIT_KINDS { option value=(k) selected[*k == kind] { (kind_label(k)) } }
            } }
            button type="submit" { (m("audit-filter")) }
        }
        section class="card" {
            table id="audit" {
                thead { tr {
                    th { (m("audit-when")) } th { (m("audit-user")) } th { (m("audit-kind")) }
                    th { (m("audit-target")) } th { (m("audit-change")) }
                } }
                tbody {
                    @for r in &rows {
                        tr data-kind=(r.kind) {
                            td { (t.datetime(r.at)) }
                            td { (r.actor) }
                            td { (kind_label(&r.kind)) }
                            td { (r.target) }
                            td { (r.summary) }
                        }
                    }
                }
            }
            @if rows.is_empty() { (html::muted(&m("audit-empty"))) }
            div class="pager" {
                @if page > 1 {
                    a href={ "/dashboard/audit?" (qs) "&page=" (page - 1) } { "← " (m("pager-previous")) }
                }
                span class="muted" { (t.msg_with(key!("pager-page"), &[("page", &page)])) }
                @if has_next {
                    a id="next-page" href={ "/dashboard/audit?" (qs) "&page=" (page + 1) } { (m("pager-next")) " →" }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "audit", &m("audit-title"), body)))
}
