//! Staff PIN checks (argon2 against the hashes HQ pushed) and the store's managers.

use super::{Ledger, Result, Staff};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use rusqlite::OptionalExtension;
use sync_protocol::{StaffId, StaffRole};

impl Ledger {
    /// Checks `pin` for the given member of staff (argon2 against the hash HQ pushed).
    pub fn verify_pin(&self, staff_id: StaffId, pin: &str) -> Result<Option<Staff>> {
        let row: Option<(i64, String, String, String)> = self
            .conn
            .query_row(
                "SELECT id, name, role, pin_hash FROM staff WHERE id = ?1 AND active = 1",
                [staff_id.0],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .optional()?;
        Ok(row.and_then(|r| staff_if_pin_matches(r, pin)))
    }

    /// Finds the active member of staff whose PIN this is (PIN-only login). Tries each hash, so
    /// it costs one argon2 verification per active staff member; fine for a store's staff list.
    pub fn find_staff_by_pin(&self, pin: &str) -> Result<Option<Staff>> {
        let mut stmt = self
            .conn
            .prepare("SELECT id, name, role, pin_hash FROM staff WHERE active = 1 ORDER BY id")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?;
        for row in rows {
            if let Some(s) = staff_if_pin_matches(row?, pin) {
                return Ok(Some(s));
            }
        }
        Ok(None)
    }

    /// The store's active managers as HQ sent them, by id (tools that open a shift unattended,
    /// such as the till simulator, open it in the first one's name).
    pub fn managers(&self) -> Result<Vec<Staff>> {
        let mut stmt = self.conn.prepare(
            "SELECT id, name FROM staff WHERE active = 1 AND role = 'manager' ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Staff {
                id: StaffId(r.get(0)?),
                name: r.get(1)?,
                role: StaffRole::Manager,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

fn staff_if_pin_matches(
    (id, name, role, hash): (i64, String, String, String),
    pin: &str,
) -> Option<Staff> {
    let parsed = match PasswordHash::new(&hash) {
        Ok(p) => p,
        Err(e) => {
            tracing::warn!(staff_id = id, error = %e, "unreadable PIN hash from HQ");
            return None;
        }
    };
    Argon2::default()
        .verify_password(pin.as_bytes(), &parsed)
        .ok()?;
    let role = if role == "manager" {
        StaffRole::Manager
    } else {
        StaffRole::Cashier
    };
    Some(Staff {
        id: StaffId(id),
        name,
        role,
    })
}

pub(super) fn role_str(role: StaffRole) -> &'static str {
    match role {
        StaffRole::Cashier => "cashier",
        StaffRole::Manager => "manager",
    }
}
