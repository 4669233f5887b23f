//! The archive on either backend: issued invoices' PDFs, the tills' Z reports and delivery-note
//! receipts read from where they are kept, HQ's uploads in `archive_uploads` (0041) and the
//! statements of account HQ sent in `archived_statements` (0044). The list is read a page at a
//! time (keyset: the entries after the last one shown), each table sorted by its indexed date.

use super::archive::{
    ArchiveCursor, ArchiveEntry, ArchiveFilter, ArchiveKey, ArchiveKind, ArchiveSettings,
    ArchiveStorage, LEGAL_MIN_RETENTION_YEARS, NewStatement, NewUpload,
};
use super::db::{Row, Tx, Value};
use super::sql_storage::SqlStorage;
use super::{StorageError, StorageResult, sql};
use crate::p;
use crate::problem::Problem;
use async_trait::async_trait;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sync_protocol::FranchiseeId;

/// The legal minimum of years a document is kept from its date (Código de Comercio art. 30, Ley
/// General Tributaria art. 66: six years): what an issued invoice or a till document shows (they
/// are never deleted at all). Uploads and statements are kept for HQ's setting when they were
/// archived (`archive_settings`, never less than this).
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

const STATEMENT_SELECT: &str =
    "SELECT a.id, a.franchisee_id, f.legal_name, a.number, a.as_of, a.filename,
       CAST(LENGTH(a.content) AS BIGINT), a.sha256, a.created_at, a.retain_until, a.created_by
  FROM archived_statements a
  JOIN franchisees f ON f.id = a.franchisee_id";

fn statement_entry(r: &Row) -> StorageResult<ArchiveEntry> {
    let date = sql::parse_day(&r.get::<String>(4)?)?;
    Ok(ArchiveEntry {
        id: ArchiveKey::Statement(r.get(0)?).to_string(),
        kind: ArchiveKind::Statement,
        franchisee_id: Some(FranchiseeId(r.get(1)?)),
        supplier_id: None,
        party: r.get(2)?,
        number: r.get(3)?,
        date,
        period: period_of(date),
        filename: r.get(5)?,
        content_type: "application/pdf".into(),
        size: sql::to_u64(r.get(6)?),
        sha256: r.get(7)?,
        archived_at: sql::from_micros(r.get(8)?),
        retain_until: sql::parse_day(&r.get::<String>(9)?)?,
        uploaded_by: Some(r.get(10)?),
    })
}

/// One table's part of the list: its SELECT's filter, the column of its date, of its archived-at
/// time and of its id, and its rank among tables (see `ArchiveKey::rank`).
struct Source<'a> {
    select: String,
    params: Vec<Value<'a>>,
    day: &'static str,
    at: &'static str,
    id: &'static str,
    rank: u8,
    order: &'static str,
}

/// Parameters owned for one query (the cursor's, the limit).
enum Own {
    Text(String),
    Int(i64),
}

/// `WHERE …` of the cursor for a table: its rows after the cursor in the list's order.
fn after_sql(src: &Source<'_>, cursor: Option<&ArchiveCursor>, first: usize) -> (String, Vec<Own>) {
    let Some(c) = cursor else {
        return ("1 = 1".into(), vec![]);
    };
    let (d, a, i) = (first, first + 1, first + 2);
    let (day, at, id) = (src.day, src.at, src.id);
    let tail = match src.rank.cmp(&c.key.rank()) {
        // A table ranked lower comes after the cursor's at the same date and time.
        std::cmp::Ordering::Less => "1 = 1".to_string(),
        std::cmp::Ordering::Greater => "1 = 0".to_string(),
        std::cmp::Ordering::Equal => format!("{id} < ?{i}"),
    };
    let mut own = vec![Own::Text(sql::day_text(c.date)), Own::Int(c.archived_at)];
    // The id only when it is compared (PostgreSQL types every parameter it is given).
    if src.rank == c.key.rank() {
        match &c.key {
            ArchiveKey::TillDocument(t) => own.push(Own::Text(t.clone())),
            ArchiveKey::Invoice(n) | ArchiveKey::Upload(n) | ArchiveKey::Statement(n) => {
                own.push(Own::Int(*n))
            }
        }
    }
    (
        format!("({day} < ?{d} OR ({day} = ?{d} AND ({at} < ?{a} OR ({at} = ?{a} AND {tail}))))"),
        own,
    )
}

