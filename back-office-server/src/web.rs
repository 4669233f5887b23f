//! The HQ web dashboard: server-rendered HTML pages under `/dashboard`, signed in with a session
//! cookie, CSRF-checked forms, and every page scoped to what the viewer's role may see.

pub mod barcode_rules;
pub mod catalog;
pub mod controls;
pub mod deliveries;
pub mod html;
pub mod i18n;
pub mod login;
pub mod overview;
pub mod reports;
pub mod staff;
pub mod stores;
pub mod tills;

pub use i18n::{LANG_COOKIE, Lang, Tr};

use crate::http::{AppError, AppState};
use crate::storage::StorageError;
use crate::storage::dashboard::{DashboardRole, DashboardUser};
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::HeaderValue;
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Utc;
use serde::de::DeserializeOwned;
use sync_protocol::StoreId;

/// Name of the session cookie (HttpOnly, SameSite=Strict).
pub const SESSION_COOKIE: &str = "trastienda_session";

/// The dashboard's routes (merged into the server's router).
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(|| async { Redirect::to("/dashboard") }))
        .route("/dashboard/style.css", get(html::stylesheet))
        .route("/dashboard/lang", get(switch_language))
        .route("/dashboard/login", get(login::form).post(login::submit))
        .route("/dashboard/logout", post(login::logout))
        .route("/dashboard", get(overview::page))
        .route("/dashboard/catalog", get(catalog::list))
        .route("/dashboard/catalog.csv", get(catalog::export))
        .route("/dashboard/catalog/import", post(catalog::import))
        .route("/dashboard/catalog/bulk-price", post(catalog::bulk_price))
        .route(
            "/dashboard/catalog/{id}",
            get(catalog::edit).post(catalog::save),
        )
        .route(
            "/dashboard/catalog/{id}/store-price",
            post(catalog::store_price),
        )
        .route(
            "/dashboard/stores",
            get(stores::list).post(stores::create_store),
        )
        .route(
            "/dashboard/stores/{id}",
            get(stores::show_store).post(stores::save_store),
        )
        .route("/dashboard/franchisees", post(stores::create_franchisee))
        .route(
            "/dashboard/franchisees/{id}",
            get(stores::show_franchisee).post(stores::save_franchisee),
        )
        .route("/dashboard/tills", get(tills::list).post(tills::create))
        .route("/dashboard/tills/{id}/revoke", post(tills::revoke))
        .route("/dashboard/staff", get(staff::list).post(staff::create))
        .route(
            "/dashboard/barcode-rules",
            get(barcode_rules::list).post(barcode_rules::create),
        )
        .route(
            "/dashboard/barcode-rules/{id}/delete",
            post(barcode_rules::delete),
        )
        .route(
            "/dashboard/deliveries",
            get(deliveries::list).post(deliveries::create),
        )
        .route("/dashboard/deliveries/{id}", get(deliveries::show))
        .route("/dashboard/reports", get(reports::page))
        .route("/dashboard/reports.csv", get(reports::csv))
        .route("/dashboard/reports/loss", get(controls::loss_page))
        .route("/dashboard/reports/loss.csv", get(controls::loss_csv))
        .route("/dashboard/reports/cash", get(controls::cash_page))
        .route("/dashboard/reports/cash.csv", get(controls::cash_csv))
        .route("/dashboard/reports/hours", get(controls::hours_page))
        .route("/dashboard/reports/hours.csv", get(controls::hours_csv))
}

// --- errors as pages ----------------------------------------------------------------------------

/// An error shown to a person: a status and a sentence, rendered as a small page.
#[derive(Debug)]
pub struct WebError {
    pub status: StatusCode,
    pub message: String,
}

