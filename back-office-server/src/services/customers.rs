//! Customers (issue 17): the rules of the customer directory (checks as [`Problem`] codes, who
//! sees which franchisee's customers), erasure on request, and sending the e-mail the tills ask
//! for: HQ renders the stored document (a receipt, or a full invoice) with the till's own receipt
//! layout as a PDF and sends it; an X or Z report comes from the till as the PDF it drew, and is
//! sent as it came. Used by the dashboard page Clientes, the admin API, the sync push and the
//! `send-customer-mail` job.

use super::ServiceResult;
use crate::problem::Problem;
use crate::services::mail::MailConfig;
use crate::storage::customers::{Customer, MailJob};
use crate::storage::people::AuditEntry;
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Duration, Utc};
use lettre::Message;
use pos_terminal::receipt::ReceiptLayout;
use serde::Deserialize;
use sync_protocol::customers::{CustomerError, MAX_ADDRESS_CHARS, MAX_NAME_CHARS};
use sync_protocol::report_mail::{
    MAX_PUSH_REPORT_MAILS, MAX_SUBJECT_CHARS, ReportMail, ReportMailError,
};
use sync_protocol::{
    CustomerRecord, Document, DocumentBody, FranchiseeId, ReportKind, StoreRecord,
};
use uuid::Uuid;

/// After this many failed attempts an e-mail request is no longer retried (it stays listed).
pub const MAX_MAIL_ATTEMPTS: u64 = 10;
/// Most e-mails one sending round sends.
pub const MAIL_BATCH: u32 = 200;

/// A customer as a person types it (dashboard form or API body).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct CustomerIn {
    pub name: String,
    #[serde(default)]
    pub nif: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub email_consent: bool,
}

/// What is wrong with a customer, as a problem a person can act on.
pub fn customer_problem(e: &CustomerError, typed_nif: &str) -> Problem {
    match e {
        CustomerError::NameEmpty => Problem::new("field_empty").with("field", "name"),
        CustomerError::NameTooLong => Problem::new("field_too_long")
            .with("field", "name")
            .with("max", MAX_NAME_CHARS),
        CustomerError::AddressTooLong => Problem::new("field_too_long")
            .with("field", "address")
            .with("max", MAX_ADDRESS_CHARS),
        CustomerError::Nif(n) => {
            let p = Problem::new("nif_invalid")
                .with("value", typed_nif.trim())
                .with("reason", n.reason());
            match n.want() {
                Some(w) => p.with("want", w),
                None => p,
            }
        }
        CustomerError::Email(v) => Problem::new("bad_email").with("email", v),
        CustomerError::ConsentWithoutEmail => Problem::new("customer_consent_without_email"),
    }
}

/// The record `input` makes under `id`, tidied and checked.
pub fn record(id: Uuid, input: &CustomerIn) -> Result<CustomerRecord, Problem> {
    let r = CustomerRecord {
        id,
        name: input.name.clone(),
        nif: input.nif.clone(),
        address: input.address.clone(),
        email: input.email.clone(),
        email_consent: input.email_consent,
    }
    .tidy();
    r.check().map_err(|e| customer_problem(&e, &input.nif))?;
    Ok(r)
}

