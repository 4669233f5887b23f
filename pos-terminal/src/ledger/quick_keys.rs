//! HQ's quick keys at the till: the layouts kept from the change log (the franchise's, and this
//! store's own when HQ gave it one) and the keys to draw, each with its product at this store's
//! price. A key whose product is unknown here or inactive is not drawn.

use rusqlite::{OptionalExtension, Transaction, params};
use sync_protocol::{KeyColour, QuickKeyLayout};

use super::{CatalogItem, Ledger, LedgerError, Result, catalog_item};

/// Scope of the franchise's layout in `quick_key_layouts`.
const FRANCHISE: i64 = 0;
/// Scope of this store's own layout.
const STORE: i64 = 1;

/// One key to draw: where, what it says, its colour and the product it sells.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuickKeyItem {
    pub page: String,
    /// The label HQ gave it, else the product's name.
    pub label: String,
    pub colour: KeyColour,
    pub item: CatalogItem,
}

/// Keeps a layout HQ sent (whole; a replay writes the same).
pub(super) fn apply(tx: &Transaction<'_>, l: &QuickKeyLayout) -> Result<()> {
    let json = serde_json::to_string(l)
        .map_err(|e| LedgerError::Invalid(format!("quick keys cannot be stored: {e}")))?;
    tx.execute(
        "INSERT INTO quick_key_layouts (scope, layout_json) VALUES (?1, ?2)
         ON CONFLICT (scope) DO UPDATE SET layout_json = excluded.layout_json",
        params![
            if l.store_id.is_some() {
                STORE
            } else {
                FRANCHISE
            },
            json
        ],
    )?;
    Ok(())
}

/// Drops this store's own layout: the franchise's applies again.
pub(super) fn clear_store(tx: &Transaction<'_>) -> Result<()> {
    tx.execute("DELETE FROM quick_key_layouts WHERE scope = ?1", [STORE])?;
    Ok(())
}

impl Ledger {
    /// The layout this till shows: its store's own if HQ gave it one, else the franchise's.
    pub fn quick_key_layout(&self) -> Result<Option<QuickKeyLayout>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT layout_json FROM quick_key_layouts ORDER BY scope DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        json.map(|j| {
            serde_json::from_str(&j)
                .map_err(|e| LedgerError::Invalid(format!("stored quick keys cannot be read: {e}")))
        })
        .transpose()
    }

    /// The keys to draw, in the layout's order: each key whose product is active here, at this
    /// store's price.
    pub fn quick_keys(&self) -> Result<Vec<QuickKeyItem>> {
        let Some(layout) = self.quick_key_layout()? else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name,
                    (SELECT MIN(code) FROM barcodes WHERE product_id = p.id),
                    p.rate_hundredths, p.price_cents, sp.price_cents
             FROM products p
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE p.id = ?1 AND p.active = 1",
        )?;
        let mut keys = Vec::with_capacity(layout.keys.len());
        for k in layout.keys {
            let Some(item) = stmt.query_row([k.product_id.0], catalog_item).optional()? else {
                continue;
            };
            keys.push(QuickKeyItem {
                label: if k.label.trim().is_empty() {
                    item.name.clone()
                } else {
                    k.label
                },
                page: k.page,
                colour: k.colour,
                item,
            });
        }
        Ok(keys)
    }
}
