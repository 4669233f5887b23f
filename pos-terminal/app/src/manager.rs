//! Manager approval: price overrides, refunds and "open drawer" need a manager's PIN, checked
//! against the staff list HQ pushed down (argon2 hashes in the ledger).

use std::sync::Mutex;

use pos_terminal::{Ledger, Staff};
use sync_protocol::StaffRole;

use crate::i18n::I18n;

/// The manager whose PIN this is, or the message to show.
pub fn authorise(ledger: &Mutex<Ledger>, pin: &str, tr: &I18n) -> Result<Staff, String> {
    if pin.trim().is_empty() {
        return Err(tr.t("manager-pin-missing"));
    }
    let found = ledger
        .lock()
        .map_err(|_| tr.t("registry-unavailable"))?
        .find_staff_by_pin(pin.trim())
        .map_err(|e| e.to_string())?;
    match found {
        Some(s) if s.role == StaffRole::Manager => Ok(s),
        Some(_) => Err(tr.t("manager-pin-not-manager")),
        None => Err(tr.t("manager-pin-wrong")),
    }
}

/// Keeps only digits, as PIN fields do.
pub fn pin_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).take(12).collect()
}
