//! The PostgreSQL backend: several stateless server instances can share one database. A pool of
//! connections, TLS as the URL's `sslmode` asks (libpq's meaning), `$N` placeholders, advisory locks
//! for what must be serialised across instances, and `UNNEST` for bulk inserts.

use super::db::{BulkInsert, Cell, ColType, Dialect, Row, Tx, TxFn, Value};
use super::{StorageError, StorageResult, sql};
use async_trait::async_trait;
use deadpool_postgres::{Manager, ManagerConfig, Pool, RecyclingMethod};
use std::str::FromStr;
use std::sync::Arc;
use tokio_postgres::error::SqlState;
use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

impl From<tokio_postgres::Error> for StorageError {
    fn from(e: tokio_postgres::Error) -> Self {
        if e.code() == Some(&SqlState::UNIQUE_VIOLATION) {
            let detail = e
                .as_db_error()
                .map(|d| format!("{} {}", d.constraint().unwrap_or_default(), d.message()))
                .unwrap_or_default();
            return StorageError::Conflict(sql::unique_violation(&detail));
        }
        let e = with_causes(&e);
        tracing::error!(error = %e, "postgres error");
        StorageError::Backend(e)
    }
}

impl From<deadpool_postgres::PoolError> for StorageError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        let e = with_causes(&e);
        tracing::error!(error = %e, "postgres pool error");
        StorageError::Backend(format!("no database connection: {e}"))
    }
}

/// An error and its causes in one line ("error performing TLS handshake: invalid peer certificate: …"),
/// so a person can tell a refused certificate from a refused password.
fn with_causes(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let text = c.to_string();
        if !s.contains(&text) {
            s.push_str(": ");
            s.push_str(&text);
        }
        cause = c.source();
    }
    s
}

type BoxError = Box<dyn std::error::Error + Sync + Send>;

/// A database URL or TLS setting that cannot work (the operator's to fix, shown as it is).
fn config_error(detail: impl std::fmt::Display) -> StorageError {
    StorageError::Invalid(crate::problem::Problem::new("database_url").with("detail", detail))
}

impl ToSql for Value<'_> {
    fn to_sql(&self, ty: &Type, out: &mut bytes::BytesMut) -> Result<IsNull, BoxError> {
        match *self {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) => match *ty {
                Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
                Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
                Type::BOOL => (v != 0).to_sql(ty, out),
                _ => v.to_sql(ty, out),
            },
            Value::Bool(b) => match *ty {
                Type::INT2 | Type::INT4 | Type::INT8 => i64::from(b).to_sql(&Type::INT8, out),
                _ => b.to_sql(ty, out),
            },
            Value::Text(s) => s.to_sql(ty, out),
            Value::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty)
            || <i32 as ToSql>::accepts(ty)
            || <i16 as ToSql>::accepts(ty)
            || <bool as ToSql>::accepts(ty)
            || <&str as ToSql>::accepts(ty)
            || <&[u8] as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}

