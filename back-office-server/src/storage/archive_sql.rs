//! The archive on either backend: issued invoices' PDFs, the tills' Z reports and delivery-note
//! receipts read from where they are kept, and HQ's uploads in `archive_uploads` (0041).

use super::archive::{
    ArchiveEntry, ArchiveFilter, ArchiveKey, ArchiveKind, ArchiveStorage, NewUpload,
};
use super::db::{Row, Tx};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sync_protocol::FranchiseeId;

/// Years a document is kept from its date unless HQ keeps it longer (Código de Comercio art. 30,
/// Ley General Tributaria art. 66: six years).
pub const RETENTION_YEARS: i32 = 6;

/// `date` plus the retention period (29 February gives 28 February).
pub fn retention_end(date: NaiveDate, years: i32) -> NaiveDate {
    date.with_year(date.year() + years)
        .or_else(|| NaiveDate::from_ymd_opt(date.year() + years, date.month(), 28))
        .unwrap_or(date)
}

fn period_of(d: NaiveDate) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

fn sha_hex(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// A `LIKE` pattern that finds `part` anywhere (case-insensitive with `LOWER`), `%`, `_` and `\`
/// taken literally.
fn contains_pattern(part: &str) -> String {
    let mut out = String::from("%");
    for c in part.trim().to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out.push('%');
    out
}

/// A file name part made of what every zip tool and file system takes.
pub fn safe_name(s: &str) -> String {
    let out: String = s
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let out = out.trim_matches('.').to_string();
    if out.is_empty() {
        "document".into()
    } else {
        out
    }
}

/// The Z number a stored close carries (`body.z_number`, wherever the body is nested).
fn z_number(json: &str) -> Option<u64> {
    fn find(v: &serde_json::Value) -> Option<u64> {
        match v {
            serde_json::Value::Object(m) => m
                .get("z_number")
                .and_then(serde_json::Value::as_u64)
                .or_else(|| m.values().find_map(find)),
            _ => None,
        }
    }
    find(&serde_json::from_str(json).ok()?)
}

const INVOICE_SELECT: &str =
    "SELECT i.id, i.kind, i.franchisee_id, f.legal_name, i.full_number, i.issue_date,
       CAST(LENGTH(d.content) AS BIGINT), d.sha256, i.created_at
  FROM invoices i
  JOIN invoice_documents d ON d.invoice_id = i.id AND d.format = 'pdf'
  JOIN franchisees f ON f.id = i.franchisee_id";

fn invoice_entry(r: &Row) -> StorageResult<ArchiveEntry> {
    let id: i64 = r.get(0)?;
    let kind: String = r.get(1)?;
    let number: String = r.get(4)?;
    let date = sql::parse_day(&r.get::<String>(5)?)?;
    Ok(ArchiveEntry {
        id: ArchiveKey::Invoice(id).to_string(),
        kind: if kind == "credit_note" {
            ArchiveKind::CreditNote
        } else {
            ArchiveKind::Invoice
        },
        franchisee_id: Some(FranchiseeId(r.get(2)?)),
        supplier_id: None,
        party: r.get(3)?,
        filename: format!("{}.pdf", safe_name(&number)),
        number,
        date,
        period: period_of(date),
        content_type: "application/pdf".into(),
        size: sql::to_u64(r.get(6)?),
        sha256: r.get(7)?,
        archived_at: sql::from_micros(r.get(8)?),
        // Issued invoices are never deleted at all (0017); this is the legal minimum.
        retain_until: retention_end(date, RETENTION_YEARS),
        uploaded_by: None,
    })
}

/// Z reports and delivery-note receipts: (document id, franchisee, party, number or series,
/// business day, json, received at).
fn till_entry(r: &Row, kind: ArchiveKind) -> StorageResult<ArchiveEntry> {
    let id: String = r.get(0)?;
    let json: String = r.get(5)?;
    let date = sql::parse_day(&r.get::<String>(4)?)?;
    let named: String = r.get(3)?;
    let number = match kind {
        ArchiveKind::ZReport => match z_number(&json) {
            Some(n) => format!("{named}-Z{n}"),
            None => format!("{named}-Z"),
        },
        _ => named,
    };
    let prefix = if kind == ArchiveKind::ZReport {
        "Z"
    } else {
        "albaran"
    };
    Ok(ArchiveEntry {
        id: ArchiveKey::TillDocument(id).to_string(),
        kind,
        franchisee_id: Some(FranchiseeId(r.get(1)?)),
        supplier_id: None,
        party: r.get(2)?,
        filename: format!("{prefix}_{}_{date}.json", safe_name(&number)),
        number,
        date,
        period: period_of(date),
        content_type: "application/json".into(),
        size: json.len() as u64,
        sha256: sha_hex(json.as_bytes()),
        archived_at: sql::from_micros(r.get(6)?),
        // Till documents are never deleted at all (0041); this is the legal minimum.
        retain_until: retention_end(date, RETENTION_YEARS),
        uploaded_by: None,
    })
}

const Z_SELECT: &str = "SELECT d.id, s.franchisee_id, f.legal_name, t.ticket_series, d.business_day, d.json, d.received_at
  FROM documents d
  JOIN stores s ON s.id = d.store_id
  JOIN franchisees f ON f.id = s.franchisee_id
  JOIN tills t ON t.id = d.till_id";

const DELIVERY_SELECT: &str = "SELECT d.id, s.franchisee_id, f.legal_name, COALESCE(n.number, ''), d.business_day, d.json, d.received_at
  FROM delivery_notes n
  JOIN documents d ON d.id = n.received_document_id
  JOIN stores s ON s.id = d.store_id
  JOIN franchisees f ON f.id = s.franchisee_id";

const UPLOAD_SELECT: &str = "SELECT u.id, u.kind, u.franchisee_id, u.supplier_id, COALESCE(f.legal_name, s.name, ''), u.number,
       u.document_date, u.filename, u.content_type, CAST(LENGTH(u.content) AS BIGINT), u.sha256, u.uploaded_at,
       u.retain_until, u.uploaded_by
  FROM archive_uploads u
  LEFT JOIN franchisees f ON f.id = u.franchisee_id
  LEFT JOIN suppliers s ON s.id = u.supplier_id";

fn upload_entry(r: &Row) -> StorageResult<ArchiveEntry> {
    let kind: String = r.get(1)?;
    let date = sql::parse_day(&r.get::<String>(6)?)?;
    Ok(ArchiveEntry {
        id: ArchiveKey::Upload(r.get(0)?).to_string(),
        kind: ArchiveKind::parse(&kind)
            .ok_or_else(|| StorageError::Backend(format!("archive upload of kind {kind}")))?,
        franchisee_id: r.get::<Option<i64>>(2)?.map(FranchiseeId),
        supplier_id: r.get(3)?,
        party: r.get(4)?,
        number: r.get(5)?,
        date,
        period: period_of(date),
        filename: r.get(7)?,
        content_type: r.get(8)?,
        size: sql::to_u64(r.get(9)?),
        sha256: r.get(10)?,
        archived_at: sql::from_micros(r.get(11)?),
        retain_until: sql::parse_day(&r.get::<String>(12)?)?,
        uploaded_by: Some(r.get(13)?),
    })
}

fn wants(filter: &ArchiveFilter, kind: ArchiveKind) -> bool {
    filter.kind.is_none_or(|k| k == kind)
}

async fn list_tx(tx: &mut dyn Tx, filter: &ArchiveFilter) -> StorageResult<Vec<ArchiveEntry>> {
    let franchisee = filter.franchisee.map(|f| f.0);
    let from = filter.from.map(sql::day_text);
    let to = filter.to.map(sql::day_text);
    let number = filter
        .number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    let pattern = number.map(contains_pattern);
    let limit = i64::from(filter.limit.max(1));
    let mut out = Vec::new();
    // HQ's own documents and the tills' belong to a franchisee, never to a supplier.
    if filter.supplier.is_none() {
        for kind in [ArchiveKind::Invoice, ArchiveKind::CreditNote] {
            if !wants(filter, kind) {
                continue;
            }
            out.extend(
                tx.query_map(
                    &format!(
                        "{INVOICE_SELECT}
                         WHERE i.kind = ?1
                           AND (CAST(?2 AS BIGINT) IS NULL OR i.franchisee_id = ?2)
                           AND (CAST(?3 AS TEXT) IS NULL OR i.issue_date >= ?3)
                           AND (CAST(?4 AS TEXT) IS NULL OR i.issue_date <= ?4)
                           AND (CAST(?5 AS TEXT) IS NULL OR LOWER(i.full_number) LIKE ?5 ESCAPE '\\')
                         ORDER BY i.issue_date DESC, i.id DESC LIMIT ?6"
                    ),
                    p![
                        kind.as_str(),
                        franchisee,
                        from.as_deref(),
                        to.as_deref(),
                        pattern.as_deref(),
                        limit
                    ],
                    invoice_entry,
                )
                .await?,
            );
        }
        if wants(filter, ArchiveKind::ZReport) {
            let zs = tx
                .query_map(
                    &format!(
                        "{Z_SELECT}
                         WHERE d.kind = 'cash_close'
                           AND (CAST(?1 AS BIGINT) IS NULL OR s.franchisee_id = ?1)
                           AND (CAST(?2 AS TEXT) IS NULL OR d.business_day >= ?2)
                           AND (CAST(?3 AS TEXT) IS NULL OR d.business_day <= ?3)
                         ORDER BY d.business_day DESC, d.received_at DESC LIMIT ?4"
                    ),
                    p![franchisee, from.as_deref(), to.as_deref(), limit],
                    |r| till_entry(r, ArchiveKind::ZReport),
                )
                .await?;
            // The Z number is inside the document: matched here.
            let needle = number.map(str::to_lowercase);
            out.extend(zs.into_iter().filter(|e| {
                needle
                    .as_deref()
                    .is_none_or(|n| e.number.to_lowercase().contains(n))
            }));
        }
        if wants(filter, ArchiveKind::DeliveryNote) {
            out.extend(
                tx.query_map(
                    &format!(
                        "{DELIVERY_SELECT}
                         WHERE (CAST(?1 AS BIGINT) IS NULL OR s.franchisee_id = ?1)
                           AND (CAST(?2 AS TEXT) IS NULL OR d.business_day >= ?2)
                           AND (CAST(?3 AS TEXT) IS NULL OR d.business_day <= ?3)
                           AND (CAST(?4 AS TEXT) IS NULL OR LOWER(COALESCE(n.number, '')) LIKE ?4 ESCAPE '\\')
                         ORDER BY d.business_day DESC, n.id DESC LIMIT ?5"
                    ),
                    p![
                        franchisee,
                        from.as_deref(),
                        to.as_deref(),
                        pattern.as_deref(),
                        limit
                    ],
                    |r| till_entry(r, ArchiveKind::DeliveryNote),
                )
                .await?,
            );
        }
    }
    if filter.kind.is_none_or(ArchiveKind::is_uploaded) {
        out.extend(
            tx.query_map(
                &format!(
                    "{UPLOAD_SELECT}
                     WHERE (CAST(?1 AS BIGINT) IS NULL OR u.franchisee_id = ?1)
                       AND (CAST(?2 AS BIGINT) IS NULL OR u.supplier_id = ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR u.kind = ?3)
                       AND (CAST(?4 AS TEXT) IS NULL OR u.document_date >= ?4)
                       AND (CAST(?5 AS TEXT) IS NULL OR u.document_date <= ?5)
                       AND (CAST(?6 AS TEXT) IS NULL OR LOWER(u.number) LIKE ?6 ESCAPE '\\')
                     ORDER BY u.document_date DESC, u.id DESC LIMIT ?7"
                ),
                p![
                    franchisee,
                    filter.supplier,
                    filter.kind.map(ArchiveKind::as_str),
                    from.as_deref(),
                    to.as_deref(),
                    pattern.as_deref(),
                    limit
                ],
                upload_entry,
            )
            .await?,
        );
    }
    out.sort_by(|a, b| {
        b.date
            .cmp(&a.date)
            .then(b.archived_at.cmp(&a.archived_at))
            .then(b.id.cmp(&a.id))
    });
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

fn not_found(key: &ArchiveKey) -> StorageError {
    StorageError::NotFound(Problem::new("archive_not_found").with("id", key.to_string()))
}

async fn get_tx(tx: &mut dyn Tx, key: &ArchiveKey) -> StorageResult<(ArchiveEntry, Vec<u8>)> {
    match key {
        ArchiveKey::Invoice(id) => {
            let r = tx
                .query_opt(&format!("{INVOICE_SELECT} WHERE i.id = ?1"), p![*id])
                .await?
                .ok_or_else(|| not_found(key))?;
            let entry = invoice_entry(&r)?;
            let bytes: Vec<u8> = tx
                .scalar(
                    "SELECT content FROM invoice_documents WHERE invoice_id = ?1 AND format = 'pdf'",
                    p![*id],
                )
                .await?;
            Ok((entry, bytes))
        }
        ArchiveKey::TillDocument(id) => {
            let entry = match tx
                .query_opt(
                    &format!("{Z_SELECT} WHERE d.id = ?1 AND d.kind = 'cash_close'"),
                    p![id.as_str()],
                )
                .await?
            {
                Some(r) => till_entry(&r, ArchiveKind::ZReport)?,
                None => {
                    let r = tx
                        .query_opt(
                            &format!("{DELIVERY_SELECT} WHERE d.id = ?1"),
                            p![id.as_str()],
                        )
                        .await?
                        .ok_or_else(|| not_found(key))?;
                    till_entry(&r, ArchiveKind::DeliveryNote)?
                }
            };
            let json: String = tx
                .scalar("SELECT json FROM documents WHERE id = ?1", p![id.as_str()])
                .await?;
            Ok((entry, json.into_bytes()))
        }
        ArchiveKey::Upload(id) => {
            let r = tx
                .query_opt(&format!("{UPLOAD_SELECT} WHERE u.id = ?1"), p![*id])
                .await?
                .ok_or_else(|| not_found(key))?;
            let entry = upload_entry(&r)?;
            let bytes: Vec<u8> = tx
                .scalar("SELECT content FROM archive_uploads WHERE id = ?1", p![*id])
                .await?;
            Ok((entry, bytes))
        }
    }
}

#[async_trait]
impl ArchiveStorage for SqlStorage {
    async fn archive_list(&self, filter: &ArchiveFilter) -> StorageResult<Vec<ArchiveEntry>> {
        let filter = filter.clone();
        self.db
            .read(move |tx| Box::pin(async move { list_tx(tx, &filter).await }))
            .await
    }

    async fn archive_get(&self, key: &ArchiveKey) -> StorageResult<(ArchiveEntry, Vec<u8>)> {
        let key = key.clone();
        self.db
            .read(move |tx| Box::pin(async move { get_tx(tx, &key).await }))
            .await
    }

    async fn archive_upload(
        &self,
        upload: &NewUpload,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveEntry> {
        let u = upload.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    if let Some(f) = u.franchisee
                        && !tx
                            .exists("SELECT 1 FROM franchisees WHERE id = ?1", p![f.0])
                            .await?
                    {
                        return Err(StorageError::Invalid(
                            Problem::new("archive_unknown_franchisee").with("id", f.0),
                        ));
                    }
                    if let Some(s) = u.supplier
                        && !tx
                            .exists("SELECT 1 FROM suppliers WHERE id = ?1", p![s])
                            .await?
                    {
                        return Err(StorageError::Invalid(
                            Problem::new("archive_unknown_supplier").with("id", s),
                        ));
                    }
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO archive_uploads (franchisee_id, supplier_id, kind, number, document_date,
                               filename, content_type, content, sha256, uploaded_by, uploaded_at, retain_until)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                            p![
                                u.franchisee.map(|f| f.0),
                                u.supplier,
                                u.kind.as_str(),
                                &u.number,
                                &sql::day_text(u.date),
                                &u.filename,
                                &u.content_type,
                                u.content.as_slice(),
                                &u.sha256,
                                &u.uploaded_by,
                                sql::micros(now),
                                &sql::day_text(u.retain_until)
                            ],
                        )
                        .await?;
                    let r = tx
                        .query_one(&format!("{UPLOAD_SELECT} WHERE u.id = ?1"), p![id])
                        .await?;
                    upload_entry(&r)
                })
            })
            .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_round_trip() {
        for k in [
            ArchiveKey::Invoice(7),
            ArchiveKey::Upload(12),
            ArchiveKey::TillDocument("0190f3a2-5b7c-7d11-8e2f-1234567890ab".into()),
        ] {
            assert_eq!(ArchiveKey::parse(&k.to_string()), Some(k));
        }
        assert_eq!(ArchiveKey::parse("doc-../../etc"), None);
        assert_eq!(ArchiveKey::parse("inv-x"), None);
    }

    #[test]
    fn retention_and_names() {
        let d = NaiveDate::from_ymd_opt(2024, 2, 29).unwrap();
        assert_eq!(
            retention_end(d, 6),
            NaiveDate::from_ymd_opt(2030, 2, 28).unwrap()
        );
        assert_eq!(safe_name("FQ-2026/7 a"), "FQ-2026_7_a");
        assert_eq!(safe_name("../"), "_");
        assert_eq!(contains_pattern("a_b%"), "%a\\_b\\%%");
    }
}
