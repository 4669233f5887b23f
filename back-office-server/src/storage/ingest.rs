//! The push algorithm, written once for both backends: store each document exactly once (keyed on
//! its id and on (till, seq) forever), keep clashing ones aside as conflicts, raise gaps and chain
//! breaks, and keep the report aggregates, delivery notes, stock and Z checks current in the same transaction.

use super::db::{ColType, Tx, Value};
use super::sql::{self, Existing};
use super::{PushResponse, StorageError, StorageResult, TillAuth, dashboard, reconcile};
use crate::p;
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use sync_protocol::{Document, GENESIS_HASH, PushResult, PushStatus};

/// Raises an alert for HQ (shown on the overview until resolved).
pub(crate) async fn alert(
    tx: &mut dyn Tx,
    kind: &str,
    till_id: i64,
    message: &str,
    now: i64,
    gap: Option<(i64, i64)>,
) -> StorageResult<()> {
    alert_with(
        tx,
        kind,
        till_id,
        message,
        now,
        gap,
        &serde_json::Value::Null,
    )
    .await
}

/// [`alert`] with the figures it is about (`params`, rendered in the reader's language).
pub(crate) async fn alert_with(
    tx: &mut dyn Tx,
    kind: &str,
    till_id: i64,
    message: &str,
    now: i64,
    gap: Option<(i64, i64)>,
    params: &serde_json::Value,
) -> StorageResult<()> {
    super::alerts_sql::insert(tx, kind, Some(till_id), None, message, params, now, gap).await
}

/// How far ahead of HQ's clock a till may date a document (clocks drift; NTP is not everywhere).
pub const CLOCK_AHEAD_TOLERANCE: chrono::Duration = chrono::Duration::minutes(10);
/// The oldest a document may be when it arrives: a till offline for weeks is real, for years is a
/// clock reset (to 1970 or 2000 after a flat CMOS battery).
pub const OLDEST_PLAUSIBLE: chrono::Duration = chrono::Duration::days(3 * 365);
/// How far back a till's clock may jump between two consecutive documents (a DST change is 1 hour).
pub const BACKWARDS_TOLERANCE: chrono::Duration = chrono::Duration::hours(2);

/// Why a document's till time cannot be right, if it cannot: dated in HQ's future, years back (a
/// till reset to 1970), or hours before the document it follows. A till offline for a week pushes
/// week-old documents, which is fine: old is not implausible, impossible is.
pub fn implausible_time(
    till_time: DateTime<Utc>,
    now: DateTime<Utc>,
    previous: &Option<DateTime<Utc>>,
) -> Option<&'static str> {
    if till_time > now + CLOCK_AHEAD_TOLERANCE {
        return Some("in HQ's future");
    }
    if till_time < now - OLDEST_PLAUSIBLE {
        return Some("years before HQ's clock");
    }
    if previous.is_some_and(|p| till_time < p - BACKWARDS_TOLERANCE) {
        return Some("hours before the document it follows");
    }
    None
}

fn existing_of(r: &super::db::Row) -> StorageResult<Existing> {
    Ok(Existing {
        id: r.get(0)?,
        seq: r.get(1)?,
        hash: r.get(2)?,
    })
}

