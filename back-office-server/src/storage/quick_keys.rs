//! Quick keys for the tills (issue 17): the franchise's layout and stores' own layouts, each kept
//! whole and sent whole through the change log (see [`sync_protocol::quick_keys`]).

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{QuickKeyLayout, StoreId};

/// A layout as HQ keeps it: who saved it last, and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredLayout {
    pub layout: QuickKeyLayout,
    pub updated_by: String,
    pub updated_at: DateTime<Utc>,
}

#[async_trait]
pub trait QuickKeyStorage: Send + Sync {
    /// The franchise's layout (`None`) or a store's own.
    async fn quick_key_layout(&self, store: Option<StoreId>)
    -> StorageResult<Option<StoredLayout>>;
    /// The stores that have a layout of their own.
    async fn stores_with_own_quick_keys(&self) -> StorageResult<Vec<StoreId>>;
    /// Replaces a layout (the franchise's when `layout.store_id` is `None`) and writes its change:
    /// to every till for the franchise's, to the store's tills for a store's. A product that does
    /// not exist, or an unknown store, is `Invalid`/`NotFound` and nothing is stored.
    async fn save_quick_key_layout(
        &self,
        layout: &QuickKeyLayout,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredLayout>;
    /// Removes a store's own layout (its tills show the franchise's again) and writes the change.
    /// `NotFound` when the store has none.
    async fn clear_store_quick_keys(&self, store: StoreId) -> StorageResult<()>;
}
