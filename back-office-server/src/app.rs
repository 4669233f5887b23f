//! The server assembled: the state every handler gets, the JSON API (`http`) and the dashboard
//! (`web`) composed into one router with the layers they share (body limits, timeouts, the client's
//! address and security headers, tracing). `http` and `web` are adapters over `services` and
//! `storage` and do not know each other; this is the one place that knows both.

use crate::storage::Storage;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Request};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Largest request body of a till's push (a full batch of big tickets fits comfortably). Read only
/// once the till's token is known: the body extractor runs after authentication.
pub const PUSH_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Largest body of the dashboard's catalog import (a spreadsheet pasted into the form).
pub const IMPORT_BODY_LIMIT: usize = 8 * 1024 * 1024;
/// Largest body of an archive upload: a 10 MiB scan, as base64 in the API's JSON or in a form.
pub const ARCHIVE_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Largest body of every other request (forms, admin API calls, enrolment, sign-in).
pub const BODY_LIMIT: usize = 256 * 1024;

/// The body limit of a path (see the constants).
pub fn body_limit(path: &str) -> usize {
    match path {
        "/api/v1/sync/push" => PUSH_BODY_LIMIT,
        "/dashboard/catalog/import" => IMPORT_BODY_LIMIT,
        "/dashboard/collections/import"
        | "/dashboard/collections/returns"
        | "/api/v1/admin/collections/bank-statements"
        | "/api/v1/admin/collections/returns" => IMPORT_BODY_LIMIT,
        "/api/v1/admin/archive" | "/dashboard/archive" => ARCHIVE_BODY_LIMIT,
        _ => BODY_LIMIT,
    }
}

/// What every handler gets.
#[derive(Clone)]
pub struct AppState {
    pub storage: Arc<dyn Storage>,
    /// How requests reach this server (trusted proxies, TLS).
    pub net: Arc<crate::net::NetConfig>,
    /// The SMTP settings this server sends with (by default the process's, see `MailSettings`).
    pub mail: crate::services::mail::MailSettings,
}

impl AppState {
    /// A server with no trusted proxy and no TLS of its own.
    pub fn new(storage: Arc<dyn Storage>) -> Self {
        Self::with_net(storage, crate::net::NetConfig::default())
    }

    pub fn with_net(storage: Arc<dyn Storage>, net: crate::net::NetConfig) -> Self {
        Self {
            storage,
            net: Arc::new(net),
            mail: crate::services::mail::MailSettings::process(),
        }
    }

    /// This server with its own SMTP settings (shared with the handle given).
    pub fn with_mail(mut self, mail: crate::services::mail::MailSettings) -> Self {
        self.mail = mail;
        self
    }
}

/// The whole server: the JSON API, the dashboard, and the layers around both.
pub fn router(state: AppState) -> Router {
    Router::new()
        .merge(crate::http::routes())
        .merge(crate::web::routes().layer(axum::middleware::from_fn(crate::web::localize_errors)))
        .fallback(crate::http::not_found)
        .method_not_allowed_fallback(crate::http::method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn(refuse_declared_oversize))
        // A body that trickles in is given up on (the header read has its own timeout in `serve`).
        .layer(tower_http::timeout::RequestBodyTimeoutLayer::new(
            std::time::Duration::from_secs(60),
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.net.clone(),
            crate::net::middleware,
        ))
        .layer(tower_http::trace::TraceLayer::new_for_http())
        .with_state(state)
}

/// Answers 413 at once when the declared `Content-Length` is over the limit, before any of the body is
/// read. Without this the server would read part of the body, answer, and close a socket with unread
/// data, which resets the connection and can lose the answer on the client side. Chunked bodies are
/// still capped by `DefaultBodyLimit` as they are read.
async fn refuse_declared_oversize(req: Request, next: axum::middleware::Next) -> Response {
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let limit = body_limit(req.uri().path());
    match declared {
        Some(n) if n > limit as u64 => {
            let mut e = crate::http::rejection(StatusCode::PAYLOAD_TOO_LARGE, String::new());
            e.message = format!("the request body is larger than the limit of {limit} bytes");
            e.into_response()
        }
        _ => next.run(req).await,
    }
}
