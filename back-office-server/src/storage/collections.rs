//! Collections at HQ: what each franchisee owes (one receivable per invoice or credit note), the
//! payments that settle it and their allocations, and imported bank statements line by line.
//! The rules (how a payment is allocated, what a statement line pays) live in `services::collections`.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use sync_protocol::{FranchiseeId, Money};
use trastienda_banking::matching::{LineProposal, OpenItem as MatchItem, Payer, StatementLine};

/// How a payment came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Transfer,
    DirectDebit,
    Card,
    Cash,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 4] = [
        PaymentMethod::Transfer,
        PaymentMethod::DirectDebit,
        PaymentMethod::Card,
        PaymentMethod::Cash,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Transfer => "transfer",
            Self::DirectDebit => "direct_debit",
            Self::Card => "card",
            Self::Cash => "cash",
        }
    }

    pub fn parse(s: &str) -> Option<PaymentMethod> {
        Self::ALL.into_iter().find(|m| m.as_str() == s.trim())
    }
}

/// An invoice or credit note as collections sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Receivable {
    pub invoice_id: i64,
    pub franchisee_id: FranchiseeId,
    /// `invoice` or `credit_note`.
    pub kind: String,
    pub full_number: String,
    pub issue_date: NaiveDate,
    pub due_date: NaiveDate,
    pub total: Money,
    /// What is still owed on it (0 on a credit note or a cancelled invoice).
    pub open: Money,
    /// A credit note cancelled it.
    pub cancelled: bool,
    pub disputed: bool,
}

/// Part of a payment put against one invoice, as asked for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AllocationIn {
    pub invoice_id: i64,
    pub amount: Money,
}

/// A payment to record. `allocations: None` allocates oldest due first; what is not allocated
/// stays as the franchisee's credit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewPayment {
    pub franchisee_id: FranchiseeId,
    pub method: PaymentMethod,
    pub received_on: NaiveDate,
    pub amount: Money,
    #[serde(default)]
    pub reference: String,
    #[serde(default)]
    pub allocations: Option<Vec<AllocationIn>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Payment {
    pub id: i64,
    pub franchisee_id: FranchiseeId,
    pub method: PaymentMethod,
    pub received_on: NaiveDate,
    pub amount: Money,
    pub reference: String,
    /// What of it is allocated to invoices (the rest is credit).
    pub allocated: Money,
    pub bank_line_id: Option<i64>,
    pub returned_on: Option<NaiveDate>,
    pub return_reason: Option<String>,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// A stored allocation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Allocation {
    pub payment_id: i64,
    pub invoice_id: i64,
    pub full_number: String,
    pub amount: Money,
}

/// One franchisee's aging: open amounts per bucket (not due, 1–30, 31–60, 61–90, over 90 days).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AgingRow {
    pub franchisee_id: FranchiseeId,
    pub buckets: [Money; 5],
    pub total: Money,
    pub oldest_due: Option<NaiveDate>,
}

/// An imported statement file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankStatement {
    pub id: i64,
    pub file_name: String,
    /// `norma43` or `camt`.
    pub format: String,
    pub accounts: String,
    /// Lines in the file.
    pub line_count: u64,
    /// Lines not seen before (the others came in an earlier file).
    pub new_lines: u64,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// A stored statement line and what became of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct BankLine {
    pub id: i64,
    pub statement_id: i64,
    pub source_line: u64,
    pub booking_date: Option<NaiveDate>,
    /// `credit` or `debit`.
    pub direction: String,
    pub amount: Money,
    pub counterparty: Option<String>,
    pub end_to_end_id: Option<String>,
    pub text: String,
    pub is_return: bool,
    /// `matched`, `unmatched`, `debit` (money out) or `return`.
    pub status: String,
    /// Why it matched or did not (the matcher's sentence, or who matched it by hand).
    pub note: String,
    pub payment_id: Option<i64>,
}

/// A statement file read by the service, ready to store.
#[derive(Debug, Clone)]
pub struct StatementIn {
    pub file_name: String,
    pub sha256: String,
    pub format: String,
    pub accounts: String,
    /// Lines with their re-import keys, in file order.
    pub lines: Vec<(String, StatementLine)>,
}

/// What an import did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImportOutcome {
    pub statement: BankStatement,
    /// This very file was imported before: nothing changed.
    pub already_imported: bool,
    pub matched: u64,
    pub unmatched: u64,
    /// Payments recorded from matched lines.
    pub payments: Vec<i64>,
}

