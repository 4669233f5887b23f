//! Customers at the till (issue 17): the franchisee's directory as HQ sent it, searched offline by
//! name or NIF to fill a full invoice or to e-mail a receipt; customers made here; and the queue
//! of what goes to HQ in the push besides documents (customers made here, e-mail requests), each
//! kept until HQ lists its id as accepted. Nothing here is a document: the hash chain never holds
//! a customer's data beyond what a full invoice carries.

use chrono::Utc;
use rusqlite::{OptionalExtension, Transaction, params};
use sync_protocol::{CustomerRecord, DocumentId, MailRequest, ReportKind, ReportMail};
use uuid::Uuid;

use super::{Ledger, LedgerError, Result};

/// A customer as the till shows it.
pub type TillCustomer = CustomerRecord;

/// What waits for HQ besides documents.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HqQueue {
    pub customers: Vec<CustomerRecord>,
    pub mail_requests: Vec<MailRequest>,
    /// X and Z reports to e-mail, each with its PDF.
    pub report_mails: Vec<ReportMail>,
}

impl HqQueue {
    pub fn is_empty(&self) -> bool {
        self.customers.is_empty() && self.mail_requests.is_empty() && self.report_mails.is_empty()
    }
    pub fn len(&self) -> usize {
        self.customers.len() + self.mail_requests.len() + self.report_mails.len()
    }
}

fn search_text(c: &CustomerRecord) -> String {
    format!("{} {} {}", c.name, c.nif, c.email).to_lowercase()
}

fn upsert(tx: &Transaction<'_>, c: &CustomerRecord) -> Result<()> {
    tx.execute(
        "INSERT INTO customers (id, name, nif, address, email, email_consent, search)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, nif = excluded.nif,
           address = excluded.address, email = excluded.email,
           email_consent = excluded.email_consent, search = excluded.search",
        params![
            c.id.to_string(),
            c.name,
            c.nif,
            c.address,
            c.email,
            c.email_consent,
            search_text(c)
        ],
    )?;
    Ok(())
}

/// A customer HQ sent (new or edited).
pub(super) fn apply(tx: &Transaction<'_>, c: &CustomerRecord) -> Result<()> {
    upsert(tx, c)
}

/// A customer erased on request: gone from this till, and from what still waits for HQ.
pub(super) fn erase(tx: &Transaction<'_>, id: Uuid) -> Result<()> {
    tx.execute("DELETE FROM customers WHERE id = ?1", [id.to_string()])?;
    tx.execute(
        "DELETE FROM hq_queue WHERE kind = 'customer' AND id = ?1",
        [id.to_string()],
    )?;
    Ok(())
}

fn customer_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, CustomerRecord)> {
    let id: String = r.get(0)?;
    Ok((
        id,
        CustomerRecord {
            id: Uuid::nil(),
            name: r.get(1)?,
            nif: r.get(2)?,
            address: r.get(3)?,
            email: r.get(4)?,
            email_consent: r.get(5)?,
        },
    ))
}

fn with_id((id, mut c): (String, CustomerRecord)) -> Result<CustomerRecord> {
    c.id = Uuid::parse_str(&id)
        .map_err(|e| LedgerError::Invalid(format!("customer id {id:?}: {e}")))?;
    Ok(c)
}

fn bad_json(e: serde_json::Error) -> LedgerError {
    LedgerError::Invalid(format!("a queued item cannot be read: {e}"))
}

