//! VERI*FACTU records at HQ: what the push keeps of each record that arrives beside its document,
//! the checks made on arrival (huella, chain link, agreement with the document), and the records API.
//!
//! Both backends store records with their own SQL (`sqlite/verifactu.rs`, `postgres/verifactu.rs`),
//! called once from each push transaction; the rules and messages live here. A record that fails
//! a check is kept exactly as it came and an alert is raised: it is never dropped or rewritten.

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sync_protocol::verifactu::{Encadenamiento, RegistroFacturacion};
use sync_protocol::{Document, DocumentBody, DocumentId, FranchiseeId, Money, StoreId, TillId};

use super::{StorageError, StorageResult};

/// Alert kinds raised on arrival.
pub const ALERT_BAD_HASH: &str = "verifactu_bad_hash";
pub const ALERT_CHAIN_BREAK: &str = "verifactu_chain_break";
pub const ALERT_MISMATCH: &str = "verifactu_mismatch";

/// A record as it arrived, flattened into the columns the table keeps.
pub struct RecordRow<'a> {
    pub doc: &'a Document,
    pub record: &'a RegistroFacturacion,
    pub json: String,
    pub kind: &'static str,
    pub tipo_factura: Option<&'static str>,
    pub emisor_nif: String,
    pub num_serie: String,
    /// ISO `yyyy-mm-dd`.
    pub fecha_expedicion: String,
    pub importe_total_cents: Option<i64>,
    pub cuota_total_cents: Option<i64>,
    pub generated_at: String,
    pub huella: String,
    pub prev_huella: Option<String>,
    pub hash_ok: bool,
}

/// The records the documents of a push carry, in document order.
pub fn rows(docs: &[Document]) -> StorageResult<Vec<RecordRow<'_>>> {
    docs.iter()
        .filter_map(|d| d.verifactu.as_deref().map(|r| (d, r)))
        .map(|(doc, record)| {
            let id = record.id_factura();
            let (importe, cuota) = match record {
                RegistroFacturacion::Alta(a) => {
                    (Some(a.importe_total.cents()), Some(a.cuota_total.cents()))
                }
                RegistroFacturacion::Anulacion(_) => (None, None),
            };
            Ok(RecordRow {
                doc,
                record,
                json: serde_json::to_string(record)
                    .map_err(|e| StorageError::Backend(format!("record to JSON: {e}")))?,
                kind: record.kind(),
                tipo_factura: record.tipo_factura().map(|t| t.code()),
                emisor_nif: id.id_emisor_factura.clone(),
                num_serie: id.num_serie_factura.clone(),
                fecha_expedicion: id.fecha_expedicion_factura.format("%Y-%m-%d").to_string(),
                importe_total_cents: importe,
                cuota_total_cents: cuota,
                generated_at: record.generated_at().to_string(),
                huella: record.huella().to_string(),
                prev_huella: match record.encadenamiento() {
                    Encadenamiento::PrimerRegistro => None,
                    Encadenamiento::RegistroAnterior(p) => Some(p.huella.clone()),
                },
                hash_ok: record.huella_is_valid(),
            })
        })
        .collect()
}

fn describe(till_id: i64, row: &RecordRow<'_>) -> String {
    format!(
        "till {till_id}: VERI*FACTU record {} of {} (document seq {})",
        row.num_serie, row.emisor_nif, row.doc.seq
    )
}

