//! Protocol growth at the till: catalog change kinds from a newer HQ that this build skipped (kept
//! with the first cursor skipped, reported to HQ, replayed once an updated build knows them).

use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::BTreeMap;
use sync_protocol::{CatalogChange, MAX_SKIPPED_KINDS, UNNAMED_KIND, is_reportable_kind};

use super::{Ledger, LedgerError, Result};

/// `till_settings` key holding `{kind: first cursor skipped}` as JSON.
const KEY: &str = "skipped_change_kinds";

fn load(conn: &Connection) -> Result<BTreeMap<String, i64>> {
    let v: Option<String> = conn
        .query_row(
            "SELECT value FROM till_settings WHERE key = ?1",
            [KEY],
            |r| r.get(0),
        )
        .optional()?;
    match v {
        None => Ok(BTreeMap::new()),
        Some(v) => serde_json::from_str(&v).map_err(|e| {
            LedgerError::Invalid(format!(
                "the record of skipped change kinds is damaged: {e}"
            ))
        }),
    }
}

fn store(conn: &Connection, kinds: &BTreeMap<String, i64>) -> Result<()> {
    if kinds.is_empty() {
        conn.execute("DELETE FROM till_settings WHERE key = ?1", [KEY])?;
        return Ok(());
    }
    let json = serde_json::to_string(kinds)
        .map_err(|e| LedgerError::Invalid(format!("cannot record skipped kinds: {e}")))?;
    conn.execute(
        "INSERT INTO till_settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![KEY, json],
    )?;
    Ok(())
}

/// Records that the change at `cursor`, of a kind this build does not know, was skipped. Runs in
/// the transaction that applies the page, so the record and the cursor move together.
pub(super) fn record_skipped(tx: &Transaction<'_>, kind: &str, cursor: i64) -> Result<()> {
    let name = if is_reportable_kind(kind) {
        kind
    } else {
        UNNAMED_KIND
    };
    tracing::warn!(
        kind = name,
        cursor,
        "catalog change of a kind this till does not know skipped; update the till software"
    );
    let mut kinds = load(tx)?;
    let first = kinds.entry(name.to_string()).or_insert(cursor);
    if cursor < *first {
        *first = cursor;
    }
    store(tx, &kinds)
}

impl Ledger {
    /// Change kinds this till skipped because it does not know them (sorted, at most
    /// [`MAX_SKIPPED_KINDS`]): what it reports to HQ. Empty when the software is up to date.
    pub fn skipped_change_kinds(&self) -> Result<Vec<String>> {
        Ok(load(&self.conn)?
            .into_keys()
            .take(MAX_SKIPPED_KINDS)
            .collect())
    }

    /// After a software update: kinds recorded as skipped that this build now knows are forgotten
    /// and the cursor goes back to just before the first of them, so the next pull replays those
    /// changes (every change is an upsert or a delete, so replaying the ones already applied
    /// changes nothing). Returns the cursor rewound to, if any.
    pub(super) fn replay_kinds_now_known(&mut self) -> Result<Option<i64>> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let mut kinds = load(&tx)?;
        let known: Vec<(String, i64)> = kinds
            .iter()
            .filter(|(k, _)| CatalogChange::is_known_kind(k))
            .map(|(k, c)| (k.clone(), *c))
            .collect();
        let Some(first) = known.iter().map(|(_, c)| *c).min() else {
            return Ok(None);
        };
        for (k, _) in &known {
            kinds.remove(k);
        }
        store(&tx, &kinds)?;
        let to = (first - 1).max(0);
        tx.execute(
            "UPDATE sync_cursor SET cursor = MIN(cursor, ?1) WHERE id = 1",
            [to],
        )?;
        tx.commit()?;
        tracing::info!(
            cursor = to,
            kinds = ?known.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(),
            "change kinds skipped by an older build are known now; replaying them"
        );
        Ok(Some(to))
    }
}
