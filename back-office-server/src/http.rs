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
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use sync_protocol::ApiError;

/// The JSON API: health, OpenAPI, till sync, HQ admin, reports and VERI*FACTU records.
pub fn routes() -> Router<AppState> {
    let admin = Router::new()
        .route(
            "/franchisees",
            get(admin::list_franchisees).post(admin::create_franchisee),
        )
        .route(
            "/franchisees/{id}",
            get(admin::get_franchisee)
                .patch(admin::patch_franchisee)
                .put(admin::put_franchisee),
        )
        .route("/stores", get(admin::list_stores).post(admin::create_store))
        .route(
            "/stores/{id}",
            get(admin::get_store)
                .patch(admin::patch_store)
                .put(admin::put_store),
        )
        .route(
            "/stores/{store_id}/prices/{product_id}",
            put(admin::set_store_price).delete(admin::clear_store_price),
        )
        .route("/tills", get(admin::list_tills).post(admin::create_till))
        .route("/tills/{id}", get(admin::get_till))
        .route("/tills/{id}/revoke", post(admin::revoke_till))
        .route("/staff", get(admin::list_staff).post(admin::create_staff))
        .route("/staff/{id}", delete(admin::delete_staff))
        .route("/staff/{id}/pin", put(admin::set_staff_pin))
        .route(
            "/tax-rates",
            get(admin::list_tax_rates).post(admin::create_tax_rate),
        )
        .route(
            "/products",
            get(admin::list_products).post(admin::create_product),
        )
        .route(
            "/products/{id}",
            get(admin::get_product).patch(admin::update_product),
        )
        .route("/products/{id}/barcodes", post(admin::add_barcode))
        .route("/products/{id}/category", put(admin::set_product_category))
        .route("/barcodes/{code}", delete(admin::remove_barcode))
        .route(
            "/barcode-rules",
            get(admin::list_barcode_rules).post(admin::create_barcode_rule),
        )
        .route(
            "/barcode-rules/{id}",
            put(admin::update_barcode_rule).delete(admin::delete_barcode_rule),
        )
        .route("/customers", get(customers::list).post(customers::create))
        .route(
            "/customers/{id}",
            get(customers::get)
                .put(customers::put)
                .delete(customers::erase),
        )
        .route("/quick-keys", get(quick_keys::get).put(quick_keys::put))
        .route("/quick-keys/{store_id}", delete(quick_keys::delete))
        .route(
            "/promotions",
            get(promotions::list).post(promotions::create),
        )
        .route("/promotions/{id}", get(promotions::get))
        .route("/promotions/{id}/end", post(promotions::end))
        .route(
            "/price-schedules",
            get(promotions::list_schedules).post(promotions::schedule),
        )
        .route(
            "/price-schedules/{id}/cancel",
            post(promotions::cancel_schedule),
        )
        .route(
            "/delivery-notes",
            get(delivery_notes::list).post(delivery_notes::create),
        )
        .route("/delivery-notes/{id}", get(delivery_notes::get))
        .route(
            "/franchisees/{id}/contracts",
            get(invoicing::list_contracts).post(invoicing::create_contract),
        )
        .route(
            "/invoicing/issuer",
            get(invoicing::get_issuer).put(invoicing::put_issuer),
        )
        .route("/invoicing/runs", post(invoicing::run))
        .route("/invoices", get(invoicing::list))
        .route("/invoices/{id}", get(invoicing::get))
        .route("/invoices/{id}/credit-notes", post(invoicing::credit_note))
        .route("/invoices/{id}/send", post(invoicing::send_now))
        .route("/invoicing/journal", get(invoicing::journal))
        .route(
            "/archive",
            get(archive::list)
                .post(archive::upload)
                .layer(DefaultBodyLimit::max(ARCHIVE_BODY_LIMIT)),
        )
        .route("/archive/export", get(archive::export))
        .route(
            "/archive/settings",
            get(archive::settings).put(archive::set_settings),
        )
        .route("/archive/{id}", get(archive::download))
        .route(
            "/invoices/{id}/tickets/{store}/{day}",
            get(invoicing::tickets),
        )
        .route("/invoices/{id}/{format}", get(invoicing::document))
        .route("/stock", get(stock::list))
        .route("/stock/{store}/{product}", get(stock::card))
        .route("/stock-valuation", get(stock::valuation))
        .route("/product-costs", get(stock::costs).post(stock::set_costs))
        .route("/products/{id}/cost", put(stock::set_cost))
        .route("/replenishment/suggestions", get(purchasing::suggestions))
        .route(
            "/purchase-orders",
            get(purchasing::list).post(purchasing::create),
        )
        .route("/purchase-orders/{id}", get(purchasing::get))
        .route("/purchase-orders/{id}/approve", post(purchasing::approve))
        .route(
            "/transfers",
            get(purchasing::transfers).post(purchasing::create_transfer),
        )
        .route("/transfers/{id}/dispatch", post(purchasing::dispatch))
        .route(
            "/transfers/{id}/discard",
            post(purchasing::discard_transfer),
        )
        .route("/alerts", get(admin::list_alerts))
        .route("/collections/aging", get(collections::aging))
        .route(
            "/collections/franchisees/{id}/statement",
            get(collections::statement),
        )
        .route(
            "/collections/franchisees/{id}/apply-credit",
            post(collections::apply_credit),
        )
        .route("/collections/receivables", get(collections::receivables))
        .route(
            "/collections/payments",
            get(collections::payments).post(collections::record_payment),
        )
        .route(
            "/collections/bank-statements",
            get(collections::statements).post(collections::import_statement),
        )
        .route("/collections/bank-lines", get(collections::bank_lines))
        .route(
            "/collections/bank-lines/{id}/match",
            post(collections::match_line),
        )
        .route(
            "/collections/mandates",
            get(collections::mandates).post(collections::create_mandate),
        )
        .route(
            "/collections/mandates/{id}/revoke",
            post(collections::revoke_mandate),
        )
        .route(
            "/collections/remittances",
            get(collections::remittances).post(collections::create_remittance),
        )
        .route(
            "/collections/remittances/{id}/pain008",
            get(collections::remittance_file),
        )
        .route(
            "/collections/remittances/{id}/files",
            get(collections::remittance_file_versions),
        )
        .route(
            "/collections/remittances/{id}/files/{file}",
            get(collections::remittance_file_version),
        )
        .route("/collections/returns", post(collections::returns))
        .route(
            "/collections/dunning-levels",
            get(collections::levels).put(collections::set_levels),
        )
        .route(
            "/collections/invoices/{id}/dispute",
            post(collections::dispute),
        )
        .route("/collections/dunning-letters", get(collections::letters))
        .route("/collections/holds", get(collections::holds))
        .route(
            "/collections/prenotifications",
            get(collections::prenotifications),
        )
        .route(
            "/collections/franchisees/{id}/statement-emails",
            get(collections::statement_emails).post(collections::email_statement),
        )
        .route(
            "/collections/franchisees/{id}/statement-archive",
            post(collections::archive_statement),
        );

    let sync = Router::new()
        .route("/enroll", post(sync::enroll))
        .route(
            "/push",
            post(sync::push).layer(DefaultBodyLimit::max(PUSH_BODY_LIMIT)),
        )
        .route("/changes", get(sync::changes));

    Router::new()
        .route("/healthz", get(healthz))
        .route("/api/openapi.json", get(openapi))
        .nest("/api/v1/sync", sync)
        .nest(
            "/api/v1/admin",
            admin.layer(axum::middleware::from_fn(force_slot)),
        )
        .route("/api/v1/reports/sales", get(reports::sales))
        .route("/api/v1/reports/promotions", get(promotions::report))
        .route("/api/v1/verifactu/records", get(verifactu::records))
        .route("/api/v1/verifactu/hq-records", get(verifactu::hq_records))
        .route(
            "/api/v1/verifactu/certificates",
            get(verifactu::certificates).post(verifactu::upload_certificate),
        )
        .route("/api/v1/verifactu/sending", get(verifactu::sending))
        .route("/api/v1/verifactu/envelopes", get(verifactu::envelopes))
        .route("/api/v1/verifactu/envelopes/{id}", get(verifactu::envelope))
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

async fn openapi() -> Json<serde_json::Value> {
    Json(crate::openapi::document())
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
