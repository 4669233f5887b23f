//! Full invoices (factura completa) for a ticket: the customer's name, address and a validated
//! NIF/NIE/CIF, numbered gaplessly in this till's own `F` series and stored with the sale.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sync_protocol::DocumentBody;

use super::{Ledger, LedgerError, Result, read_identity};

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
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(String, i64, String, String, String, String)> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
    ))
}

fn to_invoice(
    (number, seq, name, address, nif, created): (String, i64, String, String, String, String),
) -> FullInvoice {
    FullInvoice {
        number,
        sale_seq: seq as u64,
        customer_name: name,
        customer_address: address,
        customer_nif: nif,
        created: DateTime::parse_from_rfc3339(&created)
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_default(),
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
        let nif = sync_protocol::nif::normalise(customer_nif);
        sync_protocol::nif::validate(&nif).map_err(LedgerError::Invalid)?;
        let (name, address) = (customer_name.trim(), customer_address.trim());
        if name.is_empty() || address.is_empty() {
            return Err(LedgerError::Invalid(
                "a full invoice needs the customer's name and address".into(),
            ));
        }
        match self.document(sale_seq)?.map(|d| d.body) {
            Some(DocumentBody::Sale(_)) => {}
            _ => {
                return Err(LedgerError::Invalid(format!(
                    "document {sale_seq} is not a sale"
                )));
            }
        }
        if let Some(existing) = self.full_invoice_for(sale_seq)? {
            return Err(LedgerError::Invalid(format!(
                "the ticket already has full invoice {}",
                existing.number
            )));
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ident = read_identity(&tx)?.ok_or(LedgerError::NotEnrolled)?;
        let n: i64 = tx.query_row(
            "SELECT COALESCE(MAX(seq_no), 0) + 1 FROM full_invoices",
            [],
            |r| r.get(0),
        )?;
        let number = format!("{}-F{:06}", ident.ticket_series, n);
        let created = Utc::now();
        tx.execute(
            "INSERT INTO full_invoices
             (number, seq_no, sale_seq, customer_name, customer_address, customer_nif, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                number,
                n,
                sale_seq as i64,
                name,
                address,
                nif,
                created.to_rfc3339()
            ],
        )?;
        tx.commit()?;
        Ok(FullInvoice {
            number,
            sale_seq,
            customer_name: name.to_string(),
            customer_address: address.to_string(),
            customer_nif: nif,
            created,
        })
    }

    /// The full invoice issued for sale `sale_seq`, if any.
    pub fn full_invoice_for(&self, sale_seq: u64) -> Result<Option<FullInvoice>> {
        Ok(self
            .conn
            .query_row(
                "SELECT number, sale_seq, customer_name, customer_address, customer_nif, created
                 FROM full_invoices WHERE sale_seq = ?1",
                [sale_seq as i64],
                row,
            )
            .optional()?
            .map(to_invoice))
    }
}
