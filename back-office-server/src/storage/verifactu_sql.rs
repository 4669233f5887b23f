//! VERI*FACTU records on either backend: stored and checked inside the push transaction, read by
//! the API. What a record must satisfy lives in `verifactu`; this file only stores and finds.

use super::db::{ColType, Row, Tx, Value};
use super::ingest::alert;
use super::sql_storage::SqlStorage;
use super::verifactu::{
    self as vf, EnvelopeIn, EnvelopeRecord, EnvelopeSummary, HQ_STORED_COLUMNS, HQ_STORED_FROM,
    HQ_TAXPAYER, HqRecordQuery, HqStoredRecord, PendingRecord, PendingTaxpayer, RecordAnswer,
    RecordProblem, RecordQuery, RecordRow, RecordState, STORED_COLUMNS, STORED_FROM,
    SendingSummary, StoredCertificate, StoredRecord, Submission, TaxpayerClock, VerifactuStorage,
};
use super::{StorageError, StorageResult, TillAuth, sql};
use crate::p;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use sync_protocol::verifactu::RegistroFacturacion;
use sync_protocol::{Document, FranchiseeId};

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
/// are not invoices, never an invoice). Every document up to `contiguous` has arrived: a gap below
/// it needs no counting.
async fn nothing_missing_between(
    tx: &mut dyn Tx,
    till_id: i64,
    contiguous: i64,
    from: u64,
    to: u64,
) -> StorageResult<bool> {
    let (from, to) = (
        i64::try_from(from).unwrap_or(i64::MAX),
        i64::try_from(to).unwrap_or(i64::MAX),
    );
    if to <= from.saturating_add(1) || to <= contiguous.saturating_add(1) {
        return Ok(true);
    }
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
    contiguous: i64,
    now_us: i64,
) -> StorageResult<()> {
    let till_id = till.till_id.0;
    let rows = vf::rows(docs)?;
    if rows.is_empty() {
        return Ok(());
    }
    if let Some(tails) = tails_before(tx, till_id, &rows).await? {
        return store_after_tails(tx, till, &rows, tails, contiguous, now_us).await;
    }
    for row in rows {
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
            Some((s, r))
                if nothing_missing_between(tx, till_id, contiguous, s, row.doc.seq).await? =>
            {
                Some((s, r))
            }
            Some(_) => None,
            None if row.doc.seq > 1
                && !nothing_missing_between(tx, till_id, contiguous, 0, row.doc.seq).await? =>
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
            && nothing_missing_between(tx, till_id, contiguous, row.doc.seq, s).await?
            && let Some(m) = vf::link_problem(till_id, Some(this), (s, &next))
        {
            alert(tx, vf::ALERT_CHAIN_BREAK, till_id, &m, now_us, None).await?;
        }
    }
    Ok(())
}