/// Proposes matches for new statement lines against the open items (banking::matching).
pub type Matcher =
    Arc<dyn Fn(&[MatchItem], &[Payer], &[StatementLine]) -> Vec<LineProposal> + Send + Sync>;

/// A statement of account HQ e-mailed to a franchisee: to whom, in which language, the balance it
/// showed, who sent it and when, and whether the SMTP server took it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StatementEmail {
    pub id: i64,
    pub franchisee_id: FranchiseeId,
    pub as_of: NaiveDate,
    pub recipient: String,
    pub language: String,
    pub balance: Money,
    pub sent_by: String,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub error: Option<String>,
    /// The archive entry of the statement the e-mail carried (`st-<id>`, 0044; none before).
    #[serde(default)]
    pub statement_id: Option<i64>,
}

#[async_trait]
pub trait CollectionsStorage: Send + Sync {
    /// Records one statement e-mail (`id` and `created_at` of `e` are ignored); returns it stored.
    async fn record_statement_email(&self, e: &StatementEmail) -> StorageResult<StatementEmail>;
    /// The statement e-mails of a franchisee, newest first.
    async fn statement_emails(
        &self,
        franchisee: FranchiseeId,
    ) -> StorageResult<Vec<StatementEmail>>;
    /// Records a payment and its allocations in one transaction, or nothing: an unknown
    /// franchisee, an invoice of another franchisee or cancelled, more than is open or than the
    /// payment are `Invalid`.
    async fn record_payment(
        &self,
        p: &NewPayment,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Payment>;
    /// Allocates a franchisee's credit (payments not wholly allocated) to its open invoices, oldest
    /// due first. Returns what was allocated.
    async fn apply_credit(
        &self,
        franchisee: FranchiseeId,
        now: DateTime<Utc>,
    ) -> StorageResult<Money>;
    /// Receivables of one franchisee (or all), by due date; `open_only`: those with something open.
    async fn receivables(
        &self,
        franchisee: Option<FranchiseeId>,
        open_only: bool,
    ) -> StorageResult<Vec<Receivable>>;
    /// Payments of one franchisee (or all), newest first.
    async fn payments(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<Payment>>;
    async fn allocations(&self, franchisee: FranchiseeId) -> StorageResult<Vec<Allocation>>;
    /// Open amounts per franchisee and aging bucket on `as_of` (one grouped query).
    async fn aging(&self, as_of: NaiveDate) -> StorageResult<Vec<AgingRow>>;
    /// Invoiced minus credited from `from` to `to` inclusive (days sales outstanding).
    async fn sales_between(&self, from: NaiveDate, to: NaiveDate) -> StorageResult<Money>;
    /// Stores a statement's new lines and records a payment for every line `matcher` matches, in
    /// one transaction. The same file again (same SHA-256) changes nothing.
    async fn import_statement(
        &self,
        s: &StatementIn,
        imported_by: &str,
        now: DateTime<Utc>,
        matcher: Matcher,
    ) -> StorageResult<ImportOutcome>;
    async fn statements(&self) -> StorageResult<Vec<BankStatement>>;
    /// Lines of one statement, or with one status, in id order.
    async fn bank_lines(
        &self,
        statement: Option<i64>,
        status: Option<&str>,
    ) -> StorageResult<Vec<BankLine>>;
    /// Matches an unmatched credit line by hand: records its payment for `franchisee`, allocated
    /// as asked or oldest first.
    async fn match_line(
        &self,
        line: i64,
        franchisee: FranchiseeId,
        allocations: Option<Vec<AllocationIn>>,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Payment>;
}

// --- SEPA direct debit ------------------------------------------------------------------------

/// A mandate to store; checked by `services::collections::check_mandate` (IBAN, reference, dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct NewMandate {
    pub franchisee_id: FranchiseeId,
    /// The unique mandate reference (UMR), at most 35 SEPA characters.
    pub reference: String,
    pub debtor_name: String,
    pub debtor_iban: String,
    #[serde(default)]
    pub debtor_bic: Option<String>,
    /// `CORE` or `B2B`.
    pub scheme: String,
    pub signed_on: NaiveDate,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Mandate {
    pub id: i64,
    pub franchisee_id: FranchiseeId,
    pub reference: String,
    pub debtor_name: String,
    pub debtor_iban: String,
    pub debtor_bic: Option<String>,
    pub scheme: String,
    pub signed_on: NaiveDate,
    /// `None`: never used, the next collection is a first one (FRST).
    pub first_used_on: Option<NaiveDate>,
    pub last_used_on: Option<NaiveDate>,
    pub revoked_on: Option<NaiveDate>,
    pub revoked_reason: Option<String>,
}

/// A mandate unused for this long lapses (EPC rulebook: 36 months).
pub const MANDATE_LAPSE_MONTHS: u32 = 36;

/// Whether a mandate can be used on `day`: not revoked, signed by then, and used (or signed) in
/// the last 36 months.
pub fn mandate_usable(m: &Mandate, day: NaiveDate) -> bool {
    let last = m.last_used_on.unwrap_or(m.signed_on);
    m.revoked_on.is_none()
        && m.signed_on <= day
        && last
            .checked_add_months(chrono::Months::new(MANDATE_LAPSE_MONTHS))
            .is_some_and(|lapse| day < lapse)
}

/// One collection a remittance will make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DebitFacts {
    pub invoice_id: i64,
    pub full_number: String,
    pub amount: Money,
    pub end_to_end_id: String,
    /// The mandate's first collection.
    pub first: bool,
    pub mandate: Mandate,
}

/// What a remittance file is written from, read in its transaction.
#[derive(Debug, Clone)]
pub struct RemittanceFacts {
    pub message_id: String,
    pub collection_date: NaiveDate,
    pub now: DateTime<Utc>,
    pub creditor: super::invoicing::IssuerIn,
    pub debits: Vec<DebitFacts>,
}

/// The pain.008 file as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRemittance {
    pub xml: String,
    pub count: usize,
    pub control_sum: Money,
    /// Debtors the writer left out (their debits are not in `xml` and store nothing).
    pub excluded: Vec<RemittanceExclusion>,
}

/// Why a debtor is not (or no longer) in a remittance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// Left out when the remittance was made: the collection date is closer than the debtor's
    /// contract allows notice for.
    NoticeTooShort,
    /// Held out after it was made: its pre-notification could not be sent in time (a retry came
    /// too late to give the promised notice), so it is not collected on that date.
    PrenotificationLate,
}

