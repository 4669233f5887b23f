//! The embedded backend: one SQLite file in WAL mode with `synchronous=FULL`. One writer connection
//! does every write (SQLite has one writer anyway) and a few read connections answer reports beside
//! it, so a long report never holds up a till's push. Calls run on tokio's blocking pool.

use super::db::{ColType, Dialect, Row, Tx, TxFn, Value};
use super::{StorageError, StorageResult, sql};
use async_trait::async_trait;
use rusqlite::Connection;
use rusqlite::types::{ToSqlOutput, ValueRef};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Read connections kept beside the writer.
const READERS: usize = 4;

impl From<rusqlite::Error> for StorageError {
    fn from(e: rusqlite::Error) -> Self {
        if let rusqlite::Error::SqliteFailure(f, msg) = &e
            && f.code == rusqlite::ErrorCode::ConstraintViolation
            && matches!(f.extended_code, 2067 | 1555)
        {
            return StorageError::Conflict(sql::unique_violation(
                msg.as_deref().unwrap_or_default(),
            ));
        }
        tracing::error!(error = %e, "sqlite error");
        StorageError::Backend(e.to_string())
    }
}

impl rusqlite::ToSql for Value<'_> {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(match *self {
            Value::Null => ValueRef::Null,
            Value::Int(v) => ValueRef::Integer(v),
            Value::Bool(b) => ValueRef::Integer(i64::from(b)),
            Value::Text(s) => ValueRef::Text(s.as_bytes()),
            Value::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

fn row_of(r: &rusqlite::Row<'_>, n: usize) -> rusqlite::Result<Row> {
    use super::db::Cell;
    let mut cells = Vec::with_capacity(n);
    for i in 0..n {
        cells.push(match r.get_ref(i)? {
            ValueRef::Null => Cell::Null,
            ValueRef::Integer(v) => Cell::Int(v),
            ValueRef::Text(t) => Cell::Text(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Cell::Blob(b.to_vec()),
            // Money and quantities are integers; a REAL means a query computed in floating point.
            ValueRef::Real(v) => {
                return Err(rusqlite::Error::InvalidColumnType(
                    i,
                    format!("REAL {v}"),
                    rusqlite::types::Type::Real,
                ));
            }
        });
    }
    Ok(Row(cells))
}

/// A transaction on one SQLite connection. Holds `&mut Connection` (which is `Send`) rather than a
/// `rusqlite::Transaction`, so the work can be an async block like PostgreSQL's.
struct SqliteTx<'c> {
    conn: &'c mut Connection,
}

