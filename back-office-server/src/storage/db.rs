//! The one way storage talks to a database: a transaction (`Tx`) that runs SQL written once, with
//! `?N` placeholders, on SQLite or PostgreSQL. Each backend only supplies its connection, the
//! placeholder and lock dialect, and bulk inserts (`UNNEST` arrays on PostgreSQL).

use super::{StorageError, StorageResult};
use async_trait::async_trait;
use futures::future::BoxFuture;

/// A parameter bound to a statement. Borrowed, so binding a document's JSON copies nothing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bool(bool),
    Blob(&'a [u8]),
}

impl From<i64> for Value<'_> {
    fn from(v: i64) -> Self {
        Value::Int(v)
    }
}
impl From<i32> for Value<'_> {
    fn from(v: i32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<u32> for Value<'_> {
    fn from(v: u32) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<u8> for Value<'_> {
    fn from(v: u8) -> Self {
        Value::Int(i64::from(v))
    }
}
impl From<bool> for Value<'_> {
    fn from(v: bool) -> Self {
        Value::Bool(v)
    }
}
impl<'a> From<&'a str> for Value<'a> {
    fn from(v: &'a str) -> Self {
        Value::Text(v)
    }
}
impl<'a> From<&'a String> for Value<'a> {
    fn from(v: &'a String) -> Self {
        Value::Text(v.as_str())
    }
}
impl<'a> From<&'a [u8]> for Value<'a> {
    fn from(v: &'a [u8]) -> Self {
        Value::Blob(v)
    }
}
impl<'a, T: Into<Value<'a>>> From<Option<T>> for Value<'a> {
    fn from(v: Option<T>) -> Self {
        v.map_or(Value::Null, Into::into)
    }
}

/// Parameters of a statement: `p![a, b, c]` is `&[Value::from(a), Value::from(b), Value::from(c)]`.
#[macro_export]
macro_rules! p {
    () => { &[] as &[$crate::storage::db::Value<'_>] };
    ($($v:expr),+ $(,)?) => { &[$($crate::storage::db::Value::from($v)),+] };
}
pub use p;

/// One column of a result row, owned (rows outlive the statement and cross threads).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
    Blob(Vec<u8>),
}

/// A result row. Columns are read by position with the Rust type they hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row(pub Vec<Cell>);

impl Row {
    pub fn get<T: FromCell>(&self, i: usize) -> StorageResult<T> {
        let cell = self
            .0
            .get(i)
            .ok_or_else(|| StorageError::Backend(format!("result has no column {i}")))?;
        T::from_cell(cell).ok_or_else(|| {
            StorageError::Backend(format!(
                "column {i} holds {cell:?}, not a {}",
                std::any::type_name::<T>()
            ))
        })
    }
}

/// A Rust type a result column converts into.
pub trait FromCell: Sized {
    fn from_cell(c: &Cell) -> Option<Self>;
}

impl FromCell for i64 {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Int(v) => Some(*v),
            Cell::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }
}
impl FromCell for bool {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Bool(b) => Some(*b),
            // SQLite keeps booleans as 0/1.
            Cell::Int(v) => Some(*v != 0),
            _ => None,
        }
    }
}
impl FromCell for String {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Text(s) => Some(s.clone()),
            _ => None,
        }
    }
}
impl FromCell for Vec<u8> {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Blob(b) => Some(b.clone()),
            Cell::Text(s) => Some(s.as_bytes().to_vec()),
            _ => None,
        }
    }
}
impl<T: FromCell> FromCell for Option<T> {
    fn from_cell(c: &Cell) -> Option<Self> {
        match c {
            Cell::Null => Some(None),
            other => T::from_cell(other).map(Some),
        }
    }
}

/// Which SQL dialect a transaction speaks (for the few statements that differ).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// Column types of a bulk insert (PostgreSQL needs them to build typed arrays).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColType {
    Int,
    Text,
    Bool,
}

impl ColType {
    pub fn pg_array(self) -> &'static str {
        match self {
            ColType::Int => "BIGINT[]",
            ColType::Text => "TEXT[]",
            ColType::Bool => "BOOLEAN[]",
        }
    }
}

/// One statement of [`Tx::insert_many_all`]: a one-row insert (see [`Tx::insert_many`]), its
/// column types and its rows.
pub struct BulkInsert<'a> {
    pub sql: &'a str,
    pub types: &'a [ColType],
    pub rows: Vec<Vec<Value<'a>>>,
}

