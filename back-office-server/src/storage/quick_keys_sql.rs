//! [`QuickKeyStorage`] over [`Tx`], written once for both backends.

use super::db::Tx;
use super::quick_keys::{QuickKeyStorage, StoredLayout};
use super::sql::{self, ChangeRow};
use super::sql_storage::{SqlStorage, write_change};
use super::{StorageError, StorageResult};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sync_protocol::{CatalogChange, QuickKeyLayout, StoreId};

fn scope(store: Option<StoreId>) -> i64 {
    store.map_or(0, |s| s.0)
}

fn bad_stored(e: impl std::fmt::Display) -> StorageError {
    StorageError::Backend(format!("a stored quick-key layout cannot be read: {e}"))
}

async fn load(tx: &mut dyn Tx, store: Option<StoreId>) -> StorageResult<Option<StoredLayout>> {
    let Some(r) = tx
        .query_opt(
            "SELECT layout_json, updated_by, updated_at FROM quick_key_layouts WHERE scope = ?1",
            p![scope(store)],
        )
        .await?
    else {
        return Ok(None);
    };
    Ok(Some(StoredLayout {
        layout: serde_json::from_str(&r.get::<String>(0)?).map_err(bad_stored)?,
        updated_by: r.get(1)?,
        updated_at: sql::from_micros(r.get(2)?),
    }))
}

#[async_trait]
impl QuickKeyStorage for SqlStorage {
    async fn quick_key_layout(
        &self,
        store: Option<StoreId>,
    ) -> StorageResult<Option<StoredLayout>> {
        self.db
            .read(move |tx| Box::pin(async move { load(tx, store).await }))
            .await
    }

    async fn stores_with_own_quick_keys(&self) -> StorageResult<Vec<StoreId>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT store_id FROM quick_key_layouts WHERE store_id IS NOT NULL ORDER BY store_id",
                        p![],
                        |r| Ok(StoreId(r.get(0)?)),
                    )
                    .await
                })
            })
            .await
    }

    async fn save_quick_key_layout(
        &self,
        layout: &QuickKeyLayout,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<StoredLayout> {
        let layout = layout.clone();
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(s) = layout.store_id
                        && !tx.exists("SELECT 1 FROM stores WHERE id = ?1", p![s.0]).await?
                    {
                        return Err(sql::store_not_found(s.0));
                    }
                    for (i, k) in layout.keys.iter().enumerate() {
                        if !tx
                            .exists("SELECT 1 FROM products WHERE id = ?1", p![k.product_id.0])
                            .await?
                        {
                            return Err(StorageError::Invalid(
                                Problem::new("quick_key_unknown_product")
                                    .with("line", i + 1)
                                    .with("id", k.product_id),
                            ));
                        }
                    }
                    let json = serde_json::to_string(&layout)
                        .map_err(|e| StorageError::Backend(e.to_string()))?;
                    tx.execute(
                        "INSERT INTO quick_key_layouts (scope, store_id, layout_json, updated_by, updated_at)
                         VALUES (?1, ?2, ?3, ?4, ?5)
                         ON CONFLICT (scope) DO UPDATE SET layout_json = excluded.layout_json,
                           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        p![
                            scope(layout.store_id),
                            layout.store_id.map(|s| s.0),
                            &json,
                            &by,
                            sql::micros(now)
                        ],
                    )
                    .await?;
                    let change = CatalogChange::QuickKeys(layout.clone());
                    write_change(
                        tx,
                        match layout.store_id {
                            Some(s) => ChangeRow::for_store(s.0, &change)?,
                            None => ChangeRow::global(&change)?,
                        },
                    )
                    .await?;
                    load(tx, layout.store_id)
                        .await?
                        .ok_or_else(|| StorageError::Backend("layout vanished".into()))
                })
            })
            .await
    }

    async fn clear_store_quick_keys(&self, store: StoreId) -> StorageResult<()> {
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let gone = tx
                        .execute(
                            "DELETE FROM quick_key_layouts WHERE scope = ?1 AND store_id IS NOT NULL",
                            p![store.0],
                        )
                        .await?;
                    if gone == 0 {
                        return Err(StorageError::NotFound(
                            Problem::new("quick_keys_not_found").with("store", store),
                        ));
                    }
                    write_change(
                        tx,
                        ChangeRow::for_store(
                            store.0,
                            &CatalogChange::QuickKeysCleared { store_id: store },
                        )?,
                    )
                    .await
                })
            })
            .await
    }
}