/// The last stored record of each taxpayer (NIF) of `rows` in this till's chains, when every
/// record of the push comes after every stored record of the till, in order (a till pushing its
/// new sales: the usual case). `None` otherwise (a re-push, a hole filled): then each record is
/// stored and checked one by one against what is stored around it.
async fn tails_before(
    tx: &mut dyn Tx,
    till_id: i64,
    rows: &[RecordRow<'_>],
) -> StorageResult<Option<BTreeMap<String, Option<(u64, RegistroFacturacion)>>>> {
    if rows.windows(2).any(|w| w[0].doc.seq >= w[1].doc.seq) {
        return Ok(None);
    }
    let newest: Option<i64> = tx
        .scalar(
            "SELECT MAX(doc_seq) FROM verifactu_records WHERE till_id = ?1",
            p![till_id],
        )
        .await?;
    let first = i64::try_from(rows[0].doc.seq).unwrap_or(i64::MAX);
    if newest.is_some_and(|n| n >= first) {
        return Ok(None);
    }
    let mut tails = BTreeMap::new();
    for row in rows {
        if !tails.contains_key(&row.emisor_nif) {
            let tail = match newest {
                Some(_) => neighbour(tx, till_id, &row.emisor_nif, first, true).await?,
                None => None,
            };
            tails.insert(row.emisor_nif.clone(), tail);
        }
    }
    Ok(Some(tails))
}

/// Stores and checks records that all come after the till's stored ones (see [`tails_before`]):
/// the checks run in memory, record after record as the one-by-one path would, then the records
/// go in as one bulk insert and the alerts in the order raised.
async fn store_after_tails(
    tx: &mut dyn Tx,
    till: &TillAuth,
    rows: &[RecordRow<'_>],
    tails: BTreeMap<String, Option<(u64, RegistroFacturacion)>>,
    contiguous: i64,
    now_us: i64,
) -> StorageResult<()> {
    let till_id = till.till_id.0;
    let mut last: BTreeMap<&str, Option<(u64, &RegistroFacturacion)>> = tails
        .iter()
        .map(|(nif, t)| (nif.as_str(), t.as_ref().map(|(s, r)| (*s, r))))
        .collect();
    let mut alerts: Vec<(&'static str, String)> = Vec::new();
    for row in rows {
        alerts.extend(vf::own_problems(till_id, row));
        let this = (row.doc.seq, row.record);
        let slot = last.entry(row.emisor_nif.as_str()).or_insert(None);
        let before = match *slot {
            Some((s, r))
                if nothing_missing_between(tx, till_id, contiguous, s, row.doc.seq).await? =>
            {
                Some((s, r))
            }
            Some(_) => None,
            None if row.doc.seq > 1
                && !nothing_missing_between(tx, till_id, contiguous, 0, row.doc.seq).await? =>
            {
                None
            }
            None => {
                if let Some(m) = vf::first_problem(till_id, this) {
                    alerts.push((vf::ALERT_CHAIN_BREAK, m));
                }
                None
            }
        };
        if let Some(m) = vf::link_problem(till_id, before, this) {
            alerts.push((vf::ALERT_CHAIN_BREAK, m));
        }
        // Nothing is stored after it: every stored record of the till comes before this push's.
        *slot = Some(this);
    }
    let ids: Vec<String> = rows.iter().map(|r| r.doc.id.to_string()).collect();
    let values: Vec<Vec<Value<'_>>> = rows
        .iter()
        .zip(&ids)
        .map(|(r, id)| {
            vec![
                Value::Int(till_id),
                Value::Int(till.store_id.0),
                Value::Int(till.franchisee_id.0),
                Value::Text(id),
                Value::Int(i64::try_from(r.doc.seq).unwrap_or(i64::MAX)),
                Value::Text(r.kind),
                r.tipo_factura.into(),
                Value::Text(&r.emisor_nif),
                Value::Text(&r.num_serie),
                Value::Text(&r.fecha_expedicion),
                r.importe_total_cents.into(),
                r.cuota_total_cents.into(),
                Value::Text(&r.generated_at),
                Value::Text(&r.huella),
                r.prev_huella.as_deref().into(),
                Value::Bool(r.hash_ok),
                Value::Text(&r.json),
                Value::Int(now_us),
            ]
        })
        .collect();
    use ColType::{Bool, Int, Text};
    // New records only (see `tails_before`): no clash to skip.
    let n = tx
        .copy_in(
            INSERT_NEW_RECORD,
            &[
                Int, Int, Int, Text, Int, Text, Text, Text, Text, Text, Int, Int, Text, Text, Text,
                Bool, Text, Int,
            ],
            &values,
        )
        .await?;
    if n != values.len() as u64 {
        return Err(StorageError::Backend(format!(
            "till {till_id}: VERI*FACTU records of this push were stored meanwhile"
        )));
    }
    for (kind, message) in alerts {
        alert(tx, kind, till_id, &message, now_us, None).await?;
    }
    Ok(())
}

const INSERT_NEW_RECORD: &str = "INSERT INTO verifactu_records (till_id, store_id, franchisee_id, document_id, doc_seq, kind,
       tipo_factura, emisor_nif, num_serie, fecha_expedicion, importe_total_cents, cuota_total_cents,
       generated_at, huella, prev_huella, hash_ok, json, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)";

const INSERT_RECORD: &str = "INSERT INTO verifactu_records (till_id, store_id, franchisee_id, document_id, doc_seq, kind,
       tipo_factura, emisor_nif, num_serie, fecha_expedicion, importe_total_cents, cuota_total_cents,
       generated_at, huella, prev_huella, hash_ok, json, received_at)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)
     ON CONFLICT DO NOTHING";

