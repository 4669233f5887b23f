//! Franchisees and stores: what a valid franchisee or store is, and what creating or changing one
//! writes (storage also writes the `Store` change every till of the store pulls).

use super::ServiceResult;
use super::fields::{address, cash_tolerance, nif, optional_email, receipt_text, text};
use crate::problem::Problem;
use crate::storage::{
    Franchisee, FranchiseePatch, NewFranchisee, NewStore, Storage, Store, StorePatch, TimeZone,
};
use serde::Deserialize;
use sync_protocol::{FranchiseeId, Money, StoreId};

/// Longest legal name of a franchisee and name of a store.
pub const NAME_MAX: usize = 200;

/// A new franchisee as HQ types it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct FranchiseeIn {
    pub legal_name: String,
    pub nif: String,
    #[serde(default)]
    pub address: String,
}

/// A franchisee change: only the fields given change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FranchiseePatchIn {
    pub legal_name: Option<String>,
    pub nif: Option<String>,
    pub address: Option<String>,
}

impl From<FranchiseeIn> for FranchiseePatchIn {
    fn from(b: FranchiseeIn) -> Self {
        Self {
            legal_name: Some(b.legal_name),
            nif: Some(b.nif),
            address: Some(b.address),
        }
    }
}

/// A new store as HQ types it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
    #[schema(value_type = String)]
    pub time_zone: TimeZone,
}

/// A store change: only the fields given change.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StorePatchIn {
    pub name: Option<String>,
    pub address: Option<String>,
    pub receipt_header: Option<String>,
    pub receipt_footer: Option<String>,
    pub cash_tolerance: Option<Money>,
    #[schema(value_type = Option<String>)]
    pub time_zone: Option<TimeZone>,
    /// The store has one manager, who may approve their own Z over/short.
    pub single_manager: Option<bool>,
    /// The store's e-mail address, offered first when a manager e-mails an X or Z report from a
    /// till; `""` removes it.
    pub report_email: Option<String>,
}

/// Every setting of a store (the franchisee of a store does not change).
#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
    #[schema(value_type = String)]
    pub time_zone: TimeZone,
    /// Default false: a Z over/short beyond the tolerance needs a second manager.
    #[serde(default)]
    pub single_manager: bool,
    /// Default none.
    #[serde(default)]
    pub report_email: String,
}

impl From<StoreSettingsIn> for StorePatchIn {
    fn from(b: StoreSettingsIn) -> Self {
        Self {
            name: Some(b.name),
            address: Some(b.address),
            receipt_header: Some(b.receipt_header),
            receipt_footer: Some(b.receipt_footer),
            cash_tolerance: Some(b.cash_tolerance),
            time_zone: Some(b.time_zone),
            single_manager: Some(b.single_manager),
            report_email: Some(b.report_email),
        }
    }
}

/// Checks a new franchisee: legal name, NIF/CIF with its check character, address.
pub fn new_franchisee(b: &FranchiseeIn) -> Result<NewFranchisee, Problem> {
    Ok(NewFranchisee {
        legal_name: text("legal_name", &b.legal_name, NAME_MAX)?,
        nif: nif(&b.nif)?,
        address: address(&b.address)?,
    })
}

/// Checks a franchisee change.
pub fn franchisee_patch(b: &FranchiseePatchIn) -> Result<FranchiseePatch, Problem> {
    Ok(FranchiseePatch {
        legal_name: b
            .legal_name
            .as_deref()
            .map(|v| text("legal_name", v, NAME_MAX))
            .transpose()?,
        nif: b.nif.as_deref().map(nif).transpose()?,
        address: b.address.as_deref().map(address).transpose()?,
    })
}

/// Checks a new store.
pub fn new_store(b: &StoreIn) -> Result<NewStore, Problem> {
    Ok(NewStore {
        franchisee_id: b.franchisee_id,
        name: text("name", &b.name, NAME_MAX)?,
        address: address(&b.address)?,
        receipt_header: receipt_text("receipt_header", &b.receipt_header)?,
        receipt_footer: receipt_text("receipt_footer", &b.receipt_footer)?,
        cash_tolerance: cash_tolerance(b.cash_tolerance)?,
        time_zone: b.time_zone,
    })
}

/// Checks a store change.
pub fn store_patch(b: &StorePatchIn) -> Result<StorePatch, Problem> {
    Ok(StorePatch {
        name: b
            .name
            .as_deref()
            .map(|v| text("name", v, NAME_MAX))
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
        single_manager: b.single_manager,
        report_email: b.report_email.as_deref().map(optional_email).transpose()?,
    })
}

pub async fn create_franchisee(db: &dyn Storage, b: &FranchiseeIn) -> ServiceResult<Franchisee> {
    let f = new_franchisee(b)?;
    db.create_franchisee(&f).await
}

/// Changes a franchisee's legal data; the tills of its stores get it (their receipts carry it).
pub async fn update_franchisee(
    db: &dyn Storage,
    id: FranchiseeId,
    b: &FranchiseePatchIn,
) -> ServiceResult<Franchisee> {
    let p = franchisee_patch(b)?;
    db.update_franchisee(id, &p).await
}

pub async fn create_store(db: &dyn Storage, b: &StoreIn) -> ServiceResult<Store> {
    let s = new_store(b)?;
    db.create_store(&s).await
}

/// Changes a store's settings; its tills pull them.
pub async fn update_store(db: &dyn Storage, id: StoreId, b: &StorePatchIn) -> ServiceResult<Store> {
    let p = store_patch(b)?;
    db.update_store(id, &p).await
}