/// What is wrong with a record on its own (its huella, its fields, the document it came with), as
/// (alert kind, message).
pub fn own_problems(till_id: i64, row: &RecordRow<'_>) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    let what = describe(till_id, row);
    if !row.hash_ok {
        out.push((
            ALERT_BAD_HASH,
            format!(
                "{what}: its huella {} does not match its content ({}); the record was altered",
                row.huella,
                row.record.compute_huella()
            ),
        ));
    }
    if let Err(e) = row.record.check_formats() {
        out.push((ALERT_MISMATCH, format!("{what}: {e}")));
    }
    let doc_says = match &row.doc.body {
        DocumentBody::Sale(s) => Some((s.ticket_number.as_str(), s.totals.total)),
        DocumentBody::Refund(r) => Some((r.refund_number.as_str(), -r.totals.total)),
        DocumentBody::FullInvoice(i) => Some((i.invoice_number.as_str(), i.totals.total)),
        _ => None,
    };
    let record_total = match row.record {
        RegistroFacturacion::Alta(a) => Some(a.importe_total),
        RegistroFacturacion::Anulacion(_) => None,
    };
    match (doc_says, record_total) {
        (Some((number, total)), Some(importe)) if number != row.num_serie || total != importe => {
            out.push((
                ALERT_MISMATCH,
                format!(
                    "{what}: the document says {number} for {total}, the record {} for {importe}",
                    row.num_serie
                ),
            ));
        }
        (None, _) => out.push((
            ALERT_MISMATCH,
            format!(
                "{what}: a {} document carries no invoice",
                row.doc.body.kind().as_str()
            ),
        )),
        _ => {}
    }
    out
}

/// Whether `next` is correctly chained after `prev` (`None`: nothing before it in its till's
/// chain for its NIF has arrived). A record naming a predecessor that has not arrived yet is not a
/// break: the predecessor's own arrival checks the link.
pub fn link_problem(
    till_id: i64,
    prev: Option<(u64, &RegistroFacturacion)>,
    next: (u64, &RegistroFacturacion),
) -> Option<String> {
    let (seq, record) = next;
    let number = &record.id_factura().num_serie_factura;
    match (prev, record.encadenamiento()) {
        (None, _) => None,
        (Some((pseq, p)), Encadenamiento::PrimerRegistro) => Some(format!(
            "till {till_id}: VERI*FACTU record {number} (document seq {seq}) starts a new chain, but record {} (document seq {pseq}) came before it",
            p.id_factura().num_serie_factura
        )),
        (Some((pseq, p)), Encadenamiento::RegistroAnterior(linked)) => {
            let want = p.link();
            (*linked != want).then(|| {
                format!(
                    "till {till_id}: VERI*FACTU record {number} (document seq {seq}) is chained to {} with huella {}, but the record before it is {} (document seq {pseq}) with huella {}",
                    linked.num_serie_factura, linked.huella, want.num_serie_factura, want.huella
                )
            })
        }
    }
}

/// A record with nothing before it in its till's chain (every earlier document has arrived and
/// none carried a record of its NIF) must be the first of its chain: one naming a predecessor
/// points at a record HQ never received.
pub fn first_problem(till_id: i64, record: (u64, &RegistroFacturacion)) -> Option<String> {
    let (seq, r) = record;
    match r.encadenamiento() {
        Encadenamiento::PrimerRegistro => None,
        Encadenamiento::RegistroAnterior(p) => Some(format!(
            "till {till_id}: VERI*FACTU record {} (document seq {seq}) is chained to {} with huella {}, but no record came before it from this till",
            r.id_factura().num_serie_factura,
            p.num_serie_factura,
            p.huella
        )),
    }
}

/// Parses a stored record back.
pub fn parse(json: &str) -> StorageResult<RegistroFacturacion> {
    serde_json::from_str(json)
        .map_err(|e| StorageError::Backend(format!("stored VERI*FACTU record unreadable: {e}")))
}

/// Which records the API lists: one franchisee's, issued from `from` to `to` inclusive, after
/// record `after_id`, at most `limit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecordQuery {
    pub franchisee: FranchiseeId,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub after_id: i64,
    pub limit: i64,
}