/// Inserts the record; false when it was already stored.
async fn insert(
    tx: &mut dyn Tx,
    till: &TillAuth,
    r: &RecordRow<'_>,
    now_us: i64,
) -> StorageResult<bool> {
    let n = tx
        .execute(
            INSERT_RECORD,
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
                            "SELECT {STORED_COLUMNS} FROM {STORED_FROM}
                             WHERE r.franchisee_id = ?1 AND r.fecha_expedicion BETWEEN ?2 AND ?3 AND r.id > ?4
                             ORDER BY r.id LIMIT ?5"
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
                                vf::sending_of(r)?,
                            )
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn hq_verifactu_records(&self, q: HqRecordQuery) -> StorageResult<Vec<HqStoredRecord>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let (from, to) = (sql::day_text(q.from), sql::day_text(q.to));
                    tx.query_map(
                        &format!(
                            "SELECT {HQ_STORED_COLUMNS} FROM {HQ_STORED_FROM}
                             WHERE r.fecha_expedicion BETWEEN ?1 AND ?2 AND r.id > ?3
                             ORDER BY r.id LIMIT ?4"
                        ),
                        p![&from, &to, q.after_id, q.limit],
                        vf::hq_stored,
                    )
                    .await
                })
            })
            .await
    }

    async fn pending_taxpayers(&self) -> StorageResult<Vec<PendingTaxpayer>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        "SELECT r.franchisee_id, r.emisor_nif, CAST(COUNT(*) AS BIGINT), MIN(t.next_send_at), MIN(t.failures)
                         FROM verifactu_records r
                         LEFT JOIN verifactu_sending s ON s.record_id = r.id
                         LEFT JOIN verifactu_taxpayers t ON t.emisor_nif = r.emisor_nif
                         WHERE r.hash_ok = ?1 AND (s.record_id IS NULL OR s.state = 'subsanar')
                         GROUP BY r.franchisee_id, r.emisor_nif
                         UNION ALL
                         SELECT CAST(0 AS BIGINT), r.emisor_nif, CAST(COUNT(*) AS BIGINT), MIN(t.next_send_at), MIN(t.failures)
                         FROM hq_verifactu_records r
                         LEFT JOIN hq_verifactu_sending s ON s.record_id = r.id
                         LEFT JOIN verifactu_taxpayers t ON t.emisor_nif = r.emisor_nif
                         WHERE s.record_id IS NULL OR s.state = 'subsanar'
                         GROUP BY r.emisor_nif
                         ORDER BY 2, 1",
                        // 0: HQ_TAXPAYER.
                        p![true],
                        |r| {
                            Ok(PendingTaxpayer {
                                franchisee_id: FranchiseeId(r.get(0)?),
                                nif: r.get(1)?,
                                pending: sql::to_u64(r.get(2)?),
                                next_send_at: sql::opt_from_micros(r.get(3)?),
                                failures: sql::to_u64(r.get::<Option<i64>>(4)?.unwrap_or(0)),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn pending_records(
        &self,
        franchisee: FranchiseeId,
        nif: &str,
        limit: u32,
    ) -> StorageResult<Vec<PendingRecord>> {
        let nif = nif.to_string();
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let pending = |r: &Row| {
                        let state: Option<String> = r.get(2)?;
                        Ok(PendingRecord {
                            id: r.get(0)?,
                            record: vf::parse(&r.get::<String>(1)?)?,
                            subsanacion: state.as_deref() == Some("subsanar"),
                            sends: sql::to_u64(r.get::<Option<i64>>(3)?.unwrap_or(0)),
                        })
                    };
                    if franchisee == HQ_TAXPAYER {
                        // HQ's own records are made by HQ itself: no arrival check to pass.
                        return tx
                            .query_map(
                                "SELECT r.id, r.json, s.state, s.sends FROM hq_verifactu_records r
                                 LEFT JOIN hq_verifactu_sending s ON s.record_id = r.id
                                 WHERE r.emisor_nif = ?1 AND (s.record_id IS NULL OR s.state = 'subsanar')
                                 ORDER BY r.id LIMIT ?2",
                                p![&nif, i64::from(limit)],
                                pending,
                            )
                            .await;
                    }
                    tx.query_map(
                        "SELECT r.id, r.json, s.state, s.sends FROM verifactu_records r
                         LEFT JOIN verifactu_sending s ON s.record_id = r.id
                         WHERE r.franchisee_id = ?1 AND r.emisor_nif = ?2 AND r.hash_ok = ?3
                           AND (s.record_id IS NULL OR s.state = 'subsanar')
                         ORDER BY r.id LIMIT ?4",
                        p![franchisee.0, &nif, true, i64::from(limit)],
                        pending,
                    )
                    .await
                })
            })
            .await
    }

    async fn claim_taxpayer(
        &self,
        franchisee: FranchiseeId,
        nif: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StorageResult<bool> {
        let nif = nif.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let n = tx
                        .execute(
                            "INSERT INTO verifactu_taxpayers (emisor_nif, franchisee_id, next_send_at, wait_seconds, failures, lease_until)
                             VALUES (?1, ?2, 0, 0, 0, ?3)
                             ON CONFLICT (emisor_nif) DO UPDATE SET lease_until = excluded.lease_until
                             WHERE verifactu_taxpayers.lease_until IS NULL OR verifactu_taxpayers.lease_until <= ?4",
                            p![&nif, franchisee.0, sql::micros(until), sql::micros(now)],
                        )
                        .await?;
                    Ok(n > 0)
                })
            })
            .await
    }

    async fn release_taxpayer(&self, nif: &str) -> StorageResult<()> {
        let nif = nif.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "UPDATE verifactu_taxpayers SET lease_until = NULL WHERE emisor_nif = ?1",
                        p![&nif],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn record_submission(
        &self,
        sub: &Submission,
        answers: &[RecordAnswer],
        clock: &TaxpayerClock,
    ) -> StorageResult<i64> {
        let (sub, answers, clock) = (sub.clone(), answers.to_vec(), clock.clone());
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sent_at = sql::micros(sub.sent_at);
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO verifactu_submissions (franchisee_id, emisor_nif, sent_at, records, incidencia,
                               estado_envio, csv, http_status, error, response, envelope_id)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
                            p![
                                sub.franchisee_id.0,
                                &sub.nif,
                                sent_at,
                                i64::try_from(sub.records).unwrap_or(i64::MAX),
                                sub.incidencia,
                                sub.estado_envio.as_deref(),
                                sub.csv.as_deref(),
                                sub.http_status.map(i64::from),
                                sub.error.as_deref(),
                                sub.response.as_deref(),
                                sub.envelope_id
                            ],
                        )
                        .await?;
                    let rows: Vec<Vec<_>> = answers
                        .iter()
                        .map(|a| {
                            vec![
                                a.record_id.into(),
                                sub.franchisee_id.0.into(),
                                sub.nif.as_str().into(),
                                a.state.as_str().into(),
                                a.code.as_deref().into(),
                                a.text.as_deref().into(),
                                sub.csv.as_deref().into(),
                                a.incidencia.into(),
                                a.subsanacion.into(),
                                i64::try_from(a.sends).unwrap_or(i64::MAX).into(),
                                id.into(),
                                sent_at.into(),
                            ]
                        })
                        .collect();
                    if !rows.is_empty() && sub.franchisee_id == HQ_TAXPAYER {
                        // HQ's own records: the same answer, kept beside them (no franchisee column).
                        let rows: Vec<Vec<_>> = rows
                            .into_iter()
                            .map(|mut r| {
                                r.remove(1);
                                r
                            })
                            .collect();
                        tx.insert_many(
                            "INSERT INTO hq_verifactu_sending (record_id, emisor_nif, state, error_code,
                               error_text, csv, incidencia, subsanacion, sends, submission_id, answered_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                             ON CONFLICT (record_id) DO UPDATE SET state = excluded.state,
                               error_code = excluded.error_code, error_text = excluded.error_text,
                               csv = excluded.csv, incidencia = excluded.incidencia,
                               subsanacion = excluded.subsanacion, sends = excluded.sends,
                               submission_id = excluded.submission_id, answered_at = excluded.answered_at",
                            &[
                                ColType::Int,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Bool,
                                ColType::Bool,
                                ColType::Int,
                                ColType::Int,
                                ColType::Int,
                            ],
                            &rows,
                        )
                        .await?;
                    } else if !rows.is_empty() {
                        tx.insert_many(
                            "INSERT INTO verifactu_sending (record_id, franchisee_id, emisor_nif, state, error_code,
                               error_text, csv, incidencia, subsanacion, sends, submission_id, answered_at)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
                             ON CONFLICT (record_id) DO UPDATE SET state = excluded.state,
                               error_code = excluded.error_code, error_text = excluded.error_text,
                               csv = excluded.csv, incidencia = excluded.incidencia,
                               subsanacion = excluded.subsanacion, sends = excluded.sends,
                               submission_id = excluded.submission_id, answered_at = excluded.answered_at",
                            &[
                                ColType::Int,
                                ColType::Int,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Text,
                                ColType::Bool,
                                ColType::Bool,
                                ColType::Int,
                                ColType::Int,
                                ColType::Int,
                            ],
                            &rows,
                        )
                        .await?;
                    }
                    let last_send = clock.answered.then_some(sent_at);
                    tx.execute(
                        "INSERT INTO verifactu_taxpayers (emisor_nif, franchisee_id, next_send_at, wait_seconds, failures,
                           last_send_at, last_error)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (emisor_nif) DO UPDATE SET franchisee_id = excluded.franchisee_id,
                           next_send_at = excluded.next_send_at, wait_seconds = excluded.wait_seconds,
                           failures = excluded.failures,
                           last_send_at = COALESCE(excluded.last_send_at, verifactu_taxpayers.last_send_at),
                           last_error = excluded.last_error",
                        p![
                            &clock.nif,
                            clock.franchisee_id.0,
                            sql::micros(clock.next_send_at),
                            clock.wait_seconds,
                            i64::try_from(clock.failures).unwrap_or(i64::MAX),
                            last_send,
                            clock.last_error.as_deref()
                        ],
                    )
                    .await?;
                    Ok(id)
                })
            })
            .await
    }

    async fn sending_summary(&self) -> StorageResult<Vec<SendingSummary>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let mut out: BTreeMap<i64, SendingSummary> = BTreeMap::new();
                    let rows = tx
                        .query(
                            "SELECT r.franchisee_id,
                               CAST(SUM(CASE WHEN r.hash_ok = ?1 AND (s.state IS NULL OR s.state = 'subsanar') THEN 1 ELSE 0 END) AS BIGINT),
                               MIN(CASE WHEN r.hash_ok = ?1 AND (s.state IS NULL OR s.state = 'subsanar') THEN r.received_at END),
                               CAST(SUM(CASE WHEN s.state = 'accepted' THEN 1 ELSE 0 END) AS BIGINT),
                               CAST(SUM(CASE WHEN s.state = 'accepted_with_errors' THEN 1 ELSE 0 END) AS BIGINT),
                               CAST(SUM(CASE WHEN s.state = 'rejected' THEN 1 ELSE 0 END) AS BIGINT),
                               CAST(SUM(CASE WHEN r.hash_ok = ?1 THEN 0 ELSE 1 END) AS BIGINT)
                             FROM verifactu_records r LEFT JOIN verifactu_sending s ON s.record_id = r.id
                             GROUP BY r.franchisee_id",
                            p![true],
                        )
                        .await?;
                    for r in rows {
                        let f: i64 = r.get(0)?;
                        out.insert(
                            f,
                            SendingSummary {
                                franchisee_id: FranchiseeId(f),
                                pending: sql::to_u64(r.get(1)?),
                                oldest_pending_received: sql::opt_from_micros(r.get(2)?),
                                accepted: sql::to_u64(r.get(3)?),
                                accepted_with_errors: sql::to_u64(r.get(4)?),
                                rejected: sql::to_u64(r.get(5)?),
                                held: sql::to_u64(r.get(6)?),
                                last_send_at: None,
                                next_send_at: None,
                                last_error: None,
                            },
                        );
                    }
                    let hq = tx
                        .query(
                            "SELECT CAST(COUNT(*) AS BIGINT),
                               CAST(SUM(CASE WHEN s.state IS NULL OR s.state = 'subsanar' THEN 1 ELSE 0 END) AS BIGINT),
                               MIN(CASE WHEN s.state IS NULL OR s.state = 'subsanar' THEN r.created_at END),
                               CAST(SUM(CASE WHEN s.state = 'accepted' THEN 1 ELSE 0 END) AS BIGINT),
                               CAST(SUM(CASE WHEN s.state = 'accepted_with_errors' THEN 1 ELSE 0 END) AS BIGINT),
                               CAST(SUM(CASE WHEN s.state = 'rejected' THEN 1 ELSE 0 END) AS BIGINT)
                             FROM hq_verifactu_records r LEFT JOIN hq_verifactu_sending s ON s.record_id = r.id",
                            p![],
                        )
                        .await?;
                    for r in hq {
                        if r.get::<i64>(0)? == 0 {
                            continue;
                        }
                        out.insert(
                            HQ_TAXPAYER.0,
                            SendingSummary {
                                franchisee_id: HQ_TAXPAYER,
                                pending: sql::to_u64(r.get::<Option<i64>>(1)?.unwrap_or(0)),
                                oldest_pending_received: sql::opt_from_micros(r.get(2)?),
                                accepted: sql::to_u64(r.get::<Option<i64>>(3)?.unwrap_or(0)),
                                accepted_with_errors: sql::to_u64(
                                    r.get::<Option<i64>>(4)?.unwrap_or(0),
                                ),
                                rejected: sql::to_u64(r.get::<Option<i64>>(5)?.unwrap_or(0)),
                                held: 0,
                                last_send_at: None,
                                next_send_at: None,
                                last_error: None,
                            },
                        );
                    }
                    let clocks = tx
                        .query(
                            "SELECT franchisee_id, last_send_at, next_send_at, last_error FROM verifactu_taxpayers
                             ORDER BY emisor_nif",
                            p![],
                        )
                        .await?;
                    for r in clocks {
                        let Some(s) = out.get_mut(&r.get::<i64>(0)?) else {
                            continue;
                        };
                        let last = sql::opt_from_micros(r.get(1)?);
                        s.last_send_at = s.last_send_at.max(last);
                        s.next_send_at = sql::opt_from_micros(r.get(2)?);
                        if let Some(e) = r.get::<Option<String>>(3)? {
                            s.last_error = Some(e);
                        }
                    }
                    Ok(out.into_values().collect())
                })
            })
            .await
    }

    async fn record_problems(
        &self,
        franchisee: FranchiseeId,
        limit: u32,
    ) -> StorageResult<Vec<RecordProblem>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let q = if franchisee == HQ_TAXPAYER {
                        "SELECT r.id, r.num_serie, r.fecha_expedicion, s.state, s.error_code, s.error_text,
                           s.subsanacion, s.answered_at
                         FROM hq_verifactu_sending s JOIN hq_verifactu_records r ON r.id = s.record_id
                         WHERE s.state IN ('rejected', 'accepted_with_errors', 'subsanar') AND r.id > ?1
                         ORDER BY s.answered_at DESC, r.id DESC LIMIT ?2"
                    } else {
                        "SELECT r.id, r.num_serie, r.fecha_expedicion, s.state, s.error_code, s.error_text,
                           s.subsanacion, s.answered_at
                         FROM verifactu_sending s JOIN verifactu_records r ON r.id = s.record_id
                         WHERE s.franchisee_id = ?1 AND s.state IN ('rejected', 'accepted_with_errors', 'subsanar')
                         ORDER BY s.answered_at DESC, r.id DESC LIMIT ?2"
                    };
                    tx.query_map(
                        q,
                        p![franchisee.0, i64::from(limit)],
                        |r| {
                            let state: String = r.get(3)?;
                            Ok(RecordProblem {
                                record_id: r.get(0)?,
                                num_serie: r.get(1)?,
                                fecha_expedicion: r.get(2)?,
                                state: RecordState::parse(&state).ok_or_else(|| {
                                    StorageError::Backend(format!("unknown sending state {state:?}"))
                                })?,
                                code: r.get(4)?,
                                text: r.get(5)?,
                                subsanacion: r.get(6)?,
                                answered_at: sql::from_micros(r.get(7)?),
                            })
                        },
                    )
                    .await
                })
            })
            .await
    }

    async fn put_certificate(&self, c: &StoredCertificate) -> StorageResult<()> {
        let c = c.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "INSERT INTO verifactu_certificates (owner_id, holder_name, holder_nif, subject, not_after, sealed, uploaded_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                         ON CONFLICT (owner_id) DO UPDATE SET holder_name = excluded.holder_name,
                           holder_nif = excluded.holder_nif, subject = excluded.subject,
                           not_after = excluded.not_after, sealed = excluded.sealed,
                           uploaded_at = excluded.uploaded_at",
                        p![
                            c.owner_id,
                            &c.holder_name,
                            &c.holder_nif,
                            &c.subject,
                            sql::micros(c.not_after),
                            &c.sealed,
                            sql::micros(c.uploaded_at)
                        ],
                    )
                    .await?;
                    Ok(())
                })
            })
            .await
    }

    async fn certificate(&self, owner_id: i64) -> StorageResult<Option<StoredCertificate>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    Ok(tx
                        .query_map(
                            &format!("SELECT {CERT_COLUMNS} FROM verifactu_certificates WHERE owner_id = ?1"),
                            p![owner_id],
                            certificate_of,
                        )
                        .await?
                        .into_iter()
                        .next())
                })
            })
            .await
    }

    async fn archive_envelope(&self, e: &EnvelopeIn) -> StorageResult<i64> {
        let e = e.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let sha = hex::encode(Sha256::digest(&e.body));
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO verifactu_envelopes (franchisee_id, emisor_nif, created_at, records,
                               incidencia, sha256, body)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) RETURNING id",
                            p![
                                e.franchisee_id.0,
                                &e.nif,
                                sql::micros(e.created_at),
                                i64::try_from(e.records.len()).unwrap_or(i64::MAX),
                                e.incidencia,
                                &sha,
                                e.body.as_slice()
                            ],
                        )
                        .await?;
                    let source = if e.franchisee_id == HQ_TAXPAYER {
                        "hq"
                    } else {
                        "till"
                    };
                    let rows: Vec<Vec<_>> = e
                        .records
                        .iter()
                        .enumerate()
                        .map(|(i, (record, subsanacion))| {
                            vec![
                                id.into(),
                                i64::try_from(i).unwrap_or(i64::MAX).into(),
                                source.into(),
                                (*record).into(),
                                (*subsanacion).into(),
                            ]
                        })
                        .collect();
                    if !rows.is_empty() {
                        tx.insert_many(
                            "INSERT INTO verifactu_envelope_records (envelope_id, position, source, record_id, subsanacion)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            &[
                                ColType::Int,
                                ColType::Int,
                                ColType::Text,
                                ColType::Int,
                                ColType::Bool,
                            ],
                            &rows,
                        )
                        .await?;
                    }
                    Ok(id)
                })
            })
            .await
    }

    async fn envelopes(&self, limit: u32) -> StorageResult<Vec<EnvelopeSummary>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {ENVELOPE_COLUMNS} FROM {ENVELOPE_FROM} ORDER BY e.id DESC LIMIT ?1"
                        ),
                        p![i64::from(limit)],
                        envelope_of,
                    )
                    .await
                })
            })
            .await
    }

    async fn envelope(
        &self,
        id: i64,
    ) -> StorageResult<Option<(EnvelopeSummary, Vec<u8>, Vec<EnvelopeRecord>)>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    let Some(row) = tx
                        .query_opt(
                            &format!(
                                "SELECT {ENVELOPE_COLUMNS}, e.body FROM {ENVELOPE_FROM} WHERE e.id = ?1"
                            ),
                            p![id],
                        )
                        .await?
                    else {
                        return Ok(None);
                    };
                    let summary = envelope_of(&row)?;
                    let body: Vec<u8> = row.get(12)?;
                    let records = tx
                        .query_map(
                            "SELECT position, source, record_id, subsanacion FROM verifactu_envelope_records
                             WHERE envelope_id = ?1 ORDER BY position",
                            p![id],
                            |r| {
                                Ok(EnvelopeRecord {
                                    position: sql::to_u64(r.get(0)?),
                                    source: r.get(1)?,
                                    record_id: r.get(2)?,
                                    subsanacion: r.get(3)?,
                                })
                            },
                        )
                        .await?;
                    Ok(Some((summary, body, records)))
                })
            })
            .await
    }

    async fn certificates(&self) -> StorageResult<Vec<StoredCertificate>> {
        self.db
            .read(move |tx| {
                Box::pin(async move {
                    tx.query_map(
                        &format!(
                            "SELECT {CERT_COLUMNS} FROM verifactu_certificates ORDER BY owner_id"
                        ),
                        p![],
                        certificate_of,
                    )
                    .await
                })
            })
            .await
    }
}