fn row_of(r: &tokio_postgres::Row) -> StorageResult<Row> {
    let mut cells = Vec::with_capacity(r.len());
    for (i, col) in r.columns().iter().enumerate() {
        let t = col.type_();
        let cell = match *t {
            Type::INT8 => r.try_get::<_, Option<i64>>(i)?.map(Cell::Int),
            Type::INT4 => r.try_get::<_, Option<i32>>(i)?.map(|v| Cell::Int(v.into())),
            Type::INT2 => r.try_get::<_, Option<i16>>(i)?.map(|v| Cell::Int(v.into())),
            Type::BOOL => r.try_get::<_, Option<bool>>(i)?.map(Cell::Bool),
            Type::TEXT | Type::VARCHAR | Type::BPCHAR | Type::NAME | Type::UNKNOWN => {
                r.try_get::<_, Option<String>>(i)?.map(Cell::Text)
            }
            Type::BYTEA => r.try_get::<_, Option<Vec<u8>>>(i)?.map(Cell::Blob),
            _ => {
                return Err(StorageError::Backend(format!(
                    "column {} is of type {t}; cast it to BIGINT or TEXT in the query",
                    col.name()
                )));
            }
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}

fn params<'a>(p: &'a [Value<'a>]) -> Vec<&'a (dyn ToSql + Sync)> {
    p.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
}

/// A transaction on a pooled connection.
struct PgTx<'a> {
    tx: deadpool_postgres::Transaction<'a>,
}

impl PgTx<'_> {
    async fn prepare(&self, q: &str) -> StorageResult<tokio_postgres::Statement> {
        let q = super::db::to_postgres(q);
        Ok(self.tx.prepare_cached(&q).await?)
    }

    async fn exec_raw(
        &self,
        st: &tokio_postgres::Statement,
        p: &[&(dyn ToSql + Sync)],
    ) -> StorageResult<u64> {
        Ok(self.tx.execute(st, p).await?)
    }
}

#[async_trait]
impl Tx for PgTx<'_> {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    async fn execute(&mut self, q: &str, p: &[Value<'_>]) -> StorageResult<u64> {
        let st = self.prepare(q).await?;
        self.exec_raw(&st, &params(p)).await
    }

    async fn query(&mut self, q: &str, p: &[Value<'_>]) -> StorageResult<Vec<Row>> {
        let st = self.prepare(q).await?;
        let p = params(p);
        let rows = self.tx.query(&st, &p).await?;
        rows.iter().map(row_of).collect()
    }

    async fn batch(&mut self, q: &str) -> StorageResult<()> {
        self.tx.batch_execute(q).await?;
        Ok(())
    }

    async fn insert_many(
        &mut self,
        q: &str,
        types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let arrays = unnest_arrays(types, rows)?;
        let st = self
            .prepare_literal(&super::db::unnest_insert(q, types))
            .await?;
        let p: Vec<&(dyn ToSql + Sync)> = arrays
            .iter()
            .map(|a| a.as_ref() as &(dyn ToSql + Sync))
            .collect();
        self.exec_raw(&st, &p).await
    }

    async fn insert_many_all(&mut self, stmts: &[BulkInsert<'_>]) -> StorageResult<Vec<u64>> {
        // Prepared one by one (cached per connection after the first push), then every execute
        // is polled at once: tokio-postgres writes them back to back and reads the answers in
        // order, one round trip for all.
        let mut prepared = Vec::with_capacity(stmts.len());
        for s in stmts.iter().filter(|s| !s.rows.is_empty()) {
            let st = self
                .prepare_literal(&super::db::unnest_insert(s.sql, s.types))
                .await?;
            prepared.push((st, unnest_arrays(s.types, &s.rows)?));
        }
        let params: Vec<Vec<&(dyn ToSql + Sync)>> = prepared
            .iter()
            .map(|(_, arrays)| {
                arrays
                    .iter()
                    .map(|a| a.as_ref() as &(dyn ToSql + Sync))
                    .collect()
            })
            .collect();
        let tx = &self.tx;
        let done = futures::future::join_all(
            prepared
                .iter()
                .zip(&params)
                .map(|((st, _), p)| tx.execute(st, p)),
        )
        .await;
        let mut counts = done.into_iter();
        let mut out = Vec::with_capacity(stmts.len());
        for s in stmts {
            out.push(if s.rows.is_empty() {
                0
            } else {
                counts
                    .next()
                    .ok_or_else(|| StorageError::Backend("pipelined insert lost".into()))??
            });
        }
        Ok(out)
    }

    async fn copy_in(
        &mut self,
        q: &str,
        types: &[ColType],
        rows: &[Vec<Value<'_>>],
    ) -> StorageResult<u64> {
        if rows.is_empty() {
            return Ok(0);
        }
        let pg: Vec<Type> = types
            .iter()
            .map(|t| match t {
                ColType::Int => Type::INT8,
                ColType::Text => Type::TEXT,
                ColType::Bool => Type::BOOL,
            })
            .collect();
        // Prepared once per connection (a COPY given as text is prepared on every call: one more
        // round trip each).
        let st = self.prepare_literal(&super::db::copy_statement(q)).await?;
        let sink = self.tx.copy_in(&st).await?;
        let writer = tokio_postgres::binary_copy::BinaryCopyInWriter::new(sink, &pg);
        futures::pin_mut!(writer);
        for r in rows {
            writer.as_mut().write(&params(r)).await?;
        }
        Ok(writer.finish().await?)
    }

    async fn lock(&mut self, key: i64) -> StorageResult<()> {
        self.execute("SELECT pg_advisory_xact_lock(?1)", &[Value::Int(key)])
            .await?;
        Ok(())
    }
}

impl PgTx<'_> {
    /// Prepares SQL already in PostgreSQL's spelling.
    async fn prepare_literal(&self, q: &str) -> StorageResult<tokio_postgres::Statement> {
        Ok(self.tx.prepare_cached(q).await?)
    }
}

/// The rows of a bulk insert as column-major typed arrays, one per placeholder (`UNNEST`'s arguments).
fn unnest_arrays<'a>(
    types: &[ColType],
    rows: &'a [Vec<Value<'_>>],
) -> StorageResult<Vec<Box<dyn ToSql + Sync + Send + 'a>>> {
    let mut arrays: Vec<Box<dyn ToSql + Sync + Send + 'a>> = Vec::with_capacity(types.len());
    for (i, t) in types.iter().enumerate() {
        fn cell<'v>(r: &[Value<'v>], i: usize) -> Value<'v> {
            r.get(i).copied().unwrap_or(Value::Null)
        }
        let col: Result<Box<dyn ToSql + Sync + Send>, StorageError> = match t {
            ColType::Int => rows
                .iter()
                .map(|r| match cell(r, i) {
                    Value::Null => Ok(None),
                    Value::Int(v) => Ok(Some(v)),
                    Value::Bool(b) => Ok(Some(i64::from(b))),
                    other => Err(bad_cell(i, &other)),
                })
                .collect::<Result<Vec<Option<i64>>, _>>()
                .map(|v| Box::new(v) as _),
            ColType::Text => rows
                .iter()
                .map(|r| match cell(r, i) {
                    Value::Null => Ok(None),
                    Value::Text(s) => Ok(Some(s.to_string())),
                    other => Err(bad_cell(i, &other)),
                })
                .collect::<Result<Vec<Option<String>>, _>>()
                .map(|v| Box::new(v) as _),
            ColType::Bool => rows
                .iter()
                .map(|r| match cell(r, i) {
                    Value::Null => Ok(None),
                    Value::Bool(b) => Ok(Some(b)),
                    Value::Int(v) => Ok(Some(v != 0)),
                    other => Err(bad_cell(i, &other)),
                })
                .collect::<Result<Vec<Option<bool>>, _>>()
                .map(|v| Box::new(v) as _),
        };
        arrays.push(col?);
    }
    Ok(arrays)
}

