//! HQ refuses a change that the tills of its store(s) cannot apply: a change-log row of a kind
//! that an enrolled, active till of the store it goes to (every store, for a global change)
//! reports too old a version for, or reported skipping, is refused with `tills_need_update` naming
//! those tills — unless an HQ admin forces it, which the audit log records in the same
//! transaction. Checked where every HQ change is written ([`super::sql_storage::write_changes`]),
//! so the dashboard, the API and the CLI cannot miss it; a change a till's push causes (a delivery
//! note received) is never refused. Tills that never reported a version are not judged.
//!
//! Who forces travels with the request as a task-local slot: the dashboard and the admin API open
//! one per request ([`with_slot`]) and fill it ([`force`]) when the admin asked to force; the CLI
//! runs a command inside [`forcing`]. [`super::db::Db::write`] carries it into the transaction.

use super::db::Tx;
use super::people::AuditEntry;
use super::sql::{self, ChangeRow};
use super::{Problem, StorageError, StorageResult};
use std::cell::RefCell;
use std::collections::BTreeSet;
use std::future::Future;

tokio::task_local! {
    static FORCING: RefCell<Option<AuditEntry>>;
}

/// Runs `f` (one request) with an empty slot that [`force`] may fill.
pub async fn with_slot<F: Future>(f: F) -> F::Output {
    FORCING.scope(RefCell::new(None), f).await
}

/// Runs `f` forcing every change it makes, as `actor`.
pub async fn forcing<F: Future>(actor: AuditEntry, f: F) -> F::Output {
    FORCING.scope(RefCell::new(Some(actor)), f).await
}

/// Forces the changes the current request makes from now on, as `actor` (nothing outside a slot).
pub fn force(actor: AuditEntry) {
    let _ = FORCING.try_with(|c| *c.borrow_mut() = Some(actor));
}

/// Who forces the current request's changes, if anyone.
pub fn forced_by() -> Option<AuditEntry> {
    FORCING.try_with(|c| c.borrow().clone()).ok().flatten()
}

/// One till that cannot apply a change.
struct Behind {
    till: String,
    store: String,
    version: String,
}

/// Refuses `rows` (or, forced, records why they went out all the same) when a till of their
/// stores cannot apply their kind.
pub(crate) async fn check(tx: &mut dyn Tx, rows: &[ChangeRow]) -> StorageResult<()> {
    let stores: BTreeSet<i64> = rows.iter().filter_map(|r| r.store_id).collect();
    let global = rows.iter().any(|r| r.store_id.is_none());
    let mut q = String::from(
        "SELECT t.id, t.name, t.store_id, s.name, t.software_version, t.skipped_change_kinds
         FROM tills t JOIN stores s ON s.id = t.store_id
         WHERE t.enrolled_at IS NOT NULL AND t.revoked_at IS NULL AND t.software_version IS NOT NULL",
    );
    if !global {
        let list: Vec<String> = stores.iter().map(i64::to_string).collect();
        q.push_str(&format!(" AND t.store_id IN ({})", list.join(", ")));
    }
    q.push_str(" ORDER BY s.name, t.name, t.id");
    let tills = tx
        .query_map(&q, &[], |r| {
            Ok((
                r.get::<String>(1)?,
                r.get::<i64>(2)?,
                r.get::<String>(3)?,
                r.get::<String>(4)?,
                sql::kinds_from_text(r.get(5)?),
            ))
        })
        .await?;
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    let mut behind: Vec<Behind> = Vec::new();
    for (name, store_id, store, version, skipped) in tills {
        let mut late = false;
        for r in rows {
            if r.store_id.is_some_and(|s| s != store_id) {
                continue;
            }
            if sync_protocol::till_can_apply(&version, &skipped, &r.kind) == Some(false) {
                kinds.insert(r.kind.as_str());
                late = true;
            }
        }
        if late {
            behind.push(Behind {
                till: name,
                store,
                version,
            });
        }
    }
    if behind.is_empty() {
        return Ok(());
    }
    let kinds: Vec<&str> = kinds.into_iter().collect();
    let tills: Vec<String> = behind
        .iter()
        .map(|b| format!("{} ({}, {})", b.till, b.store, b.version))
        .collect();
    match forced_by() {
        Some(actor) => {
            let entry = actor.with(
                "change.forced",
                format!("change {}", kinds.join(", ")),
                format!("sent although {} cannot apply it", tills.join("; ")),
            );
            super::people_sql::write_audit(tx, &entry).await
        }
        None => Err(StorageError::Conflict(
            Problem::new("tills_need_update")
                .with("kinds", kinds.join(", "))
                .with("count", tills.len())
                .with("tills", tills.join("; ")),
        )),
    }
}
