//! Card attempts: the durable note written before a payment request leaves the till, so a crash
//! between the terminal approving and the sale committing is resolved at the next start (see
//! [`crate::card_terminal`]). At most one attempt is unresolved (`open` or `approved`) at a time.

use rusqlite::{OptionalExtension, Row, TransactionBehavior, params};
use sha2::{Digest, Sha256};
use sync_protocol::{Document, Money};
use uuid::Uuid;

use super::{Ledger, LedgerError, Result};
use crate::card_terminal::{CardSale, approved_payment};

/// Where a card attempt stands (the `state` column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardAttemptState {
    /// Sent (or about to be); outcome unknown.
    Open,
    /// Approved by the terminal; the sale is not committed yet.
    Approved,
    /// The sale with this card payment is in the ledger.
    Committed,
    Declined,
    Cancelled,
    /// Never reached the terminal, or the terminal has no record of it: nothing charged.
    Failed,
}

impl CardAttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Approved => "approved",
            Self::Committed => "committed",
            Self::Declined => "declined",
            Self::Cancelled => "cancelled",
            Self::Failed => "failed",
        }
    }

    fn parse(s: &str) -> Result<Self> {
        Ok(match s {
            "open" => Self::Open,
            "approved" => Self::Approved,
            "committed" => Self::Committed,
            "declined" => Self::Declined,
            "cancelled" => Self::Cancelled,
            "failed" => Self::Failed,
            other => {
                return Err(LedgerError::CardAttempt(
                    String::new(),
                    format!("unknown state {other:?}"),
                ));
            }
        })
    }
}

/// How an open attempt ended without a charge.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttemptEnd {
    Declined,
    Cancelled,
    Failed,
}

impl AttemptEnd {
    pub fn state(self) -> CardAttemptState {
        match self {
            Self::Declined => CardAttemptState::Declined,
            Self::Cancelled => CardAttemptState::Cancelled,
            Self::Failed => CardAttemptState::Failed,
        }
    }
}

/// One card attempt as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CardAttempt {
    pub request_id: String,
    pub amount: Money,
    pub cart_key: String,
    pub sale: CardSale,
    pub state: CardAttemptState,
    pub reference: Option<String>,
    pub detail: Option<String>,
    pub sale_seq: Option<u64>,
}

/// The identity of a cart: SHA-256 of its lines and ticket discount (the tenders are left out, so
/// the same cart paid again is recognised).
pub fn cart_key(sale: &CardSale) -> String {
    let json = serde_json::to_string(&(&sale.lines, sale.ticket_discount)).unwrap_or_default();
    hex::encode(Sha256::digest(json.as_bytes()))
}

const COLUMNS: &str =
    "request_id, amount_cents, cart_key, cart_json, state, reference, detail, sale_seq";

fn from_row(r: &Row<'_>) -> rusqlite::Result<(CardAttempt, String, String)> {
    let seq: Option<i64> = r.get(7)?;
    Ok((
        CardAttempt {
            request_id: r.get(0)?,
            amount: Money::from_cents(r.get(1)?),
            cart_key: r.get(2)?,
            sale: CardSale {
                cashier: None,
                lines: Vec::new(),
                ticket_discount: Money::ZERO,
                other_payments: Vec::new(),
            },
            state: CardAttemptState::Open,
            reference: r.get(5)?,
            detail: r.get(6)?,
            sale_seq: seq.map(|s| s as u64),
        },
        r.get(3)?,
        r.get(4)?,
    ))
}

fn finish(row: Option<(CardAttempt, String, String)>) -> Result<Option<CardAttempt>> {
    let Some((mut a, json, state)) = row else {
        return Ok(None);
    };
    a.state = CardAttemptState::parse(&state)?;
    a.sale = serde_json::from_str(&json).map_err(|e| {
        LedgerError::CardAttempt(a.request_id.clone(), format!("stored cart unreadable: {e}"))
    })?;
    Ok(Some(a))
}

