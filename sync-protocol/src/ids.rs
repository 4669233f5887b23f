//! Identifier newtypes, so a store id can never be passed where a till id is expected.
//! Server-assigned entities use integer ids; documents use UUIDv7 minted on the till.

use serde::{Deserialize, Serialize};
use std::fmt;
use uuid::Uuid;

macro_rules! int_id {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        #[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
        pub struct $name(pub i64);
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

int_id!(
    /// A till (one enrolled device) as numbered by HQ.
    TillId
);
int_id!(
    /// A store (a shop with one or more tills).
    StoreId
);
int_id!(
    /// A franchisee: the separate company, with its own NIF, that owns stores.
    FranchiseeId
);
int_id!(
    /// A product in HQ's catalog.
    ProductId
);
int_id!(
    /// A member of staff (cashier, manager).
    StaffId
);

/// A document's id: a UUIDv7 minted on the till, unique forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct DocumentId(pub Uuid);

impl DocumentId {
    /// A new time-ordered id.
    pub fn new() -> Self {
        Self(Uuid::now_v7())
    }
}

impl Default for DocumentId {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}
