//! The HQ admin JSON API: franchisees, stores, tills, staff, tax rates, products, prices, alerts.
//! Every handler takes an [`AdminToken`]; inputs are validated here before storage sees them.

use super::{AdminToken, ApiJson, ApiPath, ApiQuery, AppError, AppState, blocking};
use crate::storage::{
    Alert, Franchisee, FranchiseePatch, NewFranchisee, NewProduct, NewStaff, NewStore, NewTaxRate,
    Product, ProductPatch, Staff, Store, StorePatch, Till,
};
use crate::{auth, barcode, nif};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::barcode::{MeasureKind, RuleError, VariableMeasureRule};
use sync_protocol::{
    BarcodeRuleRecord, FranchiseeId, Money, ProductId, StaffId, StaffRole, StoreId, TaxRate,
    TaxRateRecord, TillId,
};

type Created<T> = (StatusCode, Json<T>);

pub(crate) fn text(field: &str, v: &str, max: usize) -> Result<String, AppError> {
    let t = v.trim();
    if t.is_empty() {
        return Err(AppError::invalid(format!("{field} must not be empty")));
    }
    if t.chars().count() > max {
        return Err(AppError::invalid(format!(
            "{field} must be at most {max} characters"
        )));
    }
    Ok(t.to_string())
}

pub(crate) fn price(field: &str, p: Money) -> Result<Money, AppError> {
    if p.is_negative() {
        return Err(AppError::invalid(format!(
            "{field} {p} must not be negative"
        )));
    }
    if p.cents() > sync_protocol::totals::MAX_UNIT_PRICE_CENTS {
        return Err(AppError::invalid(format!("{field} {p} is too large")));
    }
    Ok(p)
}

fn check_barcode(code: &str) -> Result<String, AppError> {
    let c = code.trim();
    barcode::validate(c).map_err(AppError::invalid)?;
    Ok(c.to_string())
}

/// Longest receipt header or footer accepted (a few printed lines).
pub(crate) const RECEIPT_TEXT_MAX: usize = 500;
/// Highest cash over/short tolerance HQ may set for a store (1.000,00 €).
pub(crate) const MAX_CASH_TOLERANCE_CENTS: i64 = 100_000;

/// A receipt header or footer: trimmed, at most [`RECEIPT_TEXT_MAX`] characters, may be empty.
pub(crate) fn receipt_text(field: &str, v: &str) -> Result<String, AppError> {
    let t = v.trim();
    if t.chars().count() > RECEIPT_TEXT_MAX {
        return Err(AppError::invalid(format!(
            "{field} must be at most {RECEIPT_TEXT_MAX} characters"
        )));
    }
    Ok(t.to_string())
}

/// A store's cash over/short tolerance: not negative, at most 1.000,00 €.
pub(crate) fn cash_tolerance(t: Money) -> Result<Money, AppError> {
    if t.is_negative() {
        return Err(AppError::invalid(format!(
            "cash_tolerance {t} must not be negative"
        )));
    }
    if t.cents() > MAX_CASH_TOLERANCE_CENTS {
        return Err(AppError::invalid(format!(
            "cash_tolerance {t} is above the maximum of {}",
            Money::from_cents(MAX_CASH_TOLERANCE_CENTS)
        )));
    }
    Ok(t)
}

/// A franchisee address: trimmed, at most 300 characters, may be empty.
fn address(v: &str) -> Result<String, AppError> {
    let t = v.trim();
    if t.chars().count() > 300 {
        return Err(AppError::invalid("address must be at most 300 characters"));
    }
    Ok(t.to_string())
}

/// A NIF/NIE/CIF normalised and validated.
fn checked_nif(v: &str) -> Result<String, AppError> {
    let n = nif::normalise(v);
    nif::validate(&n)
        .map_err(|e| AppError::invalid(format!("nif {:?} is not valid: {e}", v.trim())))?;
    Ok(n)
}

// --- franchisees --------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct FranchiseeIn {
    pub legal_name: String,
    pub nif: String,
    #[serde(default)]
    pub address: String,
}

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
    let legal_name = text("legal_name", &b.legal_name, 200)?;
    let n = nif::normalise(&b.nif);
    nif::validate(&n).map_err(AppError::invalid)?;
    let f = st
        .storage
        .create_franchisee(&NewFranchisee {
            legal_name,
            nif: n,
            address: address(&b.address)?,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(f)))
}

