//! Finding past tickets in the local ledger: by number for refunds and full invoices, the last
//! receipt for reprints, and what was already refunded, so the till works offline.

use std::collections::HashMap;

use rusqlite::OptionalExtension;
use sync_protocol::{Document, DocumentBody, DocumentId, Quantity, Tender};
use uuid::Uuid;

use super::{Ledger, Result, parse_doc};

/// What earlier refunds took back from one sale.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Refunded {
    /// Quantity already refunded per original line (refund lines keep the sale line's id).
    pub quantities: HashMap<Uuid, Quantity>,
    /// Money already given back per tender.
    pub by_tender: Vec<(Tender, sync_protocol::Money)>,
}

impl Refunded {
    pub fn quantity(&self, line_id: Uuid) -> Quantity {
        self.quantities
            .get(&line_id)
            .copied()
            .unwrap_or(Quantity::ZERO)
    }

    pub fn tender(&self, tender: Tender) -> sync_protocol::Money {
        self.by_tender
            .iter()
            .filter(|(t, _)| *t == tender)
            .map(|(_, m)| *m)
            .sum()
    }
}

impl Ledger {
    /// The sale with this ticket number (`T0007-000012`) as printed, or found from the receipt's
    /// QR code: the AEAT `ValidarQR` URL (its `numserie`), or an older receipt's bare number. A
    /// full invoice's number or QR finds the sale it was issued for. Surrounding spaces and the
    /// case of a typed number are ignored.
    pub fn sale_by_ticket(&self, number: &str) -> Result<Option<Document>> {
        let number = match sync_protocol::verifactu::parse_qr_url(number) {
            Some(qr) => qr.numserie,
            None => number.trim().to_uppercase(),
        };
        let row: Option<(i64, String)> = self
            .conn
            .query_row(
                "SELECT seq, json FROM documents
                 WHERE kind = 'sale' AND json_extract(json, '$.body.data.ticket_number') = ?1",
                [&number],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let row = match row {
            Some(r) => Some(r),
            None => self
                .conn
                .query_row(
                    "SELECT d.seq, d.json FROM full_invoices f JOIN documents d ON d.seq = f.sale_seq
                     WHERE f.number = ?1",
                    [&number],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?,
        };
        row.map(|(seq, j)| parse_doc(seq, &j)).transpose()
    }

    /// Everything earlier refunds took back from the sale `sale_id`.
    pub fn refunded_for(&self, sale_id: DocumentId) -> Result<Refunded> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, json FROM documents
             WHERE kind = 'refund' AND json_extract(json, '$.body.data.original_sale_id') = ?1
             ORDER BY seq",
        )?;
        let rows = stmt.query_map([sale_id.to_string()], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        let mut out = Refunded::default();
        for row in rows {
            let (seq, json) = row?;
            if let DocumentBody::Refund(r) = parse_doc(seq, &json)?.body {
                for l in &r.lines {
                    let q = out.quantities.entry(l.line_id).or_insert(Quantity::ZERO);
                    *q += l.quantity;
                }
                for p in &r.payments {
                    out.by_tender.push((p.tender, p.amount));
                }
            }
        }
        Ok(out)
    }

    /// The newest sale or refund, for "reprint last receipt".
    pub fn last_receipt_seq(&self) -> Result<Option<u64>> {
        let seq: Option<i64> = self.conn.query_row(
            "SELECT MAX(seq) FROM documents WHERE kind IN ('sale', 'refund')",
            [],
            |r| r.get(0),
        )?;
        Ok(seq.map(|s| s as u64))
    }
}