const ENVELOPE_COLUMNS: &str =
    "e.id, e.franchisee_id, e.emisor_nif, e.created_at, e.records, e.incidencia, e.sha256,
    CAST(LENGTH(e.body) AS BIGINT), s.estado_envio, s.csv, s.http_status, s.error";

/// The envelope (`e`) with the submission that answers it (`s`), if any.
const ENVELOPE_FROM: &str =
    "verifactu_envelopes e LEFT JOIN verifactu_submissions s ON s.envelope_id = e.id";

fn envelope_of(r: &Row) -> StorageResult<EnvelopeSummary> {
    Ok(EnvelopeSummary {
        id: r.get(0)?,
        franchisee_id: FranchiseeId(r.get(1)?),
        nif: r.get(2)?,
        created_at: sql::from_micros(r.get(3)?),
        records: sql::to_u64(r.get(4)?),
        incidencia: r.get(5)?,
        sha256: r.get(6)?,
        size: sql::to_u64(r.get(7)?),
        estado_envio: r.get(8)?,
        csv: r.get(9)?,
        http_status: r
            .get::<Option<i64>>(10)?
            .and_then(|s| u16::try_from(s).ok()),
        error: r.get(11)?,
    })
}

const CERT_COLUMNS: &str =
    "owner_id, holder_name, holder_nif, subject, not_after, sealed, uploaded_at";

fn certificate_of(r: &Row) -> StorageResult<StoredCertificate> {
    Ok(StoredCertificate {
        owner_id: r.get(0)?,
        holder_name: r.get(1)?,
        holder_nif: r.get(2)?,
        subject: r.get(3)?,
        not_after: sql::from_micros(r.get(4)?),
        sealed: r.get(5)?,
        uploaded_at: sql::from_micros(r.get(6)?),
    })
}