impl ExclusionReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::NoticeTooShort => "notice_too_short",
            Self::PrenotificationLate => "prenotification_late",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::NoticeTooShort, Self::PrenotificationLate]
            .into_iter()
            .find(|r| r.as_str() == s)
    }
}

/// A debtor left out of a remittance, or held out of it afterwards: its invoices stay open for a
/// later remittance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemittanceExclusion {
    pub franchisee_id: FranchiseeId,
    pub debtor_name: String,
    pub reason: ExclusionReason,
    /// Days of notice the debtor's contract asks for.
    pub notice_days: u32,
    /// The earliest collection date that gives that notice.
    pub earliest: NaiveDate,
    pub debit_count: u64,
    pub amount: Money,
}

/// Writes the remittance file from its facts; an error stores nothing.
pub type RemittanceWriter = Arc<
    dyn Fn(&RemittanceFacts) -> Result<WrittenRemittance, crate::problem::Problem> + Send + Sync,
>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Remittance {
    pub id: i64,
    pub message_id: String,
    pub collection_date: NaiveDate,
    pub debit_count: u64,
    pub control_sum: Money,
    pub sha256: String,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    /// Debits returned so far.
    pub returned: u64,
    /// Debtors left out when it was made or held out of it since, with the reason.
    pub excluded: Vec<RemittanceExclusion>,
}

/// An earlier file of a remittance: what the file was before debits were held out of it and it
/// was written again (HQ may have sent this one to its bank already). Kept as written in
/// `remittance_files` (0043: never changed or deleted); `sha256` is of `xml`'s UTF-8 bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RemittanceFileVersion {
    pub id: i64,
    pub remittance_id: i64,
    /// The remittance's message id (the file name a download gets: `<message id>-v<n>.xml`).
    pub message_id: String,
    /// 1 for the first file written, 2 for the next…: the current file is the one after the last.
    pub version: u32,
    pub sha256: String,
    pub debit_count: u64,
    pub control_sum: Money,
    /// When a new file replaced it.
    pub replaced_at: DateTime<Utc>,
}

