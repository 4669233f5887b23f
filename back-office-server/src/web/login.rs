//! Signing in and out. The sign-in form carries its own CSRF token (a short-lived cookie it must
//! match). Failed attempts slow the next ones down with growing delays, counted before the password
//! is checked (so parallel attempts cannot slip past): per user name and address, per user name from
//! anywhere (higher), and per address (higher still: a shop or an office shares one).

use super::html;
use super::{SessionForm, SignInForm, Tr, Viewer, WebResult, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::blocking;
use crate::storage::dashboard::Throttle;
use axum::extract::State;
use axum::http::{Extensions, HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use maud::{Markup, html};
use serde::Deserialize;

/// Sign-in failures of one user name from one address: 5 free, then 15 s, 30 s, 1 min … up to 15 min.
pub const PER_USER_AND_ADDRESS: Throttle = Throttle {
    free: 5,
    base: Duration::seconds(15),
    cap: Duration::minutes(15),
    window: Duration::hours(1),
};
/// Failures of one user name from every address together (someone guessing from many places):
/// high enough that a stranger cannot lock a person out, and only delays, capped at 5 minutes.
pub const PER_USER: Throttle = Throttle {
    free: 30,
    base: Duration::seconds(15),
    cap: Duration::minutes(5),
    window: Duration::hours(1),
};
/// Failures from one address whatever the user name (password spraying).
pub const PER_ADDRESS: Throttle = Throttle {
    free: 100,
    base: Duration::seconds(15),
    cap: Duration::minutes(15),
    window: Duration::hours(1),
};
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
    let title = t.msg(key!("login-title"));
    let body = html! {
        section class="card login" {
            h1 { (title) }
            @if let Some(e) = error { p class="error" role="alert" { (e) } }
            form method="post" action="/dashboard/login" {
                input type="hidden" name="csrf" value=(token);
                label { (t.msg(key!("login-username"))) " "
                    input id="username" name="username" autocomplete="username" required value=(username); }
                label { (t.msg(key!("login-password"))) " "
                    input id="password" name="password" type="password" autocomplete="current-password" required; }
                button id="sign-in" type="submit" { (title) }
            }
        }
    };
    html::bare_page(t, &title, body, "/dashboard/login")
}

fn with_login_cookie(status: StatusCode, token: &str, page: Markup, secure: bool) -> Response {
    let mut res = (status, page).into_response();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "{LOGIN_COOKIE}={token}; Path=/dashboard/login; HttpOnly; SameSite=Strict; Max-Age=3600{}",
        if secure { "; Secure" } else { "" }
    )) {
        res.headers_mut().append(header::SET_COOKIE, v);
    }
    res
}

/// `GET /dashboard/login`.
pub async fn form(
    headers: HeaderMap,
    ext: Extensions,
    viewer: Result<Viewer, Response>,
) -> Response {
    if viewer.is_ok() {
        return see_other("/dashboard");
    }
    let t = Tr::get(crate::i18n::lang_of(&headers));
    let token = crate::auth::new_token();
    with_login_cookie(
        StatusCode::OK,
        &token,
        form_page(t, &token, "", None),
        crate::net::client(&ext).secure,
    )
}

/// A wait as people say it: "20 s", "4 min".
fn wait_text(t: &Tr, wait: Duration) -> String {
    let s = wait.num_seconds().max(1);
    if s < 120 {
        t.msg_with(key!("wait-seconds"), &[("n", &s)])
    } else {
        t.msg_with(key!("wait-minutes"), &[("n", &((s + 59) / 60))])
    }
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
    let t = Tr::get(crate::i18n::lang_of(&headers));
    let client = crate::net::client(&ext);
    let username = f.username.trim().to_lowercase();
    let pair = format!(
        "signin:{username}|{}",
        client.addr.map(|a| a.to_string()).unwrap_or_default()
    );
    let mut keys = vec![
        (pair.clone(), PER_USER_AND_ADDRESS),
        (format!("signin-user:{username}"), PER_USER),
    ];
    if let Some(addr) = client.addr {
        keys.push((format!("signin-ip:{addr}"), PER_ADDRESS));
    }
    let db = st.storage.dashboard();
    let now = Utc::now();
    let rows = match db.begin_attempt(&keys, now).await? {
        Ok(rows) => rows,
        Err(wait) => {
            let token = crate::auth::new_token();
            let mut res = with_login_cookie(
                StatusCode::TOO_MANY_REQUESTS,
                &token,
                form_page(
                    t,
                    &token,
                    &username,
                    Some(&t.msg_with(key!("login-too-many"), &[("wait", &wait_text(t, wait))])),
                ),
                client.secure,
            );
            if let Ok(v) = HeaderValue::from_str(&wait.num_seconds().max(1).to_string()) {
                res.headers_mut().insert(header::RETRY_AFTER, v);
            }
            return Ok(res);
        }
    };
    let user = db.dashboard_user_by_name(&username).await?;
    let phc = user.as_ref().map(|u| u.password_hash.clone());
    let password = f.password;
    let good = blocking(move || {
        let phc = phc.unwrap_or_else(dummy_hash);
        crate::auth::verify_password(&password, &phc)
    })
    .await?;
    let Some(user) = user.filter(|_| good) else {
        // The attempt was counted as a failure before the check; it stays one.
        let token = crate::auth::new_token();
        return Ok(with_login_cookie(
            StatusCode::UNAUTHORIZED,
            &token,
            form_page(t, &token, &username, Some(&t.msg(key!("login-wrong")))),
            client.secure,
        ));
    };
    db.attempt_succeeded(&rows, &[pair]).await?;
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
        "{}={session}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        super::session_cookie_name(client.secure),
        SESSION_HOURS * 3600,
        if client.secure { "; Secure" } else { "" }
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
    ext: Extensions,
    SessionForm(v, NoFields {}): SessionForm<NoFields>,
) -> WebResult {
    st.storage.dashboard().delete_session(&v.token_hash).await?;
    let mut res = see_other("/dashboard/login");
    let secure = crate::net::client(&ext).secure;
    if let Ok(c) = HeaderValue::from_str(&format!(
        "{}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        super::session_cookie_name(secure),
        if secure { "; Secure" } else { "" }
    )) {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}
