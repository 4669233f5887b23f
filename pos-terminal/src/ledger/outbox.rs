//! The outbox: documents HQ has not acknowledged yet, acks, conflicts and push failures.

use super::{Ledger, LedgerError, Result, parse_doc};
use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, TransactionBehavior, params};
use sync_protocol::Document;

impl Ledger {
    /// Up to `limit` unacknowledged documents (not those in conflict), in sequence order, each
    /// with its VERI*FACTU record: records travel to HQ beside their documents.
    pub fn pending_outbox(&self, limit: usize) -> Result<Vec<Document>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.seq, d.json, v.json FROM outbox o JOIN documents d ON d.seq = o.seq
             LEFT JOIN verifactu_records v ON v.doc_seq = d.seq
             WHERE o.state = 'pending' ORDER BY o.seq LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, Option<String>>(2)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (seq, json, record) = row?;
            let mut doc = parse_doc(seq, &json)?;
            if let Some(r) = record {
                doc.verifactu = Some(Box::new(serde_json::from_str(&r).map_err(|e| {
                    LedgerError::Fiscal(format!(
                        "the VERI*FACTU record of document {seq} cannot be read: {e}"
                    ))
                })?));
            }
            out.push(doc);
        }
        Ok(out)
    }

    /// Drops outbox rows HQ has durably stored. Only call with sequences HQ acknowledged
    /// (status stored or duplicate). Returns how many rows were removed.
    pub fn ack(&mut self, seqs: &[u64]) -> Result<usize> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached("DELETE FROM outbox WHERE seq = ?1")?;
            for &s in seqs {
                n += stmt.execute([s as i64])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }

    /// Marks a document HQ reported as a conflict. It stays in the outbox (never dropped) but is
    /// no longer pushed; the till shows it and HQ has raised an alert.
    pub fn mark_conflict(&mut self, seq: u64, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET state = 'conflict', attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            params![seq as i64, message],
        )?;
        Ok(())
    }

    /// Notes a failed push attempt for these documents (for the sync status screen).
    pub fn note_push_failure(&mut self, seqs: &[u64], message: &str) -> Result<()> {
        let tx = self.conn.transaction()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?2 WHERE seq = ?1",
            )?;
            for &s in seqs {
                stmt.execute(params![s as i64, message])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    /// Documents not yet acknowledged by HQ, conflicts included: what the till shows as "waiting".
    pub fn outbox_len(&self) -> Result<u64> {
        let n: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get(0))?;
        Ok(n as u64)
    }

    /// Till time of the oldest document HQ has not acknowledged, for the "waiting since" display
    /// (and for refusing a logout while documents are waiting).
    pub fn oldest_unacknowledged(&self) -> Result<Option<DateTime<Utc>>> {
        let created: Option<String> = self.conn.query_row(
            "SELECT d.created FROM outbox o JOIN documents d ON d.seq = o.seq ORDER BY o.seq LIMIT 1",
            [],
            |r| r.get(0),
        ).optional()?;
        created
            .map(|c| {
                DateTime::parse_from_rfc3339(&c)
                    .map(|t| t.with_timezone(&Utc))
                    .map_err(|e| LedgerError::Invalid(format!("bad stored time '{c}': {e}")))
            })
            .transpose()
    }

    /// Documents held back because HQ reported a conflict, with HQ's message.
    pub fn conflicts(&self) -> Result<Vec<(u64, String)>> {
        let mut stmt = self.conn.prepare(
            "SELECT seq, COALESCE(last_error, '') FROM outbox WHERE state = 'conflict' ORDER BY seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, i64>(0)? as u64, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