/// One stored record with where it came from and what HQ found on arrival.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct StoredRecord {
    /// HQ's row id (the API's paging cursor).
    pub id: i64,
    pub till_id: TillId,
    pub store_id: StoreId,
    pub franchisee_id: FranchiseeId,
    pub document_id: DocumentId,
    pub doc_seq: u64,
    pub received_at: DateTime<Utc>,
    pub huella: String,
    /// The huella of the previous record the record names; `None` for the first of a chain.
    pub previous_huella: Option<String>,
    /// Whether the huella matched the record's content when it arrived.
    pub hash_valid: bool,
    pub importe_total: Option<Money>,
    /// Every field of the record, as the till made it.
    #[schema(value_type = Object)]
    pub record: RegistroFacturacion,
    /// What the AEAT answered for it; absent while it waits to be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending: Option<SendingState>,
}

/// The AEAT's latest answer for a record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SendingState {
    pub state: RecordState,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// The AEAT's receipt code (CSV) of the submission.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csv: Option<String>,
    /// Whether it went with `Incidencia=S`.
    pub incidencia: bool,
    /// Whether its last sending was a subsanación.
    pub subsanacion: bool,
    pub answered_at: DateTime<Utc>,
}

/// Which of HQ's own records to read: those issued from `from` to `to` (inclusive), after row
/// `after_id`, at most `limit`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HqRecordQuery {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub after_id: i64,
    pub limit: i64,
}

/// One of HQ's own records: the VERI*FACTU record of a franchise invoice or credit note HQ
/// issued under its own NIF (HQ is the taxpayer; no till made it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HqStoredRecord {
    /// HQ's row id (the API's paging cursor).
    pub id: i64,
    /// The invoice or credit note the record is of.
    pub invoice_id: i64,
    pub created_at: DateTime<Utc>,
    pub huella: String,
    /// The huella of the previous record in HQ's chain; `None` for the first.
    pub previous_huella: Option<String>,
    /// Whether the stored huella is the one the record's content gives, checked as it is read.
    pub hash_valid: bool,
    pub importe_total: Money,
    /// Every field of the record.
    #[schema(value_type = Object)]
    pub record: RegistroFacturacion,
    /// What the AEAT answered for it; absent while it waits to be sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sending: Option<SendingState>,
}

/// The columns every backend selects for [`HqStoredRecord`], in this order (the answer's from 7 on).
pub const HQ_STORED_COLUMNS: &str = "r.id, r.invoice_id, r.created_at, r.huella, r.prev_huella, r.importe_total_cents, r.json, s.state, s.error_code, s.error_text, s.csv, s.incidencia, s.subsanacion, s.answered_at";

/// `FROM` clause for [`HQ_STORED_COLUMNS`].
pub const HQ_STORED_FROM: &str =
    "hq_verifactu_records r LEFT JOIN hq_verifactu_sending s ON s.record_id = r.id";

/// Builds an [`HqStoredRecord`] from a row of [`HQ_STORED_COLUMNS`].
pub fn hq_stored(row: &super::db::Row) -> StorageResult<HqStoredRecord> {
    let huella: String = row.get(3)?;
    let record = parse(&row.get::<String>(6)?)?;
    Ok(HqStoredRecord {
        id: row.get(0)?,
        invoice_id: row.get(1)?,
        created_at: super::sql::from_micros(row.get(2)?),
        hash_valid: record.huella_is_valid() && record.huella() == huella,
        huella,
        previous_huella: row.get(4)?,
        importe_total: Money::from_cents(row.get(5)?),
        record,
        sending: sending_at(row, 7)?,
    })
}

/// The columns every backend selects for [`StoredRecord`], in this order.
pub const STORED_COLUMNS: &str = "r.id, r.till_id, r.store_id, r.franchisee_id, r.document_id, r.doc_seq, r.received_at, r.huella, r.prev_huella, r.hash_ok, r.importe_total_cents, r.json, s.state, s.error_code, s.error_text, s.csv, s.incidencia, s.subsanacion, s.answered_at";