impl WebError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
        }
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }
    /// What a viewer gets for something outside their scope: the same as for something that does
    /// not exist, in the viewer's language.
    pub fn not_found_t(t: &Tr) -> Self {
        Self::new(StatusCode::NOT_FOUND, t.msg("error-not-found"))
    }

    /// The error as a small page in `t`'s language (title from the status, the message, a way back).
    pub fn page(&self, t: &Tr) -> Html<String> {
        let title = t.msg(match self.status.as_u16() {
            403 => "error-title-forbidden",
            404 => "error-title-not-found",
            409 | 422 | 400 => "error-title-invalid",
            429 => "error-title-too-many",
            s if s >= 500 => "error-title-server",
            _ => "error-title-other",
        });
        let body = format!(
            "<section class=\"card\"><h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>\
             <p>{} <a href=\"/dashboard\">{}</a></p></section>",
            html::esc(&title),
            html::esc(&self.message),
            html::esc(&t.msg("error-nothing-saved")),
            html::esc(&t.msg("error-back")),
        );
        html::bare_page_t(t, &title, &body, "/dashboard")
    }
}

/// Marks a response as a [`WebError`] page so [`localize_errors`] can draw it again in the
/// request's language (the error itself does not know who asked).
#[derive(Debug, Clone)]
struct ErrorShown {
    status: StatusCode,
    message: String,
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let page = self.page(Tr::es());
        let mut res = (self.status, page).into_response();
        res.extensions_mut().insert(ErrorShown {
            status: self.status,
            message: self.message,
        });
        res
    }
}

/// Middleware over the dashboard (and `Vary` on every answer): an error page (title, "nothing was saved", the way back, the
/// language switch) in the language of the request. The message is already in that language when
/// the page code built it with the viewer's translator.
pub async fn localize_errors(req: Request, next: Next) -> Response {
    let lang = Lang::from_headers(req.headers());
    let mut res = next.run(req).await;
    if lang != Lang::Es
        && let Some(e) = res.extensions().get::<ErrorShown>().cloned()
    {
        let err = WebError::new(e.status, e.message);
        res = (err.status, err.page(Tr::get(lang))).into_response();
    }
    // The same URL reads differently per language: caches must keep them apart.
    res.headers_mut().append(
        header::VARY,
        HeaderValue::from_static("accept-language, cookie"),
    );
    res
}

impl From<AppError> for WebError {
    fn from(e: AppError) -> Self {
        Self::new(e.status, e.message)
    }
}

impl From<StorageError> for WebError {
    fn from(e: StorageError) -> Self {
        AppError::from(e).into()
    }
}

pub type WebResult<T = Response> = Result<T, WebError>;

// --- extractors ---------------------------------------------------------------------------------

/// `axum::Form` whose rejection is a [`WebError`] page.
pub struct WebForm<T>(pub T);

impl<S, T> FromRequest<S> for WebForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;
    async fn from_request(req: Request, state: &S) -> Result<Self, WebError> {
        let t = Tr::get(Lang::from_headers(req.headers()));
        let axum::Form(v) = axum::Form::<T>::from_request(req, state)
            .await
            .map_err(|r| {
                WebError::invalid(t.msg_with("error-bad-form", &[("detail", &r.body_text())]))
            })?;
        Ok(Self(v))
    }
}

/// `axum::extract::Query` whose rejection is a [`WebError`] page.
pub struct WebQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for WebQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let t = Tr::get(Lang::from_headers(&parts.headers));
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|r| {
                WebError::new(
                    StatusCode::BAD_REQUEST,
                    t.msg_with("error-bad-query", &[("detail", &r.body_text())]),
                )
            })?;
        Ok(Self(v))
    }
}

/// `axum::extract::Path` whose rejection is a 404 page.
pub struct WebPath<T>(pub T);

impl<S, T> FromRequestParts<S> for WebPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, WebError> {
        let t = Tr::get(Lang::from_headers(&parts.headers));
        let axum::extract::Path(v) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::not_found_t(t))?;
        Ok(Self(v))
    }
}

/// The value of cookie `name` in a request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A signed-in person: who they are, their session's CSRF token, and what they may see; and the
/// language they read the dashboard in (`v.t().msg("…")`).
pub struct Viewer {
    pub user: DashboardUser,
    pub csrf: String,
    pub token_hash: String,
    /// The request's language (cookie, else `Accept-Language`, else Spanish).
    pub lang: Lang,
    /// Where the ES | EN switch comes back to: this page's path (and query, for a GET).
    pub here: String,
}