/// At most `limit` rows of a table after `cursor`, newest first.
async fn source_page(
    tx: &mut dyn Tx,
    src: &Source<'_>,
    cursor: Option<&ArchiveCursor>,
    limit: i64,
    map: &(dyn Fn(&Row) -> StorageResult<ArchiveEntry> + Sync),
) -> StorageResult<Vec<ArchiveEntry>> {
    let n = src.params.len();
    let (cond, own) = after_sql(src, cursor, n + 1);
    let lim = n + 1 + own.len();
    let q = format!(
        "{} AND {cond} ORDER BY {} LIMIT ?{lim}",
        src.select, src.order
    );
    let mut params = src.params.clone();
    for o in &own {
        params.push(match o {
            Own::Text(t) => Value::Text(t.as_str()),
            Own::Int(i) => Value::Int(*i),
        });
    }
    params.push(Value::Int(limit));
    let rows = tx.query(&q, &params).await?;
    rows.iter().map(map).collect()
}

fn entry_key(e: &ArchiveEntry) -> (NaiveDate, i64, (u8, i64, String)) {
    ArchiveCursor::of(e).map_or((e.date, 0, (0, 0, String::new())), |c| c.sort_key())
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
    let after = filter.after.as_ref();
    let mut out = Vec::new();
    // HQ's own documents and the tills' belong to a franchisee, never to a supplier.
    if filter.supplier.is_none() {
        for kind in [ArchiveKind::Invoice, ArchiveKind::CreditNote] {
            if !wants(filter, kind) {
                continue;
            }
            let src = Source {
                select: format!(
                    "{INVOICE_SELECT}
                     WHERE i.kind = ?1
                       AND (CAST(?2 AS BIGINT) IS NULL OR i.franchisee_id = ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR i.issue_date >= ?3)
                       AND (CAST(?4 AS TEXT) IS NULL OR i.issue_date <= ?4)
                       AND (CAST(?5 AS TEXT) IS NULL OR LOWER(i.full_number) LIKE ?5 ESCAPE '\\')"
                ),
                params: p![
                    kind.as_str(),
                    franchisee,
                    from.as_deref(),
                    to.as_deref(),
                    pattern.as_deref()
                ]
                .to_vec(),
                day: "i.issue_date",
                at: "i.created_at",
                id: "i.id",
                rank: 1,
                order: "i.issue_date DESC, i.created_at DESC, i.id DESC",
            };
            out.extend(source_page(tx, &src, after, limit, &invoice_entry).await?);
        }
        if wants(filter, ArchiveKind::ZReport) {
            let src = Source {
                select: format!(
                    "{Z_SELECT}
                     WHERE d.kind = 'cash_close'
                       AND (CAST(?1 AS BIGINT) IS NULL OR s.franchisee_id = ?1)
                       AND (CAST(?2 AS TEXT) IS NULL OR d.business_day >= ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR d.business_day <= ?3)"
                ),
                params: p![franchisee, from.as_deref(), to.as_deref()].to_vec(),
                day: "d.business_day",
                at: "d.received_at",
                id: "d.id",
                rank: 2,
                order: "d.business_day DESC, d.received_at DESC, d.id DESC",
            };
            let z = |r: &Row| till_entry(r, ArchiveKind::ZReport);
            match number.map(str::to_lowercase) {
                None => out.extend(source_page(tx, &src, after, limit, &z).await?),
                Some(needle) => {
                    // The Z number is inside the document: matched here, reading the closes page
                    // by page until `limit` match or none are left.
                    let batch = limit.max(500);
                    let mut cursor = after.cloned();
                    let mut found = 0;
                    loop {
                        let page = source_page(tx, &src, cursor.as_ref(), batch, &z).await?;
                        let full = i64::try_from(page.len()).unwrap_or(i64::MAX) == batch;
                        cursor = page.last().and_then(ArchiveCursor::of);
                        for e in page {
                            if e.number.to_lowercase().contains(&needle) {
                                out.push(e);
                                found += 1;
                            }
                        }
                        if !full || found >= limit || cursor.is_none() {
                            break;
                        }
                    }
                }
            }
        }
        if wants(filter, ArchiveKind::DeliveryNote) {
            let src = Source {
                select: format!(
                    "{DELIVERY_SELECT}
                     WHERE (CAST(?1 AS BIGINT) IS NULL OR s.franchisee_id = ?1)
                       AND (CAST(?2 AS TEXT) IS NULL OR d.business_day >= ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR d.business_day <= ?3)
                       AND (CAST(?4 AS TEXT) IS NULL OR LOWER(COALESCE(n.number, '')) LIKE ?4 ESCAPE '\\')"
                ),
                params: p![franchisee, from.as_deref(), to.as_deref(), pattern.as_deref()]
                    .to_vec(),
                day: "d.business_day",
                at: "d.received_at",
                id: "d.id",
                rank: 2,
                order: "d.business_day DESC, d.received_at DESC, d.id DESC",
            };
            let dn = |r: &Row| till_entry(r, ArchiveKind::DeliveryNote);
            out.extend(source_page(tx, &src, after, limit, &dn).await?);
        }
        if wants(filter, ArchiveKind::Statement) {
            let src = Source {
                select: format!(
                    "{STATEMENT_SELECT}
                     WHERE (CAST(?1 AS BIGINT) IS NULL OR a.franchisee_id = ?1)
                       AND (CAST(?2 AS TEXT) IS NULL OR a.as_of >= ?2)
                       AND (CAST(?3 AS TEXT) IS NULL OR a.as_of <= ?3)
                       AND (CAST(?4 AS TEXT) IS NULL OR LOWER(a.number) LIKE ?4 ESCAPE '\\')"
                ),
                params: p![
                    franchisee,
                    from.as_deref(),
                    to.as_deref(),
                    pattern.as_deref()
                ]
                .to_vec(),
                day: "a.as_of",
                at: "a.created_at",
                id: "a.id",
                rank: 4,
                order: "a.as_of DESC, a.created_at DESC, a.id DESC",
            };
            out.extend(source_page(tx, &src, after, limit, &statement_entry).await?);
        }
    }
    if filter.kind.is_none_or(ArchiveKind::is_uploaded) {
        let src = Source {
            select: format!(
                "{UPLOAD_SELECT}
                 WHERE (CAST(?1 AS BIGINT) IS NULL OR u.franchisee_id = ?1)
                   AND (CAST(?2 AS BIGINT) IS NULL OR u.supplier_id = ?2)
                   AND (CAST(?3 AS TEXT) IS NULL OR u.kind = ?3)
                   AND (CAST(?4 AS TEXT) IS NULL OR u.document_date >= ?4)
                   AND (CAST(?5 AS TEXT) IS NULL OR u.document_date <= ?5)
                   AND (CAST(?6 AS TEXT) IS NULL OR LOWER(u.number) LIKE ?6 ESCAPE '\\')"
            ),
            params: p![
                franchisee,
                filter.supplier,
                filter.kind.map(ArchiveKind::as_str),
                from.as_deref(),
                to.as_deref(),
                pattern.as_deref()
            ]
            .to_vec(),
            day: "u.document_date",
            at: "u.uploaded_at",
            id: "u.id",
            rank: 3,
            order: "u.document_date DESC, u.uploaded_at DESC, u.id DESC",
        };
        out.extend(source_page(tx, &src, after, limit, &upload_entry).await?);
    }
    out.sort_by_key(|e| std::cmp::Reverse(entry_key(e)));
    out.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
    Ok(out)
}