pub async fn get_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<Json<Franchisee>, AppError> {
    Ok(Json(st.storage.get_franchisee(FranchiseeId(id)).await?))
}

/// Body of `PATCH /franchisees/{id}`: only the fields given change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FranchiseePatchIn {
    pub legal_name: Option<String>,
    pub nif: Option<String>,
    pub address: Option<String>,
}

/// Validates a franchisee change (legal name, NIF/CIF check character, address) before storage sees it.
pub(crate) fn franchisee_patch(b: &FranchiseePatchIn) -> Result<FranchiseePatch, AppError> {
    Ok(FranchiseePatch {
        legal_name: b
            .legal_name
            .as_deref()
            .map(|v| text("legal_name", v, 200))
            .transpose()?,
        nif: b.nif.as_deref().map(checked_nif).transpose()?,
        address: b.address.as_deref().map(address).transpose()?,
    })
}

/// `PATCH /franchisees/{id}`: the tills of every store of the franchisee get the new legal data.
pub async fn patch_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FranchiseePatchIn>,
) -> Result<Json<Franchisee>, AppError> {
    let p = franchisee_patch(&b)?;
    Ok(Json(
        st.storage.update_franchisee(FranchiseeId(id), &p).await?,
    ))
}

/// `PUT /franchisees/{id}`: replaces the legal data (legal name and NIF required).
pub async fn put_franchisee(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<FranchiseeIn>,
) -> Result<Json<Franchisee>, AppError> {
    let p = franchisee_patch(&FranchiseePatchIn {
        legal_name: Some(b.legal_name),
        nif: Some(b.nif),
        address: Some(b.address),
    })?;
    Ok(Json(
        st.storage.update_franchisee(FranchiseeId(id), &p).await?,
    ))
}

// --- stores -------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct StoreIn {
    pub franchisee_id: FranchiseeId,
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub receipt_header: String,
    #[serde(default)]
    pub receipt_footer: String,
    /// Default 5.00.
    #[serde(default = "crate::storage::default_cash_tolerance")]
    pub cash_tolerance: Money,
    /// IANA name, default Europe/Madrid (Atlantic/Canary for the Canary Islands).
    #[serde(default)]
    pub time_zone: crate::storage::TimeZone,
}

/// Body of `PATCH /stores/{id}`: only the fields given change.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StorePatchIn {
    pub name: Option<String>,
    pub address: Option<String>,
    pub receipt_header: Option<String>,
    pub receipt_footer: Option<String>,
    pub cash_tolerance: Option<Money>,
    pub time_zone: Option<crate::storage::TimeZone>,
}

/// Body of `PUT /stores/{id}`: every setting (the franchisee of a store does not change).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StoreSettingsIn {
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub receipt_header: String,
    #[serde(default)]
    pub receipt_footer: String,
    pub cash_tolerance: Money,
    /// Default Europe/Madrid.
    #[serde(default)]
    pub time_zone: crate::storage::TimeZone,
}

/// Validates a store change before storage sees it.
pub(crate) fn store_patch(b: &StorePatchIn) -> Result<StorePatch, AppError> {
    Ok(StorePatch {
        name: b
            .name
            .as_deref()
            .map(|v| text("name", v, 200))
            .transpose()?,
        address: b.address.as_deref().map(address).transpose()?,
        receipt_header: b
            .receipt_header
            .as_deref()
            .map(|v| receipt_text("receipt_header", v))
            .transpose()?,
        receipt_footer: b
            .receipt_footer
            .as_deref()
            .map(|v| receipt_text("receipt_footer", v))
            .transpose()?,
        cash_tolerance: b.cash_tolerance.map(cash_tolerance).transpose()?,
        time_zone: b.time_zone,
    })
}

/// `PATCH /stores/{id}`: writes the store's change so its tills pull the new settings.
pub async fn patch_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StorePatchIn>,
) -> Result<Json<Store>, AppError> {
    let p = store_patch(&b)?;
    Ok(Json(st.storage.update_store(StoreId(id), &p).await?))
}

