//! The HQ web dashboard: server-rendered HTML pages under `/dashboard`, signed in with a session
//! cookie, CSRF-checked forms, and every page scoped to what the viewer's role may see.

pub mod barcode_rules;
pub mod catalog;
pub mod controls;
pub mod deliveries;
pub mod html;
pub mod login;
pub mod overview;
pub mod reports;
pub mod staff;
pub mod stores;
pub mod tills;

use crate::http::{AppError, AppState};
use crate::storage::StorageError;
use crate::storage::dashboard::{DashboardRole, DashboardUser};
use axum::Router;
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
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
    /// What a viewer gets for something outside their scope: the same as for something that does not exist.
    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "No existe o no tienes acceso.")
    }
}

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let title = match self.status.as_u16() {
            403 => "Sin permiso",
            404 => "No encontrado",
            409 | 422 | 400 => "Revisa los datos",
            429 => "Demasiados intentos",
            s if s >= 500 => "Error del servidor",
            _ => "Error",
        };
        let body = format!(
            "<section class=\"card\"><h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>\
             <p>No se ha guardado nada. <a href=\"/dashboard\">Volver al panel</a></p></section>",
            html::esc(title),
            html::esc(&self.message)
        );
        (self.status, html::bare_page(title, &body)).into_response()
    }
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
        let axum::Form(v) = axum::Form::<T>::from_request(req, state)
            .await
            .map_err(|r| {
                WebError::invalid(format!("El formulario no es válido: {}", r.body_text()))
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
        let axum::extract::Query(v) = axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map_err(|r| {
                WebError::new(
                    StatusCode::BAD_REQUEST,
                    format!("Parámetros no válidos: {}", r.body_text()),
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
        let axum::extract::Path(v) = axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map_err(|_| WebError::not_found())?;
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

/// A signed-in person: who they are, their session's CSRF token, and what they may see.
pub struct Viewer {
    pub user: DashboardUser,
    pub csrf: String,
    pub token_hash: String,
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
            }),
            Ok(None) => Err(to_login()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

impl Viewer {
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
        if !crate::auth::same_secret(csrf, &self.csrf) {
            return Err(WebError::forbidden(
                "El formulario ha caducado o no viene de este panel (falta el token CSRF). Recarga la página e inténtalo de nuevo.",
            ));
        }
        if !self.can_write() {
            return Err(WebError::forbidden(format!(
                "Tu rol ({}) es de solo lectura: no puedes cambiar datos.",
                html::role_name(self.user.role)
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
