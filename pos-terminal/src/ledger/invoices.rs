//! Full invoices (factura completa) for a ticket: the customer's name, address and a validated
//! NIF/NIE/CIF, numbered gaplessly in this till's own `F` series, stored with the sale and as a
//! FullInvoice document with its VERI*FACTU F3 record (replacing the ticket).

use chrono::{DateTime, SubsecRound, Utc};
use rusqlite::{OptionalExtension, params};
use sync_protocol::{CustomerInvoice, Document, DocumentBody};

use super::{Ledger, LedgerError, Result};

/// A full invoice issued for one sale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FullInvoice {
    /// `T0007-F000001`.
    pub number: String,
    pub sale_seq: u64,
    pub customer_name: String,
    pub customer_address: String,
    /// Normalised (upper case, no spaces, dots or dashes) and valid.
    pub customer_nif: String,
    pub created: DateTime<Utc>,
    /// The invoice's own document (and VERI*FACTU record); `None` for invoices issued before
    /// full invoices were documents.
    pub doc_seq: Option<u64>,
}

type Row = (String, i64, String, String, String, String, Option<i64>);

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Row> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}

fn to_invoice((number, seq, name, address, nif, created, doc_seq): Row) -> FullInvoice {
    FullInvoice {
        number,
        sale_seq: seq as u64,
        customer_name: name,
        customer_address: address,
        customer_nif: nif,
        created: DateTime::parse_from_rfc3339(&created)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
        doc_seq: doc_seq.map(|s| s as u64),
    }
}

impl Ledger {
    /// Issues the full invoice for sale `sale_seq`. Refuses an invalid NIF/NIE/CIF, a blank
    /// name or address, a document that is not a sale, and a ticket that already has one.
    pub fn record_full_invoice(
        &mut self,
        sale_seq: u64,
        customer_name: &str,
        customer_address: &str,
        customer_nif: &str,
    ) -> Result<FullInvoice> {
        self.record_full_invoice_mailed(
            sale_seq,
            customer_name,
            customer_address,
            customer_nif,
            None,
        )
    }

    /// [`Ledger::record_full_invoice`], and with `mail` (address, directory customer) its e-mail
    /// request for HQ queued in the same transaction: the invoice is never issued without the
    /// e-mail the customer asked for, and a bad address issues nothing.
    pub fn record_full_invoice_mailed(
        &mut self,
        sale_seq: u64,
        customer_name: &str,
        customer_address: &str,
        customer_nif: &str,
        mail: Option<(&str, Option<uuid::Uuid>)>,
    ) -> Result<FullInvoice> {
        let doc_id = sync_protocol::DocumentId::new();
        let mail = mail
            .map(|(to, customer)| super::customers::mail_request(doc_id, to, customer))
            .transpose()?;
        let nif = sync_protocol::nif::normalise(customer_nif);
        sync_protocol::nif::validate(&nif).map_err(LedgerError::Invalid)?;
        let (name, address) = (customer_name.trim(), customer_address.trim());
        if name.is_empty() || address.is_empty() {
            return Err(LedgerError::Invalid(
                "a full invoice needs the customer's name and address".into(),
            ));
        }
        let (sale_id, sale) = match self.document(sale_seq)? {
            Some(Document {
                id,
                body: DocumentBody::Sale(s),
                ..
            }) => (id, s),
            _ => {
                return Err(LedgerError::Invalid(format!(
                    "document {sale_seq} is not a sale"
                )));
            }
        };
        if let Some(existing) = self.full_invoice_for(sale_seq)? {
            return Err(LedgerError::Invalid(format!(
                "the ticket already has full invoice {}",
                existing.number
            )));
        }
        // The invoice's date is the time its document and VERI*FACTU record carry.
        let created = self.now().trunc_subsecs(6);
        let mut number = String::new();
        // The invoice becomes a document (so it and its F3 record reach HQ) in the same
        // transaction as its row here, numbered gaplessly in this till's F series.
        let doc = self.append_as(doc_id, false, created, |tx, ident, _| {
            if let Some(m) = &mail {
                super::customers::insert_mail(tx, m)?;
            }
            let n: i64 = tx.query_row(
                "SELECT COALESCE(MAX(seq_no), 0) + 1 FROM full_invoices",
                [],
                |r| r.get(0),
            )?;
            number = format!("{}-F{:06}", ident.ticket_series, n);
            // The sequence the counter just gave this transaction's document (its row follows
            // before commit; the reference is checked then).
            let doc_seq: i64 =
                tx.query_row("SELECT last_seq FROM counter WHERE id = 1", [], |r| r.get(0))?;
            tx.execute(
                "INSERT INTO full_invoices
                 (number, seq_no, sale_seq, customer_name, customer_address, customer_nif, created, doc_seq)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    number,
                    n,
                    sale_seq as i64,
                    name,
                    address,
                    nif,
                    created.to_rfc3339(),
                    doc_seq
                ],
            )?;
            Ok(DocumentBody::FullInvoice(CustomerInvoice {
                invoice_number: number.clone(),
                sale_id,
                ticket_number: sale.ticket_number.clone(),
                customer_name: name.to_string(),
                customer_address: address.to_string(),
                customer_nif: nif.clone(),
                lines: sale.lines.clone(),
                ticket_discount: sale.ticket_discount,
                totals: sale.totals.clone(),
            }))
        })?;
        Ok(FullInvoice {
            number,
            sale_seq,
            customer_name: name.to_string(),
            customer_address: address.to_string(),
            customer_nif: nif,
            created,
            doc_seq: Some(doc.seq),
        })
    }

    /// The full invoice issued for sale `sale_seq`, if any.
    pub fn full_invoice_for(&self, sale_seq: u64) -> Result<Option<FullInvoice>> {
        Ok(self
            .conn
            .query_row(
                "SELECT number, sale_seq, customer_name, customer_address, customer_nif, created, doc_seq
                 FROM full_invoices WHERE sale_seq = ?1",
                [sale_seq as i64],
                row,
            )
            .optional()?
            .map(to_invoice))
    }
}