/// `FROM` clause for [`STORED_COLUMNS`]: the record (`r`) with its AEAT answer (`s`), if any.
pub const STORED_FROM: &str =
    "verifactu_records r LEFT JOIN verifactu_sending s ON s.record_id = r.id";

/// The AEAT answer columns of [`STORED_COLUMNS`] (from index 12 on).
pub fn sending_of(row: &super::db::Row) -> StorageResult<Option<SendingState>> {
    sending_at(row, 12)
}

/// The AEAT answer columns (`s.state, s.error_code, s.error_text, s.csv, s.incidencia,
/// s.subsanacion, s.answered_at`) selected from index `at` on; `None` when the record has none.
pub fn sending_at(row: &super::db::Row, at: usize) -> StorageResult<Option<SendingState>> {
    let Some(state) = row.get::<Option<String>>(at)? else {
        return Ok(None);
    };
    Ok(Some(SendingState {
        state: RecordState::parse(&state)
            .ok_or_else(|| StorageError::Backend(format!("unknown sending state {state:?}")))?,
        code: row.get(at + 1)?,
        text: row.get(at + 2)?,
        csv: row.get(at + 3)?,
        incidencia: row.get(at + 4)?,
        subsanacion: row.get(at + 5)?,
        answered_at: super::sql::from_micros(row.get(at + 6)?),
    }))
}

/// Builds a [`StoredRecord`] from its selected columns.
#[allow(clippy::too_many_arguments)]
pub fn stored(
    id: i64,
    till_id: i64,
    store_id: i64,
    franchisee_id: i64,
    document_id: &str,
    doc_seq: i64,
    received_at: i64,
    huella: String,
    prev_huella: Option<String>,
    hash_ok: bool,
    importe_total_cents: Option<i64>,
    json: &str,
    sending: Option<SendingState>,
) -> StorageResult<StoredRecord> {
    Ok(StoredRecord {
        id,
        till_id: TillId(till_id),
        store_id: StoreId(store_id),
        franchisee_id: FranchiseeId(franchisee_id),
        document_id: DocumentId(
            document_id
                .parse()
                .map_err(|e| StorageError::Backend(format!("stored document id: {e}")))?,
        ),
        doc_seq: u64::try_from(doc_seq).unwrap_or(0),
        received_at: super::sql::from_micros(received_at),
        huella,
        previous_huella: prev_huella,
        hash_valid: hash_ok,
        importe_total: importe_total_cents.map(Money::from_cents),
        record: parse(json)?,
        sending,
    })
}

/// A taxpayer (a franchisee's NIF as its records name it, or HQ's own) with records the AEAT has
/// not answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingTaxpayer {
    /// The franchisee, or [`HQ_TAXPAYER`] for HQ's own records.
    pub franchisee_id: FranchiseeId,
    pub nif: String,
    /// Records waiting (new ones and rejected ones queued as subsanación).
    pub pending: u64,
    /// Not before this may the sender send again (`None`: never sent).
    pub next_send_at: Option<DateTime<Utc>>,
    /// Transient failures in a row.
    pub failures: u64,
}

/// A record waiting for the AEAT, as the sender takes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingRecord {
    pub id: i64,
    pub record: RegistroFacturacion,
    /// Goes again as a subsanación of a rejected record.
    pub subsanacion: bool,
    /// How many times the AEAT answered for it already.
    pub sends: u64,
}

/// What the AEAT made of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RecordState {
    /// `Correcto`.
    Accepted,
    /// `AceptadoConErrores`: registered, with an error to correct.
    AcceptedWithErrors,
    /// `Incorrecto`, for good.
    Rejected,
    /// `Incorrecto` for a reason a subsanación can cure: queued to go again.
    Subsanar,
}

impl RecordState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Accepted => "accepted",
            Self::AcceptedWithErrors => "accepted_with_errors",
            Self::Rejected => "rejected",
            Self::Subsanar => "subsanar",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::Accepted,
            Self::AcceptedWithErrors,
            Self::Rejected,
            Self::Subsanar,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The answer for one record of a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordAnswer {
    pub record_id: i64,
    pub state: RecordState,
    pub code: Option<String>,
    pub text: Option<String>,
    pub incidencia: bool,
    pub subsanacion: bool,
    pub sends: u64,
}

