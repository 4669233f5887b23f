//! Appending documents: the gapless sequence, ticket numbers, sealing onto the hash chain with
//! the outbox row (and VERI*FACTU record) in one transaction, and re-verifying the chain.

use super::{Ledger, LedgerError, Result, TillIdentity, read_identity, verifactu};
use crate::cart::CartLine;
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, Transaction, TransactionBehavior, params};
use sync_protocol::{
    Document, DocumentBody, DocumentId, GENESIS_HASH, Money, Payment, Sale, StaffId, compute_totals,
};

impl Ledger {
    /// Records a sale: in one `BEGIN IMMEDIATE` transaction takes the next sequence and ticket
    /// number, totals the lines under the shared rule, validates, seals onto the chain, and stores
    /// the document with its outbox row. When this returns, the sale survives power loss.
    pub fn record_sale(
        &mut self,
        cashier: Option<StaffId>,
        lines: Vec<CartLine>,
        ticket_discount: Money,
        payments: Vec<Payment>,
    ) -> Result<Document> {
        self.record_sale_then(cashier, lines, ticket_discount, payments, |_| Ok(()))
    }

    /// [`Ledger::record_sale`], running `then` inside the sale's transaction after the document's
    /// number is taken (`counter.last_seq` is the sale's seq): an error from it rolls the sale back.
    pub(crate) fn record_sale_then(
        &mut self,
        cashier: Option<StaffId>,
        lines: Vec<CartLine>,
        ticket_discount: Money,
        payments: Vec<Payment>,
        then: impl FnOnce(&Transaction<'_>) -> Result<()>,
    ) -> Result<Document> {
        let sale_lines: Vec<_> = lines.iter().map(CartLine::to_sale_line).collect();
        let inputs: Vec<_> = lines.iter().map(CartLine::input).collect();
        // Totals first, outside the transaction: a bad cart never touches the counter.
        let totals = compute_totals(&inputs, ticket_discount)?;
        let mut body = Some(DocumentBody::Sale(Sale {
            ticket_number: String::new(),
            cashier_id: cashier,
            lines: sale_lines,
            ticket_discount,
            payments,
            totals,
        }));
        self.append_with(true, |tx, ident, ticket| {
            let mut body = body.take().ok_or_else(|| {
                LedgerError::Invalid("internal: sale body already used".to_string())
            })?;
            if let DocumentBody::Sale(s) = &mut body {
                s.ticket_number = format!("{}-{:06}", ident.ticket_series, ticket);
            }
            then(tx)?;
            Ok(body)
        })
    }

    /// Records any non-sale document (refund, cash movement, cash close, stock movement) with
    /// the same sequencing and chaining as a sale. Sales go through [`Ledger::record_sale`] so
    /// that their ticket number is taken from the counter. A refund with an empty
    /// `refund_number` is numbered here, inside the transaction, from this till's series
    /// (`T0007-R000001`, gapless because refunds are never deleted).
    pub fn record_document(&mut self, body: DocumentBody) -> Result<Document> {
        if matches!(body, DocumentBody::Sale(_)) {
            return Err(LedgerError::Invalid(
                "sales are recorded with record_sale, which numbers the ticket".to_string(),
            ));
        }
        let mut body = Some(body);
        self.append_with(false, |tx, ident, _| {
            let mut body = body
                .take()
                .ok_or_else(|| LedgerError::Invalid("internal: body already used".to_string()))?;
            if let DocumentBody::Refund(r) = &mut body
                && r.refund_number.trim().is_empty()
            {
                let n: i64 = tx.query_row(
                    "SELECT COUNT(*) + 1 FROM documents WHERE kind = 'refund'",
                    [],
                    |r| r.get(0),
                )?;
                r.refund_number = format!("{}-R{:06}", ident.ticket_series, n);
            }
            Ok(body)
        })
    }

    /// The one place documents are created. `make` runs inside the transaction, after the
    /// counter row was bumped, so any error rolls the number back: the sequence stays gapless.
    pub(crate) fn append_with(
        &mut self,
        is_sale: bool,
        make: impl FnOnce(&Transaction<'_>, &TillIdentity, i64) -> Result<DocumentBody>,
    ) -> Result<Document> {
        let now = self.now();
        self.append_at(is_sale, now, make)
    }

    /// [`Ledger::append_with`] at a given till time (a full invoice prints the time it records).
    /// Sales, refunds and full invoices get their VERI*FACTU record in the same transaction.
    pub(crate) fn append_at(
        &mut self,
        is_sale: bool,
        till_time: DateTime<Utc>,
        make: impl FnOnce(&Transaction<'_>, &TillIdentity, i64) -> Result<DocumentBody>,
    ) -> Result<Document> {
        self.append_as(DocumentId::new(), is_sale, till_time, make)
    }

    /// [`Ledger::append_at`] under a document id chosen beforehand, so `make` can write rows that
    /// name the document (an e-mail request for it) in the same transaction.
    pub(crate) fn append_as(
        &mut self,
        id: DocumentId,
        is_sale: bool,
        till_time: DateTime<Utc>,
        make: impl FnOnce(&Transaction<'_>, &TillIdentity, i64) -> Result<DocumentBody>,
    ) -> Result<Document> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ident = read_identity(&tx)?.ok_or(LedgerError::NotEnrolled)?;
        let inc = i64::from(is_sale);
        let (seq, prev_hash, ticket): (i64, String, i64) = tx.query_row(
            "UPDATE counter SET last_seq = last_seq + 1, next_ticket = next_ticket + ?1
             WHERE id = 1 RETURNING last_seq, last_hash, next_ticket - ?1",
            [inc],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?;
        let body = make(&tx, &ident, ticket)?;
        // Checked inside the write transaction, so a Z close cannot slip between check and insert.
        if matches!(body, DocumentBody::Sale(_) | DocumentBody::Refund(_))
            && !crate::shift::shift_is_open(&tx)?
        {
            return Err(LedgerError::NoOpenShift);
        }
        body.validate().map_err(LedgerError::Invalid)?;
        let mut doc = Document::seal(
            id,
            ident.till_id,
            ident.store_id,
            seq as u64,
            till_time,
            &prev_hash,
            body,
        );
        #[cfg(feature = "bench-baseline")]
        let record = if self.skip_records {
            None
        } else {
            verifactu::make_record(&tx, &ident, &doc)?
        };
        #[cfg(not(feature = "bench-baseline"))]
        let record = verifactu::make_record(&tx, &ident, &doc)?;
        let json = serde_json::to_string(&doc)
            .map_err(|e| LedgerError::Invalid(format!("cannot serialise document: {e}")))?;
        let total_cents = match &doc.body {
            DocumentBody::Sale(s) => Some(s.totals.total.cents()),
            DocumentBody::Refund(r) => Some(r.totals.total.cents()),
            DocumentBody::CashMovement(m) => Some(m.amount.cents()),
            DocumentBody::CashClose(c) => Some(c.gross.cents()),
            DocumentBody::ShiftOpen(o) => Some(o.float.cents()),
            DocumentBody::AuditEvent(a) => a.amount.map(Money::cents),
            DocumentBody::FullInvoice(i) => Some(i.totals.total.cents()),
            DocumentBody::StockMovement(_) | DocumentBody::ClockEvent(_) => None,
        };
        let id = doc.id.to_string();
        tx.execute(
            "INSERT INTO documents (id, seq, kind, json, hash, total_cents, created)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                id,
                seq,
                doc.body.kind().as_str(),
                json,
                doc.hash,
                total_cents,
                doc.till_time.to_rfc3339()
            ],
        )?;
        tx.execute(
            "UPDATE counter SET last_hash = ?1 WHERE id = 1",
            [&doc.hash],
        )?;
        tx.execute(
            "INSERT INTO outbox (seq, doc_id, state) VALUES (?1, ?2, 'pending')",
            params![seq, id],
        )?;
        if let Some(r) = &record {
            verifactu::insert(&tx, seq, r)?;
        }
        tx.commit()?;
        doc.verifactu = record.map(Box::new);
        Ok(doc)
    }

    /// A stored document by sequence number (for reprints and reports), with its VERI*FACTU record.
    pub fn document(&self, seq: u64) -> Result<Option<Document>> {
        let json: Option<String> = self
            .conn
            .query_row(
                "SELECT json FROM documents WHERE seq = ?1",
                [seq as i64],
                |r| r.get(0),
            )
            .optional()?;
        let Some(json) = json else { return Ok(None) };
        let mut doc = parse_doc(seq as i64, &json)?;
        verifactu::attach(&self.conn, &mut doc)?;
        Ok(Some(doc))
    }

    /// Number of documents in the ledger.
    pub fn document_count(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM documents", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// The last sequence number taken (0 before the first document).
    pub fn last_seq(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT last_seq FROM counter WHERE id = 1", [], |r| {
                r.get(0)
            })?;
        Ok(n as u64)
    }

    /// Sum of all sale totals, exact in cents (the simulator compares it with HQ's figure).
    pub fn sales_gross(&self) -> Result<Money> {
        let cents: i64 = self.conn.query_row(
            "SELECT COALESCE(SUM(total_cents), 0) FROM documents WHERE kind = 'sale'",
            [],
            |r| r.get(0),
        )?;
        Ok(Money::from_cents(cents))
    }

    /// Re-verifies every document's hash, the chain from genesis, the gapless sequence, and
    /// that the counter row points at the last document. Returns the number of documents.
    pub fn verify_chain(&self) -> Result<u64> {
        let mut stmt = self
            .conn
            .prepare("SELECT seq, json, hash FROM documents ORDER BY seq")?;
        let mut rows = stmt.query([])?;
        let mut prev: Option<(u64, String)> = None;
        let mut count = 0u64;
        while let Some(row) = rows.next()? {
            let seq: i64 = row.get(0)?;
            let json: String = row.get(1)?;
            let hash: String = row.get(2)?;
            let doc = parse_doc(seq, &json)?;
            if doc.seq != seq as u64 || doc.hash != hash {
                return Err(LedgerError::BadStoredDocument(
                    seq,
                    "columns disagree with the document".to_string(),
                ));
            }
            doc.check_follows(prev.as_ref().map(|(s, h)| (*s, h.as_str())))?;
            prev = Some((doc.seq, doc.hash));
            count += 1;
        }
        let (last_seq, last_hash): (i64, String) = self.conn.query_row(
            "SELECT last_seq, last_hash FROM counter WHERE id = 1",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let (pseq, phash) = prev.unwrap_or((0, GENESIS_HASH.to_string()));
        if last_seq as u64 != pseq || last_hash != phash {
            return Err(LedgerError::CounterMismatch(format!(
                "counter says seq {last_seq}, last document is seq {pseq}"
            )));
        }
        Ok(count)
    }
}

pub(crate) fn parse_doc(seq: i64, json: &str) -> Result<Document> {
    serde_json::from_str(json).map_err(|e| LedgerError::BadStoredDocument(seq, e.to_string()))
}