/// A debit that came back, as read from a pain.002 or camt.054.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReturnIn {
    pub end_to_end_id: String,
    pub reason: String,
    pub date: NaiveDate,
}

/// What processing returns did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReturnsOutcome {
    /// Invoices open again: (number, reason).
    pub reopened: Vec<(String, String)>,
    /// Returns processed before.
    pub already: u64,
    /// End-to-end ids no remittance sent.
    pub unknown: Vec<String>,
}

/// The SEPA pre-notification of one remittance to one debtor franchisee: what will be debited,
/// when, under which mandates, by which creditor; to whom it is e-mailed and whether it was.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Prenotification {
    pub id: i64,
    pub remittance_id: i64,
    pub franchisee_id: FranchiseeId,
    pub recipient: String,
    pub language: String,
    pub amount: Money,
    pub debit_count: u64,
    pub collection_date: NaiveDate,
    /// The mandates the debits are collected under, comma-separated.
    pub mandate_references: String,
    pub creditor_id: String,
    /// Days of notice the contract asks for.
    pub notice_days: u32,
    pub created_at: DateTime<Utc>,
    pub attempts: u64,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    /// Not sent because it could no longer give the notice: the debits were held out of the
    /// remittance (see [`ExclusionReason::PrenotificationLate`]).
    pub held_at: Option<DateTime<Utc>>,
}

/// One debit of a stored remittance, as a pre-notification sums them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemittanceDebit {
    pub franchisee_id: FranchiseeId,
    pub full_number: String,
    pub amount: Money,
    pub mandate_reference: String,
}

/// A direct debit of a franchisee that did not collect (returned by the bank, or held out of its
/// remittance) on an invoice still open.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UncollectedDebit {
    pub full_number: String,
    pub collection_date: NaiveDate,
    pub amount: Money,
    /// The bank's return reason, or why it was held.
    pub reason: String,
    /// Held out of the remittance (never sent to the bank), not returned by it.
    pub held: bool,
}