/// Creates a customer of `franchisee` (a new UUID) and sends it to the franchisee's tills.
pub async fn create(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    input: &CustomerIn,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Customer> {
    let r = record(Uuid::now_v7(), input).map_err(StorageError::Invalid)?;
    storage
        .customers()
        .save_customer(franchisee, &r, by, now)
        .await
}

/// Replaces customer `id`'s data (same franchisee) and sends it to the franchisee's tills.
/// `visible` says which franchisees the caller may touch (`None`: all); another's is `NotFound`.
pub async fn update(
    storage: &dyn Storage,
    id: Uuid,
    visible: Option<&[FranchiseeId]>,
    input: &CustomerIn,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Customer> {
    let old = get(storage, id, visible).await?;
    let r = record(id, input).map_err(StorageError::Invalid)?;
    storage
        .customers()
        .save_customer(old.franchisee_id, &r, by, now)
        .await
}

/// A customer the caller may see (`visible`: `None` for all), not erased; else `NotFound`.
pub async fn get(
    storage: &dyn Storage,
    id: Uuid,
    visible: Option<&[FranchiseeId]>,
) -> ServiceResult<Customer> {
    let c = storage.customers().get_customer(id).await?;
    if c.erased_at.is_some() || visible.is_some_and(|v| !v.contains(&c.franchisee_id)) {
        return Err(crate::storage::customers::not_found(id));
    }
    Ok(c)
}

/// Erasure on request (GDPR), audited as `actor`. Documents and archived PDFs are not touched.
pub async fn erase(
    storage: &dyn Storage,
    id: Uuid,
    visible: Option<&[FranchiseeId]>,
    actor: &AuditEntry,
    now: DateTime<Utc>,
) -> ServiceResult<Customer> {
    get(storage, id, visible).await?;
    storage.customers().erase_customer(id, actor, now).await
}

/// Checks what a till's push carried besides documents; the first bad one is the message.
pub fn check_from_till(
    customers: &[CustomerRecord],
    mails: &[sync_protocol::MailRequest],
) -> Result<Vec<CustomerRecord>, String> {
    let max = sync_protocol::customers::MAX_PUSH_EXTRAS;
    if customers.len() > max || mails.len() > max {
        return Err(format!(
            "a push may carry at most {max} customers and {max} e-mail requests"
        ));
    }
    let mut out = Vec::with_capacity(customers.len());
    for c in customers {
        let t = c.clone().tidy();
        t.check().map_err(|e| format!("customer {}: {e}", c.id))?;
        out.push(t);
    }
    for m in mails {
        m.check()
            .map_err(|e| format!("e-mail request {}: {e}", m.id))?;
    }
    Ok(out)
}

/// Checks the X and Z reports a till's push carried to e-mail: how many, and each one's address,
/// PDF (at most [`sync_protocol::report_mail::MAX_REPORT_PDF_BYTES`]), file name and subject.
pub fn check_report_mails(mails: &[ReportMail]) -> Result<(), Problem> {
    if mails.len() > MAX_PUSH_REPORT_MAILS {
        return Err(Problem::new("report_mail_too_many").with("max", MAX_PUSH_REPORT_MAILS));
    }
    for m in mails {
        m.check().map_err(|e| match e {
            ReportMailError::Email(v) => Problem::new("bad_email").with("email", v),
            ReportMailError::TooLarge { bytes, max } => Problem::new("report_mail_too_large")
                .with("bytes", bytes)
                .with("max", max),
            ReportMailError::NotPdf => Problem::new("report_mail_not_pdf"),
            ReportMailError::FileName(n) => Problem::new("report_mail_file_name").with("name", n),
            ReportMailError::Subject => {
                Problem::new("report_mail_subject").with("max", MAX_SUBJECT_CHARS)
            }
        })?;
    }
    Ok(())
}

/// The store as its tills print it (legal name and NIF of its franchisee in the header).
async fn store_record(
    storage: &dyn Storage,
    store: sync_protocol::StoreId,
) -> ServiceResult<StoreRecord> {
    let s = storage.get_store(store).await?;
    let f = storage.get_franchisee(s.franchisee_id).await?;
    Ok(StoreRecord {
        id: s.id,
        name: s.name,
        address: s.address,
        franchisee_id: s.franchisee_id,
        franchisee_legal_name: f.legal_name,
        franchisee_nif: f.nif,
        receipt_footer: s.receipt_footer,
        receipt_header: s.receipt_header,
        cash_tolerance: Some(s.cash_tolerance),
        time_zone: Some(s.time_zone.name().to_string()),
        single_manager: s.single_manager,
        report_email: s.report_email,
    })
}

/// An e-mail ready to send: subject, text, the PDF's file name and bytes.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub file_name: String,
    pub pdf: Vec<u8>,
}

/// Renders stored document `doc` as the till prints it, on A4: a sale or refund as its receipt,
/// a full invoice with its sale's lines. `Ok(None)` when HQ does not hold the document (yet).
pub async fn render(storage: &dyn Storage, doc: &Document) -> ServiceResult<Rendered> {
    let layout = ReceiptLayout::MM80;
    let store = store_record(storage, doc.store_id).await?;
    let bad = |e: String| StorageError::Backend(format!("document {}: {e}", doc.id));
    let (elements, number, what) = match &doc.body {
        DocumentBody::Sale(s) => (
            layout
                .render_document(doc, &store, None)
                .map_err(|e| bad(e.to_string()))?,
            s.ticket_number.clone(),
            "Ticket",
        ),
        DocumentBody::Refund(r) => (
            layout
                .render_document(doc, &store, None)
                .map_err(|e| bad(e.to_string()))?,
            r.refund_number.clone(),
            "Devolución",
        ),
        DocumentBody::FullInvoice(inv) => {
            let sale = storage
                .customers()
                .stored_document(inv.sale_id)
                .await?
                .ok_or_else(|| bad(format!("its sale {} is not at HQ", inv.sale_id)))?;
            let full = pos_terminal::FullInvoice {
                number: inv.invoice_number.clone(),
                sale_seq: sale.seq,
                customer_name: inv.customer_name.clone(),
                customer_address: inv.customer_address.clone(),
                customer_nif: inv.customer_nif.clone(),
                created: doc.till_time,
                doc_seq: Some(doc.seq),
            };
            (
                layout
                    .render_full_invoice(&sale, &store, &full, doc.verifactu.as_deref())
                    .map_err(|e| bad(e.to_string()))?,
                inv.invoice_number.clone(),
                "Factura",
            )
        }
        other => {
            return Err(StorageError::Invalid(
                Problem::new("mail_document_kind").with("kind", other.kind().as_str()),
            ));
        }
    };
    let title = format!("{what} {number}");
    let pdf = pos_terminal::paper_pdf::elements_pdf(&elements, layout, &title)
        .map_err(|e| bad(e.to_string()))?;
    Ok(Rendered {
        subject: format!("{title} · {}", store.franchisee_legal_name),
        text: format!(
            "Adjuntamos su {} {number} de {} ({}) en PDF.\n\nAttached: your {} {number} as a PDF.\n\n{}\n",
            what.to_lowercase(),
            store.name,
            pos_terminal::receipt::madrid_time(doc.till_time),
            match what {
                "Factura" => "invoice",
                "Devolución" => "refund receipt",
                _ => "receipt",
            },
            store.franchisee_legal_name
        ),
        file_name: format!("{number}.pdf"),
        pdf,
    })
}

/// The message for `r` to `to`.
pub fn message(from: &str, to: &str, r: Rendered) -> Result<Message, String> {
    let pdf = (r.file_name, r.pdf, "application/pdf");
    super::mail::with_attachments(from, to, &r.subject, r.text, vec![pdf])
}

/// Sends `r` to `to` over the configured SMTP server.
async fn deliver(config: &MailConfig, to: &str, r: Rendered) -> Result<(), String> {
    super::mail::send_message(config, message(&config.from, to, r)?).await
}

/// A report e-mail as it goes out: the PDF the till drew, with a line saying what it is.
async fn report_rendered(
    storage: &dyn Storage,
    job: &MailJob,
    kind: ReportKind,
) -> Result<Rendered, String> {
    let a = storage
        .customers()
        .mail_attachment(job.id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("report e-mail {}: its PDF is not at HQ", job.id))?;
    let store = storage
        .get_store(job.store_id)
        .await
        .map(|s| s.name)
        .unwrap_or_default();
    let (es, en) = match kind {
        ReportKind::X => ("el informe X", "the X report"),
        ReportKind::Z => ("el cierre Z", "the Z close"),
    };
    Ok(Rendered {
        subject: a.subject,
        text: format!(
            "Adjuntamos en PDF {es} de la caja {till} de {store}, tal como lo generó la caja.\n\n\
             Attached: {en} of till {till} at {store} as a PDF, as the till drew it.\n",
            till = job.till_id.0
        ),
        file_name: a.file_name,
        pdf: a.content,
    })
}

/// What a sending round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MailRound {
    pub sent: u64,
    pub failed: u64,
    /// Waiting for their document to reach HQ.
    pub waiting: u64,
}

