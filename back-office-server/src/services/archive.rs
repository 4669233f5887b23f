//! Document custody: what an upload must be, searching the archive, and the accountant's zip.
//!
//! Issued invoices and credit notes are archived by reference to the immutable tables they were
//! issued into (their PDF and its SHA-256 were stored in the issuing transaction), the tills' Z
//! reports and delivery-note receipts to the stored documents (see `storage::archive`); HQ's scans
//! are stored by [`upload`], the statements of account HQ sends by
//! `services::collections::archived_statement`. How long uploads and statements archived from now
//! on are kept is HQ's setting ([`set_retention`]), never under the legal six years. The adapters
//! (API, dashboard, CLI) call these and nothing else.

use super::ServiceResult;
use crate::problem::Problem;
use crate::storage::archive::{
    ArchiveCursor, ArchiveEntry, ArchiveFilter, ArchiveKey, ArchiveKind, ArchiveSettings,
    LEGAL_MIN_RETENTION_YEARS, MAX_RETENTION_YEARS, NewUpload,
};
use crate::storage::archive_sql::safe_name;
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use std::io::Write;
use sync_protocol::FranchiseeId;

/// Largest file HQ may upload (a multi-page scan at 300 dpi fits).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// Entries a page of a search shows at most (the next page follows with `after`).
pub const LIST_LIMIT: u32 = 500;

/// An upload as an adapter read it, nothing checked yet.
#[derive(Debug, Clone, Default)]
pub struct UploadIn {
    pub franchisee_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub kind: String,
    pub number: String,
    /// `YYYY-MM-DD`: the date on the document.
    pub document_date: String,
    pub filename: String,
    pub content: Vec<u8>,
}

/// What the file is, from its first bytes (never from its name or the client's word): PDF, PNG,
/// JPEG or TIFF, as scanners write them.
pub fn sniff(bytes: &[u8]) -> Option<(&'static str, &'static str)> {
    if bytes.starts_with(b"%PDF-") {
        Some(("application/pdf", "pdf"))
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some(("image/png", "png"))
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some(("image/jpeg", "jpg"))
    } else if bytes.starts_with(b"II*\0") || bytes.starts_with(b"MM\0*") {
        Some(("image/tiff", "tif"))
    } else {
        None
    }
}

/// Checks an upload: one owner (a franchisee or a supplier), an uploadable kind, a number, a date
/// not in the future, a non-empty PDF or image of at most [`MAX_UPLOAD_BYTES`].
pub fn check_upload(u: UploadIn, by: &str, now: DateTime<Utc>) -> Result<NewUpload, Problem> {
    if u.content.is_empty() {
        return Err(Problem::new("archive_empty_file"));
    }
    if u.content.len() > MAX_UPLOAD_BYTES {
        return Err(Problem::new("archive_too_big")
            .with("size", u.content.len())
            .with("max", MAX_UPLOAD_BYTES));
    }
    let Some((content_type, ext)) = sniff(&u.content) else {
        return Err(Problem::new("archive_bad_type"));
    };
    let kind = ArchiveKind::parse(&u.kind)
        .filter(|k| k.is_uploaded())
        .ok_or_else(|| Problem::new("archive_bad_kind").with("kind", u.kind.trim()))?;
    let (franchisee, supplier) = match (u.franchisee_id, u.supplier_id) {
        (Some(f), None) => (Some(FranchiseeId(f)), None),
        (None, Some(s)) => (None, Some(s)),
        _ => return Err(Problem::new("archive_one_owner")),
    };
    let number = u.number.trim();
    if number.is_empty() || number.chars().count() > 100 || number.chars().any(char::is_control) {
        return Err(Problem::new("archive_bad_number"));
    }
    let today = crate::storage::sql::business_day(now);
    let date = NaiveDate::parse_from_str(u.document_date.trim(), "%Y-%m-%d")
        .ok()
        .filter(|d| *d <= today && d.year() >= 1900)
        .ok_or_else(|| Problem::new("archive_bad_date").with("date", u.document_date.trim()))?;
    // The name as given, without any folder, with the extension of what the file really is.
    let given = u
        .filename
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or_default()
        .trim();
    let stem = given.rsplit_once('.').map_or(given, |(s, _)| s);
    let stem: String = safe_name(stem).chars().take(120).collect();
    let stem = if given.is_empty() {
        safe_name(number)
    } else {
        stem
    };
    Ok(NewUpload {
        franchisee,
        supplier,
        kind,
        number: number.to_string(),
        date,
        filename: format!("{stem}.{ext}"),
        content_type: content_type.to_string(),
        sha256: hex::encode(Sha256::digest(&u.content)),
        content: u.content,
        uploaded_by: by.to_string(),
    })
}