#[async_trait]
pub trait SepaStorage: Send + Sync {
    /// The franchisee's debits that did not collect, on invoices still open, oldest first.
    async fn uncollected_debits(
        &self,
        franchisee: FranchiseeId,
    ) -> StorageResult<Vec<UncollectedDebit>>;
    /// The debits of a stored remittance, in the file's order.
    async fn remittance_debits(&self, remittance: i64) -> StorageResult<Vec<RemittanceDebit>>;
    /// Stores pre-notifications (`id`, `attempts`, `sent_at`, `last_error` ignored); one that
    /// exists for the same remittance and franchisee is kept as it is.
    async fn add_prenotifications(&self, p: &[Prenotification]) -> StorageResult<()>;
    /// Claims the unsent pre-notifications with fewer than `max_attempts` attempts for `lease`:
    /// each is claimed by one caller only, on any instance, until it is recorded or the lease ends.
    async fn claim_prenotifications(
        &self,
        max_attempts: u64,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> StorageResult<Vec<Prenotification>>;
    /// Records a sending attempt (sent, or the error) and releases the claim.
    async fn record_prenotification(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    /// Pre-notifications of one franchisee (or all), newest first.
    async fn prenotifications(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<Prenotification>>;
    /// A taken reference is `Conflict`; an unknown franchisee `Invalid`.
    async fn create_mandate(
        &self,
        m: &NewMandate,
        by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<Mandate>;
    async fn mandates(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<Mandate>>;
    async fn revoke_mandate(&self, id: i64, on: NaiveDate, reason: &str) -> StorageResult<Mandate>;
    /// Picks the due invoices (due on or before `collection_date`, open, not disputed) of the
    /// franchisees with a usable mandate, lets `write` make the file and stores it with a
    /// direct-debit payment per invoice, in one transaction. Nothing due: `Invalid`.
    async fn create_remittance(
        &self,
        collection_date: NaiveDate,
        by: &str,
        now: DateTime<Utc>,
        write: RemittanceWriter,
    ) -> StorageResult<Remittance>;
    async fn remittances(&self) -> StorageResult<Vec<Remittance>>;
    /// The stored file: (message id, XML).
    async fn remittance_file(&self, id: i64) -> StorageResult<(String, String)>;
    /// The earlier files of one remittance (or of every remittance), oldest first, without their
    /// XML. An unknown remittance is `NotFound`.
    async fn remittance_file_versions(
        &self,
        remittance: Option<i64>,
    ) -> StorageResult<Vec<RemittanceFileVersion>>;
    /// One earlier file of a remittance and its XML as written; `NotFound` when the remittance
    /// has no such file.
    async fn remittance_file_version(
        &self,
        remittance: i64,
        file: i64,
    ) -> StorageResult<(RemittanceFileVersion, String)>;
    /// Holds a pre-notification that can no longer give its notice: instead of sending it, the
    /// debtor's debits are taken out of the remittance (the file is written again by `write`
    /// without them; with none left it has no file), their payments cancelled, their invoices
    /// open again. `None` when it was sent or held already.
    async fn hold_prenotification(
        &self,
        prenotification: i64,
        today: NaiveDate,
        now: DateTime<Utc>,
        write: RemittanceWriter,
    ) -> StorageResult<Option<RemittanceExclusion>>;
    /// Marks returned debits: the payment returned with its reason, the invoice open again.
    /// A return seen before changes nothing.
    async fn apply_returns(
        &self,
        returns: &[ReturnIn],
        now: DateTime<Utc>,
    ) -> StorageResult<ReturnsOutcome>;
}

// --- dunning ----------------------------------------------------------------------------------

/// One dunning level as HQ sets it. `{invoice}`, `{amount}`, `{due}` and `{franchisee}` in the
/// texts are replaced in each letter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DunningLevel {
    /// 1, 2, 3…: the last one puts the franchisee on hold.
    pub level: u32,
    pub days_after_due: u32,
    pub subject_es: String,
    pub body_es: String,
    pub subject_en: String,
    pub body_en: String,
}

/// A letter to write: the invoice, the level reached, and where and in which language to send it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LetterFacts {
    pub invoice: Receivable,
    pub franchisee_name: String,
    pub level: DunningLevel,
    pub recipient: String,
    /// `es` or `en`, the franchisee's billing language.
    pub language: String,
}

/// Writes (subject, body) of a letter.
pub type LetterWriter = Arc<dyn Fn(&LetterFacts) -> (String, String) + Send + Sync>;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DunningLetter {
    pub id: i64,
    pub invoice_id: i64,
    pub full_number: String,
    pub franchisee_id: FranchiseeId,
    pub level: u32,
    pub recipient: String,
    pub language: String,
    pub subject: String,
    pub body: String,
    pub attempts: u64,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    /// The archived statement of account attached to it (made at its first attempt, the same
    /// bytes at every retry; `st-<id>` in the archive).
    #[serde(default)]
    pub statement_id: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Hold {
    pub franchisee_id: FranchiseeId,
    pub since: NaiveDate,
    pub reason: String,
}

#[async_trait]
pub trait DunningStorage: Send + Sync {
    /// Replaces the levels (validated by the caller: numbered 1…n, days increasing).
    async fn set_levels(&self, levels: &[DunningLevel], now: DateTime<Utc>) -> StorageResult<()>;
    async fn levels(&self) -> StorageResult<Vec<DunningLevel>>;
    /// Marks an invoice disputed (dunning pauses) or not.
    async fn set_disputed(&self, invoice: i64, disputed: bool) -> StorageResult<Receivable>;
    /// Writes the letters due on `today`: for each open, undisputed invoice, the highest level
    /// reached that has no letter yet (one per invoice and level, ever). Reaching the last level
    /// puts the franchisee on hold. Returns the letters written.
    async fn claim_letters(
        &self,
        today: NaiveDate,
        now: DateTime<Utc>,
        write: LetterWriter,
    ) -> StorageResult<Vec<DunningLetter>>;
    /// Letters not sent yet with fewer than `max_attempts` attempts, oldest first.
    async fn unsent_letters(&self, max_attempts: u64) -> StorageResult<Vec<DunningLetter>>;
    async fn record_letter(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    async fn letters(&self, franchisee: Option<FranchiseeId>) -> StorageResult<Vec<DunningLetter>>;
    /// Names the archived statement a letter carries, once: a letter that has one keeps it.
    /// Returns the one it carries.
    async fn set_letter_statement(&self, letter: i64, statement: i64) -> StorageResult<i64>;
    async fn holds(&self) -> StorageResult<Vec<Hold>>;
    async fn release_hold(&self, franchisee: FranchiseeId) -> StorageResult<()>;
}