/// One submission to the AEAT and what came back (kept as it came).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    /// The franchisee, or [`HQ_TAXPAYER`].
    pub franchisee_id: FranchiseeId,
    /// The kept envelope it answers (none when nothing was posted).
    pub envelope_id: Option<i64>,
    pub nif: String,
    pub sent_at: DateTime<Utc>,
    pub records: u64,
    pub incidencia: bool,
    /// `Correcto`, `ParcialmenteCorrecto` or `Incorrecto`; `None` when no answer came.
    pub estado_envio: Option<String>,
    pub csv: Option<String>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
    pub response: Option<String>,
}

/// The sender's clock for one taxpayer after a submission.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxpayerClock {
    pub franchisee_id: FranchiseeId,
    pub nif: String,
    pub next_send_at: DateTime<Utc>,
    pub wait_seconds: i64,
    pub failures: u64,
    /// Set when the AEAT answered (a transient failure keeps the last real send).
    pub answered: bool,
    pub last_error: Option<String>,
}

/// Where one franchisee's records stand (or HQ's own, `franchisee_id` 0), for the dashboard and
/// the alerts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SendingSummary {
    /// The franchisee, or 0 for HQ's own records (its franchise invoices and credit notes).
    pub franchisee_id: FranchiseeId,
    pub pending: u64,
    /// When the oldest pending record reached HQ (HQ's own: when it was issued).
    pub oldest_pending_received: Option<DateTime<Utc>>,
    pub accepted: u64,
    pub accepted_with_errors: u64,
    pub rejected: u64,
    /// Records held back because their huella did not match their content on arrival.
    pub held: u64,
    pub last_send_at: Option<DateTime<Utc>>,
    pub next_send_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A record the AEAT rejected or accepted with errors, with its code and text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RecordProblem {
    pub record_id: i64,
    pub num_serie: String,
    /// ISO date of issue.
    pub fecha_expedicion: String,
    pub state: RecordState,
    pub code: Option<String>,
    pub text: Option<String>,
    pub subsanacion: bool,
    pub answered_at: DateTime<Utc>,
}

/// Owner of HQ's own certificate (sends for every franchisee without one, as representative,
/// and for HQ's own records as the taxpayer).
pub const HQ_CERTIFICATE_OWNER: i64 = 0;

/// The taxpayer id HQ's own records (`hq_verifactu_records`: its franchise invoices and credit
/// notes) go under in the sender's tables and figures; franchisee ids start at 1.
pub const HQ_TAXPAYER: FranchiseeId = FranchiseeId(HQ_CERTIFICATE_OWNER);

/// An envelope about to be posted, kept exactly as it goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvelopeIn {
    /// The franchisee, or [`HQ_TAXPAYER`].
    pub franchisee_id: FranchiseeId,
    pub nif: String,
    pub created_at: DateTime<Utc>,
    pub incidencia: bool,
    /// The HTTP request body, byte for byte.
    pub body: Vec<u8>,
    /// The records it carries, in order: (record id, whether as a subsanación). The ids are
    /// `verifactu_records`' for a franchisee, `hq_verifactu_records`' for HQ.
    pub records: Vec<(i64, bool)>,
}

/// A kept envelope and what the AEAT answered to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EnvelopeSummary {
    pub id: i64,
    /// The franchisee, or 0 for HQ's own records.
    pub franchisee_id: FranchiseeId,
    pub nif: String,
    pub created_at: DateTime<Utc>,
    pub records: u64,
    pub incidencia: bool,
    /// Hex SHA-256 of the body as sent.
    pub sha256: String,
    pub size: u64,
    /// `Correcto`, `ParcialmenteCorrecto`, `Incorrecto`; absent when no answer came (yet).
    pub estado_envio: Option<String>,
    pub csv: Option<String>,
    pub http_status: Option<u16>,
    pub error: Option<String>,
}

