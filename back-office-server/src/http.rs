//! The HTTP layer: the router, JSON errors, bearer authentication, and the three APIs
//! (till sync, HQ admin, reports). Handlers talk only to the [`Storage`] trait.

pub mod admin;
pub mod archive;
pub mod collections;
pub mod customers;
pub mod delivery_notes;
pub mod invoicing;
pub mod promotions;
pub mod purchasing;
pub mod quick_keys;
pub mod reports;
pub mod stock;
pub mod sync;
pub mod verifactu;

use crate::app::{ARCHIVE_BODY_LIMIT, AppState, PUSH_BODY_LIMIT};
use crate::problem::Problem;
use crate::storage::{StorageError, TillAuth};
use axum::extract::rejection::{JsonRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use sync_protocol::ApiError;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

/// The JSON API: health, OpenAPI, till sync, HQ admin, reports and VERI*FACTU records.
pub fn routes() -> Router<AppState> {
    api().0
}

/// The JSON API's router and its OpenAPI document, made together: every route is registered
/// through utoipa-axum's `routes!` with its handler's `#[utoipa::path]`, so a route cannot be
/// served without being described (`openapi::tests` fails on a plain `.route(`).
pub fn api() -> (Router<AppState>, utoipa::openapi::OpenApi) {
    let admin = OpenApiRouter::new()
        .routes(routes!(admin::list_franchisees, admin::create_franchisee))
        .routes(routes!(
            admin::get_franchisee,
            admin::patch_franchisee,
            admin::put_franchisee
        ))
        .routes(routes!(admin::list_stores, admin::create_store))
        .routes(routes!(
            admin::get_store,
            admin::patch_store,
            admin::put_store
        ))
        .routes(routes!(admin::set_store_price, admin::clear_store_price))
        .routes(routes!(admin::list_tills, admin::create_till))
        .routes(routes!(admin::get_till))
        .routes(routes!(admin::revoke_till))
        .routes(routes!(admin::list_staff, admin::create_staff))
        .routes(routes!(admin::delete_staff))
        .routes(routes!(admin::set_staff_pin))
        .routes(routes!(admin::list_tax_rates, admin::create_tax_rate))
        .routes(routes!(admin::list_products, admin::create_product))
        .routes(routes!(admin::get_product, admin::update_product))
        .routes(routes!(admin::add_barcode))
        .routes(routes!(admin::set_product_category))
        .routes(routes!(admin::remove_barcode))
        .routes(routes!(
            admin::list_barcode_rules,
            admin::create_barcode_rule
        ))
        .routes(routes!(
            admin::update_barcode_rule,
            admin::delete_barcode_rule
        ))
        .routes(routes!(customers::list, customers::create))
        .routes(routes!(customers::get, customers::put, customers::erase))
        .routes(routes!(quick_keys::get, quick_keys::put))
        .routes(routes!(quick_keys::delete))
        .routes(routes!(promotions::list, promotions::create))
        .routes(routes!(promotions::get))
        .routes(routes!(promotions::end))
        .routes(routes!(promotions::list_schedules, promotions::schedule))
        .routes(routes!(promotions::cancel_schedule))
        .routes(routes!(delivery_notes::list, delivery_notes::create))
        .routes(routes!(delivery_notes::get))
        .routes(routes!(
            invoicing::list_contracts,
            invoicing::create_contract
        ))
        .routes(routes!(invoicing::get_issuer, invoicing::put_issuer))
        .routes(routes!(invoicing::run))
        .routes(routes!(invoicing::list))
        .routes(routes!(invoicing::get))
        .routes(routes!(invoicing::credit_note))
        .routes(routes!(invoicing::send_now))
        .routes(routes!(invoicing::journal))
        .routes(
            routes!(archive::list, archive::upload)
                .layer(DefaultBodyLimit::max(ARCHIVE_BODY_LIMIT)),
        )
        .routes(routes!(archive::export))
        .routes(routes!(archive::settings, archive::set_settings))
        .routes(routes!(archive::download))
        .routes(routes!(invoicing::tickets))
        .routes(routes!(invoicing::document))
        .routes(routes!(stock::list))
        .routes(routes!(stock::card))
        .routes(routes!(stock::valuation))
        .routes(routes!(stock::costs, stock::set_costs))
        .routes(routes!(stock::set_cost))
        .routes(routes!(purchasing::suggestions))
        .routes(routes!(purchasing::list, purchasing::create))
        .routes(routes!(purchasing::get))
        .routes(routes!(purchasing::approve))
        .routes(routes!(purchasing::transfers, purchasing::create_transfer))
        .routes(routes!(purchasing::dispatch))
        .routes(routes!(purchasing::discard_transfer))
        .routes(routes!(admin::list_alerts))
        .routes(routes!(collections::aging))
        .routes(routes!(collections::statement))
        .routes(routes!(collections::apply_credit))
        .routes(routes!(collections::receivables))
        .routes(routes!(collections::payments, collections::record_payment))
        .routes(routes!(
            collections::statements,
            collections::import_statement
        ))
        .routes(routes!(collections::bank_lines))
        .routes(routes!(collections::match_line))
        .routes(routes!(collections::mandates, collections::create_mandate))
        .routes(routes!(collections::revoke_mandate))
        .routes(routes!(
            collections::remittances,
            collections::create_remittance
        ))
        .routes(routes!(collections::remittance_file))
        .routes(routes!(collections::remittance_file_versions))
        .routes(routes!(collections::remittance_file_version))
        .routes(routes!(collections::returns))
        .routes(routes!(collections::levels, collections::set_levels))
        .routes(routes!(collections::dispute))
        .routes(routes!(collections::letters))
        .routes(routes!(collections::holds))
        .routes(routes!(collections::prenotifications))
        .routes(routes!(
            collections::statement_emails,
            collections::email_statement
        ))
        .routes(routes!(collections::archive_statement));

    let sync = OpenApiRouter::new()
        .routes(routes!(sync::enroll))
        .routes(routes!(sync::push).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)))
        .routes(routes!(sync::changes));

    let api = OpenApiRouter::new()
        .routes(routes!(healthz))
        .routes(routes!(openapi))
        .nest("/api/v1/sync", sync)
        .nest(
            "/api/v1/admin",
            admin.layer(axum::middleware::from_fn(force_slot)),
        )
        .routes(routes!(reports::sales))
        .routes(routes!(promotions::report))
        .routes(routes!(verifactu::records))
        .routes(routes!(verifactu::hq_records))
        .routes(routes!(
            verifactu::certificates,
            verifactu::upload_certificate
        ))
        .routes(routes!(verifactu::sending))
        .routes(routes!(verifactu::envelopes))
        .routes(routes!(verifactu::envelope));
    OpenApiRouter::with_openapi(crate::openapi::base())
        .merge(api)
        .split_for_parts()
}

