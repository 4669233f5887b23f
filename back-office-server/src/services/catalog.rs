//! The catalog: products, their barcodes and prices, tax rates, report categories and the GS1
//! variable-measure barcode rules. Storage writes the change-log rows the tills pull in the same
//! transaction as each change.

use super::ServiceResult;
use super::fields::{barcode, price, text};
use crate::problem::Problem;
use crate::storage::{NewProduct, NewTaxRate, Product, ProductPatch, Storage};
use serde::Deserialize;
use sync_protocol::barcode::{MeasureKind, RuleError, VariableMeasureRule};
use sync_protocol::{ProductId, StoreId, TaxRate, TaxRateRecord};

pub const SKU_MAX: usize = 64;
pub const NAME_MAX: usize = 200;
pub const TAX_RATE_NAME_MAX: usize = 100;
pub const CATEGORY_MAX: usize = 100;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct ProductIn {
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub price: Money,
    #[serde(default)]
    pub barcodes: Vec<String>,
}

use sync_protocol::Money;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProductPatchIn {
    pub name: Option<String>,
    pub tax_rate_id: Option<i64>,
    pub price: Option<Money>,
    pub active: Option<bool>,
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TaxRateIn {
    pub name: String,
    pub rate: TaxRate,
}

/// Checks and normalises a new product (also the catalog import and the demo seed).
pub fn new_product(b: ProductIn) -> Result<NewProduct, Problem> {
    let mut barcodes = Vec::with_capacity(b.barcodes.len());
    for c in &b.barcodes {
        let c = barcode(c)?;
        if barcodes.contains(&c) {
            return Err(Problem::new("barcode_duplicate_in_request").with("code", c));
        }
        barcodes.push(c);
    }
    Ok(NewProduct {
        sku: text("sku", &b.sku, SKU_MAX)?,
        name: text("name", &b.name, NAME_MAX)?,
        tax_rate_id: b.tax_rate_id,
        price: price("price", b.price)?,
        barcodes,
    })
}

/// Checks a product change.
pub fn product_patch(b: &ProductPatchIn) -> Result<ProductPatch, Problem> {
    Ok(ProductPatch {
        name: b
            .name
            .as_deref()
            .map(|n| text("name", n, NAME_MAX))
            .transpose()?,
        tax_rate_id: b.tax_rate_id,
        price: b.price.map(|p| price("price", p)).transpose()?,
        active: b.active,
    })
}

/// A report category: trimmed, may be empty (none), at most [`CATEGORY_MAX`] characters.
pub fn category(v: &str) -> Result<String, Problem> {
    let c = v.trim();
    if c.chars().count() > CATEGORY_MAX {
        return Err(Problem::new("category_too_long").with("max", CATEGORY_MAX));
    }
    Ok(c.to_string())
}

/// Checks a tax rate: a name and a rate from 0 to 100 %.
pub fn new_tax_rate(b: &TaxRateIn) -> Result<NewTaxRate, Problem> {
    if b.rate.is_negative() || b.rate > TaxRate::percent(100) {
        return Err(Problem::new("tax_rate_out_of_range").with("value", b.rate));
    }
    Ok(NewTaxRate {
        name: text("name", &b.name, TAX_RATE_NAME_MAX)?,
        rate: b.rate,
    })
}

pub async fn create_product(db: &dyn Storage, b: ProductIn) -> ServiceResult<Product> {
    let p = new_product(b)?;
    db.create_product(&p).await
}

pub async fn update_product(
    db: &dyn Storage,
    id: ProductId,
    b: &ProductPatchIn,
) -> ServiceResult<Product> {
    let p = product_patch(b)?;
    db.update_product(id, &p).await
}

pub async fn add_barcode(db: &dyn Storage, id: ProductId, code: &str) -> ServiceResult<Product> {
    let code = barcode(code)?;
    db.add_barcode(id, &code).await?;
    db.get_product(id).await
}

/// Sets (`Some`) or clears (`None`) a store's own price of a product.
pub async fn set_store_price(
    db: &dyn Storage,
    store: StoreId,
    product: ProductId,
    p: Option<Money>,
) -> ServiceResult<()> {
    let p = p.map(|p| price("price", p)).transpose()?;
    db.set_store_price(store, product, p).await
}

pub async fn set_category(db: &dyn Storage, id: ProductId, v: &str) -> ServiceResult<String> {
    let c = category(v)?;
    db.dashboard().set_product_category(id, &c).await?;
    Ok(c)
}

pub async fn create_tax_rate(db: &dyn Storage, b: &TaxRateIn) -> ServiceResult<TaxRateRecord> {
    let t = new_tax_rate(b)?;
    db.create_tax_rate(&t).await
}

/// A GS1 variable-measure rule as HQ types it. Every field is required; `verifier` defaults to false.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
/// over a 4- or 5-digit value) and normalises it. Shared by the API, the dashboard and the demo seed.
pub fn barcode_rule(b: BarcodeRuleIn) -> Result<VariableMeasureRule, RuleError> {
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
