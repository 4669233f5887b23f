//! The reprint queue (migration 0002), used by `printer::PrintQueue`.

use super::{Ledger, Result};
use chrono::Utc;
use rusqlite::params;

/// A receipt waiting in (or printed from) the reprint queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintJob {
    pub id: i64,
    /// The sale or refund it prints, if any (test pages and reports have none).
    pub doc_seq: Option<u64>,
    pub label: String,
    pub bytes: Vec<u8>,
    pub attempts: u32,
    pub last_error: Option<String>,
}

// Reprint queue (migration 0002), used by `printer::PrintQueue`.
impl Ledger {
    /// Stores a print job, durably, before anything is sent to the printer.
    pub fn enqueue_print(
        &mut self,
        doc_seq: Option<u64>,
        label: &str,
        bytes: &[u8],
    ) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO print_jobs (doc_seq, label, bytes, created) VALUES (?1, ?2, ?3, ?4)",
            params![
                doc_seq.map(|s| s as i64),
                label,
                bytes,
                Utc::now().to_rfc3339()
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Sales and refunds committed after the newest one with a print job and that have none: the
    /// till died between the sale's commit and queueing its receipt. Only ever the tail of the
    /// ledger (every sale and refund the till rings is queued, printer or not).
    pub fn receipts_never_queued(&self) -> Result<Vec<u64>> {
        let mut stmt = self.conn.prepare(
            "SELECT d.seq FROM documents d
             WHERE d.kind IN ('sale', 'refund')
               AND d.seq > (SELECT COALESCE(MAX(doc_seq), 0) FROM print_jobs)
               AND NOT EXISTS (SELECT 1 FROM print_jobs p WHERE p.doc_seq = d.seq)
             ORDER BY d.seq",
        )?;
        let rows = stmt.query_map([], |r| r.get::<_, i64>(0))?;
        Ok(rows
            .map(|r| r.map(|s| s as u64))
            .collect::<rusqlite::Result<_>>()?)
    }

    /// Jobs not printed yet, oldest first.
    pub fn pending_prints(&self, limit: usize) -> Result<Vec<PrintJob>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, doc_seq, label, bytes, attempts, last_error FROM print_jobs
             WHERE state = 'pending' ORDER BY id LIMIT ?1",
        )?;
        let rows = stmt.query_map([limit as i64], |r| {
            Ok(PrintJob {
                id: r.get(0)?,
                doc_seq: r.get::<_, Option<i64>>(1)?.map(|s| s as u64),
                label: r.get(2)?,
                bytes: r.get(3)?,
                attempts: r.get(4)?,
                last_error: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Marks a job printed (it stays in the table for audits).
    pub fn mark_printed(&mut self, id: i64) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET state = 'printed', attempts = attempts + 1, last_error = NULL, printed = ?2 WHERE id = ?1",
            params![id, Utc::now().to_rfc3339()],
        )?;
        Ok(())
    }

    /// Records a failed attempt; the job stays pending.
    pub fn note_print_failure(&mut self, id: i64, message: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE print_jobs SET attempts = attempts + 1, last_error = ?2 WHERE id = ?1",
            params![id, message],
        )?;
        Ok(())
    }
}