/// `PUT /stores/{id}`: replaces every setting of the store.
pub async fn put_store(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<StoreSettingsIn>,
) -> Result<Json<Store>, AppError> {
    let p = store_patch(&StorePatchIn {
        name: Some(b.name),
        address: Some(b.address),
        receipt_header: Some(b.receipt_header),
        receipt_footer: Some(b.receipt_footer),
        cash_tolerance: Some(b.cash_tolerance),
        time_zone: Some(b.time_zone),
    })?;
    Ok(Json(st.storage.update_store(StoreId(id), &p).await?))
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
    let s = st
        .storage
        .create_store(&NewStore {
            franchisee_id: b.franchisee_id,
            name: text("name", &b.name, 200)?,
            address: address(&b.address)?,
            receipt_header: receipt_text("receipt_header", &b.receipt_header)?,
            receipt_footer: receipt_text("receipt_footer", &b.receipt_footer)?,
            cash_tolerance: cash_tolerance(b.cash_tolerance)?,
            time_zone: b.time_zone,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

// --- tills --------------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct TillIn {
    pub store_id: StoreId,
    pub name: String,
}

/// A new till slot and the one-time code to enrol a device into it (shown only here).
#[derive(Debug, Serialize, Deserialize)]
pub struct CreatedTill {
    pub till: Till,
    pub enrolment_code: String,
    pub code_expires_at: DateTime<Utc>,
}

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

/// Creates a till slot with a fresh enrolment code (the code's SHA-256 is stored, valid 7 days).
pub async fn create_till_with_code(
    st: &AppState,
    store_id: StoreId,
    name: &str,
) -> Result<CreatedTill, AppError> {
    let name = text("name", name, 100)?;
    let code = auth::new_enrolment_code();
    let expires = Utc::now() + Duration::days(auth::ENROLMENT_CODE_DAYS);
    let till = st
        .storage
        .create_till(store_id, &name, &auth::hash_token(&code), expires)
        .await?;
    Ok(CreatedTill {
        till,
        enrolment_code: code,
        code_expires_at: expires,
    })
}

pub async fn create_till(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<TillIn>,
) -> Result<Created<CreatedTill>, AppError> {
    let t = create_till_with_code(&st, b.store_id, &b.name).await?;
    Ok((StatusCode::CREATED, Json(t)))
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
pub struct StaffIn {
    pub name: String,
    pub role: StaffRole,
    pub store_id: StoreId,
    pub pin: String,
}

#[derive(Debug, Deserialize)]
pub struct PinIn {
    pub pin: String,
}

pub(crate) async fn pin_hash(pin: String) -> Result<String, AppError> {
    auth::validate_pin(&pin).map_err(AppError::invalid)?;
    blocking(move || auth::hash_pin(&pin))
        .await?
        .map_err(AppError::internal)
}

pub async fn list_staff(
    State(st): State<AppState>,
    _: AdminToken,
    ApiQuery(q): ApiQuery<StaffQuery>,
) -> Result<Json<Vec<Staff>>, AppError> {
    Ok(Json(st.storage.list_staff(q.store_id.map(StoreId)).await?))
}

pub async fn create_staff(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<StaffIn>,
) -> Result<Created<Staff>, AppError> {
    let name = text("name", &b.name, 200)?;
    let pin_hash = pin_hash(b.pin).await?;
    let s = st
        .storage
        .create_staff(&NewStaff {
            name,
            role: b.role,
            store_id: b.store_id,
            pin_hash,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(s)))
}

pub async fn set_staff_pin(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PinIn>,
) -> Result<StatusCode, AppError> {
    let h = pin_hash(b.pin).await?;
    st.storage.set_staff_pin(StaffId(id), &h).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn delete_staff(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
) -> Result<StatusCode, AppError> {
    st.storage.deactivate_staff(StaffId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- tax rates ----------------------------------------------------------------------------------

#[derive(Debug, Deserialize)]
pub struct TaxRateIn {
    pub name: String,
    pub rate: TaxRate,
}

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
    if b.rate.is_negative() || b.rate > TaxRate::percent(100) {
        return Err(AppError::invalid(format!(
            "rate {} must be between 0.00 and 100.00",
            b.rate
        )));
    }
    let t = st
        .storage
        .create_tax_rate(&NewTaxRate {
            name: text("name", &b.name, 100)?,
            rate: b.rate,
        })
        .await?;
    Ok((StatusCode::CREATED, Json(t)))
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
pub struct ProductIn {
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub price: Money,
    #[serde(default)]
    pub barcodes: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchIn {
    pub name: Option<String>,
    pub tax_rate_id: Option<i64>,
    pub price: Option<Money>,
    pub active: Option<bool>,
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

/// Validates and normalises a new product (shared with the demo seed).
pub fn validate_product(b: ProductIn) -> Result<NewProduct, AppError> {
    let mut barcodes = Vec::with_capacity(b.barcodes.len());
    for c in &b.barcodes {
        let c = check_barcode(c)?;
        if barcodes.contains(&c) {
            return Err(AppError::invalid(format!("barcode {c} is listed twice")));
        }
        barcodes.push(c);
    }
    Ok(NewProduct {
        sku: text("sku", &b.sku, 64)?,
        name: text("name", &b.name, 200)?,
        tax_rate_id: b.tax_rate_id,
        price: price("price", b.price)?,
        barcodes,
    })
}

pub async fn create_product(
    State(st): State<AppState>,
    _: AdminToken,
    ApiJson(b): ApiJson<ProductIn>,
) -> Result<Created<Product>, AppError> {
    let p = validate_product(b)?;
    Ok((
        StatusCode::CREATED,
        Json(st.storage.create_product(&p).await?),
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
    let patch = ProductPatch {
        name: b
            .name
            .as_deref()
            .map(|n| text("name", n, 200))
            .transpose()?,
        tax_rate_id: b.tax_rate_id,
        price: b.price.map(|p| price("price", p)).transpose()?,
        active: b.active,
    };
    Ok(Json(
        st.storage.update_product(ProductId(id), &patch).await?,
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
    let category = b.category.trim().to_string();
    if category.chars().count() > 100 {
        return Err(AppError::invalid("category must be at most 100 characters"));
    }
    st.storage
        .dashboard()
        .set_product_category(ProductId(id), &category)
        .await?;
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
    let code = check_barcode(&b.code)?;
    st.storage.add_barcode(ProductId(id), &code).await?;
    Ok(Json(st.storage.get_product(ProductId(id)).await?))
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
    let p = price("price", b.price)?;
    st.storage
        .set_store_price(StoreId(store_id), ProductId(product_id), Some(p))
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

pub async fn clear_store_price(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath((store_id, product_id)): ApiPath<(i64, i64)>,
) -> Result<StatusCode, AppError> {
    st.storage
        .set_store_price(StoreId(store_id), ProductId(product_id), None)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

// --- GS1 variable-measure barcode rules -----------------------------------------------------------

/// A rule as HQ types it. Every field is required; `verifier` defaults to false.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BarcodeRuleIn {
    pub prefix: String,
    pub kind: MeasureKind,
    pub item_digits: usize,
    pub value_digits: usize,
    pub decimals: u32,
    #[serde(default)]
    pub verifier: bool,
}

/// Checks a rule (prefix 20–29, 13 digits in all, decimals 0–3, 0–2 for a price, verifier only
/// over a 4- or 5-digit value) and normalises it. Shared with the dashboard and the demo seed.
pub fn validate_barcode_rule(b: BarcodeRuleIn) -> Result<VariableMeasureRule, RuleError> {
    let r = VariableMeasureRule {
        prefix: b.prefix.trim().to_string(),
        item_digits: b.item_digits,
        kind: b.kind,
        value_digits: b.value_digits,
        decimals: b.decimals,
        verifier: b.verifier,
    };
    r.validate()?;
    Ok(r)
}

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
    let r = validate_barcode_rule(b).map_err(|e| AppError::invalid(e.to_string()))?;
    let rec = st.storage.create_barcode_rule(&r).await?;
    tracing::info!(id = rec.id, prefix = %rec.prefix, "barcode rule created");
    Ok((StatusCode::CREATED, Json(rec)))
}

pub async fn update_barcode_rule(
    State(st): State<AppState>,
    _: AdminToken,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<BarcodeRuleIn>,
) -> Result<Json<BarcodeRuleRecord>, AppError> {
    let r = validate_barcode_rule(b).map_err(|e| AppError::invalid(e.to_string()))?;
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