#[async_trait]
impl Tx for SqliteTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn execute(&mut self, q: &str, params: &[Value<'_>]) -> StorageResult<u64> {
        let q = super::db::to_sqlite(q);
        let n = self
            .conn
            .prepare_cached(&q)?
            .execute(rusqlite::params_from_iter(params.iter()))?;
        Ok(n as u64)
    }

    async fn query(&mut self, q: &str, params: &[Value<'_>]) -> StorageResult<Vec<Row>> {
        let q = super::db::to_sqlite(q);
        let mut st = self.conn.prepare_cached(&q)?;
        let n = st.column_count();
        let rows = st
            .query_map(rusqlite::params_from_iter(params.iter()), |r| row_of(r, n))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    async fn batch(&mut self, q: &str) -> StorageResult<()> {
        self.conn.execute_batch(q)?;
        Ok(())
    }

    async fn insert_many(
        &mut self,
        q: &str,
        _types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64> {
        let mut st = self.conn.prepare_cached(q)?;
        let mut n = 0;
        for r in rows {
            n += st.execute(rusqlite::params_from_iter(r.iter()))? as u64;
        }
        Ok(n)
    }

    async fn copy_in(
        &mut self,
        q: &str,
        types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64> {
        self.insert_many(q, types, rows).await
    }

    async fn lock(&mut self, _key: i64) -> StorageResult<()> {
        // The single writer connection already serialises every write transaction.
        Ok(())
    }
}

/// Runs a transaction's async work on this (blocking) thread. SQLite calls never wait on anything
/// but the disk, so the future completes in one pass without a runtime.
fn run_in<R>(conn: &mut Connection, begin: &str, f: TxFn<R>) -> StorageResult<R> {
    // A panic in an earlier transaction may have left one open: roll it back first.
    if !conn.is_autocommit() {
        conn.execute_batch("ROLLBACK")?;
    }
    conn.execute_batch(begin)?;
    let out = futures::executor::block_on(f(&mut SqliteTx { conn: &mut *conn }));
    match out {
        Ok(v) => {
            conn.execute_batch("COMMIT")?;
            Ok(v)
        }
        Err(e) => {
            if let Err(rb) = conn.execute_batch("ROLLBACK") {
                tracing::error!(error = %rb, "sqlite rollback failed");
            }
            Err(e)
        }
    }
}

fn connect(path: &Path) -> StorageResult<Connection> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    conn.pragma_update(None, "synchronous", "FULL")?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Stable plans: otherwise SQLite compiles a cached statement again at every reuse once its
    // planner has looked at a bound value (rusqlite clears the bindings of a cached statement
    // when it goes back to the cache, which expires such a statement).
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    conn.set_prepared_statement_cache_capacity(256);
    Ok(conn)
}

/// The SQLite database: the writer and a pool of readers.
#[derive(Clone)]
pub struct SqliteDb {
    writer: Arc<Mutex<Connection>>,
    readers: Arc<ReaderPool>,
    path: PathBuf,
}

struct ReaderPool {
    idle: Mutex<Vec<Connection>>,
    permits: tokio::sync::Semaphore,
}

impl SqliteDb {
    /// Opens (creating if needed) the database file. The schema is brought up to date by the caller.
    pub fn open(path: &Path) -> StorageResult<Self> {
        if let Some(parent) = path.parent()
            && !parent.as_os_str().is_empty()
        {
            std::fs::create_dir_all(parent).map_err(|e| {
                StorageError::Backend(format!("cannot create {}: {e}", parent.display()))
            })?;
        }
        let writer = connect(path)?;
        Ok(Self {
            writer: Arc::new(Mutex::new(writer)),
            readers: Arc::new(ReaderPool {
                idle: Mutex::new(Vec::new()),
                permits: tokio::sync::Semaphore::new(READERS),
            }),
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub(super) async fn write<R: Send + 'static>(&self, f: TxFn<R>) -> StorageResult<R> {
        let writer = self.writer.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = writer.lock().unwrap_or_else(|p| p.into_inner());
            run_in(&mut c, "BEGIN IMMEDIATE", f)
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }

    pub(super) async fn read<R: Send + 'static>(&self, f: TxFn<R>) -> StorageResult<R> {
        let _permit = self
            .readers
            .permits
            .acquire()
            .await
            .map_err(|e| StorageError::Backend(format!("reader pool closed: {e}")))?;
        let pool = self.readers.clone();
        let path = self.path.clone();
        tokio::task::spawn_blocking(move || {
            let idle = pool.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
            let mut conn = match idle {
                Some(c) => c,
                None => {
                    let c = connect(&path)?;
                    c.pragma_update(None, "query_only", "ON")?;
                    c
                }
            };
            let out = run_in(&mut conn, "BEGIN", f);
            pool.idle
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(conn);
            out
        })
        .await
        .map_err(|e| StorageError::Backend(format!("storage task failed: {e}")))?
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cached statement is compiled once, not again at each reuse with new values.
    #[test]
    fn a_cached_statement_is_not_compiled_again() {
        let dir = tempfile::tempdir().unwrap();
        let conn = connect(&dir.path().join("hq.db")).unwrap();
        conn.execute_batch(
            "CREATE TABLE t (code TEXT PRIMARY KEY, n INTEGER NOT NULL, active INTEGER NOT NULL) WITHOUT ROWID;
             CREATE TABLE u (id INTEGER PRIMARY KEY, code TEXT NOT NULL);
             INSERT INTO t VALUES ('a', 1, 1), ('b', 2, 1);
             INSERT INTO u VALUES (1, 'a'), (2, 'b');",
        )
        .unwrap();
        let q = "SELECT t.n FROM t JOIN u ON u.code = t.code LEFT JOIN u v ON v.id = u.id WHERE t.code = ?1 AND t.active = 1";
        for i in 0..10 {
            let code = if i % 2 == 0 { "a" } else { "b" };
            let n: i64 = conn
                .prepare_cached(q)
                .unwrap()
                .query_row([code], |r| r.get(0))
                .unwrap();
            assert_eq!(n, i % 2 + 1);
        }
        let st = conn.prepare_cached(q).unwrap();
        assert_eq!(
            st.get_status(rusqlite::StatementStatus::RePrepare),
            0,
            "the statement was compiled again at a reuse"
        );
    }
}