/// Sends one request if nobody else is sending it; records the attempt.
async fn send_one(
    storage: &dyn Storage,
    config: &MailConfig,
    job: &MailJob,
    now: DateTime<Utc>,
    round: &mut MailRound,
) -> ServiceResult<()> {
    let cs = storage.customers();
    let doc = match (job.report, job.document_id) {
        (Some(_), _) => None,
        (None, Some(id)) => match cs.stored_document(id).await? {
            Some(doc) => Some(doc),
            None => {
                round.waiting += 1;
                return Ok(());
            }
        },
        (None, None) => {
            return Err(StorageError::Backend(format!(
                "e-mail request {} names neither a document nor a report",
                job.id
            )));
        }
    };
    if !cs
        .claim_mail(job.id, Utc::now(), Utc::now() + Duration::minutes(5))
        .await?
    {
        return Ok(());
    }
    let rendered = match (&doc, job.report) {
        // A till asks only for its own store's documents: another's is never sent.
        (Some(doc), _) if doc.store_id == job.store_id => {
            render(storage, doc).await.map_err(|e| e.to_string())
        }
        (Some(doc), _) => Err(format!(
            "document {} is not of store {}: not sent",
            doc.id, job.store_id
        )),
        (None, Some(kind)) => report_rendered(storage, job, kind).await,
        (None, None) => Err(format!("e-mail request {}: nothing to send", job.id)),
    };
    let result = match rendered {
        Err(e) => Err(e),
        Ok(r) => deliver(config, &job.recipient, r).await,
    };
    match &result {
        Ok(()) => round.sent += 1,
        Err(e) => {
            round.failed += 1;
            tracing::warn!(request = %job.id, error = %e, "customer e-mail not sent");
        }
    }
    cs.record_mail_attempt(job.id, result.err().as_deref(), now)
        .await
}

/// Sends every e-mail request waiting (up to `limit`) whose document HQ holds; each attempt is
/// recorded, a failure retried next round up to [`MAX_MAIL_ATTEMPTS`].
pub async fn send_waiting(
    storage: &dyn Storage,
    config: &MailConfig,
    now: DateTime<Utc>,
    limit: u32,
) -> ServiceResult<MailRound> {
    let mut round = MailRound::default();
    for job in storage
        .customers()
        .mail_to_send(MAX_MAIL_ATTEMPTS, limit)
        .await?
    {
        send_one(storage, config, &job, now, &mut round).await?;
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_nif_is_the_shared_nif_problem() {
        let p = record(
            Uuid::nil(),
            &CustomerIn {
                name: "Ana".into(),
                nif: "12345678A".into(),
                ..CustomerIn::default()
            },
        )
        .unwrap_err();
        assert_eq!(p.code, "nif_invalid");
        let p = record(
            Uuid::nil(),
            &CustomerIn {
                name: "Ana".into(),
                email_consent: true,
                ..CustomerIn::default()
            },
        )
        .unwrap_err();
        assert_eq!(p.code, "customer_consent_without_email");
    }
}