/// HQ's settings as stored (the legal minimum when never set).
async fn retention_tx(tx: &mut dyn Tx) -> StorageResult<ArchiveSettings> {
    let r = tx
        .query_opt(
            "SELECT retention_years, updated_by, updated_at FROM archive_settings WHERE id = 1",
            p![],
        )
        .await?;
    Ok(match r {
        None => ArchiveSettings {
            retention_years: LEGAL_MIN_RETENTION_YEARS,
            updated_by: None,
            updated_at: None,
        },
        Some(r) => ArchiveSettings {
            retention_years: u32::try_from(r.get::<i64>(0)?)
                .unwrap_or(LEGAL_MIN_RETENTION_YEARS)
                .max(LEGAL_MIN_RETENTION_YEARS),
            updated_by: Some(r.get(1)?),
            updated_at: Some(sql::from_micros(r.get(2)?)),
        },
    })
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
        ArchiveKey::Statement(id) => {
            let r = tx
                .query_opt(&format!("{STATEMENT_SELECT} WHERE a.id = ?1"), p![*id])
                .await?
                .ok_or_else(|| not_found(key))?;
            let entry = statement_entry(&r)?;
            let bytes: Vec<u8> = tx
                .scalar(
                    "SELECT content FROM archived_statements WHERE id = ?1",
                    p![*id],
                )
                .await?;
            Ok((entry, bytes))
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
                    let years = retention_tx(tx).await?.retention_years;
                    let retain_until = retention_end(u.date, i32::try_from(years).unwrap_or(RETENTION_YEARS));
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
                                &sql::day_text(retain_until)
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

    async fn archive_statement(
        &self,
        statement: &NewStatement,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveEntry> {
        let a = statement.clone();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    let years = retention_tx(tx).await?.retention_years;
                    let retain_until =
                        retention_end(a.as_of, i32::try_from(years).unwrap_or(RETENTION_YEARS));
                    let day = a.as_of.format("%Y%m%d").to_string();
                    let prefix = format!("EC-{}-{day}-", a.franchisee.0);
                    let before: i64 = tx
                        .scalar(
                            "SELECT CAST(COUNT(*) AS BIGINT) FROM archived_statements
                              WHERE franchisee_id = ?1 AND as_of = ?2",
                            p![a.franchisee.0, &sql::day_text(a.as_of)],
                        )
                        .await?;
                    let number = format!("{prefix}{}", before + 1);
                    let id = tx
                        .insert_returning_id(
                            "INSERT INTO archived_statements (franchisee_id, as_of, language, balance_cents, reason,
                               number, filename, content, sha256, created_by, created_at, retain_until)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) RETURNING id",
                            p![
                                a.franchisee.0,
                                &sql::day_text(a.as_of),
                                &a.language,
                                a.balance.cents(),
                                &a.reason,
                                &number,
                                &format!("{}.pdf", safe_name(&number)),
                                a.content.as_slice(),
                                &sha_hex(&a.content),
                                &a.created_by,
                                sql::micros(now),
                                &sql::day_text(retain_until)
                            ],
                        )
                        .await?;
                    let r = tx
                        .query_one(&format!("{STATEMENT_SELECT} WHERE a.id = ?1"), p![id])
                        .await?;
                    statement_entry(&r)
                })
            })
            .await
    }

    async fn archive_settings(&self) -> StorageResult<ArchiveSettings> {
        self.db
            .read(|tx| Box::pin(async move { retention_tx(tx).await }))
            .await
    }

    async fn set_archive_retention(
        &self,
        years: u32,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveSettings> {
        let by = by.to_string();
        self.db
            .write(move |tx| {
                Box::pin(async move {
                    tx.execute(
                        "INSERT INTO archive_settings (id, retention_years, updated_by, updated_at)
                         VALUES (1, ?1, ?2, ?3)
                         ON CONFLICT (id) DO UPDATE SET retention_years = excluded.retention_years,
                           updated_by = excluded.updated_by, updated_at = excluded.updated_at",
                        p![i64::from(years), &by, sql::micros(now)],
                    )
                    .await?;
                    retention_tx(tx).await
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
