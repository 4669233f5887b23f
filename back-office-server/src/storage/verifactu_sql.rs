//! VERI*FACTU records on either backend: stored and checked inside the push transaction, read by
//! the API. What a record must satisfy lives in `verifactu`; this file only stores and finds.

use super::db::Tx;
use super::ingest::alert;
use super::sql_storage::SqlStorage;
use super::verifactu::{
    self as vf, RecordQuery, RecordRow, STORED_COLUMNS, StoredRecord, VerifactuStorage,
};
use super::{StorageResult, TillAuth};
use crate::p;
use async_trait::async_trait;
use sync_protocol::Document;
use sync_protocol::verifactu::RegistroFacturacion;

/// The record next to document `seq` in `till`'s chain for `nif`: the one before (`before`) or after.
async fn neighbour(
    tx: &mut dyn Tx,
    till_id: i64,
    nif: &str,
    seq: i64,
    before: bool,
) -> StorageResult<Option<(u64, RegistroFacturacion)>> {
    let q = if before {
        "SELECT doc_seq, json FROM verifactu_records WHERE till_id = ?1 AND emisor_nif = ?2 AND doc_seq < ?3
         ORDER BY doc_seq DESC, id DESC LIMIT 1"
    } else {
        "SELECT doc_seq, json FROM verifactu_records WHERE till_id = ?1 AND emisor_nif = ?2 AND doc_seq > ?3
         ORDER BY doc_seq, id LIMIT 1"
    };
    match tx.query_opt(q, p![till_id, nif, seq]).await? {
        Some(r) => {
            let s: i64 = r.get(0)?;
            let j: String = r.get(1)?;
            Ok(Some((u64::try_from(s).unwrap_or(0), vf::parse(&j)?)))
        }
        None => Ok(None),
    }
}

/// Whether every document of the till strictly between `from` and `to` has arrived: only then is
/// the record at `from` the one right before the record at `to` (records skip the documents that
/// are not invoices, never an invoice).
async fn nothing_missing_between(
    tx: &mut dyn Tx,
    till_id: i64,
    from: u64,
    to: u64,
) -> StorageResult<bool> {
    let (from, to) = (
        i64::try_from(from).unwrap_or(i64::MAX),
        i64::try_from(to).unwrap_or(i64::MAX),
    );
    let n: i64 = tx
        .scalar(
            "SELECT CAST(COUNT(*) AS BIGINT) FROM documents WHERE till_id = ?1 AND seq > ?2 AND seq < ?3",
            p![till_id, from, to],
        )
        .await?;
    Ok(n == to - from - 1)
}

/// Stores the record each of `docs` carries (all of a push's documents, stored, duplicate or in
/// conflict: a record is never dropped), checks it, and raises an alert for a bad huella, a
/// record that does not match its document, or a broken link with the record before or after it.
/// A record already stored (the same document pushed again) is left as it is.
pub(crate) async fn store_records(
    tx: &mut dyn Tx,
    till: &TillAuth,
    docs: &[Document],
    now_us: i64,
) -> StorageResult<()> {
    let till_id = till.till_id.0;
    for row in vf::rows(docs)? {
        if !insert(tx, till, &row, now_us).await? {
            continue;
        }
        for (kind, message) in vf::own_problems(till_id, &row) {
            alert(tx, kind, till_id, &message, now_us, None).await?;
        }
        let seq = i64::try_from(row.doc.seq).unwrap_or(i64::MAX);
        let this = (row.doc.seq, row.record);
        // The record before it, unless documents between them are still on their way (the
        // later arrival checks the link then).
        let before = match neighbour(tx, till_id, &row.emisor_nif, seq, true).await? {
            Some((s, r)) if nothing_missing_between(tx, till_id, s, row.doc.seq).await? => {
                Some((s, r))
            }
            Some(_) => None,
            None if row.doc.seq > 1
                && !nothing_missing_between(tx, till_id, 0, row.doc.seq).await? =>
            {
                None
            }
            None => {
                if let Some(m) = vf::first_problem(till_id, this) {
                    alert(tx, vf::ALERT_CHAIN_BREAK, till_id, &m, now_us, None).await?;
                }
                None
            }
        };
        if let Some(m) = vf::link_problem(till_id, before.as_ref().map(|(s, r)| (*s, r)), this) {
            alert(tx, vf::ALERT_CHAIN_BREAK, till_id, &m, now_us, None).await?;
        }
        // A record filling a hole: the one after it must name it.
        if let Some((s, next)) = neighbour(tx, till_id, &row.emisor_nif, seq, false).await?
            && nothing_missing_between(tx, till_id, row.doc.seq, s).await?
            && let Some(m) = vf::link_problem(till_id, Some(this), (s, &next))
        {
            alert(tx, vf::ALERT_CHAIN_BREAK, till_id, &m, now_us, None).await?;
        }
    }
    Ok(())
}

/// Inserts the record; false when it was already stored.
async fn insert(
    tx: &mut dyn Tx,
    till: &TillAuth,
    r: &RecordRow<'_>,
    now_us: i64,
) -> StorageResult<bool> {
    let n = tx
        .execute(
            "INSERT INTO verifactu_records (till_id, store_id, franchisee_id, document_id, doc_seq, kind,
               tipo_factura, emisor_nif, num_serie, fecha_expedicion, importe_total_cents, cuota_total_cents,
               generated_at, huella, prev_huella, hash_ok, json, received_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
             ON CONFLICT DO NOTHING",
            p![
                till.till_id.0,
                till.store_id.0,
                till.franchisee_id.0,
                &r.doc.id.to_string(),
                i64::try_from(r.doc.seq).unwrap_or(i64::MAX),
                r.kind,
                r.tipo_factura,
                r.emisor_nif.as_str(),
                r.num_serie.as_str(),
                r.fecha_expedicion.as_str(),
                r.importe_total_cents,
                r.cuota_total_cents,
                r.generated_at.as_str(),
                r.huella.as_str(),
                r.prev_huella.as_deref(),
                r.hash_ok,
                r.json.as_str(),
                now_us
            ],
        )
        .await?;
    Ok(n > 0)
}

#[async_trait]
impl VerifactuStorage for SqlStorage {
    async fn verifactu_records(&self, q: RecordQuery) -> StorageResult<Vec<StoredRecord>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let (from, to) = (
                        q.from.format("%Y-%m-%d").to_string(),
                        q.to.format("%Y-%m-%d").to_string(),
                    );
                    tx.query_map(
                        &format!(
                            "SELECT {STORED_COLUMNS} FROM verifactu_records
                             WHERE franchisee_id = ?1 AND fecha_expedicion BETWEEN ?2 AND ?3 AND id > ?4
                             ORDER BY id LIMIT ?5"
                        ),
                        p![q.franchisee.0, &from, &to, q.after_id, q.limit],
                        |r| {
                            vf::stored(
                                r.get(0)?,
                                r.get(1)?,
                                r.get(2)?,
                                r.get(3)?,
                                &r.get::<String>(4)?,
                                r.get(5)?,
                                r.get(6)?,
                                r.get(7)?,
                                r.get(8)?,
                                r.get(9)?,
                                r.get(10)?,
                                &r.get::<String>(11)?,
                            )
                        },
                    )
                    .await
                })
            })
            .await
    }
}
