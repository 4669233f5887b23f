//! The HQ admin JSON API: franchisees, stores, tills, staff, tax rates, products, prices, alerts.
//! Every handler takes an [`AdminToken`], parses the request and calls the service that checks and
//! makes the change (`crate::services`).

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError};
use crate::app::AppState;
use crate::services::catalog::{self, BarcodeRuleIn, ProductIn, ProductPatchIn, TaxRateIn};
use crate::services::people;
use crate::services::staff::StaffIn;
use crate::services::stores::{
    self, FranchiseeIn, FranchiseePatchIn, StoreIn, StorePatchIn, StoreSettingsIn,
};
use crate::services::tills::{self, CreatedTill, TillIn};
use crate::storage::{Alert, Franchisee, Product, Staff, Store, Till};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::Utc;
use serde::{Deserialize, Serialize};
use sync_protocol::{
    BarcodeRuleRecord, FranchiseeId, Money, ProductId, StaffId, StoreId, TaxRateRecord, TillId,
};

type Created<T> = (StatusCode, Json<T>);

fn created<T>(v: T) -> Created<T> {
    (StatusCode::CREATED, Json(v))
}

// --- franchisees --------------------------------------------------------------------------------

pub async fn list_franchisees(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Franchisee>>, AppError> {
    Ok(Json(st.storage.list_franchisees().await?))
}

pub async fn create_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<FranchiseeIn>,
) -> Result<Created<Franchisee>, AppError> {
    Ok(created(
        stores::create_franchisee(st.storage.as_ref(), &b).await?,
    ))
}

pub async fn get_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Franchisee>, AppError> {
    Ok(Json(st.storage.get_franchisee(FranchiseeId(id)).await?))
}

/// `PATCH /franchisees/{id}`: the tills of every store of the franchisee get the new legal data.
pub async fn patch_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FranchiseePatchIn>,
) -> Result<Json<Franchisee>, AppError> {
    Ok(Json(
        stores::update_franchisee(st.storage.as_ref(), FranchiseeId(id), &b).await?,
    ))
}

/// `PUT /franchisees/{id}`: replaces the legal data (legal name and NIF required).
pub async fn put_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FranchiseeIn>,
) -> Result<Json<Franchisee>, AppError> {
    Ok(Json(
        stores::update_franchisee(st.storage.as_ref(), FranchiseeId(id), &b.into()).await?,
    ))
}

// --- stores -------------------------------------------------------------------------------------

/// `PATCH /stores/{id}`: writes the store's change so its tills pull the new settings.
pub async fn patch_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StorePatchIn>,
) -> Result<Json<Store>, AppError> {
    Ok(Json(
        stores::update_store(st.storage.as_ref(), StoreId(id), &b).await?,
    ))
}

/// `PUT /stores/{id}`: replaces every setting of the store.
pub async fn put_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StoreSettingsIn>,
) -> Result<Json<Store>, AppError> {
    Ok(Json(
        stores::update_store(st.storage.as_ref(), StoreId(id), &b.into()).await?,
    ))
}

pub async fn list_stores(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Store>>, AppError> {
    Ok(Json(st.storage.list_stores().await?))
}

pub async fn get_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Store>, AppError> {
    Ok(Json(st.storage.get_store(StoreId(id)).await?))
}

pub async fn create_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<StoreIn>,
) -> Result<Created<Store>, AppError> {
    Ok(created(
        stores::create_store(st.storage.as_ref(), &b).await?,
    ))
}

// --- tills --------------------------------------------------------------------------------------

pub async fn list_tills(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Till>>, AppError> {
    Ok(Json(st.storage.list_tills().await?))
}

pub async fn get_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Till>, AppError> {
    Ok(Json(st.storage.get_till(TillId(id)).await?))
}

pub async fn create_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<TillIn>,
) -> Result<Created<CreatedTill>, AppError> {
    Ok(created(
        tills::create_till(st.storage.as_ref(), b.store_id, &b.name).await?,
    ))
}

pub async fn revoke_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Till>, AppError> {
    st.storage.revoke_till(TillId(id), Utc::now()).await?;
    tracing::info!(till = id, "till revoked");
    Ok(Json(st.storage.get_till(TillId(id)).await?))
}

// --- staff --------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct StaffQuery {
    pub store_id: Option<i64>,
}

#[derive(Debug, Deserialize)]
pub struct PinIn {
    pub pin: String,
}

pub async fn list_staff(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<StaffQuery>,
) -> Result<Json<Vec<Staff>>, AppError> {
    Ok(Json(st.storage.list_staff(q.store_id.map(StoreId)).await?))
}

/// Every staff change through the API is in the audit log, under the token's name, like the
/// same change made on the dashboard.
pub async fn create_staff(
    State(st): State<AppState>,
    AdminToken(token): AdminToken,
    ApiJson(b): ApiJson<StaffIn>,
) -> Result<Created<Staff>, AppError> {
    let db = st.storage.as_ref();
    let by = people::token_actor(db, token).await?;
    Ok(created(
        people::create_staff(db, &by, &b.name, b.role, b.store_id, &b.pin).await?,
    ))
}