fn bad_cell(i: usize, v: &Value<'_>) -> StorageError {
    StorageError::Backend(format!("bulk insert column {i} got {v:?}"))
}

/// The PostgreSQL database: a pool of connections.
#[derive(Clone)]
pub struct PostgresDb {
    pool: Arc<Pool>,
}

impl PostgresDb {
    /// Connects to `url` (postgres://… or postgresql://…). The schema is brought up to date by the caller.
    pub async fn open(url: &str) -> StorageResult<Self> {
        let (cfg, tls) = config(url)?;
        let mgr = Manager::from_config(
            cfg,
            tls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(mgr)
            .max_size(16)
            .build()
            .map_err(|e| StorageError::Backend(format!("building the connection pool: {e}")))?;
        Ok(Self {
            pool: Arc::new(pool),
        })
    }

    pub(super) async fn write<R: Send + 'static>(&self, f: TxFn<R>) -> StorageResult<R> {
        let mut client = self.pool.get().await?;
        let tx = client.transaction().await?;
        finish(tx, f).await
    }

    /// Reads in one snapshot (repeatable read, read only), e.g. a page of changes and the log's end.
    pub(super) async fn read<R: Send + 'static>(&self, f: TxFn<R>) -> StorageResult<R> {
        let mut client = self.pool.get().await?;
        let tx = client
            .build_transaction()
            .isolation_level(tokio_postgres::IsolationLevel::RepeatableRead)
            .read_only(true)
            .start()
            .await?;
        finish(tx, f).await
    }
}

