//! The push algorithm, written once for both backends: store each document exactly once (keyed on
//! its id and on (till, seq) forever), keep clashing ones aside as conflicts, raise gaps and chain
//! breaks, and keep the report aggregates, delivery notes, stock and Z checks current in the same transaction.

use super::db::{ColType, Tx, Value};
use super::sql::{self, Existing};
use super::{PushResponse, StorageError, StorageResult, TillAuth, dashboard, reconcile};
use crate::p;
use chrono::{DateTime, Utc};
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

/// Stores one push batch for `till` (documents already checked by the caller).
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
    let mut stored = 0i64;
    let mut conflicts = 0i64;
    let mut results = Vec::with_capacity(docs.len());
    // (seq, hash) of the last document stored in this batch, to skip a lookup on the common path.
    let mut prev_in_batch: Option<(i64, String)> = None;
    let mut aggregates = dashboard::AggDelta::default();
    let mut stored_docs: Vec<&Document> = Vec::new();
    let mut prev_in_batch_time: Option<DateTime<Utc>> = None;
    // Business day of each stored document, for its stock moves.
    let mut stored_days: Vec<String> = Vec::new();

    for doc in docs {
        let seq = sql::to_i64(doc.seq, "sequence")?;
        let id = doc.id.to_string();
        let json = sql::json(doc)?;
        let day = sql::day_text(trastienda_l10n::business_day(doc.till_time, tz));
        let hour = trastienda_l10n::local_hour(doc.till_time, tz);
        let n = tx
            .execute(
                "INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at, local_hour)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) ON CONFLICT DO NOTHING",
                p![
                    &id,
                    till_id,
                    doc.store_id.0,
                    seq,
                    doc.body.kind().as_str(),
                    sql::micros(doc.till_time),
                    &day,
                    &doc.hash,
                    &doc.prev_hash,
                    &json,
                    now_us,
                    hour
                ],
            )
            .await?;
        if n == 0 {
            let (existing, is_by_id) = match tx
                .query_opt("SELECT id, seq, hash FROM documents WHERE id = ?1", p![&id])
                .await?
            {
                Some(r) => (existing_of(&r)?, true),
                None => {
                    let r = tx
                        .query_opt(
                            "SELECT id, seq, hash FROM documents WHERE till_id = ?1 AND seq = ?2",
                            p![till_id, seq],
                        )
                        .await?
                        .ok_or_else(|| {
                            StorageError::Backend(format!(
                                "document {id} was refused by a unique key but no clash was found"
                            ))
                        })?;
                    (existing_of(&r)?, false)
                }
            };
            if existing.hash == doc.hash {
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Duplicate,
                    message: None,
                });
            } else {
                let reason = sql::conflict_reason(doc, &existing, is_by_id);
                let fresh = tx
                    .execute(
                        "INSERT INTO document_conflicts (document_id, till_id, seq, hash, existing_document_id, reason, json, received_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) ON CONFLICT DO NOTHING",
                        p![&id, till_id, seq, &doc.hash, &existing.id, &reason, &json, now_us],
                    )
                    .await?;
                if fresh > 0 {
                    conflicts += 1;
                    let params = serde_json::json!({ "seq": seq });
                    alert_with(tx, "conflict", till_id, &reason, now_us, None, &params).await?;
                }
                results.push(PushResult {
                    id: doc.id,
                    seq: doc.seq,
                    status: PushStatus::Conflict,
                    message: Some(reason),
                });
            }
            continue;
        }

        if clock_off.is_none()
            && let Some(why) = implausible_time(doc.till_time, now, &prev_in_batch_time)
        {
            clock_off = Some((seq, doc.till_time, why));
        }
        prev_in_batch_time = Some(doc.till_time);
        aggregates.add(&day, hour, doc);
        if let Some(s) = sql::sale_rows(doc) {
            tx.execute(
                "INSERT INTO sales (document_id, kind, till_id, store_id, business_day, number, total_cents, net_cents, tax_cents)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                p![
                    &id,
                    s.kind,
                    till_id,
                    doc.store_id.0,
                    &day,
                    s.number,
                    s.total_cents,
                    s.net_cents,
                    s.tax_cents
                ],
            )
            .await?;
            let lines: Vec<Vec<Value<'_>>> = s
                .lines
                .iter()
                .enumerate()
                .map(|(i, l)| {
                    vec![
                        Value::Text(&id),
                        Value::Int(i as i64 + 1),
                        Value::Text(&l.0),
                        Value::Int(l.1),
                        Value::Int(l.2),
                        Value::Int(l.3),
                        Value::Int(l.4),
                        Value::Int(l.5),
                    ]
                })
                .collect();
            tx.insert_many(
                "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                &[
                    ColType::Text,
                    ColType::Int,
                    ColType::Text,
                    ColType::Int,
                    ColType::Int,
                    ColType::Int,
                    ColType::Int,
                    ColType::Int,
                ],
                &lines,
            )
            .await?;
            let payments: Vec<Vec<Value<'_>>> = s
                .payments
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    vec![
                        Value::Text(&id),
                        Value::Int(i as i64 + 1),
                        Value::Text(&p.0),
                        Value::Text(p.1),
                        Value::Int(p.2),
                    ]
                })
                .collect();
            tx.insert_many(
                "INSERT INTO sale_payments (document_id, line_no, payment_id, tender, amount_cents) VALUES (?1, ?2, ?3, ?4, ?5)",
                &[
                    ColType::Text,
                    ColType::Int,
                    ColType::Text,
                    ColType::Text,
                    ColType::Int,
                ],
                &payments,
            )
            .await?;
        }

        // The chain, both ways: this document against its predecessor, its successor against it.
        if seq == 1 {
            if doc.prev_hash != GENESIS_HASH {
                let m =
                    format!("till {till_id}: document seq 1 does not start from the genesis hash");
                let params = serde_json::json!({ "seq": 1, "prev": 0 });
                alert_with(tx, "chain_break", till_id, &m, now_us, None, &params).await?;
            }
        } else {
            let prev_hash = match &prev_in_batch {
                Some((s, h)) if *s == seq - 1 => Some(h.clone()),
                _ => {
                    tx.scalar_opt::<String>(
                        "SELECT hash FROM documents WHERE till_id = ?1 AND seq = ?2",
                        p![till_id, seq - 1],
                    )
                    .await?
                }
            };
            if prev_hash.is_some_and(|h| h != doc.prev_hash) {
                let m = sql::chain_break_message(seq, till_id, seq - 1);
                let params = serde_json::json!({ "seq": seq, "prev": seq - 1 });
                alert_with(tx, "chain_break", till_id, &m, now_us, None, &params).await?;
            }
        }
        // A successor can only be stored already when this document fills a hole.
        if seq < last_seq
            && let Some(next_prev) = tx
                .scalar_opt::<String>(
                    "SELECT prev_hash FROM documents WHERE till_id = ?1 AND seq = ?2",
                    p![till_id, seq + 1],
                )
                .await?
            && next_prev != doc.hash
        {
            let m = sql::chain_break_message(seq + 1, till_id, seq);
            let params = serde_json::json!({ "seq": seq + 1, "prev": seq });
            alert_with(tx, "chain_break", till_id, &m, now_us, None, &params).await?;
        }

        if seq > last_seq + 1 {
            let m = sql::gap_message(till_id, last_seq + 1, seq - 1);
            let params = serde_json::json!({ "from": last_seq + 1, "to": seq - 1 });
            alert_with(
                tx,
                "gap",
                till_id,
                &m,
                now_us,
                Some((last_seq + 1, seq - 1)),
                &params,
            )
            .await?;
        }
        last_seq = last_seq.max(seq);
        stored += 1;
        stored_docs.push(doc);
        stored_days.push(day);
        prev_in_batch = Some((seq, doc.hash.clone()));
        results.push(PushResult {
            id: doc.id,
            seq: doc.seq,
            status: PushStatus::Stored,
            message: None,
        });
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

    super::dashboard_sql::apply_aggregates(tx, &aggregates).await?;
    super::deliveries_sql::apply_receipts(tx, till_id, &stored_docs, now_us).await?;
    let stock: Vec<(&Document, &str)> = stored_docs
        .iter()
        .zip(stored_days.iter())
        .map(|(d, day)| (*d, day.as_str()))
        .collect();
    super::stock_sql::apply_stock(tx, &stock).await?;
    super::verifactu_sql::store_records(tx, till, docs, now_us).await?;
    if stored > 0 {
        // Advance the contiguous mark over stored sequences; stops at the first hole.
        let seqs: Vec<i64> = tx
            .query_map(
                "SELECT seq FROM documents WHERE till_id = ?1 AND seq > ?2 ORDER BY seq",
                p![till_id, contiguous],
                |r| r.get(0),
            )
            .await?;
        for s in seqs {
            if s != contiguous + 1 {
                break;
            }
            contiguous = s;
        }
        tx.execute(
            "UPDATE alerts SET resolved_at = ?1, message = message || ?2
             WHERE till_id = ?3 AND kind = 'gap' AND resolved_at IS NULL AND gap_to <= ?4",
            p![now_us, sql::GAP_CLOSED_SUFFIX, till_id, contiguous],
        )
        .await?;
        reconcile_closes(tx, till_id, contiguous, now_us).await?;
    }
    tx.execute(
        "UPDATE tills SET contiguous_seq = ?1, last_seq = ?2, doc_count = doc_count + ?3,
         conflict_count = conflict_count + ?4, last_push_at = ?5 WHERE id = ?6",
        p![contiguous, last_seq, stored, conflicts, now_us, till_id],
    )
    .await?;
    Ok(PushResponse {
        results,
        contiguous_seq: sql::to_u64(contiguous),
    })
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