/// The JSON answer for a route that does not exist.
pub async fn not_found() -> AppError {
    AppError::new(StatusCode::NOT_FOUND, "not_found", "no such route")
}

/// The JSON answer for a method a route does not take.
pub async fn method_not_allowed() -> AppError {
    AppError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not accept that method",
    )
}

#[utoipa::path(
    get,
    path = "/healthz",
    tag = "meta",
    summary = "Liveness and database check",
    responses(
        (status = 200, description = "Up", body = serde_json::Value),
        (status = 503, description = "Database not answering", body = serde_json::Value),
    ),
)]
async fn healthz(State(st): State<AppState>) -> Response {
    let backend = st.storage.backend();
    match st.storage.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok", "database": backend})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database is not answering");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(serde_json::json!({
                    "status": "unavailable",
                    "database": backend,
                    "error": "database_unavailable",
                    "message": "the database is not answering",
                })),
            )
                .into_response()
        }
    }
}

#[utoipa::path(
    get,
    path = "/api/openapi.json",
    tag = "meta",
    summary = "This document",
    responses(
        (status = 200, description = "OpenAPI 3.1", body = serde_json::Value),
    ),
)]
async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document().clone())
}

// --- errors -------------------------------------------------------------------------------------

/// Every error answer: a status and an [`ApiError`] body (the code, the English message). When it
/// comes from a [`Problem`], the dashboard shows that problem in the viewer's language instead.
#[derive(Debug)]
pub struct AppError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    pub problem: Option<Problem>,
}

impl AppError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            problem: None,
        }
    }
    /// A problem answered with `status`: its code, its English words.
    pub fn problem(status: StatusCode, p: Problem) -> Self {
        Self {
            status,
            code: p.code,
            message: p.to_string(),
            problem: Some(p),
        }
    }
    /// A refused input (422).
    pub fn refused(p: Problem) -> Self {
        Self::problem(StatusCode::UNPROCESSABLE_ENTITY, p)
    }
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "bad_request", message)
    }
    pub fn invalid(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid", message)
    }
    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthorized", message)
    }
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let mut res = (
            self.status,
            Json(ApiError {
                error: self.code.to_string(),
                message: self.message,
            }),
        )
            .into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            res.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                header::HeaderValue::from_static("Bearer"),
            );
        }
        res
    }
}

impl From<Problem> for AppError {
    fn from(p: Problem) -> Self {
        Self::refused(p)
    }
}

impl From<StorageError> for AppError {
    fn from(e: StorageError) -> Self {
        match e {
            StorageError::NotFound(p) => Self::problem(StatusCode::NOT_FOUND, p),
            StorageError::Conflict(p) => Self::problem(StatusCode::CONFLICT, p),
            StorageError::Invalid(p) => Self::refused(p),
            StorageError::Backend(m) => {
                tracing::error!(error = %m, "storage backend failed");
                Self::internal("the database failed; the error is in the server log")
            }
        }
    }
}

