//! Franchise invoicing at HQ: contract versions per franchisee, HQ's billing identity, and the
//! invoices issued from the sales HQ stores (with their documents and HQ's VERI*FACTU records).
//! The rules (what a valid contract is, what an invoice says) live in `services::invoicing`.

use super::StorageResult;
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use sync_protocol::{FranchiseeId, Money, StoreId};
use trastienda_einvoice::royalty::Tier;
use trastienda_einvoice::{Address, Language};

/// How a franchisee pays its invoices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(tag = "method", rename_all = "snake_case")]
pub enum PaymentIn {
    /// A transfer to HQ's account (the issuer's IBAN).
    Transfer,
    /// SEPA direct debit from the franchisee's account under a signed mandate.
    DirectDebit {
        mandate_reference: String,
        debtor_iban: String,
    },
}

/// The terms of one contract version as HQ types them (API body, dashboard form); checked by
/// `services::invoicing::check_contract` before they are stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractIn {
    /// First month the version is in force: `YYYY-MM`.
    pub effective_from: String,
    /// Marginal royalty bands on the month's net sales (net of VAT and refunds).
    #[schema(value_type = Vec<Object>)]
    pub royalty_tiers: Vec<Tier>,
    #[serde(default)]
    pub minimum_royalty: Money,
    #[serde(default)]
    pub marketing_fund_percent: Decimal,
    /// Fixed monthly fee per enrolled till.
    #[serde(default)]
    pub fee_per_till: Money,
    /// Fixed monthly fee per store.
    #[serde(default)]
    pub fee_per_store: Money,
    /// One-off entry fee, billed on the franchisee's first invoice.
    #[serde(default)]
    pub entry_fee: Money,
    /// Days from the issue date to the due date.
    pub payment_days: u32,
    pub payment: PaymentIn,
    pub billing_email: String,
    #[serde(default)]
    #[schema(value_type = String)]
    pub language: Language,
    #[schema(value_type = Object)]
    pub billing_address: Address,
    /// The franchisee is under recargo de equivalencia (a retailer who is an individual): goods
    /// supplied from HQ's warehouse carry the surcharge; royalties and fees never do.
    #[serde(default)]
    pub equivalence_surcharge: bool,
    /// Direct debit: days before the collection date the franchisee is told of each debit (the
    /// SEPA pre-notification). `None`: the rulebook's 14; a contract may agree fewer (1–14).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prenotification_days: Option<u32>,
}

/// The SEPA rulebook's pre-notification period when the contract agrees none.
pub const SEPA_PRENOTIFICATION_DAYS: u32 = 14;

impl ContractIn {
    /// Days of notice before a direct debit (the contract's, else the rulebook's 14).
    pub fn notice_days(&self) -> u32 {
        self.prenotification_days
            .unwrap_or(SEPA_PRENOTIFICATION_DAYS)
    }
}

/// A stored contract version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ContractVersion {
    pub id: i64,
    pub franchisee_id: FranchiseeId,
    /// 1, 2, … per franchisee.
    pub version: i64,
    /// The first day of the first month in force.
    pub effective_from: NaiveDate,
    pub terms: ContractIn,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
}

/// HQ as the issuer of every invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct IssuerIn {
    pub legal_name: String,
    pub nif: String,
    #[schema(value_type = Object)]
    pub address: Address,
    /// Where franchisees paying by transfer pay.
    pub iban: String,
    #[serde(default)]
    pub bic: Option<String>,
    /// SEPA creditor identifier, for direct debits.
    #[serde(default)]
    pub creditor_id: Option<String>,
}

/// Invoice (F1, series FQ-year) or credit note (rectificativa, series RQ-year).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceKind {
    Invoice,
    CreditNote,
}

impl InvoiceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invoice => "invoice",
            Self::CreditNote => "credit_note",
        }
    }
}

/// A stored invoice or credit note (without its documents).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct InvoiceRecord {
    pub id: i64,
    pub kind: InvoiceKind,
    pub series: String,
    pub number: i64,
    pub full_number: String,
    pub franchisee_id: FranchiseeId,
    /// `YYYY-MM` of an invoice; `None` on a credit note.
    pub period: Option<String>,
    pub contract_version_id: Option<i64>,
    pub corrects_invoice_id: Option<i64>,
    pub issue_date: NaiveDate,
    pub net: Money,
    pub tax: Money,
    pub total: Money,
    /// JSON of the `InvoiceDraft`.
    pub draft: String,
    pub created_at: DateTime<Utc>,
}

/// Net sales counted by an invoice for one store and business day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountedDay {
    /// The month the sales belong to (`YYYY-MM`): the invoice's own, or an earlier one (late sales).
    pub sale_period: String,
    pub store_id: StoreId,
    pub day: NaiveDate,
    pub tickets: u64,
    pub net: Money,
}

