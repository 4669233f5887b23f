//! Till staff: cashiers and managers with their PINs (only the argon2 hash is kept).

use super::fields::pin;
use super::{ServiceResult, blocking};
use crate::storage::StorageError;
use serde::Deserialize;
use sync_protocol::{StaffRole, StoreId};

pub const NAME_MAX: usize = 200;

#[derive(Debug, Deserialize, utoipa::ToSchema)]
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