/// `?from, ?from+1, …` for an `IN (…)` list of `n` values.
fn placeholders(from: usize, n: usize) -> String {
    (from..from + n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The longest `IN (…)` list one statement carries.
const IN_CHUNK: usize = 500;

/// What HQ holds at one sequence of the pushing till.
struct AtSeq {
    id: String,
    hash: String,
    prev_hash: String,
}

/// A write the loop over a push's documents decided on, run in order once the documents are in
/// (a conflict row and its alert, or an alert), so alerts keep the order the documents raised them.
enum Deferred {
    Conflict {
        id: String,
        seq: i64,
        hash: String,
        existing_id: String,
        reason: String,
        json: String,
    },
    Alert {
        kind: &'static str,
        message: String,
        gap: Option<(i64, i64)>,
        params: serde_json::Value,
    },
}

/// What HQ already holds that a push's documents can meet: the rows under their ids (any till),
/// and the till's rows at, before and after their sequences. One or two statements per push
/// instead of several per document; the loop then decides every document in memory.
async fn stored_around(
    tx: &mut dyn Tx,
    till_id: i64,
    ids: &[String],
    seqs: &[i64],
) -> StorageResult<(HashMap<String, Existing>, HashMap<i64, AtSeq>)> {
    let mut by_id = HashMap::new();
    for chunk in ids.chunks(IN_CHUNK) {
        let params: Vec<Value<'_>> = chunk.iter().map(|s| Value::Text(s)).collect();
        let rows = tx
            .query(
                &format!(
                    "SELECT id, seq, hash FROM documents WHERE id IN ({})",
                    placeholders(1, chunk.len())
                ),
                &params,
            )
            .await?;
        for r in rows {
            let e = existing_of(&r)?;
            by_id.insert(e.id.clone(), e);
        }
    }
    let mut wanted: Vec<i64> = seqs
        .iter()
        .flat_map(|s| [s - 1, *s, s + 1])
        .filter(|s| *s > 0)
        .collect();
    wanted.sort_unstable();
    wanted.dedup();
    let mut by_seq = HashMap::new();
    let (Some(&lo), Some(&hi)) = (wanted.first(), wanted.last()) else {
        return Ok((by_id, by_seq));
    };
    let mut add = |rows: Vec<super::db::Row>| -> StorageResult<()> {
        for r in rows {
            by_seq.insert(
                r.get::<i64>(0)?,
                AtSeq {
                    id: r.get(1)?,
                    hash: r.get(2)?,
                    prev_hash: r.get(3)?,
                },
            );
        }
        Ok(())
    };
    // A till pushes runs of consecutive sequences: one range read. A scattered batch reads lists.
    if usize::try_from(hi - lo).unwrap_or(usize::MAX) <= 2 * wanted.len() {
        add(tx
            .query(
                "SELECT seq, id, hash, prev_hash FROM documents WHERE till_id = ?1 AND seq >= ?2 AND seq <= ?3",
                p![till_id, lo, hi],
            )
            .await?)?;
    } else {
        for chunk in wanted.chunks(IN_CHUNK) {
            let mut params: Vec<Value<'_>> = vec![Value::Int(till_id)];
            params.extend(chunk.iter().map(|s| Value::Int(*s)));
            add(tx
                .query(
                    &format!(
                        "SELECT seq, id, hash, prev_hash FROM documents WHERE till_id = ?1 AND seq IN ({})",
                        placeholders(2, chunk.len())
                    ),
                    &params,
                )
                .await?)?;
        }
    }
    Ok((by_id, by_seq))
}

/// Stores one push batch for `till` (documents already checked by the caller).
///
/// Every document is decided in memory against what [`stored_around`] read (and what this batch
/// stored before it), exactly as if each were inserted one after the other; then the documents,
/// sales, lines and payments go in as one bulk insert each, and the alerts in the order raised.
pub(crate) async fn push_tx(
    tx: &mut dyn Tx,
    till: &TillAuth,
    docs: &[Document],
    now: DateTime<Utc>,
) -> StorageResult<PushResponse> {
    let till_id = till.till_id.0;
    let now_us = sql::micros(now);
    // One push per till at a time: the till row is the lock.
    let row = tx
        .query_opt(
            "SELECT contiguous_seq, last_seq FROM tills WHERE id = ?1 FOR UPDATE",
            p![till_id],
        )
        .await?
        .ok_or_else(|| sql::till_not_found(till_id))?;
    let (mut contiguous, mut last_seq): (i64, i64) = (row.get(0)?, row.get(1)?);
    // Nothing stored past the contiguous mark before this push: the mark then advances over this
    // push's stored sequences alone, known without reading them back.
    let nothing_beyond = last_seq <= contiguous;
    let mut stored_seqs: Vec<i64> = Vec::new();
    // The first stored document of this batch whose till time cannot be right, and why.
    let mut clock_off: Option<(i64, DateTime<Utc>, &'static str)> = None;
    // The store's zone: its documents are counted on its business days and local hours.
    let tz: trastienda_l10n::TimeZone = tx
        .scalar::<String>(
            "SELECT time_zone FROM stores WHERE id = ?1",
            p![till.store_id.0],
        )
        .await?
        .parse()
        .map_err(|e| StorageError::Backend(format!("store time zone: {e}")))?;
    let seqs: Vec<i64> = docs
        .iter()
        .map(|d| sql::to_i64(d.seq, "sequence"))
        .collect::<StorageResult<_>>()?;
    let ids: Vec<String> = docs.iter().map(|d| d.id.to_string()).collect();
    let (mut by_id, mut by_seq) = stored_around(tx, till_id, &ids, &seqs).await?;

    let mut stored = 0i64;
    let mut results = Vec::with_capacity(docs.len());
    let mut aggregates = dashboard::AggDelta::default();
    let mut stored_docs: Vec<&Document> = Vec::new();
    let mut prev_in_batch_time: Option<DateTime<Utc>> = None;
    // Business day of each stored document, for its stock moves.
    let mut stored_days: Vec<String> = Vec::new();
    let mut deferred: Vec<Deferred> = Vec::new();
    // Rows of the bulk inserts: (index in docs, json, day, hour) and the sale rows.
    let mut doc_rows: Vec<(usize, String, String, u32)> = Vec::new();
    let mut sale_rows: Vec<(usize, usize, sql::SaleRows<'_>)> = Vec::new();

    for (i, doc) in docs.iter().enumerate() {
        let (seq, id) = (seqs[i], &ids[i]);
        let json = sql::json(doc)?;
        // What a one-row insert would have clashed with: the id first, then (till, seq).
        let clash = match by_id.get(id) {
            Some(e) => Some((e.id.clone(), e.seq, e.hash.clone(), true)),
            None => by_seq
                .get(&seq)
                .map(|a| (a.id.clone(), seq, a.hash.clone(), false)),
        };
        if let Some((existing_id, existing_seq, existing_hash, is_by_id)) = clash {
            if existing_hash == doc.hash {
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Duplicate,
                    message: None,
                });
            } else {
                let existing = Existing {
                    id: existing_id,
                    seq: existing_seq,
                    hash: existing_hash,
                };
                let reason = sql::conflict_reason(doc, &existing, is_by_id);
                deferred.push(Deferred::Conflict {
                    id: id.clone(),
                    seq,
                    hash: doc.hash.clone(),
                    existing_id: existing.id,
                    reason: reason.clone(),
                    json,
                });
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Conflict,
                    message: Some(reason),
                });
            }
            continue;
        }
        by_id.insert(
            id.clone(),
            Existing {
                id: id.clone(),
                seq,
                hash: doc.hash.clone(),
            },
        );
        by_seq.insert(
            seq,
            AtSeq {
                id: id.clone(),
                hash: doc.hash.clone(),
                prev_hash: doc.prev_hash.clone(),
            },
        );
        let day = sql::day_text(trastienda_l10n::business_day(doc.till_time, tz));
        let hour = trastienda_l10n::local_hour(doc.till_time, tz);

        if clock_off.is_none()
            && let Some(why) = implausible_time(doc.till_time, now, &prev_in_batch_time)
        {
            clock_off = Some((seq, doc.till_time, why));
        }
        prev_in_batch_time = Some(doc.till_time);
        aggregates.add(&day, hour, doc);
        if let Some(s) = sql::sale_rows(doc) {
            // The document's row goes in at `doc_rows.len()` below, with its business day.
            sale_rows.push((i, doc_rows.len(), s));
        }

        // The chain, both ways: this document against its predecessor, its successor against it.
        if seq == 1 {
            if doc.prev_hash != GENESIS_HASH {
                deferred.push(Deferred::Alert {
                    kind: "chain_break",
                    message: format!(
                        "till {till_id}: document seq 1 does not start from the genesis hash"
                    ),
                    gap: None,
                    params: serde_json::json!({ "seq": 1, "prev": 0 }),
                });
            }
        } else if by_seq
            .get(&(seq - 1))
            .is_some_and(|p| p.hash != doc.prev_hash)
        {
            deferred.push(Deferred::Alert {
                kind: "chain_break",
                message: sql::chain_break_message(seq, till_id, seq - 1),
                gap: None,
                params: serde_json::json!({ "seq": seq, "prev": seq - 1 }),
            });
        }
        // A successor can only be stored already when this document fills a hole.
        if seq < last_seq
            && by_seq
                .get(&(seq + 1))
                .is_some_and(|n| n.prev_hash != doc.hash)
        {
            deferred.push(Deferred::Alert {
                kind: "chain_break",
                message: sql::chain_break_message(seq + 1, till_id, seq),
                gap: None,
                params: serde_json::json!({ "seq": seq + 1, "prev": seq }),
            });
        }

        if seq > last_seq + 1 {
            deferred.push(Deferred::Alert {
                kind: "gap",
                message: sql::gap_message(till_id, last_seq + 1, seq - 1),
                gap: Some((last_seq + 1, seq - 1)),
                params: serde_json::json!({ "from": last_seq + 1, "to": seq - 1 }),
            });
        }
        last_seq = last_seq.max(seq);
        stored += 1;
        stored_seqs.push(seq);
        stored_docs.push(doc);
        doc_rows.push((i, json, day.clone(), hour));
        stored_days.push(day);
        results.push(PushResult {
            id: doc.id,
            seq: doc.seq,
            status: PushStatus::Stored,
            message: None,
        });
    }

    insert_documents(
        tx, till_id, docs, &ids, &seqs, &doc_rows, &sale_rows, now_us,
    )
    .await?;
    let mut conflicts = 0i64;
    for d in deferred {
        match d {
            Deferred::Conflict {
                id,
                seq,
                hash,
                existing_id,
                reason,
                json,
            } => {
                let fresh = tx
                    .execute(
                        "INSERT INTO document_conflicts (document_id, till_id, seq, hash, existing_document_id, reason, json, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                        p![&id, till_id, seq, &hash, &existing_id, &reason, &json, now_us],
                    )
                    .await?;
                if fresh > 0 {
                    conflicts += 1;
                    let params = serde_json::json!({ "seq": seq });
                    alert_with(tx, "conflict", till_id, &reason, now_us, None, &params).await?;
                }
            }
            Deferred::Alert {
                kind,
                message,
                gap,
                params,
            } => alert_with(tx, kind, till_id, &message, now_us, gap, &params).await?,
        }
    }

    if let Some((seq, at, why)) = clock_off {
        // One open alert per till: a till whose clock is off dates every document wrong.
        let open = tx
            .scalar::<i64>(
                "SELECT COUNT(*) FROM alerts WHERE till_id = ?1 AND kind = 'clock_skew' AND resolved_at IS NULL",
                p![till_id],
            )
            .await?;
        if open == 0 {
            let m = format!(
                "till {till_id}: document {seq} is dated {} UTC, {why}; the till's clock is probably wrong (HQ's clock says {})",
                at.format("%Y-%m-%d %H:%M:%S"),
                now.format("%Y-%m-%d %H:%M:%S UTC")
            );
            let params = serde_json::json!({ "seq": seq, "at": at.to_rfc3339() });
            alert_with(tx, "clock_skew", till_id, &m, now_us, None, &params).await?;
        }
    }

    super::deliveries_sql::apply_receipts(tx, till_id, &stored_docs, now_us).await?;
    let stock: Vec<(&Document, &str)> = stored_docs
        .iter()
        .zip(stored_days.iter())
        .map(|(d, day)| (*d, day.as_str()))
        .collect();
    if !super::stock::stock_skipped() {
        super::stock_sql::apply_stock(tx, &stock, true).await?;
    }
    if stored > 0 {
        // Advance the contiguous mark over stored sequences; stops at the first hole.
        let seqs: Vec<i64> = if nothing_beyond {
            // Every document past the mark is one this push stored.
            stored_seqs.retain(|s| *s > contiguous);
            stored_seqs.sort_unstable();
            stored_seqs
        } else {
            tx.query_map(
                "SELECT seq FROM documents WHERE till_id = ?1 AND seq > ?2 ORDER BY seq",
                p![till_id, contiguous],
                |r| r.get(0),
            )
            .await?
        };
        for s in seqs {
            if s != contiguous + 1 {
                break;
            }
            contiguous = s;
        }
    }
    // Every document up to `contiguous` is stored: the records' arrival checks need not count them.
    super::verifactu_sql::store_records(tx, till, docs, contiguous, now_us).await?;
    if stored > 0 {
        tx.execute(
            "UPDATE alerts SET resolved_at = ?1, message = message || ?2
             WHERE till_id = ?3 AND kind = 'gap' AND resolved_at IS NULL AND gap_to <= ?4",
            p![now_us, sql::GAP_CLOSED_SUFFIX, till_id, contiguous],
        )
        .await?;
        reconcile_closes(tx, till_id, contiguous, now_us).await?;
    }
    // The aggregates last: their rows (per store and day, and HQ-wide per product) are shared
    // with every other push, so their row locks are held only from here to the commit.
    super::dashboard_sql::apply_aggregates(tx, &aggregates).await?;
    tx.execute(
        "UPDATE tills SET contiguous_seq = ?1, last_seq = ?2, doc_count = doc_count + ?3,
         conflict_count = conflict_count + ?4, last_push_at = ?5 WHERE id = ?6",
        p![contiguous, last_seq, stored, conflicts, now_us, till_id],
    )
    .await?;
    Ok(PushResponse {
        results,
        contiguous_seq: sql::to_u64(contiguous),
        accepted: vec![],
    })
}

