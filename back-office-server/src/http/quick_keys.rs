//! `/api/v1/admin/quick-keys`: the quick keys tills show beside the ticket. Read the layout a store's
//! tills show (its own, else the franchise's), replace the franchise's or a store's, remove a store's
//! own. The same checks as the dashboard's page Teclas rápidas; each write reaches the tills through
//! the change log (`?force=true` when tills of the store run a version too old for quick keys).

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::quick_keys as svc;
use crate::storage::quick_keys::StoredLayout;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{QuickKey, QuickKeyLayout, StoreId};

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScopeQuery {
    /// A store.
    pub store_id: Option<i64>,
}

/// What a scope's tills show.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct QuickKeysOut {
    pub store_id: Option<StoreId>,
    /// Whether this scope has a layout of its own (a store without one shows the franchise's).
    pub own: bool,
    pub keys: Vec<QuickKey>,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// `GET /api/v1/admin/quick-keys[?store_id=N]`.
#[utoipa::path(
    get,
    path = "/quick-keys",
    operation_id = "quick_keys_get",
    tag = "admin",
    summary = "The quick keys a scope's tills show beside the ticket: a store's own layout, else the franchise's (own tells which); without store_id, the franchise's",
    security(("adminToken" = [])),
    params(ScopeQuery),
    responses(
        (status = 200, description = "Layout", body = QuickKeysOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ScopeQuery>,
) -> Result<Json<QuickKeysOut>, AppError> {
    let store = q.store_id.map(StoreId);
    if let Some(s) = store {
        st.storage.get_store(s).await?;
    }
    let qk = st.storage.quick_keys();
    let own = qk.quick_key_layout(store).await?;
    let shown = match (&own, store) {
        (None, Some(_)) => qk.quick_key_layout(None).await?,
        _ => None,
    };
    let is_own = own.is_some();
    let l: Option<StoredLayout> = own.or(shown);
    Ok(Json(QuickKeysOut {
        store_id: store,
        own: is_own,
        updated_by: l.as_ref().map(|l| l.updated_by.clone()),
        updated_at: l.as_ref().map(|l| l.updated_at),
        keys: l.map(|l| l.layout.keys).unwrap_or_default(),
    }))
}

/// `PUT /api/v1/admin/quick-keys`: a layout replaced whole (`store_id` absent: the franchise's).
#[utoipa::path(
    put,
    path = "/quick-keys",
    operation_id = "quick_keys_put",
    tag = "admin",
    summary = "Replace a quick-key layout whole: the franchise's (no store_id; every till) or a store's own (its tills, instead of the franchise's). At most 240 keys and 12 pages, labels of 24 characters, a product once per page; an unknown product is 422 and nothing is stored",
    security(("adminToken" = [])),
    request_body = QuickKeyLayout,
    responses(
        (status = 200, description = "Saved", body = StoredLayout),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn put(
    State(st): State<AppState>,
    AdminToken(admin): AdminToken,
    ApiJson(l): ApiJson<QuickKeyLayout>,
) -> Result<Json<StoredLayout>, AppError> {
    let by = format!("API admin #{admin}");
    Ok(Json(
        svc::save(st.storage.as_ref(), l.store_id, l.keys, &by, Utc::now()).await?,
    ))
}

/// `DELETE /api/v1/admin/quick-keys/{store_id}`: the store's own layout removed.
#[utoipa::path(
    delete,
    path = "/quick-keys/{store_id}",
    tag = "admin",
    summary = "Remove a store's own layout: its tills show the franchise's again (404 when it has none)",
    security(("adminToken" = [])),
    params(("store_id" = i64, Path, description = "Store id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn delete(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(store): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    st.storage
        .quick_keys()
        .clear_store_quick_keys(StoreId(store))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}