/// One record an envelope carried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvelopeRecord {
    pub position: u64,
    /// `till` (a franchisee's record) or `hq` (HQ's own).
    pub source: String,
    pub record_id: i64,
    pub subsanacion: bool,
}

/// A stored certificate: who it names, until when, and the key and chain sealed at rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredCertificate {
    /// The franchisee's id, or [`HQ_CERTIFICATE_OWNER`].
    pub owner_id: i64,
    pub holder_name: String,
    pub holder_nif: String,
    pub subject: String,
    pub not_after: DateTime<Utc>,
    /// Hex of nonce + AES-256-GCM ciphertext of the key and chain.
    pub sealed: String,
    pub uploaded_at: DateTime<Utc>,
}

/// Reading the records back (the admin API, exports) and the sender's state.
#[async_trait]
pub trait VerifactuStorage: Send + Sync {
    /// One franchisee's records issued in the period, in arrival order.
    async fn verifactu_records(&self, q: RecordQuery) -> StorageResult<Vec<StoredRecord>>;

    /// HQ's own records (its invoices and credit notes) issued in the period, in issue order.
    async fn hq_verifactu_records(&self, q: HqRecordQuery) -> StorageResult<Vec<HqStoredRecord>>;

    /// Taxpayers with records waiting for the AEAT (only records whose huella was sound on arrival).
    async fn pending_taxpayers(&self) -> StorageResult<Vec<PendingTaxpayer>>;

    /// Up to `limit` of a taxpayer's waiting records, in arrival order.
    async fn pending_records(
        &self,
        franchisee: FranchiseeId,
        nif: &str,
        limit: u32,
    ) -> StorageResult<Vec<PendingRecord>>;

    /// Takes the right to send for taxpayer `nif` until `until`, unless another instance holds it
    /// (its lease not yet run out at `now`). False when taken.
    async fn claim_taxpayer(
        &self,
        franchisee: FranchiseeId,
        nif: &str,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> StorageResult<bool>;

    /// Gives the right back.
    async fn release_taxpayer(&self, nif: &str) -> StorageResult<()>;

    /// Keeps a submission, each record's answer and the taxpayer's clock, in one transaction.
    async fn record_submission(
        &self,
        sub: &Submission,
        answers: &[RecordAnswer],
        clock: &TaxpayerClock,
    ) -> StorageResult<i64>;

    /// Every franchisee's sending figures (franchisees with no records are absent).
    async fn sending_summary(&self) -> StorageResult<Vec<SendingSummary>>;

    /// A franchisee's records the AEAT rejected or accepted with errors, newest first.
    async fn record_problems(
        &self,
        franchisee: FranchiseeId,
        limit: u32,
    ) -> StorageResult<Vec<RecordProblem>>;

    /// Stores (or replaces) an owner's certificate.
    async fn put_certificate(&self, c: &StoredCertificate) -> StorageResult<()>;

    async fn certificate(&self, owner_id: i64) -> StorageResult<Option<StoredCertificate>>;

    async fn certificates(&self) -> StorageResult<Vec<StoredCertificate>>;

    /// Keeps an envelope as it is about to be sent, with the records it carries; its id.
    async fn archive_envelope(&self, e: &EnvelopeIn) -> StorageResult<i64>;

    /// The latest kept envelopes, newest first, with the answer to each.
    async fn envelopes(&self, limit: u32) -> StorageResult<Vec<EnvelopeSummary>>;

    /// One kept envelope: its summary, its bytes as sent and the records it carried.
    async fn envelope(
        &self,
        id: i64,
    ) -> StorageResult<Option<(EnvelopeSummary, Vec<u8>, Vec<EnvelopeRecord>)>>;
}