/// The stored documents of a push and their sales, lines and payments: one bulk insert per table.
#[allow(clippy::too_many_arguments)]
async fn insert_documents(
    tx: &mut dyn Tx,
    till_id: i64,
    docs: &[Document],
    ids: &[String],
    seqs: &[i64],
    doc_rows: &[(usize, String, String, u32)],
    sale_rows: &[(usize, usize, sql::SaleRows<'_>)],
    now_us: i64,
) -> StorageResult<()> {
    use ColType::{Int, Text};
    if doc_rows.is_empty() {
        return Ok(());
    }
    let rows: Vec<Vec<Value<'_>>> = doc_rows
        .iter()
        .map(|(i, json, day, hour)| {
            let d = &docs[*i];
            vec![
                Value::Text(&ids[*i]),
                Value::Int(till_id),
                Value::Int(d.store_id.0),
                Value::Int(seqs[*i]),
                Value::Text(d.body.kind().as_str()),
                Value::Int(sql::micros(d.till_time)),
                Value::Text(day),
                Value::Text(&d.hash),
                Value::Text(&d.prev_hash),
                Value::Text(json),
                Value::Int(now_us),
                Value::Int(i64::from(*hour)),
            ]
        })
        .collect();
    // Nothing here clashes (read under the till's lock), unless another till pushed a document
    // with one of these ids meanwhile: then the whole push fails; the till's retry finds it.
    let n = tx
        .copy_in(
            "INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at, local_hour)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            &[Text, Int, Int, Int, Text, Int, Text, Text, Text, Text, Int, Int],
            &rows,
        )
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => StorageError::Backend(format!(
                "till {till_id}: a document of this push was stored by another push meanwhile; nothing stored, the till retries"
            )),
            e => e,
        })?;
    if n != doc_rows.len() as u64 {
        return Err(StorageError::Backend(format!(
            "till {till_id}: {n} of {} documents stored",
            doc_rows.len()
        )));
    }
    if sale_rows.is_empty() {
        return Ok(());
    }
    let sales: Vec<Vec<Value<'_>>> = sale_rows
        .iter()
        .map(|(i, j, s)| {
            vec![
                Value::Text(&ids[*i]),
                Value::Text(s.kind),
                Value::Int(till_id),
                Value::Int(docs[*i].store_id.0),
                Value::Text(&doc_rows[*j].2),
                Value::Text(s.number),
                Value::Int(s.total_cents),
                Value::Int(s.net_cents),
                Value::Int(s.tax_cents),
            ]
        })
        .collect();
    tx.copy_in(
        "INSERT INTO sales (document_id, kind, till_id, store_id, business_day, number, total_cents, net_cents, tax_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        &[Text, Text, Int, Int, Text, Text, Int, Int, Int],
        &sales,
    )
    .await?;
    let lines: Vec<Vec<Value<'_>>> = sale_rows
        .iter()
        .flat_map(|(i, _, s)| {
            s.lines.iter().enumerate().map(move |(n, l)| {
                vec![
                    Value::Text(&ids[*i]),
                    Value::Int(n as i64 + 1),
                    Value::Text(&l.0),
                    Value::Int(l.1),
                    Value::Int(l.2),
                    Value::Int(l.3),
                    Value::Int(l.4),
                    Value::Int(l.5),
                    Value::Int(l.6),
                    Value::Int(l.7),
                ]
            })
        })
        .collect();
    // The promotion that gave a line its discount rides in the same row (two more columns, no
    // extra round trip).
    tx.copy_in(
        "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths, promotion_id, promotion_cents)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
        &[Text, Int, Text, Int, Int, Int, Int, Int, Int, Int],
        &lines,
    )
    .await?;
    let payments: Vec<Vec<Value<'_>>> = sale_rows
        .iter()
        .flat_map(|(i, _, s)| {
            s.payments.iter().enumerate().map(move |(n, p)| {
                vec![
                    Value::Text(&ids[*i]),
                    Value::Int(n as i64 + 1),
                    Value::Text(&p.0),
                    Value::Text(p.1),
                    Value::Int(p.2),
                ]
            })
        })
        .collect();
    tx.copy_in(
        "INSERT INTO sale_payments (document_id, line_no, payment_id, tender, amount_cents) VALUES (?1, ?2, ?3, ?4, ?5)",
        &[Text, Int, Text, Text, Int],
        &payments,
    )
    .await?;
    Ok(())
}