/// Keys of the transaction-level locks that serialise writers across server instances
/// (PostgreSQL advisory locks; SQLite has a single writer, so they cost nothing there).
pub mod locks {
    /// Taken before writing change-log rows: cursors are handed out under it, so they commit in
    /// order and a till never skips a change.
    pub const CHANGE_LOG: i64 = 0x5452_4153_0001;
    /// Held while migrating, so two instances starting together do not race.
    pub const MIGRATION: i64 = 0x5452_4153_0002;
    /// Held by a scheduled job while it claims its run.
    pub const JOBS: i64 = 0x5452_4153_0003;
    /// Held while a throttled attempt (sign-in, enrolment) is counted, so parallel attempts are
    /// counted one by one.
    pub const ATTEMPTS: i64 = 0x5452_4153_0004;
    /// Held while an invoice or credit note is issued: series numbers and HQ's VERI*FACTU chain
    /// are handed out one document at a time.
    pub const INVOICING: i64 = 0x5452_4153_0016;
    /// Plus a store id: held while a push applies that store's stock, so two tills of one store
    /// apply one after the other. A lock, not `FOR UPDATE` on the store row: the documents' foreign
    /// key takes a share lock on that row, and two pushes would wait on each other's.
    pub const STOCK_STORE_BASE: i64 = 0x5452_4153_1000_0000;
    /// Held while a purchase order is numbered, so the numbers of a year are gapless.
    pub const PURCHASING: i64 = 0x5452_4153_0032;
}

