//! Till staff: cashiers and managers with their PINs (only the argon2 hash is kept).

use super::fields::{pin, text};
use super::{ServiceResult, blocking};
use crate::storage::{NewStaff, Staff, Storage, StorageError};
use serde::Deserialize;
use sync_protocol::{StaffId, StaffRole, StoreId};

pub const NAME_MAX: usize = 200;

#[derive(Debug, Deserialize)]
pub struct StaffIn {
    pub name: String,
    pub role: StaffRole,
    pub store_id: StoreId,
    pub pin: String,
}

/// Checks a PIN and hashes it off the async threads.
pub async fn pin_hash(p: &str) -> ServiceResult<String> {
    pin(p)?;
    let p = p.to_string();
    blocking(move || crate::auth::hash_pin(&p))
        .await?
        .map_err(StorageError::Backend)
}

pub async fn create_staff(db: &dyn Storage, b: &StaffIn) -> ServiceResult<Staff> {
    let name = text("name", &b.name, NAME_MAX)?;
    let pin_hash = pin_hash(&b.pin).await?;
    db.create_staff(&NewStaff {
        name,
        role: b.role,
        store_id: b.store_id,
        pin_hash,
    })
    .await
}

pub async fn set_pin(db: &dyn Storage, id: StaffId, p: &str) -> ServiceResult<()> {
    let h = pin_hash(p).await?;
    db.set_staff_pin(id, &h).await
}
