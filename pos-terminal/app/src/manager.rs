//! Manager approval: price overrides, refunds and "open drawer" need a manager's PIN, checked
//! against the staff list HQ pushed down (argon2 hashes in the ledger). The check runs on the
//! ledger's thread ([`lookup`]); its answer comes back as a message and [`verdict`] reads it.

use crate::key;
use iced::Task;
use pos_terminal::{CallError, LedgerHandle, Staff};
use sync_protocol::StaffRole;

use crate::i18n::I18n;
use crate::ledger_task;

/// The ledger's answer to "whose PIN is this?".
pub type Lookup = Result<Result<Option<Staff>, String>, CallError>;

/// Asks the ledger whose PIN `pin` is, off the UI thread; `Err` (the message to show) at once
/// when no PIN was typed.
pub fn lookup<M: Send + 'static>(
    ledger: &LedgerHandle,
    pin: &str,
    tr: &I18n,
    to_message: impl FnOnce(Lookup) -> M + Send + 'static,
) -> Result<Task<M>, String> {
    let pin = pin.trim().to_string();
    if pin.is_empty() {
        return Err(tr.t(key!("manager-pin-missing")));
    }
    Ok(ledger_task::ask(
        ledger,
        move |l| l.find_staff_by_pin(&pin).map_err(|e| e.to_string()),
        to_message,
    ))
}

/// The manager whose PIN it was, or the message to show.
pub fn verdict(found: Lookup, tr: &I18n) -> Result<Staff, String> {
    match found {
        Ok(Ok(Some(s))) if s.role == StaffRole::Manager => Ok(s),
        Ok(Ok(Some(_))) => Err(tr.t(key!("manager-pin-not-manager"))),
        Ok(Ok(None)) => Err(tr.t(key!("manager-pin-wrong"))),
        Ok(Err(e)) => Err(e),
        Err(e) => Err(ledger_task::call_error(&e, tr)),
    }
}

/// Keeps only digits, as PIN fields do.
pub fn pin_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).take(12).collect()
}