/// One transaction (or, for reads on PostgreSQL, one connection) on either backend.
///
/// SQL is written once with `?N` placeholders; PostgreSQL receives `$N`. Row locks
/// (`FOR UPDATE`, `FOR UPDATE OF t`) are dropped on SQLite, whose single writer already serialises.
/// Portable spelling: `CAST(?1 AS BIGINT)` for a parameter whose type the statement does not show,
/// `RETURNING id` for new ids, `ON CONFLICT … DO UPDATE SET c = excluded.c` for upserts.
#[async_trait]
pub trait Tx: Send {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; returns the rows it changed.
    async fn execute(&mut self, sql: &str, params: &[Value<'_>]) -> StorageResult<u64>;
    /// Runs a query and returns every row.
    async fn query(&mut self, sql: &str, params: &[Value<'_>]) -> StorageResult<Vec<Row>>;
    /// Runs several statements with no parameters (migrations).
    async fn batch(&mut self, sql: &str) -> StorageResult<()>;
    /// Runs a one-row `INSERT … VALUES (?1, …) [ON CONFLICT …]` for every row: one `UNNEST` statement
    /// on PostgreSQL, the prepared statement per row on SQLite. Returns the rows inserted or updated.
    async fn insert_many(
        &mut self,
        sql: &str,
        types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64>;
    /// Several [`Tx::insert_many`] statements, run in order: sent together in one round trip on
    /// PostgreSQL (pipelined on the connection), one after the other on SQLite. Returns the rows
    /// each inserted or updated.
    async fn insert_many_all(&mut self, stmts: &[BulkInsert<'_>]) -> StorageResult<Vec<u64>> {
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            out.push(self.insert_many(s.sql, s.types, &s.rows).await?);
        }
        Ok(out)
    }
    /// Inserts rows known to be new (read under the lock that keeps them so): a one-row
    /// `INSERT INTO t (c1, …) VALUES (?1, …)` with no `ON CONFLICT`, run as one binary
    /// `COPY t (c1, …) FROM STDIN` on PostgreSQL, the prepared statement per row on SQLite. A row
    /// that clashes all the same fails the whole statement. Returns the rows inserted.
    async fn copy_in(
        &mut self,
        sql: &str,
        types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64>;
    /// A transaction-scoped lock shared by every server instance (no-op on SQLite).
    async fn lock(&mut self, key: i64) -> StorageResult<()>;
}

impl dyn Tx + '_ {
    /// The first row, if any.
    pub async fn query_opt(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> StorageResult<Option<Row>> {
        Ok(self.query(sql, params).await?.into_iter().next())
    }

    /// The first row; none is a backend error (use for aggregates that always answer).
    pub async fn query_one(&mut self, sql: &str, params: &[Value<'_>]) -> StorageResult<Row> {
        self.query_opt(sql, params)
            .await?
            .ok_or_else(|| StorageError::Backend(format!("no row from {sql}")))
    }

    /// Whether the query returns a row.
    pub async fn exists(&mut self, sql: &str, params: &[Value<'_>]) -> StorageResult<bool> {
        Ok(!self.query(sql, params).await?.is_empty())
    }

    /// The first column of the first row, if any.
    pub async fn scalar_opt<T: FromCell>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> StorageResult<Option<T>> {
        match self.query_opt(sql, params).await? {
            Some(r) => Ok(Some(r.get(0)?)),
            None => Ok(None),
        }
    }

    /// The first column of the first row.
    pub async fn scalar<T: FromCell>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> StorageResult<T> {
        self.query_one(sql, params).await?.get(0)
    }

    /// Each row mapped by `f`.
    pub async fn query_map<T>(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
        f: impl Fn(&Row) -> StorageResult<T>,
    ) -> StorageResult<Vec<T>> {
        self.query(sql, params).await?.iter().map(f).collect()
    }

    /// Inserts a row and returns the `id` its `RETURNING id` gives back.
    pub async fn insert_returning_id(
        &mut self,
        sql: &str,
        params: &[Value<'_>],
    ) -> StorageResult<i64> {
        self.scalar(sql, params).await
    }
}

/// The work of one transaction: `db.write(|tx| Box::pin(async move { … }))`.
pub type TxFn<R> =
    Box<dyn for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, StorageResult<R>> + Send + 'static>;

/// An open database: the embedded SQLite file or a PostgreSQL pool.
#[derive(Clone)]
pub enum Db {
    Sqlite(super::sqlite::SqliteDb),
    Postgres(super::postgres::PostgresDb),
}

impl Db {
    pub fn dialect(&self) -> Dialect {
        match self {
            Db::Sqlite(_) => Dialect::Sqlite,
            Db::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs `f` in one write transaction, committed only when `f` succeeds. On SQLite the single
    /// writer connection; on PostgreSQL a pooled connection.
    pub async fn write<R, F>(&self, f: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, StorageResult<R>> + Send + 'static,
    {
        // Who forces this request's changes (see `till_gate`), carried into the transaction, which
        // SQLite runs on a thread of its own.
        let f: TxFn<R> = match super::till_gate::forced_by() {
            None => Box::new(f),
            Some(by) => tx_fn(move |tx| forced_tx(by, f, tx)),
        };
        match self {
            Db::Sqlite(db) => db.write(f).await,
            Db::Postgres(db) => db.write(f).await,
        }
    }

    /// Runs `f` for reading: on SQLite one of the read connections beside the writer (WAL lets
    /// readers and the writer work at once), inside one read transaction so it sees one snapshot.
    pub async fn read<R, F>(&self, f: F) -> StorageResult<R>
    where
        R: Send + 'static,
        F: for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, StorageResult<R>> + Send + 'static,
    {
        match self {
            Db::Sqlite(db) => db.read(Box::new(f)).await,
            Db::Postgres(db) => db.read(Box::new(f)).await,
        }
    }
}

/// A transaction's work as [`TxFn`] (the closure's signature taken from the bound).
fn tx_fn<R, F>(f: F) -> TxFn<R>
where
    F: for<'t> FnOnce(&'t mut dyn Tx) -> BoxFuture<'t, StorageResult<R>> + Send + 'static,
{
    Box::new(f)
}

/// Runs `f` on `tx` with its changes forced by `by` (see `till_gate`).
fn forced_tx<'t, R, F>(
    by: super::people::AuditEntry,
    f: F,
    tx: &'t mut dyn Tx,
) -> BoxFuture<'t, StorageResult<R>>
where
    R: Send + 'static,
    F: for<'u> FnOnce(&'u mut dyn Tx) -> BoxFuture<'u, StorageResult<R>> + Send + 'static,
{
    Box::pin(super::till_gate::forcing(by, f(tx)))
}

/// `?N` placeholders as PostgreSQL's `$N` (a `?` inside a quoted literal is left alone).
pub fn to_postgres(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut in_quote = false;
    for c in sql.chars() {
        match c {
            '\'' => {
                in_quote = !in_quote;
                out.push(c);
            }
            '?' if !in_quote => out.push('$'),
            _ => out.push(c),
        }
    }
    out
}

/// The SQL as SQLite runs it: row locks removed (`FOR UPDATE` and `FOR UPDATE OF t`).
pub fn to_sqlite(sql: &str) -> std::borrow::Cow<'_, str> {
    match sql.find(" FOR UPDATE") {
        None => std::borrow::Cow::Borrowed(sql),
        Some(at) => {
            let rest = &sql[at + " FOR UPDATE".len()..];
            // Drop an `OF table` that follows.
            let rest = match rest.trim_start().strip_prefix("OF ") {
                Some(r) => r
                    .trim_start()
                    .split_once(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .map_or("", |(_, tail)| tail),
                None => rest,
            };
            let mut s = sql[..at].to_string();
            if !rest.is_empty() {
                s.push(' ');
                s.push_str(rest.trim_start());
            }
            std::borrow::Cow::Owned(to_sqlite(&s).into_owned())
        }
    }
}

/// Turns a one-row `INSERT INTO t (c1, …) VALUES (?1, …)` into `COPY t (c1, …) FROM STDIN (FORMAT binary)`.
pub fn copy_statement(sql: &str) -> String {
    let head = sql.split_once("VALUES").map_or(sql, |(h, _)| h);
    let target = head.trim().trim_start_matches("INSERT INTO").trim();
    format!("COPY {target} FROM STDIN (FORMAT binary)")
}

/// Turns a one-row `INSERT … VALUES (?1, …) tail` into `INSERT … SELECT * FROM UNNEST($1::T[], …) tail`.
pub fn unnest_insert(sql: &str, types: &[ColType]) -> String {
    let (head, rest) = sql.split_once("VALUES (").unwrap_or((sql, ""));
    let (_, tail) = rest.split_once(')').unwrap_or(("", rest));
    let arrays: Vec<String> = types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("${}::{}", i + 1, t.pg_array()))
        .collect();
    format!(
        "{head}SELECT * FROM UNNEST({}){}",
        arrays.join(", "),
        to_postgres(tail)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_for_postgres() {
        assert_eq!(to_postgres("a = ?1 AND b = ?2"), "a = $1 AND b = $2");
        assert_eq!(to_postgres("a = '?' AND b = ?12"), "a = '?' AND b = $12");
    }

    #[test]
    fn row_locks_dropped_for_sqlite() {
        assert_eq!(
            to_sqlite("SELECT a FROM t WHERE id = ?1 FOR UPDATE"),
            "SELECT a FROM t WHERE id = ?1"
        );
        assert_eq!(
            to_sqlite("SELECT a FROM t JOIN u ON u.id = t.u WHERE t.id = ?1 FOR UPDATE OF t"),
            "SELECT a FROM t JOIN u ON u.id = t.u WHERE t.id = ?1"
        );
        assert_eq!(to_sqlite("SELECT 1"), "SELECT 1");
    }

    #[test]
    fn new_rows_as_copy() {
        assert_eq!(
            copy_statement("INSERT INTO sales (a, b)\n         VALUES (?1, ?2)"),
            "COPY sales (a, b) FROM STDIN (FORMAT binary)"
        );
    }

    #[test]
    fn bulk_insert_as_unnest() {
        assert_eq!(
            unnest_insert(
                "INSERT INTO t (a, b) VALUES (?1, ?2) ON CONFLICT (a) DO UPDATE SET b = t.b + excluded.b",
                &[ColType::Text, ColType::Int]
            ),
            "INSERT INTO t (a, b) SELECT * FROM UNNEST($1::TEXT[], $2::BIGINT[]) ON CONFLICT (a) DO UPDATE SET b = t.b + excluded.b"
        );
    }

    #[test]
    fn cells_convert() {
        let r = Row(vec![
            Cell::Int(1),
            Cell::Null,
            Cell::Text("x".into()),
            Cell::Int(0),
        ]);
        assert_eq!(r.get::<i64>(0).unwrap(), 1);
        assert_eq!(r.get::<Option<i64>>(1).unwrap(), None);
        assert_eq!(r.get::<String>(2).unwrap(), "x");
        assert!(!r.get::<bool>(3).unwrap());
        assert!(r.get::<i64>(2).is_err());
        assert!(r.get::<i64>(9).is_err());
    }
}
