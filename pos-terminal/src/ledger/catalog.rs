//! HQ's catalog on the till: applying pages of the change log, lookups and type-ahead search,
//! and the store header.

use super::{
    CatalogItem, Ledger, Result, customers, deliveries, growth, promotions, quick_keys, scan,
    staff::role_str,
};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use sync_protocol::{
    CatalogChange, ChangesPage, FranchiseeId, Money, ProductId, StoreId, StoreRecord, TaxRate,
};

/// A scan's lookup: the active product with this exact barcode, at this store's price.
const LOOKUP_BARCODE: &str =
    "SELECT p.id, p.sku, p.name, b.code, p.rate_hundredths, p.price_cents, sp.price_cents
     FROM barcodes b
     JOIN products p ON p.id = b.product_id
     LEFT JOIN store_prices sp ON sp.product_id = p.id
     WHERE b.code = ?1 AND p.active = 1";

impl Ledger {
    /// Applies one page of HQ's change log and the new cursor in one transaction. Changes at or
    /// below the current cursor are skipped, so applying a page twice changes nothing. A change of
    /// a kind this build does not know (a newer HQ) is skipped and recorded, never fails the page
    /// (see [`Ledger::skipped_change_kinds`]). Returns how many changes were applied.
    pub fn apply_changes(&mut self, page: &ChangesPage) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let current: i64 =
            tx.query_row("SELECT cursor FROM sync_cursor WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        let mut applied = 0;
        let mut new_cursor = current.max(page.next_cursor);
        for c in &page.changes {
            if c.cursor <= current {
                continue;
            }
            new_cursor = new_cursor.max(c.cursor);
            if let CatalogChange::Unknown { kind } = &c.change {
                growth::record_skipped(&tx, kind, c.cursor)?;
                continue;
            }
            apply_change(&tx, &c.change)?;
            applied += 1;
        }
        tx.execute(
            "UPDATE sync_cursor SET cursor = ?1 WHERE id = 1",
            [new_cursor],
        )?;
        tx.commit()?;
        Ok(applied)
    }

    /// The last change-log position applied.
    pub fn cursor(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT cursor FROM sync_cursor WHERE id = 1", [], |r| {
                r.get(0)
            })?)
    }

    /// Compacts the search index and refreshes planner statistics; worth calling after a large
    /// catalog pull (first sync), never needed for correctness.
    pub fn optimize(&mut self) -> Result<()> {
        self.conn.execute_batch(
            "INSERT INTO products_fts (products_fts) VALUES ('optimize'); PRAGMA optimize;",
        )?;
        Ok(())
    }

    /// The active product with this exact barcode, at this store's price.
    pub fn lookup_barcode(&self, code: &str) -> Result<Option<CatalogItem>> {
        let mut stmt = self.conn.prepare_cached(LOOKUP_BARCODE)?;
        Ok(stmt.query_row([code.trim()], catalog_item).optional()?)
    }

    /// The active product whose SKU is exactly `sku` (case ignored), at this store's price: an
    /// SKU typed in the scan field rings up like a scan.
    pub fn lookup_sku(&self, sku: &str) -> Result<Option<CatalogItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name,
                    (SELECT MIN(code) FROM barcodes WHERE product_id = p.id),
                    p.rate_hundredths, p.price_cents, sp.price_cents
             FROM products p
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE p.sku = ?1 COLLATE NOCASE AND p.active = 1
             LIMIT 1",
        )?;
        Ok(stmt.query_row([sku.trim()], catalog_item).optional()?)
    }

    /// Type-ahead search on product names: every word of `text` is a prefix, accents and case
    /// ignored ("cafe" finds "Café"). Unranked on purpose: bm25 cost grows with the match count.
    /// User input never reaches FTS5 syntax: words are reduced to letters and digits and quoted.
    pub fn search_products(&self, text: &str, limit: usize) -> Result<Vec<CatalogItem>> {
        let Some(query) = fts_prefix_query(text) else {
            return Ok(Vec::new());
        };
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.sku, p.name,
                    (SELECT MIN(code) FROM barcodes WHERE product_id = p.id),
                    p.rate_hundredths, p.price_cents, sp.price_cents
             FROM products_fts f
             JOIN products p ON p.id = f.rowid
             LEFT JOIN store_prices sp ON sp.product_id = p.id
             WHERE products_fts MATCH ?1 AND p.active = 1
             LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![query, limit as i64], catalog_item)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The store header for receipts, once HQ has sent it.
    pub fn store_info(&self) -> Result<Option<StoreRecord>> {
        Ok(self
            .conn
            .query_row(
                "SELECT store_id, name, address, franchisee_id, franchisee_legal_name, franchisee_nif, receipt_footer,
                        receipt_header, cash_tolerance_cents, single_manager, report_email
                 FROM store_info WHERE id = 1",
                [],
                |r| {
                    Ok(StoreRecord {
                        id: StoreId(r.get(0)?),
                        name: r.get(1)?,
                        address: r.get(2)?,
                        franchisee_id: FranchiseeId(r.get(3)?),
                        franchisee_legal_name: r.get(4)?,
                        franchisee_nif: r.get(5)?,
                        receipt_footer: r.get(6)?,
                        receipt_header: r.get(7)?,
                        cash_tolerance: r.get::<_, Option<i64>>(8)?.map(Money::from_cents),
                        time_zone: None,
                        single_manager: r.get::<_, i64>(9)? != 0,
                        report_email: r.get(10)?,
                    })
                },
            )
            .optional()?)
    }
}