/// Runs `f` in `tx` and commits, or rolls back when it fails.
async fn finish<R>(tx: deadpool_postgres::Transaction<'_>, f: TxFn<R>) -> StorageResult<R> {
    let mut t = PgTx { tx };
    let out = f(&mut t).await;
    let tx = t.tx;
    {
        match out {
            Ok(v) => {
                tx.commit().await?;
                Ok(v)
            }
            Err(e) => {
                if let Err(rb) = tx.rollback().await {
                    tracing::warn!(error = %rb, "postgres rollback failed");
                }
                Err(e)
            }
        }
    }
}

// --- connection settings and TLS ------------------------------------------------------------------

/// What the URL's `sslmode` asks for, with libpq's meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    /// No TLS.
    Disable,
    /// TLS when the server offers it (libpq's default); the certificate is not checked.
    Prefer,
    /// TLS or no connection; the certificate is checked only when `sslrootcert` is given.
    Require,
    /// TLS, certificate chained to a trusted root (`sslrootcert`, else the system's roots).
    VerifyCa,
    /// As `VerifyCa`, and the certificate must name the host.
    VerifyFull,
}

/// The URL split into what tokio-postgres parses and the TLS settings it does not know.
fn config(
    url: &str,
) -> StorageResult<(
    tokio_postgres::Config,
    tokio_postgres_rustls::MakeRustlsConnect,
)> {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, q),
        None => (url, ""),
    };
    let mut mode = SslMode::Prefer;
    let mut root: Option<String> = None;
    let mut rest: Vec<&str> = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        match k {
            "sslmode" => {
                mode = match v {
                    "disable" => SslMode::Disable,
                    "allow" | "prefer" => SslMode::Prefer,
                    "require" => SslMode::Require,
                    "verify-ca" => SslMode::VerifyCa,
                    "verify-full" => SslMode::VerifyFull,
                    other => {
                        return Err(config_error(format!(
                            "unknown sslmode {other:?} in the PostgreSQL URL: use disable, prefer, require, verify-ca or verify-full"
                        )));
                    }
                }
            }
            "sslrootcert" => root = Some(percent_decode(v)),
            _ => rest.push(kv),
        }
    }
    let stripped = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    let mut cfg = tokio_postgres::Config::from_str(&stripped)
        .map_err(|e| config_error(format!("bad PostgreSQL URL ({}): {e}", redact_url(url))))?;
    cfg.ssl_mode(match mode {
        SslMode::Disable => tokio_postgres::config::SslMode::Disable,
        SslMode::Prefer => tokio_postgres::config::SslMode::Prefer,
        _ => tokio_postgres::config::SslMode::Require,
    });
    Ok((cfg, tls_connector(mode, root.as_deref())?))
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let Ok(v) = u8::from_str_radix(&s[i + 1..i + 3], 16)
        {
            out.push(v);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A database URL fit to print: the password replaced by `***`.
pub fn redact_url(url: &str) -> String {
    let Some(scheme_end) = url.find("://").map(|i| i + 3) else {
        return url.to_string();
    };
    let rest = &url[scheme_end..];
    let auth_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let Some(at) = rest[..auth_end].rfind('@') else {
        return url.to_string();
    };
    let userinfo = &rest[..at];
    match userinfo.split_once(':') {
        Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end], &rest[at..]),
        None => url.to_string(),
    }
}