impl Ledger {
    fn card_attempt_where(
        &self,
        clause: &str,
        values: impl rusqlite::Params,
    ) -> Result<Option<CardAttempt>> {
        let row = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM card_attempts WHERE {clause}"),
                values,
                from_row,
            )
            .optional()?;
        finish(row)
    }

    /// The attempt whose outcome is not settled (`open`) or whose approved sale is not committed
    /// yet (`approved`), if any.
    pub fn unresolved_card_attempt(&self) -> Result<Option<CardAttempt>> {
        self.card_attempt_where("state IN ('open', 'approved')", params![])
    }

    pub fn card_attempt(&self, request_id: &str) -> Result<Option<CardAttempt>> {
        self.card_attempt_where("request_id = ?1", [request_id])
    }

    /// The attempt whose approved payment is in sale document `seq`.
    pub fn card_attempt_for_seq(&self, seq: u64) -> Result<Option<CardAttempt>> {
        self.card_attempt_where("sale_seq = ?1", [seq as i64])
    }

    /// How many attempts are in `state` (reports and tests).
    pub fn card_attempts_in(&self, state: CardAttemptState) -> Result<u64> {
        let n: i64 = self.conn.query_row(
            "SELECT COUNT(*) FROM card_attempts WHERE state = ?1",
            [state.as_str()],
            |r| r.get(0),
        )?;
        Ok(n as u64)
    }

    /// Writes and commits a new `open` attempt for `amount` of `sale`, before anything is sent to
    /// the terminal. Refused while another attempt is unresolved: its outcome must be known first.
    pub fn begin_card_attempt(&mut self, sale: &CardSale, amount: Money) -> Result<CardAttempt> {
        if amount <= Money::ZERO {
            return Err(LedgerError::Invalid(
                "a card payment must be for more than zero".to_string(),
            ));
        }
        let json = serde_json::to_string(sale)
            .map_err(|e| LedgerError::Invalid(format!("cannot store the cart: {e}")))?;
        let key = cart_key(sale);
        let request_id = Uuid::now_v7().simple().to_string();
        let now = self.now().to_rfc3339();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let open: Option<String> = tx
            .query_row(
                "SELECT request_id FROM card_attempts WHERE state IN ('open', 'approved')",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if let Some(request_id) = open {
            return Err(LedgerError::CardAttemptUnresolved { request_id });
        }
        tx.execute(
            "INSERT INTO card_attempts (request_id, amount_cents, currency, cart_key, cart_json, state, created)
             VALUES (?1, ?2, 'EUR', ?3, ?4, 'open', ?5)",
            params![request_id, amount.cents(), key, json, now],
        )?;
        tx.commit()?;
        Ok(CardAttempt {
            request_id,
            amount,
            cart_key: key,
            sale: sale.clone(),
            state: CardAttemptState::Open,
            reference: None,
            detail: None,
            sale_seq: None,
        })
    }

    /// The terminal approved `request_id` with `reference`: kept before the sale is committed, so
    /// the approval survives whatever happens next.
    pub fn note_card_approved(&mut self, request_id: &str, reference: &str) -> Result<()> {
        let now = self.now().to_rfc3339();
        let n = self.conn.execute(
            "UPDATE card_attempts SET state = 'approved', reference = ?2, resolved = ?3
             WHERE request_id = ?1 AND state = 'open'",
            params![request_id, reference, now],
        )?;
        if n == 1 {
            return Ok(());
        }
        match self.card_attempt(request_id)? {
            Some(a) if a.state == CardAttemptState::Approved => Ok(()),
            Some(a) => Err(LedgerError::CardAttempt(
                request_id.to_string(),
                format!("cannot be approved: it is {}", a.state.as_str()),
            )),
            None => Err(LedgerError::CardAttempt(
                request_id.to_string(),
                "no such attempt".to_string(),
            )),
        }
    }

    /// Closes the open attempt `request_id` without a charge.
    pub fn close_card_attempt(
        &mut self,
        request_id: &str,
        end: AttemptEnd,
        detail: &str,
    ) -> Result<()> {
        let now = self.now().to_rfc3339();
        let n = self.conn.execute(
            "UPDATE card_attempts SET state = ?2, detail = ?3, resolved = ?4
             WHERE request_id = ?1 AND state = 'open'",
            params![request_id, end.state().as_str(), detail, now],
        )?;
        if n == 1 {
            Ok(())
        } else {
            Err(LedgerError::CardAttempt(
                request_id.to_string(),
                "is not open".to_string(),
            ))
        }
    }

    /// A manager closes the open attempt `request_id` by hand, having checked at the terminal (or on
    /// the bank statement) that nothing was charged: for a terminal that is gone or never answers,
    /// whose attempt recovery cannot settle and which otherwise blocks every new card request.
    /// Only an `open` attempt: an `approved` one was charged, and recovery commits its sale. The
    /// manager and their reason are kept with the attempt.
    pub fn abandon_card_attempt(
        &mut self,
        request_id: &str,
        manager: &crate::Staff,
        reason: &str,
    ) -> Result<()> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(LedgerError::Invalid(
                "closing a card attempt by hand needs a reason".to_string(),
            ));
        }
        self.close_card_attempt(
            request_id,
            AttemptEnd::Failed,
            &format!(
                "closed by hand by manager {} (staff {}): {reason}",
                manager.name, manager.id.0
            ),
        )?;
        tracing::warn!(request_id, manager = %manager.name, reason, "card attempt closed by hand");
        Ok(())
    }

    /// Commits the sale of the approved attempt `request_id` — its stored cart, the tenders noted
    /// before the card, and the card payment with the terminal's reference — and marks the attempt
    /// `committed`, in one transaction: a sale is recorded once per approval, never twice.
    pub fn commit_card_sale(&mut self, request_id: &str) -> Result<Document> {
        let a = self.card_attempt(request_id)?.ok_or_else(|| {
            LedgerError::CardAttempt(request_id.to_string(), "no such attempt".to_string())
        })?;
        if a.state != CardAttemptState::Approved {
            return Err(LedgerError::CardAttempt(
                request_id.to_string(),
                format!("is {}, not approved", a.state.as_str()),
            ));
        }
        let reference = a.reference.clone().unwrap_or_default();
        let mut payments = a.sale.other_payments.clone();
        payments.push(approved_payment(a.amount, &reference));
        let now = self.now().to_rfc3339();
        let id = a.request_id.clone();
        self.record_sale_then(
            a.sale.cashier,
            a.sale.lines,
            a.sale.ticket_discount,
            payments,
            |tx| {
                let n = tx.execute(
                    "UPDATE card_attempts SET state = 'committed', resolved = ?2,
                         sale_seq = (SELECT last_seq FROM counter WHERE id = 1)
                     WHERE request_id = ?1 AND state = 'approved'",
                    params![id, now],
                )?;
                if n == 1 {
                    Ok(())
                } else {
                    Err(LedgerError::CardAttempt(
                        id.clone(),
                        "was committed meanwhile".to_string(),
                    ))
                }
            },
        )
    }
}
