//! Till slots and their enrolment codes.

use super::ServiceResult;
use super::fields::text;
use crate::auth;
use crate::storage::{Storage, Till};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::StoreId;

pub const NAME_MAX: usize = 100;

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

/// Creates a till slot with a fresh enrolment code (the code's SHA-256 is stored, valid 7 days).
pub async fn create_till(
    db: &dyn Storage,
    store_id: StoreId,
    name: &str,
) -> ServiceResult<CreatedTill> {
    let name = text("name", name, NAME_MAX)?;
    let code = auth::new_enrolment_code();
    let expires = Utc::now() + Duration::days(auth::ENROLMENT_CODE_DAYS);
    let till = db
        .create_till(store_id, &name, &auth::hash_token(&code), expires)
        .await?;
    Ok(CreatedTill {
        till,
        enrolment_code: code,
        code_expires_at: expires,
    })
}
