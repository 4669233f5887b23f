//! A retryable enrolment: the till makes an enrolment id and stores it with the code *before* the
//! first attempt, and sends the same id on every retry, so HQ can answer a retry of an enrolment
//! it already committed (its answer lost) with the same identity instead of "code already used".

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::{Ledger, LedgerError, Result};

/// `till_settings` key of the enrolment in progress; removed by `Ledger::enrol`.
pub(super) const KEY: &str = "pending_enrolment";

#[derive(Debug, Serialize, Deserialize)]
struct Pending {
    /// Where the first attempt went (for a person reading the ledger).
    server_url: String,
    /// The code as HQ compares it (no spaces or dashes, upper case).
    code: String,
    enrolment_id: String,
}

/// The code as HQ reads it, so "k7p2-qx9m" typed again matches "K7P2QX9M" typed before.
fn normalise(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

impl Ledger {
    /// The enrolment id to send with `code` to `server_url`: the one stored by an earlier attempt
    /// with the same code (its answer may have been lost), otherwise a new random one,
    /// committed before this returns so that a crash after sending still retries with it.
    pub fn enrolment_id_for(&mut self, server_url: &str, code: &str) -> Result<String> {
        let server_url = server_url.trim().trim_end_matches('/').to_string();
        let code = normalise(code);
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let stored: Option<String> = tx
            .query_row(
                "SELECT value FROM till_settings WHERE key = ?1",
                [KEY],
                |r| r.get(0),
            )
            .optional()?;
        // The same code is the same enrolment even if the address was typed differently (a code
        // belongs to one HQ); the id is only a nonce, so reusing it is harmless.
        if let Some(p) = stored.and_then(|s| serde_json::from_str::<Pending>(&s).ok())
            && p.code == code
        {
            return Ok(p.enrolment_id);
        }
        let p = Pending {
            server_url,
            code,
            enrolment_id: uuid::Uuid::new_v4().to_string(),
        };
        let json = serde_json::to_string(&p)
            .map_err(|e| LedgerError::Invalid(format!("cannot record the enrolment: {e}")))?;
        tx.execute(
            "INSERT INTO till_settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![KEY, json],
        )?;
        tx.commit()?;
        Ok(p.enrolment_id)
    }
}