pub async fn set_staff_pin(
    State(st): State<AppState>,
    AdminToken(token): AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PinIn>,
) -> Result<StatusCode, AppError> {
    let db = st.storage.as_ref();
    let by = people::token_actor(db, token).await?;
    people::reset_pin(db, &by, StaffId(id), &b.pin).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_staff(
    State(st): State<AppState>,
    AdminToken(token): AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    let db = st.storage.as_ref();
    let by = people::token_actor(db, token).await?;
    people::edit_staff(db, &by, StaffId(id), None, Some(false)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- tax rates ----------------------------------------------------------------------------------

pub async fn list_tax_rates(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<TaxRateRecord>>, AppError> {
    Ok(Json(st.storage.list_tax_rates().await?))
}

pub async fn create_tax_rate(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<TaxRateIn>,
) -> Result<Created<TaxRateRecord>, AppError> {
    Ok(created(
        catalog::create_tax_rate(st.storage.as_ref(), &b).await?,
    ))
}

// --- products -----------------------------------------------------------------------------------

/// Default and largest page of `GET /admin/products`.
pub const DEFAULT_PRODUCT_PAGE: u64 = 100;
pub const MAX_PRODUCT_PAGE: u64 = 1_000;

#[derive(Debug, Deserialize)]
pub struct ProductQuery {
    pub q: Option<String>,
    pub offset: Option<u64>,
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize)]
pub struct BarcodeIn {
    pub code: String,
}

#[derive(Debug, Deserialize)]
pub struct PriceIn {
    pub price: Money,
}

pub async fn list_products(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<ProductQuery>,
) -> Result<Json<Vec<Product>>, AppError> {
    let limit = q.limit.unwrap_or(DEFAULT_PRODUCT_PAGE);
    if limit == 0 || limit > MAX_PRODUCT_PAGE {
        return Err(AppError::bad_request(format!(
            "limit must be between 1 and {MAX_PRODUCT_PAGE}"
        )));
    }
    let query = q.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(
        st.storage
            .list_products(query, q.offset.unwrap_or(0), limit)
            .await?,
    ))
}

pub async fn create_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<ProductIn>,
) -> Result<Created<Product>, AppError> {
    Ok(created(
        catalog::create_product(st.storage.as_ref(), b).await?,
    ))
}

pub async fn get_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Product>, AppError> {
    Ok(Json(st.storage.get_product(ProductId(id)).await?))
}

pub async fn update_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ProductPatchIn>,
) -> Result<Json<Product>, AppError> {
    Ok(Json(
        catalog::update_product(st.storage.as_ref(), ProductId(id), &b).await?,
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    /// The product's report category; empty for none.
    pub category: String,
}

#[derive(Debug, Serialize)]
pub struct CategoryOut {
    pub product_id: ProductId,
    pub category: String,
}

/// `PUT /api/v1/admin/products/{id}/category`: the category the sales-by-category report groups by.
pub async fn set_product_category(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<CategoryIn>,
) -> Result<Json<CategoryOut>, AppError> {
    let category = catalog::set_category(st.storage.as_ref(), ProductId(id), &b.category).await?;
    Ok(Json(CategoryOut {
        product_id: ProductId(id),
        category,
    }))
}

pub async fn add_barcode(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BarcodeIn>,
) -> Result<Json<Product>, AppError> {
    Ok(Json(
        catalog::add_barcode(st.storage.as_ref(), ProductId(id), &b.code).await?,
    ))
}

pub async fn remove_barcode(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    st.storage.remove_barcode(code.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn set_store_price(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath((store_id, product_id)): ApiPath<(i64, i64)>,
    ApiJson(b): ApiJson<PriceIn>,
) -> Result<StatusCode, AppError> {
    catalog::set_store_price(
        st.storage.as_ref(),
        StoreId(store_id),
        ProductId(product_id),
        Some(b.price),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn clear_store_price(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath((store_id, product_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    catalog::set_store_price(
        st.storage.as_ref(),
        StoreId(store_id),
        ProductId(product_id),
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- GS1 variable-measure barcode rules -----------------------------------------------------------

pub async fn list_barcode_rules(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<BarcodeRuleRecord>>, AppError> {
    Ok(Json(st.storage.list_barcode_rules().await?))
}

pub async fn create_barcode_rule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<BarcodeRuleIn>,
) -> Result<Created<BarcodeRuleRecord>, AppError> {
    let r = catalog::barcode_rule(b).map_err(|e| AppError::invalid(e.to_string()))?;
    let rec = st.storage.create_barcode_rule(&r).await?;
    tracing::info!(id = rec.id, prefix = %rec.prefix, "barcode rule created");
    Ok(created(rec))
}

pub async fn update_barcode_rule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BarcodeRuleIn>,
) -> Result<Json<BarcodeRuleRecord>, AppError> {
    let r = catalog::barcode_rule(b).map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(Json(st.storage.update_barcode_rule(id, &r).await?))
}

pub async fn delete_barcode_rule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    st.storage.delete_barcode_rule(id).await?;
    tracing::info!(id, "barcode rule deleted");
    Ok(StatusCode::NO_CONTENT)
}

// --- alerts -------------------------------------------------------------------------------------

pub async fn list_alerts(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Alert>>, AppError> {
    Ok(Json(st.storage.list_alerts().await?))
}
