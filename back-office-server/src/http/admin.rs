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

#[utoipa::path(
    get,
    path = "/franchisees",
    tag = "admin",
    summary = "List franchisees",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Franchisees", body = Vec<Franchisee>),
    ),
)]
pub async fn list_franchisees(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Franchisee>>, AppError> {
    Ok(Json(st.storage.list_franchisees().await?))
}

#[utoipa::path(
    post,
    path = "/franchisees",
    tag = "admin",
    summary = "Create a franchisee (NIF/CIF/NIE check character validated)",
    security(("adminToken" = [])),
    request_body = FranchiseeIn,
    responses(
        (status = 201, description = "Created", body = Franchisee),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<FranchiseeIn>,
) -> Result<Created<Franchisee>, AppError> {
    Ok(created(
        stores::create_franchisee(st.storage.as_ref(), &b).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/franchisees/{id}",
    tag = "admin",
    summary = "One franchisee",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    responses(
        (status = 200, description = "Franchisee", body = Franchisee),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Franchisee>, AppError> {
    Ok(Json(st.storage.get_franchisee(FranchiseeId(id)).await?))
}

/// `PATCH /franchisees/{id}`: the tills of every store of the franchisee get the new legal data.
#[utoipa::path(
    patch,
    path = "/franchisees/{id}",
    tag = "admin",
    summary = "Change a franchisee's legal name, NIF/CIF (validated) or address; every store of the franchisee sends its tills the new legal data",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    request_body = FranchiseePatchIn,
    responses(
        (status = 200, description = "Updated", body = Franchisee),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
        (status = 409, description = "Another franchisee has that NIF", body = sync_protocol::ApiError),
    ),
)]
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
#[utoipa::path(
    put,
    path = "/franchisees/{id}",
    tag = "admin",
    summary = "Replace a franchisee's legal data (as PATCH, every field)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Franchisee id")),
    request_body = FranchiseeIn,
    responses(
        (status = 200, description = "Updated", body = Franchisee),
        (status = 404, description = "No such franchisee", body = sync_protocol::ApiError),
        (status = 409, description = "Another franchisee has that NIF", body = sync_protocol::ApiError),
    ),
)]
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
#[utoipa::path(
    patch,
    path = "/stores/{id}",
    tag = "admin",
    summary = "Change a store's name, address, receipt header/footer or cash over/short tolerance; its tills pull the change",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = StorePatchIn,
    responses(
        (status = 200, description = "Updated", body = Store),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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
#[utoipa::path(
    put,
    path = "/stores/{id}",
    tag = "admin",
    summary = "Replace a store's settings (as PATCH, every field)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Store id")),
    request_body = StoreSettingsIn,
    responses(
        (status = 200, description = "Updated", body = Store),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/stores",
    tag = "admin",
    summary = "List stores",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Stores", body = Vec<Store>),
    ),
)]
pub async fn list_stores(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Store>>, AppError> {
    Ok(Json(st.storage.list_stores().await?))
}

#[utoipa::path(
    get,
    path = "/stores/{id}",
    tag = "admin",
    summary = "One store",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Store id")),
    responses(
        (status = 200, description = "Store", body = Store),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Store>, AppError> {
    Ok(Json(st.storage.get_store(StoreId(id)).await?))
}

#[utoipa::path(
    post,
    path = "/stores",
    tag = "admin",
    summary = "Create a store",
    security(("adminToken" = [])),
    request_body = StoreIn,
    responses(
        (status = 201, description = "Created", body = Store),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/tills",
    tag = "admin",
    summary = "List tills with sync health",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Tills", body = Vec<Till>),
    ),
)]
pub async fn list_tills(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Till>>, AppError> {
    Ok(Json(st.storage.list_tills().await?))
}

#[utoipa::path(
    get,
    path = "/tills/{id}",
    tag = "admin",
    summary = "One till",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Till id")),
    responses(
        (status = 200, description = "Till", body = Till),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Till>, AppError> {
    Ok(Json(st.storage.get_till(TillId(id)).await?))
}

#[utoipa::path(
    post,
    path = "/tills",
    tag = "admin",
    summary = "Create a till slot; returns a one-time enrolment code valid 7 days",
    security(("adminToken" = [])),
    request_body = TillIn,
    responses(
        (status = 201, description = "Created", body = CreatedTill),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<TillIn>,
) -> Result<Created<CreatedTill>, AppError> {
    Ok(created(
        tills::create_till(st.storage.as_ref(), b.store_id, &b.name).await?,
    ))
}

#[utoipa::path(
    post,
    path = "/tills/{id}/revoke",
    tag = "admin",
    summary = "Revoke a till's device token",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Till id")),
    responses(
        (status = 200, description = "Revoked", body = Till),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StaffQuery {
    /// Only this store's staff.
    pub store_id: Option<i64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PinIn {
    pub pin: String,
}

#[utoipa::path(
    get,
    path = "/staff",
    tag = "admin",
    summary = "List staff",
    security(("adminToken" = [])),
    params(StaffQuery),
    responses(
        (status = 200, description = "Staff", body = Vec<Staff>),
    ),
)]
pub async fn list_staff(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<StaffQuery>,
) -> Result<Json<Vec<Staff>>, AppError> {
    Ok(Json(st.storage.list_staff(q.store_id.map(StoreId)).await?))
}

/// Every staff change through the API is in the audit log, under the token's name, like the
/// same change made on the dashboard.
#[utoipa::path(
    post,
    path = "/staff",
    tag = "admin",
    summary = "Create a member of staff (PIN 4–8 digits, stored as argon2)",
    security(("adminToken" = [])),
    request_body = StaffIn,
    responses(
        (status = 201, description = "Created", body = Staff),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    put,
    path = "/staff/{id}/pin",
    tag = "admin",
    summary = "Change a PIN",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Staff id")),
    request_body = PinIn,
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/staff/{id}",
    tag = "admin",
    summary = "Deactivate a member of staff",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Staff id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/tax-rates",
    tag = "admin",
    summary = "List tax rates",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Tax rates", body = Vec<TaxRateRecord>),
    ),
)]
pub async fn list_tax_rates(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<TaxRateRecord>>, AppError> {
    Ok(Json(st.storage.list_tax_rates().await?))
}

#[utoipa::path(
    post,
    path = "/tax-rates",
    tag = "admin",
    summary = "Create a tax rate",
    security(("adminToken" = [])),
    request_body = TaxRateIn,
    responses(
        (status = 201, description = "Created", body = TaxRateRecord),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
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

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ProductQuery {
    /// Substring of name, SKU or barcode.
    pub q: Option<String>,
    /// Default 0.
    #[param(minimum = 0)]
    pub offset: Option<u64>,
    /// Default 100.
    #[param(minimum = 1, maximum = 1000)]
    pub limit: Option<u64>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct BarcodeIn {
    pub code: String,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct PriceIn {
    pub price: Money,
}

#[utoipa::path(
    get,
    path = "/products",
    tag = "admin",
    summary = "Search products",
    security(("adminToken" = [])),
    params(ProductQuery),
    responses(
        (status = 200, description = "Products", body = Vec<Product>),
    ),
)]
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

#[utoipa::path(
    post,
    path = "/products",
    tag = "admin",
    summary = "Create a product (barcodes' check digits validated, price ≥ 0)",
    security(("adminToken" = [])),
    request_body = ProductIn,
    responses(
        (status = 201, description = "Created", body = Product),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
pub async fn create_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<ProductIn>,
) -> Result<Created<Product>, AppError> {
    Ok(created(
        catalog::create_product(st.storage.as_ref(), b).await?,
    ))
}

#[utoipa::path(
    get,
    path = "/products/{id}",
    tag = "admin",
    summary = "One product",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Product id")),
    responses(
        (status = 200, description = "Product", body = Product),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn get_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Product>, AppError> {
    Ok(Json(st.storage.get_product(ProductId(id)).await?))
}

#[utoipa::path(
    patch,
    path = "/products/{id}",
    tag = "admin",
    summary = "Change a product's name, tax rate, price or active flag",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = ProductPatchIn,
    responses(
        (status = 200, description = "Updated", body = Product),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CategoryIn {
    /// The product's report category; empty for none.
    pub category: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CategoryOut {
    pub product_id: ProductId,
    pub category: String,
}

/// `PUT /api/v1/admin/products/{id}/category`: the category the sales-by-category report groups by.
#[utoipa::path(
    put,
    path = "/products/{id}/category",
    tag = "admin",
    summary = "Set a product's report category (sales by category; empty for none)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = CategoryIn,
    responses(
        (status = 200, description = "Set", body = CategoryOut),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    post,
    path = "/products/{id}/barcodes",
    tag = "admin",
    summary = "Add a barcode to a product",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Product id")),
    request_body = BarcodeIn,
    responses(
        (status = 200, description = "Product with its barcodes", body = Product),
        (status = 404, description = "A referenced record does not exist", body = sync_protocol::ApiError),
        (status = 409, description = "Would duplicate an existing record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/barcodes/{code}",
    tag = "admin",
    summary = "Remove a barcode",
    security(("adminToken" = [])),
    params(("code" = String, Path, description = "The barcode")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
pub async fn remove_barcode(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(code): ApiPath<String>,
) -> Result<StatusCode, AppError> {
    st.storage.remove_barcode(code.trim()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(
    put,
    path = "/stores/{store_id}/prices/{product_id}",
    tag = "admin",
    summary = "Set a store's own price for a product",
    security(("adminToken" = [])),
    params(("store_id" = i64, Path, description = "Store id"), ("product_id" = i64, Path, description = "Product id")),
    request_body = PriceIn,
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    delete,
    path = "/stores/{store_id}/prices/{product_id}",
    tag = "admin",
    summary = "Clear a store's own price (back to HQ's)",
    security(("adminToken" = [])),
    params(("store_id" = i64, Path, description = "Store id"), ("product_id" = i64, Path, description = "Product id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/barcode-rules",
    tag = "admin",
    summary = "List the franchise's GS1 variable-measure barcode rules (prefixes 20–29)",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Rules", body = Vec<BarcodeRuleRecord>),
    ),
)]
pub async fn list_barcode_rules(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<BarcodeRuleRecord>>, AppError> {
    Ok(Json(st.storage.list_barcode_rules().await?))
}

#[utoipa::path(
    post,
    path = "/barcode-rules",
    tag = "admin",
    summary = "Create a variable-measure rule; every till of every store gets it on its next pull",
    security(("adminToken" = [])),
    request_body = BarcodeRuleIn,
    responses(
        (status = 201, description = "Created", body = BarcodeRuleRecord),
        (status = 409, description = "A rule with that prefix already exists", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    put,
    path = "/barcode-rules/{id}",
    tag = "admin",
    summary = "Replace a variable-measure rule",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    request_body = BarcodeRuleIn,
    responses(
        (status = 200, description = "Updated", body = BarcodeRuleRecord),
        (status = 404, description = "No such rule", body = sync_protocol::ApiError),
        (status = 409, description = "Another rule has that prefix", body = sync_protocol::ApiError),
    ),
)]
pub async fn update_barcode_rule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BarcodeRuleIn>,
) -> Result<Json<BarcodeRuleRecord>, AppError> {
    let r = catalog::barcode_rule(b).map_err(|e| AppError::invalid(e.to_string()))?;
    Ok(Json(st.storage.update_barcode_rule(id, &r).await?))
}

#[utoipa::path(
    delete,
    path = "/barcode-rules/{id}",
    tag = "admin",
    summary = "Delete a variable-measure rule (tills stop decoding its prefix)",
    security(("adminToken" = [])),
    params(("id" = i64, Path, description = "Rule id")),
    responses(
        (status = 204, description = "Done"),
        (status = 404, description = "No such record", body = sync_protocol::ApiError),
    ),
)]
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

#[utoipa::path(
    get,
    path = "/alerts",
    tag = "admin",
    summary = "Alerts: sync conflicts, sequence gaps, chain breaks",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Alerts", body = Vec<Alert>),
    ),
)]
pub async fn list_alerts(
    State(st): State<AppState>,
    _: AdminToken,
) -> Result<Json<Vec<Alert>>, AppError> {
    Ok(Json(st.storage.list_alerts().await?))
}
