//! Manager approval: price overrides, refunds and "open drawer" need a manager's PIN, checked
//! against the staff list HQ pushed down (argon2 hashes in the ledger).

use std::sync::Mutex;

use pos_terminal::{Ledger, Staff};
use sync_protocol::StaffRole;

/// The manager whose PIN this is, or the message to show.
pub fn authorise(ledger: &Mutex<Ledger>, pin: &str) -> Result<Staff, String> {
    if pin.trim().is_empty() {
        return Err("Escriba el PIN del encargado.".into());
    }
    let found = ledger
        .lock()
        .map_err(|_| "el registro local no está disponible".to_string())?
        .find_staff_by_pin(pin.trim())
        .map_err(|e| e.to_string())?;
    match found {
        Some(s) if s.role == StaffRole::Manager => Ok(s),
        Some(_) => Err("Ese PIN no es de un encargado.".into()),
        None => Err("PIN de encargado incorrecto.".into()),
    }
}

/// Keeps only digits, as PIN fields do.
pub fn pin_digits(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).take(12).collect()
}
