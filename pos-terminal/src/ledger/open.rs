//! Opening the ledger: the exclusive lock, WAL, migrations, setting a damaged file aside, and the
//! till's identity (enrolment).

use super::{
    LOCK_WAIT, Ledger, LedgerError, MIGRATIONS, OpenNote, Result, SCHEMA_VERSION, SERVER_PIN_KEY,
    TillIdentity, enrolment,
};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, ErrorCode, OptionalExtension, TransactionBehavior, params};
use std::path::{Path, PathBuf};
use std::time::Duration;
use sync_protocol::{EnrollResponse, FranchiseeId, StoreId, TillId};

fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::NotADatabase) | Some(ErrorCode::DatabaseCorrupt)
    )
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy) | Some(ErrorCode::DatabaseLocked)
    )
}

/// Outcome of the low-level open, before deciding what to do with a damaged file.
enum Probe {
    Ok(Connection),
    Corrupt(String),
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path`, applies pending migrations and takes the
    /// exclusive lock. A damaged file is renamed aside and reported as `CorruptSetAside`; the
    /// caller decides whether to start fresh (see [`Ledger::open_or_recover`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Ledger> {
        let path = path.as_ref().to_path_buf();
        match Self::probe(&path)? {
            Probe::Ok(conn) => {
                let mut ledger = Ledger {
                    conn,
                    path,
                    clock: None,
                    #[cfg(feature = "bench-baseline")]
                    skip_records: false,
                };
                ledger.migrate()?;
                ledger.replay_kinds_now_known()?;
                Ok(ledger)
            }
            Probe::Corrupt(reason) => {
                let aside = set_aside(&path)?;
                tracing::error!(original = %path.display(), set_aside = %aside.display(), %reason, "corrupt ledger set aside");
                Err(LedgerError::CorruptSetAside {
                    path: aside,
                    original: path,
                    reason,
                })
            }
        }
    }

    /// Like [`Ledger::open`], but when the file is damaged it is set aside and a new, empty
    /// ledger is created in its place. The note says where the old file went.
    pub fn open_or_recover(path: impl AsRef<Path>) -> Result<(Ledger, OpenNote)> {
        match Self::open(path.as_ref()) {
            Ok(l) => Ok((l, OpenNote::Opened)),
            Err(LedgerError::CorruptSetAside {
                path: aside,
                reason,
                ..
            }) => {
                let l = Self::open(path.as_ref())?;
                Ok((
                    l,
                    OpenNote::Recovered {
                        set_aside: aside,
                        reason,
                    },
                ))
            }
            Err(e) => Err(e),
        }
    }

    fn probe(path: &Path) -> Result<Probe> {
        let conn = Connection::open(path)?;
        conn.busy_timeout(LOCK_WAIT)?;
        // EXCLUSIVE before WAL: the lock is then held for the connection's lifetime and no
        // shared-memory index is used, so another process cannot even read the file.
        let _: String = conn.query_row("PRAGMA locking_mode = EXCLUSIVE", [], |r| r.get(0))?;
        let mode: String = match conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)) {
            Ok(m) => m,
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) if is_busy(&e) => {
                return Err(LedgerError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(e) => return Err(e.into()),
        };
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(LedgerError::Setup(format!(
                "could not switch the ledger to WAL (got {mode})"
            )));
        }
        // Take the write lock now rather than at the first sale, so a second process fails at start-up.
        match conn.execute_batch("BEGIN IMMEDIATE; COMMIT;") {
            Ok(()) => {}
            Err(e) if is_busy(&e) => {
                return Err(LedgerError::Locked {
                    path: path.to_path_buf(),
                });
            }
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) => return Err(e.into()),
        }
        match conn.query_row("PRAGMA quick_check", [], |r| r.get::<_, String>(0)) {
            Ok(s) if s == "ok" => {}
            Ok(s) => return Ok(Probe::Corrupt(format!("quick_check: {s}"))),
            Err(e) if is_corruption(&e) => return Ok(Probe::Corrupt(e.to_string())),
            Err(e) => return Err(e.into()),
        }
        conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
        // Stable plans: without this SQLite compiles a cached statement again whenever a new
        // binding might change its plan, which made every barcode scan re-prepare its lookup.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
            true,
        )?;
        conn.busy_timeout(Duration::from_secs(5))?;
        Ok(Probe::Ok(conn))
    }

    /// Applies pending migrations in one IMMEDIATE transaction, keyed on `user_version`.
    fn migrate(&mut self) -> Result<()> {
        let found: i64 = self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(LedgerError::TooNew {
                path: self.path.clone(),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if found == SCHEMA_VERSION {
            return Ok(());
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        for (i, (name, sql)) in MIGRATIONS.iter().enumerate().skip(found as usize) {
            tracing::info!(migration = name, "applying ledger migration");
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (i + 1) as i64)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Where this ledger lives.
    /// The till's clock: what documents are stamped with. The system clock, unless a simulation
    /// set it with [`Ledger::set_clock`].
    pub fn now(&self) -> DateTime<Utc> {
        self.clock.unwrap_or_else(Utc::now)
    }

    /// Benchmarks only (feature `bench-baseline`): from now on, commit sales, refunds and full
    /// invoices without their VERI*FACTU record. No till build has this (see
    /// [`RECORDS_CAN_BE_SKIPPED`]).
    #[cfg(feature = "bench-baseline")]
    pub fn bench_skip_verifactu_records(&mut self) {
        self.skip_records = true;
    }

    /// Sets the till's clock to `at` (`None`: back to the system clock). For simulations that ring
    /// days of trade in a moment (the server's demo history, tests); a till in a shop never calls it.
    pub fn set_clock(&mut self, at: Option<DateTime<Utc>>) {
        self.clock = at;
    }

    /// Commits without waiting for the disk. Only for a throwaway ledger a simulation fills and
    /// discards (the demo history): it gives up durable-before-printed, which a real till needs.
    pub fn relax_durability_for_simulation(&mut self) -> Result<()> {
        self.conn.execute_batch("PRAGMA synchronous = OFF;")?;
        Ok(())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version stored in the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }

    // ----- identity -------------------------------------------------------------------------

    /// Stores the identity HQ gave this till. A ledger is enrolled once: its counter and chain
    /// belong to that till id forever.
    pub fn enrol(
        &mut self,
        server_url: &str,
        resp: &EnrollResponse,
        device_name: &str,
    ) -> Result<TillIdentity> {
        self.enrol_pinned(server_url, resp, device_name, None)
    }

    /// [`Ledger::enrol`], keeping in the same transaction the fingerprint of HQ's certificate the
    /// enrolment link carried: from then on the till talks only to a server presenting it.
    pub fn enrol_pinned(
        &mut self,
        server_url: &str,
        resp: &EnrollResponse,
        device_name: &str,
        pin: Option<crate::pin::CertificatePin>,
    ) -> Result<TillIdentity> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        if let Some(pin) = pin {
            tx.execute(
                "INSERT INTO till_settings (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![SERVER_PIN_KEY, pin.hex()],
            )?;
        }
        if let Some(existing) = read_identity(&tx)? {
            return Err(LedgerError::AlreadyEnrolled(existing.till_id));
        }
        let server_url = server_url.trim_end_matches('/').to_string();
        tx.execute(
            "INSERT INTO till_identity (id, server_url, till_id, store_id, franchisee_id, ticket_series, token, device_name, enrolled_at)
             VALUES (1, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                server_url,
                resp.till_id.0,
                resp.store_id.0,
                resp.franchisee_id.0,
                resp.ticket_series,
                resp.token,
                device_name,
                Utc::now().to_rfc3339()
            ],
        )?;
        tx.execute("DELETE FROM till_settings WHERE key = ?1", [enrolment::KEY])?;
        tx.commit()?;
        Ok(TillIdentity {
            server_url,
            till_id: resp.till_id,
            store_id: resp.store_id,
            franchisee_id: resp.franchisee_id,
            ticket_series: resp.ticket_series.clone(),
            token: resp.token.clone(),
            device_name: device_name.to_string(),
        })
    }

    /// The fingerprint of HQ's certificate this till was enrolled with, if the link carried one.
    pub fn server_pin(&self) -> Result<Option<crate::pin::CertificatePin>> {
        let v: Option<String> = self
            .conn
            .query_row(
                "SELECT value FROM till_settings WHERE key = ?1",
                [SERVER_PIN_KEY],
                |r| r.get(0),
            )
            .optional()?;
        Ok(v.and_then(|v| crate::pin::CertificatePin::parse(&v)))
    }

    /// The enrolled identity, if any.
    pub fn identity(&self) -> Result<Option<TillIdentity>> {
        read_identity(&self.conn)
    }
}

pub(super) fn read_identity(conn: &Connection) -> Result<Option<TillIdentity>> {
    Ok(conn
        .query_row(
            "SELECT server_url, till_id, store_id, franchisee_id, ticket_series, token, device_name
             FROM till_identity WHERE id = 1",
            [],
            |r| {
                Ok(TillIdentity {
                    server_url: r.get(0)?,
                    till_id: TillId(r.get(1)?),
                    store_id: StoreId(r.get(2)?),
                    franchisee_id: FranchiseeId(r.get(3)?),
                    ticket_series: r.get(4)?,
                    token: r.get(5)?,
                    device_name: r.get(6)?,
                })
            },
        )
        .optional()?)
}

/// Renames a damaged ledger (and its WAL/SHM side files) to `<name>.corrupt-<timestamp>`.
/// Never deletes: the documents in it may be the only copy.
fn set_aside(path: &Path) -> Result<PathBuf> {
    let stamp = Utc::now().format("%Y%m%dT%H%M%S%.3fZ");
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "ledger.db".to_string());
    let mut aside = path.with_file_name(format!("{file_name}.corrupt-{stamp}"));
    let mut n = 1;
    while aside.exists() {
        aside = path.with_file_name(format!("{file_name}.corrupt-{stamp}-{n}"));
        n += 1;
    }
    std::fs::rename(path, &aside).map_err(|source| LedgerError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    for suffix in ["-wal", "-shm"] {
        let side = PathBuf::from(format!("{}{suffix}", path.display()));
        if side.exists() {
            let to = PathBuf::from(format!("{}{suffix}", aside.display()));
            std::fs::rename(&side, &to).map_err(|source| LedgerError::Io { path: side, source })?;
        }
    }
    Ok(aside)
}