/// Checks and stores an upload (nothing is stored when it is refused).
pub async fn upload(
    storage: &dyn Storage,
    u: UploadIn,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<ArchiveEntry> {
    let new = check_upload(u, by, now)?;
    storage.archive().archive_upload(&new, now).await
}

/// A month `YYYY-MM` as its first and last day.
pub fn month_bounds(period: &str) -> Result<(NaiveDate, NaiveDate), Problem> {
    let p = period.trim();
    let first = NaiveDate::parse_from_str(&format!("{p}-01"), "%Y-%m-%d")
        .ok()
        .filter(|_| p.len() == 7)
        .ok_or_else(|| Problem::new("bad_month").with("month", p))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| Problem::new("bad_month").with("month", p))?;
    Ok((first, next.pred_opt().unwrap_or(first)))
}

/// A search as the adapters read it (empty text: any).
#[derive(Debug, Clone, Default)]
pub struct SearchIn {
    pub franchisee_id: Option<i64>,
    pub supplier_id: Option<i64>,
    pub kind: String,
    pub period: String,
    pub number: String,
    /// Where the page starts: the `next` of the page before (empty: the first page).
    pub after: String,
    /// Entries per page (0: [`LIST_LIMIT`]; at most [`LIST_LIMIT`]).
    pub limit: u32,
}

/// A page of a search: its entries, newest first, and where the next page starts (`None`: this is
/// the last).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    pub entries: Vec<ArchiveEntry>,
    pub next: Option<String>,
}

/// A page of the archive's entries matching a search, newest first: at most [`LIST_LIMIT`] after
/// `q.after`, and the cursor of the next page when there are more. Every match is reachable by
/// following `next`, whatever the number of matches.
pub async fn search(storage: &dyn Storage, q: &SearchIn) -> ServiceResult<SearchPage> {
    let after = match q.after.trim() {
        "" => None,
        a => Some(
            ArchiveCursor::parse(a)
                .ok_or_else(|| Problem::new("archive_bad_cursor").with("after", a))?,
        ),
    };
    let per_page = if q.limit == 0 {
        LIST_LIMIT
    } else {
        q.limit.min(LIST_LIMIT)
    };
    let mut entries = search_entries(storage, q, after, per_page + 1).await?;
    let more = entries.len() > per_page as usize;
    entries.truncate(per_page as usize);
    let next = if more {
        entries
            .last()
            .and_then(ArchiveCursor::of)
            .map(|c| c.to_string())
    } else {
        None
    };
    Ok(SearchPage { entries, next })
}

async fn search_entries(
    storage: &dyn Storage,
    q: &SearchIn,
    after: Option<ArchiveCursor>,
    limit: u32,
) -> ServiceResult<Vec<ArchiveEntry>> {
    let kind = match q.kind.trim() {
        "" => None,
        k => Some(
            ArchiveKind::parse(k)
                .ok_or_else(|| Problem::new("archive_bad_kind").with("kind", k))?,
        ),
    };
    let (from, to) = match q.period.trim() {
        "" => (None, None),
        p => {
            let (a, b) = month_bounds(p)?;
            (Some(a), Some(b))
        }
    };
    storage
        .archive()
        .archive_list(&ArchiveFilter {
            franchisee: q.franchisee_id.map(FranchiseeId),
            supplier: q.supplier_id,
            kind,
            from,
            to,
            // Control characters match no number (and PostgreSQL takes no NUL in text).
            number: Some(
                q.number
                    .chars()
                    .filter(|c| !c.is_control())
                    .collect::<String>()
                    .trim()
                    .to_string(),
            )
            .filter(|n| !n.is_empty()),
            after,
            limit,
        })
        .await
}

