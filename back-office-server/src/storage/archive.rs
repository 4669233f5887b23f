//! Document custody: one archive over every document HQ must keep, each immutable where it lives.
//!
//! Issued invoices and credit notes are not copied: their PDF already lives, with its SHA-256, in
//! `invoice_documents`, which no statement may change or delete (0017). The Z reports and the
//! delivery-note receipts the tills send are their stored documents (`documents.json`, the bytes
//! the server keeps and the till's hash chain proves; 0041 forbids changing or deleting them). Paper
//! documents HQ scans are stored here, byte for byte, in `archive_uploads` (never changed, deleted
//! only after their retention date). The statements of account HQ e-mails (alone or with a dunning
//! letter) or archives from Cobros are stored the same way, as the PDF that left, in
//! `archived_statements` (0044). So the hash shown is always of the bytes a download returns,
//! and every download of an entry returns the same bytes. The rules (what an upload must be) are in
//! `services::archive`.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::FranchiseeId;

/// What an archived document is.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ArchiveKind {
    /// An invoice HQ issued to a franchisee (its PDF).
    Invoice,
    /// A credit note (rectificativa) HQ issued (its PDF).
    CreditNote,
    /// A statement of account HQ sent or archived (its PDF, as it left).
    Statement,
    /// A till's day close, as the till sent it (JSON).
    ZReport,
    /// A till's receipt of an HQ delivery note, as the till sent it (JSON).
    DeliveryNote,
    /// Uploaded by HQ: a supplier's invoice.
    SupplierInvoice,
    /// Uploaded by HQ: a signed contract.
    Contract,
    /// Uploaded by HQ: a signed SEPA mandate.
    Mandate,
    /// Uploaded by HQ: any other paper document.
    Other,
}

impl ArchiveKind {
    pub const ALL: [ArchiveKind; 9] = [
        Self::Invoice,
        Self::CreditNote,
        Self::Statement,
        Self::ZReport,
        Self::DeliveryNote,
        Self::SupplierInvoice,
        Self::Contract,
        Self::Mandate,
        Self::Other,
    ];

    /// The kinds HQ uploads.
    pub const UPLOADED: [ArchiveKind; 4] = [
        Self::SupplierInvoice,
        Self::Contract,
        Self::Mandate,
        Self::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
            Self::Statement => "statement",
            Self::ZReport => "z_report",
            Self::DeliveryNote => "delivery_note",
            Self::SupplierInvoice => "supplier_invoice",
            Self::Contract => "contract",
            Self::Mandate => "mandate",
            Self::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s.trim())
    }

    pub fn is_uploaded(self) -> bool {
        Self::UPLOADED.contains(&self)
    }
}

/// Where an entry lives: `inv-<invoice id>`, `doc-<till document id>`, `up-<upload id>`,
/// `st-<archived statement id>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveKey {
    Invoice(i64),
    TillDocument(String),
    Upload(i64),
    Statement(i64),
}

impl ArchiveKey {
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        if let Some(n) = s.strip_prefix("inv-") {
            return n.parse().ok().map(Self::Invoice);
        }
        if let Some(n) = s.strip_prefix("st-") {
            return n.parse().ok().map(Self::Statement);
        }
        if let Some(n) = s.strip_prefix("up-") {
            return n.parse().ok().map(Self::Upload);
        }
        let id = s.strip_prefix("doc-")?;
        // A UUID: 36 characters of hex digits and dashes.
        (id.len() == 36 && id.chars().all(|c| c.is_ascii_hexdigit() || c == '-'))
            .then(|| Self::TillDocument(id.to_ascii_lowercase()))
    }
}

impl std::fmt::Display for ArchiveKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Invoice(id) => write!(f, "inv-{id}"),
            Self::TillDocument(id) => write!(f, "doc-{id}"),
            Self::Upload(id) => write!(f, "up-{id}"),
            Self::Statement(id) => write!(f, "st-{id}"),
        }
    }
}

impl ArchiveKey {
    /// Where the key's table comes among entries of the same date and time (the list's last
    /// tie-break, after the table: the id within it).
    pub fn rank(&self) -> u8 {
        match self {
            Self::Invoice(_) => 1,
            Self::TillDocument(_) => 2,
            Self::Upload(_) => 3,
            Self::Statement(_) => 4,
        }
    }

    /// The order of the list, newest first: an entry sorts before every entry with a smaller
    /// key (date, archived at, table, id).
    pub fn sort_key(&self) -> (u8, i64, String) {
        match self {
            Self::Invoice(n) | Self::Upload(n) | Self::Statement(n) => {
                (self.rank(), *n, String::new())
            }
            Self::TillDocument(id) => (self.rank(), 0, id.clone()),
        }
    }
}

/// Where a page of the list ends: the last entry shown. The next page holds the entries after it
/// in the list's order (date, then archived at, then table and id, all newest first), so a page
/// is the same however many entries are archived meanwhile at the top. Written
/// `<date>~<archived at in µs>~<key>` (the `after` of the API and the dashboard).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArchiveCursor {
    pub date: NaiveDate,
    pub archived_at: i64,
    pub key: ArchiveKey,
}

impl ArchiveCursor {
    pub fn of(e: &ArchiveEntry) -> Option<Self> {
        Some(Self {
            date: e.date,
            archived_at: e.archived_at.timestamp_micros(),
            key: ArchiveKey::parse(&e.id)?,
        })
    }