pub(super) fn catalog_item(r: &rusqlite::Row<'_>) -> rusqlite::Result<CatalogItem> {
    let hq: i64 = r.get(5)?;
    let store: Option<i64> = r.get(6)?;
    Ok(CatalogItem {
        product_id: ProductId(r.get(0)?),
        sku: r.get(1)?,
        name: r.get(2)?,
        barcode: r.get(3)?,
        tax_rate: TaxRate::from_hundredths(r.get(4)?),
        price: Money::from_cents(store.unwrap_or(hq)),
        hq_price: Money::from_cents(hq),
        store_override: store.is_some(),
    })
}

/// Applies one catalog change as an upsert or delete, so replaying it is harmless.
fn apply_change(tx: &Transaction<'_>, change: &CatalogChange) -> Result<()> {
    match change {
        CatalogChange::TaxRate(t) => {
            tx.prepare_cached(
                "INSERT INTO tax_rates (id, name, rate_hundredths) VALUES (?1, ?2, ?3)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, rate_hundredths = excluded.rate_hundredths",
            )?
            .execute(params![t.id, t.name, t.rate.hundredths()])?;
        }
        CatalogChange::Product(p) => {
            tx.prepare_cached(
                "INSERT INTO products (id, sku, name, tax_rate_id, rate_hundredths, price_cents, active)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET sku = excluded.sku, name = excluded.name,
                   tax_rate_id = excluded.tax_rate_id, rate_hundredths = excluded.rate_hundredths,
                   price_cents = excluded.price_cents, active = excluded.active",
            )?
            .execute(params![
                p.id.0,
                p.sku,
                p.name,
                p.tax_rate_id,
                p.tax_rate.hundredths(),
                p.price.cents(),
                p.active
            ])?;
        }
        CatalogChange::ProductDeleted { id } => {
            tx.execute("DELETE FROM barcodes WHERE product_id = ?1", [id.0])?;
            tx.execute("DELETE FROM store_prices WHERE product_id = ?1", [id.0])?;
            tx.execute("DELETE FROM products WHERE id = ?1", [id.0])?;
        }
        CatalogChange::Barcode { code, product_id } => {
            tx.prepare_cached(
                "INSERT INTO barcodes (code, product_id) VALUES (?1, ?2)
                 ON CONFLICT (code) DO UPDATE SET product_id = excluded.product_id",
            )?
            .execute(params![code.trim(), product_id.0])?;
        }
        CatalogChange::BarcodeDeleted { code } => {
            tx.execute("DELETE FROM barcodes WHERE code = ?1", [code.trim()])?;
        }
        CatalogChange::StorePrice { product_id, price } => {
            tx.prepare_cached(
                "INSERT INTO store_prices (product_id, price_cents) VALUES (?1, ?2)
                 ON CONFLICT (product_id) DO UPDATE SET price_cents = excluded.price_cents",
            )?
            .execute(params![product_id.0, price.cents()])?;
        }
        CatalogChange::StorePriceCleared { product_id } => {
            tx.execute(
                "DELETE FROM store_prices WHERE product_id = ?1",
                [product_id.0],
            )?;
        }
        CatalogChange::Staff(s) => {
            tx.prepare_cached(
                "INSERT INTO staff (id, name, role, pin_hash, active) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role,
                   pin_hash = excluded.pin_hash, active = excluded.active",
            )?
            .execute(params![
                s.id.0,
                s.name,
                role_str(s.role),
                s.pin_hash,
                s.active
            ])?;
        }
        CatalogChange::StaffDeleted { id } => {
            tx.execute("DELETE FROM staff WHERE id = ?1", [id.0])?;
        }
        CatalogChange::BarcodeRule(r) => {
            tx.prepare_cached(
                "INSERT INTO barcode_rules (id, prefix, kind, item_digits, value_digits, decimals, verifier)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (id) DO UPDATE SET prefix = excluded.prefix, kind = excluded.kind,
                   item_digits = excluded.item_digits, value_digits = excluded.value_digits,
                   decimals = excluded.decimals, verifier = excluded.verifier",
            )?
            .execute(params![
                r.id,
                r.prefix,
                scan::kind_str(r.kind),
                i64::try_from(r.item_digits).unwrap_or(i64::MAX),
                i64::try_from(r.value_digits).unwrap_or(i64::MAX),
                r.decimals,
                r.verifier
            ])?;
        }
        CatalogChange::BarcodeRuleDeleted { id } => {
            tx.execute("DELETE FROM barcode_rules WHERE id = ?1", [id])?;
        }
        CatalogChange::DeliveryNote(n) => deliveries::apply(tx, n)?,
        CatalogChange::QuickKeys(l) => quick_keys::apply(tx, l)?,
        CatalogChange::QuickKeysCleared { .. } => quick_keys::clear_store(tx)?,
        CatalogChange::Customer(c) => customers::apply(tx, c)?,
        CatalogChange::CustomerErased { id } => customers::erase(tx, *id)?,
        CatalogChange::Promotion(p) => promotions::apply_promotion(tx, p)?,
        CatalogChange::PriceSchedule(s) => promotions::apply_price_schedule(tx, s)?,
        CatalogChange::PriceScheduleCancelled { id } => promotions::cancel_price_schedule(tx, *id)?,
        // Recorded by `apply_changes` before it gets here.
        CatalogChange::Unknown { .. } => {}
        CatalogChange::Store(s) => {
            promotions::apply_store_zone(tx, s)?;
            tx.execute(
                "INSERT INTO store_info (id, store_id, name, address, franchisee_id, franchisee_legal_name, franchisee_nif,
                   receipt_footer, receipt_header, cash_tolerance_cents, single_manager, report_email)
                 VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (id) DO UPDATE SET store_id = excluded.store_id, name = excluded.name,
                   address = excluded.address, franchisee_id = excluded.franchisee_id,
                   franchisee_legal_name = excluded.franchisee_legal_name,
                   franchisee_nif = excluded.franchisee_nif, receipt_footer = excluded.receipt_footer,
                   receipt_header = excluded.receipt_header,
                   cash_tolerance_cents = excluded.cash_tolerance_cents,
                   single_manager = excluded.single_manager,
                   report_email = excluded.report_email",
                params![
                    s.id.0,
                    s.name,
                    s.address,
                    s.franchisee_id.0,
                    s.franchisee_legal_name,
                    s.franchisee_nif,
                    s.receipt_footer,
                    s.receipt_header,
                    // A negative tolerance is never sent by HQ; if one came, it is ignored (the
                    // till's own setting applies) rather than stalling the pull.
                    s.cash_tolerance
                        .filter(|t| !t.is_negative())
                        .map(|t| t.cents()),
                    s.single_manager,
                    // An address the till could not send to is not offered.
                    s.report_email
                        .as_deref()
                        .map(str::trim)
                        .filter(|e| sync_protocol::customers::is_email(e))
                ],
            )?;
        }
    }
    Ok(())
}

