//! Protocol v1: the JSON messages between a till and HQ.
//! Every request names its protocol version; fixtures of every message per version live in `fixtures/`.

use crate::catalog::Change;
use crate::document::Document;
use crate::ids::{DocumentId, FranchiseeId, StoreId, TillId};
use serde::{Deserialize, Serialize};

/// The protocol version this build speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Most documents one push may carry; larger backlogs go in several batches.
pub const MAX_PUSH_BATCH: usize = 500;
/// Largest page of changes a pull returns.
pub const MAX_PULL_PAGE: u32 = 5_000;
/// Largest outbox a till may report (`waiting`); anything above is a malformed request.
pub const MAX_REPORTED_WAITING: u64 = 100_000_000;

/// Longest software version a till reports (`PushRequest::till_version`, `&version=`).
pub const MAX_VERSION_LEN: usize = 32;

/// A software version a till may report: 1 to [`MAX_VERSION_LEN`] of `0-9 A-Z a-z . + -`
/// (semantic versions such as `0.1.0` or `1.2.0-rc.1+build5`).
pub fn is_reportable_version(v: &str) -> bool {
    !v.is_empty()
        && v.len() <= MAX_VERSION_LEN
        && v.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'-'))
}

/// An enrolment id as a till makes it: 16 to 64 of `0-9 A-Z a-z -` (a UUID does).
pub fn is_valid_enrolment_id(id: &str) -> bool {
    (16..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// `POST /api/v1/sync/enroll`: a new till presents the one-time code HQ gave the store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct EnrollRequest {
    pub protocol_version: u32,
    pub code: String,
    pub device_name: String,
    /// A random id the till makes and stores *before* its first attempt and sends on every retry
    /// of the same enrolment (added within protocol v1; see [`is_valid_enrolment_id`]). When HQ
    /// already enrolled a till with this code and this id (the answer was lost on the way), it
    /// answers again with the same identity and a fresh token instead of refusing the used code;
    /// the token of the lost answer stops working. Older tills leave it out and cannot retry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enrolment_id: Option<String>,
}

/// The till's identity and its secret device token (shown once; HQ keeps only a hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct EnrollResponse {
    pub till_id: TillId,
    pub store_id: StoreId,
    pub franchisee_id: FranchiseeId,
    /// Ticket series for this till, e.g. `T0007`; each till numbers its own tickets.
    pub ticket_series: String,
    pub token: String,
}

/// `POST /api/v1/sync/push` (bearer: device token): documents in sequence order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PushRequest {
    pub protocol_version: u32,
    pub till_id: TillId,
    pub documents: Vec<Document>,
    /// Documents the till still has waiting besides this push's: its outbox once HQ has stored
    /// this batch (0 on the last batch of a full sync). Optional within v1: older tills leave it
    /// out and older HQs ignore it. A till whose outbox is empty reports it on the changes poll
    /// instead (`GET /api/v1/sync/changes?…&waiting=N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub waiting: Option<u64>,
    /// The till's software version (added within protocol v1, see [`is_reportable_version`]), so HQ
    /// shows which tills run what. Older tills leave it out. Also sent on the changes poll
    /// (`&version=…`), so a till with nothing to push still reports.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub till_version: Option<String>,
    /// Catalog change kinds this till received from HQ, did not know and skipped (added within
    /// protocol v1, at most [`crate::MAX_SKIPPED_KINDS`] names; see [`crate::CatalogChange`]'s
    /// growth rule). `Some(empty)` says "none skipped"; `None` (older tills) says nothing. HQ
    /// shows tills that skipped something as needing an update. Also on the changes poll
    /// (`&skipped=a,b`, empty for none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub skipped_change_kinds: Option<Vec<String>>,
    /// Customers created at this till (added within protocol v1, till 0.3.0; at most
    /// [`crate::customers::MAX_PUSH_EXTRAS`]). Not documents: HQ stores each once by its id and
    /// lists the ids it holds in [`PushResponse::accepted`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customers: Vec<crate::customers::CustomerRecord>,
    /// E-mail requests queued at this till (added within protocol v1, till 0.3.0): HQ stores
    /// each once by its id, sends it, and lists the ids in [`PushResponse::accepted`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mail_requests: Vec<crate::customers::MailRequest>,
    /// X and Z reports to e-mail, PDF drawn at the till (added within protocol v1, till 0.3.0; at
    /// most [`crate::report_mail::MAX_PUSH_REPORT_MAILS`], each PDF at most
    /// [`crate::report_mail::MAX_REPORT_PDF_BYTES`]): HQ stores each once by its id, sends it, and
    /// lists the ids in [`PushResponse::accepted`]. An older HQ ignores the field and accepts none,
    /// so they stay queued at the till.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub report_mails: Vec<crate::report_mail::ReportMail>,
}

/// What HQ did with one pushed document.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum PushStatus {
    /// Stored now.
    Stored,
    /// Already stored with the same hash: acknowledged again, nothing changed.
    Duplicate,
    /// HQ holds a different document at this id or sequence; this one was kept aside and an alert raised.
    Conflict,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PushResult {
    pub id: DocumentId,
    pub seq: u64,
    pub status: PushStatus,
    pub message: Option<String>,
}

/// The answer to a push (HTTP 200, or 409 when any result is a conflict).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct PushResponse {
    pub results: Vec<PushResult>,
    /// Highest sequence HQ holds for this till with no gap before it.
    pub contiguous_seq: u64,
    /// The ids of the push's customers, e-mail requests and report e-mails HQ holds (stored now or before): the
    /// till drops those from its queue (added within protocol v1; older HQs leave it out, and the
    /// till keeps them queued).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub accepted: Vec<uuid::Uuid>,
}

/// `GET /api/v1/sync/changes?after=CURSOR&limit=N` (bearer: device token).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ChangesPage {
    pub protocol_version: u32,
    pub changes: Vec<Change>,
    /// Cursor to ask after next time (the last change's cursor, or the one asked for).
    pub next_cursor: i64,
    pub has_more: bool,
}

/// Every error answer: a machine code and a message a person can act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ApiError {
    pub error: String,
    pub message: String,
}
