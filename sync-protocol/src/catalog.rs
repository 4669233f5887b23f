//! Catalog records that flow down from HQ to the tills through the change log.
//! Each change carries the cursor it was written at; tills apply pages in cursor order.

use crate::ids::{FranchiseeId, ProductId, StaffId, StoreId};
use crate::money::{Money, TaxRate};
use serde::{Deserialize, Serialize};

/// A tax rate HQ has configured (IVA 21/10/4/0 and any other).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TaxRateRecord {
    pub id: i64,
    pub name: String,
    pub rate: TaxRate,
}

/// A product with HQ's tax-inclusive price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProductRecord {
    pub id: ProductId,
    pub sku: String,
    pub name: String,
    pub tax_rate_id: i64,
    pub tax_rate: TaxRate,
    pub price: Money,
    pub active: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Cashier,
    Manager,
}

/// A member of staff who may log in at the till. The PIN travels only as an argon2 hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRecord {
    pub id: StaffId,
    pub name: String,
    pub role: StaffRole,
    pub pin_hash: String,
    pub active: bool,
}

/// The store and the franchisee that owns it, for receipt headers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoreRecord {
    pub id: StoreId,
    pub name: String,
    pub address: String,
    pub franchisee_id: FranchiseeId,
    pub franchisee_legal_name: String,
    pub franchisee_nif: String,
    pub receipt_footer: String,
}

/// One change a till must apply. Prices per store are already filtered to the asking till's store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum CatalogChange {
    TaxRate(TaxRateRecord),
    Product(ProductRecord),
    ProductDeleted {
        id: ProductId,
    },
    Barcode {
        code: String,
        product_id: ProductId,
    },
    BarcodeDeleted {
        code: String,
    },
    /// This store's own price for a product, overriding HQ's.
    StorePrice {
        product_id: ProductId,
        price: Money,
    },
    StorePriceCleared {
        product_id: ProductId,
    },
    Staff(StaffRecord),
    StaffDeleted {
        id: StaffId,
    },
    Store(StoreRecord),
}

/// A change with its position in HQ's change log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub cursor: i64,
    pub change: CatalogChange,
}
