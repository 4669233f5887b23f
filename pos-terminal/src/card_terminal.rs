//! Card payments through a payment terminal ("datáfono"), with one rule above all: **never charge
//! twice, never lose a paid sale**.
//!
//! The till talks to the terminal through [`PaymentTerminal`]; the one protocol behind it is
//! OPI, the IFSF Open Payment Initiative (see [`opi`] for why). Around every request the ledger
//! keeps a durable *card attempt* (migration `0010_card_attempts`):
//!
//! 1. before the request leaves the till, the attempt (request id, amount, the cart and the
//!    tenders already noted) is committed in its own transaction, as `open`;
//! 2. the terminal's answer closes it: approved → the sale is committed with the terminal's
//!    reference, in the same transaction that marks the attempt `committed`; declined or
//!    cancelled → closed, nothing charged;
//! 3. no answer (timeout, a dropped connection, the till dying) leaves it `open`. [`recover`] —
//!    run when the till starts, and before any new card request — aborts whatever the terminal
//!    may still be doing and asks it for the outcome of that request id: approved → the sale is
//!    committed from the stored cart; declined, cancelled or unknown to the terminal → closed.
//!    While the terminal cannot be reached the attempt stays open and **no new card request is
//!    sent** (the ledger refuses a second unresolved attempt).
//!
//! Why the sale is committed on recovery rather than handed back to the cashier: the customer's
//! money was taken, so the fiscal ticket for it must exist (RD 1007/2023: every sale invoiced,
//! the books matching the bank). The stored cart is exactly what was charged; if the customer
//! left without the goods, a refund is its own document, as with any other sale.

pub mod opi;

use std::time::Duration;

use sync_protocol::{Document, Money, Payment, StaffId};

use crate::cart::{CartLine, card_payment};
use crate::ledger::{AttemptEnd, CardAttempt, CardAttemptState, Ledger, LedgerError, WithLedger};

/// What the till asks the terminal to charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentRequest {
    /// The till's id for this request (the card attempt's id), echoed by the terminal.
    pub request_id: String,
    pub amount: Money,
    /// ISO 4217; the till only charges euros.
    pub currency: String,
}

/// What the terminal answered about a payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Charged. `approval_code` is the issuer's authorisation code; `stan` the terminal's trace
    /// number; `card` the scheme (VISA, MasterCard…), when the terminal says.
    Approved {
        approval_code: String,
        stan: Option<String>,
        card: Option<String>,
    },
    /// Refused (by the card's bank, or the terminal could not take it); nothing charged.
    Declined { reason: String },
    /// Cancelled at the terminal or aborted by the till; nothing charged.
    Cancelled,
}

impl Outcome {
    /// The reference kept on the sale's card payment (and printed): the approval code, with the
    /// terminal's trace number when there is one.
    pub fn reference(&self) -> Option<String> {
        match self {
            Outcome::Approved {
                approval_code,
                stan: Some(stan),
                ..
            } => Some(format!("{approval_code} STAN {stan}")),
            Outcome::Approved { approval_code, .. } => Some(approval_code.clone()),
            _ => None,
        }
    }
}

/// The terminal's answer about an earlier request (after a crash or a timeout).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    Found(Outcome),
    /// The terminal has no outcome for that request: it never processed it, so nothing was charged.
    NotFound,
}

/// Why the terminal gave no usable answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TerminalError {
    /// The connection could not be made: the request never left the till.
    #[error("the card terminal at {address} cannot be reached: {reason}")]
    Unreachable { address: String, reason: String },
    /// The request was sent but no answer came (in time, or the connection dropped): its outcome
    /// is unknown until the terminal is asked.
    #[error("the card terminal did not answer: {0}")]
    NoAnswer(String),
    /// The answer could not be understood: outcome unknown as well.
    #[error("the card terminal's answer is not understood: {0}")]
    Protocol(String),
}

/// A payment terminal. Calls block (the app runs them off the UI thread); `abort` may be called
/// from another thread while `pay` waits.
pub trait PaymentTerminal: Send + Sync {
    /// Asks the terminal to charge; returns when the customer and the bank have decided.
    fn pay(&self, request: &PaymentRequest) -> Result<Outcome, TerminalError>;
    /// Cancels whatever the terminal is doing for this till (harmless when it is idle).
    fn abort(&self) -> Result<(), TerminalError>;
    /// What became of request `request_id`, which asked for `amount`: an approval of any other
    /// amount is a [`TerminalError::Protocol`] (the attempt stays open for the manager, never
    /// recorded as paid).
    fn outcome_of(&self, request_id: &str, amount: Money) -> Result<Lookup, TerminalError>;
}

/// The sale a card payment is for: the cart, the tenders noted before the card (e.g. part in
/// cash), and the cashier. Stored with the attempt so a paid sale can be committed after a crash.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CardSale {
    pub cashier: Option<StaffId>,
    pub lines: Vec<CartLine>,
    pub ticket_discount: Money,
    pub other_payments: Vec<Payment>,
}