fn tls_connector(
    mode: SslMode,
    root: Option<&str>,
) -> StorageResult<tokio_postgres_rustls::MakeRustlsConnect> {
    use rustls::ClientConfig;
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let builder = ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| StorageError::Backend(format!("TLS set-up: {e}")))?;
    let checked = root.is_some() || matches!(mode, SslMode::VerifyCa | SslMode::VerifyFull);
    let config = if checked {
        let mut roots = rustls::RootCertStore::empty();
        match root {
            Some(path) => {
                let pem = std::fs::read(path).map_err(|e| {
                    config_error(format!("sslrootcert {path}: cannot read it: {e}"))
                })?;
                for cert in rustls_pemfile_certs(&pem) {
                    roots
                        .add(cert)
                        .map_err(|e| config_error(format!("sslrootcert {path}: {e}")))?;
                }
                if roots.is_empty() {
                    return Err(config_error(format!(
                        "sslrootcert {path}: no certificate in it"
                    )));
                }
            }
            None => {
                for cert in rustls_native_certs::load_native_certs().certs {
                    let _ = roots.add(cert);
                }
            }
        }
        let webpki = rustls::client::WebPkiServerVerifier::builder_with_provider(
            Arc::new(roots),
            provider.clone(),
        )
        .build()
        .map_err(|e| config_error(format!("TLS roots: {e}")))?;
        let verifier: Arc<dyn rustls::client::danger::ServerCertVerifier> =
            if mode == SslMode::VerifyFull {
                webpki
            } else {
                Arc::new(verify::ChainOnly { inner: webpki })
            };
        builder
            .dangerous()
            .with_custom_certificate_verifier(verifier)
            .with_no_client_auth()
    } else {
        builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(verify::Unchecked { provider }))
            .with_no_client_auth()
    };
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The certificates of a PEM file.
fn rustls_pemfile_certs(pem: &[u8]) -> Vec<rustls::pki_types::CertificateDer<'static>> {
    use rustls::pki_types::pem::PemObject;
    rustls::pki_types::CertificateDer::pem_slice_iter(pem)
        .filter_map(Result::ok)
        .collect()
}

/// Certificate checks for libpq's weaker modes.
mod verify {
    use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
    use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
    use rustls::{CertificateError, DigitallySignedStruct, Error, SignatureScheme};
    use std::sync::Arc;

    /// `prefer`/`require` without a root: encrypted, certificate not checked (as libpq does).
    #[derive(Debug)]
    pub struct Unchecked {
        pub provider: Arc<rustls::crypto::CryptoProvider>,
    }

    impl ServerCertVerifier for Unchecked {
        fn verify_server_cert(
            &self,
            _end_entity: &CertificateDer<'_>,
            _intermediates: &[CertificateDer<'_>],
            _server_name: &ServerName<'_>,
            _ocsp: &[u8],
            _now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            Ok(ServerCertVerified::assertion())
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls12_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            rustls::crypto::verify_tls13_signature(
                message,
                cert,
                dss,
                &self.provider.signature_verification_algorithms,
            )
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.provider
                .signature_verification_algorithms
                .supported_schemes()
        }
    }

    /// `verify-ca` (and `require` with a root): the chain must reach a trusted root; the name is not checked.
    #[derive(Debug)]
    pub struct ChainOnly {
        pub inner: Arc<rustls::client::WebPkiServerVerifier>,
    }