/// One ticket counted by an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CountedTicket {
    pub document_id: String,
    pub number: String,
    /// `sale` or `refund`.
    pub kind: String,
    /// Net of VAT; negative for a refund.
    pub net: Money,
    pub total: Money,
}

/// Everything the invoicing rules need to write one franchisee's invoice for one month, read in
/// the issuing transaction (so nothing can change between what is counted and what is written).
#[derive(Debug, Clone)]
pub struct PeriodFacts {
    pub franchisee: super::Franchisee,
    pub issuer: IssuerIn,
    /// `YYYY-MM`.
    pub period: String,
    pub contract: ContractVersion,
    /// Net sales of the month (refunds deducted).
    pub net_sales: Money,
    /// Late sales of earlier invoiced months: (month, already invoiced, late, contract in force then).
    pub late: Vec<(String, Money, Money, ContractVersion)>,
    pub stores: u32,
    pub tills: u32,
    /// No invoice has been issued to this franchisee before (the entry fee is due).
    pub first_invoice: bool,
    /// Delivery notes of goods from HQ's warehouse received by its stores and not invoiced yet.
    pub deliveries: Vec<trastienda_einvoice::royalty::DeliveryNote>,
    /// The next number of `series`.
    pub series: String,
    pub number: u64,
    /// HQ's last VERI*FACTU record (JSON of `RegistroFacturacion`) under the issuer's NIF.
    pub previous_record: Option<String>,
    pub now: DateTime<Utc>,
}

/// What a credit note corrects, read in its issuing transaction.
#[derive(Debug, Clone)]
pub struct CreditFacts {
    pub original: InvoiceRecord,
    /// Net already credited per line of the original (index 0 = line 1) by earlier credit notes.
    pub credited: Vec<Money>,
    pub issuer: IssuerIn,
    pub series: String,
    pub number: u64,
    pub previous_record: Option<String>,
    pub now: DateTime<Utc>,
}

/// A document rendered for an invoice.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// `pdf`, `ubl` or `facturae`.
    pub format: &'static str,
    pub content: Vec<u8>,
}

/// An invoice written by the rules, ready to store.
#[derive(Debug, Clone)]
pub struct Composed {
    pub issue_date: NaiveDate,
    pub net: Money,
    pub tax: Money,
    pub total: Money,
    pub draft: String,
    pub documents: Vec<Rendered>,
    /// The VERI*FACTU record (JSON of `RegistroFacturacion`) and its columns.
    pub record_json: String,
    pub record_nif: String,
    pub record_tipo: String,
    pub record_huella: String,
    pub record_prev_huella: Option<String>,
    pub record_generated_at: String,
    pub record_cuota_cents: i64,
    pub record_importe_cents: i64,
    /// On a credit note: the net it credits per line of the corrected invoice (1-based line).
    pub credited_lines: Vec<(u32, Money)>,
}

/// An invoicing run started from the dashboard, and how far it got.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunProgress {
    pub id: i64,
    pub period: String,
    pub started_by: String,
    pub started_at: DateTime<Utc>,
    /// Franchisees to invoice (0 until the run has counted them).
    pub total: u64,
    pub done: u64,
    pub finished_at: Option<DateTime<Utc>>,
    pub issued: u64,
    pub already: u64,
    pub failed: u64,
    /// Why the run stopped, when it did not finish.
    pub error: Option<String>,
    /// The worker's last sign of life (it writes one every few seconds while it works).
    #[serde(default)]
    pub heartbeat_at: Option<DateTime<Utc>>,
    /// Set when the run was found without a worker (no heartbeat within the lease: the server died
    /// or stopped mid-run); `finished_at` is then the same moment.
    #[serde(default)]
    pub interrupted_at: Option<DateTime<Utc>>,
}

/// Writes a period's invoice from its facts; an error stores nothing.
pub type PeriodComposer =
    Arc<dyn Fn(&PeriodFacts) -> Result<Composed, crate::problem::Problem> + Send + Sync>;
/// Writes a credit note from its facts; an error stores nothing.
pub type CreditComposer =
    Arc<dyn Fn(&CreditFacts) -> Result<Composed, crate::problem::Problem> + Send + Sync>;

/// What issuing one franchisee's month did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IssueOutcome {
    Issued(InvoiceRecord),
    /// The month was invoiced already: nothing was written.
    AlreadyIssued(InvoiceRecord),
    /// No contract version is in force in that month.
    NoContract,
}

/// The e-mail state of an invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SendState {
    pub invoice_id: i64,
    pub recipient: String,
    pub attempts: u64,
    pub sent_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
    pub last_attempt: Option<DateTime<Utc>>,
}

