//! Signing in and out. The sign-in form carries its own CSRF token (a short-lived cookie it must
//! match); failed attempts are counted per user name and per address and limited (5 per 15 minutes).

use super::html;
use super::{
    Lang, SESSION_COOKIE, SessionForm, SignInForm, Tr, Viewer, WebError, WebResult, see_other,
};
use crate::http::{AppState, blocking};
use crate::storage::dashboard::{DashboardRole, NewDashboardUser};
use axum::extract::{ConnectInfo, State};
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::net::SocketAddr;
use sync_protocol::StoreId;

/// Failed sign-ins allowed per user name within [`FAILURE_WINDOW_MINUTES`].
pub const MAX_FAILURES: u64 = 5;
/// Failed sign-ins allowed per address (higher: a shop or an office shares one address).
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
pub const FAILURE_WINDOW_MINUTES: i64 = 15;
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The sign-in form's own CSRF cookie (double submit: the form carries the same token).
pub(crate) const LOGIN_COOKIE: &str = "trastienda_login";

/// An argon2 hash checked when the user name is unknown, so the answer takes as long either way.
fn dummy_hash() -> String {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| crate::auth::hash_password("not a real password").unwrap_or_default())
        .clone()
}

fn form_page(t: &Tr, token: &str, username: &str, error: Option<&str>) -> Markup {
    let title = t.msg("login-title");
    let body = html! {
        section class="card login" {
            h1 { (title) }
            @if let Some(e) = error { p class="error" role="alert" { (e) } }
            form method="post" action="/dashboard/login" {
                input type="hidden" name="csrf" value=(token);
                label { (t.msg("login-username")) " "
                    input id="username" name="username" autocomplete="username" required value=(username); }
                label { (t.msg("login-password")) " "
                    input id="password" name="password" type="password" autocomplete="current-password" required; }
                button id="sign-in" type="submit" { (title) }
            }
        }
    };
    html::bare_page(t, &title, body, "/dashboard/login")
}

fn with_login_cookie(status: StatusCode, token: &str, page: Markup) -> Response {
    let mut res = (status, page).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/dashboard/login; HttpOnly; SameSite=Strict; Max-Age=3600"
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// `GET /dashboard/login`.
pub async fn form(headers: HeaderMap, viewer: Result<Viewer, Response>) -> Response {
    if viewer.is_ok() {
        return see_other("/dashboard");
    }
    let t = Tr::get(Lang::from_headers(&headers));
    let token = crate::auth::new_token();
    with_login_cookie(StatusCode::OK, &token, form_page(t, &token, "", None))
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub password: String,
}

/// `POST /dashboard/login`.
pub async fn submit(
    State(st): State<AppState>,
    headers: HeaderMap,
    ext: Extensions,
    SignInForm(f): SignInForm<LoginForm>,
) -> WebResult {
    let t = Tr::get(Lang::from_headers(&headers));
    let username = f.username.trim().to_lowercase();
    let mut keys = vec![format!("user:{username}")];
    if let Some(ConnectInfo(addr)) = ext.get::<ConnectInfo<SocketAddr>>() {
        keys.push(format!("ip:{}", addr.ip()));
    }
    let db = st.storage.dashboard();
    let now = Utc::now();
    let since = now - Duration::minutes(FAILURE_WINDOW_MINUTES);
    for k in &keys {
        let max = if k.starts_with("ip:") {
            MAX_FAILURES_PER_ADDRESS
        } else {
            MAX_FAILURES
        };
        if db.login_failures_since(k, since).await? >= max {
            let token = crate::auth::new_token();
            return Ok(with_login_cookie(
                StatusCode::TOO_MANY_REQUESTS,
                &token,
                form_page(
                    t,
                    &token,
                    &username,
                    Some(&t.msg_with("login-too-many", &[("minutes", &FAILURE_WINDOW_MINUTES)])),
                ),
            ));
        }
    }
    let user = db.dashboard_user_by_name(&username).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let password = f.password;
    let good = blocking(move || {
        let phc = phc.unwrap_or_else(dummy_hash);
        crate::auth::verify_password(&password, &phc)
    })
    .await?;
    let Some(user) = user.filter(|_| good) else {
        db.record_login_failure(&keys, now).await?;
        let token = crate::auth::new_token();
        return Ok(with_login_cookie(
            StatusCode::UNAUTHORIZED,
            &token,
            form_page(t, &token, &username, Some(&t.msg("login-wrong"))),
        ));
    };
    db.clear_login_failures(&keys[0]).await?;
    let session = crate::auth::new_token();
    let csrf = crate::auth::new_token();
    db.create_session(
        &crate::auth::hash_token(&session),
        user.id,
        &csrf,
        now,
        now + Duration::hours(SESSION_HOURS),
    )
    .await?;
    let mut res = see_other("/dashboard");
    let cookie = format!(
        "{SESSION_COOKIE}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}",
        SESSION_HOURS * 3600
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(res)
}

/// A form with nothing but its CSRF token (which the extractor checks).
#[derive(Debug, Deserialize)]
pub struct NoFields {}

/// `POST /dashboard/logout`.
pub async fn logout(
    State(st): State<AppState>,
    SessionForm(v, NoFields {}): SessionForm<NoFields>,
) -> WebResult {
    st.storage.dashboard().delete_session(&v.token_hash).await?;
    let mut res = see_other("/dashboard/login");
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "trastienda_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    Ok(res)
}

/// Creates a dashboard user (CLI and demo): validates the name and password, hashes the password.
pub async fn create_user(
    st: &AppState,
    username: &str,
    display_name: &str,
    password: &str,
    role: DashboardRole,
    stores: Vec<StoreId>,
) -> Result<i64, WebError> {
    let username = username.trim().to_lowercase();
    if username.is_empty()
        || username.len() > 64
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '@'))
    {
        return Err(WebError::invalid(
            "the user name must be 1 to 64 characters: letters, digits, . _ - @",
        ));
    }
    if role == DashboardRole::Manager && stores.is_empty() {
        return Err(WebError::invalid(
            "a store manager needs at least one store (--store ID)",
        ));
    }
    if role != DashboardRole::Manager && !stores.is_empty() {
        return Err(WebError::invalid(
            "only store managers are limited to stores; HQ roles see every store",
        ));
    }
    crate::auth::validate_password(password).map_err(WebError::invalid)?;
    let p = password.to_string();
    let password_hash = blocking(move || crate::auth::hash_password(&p))
        .await?
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e))?;
    let display_name = display_name.trim();
    Ok(st
        .storage
        .dashboard()
        .create_dashboard_user(&NewDashboardUser {
            display_name: if display_name.is_empty() {
                username.clone()
            } else {
                display_name.to_string()
            },
            username,
            password_hash,
            role,
            stores,
        })
        .await?)
}
