//! Till slots and their enrolment codes.

use super::ServiceResult;
use super::fields::text;
use crate::auth;
use crate::storage::{Storage, Till};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::StoreId;

pub const NAME_MAX: usize = 100;

/// The till release a till reporting `version` needs before it can apply every change kind HQ has
/// sent its store (`kinds`, see `sync_protocol::KIND_INTRODUCED_IN`), with the kinds its version
/// is too old for. `None` when it can apply them all, or when its version does not read as a
/// release (nothing to judge by, as HQ's change gate does).
pub fn version_needed<'a>(
    version: &str,
    kinds: impl IntoIterator<Item = &'a str>,
) -> Option<(&'static str, Vec<&'a str>)> {
    let mut needed: Option<&'static str> = None;
    let mut late: Vec<&str> = Vec::new();
    for kind in kinds {
        let Some(since) = sync_protocol::kind_introduced_in(kind) else {
            continue;
        };
        if sync_protocol::till_can_apply(version, &[], kind) != Some(false) {
            continue;
        }
        late.push(kind);
        if needed.is_none_or(|n| {
            sync_protocol::compare_versions(since, n) == Some(std::cmp::Ordering::Greater)
        }) {
            needed = Some(since);
        }
    }
    late.sort_unstable();
    late.dedup();
    needed.map(|v| (v, late))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
pub struct TillIn {
    pub store_id: StoreId,
    pub name: String,
}

/// A new till slot and the one-time code to enrol a device into it (shown only here).
#[derive(Debug, Serialize, Deserialize, utoipa::ToSchema)]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_release_a_till_needs_for_the_kinds_sent() {
        assert_eq!(
            version_needed("0.0.9", ["store", "product", "product"]),
            Some(("0.1.0", vec!["product", "store"]))
        );
        assert_eq!(version_needed("0.1.0", ["product", "store"]), None);
        assert_eq!(version_needed("0.2.0+b7", ["product"]), None);
        assert_eq!(
            version_needed("0.1.0-rc.1", ["product"]),
            Some(("0.1.0", vec!["product"])),
            "a pre-release comes before its release"
        );
        assert_eq!(
            version_needed("nightly", ["product"]),
            None,
            "not a version"
        );
        assert_eq!(
            version_needed("0.0.1", ["gift_card"]),
            None,
            "not a kind HQ sends"
        );
        assert_eq!(version_needed("0.0.9", []), None, "nothing sent yet");
    }
}