/// Maps an axum rejection (its status and text) to a JSON error with a stable code.
pub(crate) fn rejection(status: StatusCode, text: String) -> AppError {
    let code = match status {
        StatusCode::PAYLOAD_TOO_LARGE => "payload_too_large",
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "unsupported_media_type",
        StatusCode::UNPROCESSABLE_ENTITY => "invalid",
        s if s.is_server_error() => "internal",
        _ => "bad_request",
    };
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        "the request body is larger than this route accepts".to_string()
    } else {
        text
    };
    // An axum rejection is always the client's fault, except buffering failures; keep 4xx.
    let status = if status.is_server_error() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    AppError::new(status, code, message)
}

impl From<JsonRejection> for AppError {
    fn from(r: JsonRejection) -> Self {
        rejection(r.status(), r.body_text())
    }
}
impl From<QueryRejection> for AppError {
    fn from(r: QueryRejection) -> Self {
        // Query strings that do not parse are a malformed request, not a semantic error.
        let mut e = rejection(r.status(), r.body_text());
        e.status = StatusCode::BAD_REQUEST;
        e.code = "bad_request";
        e
    }
}
impl From<PathRejection> for AppError {
    fn from(r: PathRejection) -> Self {
        let mut e = rejection(r.status(), r.body_text());
        if e.status != StatusCode::INTERNAL_SERVER_ERROR {
            e.status = StatusCode::BAD_REQUEST;
            e.code = "bad_request";
        }
        e
    }
}

// --- extractors with JSON rejections ----------------------------------------------------------

/// `axum::Json` whose rejection is an [`ApiError`].
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let Json(v) = Json::<T>::from_request(req, state).await?;
        Ok(Self(v))
    }
}

/// `axum::extract::Query` whose rejection is an [`ApiError`].
pub struct ApiQuery<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiQuery<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Query(v) =
            axum::extract::Query::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

/// `axum::extract::Path` whose rejection is an [`ApiError`].
pub struct ApiPath<T>(pub T);

impl<S, T> FromRequestParts<S> for ApiPath<T>
where
    S: Send + Sync,
    T: DeserializeOwned + Send,
{
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, AppError> {
        let axum::extract::Path(v) =
            axum::extract::Path::<T>::from_request_parts(parts, state).await?;
        Ok(Self(v))
    }
}

// --- bearer authentication ----------------------------------------------------------------------

fn bearer(parts: &Parts) -> Result<&str, AppError> {
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| AppError::unauthorized("missing Authorization: Bearer <token> header"))?;
    let value = value
        .to_str()
        .map_err(|_| AppError::unauthorized("the Authorization header is not readable text"))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::unauthorized("the Authorization header must be 'Bearer <token>'")
        })?;
    Ok(token)
}

/// An enrolled, not revoked till, identified by its device token.
pub struct TillToken(pub TillAuth);

impl FromRequestParts<AppState> for TillToken {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, AppError> {
        let hash = crate::auth::hash_token(bearer(parts)?);
        match st.storage.till_by_token(&hash).await? {
            Some(t) if t.revoked => Err(AppError::new(
                StatusCode::UNAUTHORIZED,
                "revoked",
                format!(
                    "till {} has been revoked by HQ; enrol it again with a new code",
                    t.till_id
                ),
            )),
            Some(t) => Ok(Self(t)),
            None => {
                if st.storage.admin_by_token(&hash).await?.is_some() {
                    Err(AppError::forbidden(
                        "this is an HQ admin token; the sync API takes a till's device token",
                    ))
                } else {
                    Err(AppError::unauthorized("unknown device token"))
                }
            }
        }
    }
}

/// Opens the request's slot for a forced change (see [`crate::storage::till_gate`]; `?force=true`).
async fn force_slot(req: axum::extract::Request, next: axum::middleware::Next) -> Response {
    crate::storage::till_gate::with_slot(next.run(req)).await
}

/// An HQ administrator, identified by their API token.
pub struct AdminToken(pub i64);

impl FromRequestParts<AppState> for AdminToken {
    type Rejection = AppError;
    async fn from_request_parts(parts: &mut Parts, st: &AppState) -> Result<Self, AppError> {
        let hash = crate::auth::hash_token(bearer(parts)?);
        if let Some(id) = st.storage.admin_by_token(&hash).await? {
            // `?force=true`: send a change although tills of its store(s) cannot apply it yet.
            if parts.uri.query().is_some_and(|q| {
                q.split('&')
                    .any(|kv| matches!(kv, "force=true" | "force=1"))
            }) {
                let by = crate::services::people::token_actor(st.storage.as_ref(), id).await?;
                crate::storage::till_gate::force(by);
            }
            return Ok(Self(id));
        }
        if st.storage.till_by_token(&hash).await?.is_some() {
            return Err(AppError::forbidden(
                "this is a till's device token; the admin API takes an HQ admin API token",
            ));
        }
        Err(AppError::unauthorized("unknown admin API token"))
    }
}
