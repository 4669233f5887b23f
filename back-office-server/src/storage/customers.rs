//! Customers (issue 17): each franchisee's customer directory, created at HQ or at a till and sent
//! to the franchisee's tills through the change log; erasure on request (GDPR) keeping an
//! anonymous tombstone; and the e-mail requests the tills queue (receipts, invoices, Z reports),
//! which HQ sends. Customers are not fiscal documents: nothing here touches a stored document.

use super::StorageResult;
use super::people::AuditEntry;
use crate::storage::TillAuth;
use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::{
    CustomerRecord, DocumentId, FranchiseeId, MailRequest, ReportKind, ReportMail, StoreId, TillId,
};
use uuid::Uuid;

/// A customer as HQ keeps it. An erased customer keeps only its id, franchisee and who erased it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Customer {
    #[serde(flatten)]
    pub record: CustomerRecord,
    pub franchisee_id: FranchiseeId,
    /// `till:<id>` for a customer made at a till, else the dashboard user or API token.
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub erased_at: Option<DateTime<Utc>>,
    pub erased_by: Option<String>,
}

/// One e-mail request as HQ keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailJob {
    pub id: Uuid,
    pub till_id: TillId,
    pub store_id: StoreId,
    /// The document HQ renders and sends; none for a report the till sent as a PDF.
    pub document_id: Option<DocumentId>,
    /// An X or Z report whose PDF the till drew ([`MailAttachment`]); none for a document.
    pub report: Option<ReportKind>,
    pub recipient: String,
    pub customer_id: Option<Uuid>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub attempts: u64,
    pub last_error: Option<String>,
}

/// The PDF a till drew for a report e-mail, as HQ keeps it until (and after) it is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailAttachment {
    pub subject: String,
    pub file_name: String,
    pub content: Vec<u8>,
}

/// "No such customer" (also what a caller gets for another franchisee's).
pub fn not_found(id: Uuid) -> super::StorageError {
    super::StorageError::NotFound(crate::problem::Problem::new("customer_not_found").with("id", id))
}

#[async_trait]
pub trait CustomerStorage: Send + Sync {
    /// The customers of these franchisees (`None`: every franchisee's) whose name, NIF or e-mail
    /// contains `search` (case-insensitive; empty: all), by name; erased customers left out.
    async fn list_customers(
        &self,
        franchisees: Option<Vec<FranchiseeId>>,
        search: &str,
        limit: u32,
    ) -> StorageResult<Vec<Customer>>;
    /// A customer, erased or not (`NotFound` when there is no such id).
    async fn get_customer(&self, id: Uuid) -> StorageResult<Customer>;
    /// Creates (new id) or replaces (same id, same franchisee, not erased) a checked customer and
    /// sends it to the franchisee's stores. `NotFound` for an erased customer, another
    /// franchisee's id, or an unknown franchisee.
    async fn save_customer(
        &self,
        franchisee: FranchiseeId,
        record: &CustomerRecord,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Customer>;
    /// Erasure on request: blanks the customer's personal data (a tombstone keeps its id), drops
    /// unsent e-mail to it and blanks the address of sent ones, tells the franchisee's tills to
    /// delete it, and writes the audit line, in one transaction. Documents are not touched.
    async fn erase_customer(
        &self,
        id: Uuid,
        actor: &AuditEntry,
        now: DateTime<Utc>,
    ) -> StorageResult<Customer>;
    /// Stores what a till's push carried besides documents — customers made at the till (checked
    /// by the caller) and e-mail requests — each once by its id, and answers every id HQ holds
    /// (stored now or by an earlier push of the same request).
    async fn accept_from_till(
        &self,
        till: &TillAuth,
        customers: &[CustomerRecord],
        mails: &[MailRequest],
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Uuid>>;
    /// Stores the X and Z reports a till's push carried to e-mail (checked by the caller), each
    /// once by its id with its PDF, and answers every id HQ holds (stored now or before).
    async fn accept_report_mails(
        &self,
        till: &TillAuth,
        mails: &[ReportMail],
        now: DateTime<Utc>,
    ) -> StorageResult<Vec<Uuid>>;
    /// The PDF of report e-mail `id` (`None` for a document's e-mail or an unknown id).
    async fn mail_attachment(&self, id: Uuid) -> StorageResult<Option<MailAttachment>>;
    /// Queues an e-mail of a stored document as HQ (a Z or X by e-mail from the dashboard).
    async fn queue_mail(&self, job: &MailJob) -> StorageResult<()>;
    /// E-mail requests not sent yet with fewer than `max_attempts` attempts, oldest first.
    async fn mail_to_send(&self, max_attempts: u64, limit: u32) -> StorageResult<Vec<MailJob>>;
    /// The latest e-mail requests of these stores (`None`: all), newest first.
    async fn recent_mail(
        &self,
        stores: Option<Vec<StoreId>>,
        limit: u32,
    ) -> StorageResult<Vec<MailJob>>;
    /// Takes request `id` for one sending attempt until `until`: false when it was sent or
    /// another sender holds it.
    async fn claim_mail(
        &self,
        id: Uuid,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StorageResult<bool>;
    /// A document a till pushed, by id (`None` when HQ does not have it yet).
    async fn stored_document(
        &self,
        id: DocumentId,
    ) -> StorageResult<Option<sync_protocol::Document>>;
    /// Records an attempt: sent (`error` None) or failed with `error`.
    async fn record_mail_attempt(
        &self,
        id: Uuid,
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
}