/// Reconciles every Z close of the till whose whole range has arrived (see `reconcile`).
async fn reconcile_closes(
    tx: &mut dyn Tx,
    till_id: i64,
    contiguous: i64,
    now_us: i64,
) -> StorageResult<()> {
    let closes: Vec<(String, String)> = tx
        .query_map(sql::UNCHECKED_CLOSES, p![till_id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .await?;
    for (id, json) in closes {
        let Some(close) = sql::parse_close(&json)? else {
            continue;
        };
        let last = sql::to_i64(close.last_seq, "sequence")?;
        if last > contiguous {
            continue; // some documents are still on their way; checked when they arrive
        }
        let first = sql::to_i64(close.first_seq, "sequence")?;
        let docs = tx
            .query_map(sql::DOCS_IN_RANGE, p![till_id, first, last], |r| {
                sql::parse_document(&r.get::<String>(0)?)
            })
            .await?;
        let f = reconcile::check(till_id, &close, &docs);
        for (m, params) in f.mismatches.iter().zip(&f.mismatch_params) {
            alert_with(tx, "z_mismatch", till_id, m, now_us, None, params).await?;
        }
        if let Some(m) = &f.over_short {
            let params = f.over_short_params.clone().unwrap_or_default();
            alert_with(tx, "z_over_short", till_id, m, now_us, None, &params).await?;
        }
        let state = if f.mismatches.is_empty() {
            "ok"
        } else {
            "mismatch"
        };
        let z = sql::to_i64(close.z_number, "Z number")?;
        tx.execute(
            sql::INSERT_CLOSE_CHECK,
            p![&id, till_id, z, state, f.mismatches.first(), now_us],
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn which_till_times_are_impossible() {
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 12, 0, 0).unwrap();
        let ok = |t| implausible_time(t, now, &None).is_none();
        assert!(ok(now));
        assert!(ok(now - Duration::days(10)), "a till offline for ten days");
        assert!(ok(now + Duration::minutes(9)), "a clock a few minutes fast");
        assert_eq!(
            implausible_time(now + Duration::minutes(11), now, &None),
            Some("in HQ's future")
        );
        assert_eq!(
            implausible_time(Utc.timestamp_opt(0, 0).unwrap(), now, &None),
            Some("years before HQ's clock")
        );
        let prev = Some(now - Duration::hours(1));
        assert!(
            implausible_time(now - Duration::hours(2), now, &prev).is_none(),
            "summer time ends"
        );
        assert_eq!(
            implausible_time(now - Duration::hours(4), now, &prev),
            Some("hours before the document it follows")
        );
    }
}