    impl ServerCertVerifier for ChainOnly {
        fn verify_server_cert(
            &self,
            end_entity: &CertificateDer<'_>,
            intermediates: &[CertificateDer<'_>],
            server_name: &ServerName<'_>,
            ocsp: &[u8],
            now: UnixTime,
        ) -> Result<ServerCertVerified, Error> {
            match self
                .inner
                .verify_server_cert(end_entity, intermediates, server_name, ocsp, now)
            {
                Err(Error::InvalidCertificate(
                    CertificateError::NotValidForName
                    | CertificateError::NotValidForNameContext { .. },
                )) => Ok(ServerCertVerified::assertion()),
                other => other,
            }
        }
        fn verify_tls12_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.inner.verify_tls12_signature(message, cert, dss)
        }
        fn verify_tls13_signature(
            &self,
            message: &[u8],
            cert: &CertificateDer<'_>,
            dss: &DigitallySignedStruct,
        ) -> Result<HandshakeSignatureValid, Error> {
            self.inner.verify_tls13_signature(message, cert, dss)
        }
        fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
            self.inner.supported_verify_schemes()
        }
    }
}

// --- scratch databases for tests ----------------------------------------------------------------

/// `url` with its database name replaced by `db` (keeps user, host, port and query parameters).
fn with_database(url: &str, db: &str) -> StorageResult<String> {
    let (main, query) = match url.split_once('?') {
        Some((m, q)) => (m, Some(q)),
        None => (url, None),
    };
    let scheme_end = main
        .find("://")
        .ok_or_else(|| config_error("not a postgres:// URL"))?
        + 3;
    let base = match main[scheme_end..].find('/') {
        Some(i) => &main[..scheme_end + i],
        None => main,
    };
    Ok(match query {
        Some(q) => format!("{base}/{db}?{q}"),
        None => format!("{base}/{db}"),
    })
}

fn database_of(url: &str) -> StorageResult<String> {
    let (cfg, _) = config(url)?;
    cfg.get_dbname()
        .map(str::to_string)
        .ok_or_else(|| config_error(format!("{} names no database", redact_url(url))))
}

async fn admin_connect(base_url: &str) -> StorageResult<tokio_postgres::Client> {
    let (cfg, tls) = config(base_url)?;
    let (client, conn) = cfg.connect(tls).await?;
    tokio::spawn(async move {
        if let Err(e) = conn.await {
            tracing::warn!(error = %e, "scratch-database admin connection ended");
        }
    });
    Ok(client)
}

/// Creates an empty database `trastienda_test_<uuid>` on the server of `base_url` and returns its URL.
pub async fn create_scratch_database(base_url: &str) -> Result<String, StorageError> {
    let name = format!("trastienda_test_{}", uuid::Uuid::new_v4().simple());
    let client = admin_connect(base_url).await?;
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await?;
    with_database(base_url, &name)
}

/// Drops a database made by [`create_scratch_database`] (`url` is what it returned), closing its connections.
pub async fn drop_scratch_database(base_url: &str, url: &str) -> Result<(), StorageError> {
    let name = database_of(url)?;
    if !name.starts_with("trastienda_test_")
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(config_error(format!(
            "refusing to drop {name:?}: not a scratch database"
        )));
    }
    let client = admin_connect(base_url).await?;
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_printed() {
        assert_eq!(
            redact_url("postgres://ana:s3cret@db.example:5432/hq?sslmode=require"),
            "postgres://ana:***@db.example:5432/hq?sslmode=require"
        );
        assert_eq!(redact_url("postgres://ana@db/hq"), "postgres://ana@db/hq");
        assert_eq!(redact_url("postgres://db/hq"), "postgres://db/hq");
    }

    #[test]
    fn sslmode_parsed_and_checked() {
        assert!(config("postgres://u@h/db?sslmode=verify-full").is_ok());
        assert!(config("postgres://u@h/db?sslmode=disable&application_name=x").is_ok());
        let e = config("postgres://u:pw@h/db?sslmode=always").err().unwrap();
        assert!(e.to_string().contains("unknown sslmode"));
        let e = config("postgres://u:pw@h/db?sslmode=require&sslrootcert=/nonexistent.pem")
            .err()
            .unwrap();
        assert!(e.to_string().contains("sslrootcert"), "{e}");
    }
}