impl Ledger {
    /// Customers whose name, NIF or e-mail contains `text` (case-insensitive; every word of it),
    /// by name, at most `limit`.
    pub fn find_customers(&self, text: &str, limit: usize) -> Result<Vec<TillCustomer>> {
        let words: Vec<String> = text
            .split_whitespace()
            .map(|w| {
                let w = w.to_lowercase();
                // A NIF typed with dots or dashes still matches.
                let n = sync_protocol::nif::normalise(&w).to_lowercase();
                if n.len() >= 3 && n.chars().any(|c| c.is_ascii_digit()) {
                    n
                } else {
                    w
                }
            })
            .collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, name, nif, address, email, email_consent, search FROM customers ORDER BY name, id",
        )?;
        let mut out = Vec::new();
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let search: String = r.get(6)?;
            if words.iter().all(|w| search.contains(w.as_str())) {
                out.push(with_id(customer_row(r)?)?);
                if out.len() >= limit {
                    break;
                }
            }
        }
        Ok(out)
    }

    /// A customer by id.
    pub fn customer(&self, id: Uuid) -> Result<Option<TillCustomer>> {
        self.conn
            .query_row(
                "SELECT id, name, nif, address, email, email_consent FROM customers WHERE id = ?1",
                [id.to_string()],
                customer_row,
            )
            .optional()?
            .map(with_id)
            .transpose()
    }

    /// How many customers the till knows.
    pub fn customer_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM customers", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// A customer made at this till: checked (name, NIF/NIE/CIF, e-mail, consent), kept here at
    /// once and queued for HQ in the same transaction, with a new id.
    pub fn create_customer(
        &mut self,
        name: &str,
        nif: &str,
        address: &str,
        email: &str,
        email_consent: bool,
    ) -> Result<TillCustomer> {
        let c = CustomerRecord {
            id: Uuid::now_v7(),
            name: name.into(),
            nif: nif.into(),
            address: address.into(),
            email: email.into(),
            email_consent,
        }
        .tidy();
        c.check().map_err(|e| LedgerError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(&c).map_err(bad_json)?;
        let tx = self.conn.transaction()?;
        upsert(&tx, &c)?;
        tx.execute(
            "INSERT INTO hq_queue (id, kind, json, created) VALUES (?1, 'customer', ?2, ?3)",
            params![c.id.to_string(), json, Utc::now().to_rfc3339()],
        )?;
        tx.commit()?;
        Ok(c)
    }

    /// Queues "e-mail document `document` to `to`" for HQ, which renders and sends it. The
    /// address is checked; `customer` names the directory's customer it came from, if any.
    pub fn queue_mail(
        &mut self,
        document: DocumentId,
        to: &str,
        customer: Option<Uuid>,
    ) -> Result<MailRequest> {
        let m = mail_request(document, to, customer)?;
        insert_mail(&self.conn, &m)?;
        Ok(m)
    }

    /// Queues "e-mail this X or Z report to `to`" for HQ with the PDF the till drew (an X is no
    /// document, so HQ could not render it). Checked here as HQ checks it: the address, the file
    /// name and the PDF's size ([`sync_protocol::report_mail::MAX_REPORT_PDF_BYTES`]).
    pub fn queue_report_mail(
        &mut self,
        kind: ReportKind,
        to: &str,
        subject: &str,
        file_name: &str,
        pdf: Vec<u8>,
    ) -> Result<ReportMail> {
        let m = ReportMail {
            id: Uuid::now_v7(),
            kind,
            to: to.trim().to_lowercase(),
            subject: subject.trim().to_string(),
            file_name: file_name.to_string(),
            pdf,
        };
        m.check().map_err(|e| LedgerError::Invalid(e.to_string()))?;
        let json = serde_json::to_string(&m).map_err(bad_json)?;
        self.conn.execute(
            "INSERT INTO hq_queue (id, kind, json, created) VALUES (?1, 'report_mail', ?2, ?3)",
            params![m.id.to_string(), json, Utc::now().to_rfc3339()],
        )?;
        Ok(m)
    }

    /// What waits for HQ besides documents, oldest first, at most `limit` of each kind (report
    /// e-mails, which carry a PDF each, at most
    /// [`sync_protocol::report_mail::MAX_PUSH_REPORT_MAILS`]).
    pub fn pending_hq_queue(&self, limit: usize) -> Result<HqQueue> {
        let mut q = HqQueue::default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, json FROM hq_queue ORDER BY created, id")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let kind: String = r.get(0)?;
            let json: String = r.get(1)?;
            match kind.as_str() {
                "customer" if q.customers.len() < limit => {
                    q.customers
                        .push(serde_json::from_str(&json).map_err(bad_json)?);
                }
                "mail" if q.mail_requests.len() < limit => {
                    q.mail_requests
                        .push(serde_json::from_str(&json).map_err(bad_json)?);
                }
                "report_mail"
                    if q.report_mails.len()
                        < limit.min(sync_protocol::report_mail::MAX_PUSH_REPORT_MAILS) =>
                {
                    q.report_mails
                        .push(serde_json::from_str(&json).map_err(bad_json)?);
                }
                _ => {}
            }
        }
        Ok(q)
    }

    /// How many items wait for HQ besides documents.
    pub fn hq_queue_len(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM hq_queue", [], |r| r.get(0))?;
        Ok(n.max(0) as u64)
    }

    /// Drops what HQ accepted; returns how many were dropped.
    pub fn ack_hq_queue(&mut self, ids: &[Uuid]) -> Result<usize> {
        let tx = self.conn.transaction()?;
        let mut n = 0;
        for id in ids {
            n += tx.execute("DELETE FROM hq_queue WHERE id = ?1", [id.to_string()])?;
        }
        tx.commit()?;
        Ok(n)
    }

    /// Notes why the queue could not be pushed.
    pub fn note_hq_queue_failure(&mut self, message: &str) -> Result<()> {
        self.conn
            .execute("UPDATE hq_queue SET last_error = ?1", [message])?;
        Ok(())
    }
}

/// "E-mail document `document` to `to`", checked.
pub(super) fn mail_request(
    document: DocumentId,
    to: &str,
    customer: Option<Uuid>,
) -> Result<MailRequest> {
    let m = MailRequest {
        id: Uuid::now_v7(),
        document_id: document,
        to: to.trim().to_lowercase(),
        customer_id: customer,
    };
    m.check().map_err(|e| LedgerError::Invalid(e.to_string()))?;
    Ok(m)
}

/// Queues `m` for HQ (in the caller's transaction, if any).
pub(super) fn insert_mail(conn: &rusqlite::Connection, m: &MailRequest) -> Result<()> {
    let json = serde_json::to_string(m).map_err(bad_json)?;
    conn.execute(
        "INSERT INTO hq_queue (id, kind, json, created) VALUES (?1, 'mail', ?2, ?3)",
        params![m.id.to_string(), json, Utc::now().to_rfc3339()],
    )?;
    Ok(())
}