impl FromRequestParts<AppState> for Viewer {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, Response> {
        let to_login = || Redirect::to("/dashboard/login").into_response();
        let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(to_login());
        };
        let token_hash = crate::auth::hash_token(&token);
        match st
            .storage
            .dashboard()
            .session_user(&token_hash, Utc::now())
            .await
        {
            Ok(Some((user, csrf))) => Ok(Self {
                user,
                csrf,
                token_hash,
                lang: Lang::from_headers(&parts.headers),
                here: if parts.method == axum::http::Method::GET {
                    parts
                        .uri
                        .path_and_query()
                        .map_or_else(|| parts.uri.path().to_string(), |p| p.as_str().to_string())
                } else {
                    parts.uri.path().to_string()
                },
            }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

impl Viewer {
    /// The translator of the viewer's language.
    pub fn t(&self) -> &'static Tr {
        Tr::get(self.lang)
    }

    /// `None`: every store (HQ roles); `Some`: only these.
    pub fn scope(&self) -> Option<&[StoreId]> {
        match self.user.role {
            DashboardRole::Admin | DashboardRole::Analyst => None,
            DashboardRole::Manager => Some(&self.user.stores),
        }
    }

    pub fn sees_store(&self, id: StoreId) -> bool {
        self.scope().is_none_or(|s| s.contains(&id))
    }

    pub fn can_write(&self) -> bool {
        self.user.role == DashboardRole::Admin
    }

    /// Checks a form's CSRF token, then that the viewer may change things. Every POST calls this first.
    pub fn check_write(&self, csrf: &str) -> Result<(), WebError> {
        let t = self.t();
        if !crate::auth::same_secret(csrf, &self.csrf) {
            return Err(WebError::forbidden(t.msg("error-csrf")));
        }
        if !self.can_write() {
            return Err(WebError::forbidden(t.msg_with(
                "error-read-only",
                &[("role", &html::role_name_t(t, self.user.role))],
            )));
        }
        Ok(())
    }

    /// The hidden CSRF field every form carries.
    pub fn csrf_field(&self) -> String {
        format!(
            "<input type=\"hidden\" name=\"csrf\" value=\"{}\">",
            html::esc(&self.csrf)
        )
    }
}

/// Redirect after a successful POST (303, so a reload does not post again).
pub fn see_other(to: &str) -> Response {
    Redirect::to(to).into_response()
}

/// `Html` page response.
pub fn ok(page: Html<String>) -> Response {
    page.into_response()
}

#[derive(Debug, serde::Deserialize)]
pub struct LangQuery {
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub back: String,
}

/// Where the language switch may send the browser back to: a path of this dashboard, nothing
/// else (no other site, no `//host`, no backslashes or control characters that a browser or a
/// header could read differently).
pub fn safe_back(back: &str) -> &str {
    let ok = (back == "/dashboard"
        || back.starts_with("/dashboard/")
        || back.starts_with("/dashboard?"))
        && !back.contains("//")
        && !back.split('?').next().unwrap_or("").contains("..")
        && !back.contains('\\')
        && back.len() <= 2000
        && back.bytes().all(|b| b.is_ascii_graphic());
    if ok { back } else { "/dashboard" }
}

/// `GET /dashboard/lang?to=en&back=/dashboard/catalog`: remembers the language in a cookie (a
/// preference of this browser, not server data; no session needed, so the sign-in page has the
/// switch too) and goes back to the page it was clicked on.
pub async fn switch_language(headers: HeaderMap, WebQuery(q): WebQuery<LangQuery>) -> WebResult {
    let Some(lang) = Lang::from_code(q.to.trim()) else {
        let t = Tr::get(Lang::from_headers(&headers));
        return Err(WebError::new(
            StatusCode::BAD_REQUEST,
            t.msg_with("error-bad-language", &[("lang", &q.to)]),
        ));
    };
    let mut res = see_other(safe_back(&q.back));
    res.headers_mut().append(
        header::SET_COOKIE,
        HeaderValue::from_static(match lang {
            Lang::Es => "trastienda_lang=es; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
            Lang::En => "trastienda_lang=en; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly",
        }),
    );
    Ok(res)
}