#[async_trait]
pub trait InvoicingStorage: Send + Sync {
    /// Stores a new contract version (numbered after the franchisee's last one). A version starting
    /// on or before an existing one, or in a month already invoiced, is `Conflict`; an unknown
    /// franchisee `NotFound`. The terms are validated by the caller.
    async fn create_contract_version(
        &self,
        franchisee: FranchiseeId,
        effective_from: NaiveDate,
        terms: &ContractIn,
        created_by: &str,
        now: DateTime<Utc>,
    ) -> StorageResult<ContractVersion>;
    /// Versions of one franchisee (or all), by franchisee then version.
    async fn contract_versions(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<ContractVersion>>;

    async fn issuer(&self) -> StorageResult<Option<IssuerIn>>;
    /// Validated by the caller.
    async fn set_issuer(&self, issuer: &IssuerIn, now: DateTime<Utc>) -> StorageResult<()>;

    /// Franchisees with a contract version in force in `period` (`YYYY-MM`).
    async fn franchisees_under_contract(&self, period: &str) -> StorageResult<Vec<FranchiseeId>>;
    /// Issues the franchisee's invoice for `period` in one transaction under the invoicing lock:
    /// counts the sales not invoiced yet, takes the next number, lets `compose` write the invoice,
    /// then stores it with its documents, its VERI*FACTU record and its e-mail state. Nothing is
    /// stored when anything fails.
    async fn issue_period_invoice(
        &self,
        franchisee: FranchiseeId,
        period: &str,
        now: DateTime<Utc>,
        compose: PeriodComposer,
    ) -> StorageResult<IssueOutcome>;
    /// Issues a credit note correcting invoice `original` (in the credit notes' series).
    async fn issue_credit_note(
        &self,
        original: i64,
        now: DateTime<Utc>,
        compose: CreditComposer,
    ) -> StorageResult<InvoiceRecord>;

    /// Newest first; `None`: every franchisee.
    async fn list_invoices(
        &self,
        franchisee: Option<FranchiseeId>,
    ) -> StorageResult<Vec<InvoiceRecord>>;
    async fn get_invoice(&self, id: i64) -> StorageResult<InvoiceRecord>;
    /// The credit notes citing an invoice.
    async fn credit_notes_of(&self, id: i64) -> StorageResult<Vec<InvoiceRecord>>;
    async fn invoice_document(&self, id: i64, format: &str) -> StorageResult<(Vec<u8>, String)>;
    /// The sales an invoice counted, per sale month, store and day.
    async fn counted_days(&self, id: i64) -> StorageResult<Vec<CountedDay>>;
    /// The tickets an invoice counted on one store and day.
    async fn counted_tickets(
        &self,
        id: i64,
        store: StoreId,
        day: NaiveDate,
    ) -> StorageResult<Vec<CountedTicket>>;
    /// HQ's VERI*FACTU record of an invoice (JSON of `RegistroFacturacion`).
    async fn invoice_record(&self, id: i64) -> StorageResult<String>;

    /// The e-mail state of an invoice.
    async fn send_state(&self, id: i64) -> StorageResult<Option<SendState>>;
    /// Invoices not sent yet, oldest first.
    async fn unsent_invoices(&self, limit: u32) -> StorageResult<Vec<SendState>>;
    /// Invoices and credit notes issued between two days (inclusive), by issue date then id.
    async fn invoices_issued_between(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StorageResult<Vec<InvoiceRecord>>;
    /// What credit notes took off each line (1-based) of an invoice, one row per credit and line.
    async fn credited_lines(&self, id: i64) -> StorageResult<Vec<(u32, Money)>>;
    /// The delivery notes an invoice charged: (note id, number, net).
    async fn invoiced_deliveries(&self, id: i64) -> StorageResult<Vec<(i64, String, Money)>>;

    /// Records a dashboard run starting.
    async fn start_run(&self, period: &str, by: &str, now: DateTime<Utc>) -> StorageResult<i64>;
    /// How far the run is.
    async fn run_progress(&self, id: i64, done: u64, total: u64) -> StorageResult<()>;
    /// The run ended: its counts, or why it stopped.
    async fn finish_run(
        &self,
        id: i64,
        counts: (u64, u64, u64),
        error: Option<&str>,
        now: DateTime<Utc>,
    ) -> StorageResult<()>;
    async fn get_run(&self, id: i64) -> StorageResult<RunProgress>;
    /// The run's worker is alive at `now`.
    async fn run_heartbeat(&self, id: i64, now: DateTime<Utc>) -> StorageResult<()>;
    /// Marks interrupted (and finished) every unfinished run whose last heartbeat (or start) is
    /// older than `stale_before`; returns how many.
    async fn interrupt_stale_runs(
        &self,
        stale_before: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> StorageResult<u64>;

    /// Records one attempt: `Ok(())` sent, `Err(reason)` failed.
    async fn record_send(
        &self,
        id: i64,
        result: Result<(), String>,
        now: DateTime<Utc>,
    ) -> StorageResult<SendState>;
}