/// How a card charge ended, for the till to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Charge {
    /// Approved and the sale committed (the document).
    Paid(Box<Document>),
    Declined(String),
    /// Cancelled at the terminal (or by the till's Cancel); nothing charged.
    Cancelled,
    /// The terminal did not answer in time; the till aborted and the terminal confirmed nothing
    /// was charged.
    TimedOut,
    /// The request never left the till (terminal unreachable); nothing charged.
    Unreachable(String),
    /// Sent, but its outcome is still unknown (the terminal stopped answering). The attempt stays
    /// open; the till asks again before any other card request and at its next start.
    Unknown {
        request_id: String,
        reason: String,
    },
    /// An earlier card payment's outcome is still unknown: nothing was sent for this cart.
    Outstanding {
        request_id: String,
        reason: String,
    },
    /// An earlier attempt (another cart) turned out approved and its sale was committed now;
    /// nothing was sent for this cart.
    EarlierSaleRecorded(Box<Document>),
    /// The terminal approved but the sale could not be committed (e.g. no shift open): the
    /// approval is kept in the ledger and the sale committed at the next try.
    NotRecorded {
        reference: String,
        error: String,
    },
    /// The ledger refused to start the attempt; nothing sent.
    Failed(String),
}

/// What [`recover`] did with the attempt left unresolved, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recovery {
    /// No attempt was unresolved.
    Nothing,
    /// The terminal had approved it: its sale is now committed.
    Committed(Box<Document>),
    /// Declined, cancelled or unknown to the terminal: closed, nothing charged.
    Closed {
        request_id: String,
        state: CardAttemptState,
    },
    /// Still unknown (terminal unreachable or silent): left open.
    StillOpen { request_id: String, reason: String },
    /// Approved, but the sale could not be committed yet (left approved).
    NotRecorded { request_id: String, error: String },
}

/// How long `recover` lets the terminal settle after an abort before asking for the outcome.
const SETTLE: Duration = Duration::from_millis(50);

fn locked<T: Send + 'static>(
    ledger: &impl WithLedger,
    f: impl FnOnce(&mut Ledger) -> Result<T, LedgerError> + Send + 'static,
) -> Result<T, String> {
    match ledger.with_ledger(f) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(e) => Err(e.to_string()),
    }
}

fn commit(ledger: &impl WithLedger, attempt: &CardAttempt) -> Result<Document, String> {
    let request_id = attempt.request_id.clone();
    locked(ledger, move |l| l.commit_card_sale(&request_id))
}

/// Resolves the attempt left open or approved (after a crash, a timeout, a lost connection).
/// Never sends a payment: it aborts what the terminal may still be doing and asks for the outcome.
pub fn recover(ledger: &impl WithLedger, terminal: &dyn PaymentTerminal) -> Recovery {
    let attempt = match locked(ledger, |l| l.unresolved_card_attempt()) {
        Ok(Some(a)) => a,
        Ok(None) => return Recovery::Nothing,
        Err(reason) => {
            return Recovery::StillOpen {
                request_id: String::new(),
                reason,
            };
        }
    };
    if attempt.state == CardAttemptState::Open {
        // The terminal may still be waiting for the card or the PIN: stop it, so the outcome we
        // are told is final.
        if let Err(e) = terminal.abort() {
            tracing::warn!(error = %e, request_id = %attempt.request_id, "abort before recovery");
            if matches!(e, TerminalError::Unreachable { .. }) {
                return Recovery::StillOpen {
                    request_id: attempt.request_id,
                    reason: e.to_string(),
                };
            }
        }
        std::thread::sleep(SETTLE);
        let lookup = match terminal.outcome_of(&attempt.request_id, attempt.amount) {
            Ok(l) => l,
            Err(e) => {
                return Recovery::StillOpen {
                    request_id: attempt.request_id,
                    reason: e.to_string(),
                };
            }
        };
        let end = match lookup {
            Lookup::Found(o @ Outcome::Approved { .. }) => {
                let reference = o.reference().unwrap_or_default();
                let request_id = attempt.request_id.clone();
                if let Err(error) = locked(ledger, move |l| {
                    l.note_card_approved(&request_id, &reference)
                }) {
                    return Recovery::NotRecorded {
                        request_id: attempt.request_id,
                        error,
                    };
                }
                None
            }
            Lookup::Found(Outcome::Declined { reason }) => Some((AttemptEnd::Declined, reason)),
            Lookup::Found(Outcome::Cancelled) => {
                Some((AttemptEnd::Cancelled, "cancelled".to_string()))
            }
            Lookup::NotFound => Some((
                AttemptEnd::Failed,
                "the terminal has no record of this request".to_string(),
            )),
        };
        if let Some((end, detail)) = end {
            let state = end.state();
            let request_id = attempt.request_id.clone();
            return match locked(ledger, move |l| {
                l.close_card_attempt(&request_id, end, &detail)
            }) {
                Ok(()) => Recovery::Closed {
                    request_id: attempt.request_id,
                    state,
                },
                Err(reason) => Recovery::StillOpen {
                    request_id: attempt.request_id,
                    reason,
                },
            };
        }
    }
    match commit(ledger, &attempt) {
        Ok(doc) => {
            tracing::info!(request_id = %attempt.request_id, seq = doc.seq, "approved card payment recovered; sale committed");
            Recovery::Committed(Box::new(doc))
        }
        Err(error) => Recovery::NotRecorded {
            request_id: attempt.request_id,
            error,
        },
    }
}