    pub fn parse(s: &str) -> Option<Self> {
        let mut it = s.trim().splitn(3, '~');
        let date = NaiveDate::parse_from_str(it.next()?, "%Y-%m-%d").ok()?;
        let archived_at = it.next()?.parse().ok()?;
        let key = ArchiveKey::parse(it.next()?)?;
        Some(Self {
            date,
            archived_at,
            key,
        })
    }

    /// The full sort key of an entry (compare: greater is newer).
    pub fn sort_key(&self) -> (NaiveDate, i64, (u8, i64, String)) {
        (self.date, self.archived_at, self.key.sort_key())
    }
}

impl std::fmt::Display for ArchiveCursor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}~{}~{}", self.date, self.archived_at, self.key)
    }
}

/// One archived document as listed (its bytes come with [`ArchiveStorage::archive_get`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArchiveEntry {
    /// The entry's key (see [`ArchiveKey`]): what download links name.
    pub id: String,
    pub kind: ArchiveKind,
    /// The franchisee it belongs to (`None`: a supplier's document).
    pub franchisee_id: Option<FranchiseeId>,
    pub supplier_id: Option<i64>,
    /// The franchisee's legal name, or the supplier's name.
    pub party: String,
    /// The document's number: the invoice's full number, the delivery note's, `<series>-Z<n>` for a
    /// Z report, `EC-<franchisee>-<YYYYMMDD>-<n>` for a statement, the number HQ typed for an upload.
    pub number: String,
    /// The document's own date (issue date, business day, the date on the paper).
    pub date: NaiveDate,
    /// `YYYY-MM` of `date`: what the period search and the accountant's zip go by.
    pub period: String,
    pub filename: String,
    pub content_type: String,
    pub size: u64,
    /// Hex SHA-256 of the bytes a download returns.
    pub sha256: String,
    /// When HQ received or made it.
    pub archived_at: DateTime<Utc>,
    /// Nothing may delete it before this day (invoices and till documents: never).
    pub retain_until: NaiveDate,
    /// Who uploaded it (uploads), or who sent or archived it (statements; `dunning` for a letter's).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uploaded_by: Option<String>,
}

/// What to list. `None`: any.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArchiveFilter {
    pub franchisee: Option<FranchiseeId>,
    pub supplier: Option<i64>,
    pub kind: Option<ArchiveKind>,
    /// First and last day of the period searched.
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
    /// A part of the number (case-insensitive).
    pub number: Option<String>,
    /// Only the entries after this one (the next page).
    pub after: Option<ArchiveCursor>,
    /// At most this many entries, newest first.
    pub limit: u32,
}

/// An upload as checked by `services::archive::check_upload`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUpload {
    pub franchisee: Option<FranchiseeId>,
    pub supplier: Option<i64>,
    pub kind: ArchiveKind,
    pub number: String,
    pub date: NaiveDate,
    pub filename: String,
    pub content_type: String,
    pub content: Vec<u8>,
    pub sha256: String,
    pub uploaded_by: String,
}

/// A statement of account as it leaves HQ (or as HQ archives it): the PDF made once, stored before
/// it is sent, so the e-mail's attachment is these bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStatement {
    pub franchisee: FranchiseeId,
    pub as_of: NaiveDate,
    /// `es` or `en`: the PDF's language.
    pub language: String,
    pub balance: sync_protocol::Money,
    /// `email`, `dunning` or `archive`.
    pub reason: String,
    pub content: Vec<u8>,
    pub created_by: String,
}

/// The legal minimum (and default) years a document is kept: Código de Comercio art. 30.
pub const LEGAL_MIN_RETENTION_YEARS: u32 = 6;
/// The most HQ may set (a typo guard).
pub const MAX_RETENTION_YEARS: u32 = 100;

/// HQ's archive settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArchiveSettings {
    /// Years from a document's date that one archived from now on is kept.
    pub retention_years: u32,
    /// Who set it and when (`None`: never set, the legal minimum).
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait ArchiveStorage: Send + Sync {
    /// Entries matching the filter, newest first, at most `filter.limit`.
    async fn archive_list(&self, filter: &ArchiveFilter) -> StorageResult<Vec<ArchiveEntry>>;
    /// An entry and its bytes; `NotFound` for an unknown key.
    async fn archive_get(&self, key: &ArchiveKey) -> StorageResult<(ArchiveEntry, Vec<u8>)>;
    /// Stores an upload (kept until its date plus the retention years set when it is stored); an
    /// unknown franchisee or supplier is `Invalid` and stores nothing.
    async fn archive_upload(
        &self,
        upload: &NewUpload,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveEntry>;
    /// Stores a statement of account as it leaves HQ (kept until its date plus the retention years
    /// set when it is stored).
    async fn archive_statement(
        &self,
        statement: &NewStatement,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveEntry>;
    async fn archive_settings(&self) -> StorageResult<ArchiveSettings>;
    /// Sets the retention of documents archived from now on (checked by the service: at least
    /// [`LEGAL_MIN_RETENTION_YEARS`]); the database refuses less too.
    async fn set_archive_retention(
        &self,
        years: u32,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<ArchiveSettings>;
}