/// Turns free text into a safe FTS5 query: each word becomes `"word"*` (AND-ed). Anything that
/// is not a letter or digit separates words, so quotes, `*`, `:`, `^`, `(`, `-`, `NEAR` and column
/// filters cannot be injected. One-character words are dropped when there are longer ones
/// (a 1-character prefix is not pre-indexed and scans the whole index); `None` when nothing is left.
pub fn fts_prefix_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let long: Vec<&String> = words.iter().filter(|w| w.chars().count() >= 2).collect();
    if long.is_empty() {
        return None;
    }
    Some(
        long.iter()
            .map(|w| format!("\"{w}\"*"))
            .collect::<Vec<_>>()
            .join(" "),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use sync_protocol::*;

    fn reprepares(ledger: &Ledger) -> i32 {
        ledger
            .conn
            .prepare_cached(LOOKUP_BARCODE)
            .unwrap()
            .get_status(rusqlite::StatementStatus::RePrepare)
    }

    /// A scan runs the cached lookup; it must not be compiled again for each scan, alone or with
    /// sales rung between scans as at a counter. SQLite re-prepares a statement at a new binding
    /// when the planner may use the bound value; the ledger asks for stable plans (QPSG) instead.
    /// Before, every scan but the first was compiled again (9 of 10 here): a quarter of the
    /// CPU of ringing a sale in till-sim's profile.
    #[test]
    fn a_scan_reuses_its_compiled_lookup() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(dir.path().join("till.db")).unwrap();
        let enrolled = EnrollResponse {
            till_id: TillId(7),
            store_id: StoreId(3),
            franchisee_id: FranchiseeId(2),
            ticket_series: "T0007".into(),
            token: "secret-token".into(),
        };
        ledger
            .enrol("http://127.0.0.1:9", &enrolled, "caja 1")
            .unwrap();
        let product = |id: i64| {
            CatalogChange::Product(ProductRecord {
                id: ProductId(id),
                sku: format!("SKU{id}"),
                name: format!("Producto {id}"),
                tax_rate_id: 2,
                tax_rate: TaxRate::IVA_REDUCED,
                price: Money::from_cents(100 * id),
                active: true,
            })
        };
        let codes = ["8412345678905", "4006381333931"];
        let changes = vec![
            CatalogChange::TaxRate(TaxRateRecord {
                id: 2,
                name: "IVA reducido".into(),
                rate: TaxRate::IVA_REDUCED,
            }),
            product(1),
            product(2),
            CatalogChange::Barcode {
                code: codes[0].into(),
                product_id: ProductId(1),
            },
            CatalogChange::Barcode {
                code: codes[1].into(),
                product_id: ProductId(2),
            },
            CatalogChange::Store(StoreRecord {
                id: StoreId(3),
                name: "Tienda".into(),
                address: "Calle 1".into(),
                franchisee_id: FranchiseeId(2),
                franchisee_legal_name: "Panadería Muñoz S.L.".into(),
                franchisee_nif: "B12345674".into(),
                receipt_footer: String::new(),
                receipt_header: String::new(),
                cash_tolerance: None,
                time_zone: None,
                single_manager: false,
                report_email: None,
            }),
        ];
        let page = ChangesPage {
            protocol_version: PROTOCOL_VERSION,
            changes: changes
                .into_iter()
                .enumerate()
                .map(|(i, change)| Change {
                    cursor: i as i64 + 1,
                    change,
                })
                .collect(),
            next_cursor: 6,
            has_more: false,
        };
        ledger.apply_changes(&page).unwrap();
        let manager = crate::Staff {
            id: StaffId(11),
            name: "Marta".into(),
            role: StaffRole::Manager,
        };
        ledger.start_shift(&manager, Vec::new()).unwrap();
        for i in 0..10 {
            let item = ledger.lookup_barcode(codes[i % 2]).unwrap().expect("found");
            assert_eq!(item.barcode.as_deref(), Some(codes[i % 2]));
        }
        assert_eq!(
            reprepares(&ledger),
            0,
            "the lookup was compiled again for a scan"
        );
        for i in 0..10 {
            let item = ledger.lookup_barcode(codes[i % 2]).unwrap().expect("found");
            let mut cart = crate::Cart::new();
            cart.add_item(&item, Quantity::units(1)).unwrap();
            let total = cart.totals().unwrap().total;
            let (lines, discount) = cart.take();
            ledger
                .record_sale(
                    Some(StaffId(11)),
                    lines,
                    discount,
                    vec![crate::cash_payment(total, total)],
                )
                .unwrap();
        }
        assert_eq!(
            reprepares(&ledger),
            0,
            "the lookup was compiled again between scans"
        );
    }

    #[test]
    fn fts_query_is_sanitised() {
        assert_eq!(fts_prefix_query("café"), Some("\"café\"*".to_string()));
        assert_eq!(
            fts_prefix_query("jam\" OR ib*:^(x)"),
            Some("\"jam\"* \"OR\"* \"ib\"*".to_string())
        );
        assert_eq!(fts_prefix_query("ver1.1"), Some("\"ver1\"*".to_string()));
        assert_eq!(fts_prefix_query("a"), None);
        assert_eq!(fts_prefix_query("  \"* "), None);
    }
}