/// Charges `amount` (what is left of the sale) on the terminal and, when approved, commits the
/// sale with the card payment. An attempt left unresolved is recovered first; a second request is
/// never sent while one's outcome is unknown. The ledger is locked only around its own steps,
/// never while the terminal is waited for.
pub fn charge(
    ledger: &impl WithLedger,
    terminal: &dyn PaymentTerminal,
    sale: &CardSale,
    amount: Money,
) -> Charge {
    match recover(ledger, terminal) {
        Recovery::Nothing | Recovery::Closed { .. } => {}
        Recovery::Committed(doc) => {
            // The earlier attempt was this very cart (the cashier pressed again after a lost
            // answer): it is paid. Otherwise it was another cart, now recorded.
            let same = matches!(
                locked(ledger, {
                    let seq = doc.seq;
                    move |l| l.card_attempt_for_seq(seq)
                }),
                Ok(Some(a)) if a.cart_key == crate::ledger::cart_key(sale)
            );
            return if same {
                Charge::Paid(doc)
            } else {
                Charge::EarlierSaleRecorded(doc)
            };
        }
        Recovery::StillOpen { request_id, reason } => {
            return Charge::Outstanding { request_id, reason };
        }
        Recovery::NotRecorded { request_id, error } => {
            return Charge::NotRecorded {
                reference: request_id,
                error,
            };
        }
    }
    let owned_sale = sale.clone();
    let attempt = match locked(ledger, move |l| l.begin_card_attempt(&owned_sale, amount)) {
        Ok(a) => a,
        Err(e) => return Charge::Failed(e),
    };
    let request = PaymentRequest {
        request_id: attempt.request_id.clone(),
        amount,
        currency: "EUR".to_string(),
    };
    let close = |end: AttemptEnd, detail: &str| {
        let (request_id, detail) = (request.request_id.clone(), detail.to_string());
        if let Err(e) = locked(ledger, move |l| {
            l.close_card_attempt(&request_id, end, &detail)
        }) {
            tracing::error!(error = %e, request_id = %request.request_id, "card attempt not closed");
        }
    };
    match terminal.pay(&request) {
        Ok(o @ Outcome::Approved { .. }) => {
            let reference = o.reference().unwrap_or_default();
            let (request_id, approved) = (request.request_id.clone(), reference.clone());
            if let Err(error) = locked(ledger, move |l| {
                l.note_card_approved(&request_id, &approved)
            }) {
                return Charge::NotRecorded { reference, error };
            }
            match commit(ledger, &attempt) {
                Ok(doc) => Charge::Paid(Box::new(doc)),
                Err(error) => Charge::NotRecorded { reference, error },
            }
        }
        Ok(Outcome::Declined { reason }) => {
            close(AttemptEnd::Declined, &reason);
            Charge::Declined(reason)
        }
        Ok(Outcome::Cancelled) => {
            close(AttemptEnd::Cancelled, "cancelled");
            Charge::Cancelled
        }
        Err(TerminalError::Unreachable { address, reason }) => {
            // Nothing reached the terminal: nothing can have been charged.
            let e = TerminalError::Unreachable { address, reason };
            close(AttemptEnd::Failed, &e.to_string());
            Charge::Unreachable(e.to_string())
        }
        Err(e) => {
            tracing::warn!(error = %e, request_id = %request.request_id, "no answer from the card terminal; asking for the outcome");
            match recover(ledger, terminal) {
                Recovery::Committed(doc) => Charge::Paid(doc),
                Recovery::Closed { state, .. } => match state {
                    CardAttemptState::Declined => Charge::Declined(e.to_string()),
                    _ => Charge::TimedOut,
                },
                Recovery::StillOpen { request_id, reason } => {
                    Charge::Unknown { request_id, reason }
                }
                Recovery::NotRecorded { request_id, error } => Charge::NotRecorded {
                    reference: request_id,
                    error,
                },
                Recovery::Nothing => Charge::TimedOut,
            }
        }
    }
}

/// A card payment for `amount` with the terminal's reference (the sale's card tender).
pub(crate) fn approved_payment(amount: Money, reference: &str) -> Payment {
    card_payment(amount, Some(reference.to_string()))
}