/// HQ's archive settings (the retention of documents archived from now on).
pub async fn settings(storage: &dyn Storage) -> ServiceResult<ArchiveSettings> {
    storage.archive().archive_settings().await
}

/// Checks a retention: whole years, at least the legal six (Código de Comercio art. 30), at most
/// [`MAX_RETENTION_YEARS`].
pub fn check_retention(years: &str) -> Result<u32, Problem> {
    let y = years.trim();
    let n: u32 = y
        .parse()
        .map_err(|_| Problem::new("archive_retention_bad").with("years", y))?;
    if n < LEGAL_MIN_RETENTION_YEARS {
        return Err(Problem::new("archive_retention_below_legal")
            .with("years", n)
            .with("min", LEGAL_MIN_RETENTION_YEARS));
    }
    if n > MAX_RETENTION_YEARS {
        return Err(Problem::new("archive_retention_bad").with("years", n));
    }
    Ok(n)
}

/// Sets how long documents archived from now on are kept (those archived before keep theirs).
pub async fn set_retention(
    storage: &dyn Storage,
    years: &str,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<ArchiveSettings> {
    let n = check_retention(years)?;
    storage.archive().set_archive_retention(n, by, now).await
}

/// An entry and its bytes by its key (`inv-…`, `doc-…`, `up-…`); an unknown or malformed key is
/// "not found".
pub async fn get(storage: &dyn Storage, key: &str) -> ServiceResult<(ArchiveEntry, Vec<u8>)> {
    let k = ArchiveKey::parse(key).ok_or_else(|| {
        StorageError::NotFound(Problem::new("archive_not_found").with("id", key.trim()))
    })?;
    storage.archive().archive_get(&k).await
}

/// The accountant's zip of one franchisee and month: every invoice, credit note, Z report,
/// delivery-note receipt and upload of that franchisee dated in the month, under a folder per kind,
/// and `SHA256SUMS` (the `sha256sum -c` format) listing each file's hash as the archive shows it.
pub async fn export_zip(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    period: &str,
) -> ServiceResult<(String, Vec<u8>)> {
    let f = storage
        .get_franchisee(franchisee)
        .await
        .map_err(|e| match e {
            StorageError::NotFound(_) => StorageError::NotFound(
                Problem::new("archive_unknown_franchisee").with("id", franchisee.0),
            ),
            e => e,
        })?;
    let (from, to) = month_bounds(period)?;
    let entries = storage
        .archive()
        .archive_list(&ArchiveFilter {
            franchisee: Some(f.id),
            from: Some(from),
            to: Some(to),
            limit: u32::MAX,
            ..Default::default()
        })
        .await?;
    let zip_err = |e: zip::result::ZipError| StorageError::Backend(format!("writing the zip: {e}"));
    let io_err = |e: std::io::Error| StorageError::Backend(format!("writing the zip: {e}"));
    let mut w = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let mut sums = String::new();
    let mut used = std::collections::BTreeSet::new();
    // Oldest first, so the folder reads in date order.
    for e in entries.iter().rev() {
        let (entry, bytes) = storage
            .archive()
            .archive_get(&ArchiveKey::parse(&e.id).ok_or_else(|| {
                StorageError::Backend(format!("archive key {} does not parse", e.id))
            })?)
            .await?;
        let mut name = format!("{}/{}", entry.kind.as_str(), entry.filename);
        if !used.insert(name.clone()) {
            name = format!(
                "{}/{}_{}",
                entry.kind.as_str(),
                safe_name(&entry.id),
                entry.filename
            );
            used.insert(name.clone());
        }
        let stamp = zip::DateTime::from_date_and_time(
            u16::try_from(entry.date.year()).unwrap_or(1980),
            u8::try_from(entry.date.month()).unwrap_or(1),
            u8::try_from(entry.date.day()).unwrap_or(1),
            12,
            0,
            0,
        )
        .unwrap_or_default();
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .last_modified_time(stamp);
        w.start_file(name.as_str(), options).map_err(zip_err)?;
        w.write_all(&bytes).map_err(io_err)?;
        sums.push_str(&format!("{}  {name}\n", entry.sha256));
    }
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("SHA256SUMS", options).map_err(zip_err)?;
    w.write_all(sums.as_bytes()).map_err(io_err)?;
    let bytes = w.finish().map_err(zip_err)?.into_inner();
    let p = period.trim();
    Ok((format!("archivo-{}-{p}.zip", safe_name(&f.nif)), bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pdf() -> UploadIn {
        UploadIn {
            franchisee_id: Some(1),
            supplier_id: None,
            kind: "contract".into(),
            number: "C-1".into(),
            document_date: "2026-11-02".into(),
            filename: "C:\\scans\\contrato firmado.PDF".into(),
            content: b"%PDF-1.4 x".to_vec(),
        }
    }

    #[test]
    fn uploads_are_checked() {
        let now: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().unwrap();
        let ok = check_upload(pdf(), "ana", now).unwrap();
        assert_eq!(ok.filename, "contrato_firmado.pdf");
        assert_eq!(ok.content_type, "application/pdf");
        assert_eq!(ok.date.to_string(), "2026-11-02");
        let code = |u: UploadIn| check_upload(u, "ana", now).unwrap_err().code;
        assert_eq!(
            code(UploadIn {
                content: vec![],
                ..pdf()
            }),
            "archive_empty_file"
        );
        assert_eq!(
            code(UploadIn {
                content: b"MZ\x90\0".to_vec(),
                ..pdf()
            }),
            "archive_bad_type"
        );
        assert_eq!(
            code(UploadIn {
                content: [b"%PDF-".as_slice(), &vec![0; MAX_UPLOAD_BYTES]].concat(),
                ..pdf()
            }),
            "archive_too_big"
        );
        assert_eq!(
            code(UploadIn {
                kind: "invoice".into(),
                ..pdf()
            }),
            "archive_bad_kind"
        );
        assert_eq!(
            code(UploadIn {
                supplier_id: Some(2),
                ..pdf()
            }),
            "archive_one_owner"
        );
        assert_eq!(
            code(UploadIn {
                document_date: "2026-12-06".into(),
                ..pdf()
            }),
            "archive_bad_date"
        );
        assert_eq!(
            code(UploadIn {
                number: " ".into(),
                ..pdf()
            }),
            "archive_bad_number"
        );
    }

    #[test]
    fn retention_is_never_below_the_law() {
        assert_eq!(check_retention(" 10 ").unwrap(), 10);
        assert_eq!(check_retention("6").unwrap(), 6);
        assert_eq!(
            check_retention("5").unwrap_err().code,
            "archive_retention_below_legal"
        );
        assert_eq!(
            check_retention("0").unwrap_err().code,
            "archive_retention_below_legal"
        );
        assert_eq!(
            check_retention("-7").unwrap_err().code,
            "archive_retention_bad"
        );
        assert_eq!(
            check_retention("seis").unwrap_err().code,
            "archive_retention_bad"
        );
        assert_eq!(
            check_retention("101").unwrap_err().code,
            "archive_retention_bad"
        );
    }

    #[test]
    fn months() {
        let (a, b) = month_bounds("2024-02").unwrap();
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2024-02-01".into(), "2024-02-29".into())
        );
        assert_eq!(month_bounds("2024-2").unwrap_err().code, "bad_month");
    }
}
