//! A real back-office-server on 127.0.0.1 over a fresh database, that can be stopped and started
//! again on the same port and database (the tills keep their server URL across the outage).

use back_office_server::storage;
use back_office_server::{AppState, router};
use std::net::SocketAddr;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// Environment variable naming a PostgreSQL server where tests may create databases.
pub const POSTGRES_ENV: &str = "TRASTIENDA_TEST_POSTGRES_URL";

/// Which storage backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A fresh database of one backend; dropped (PostgreSQL) or deleted (SQLite tempdir) at the end.
pub struct TestDatabase {
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    pg_base: Option<String>,
}

impl TestDatabase {
    /// `None` (with a printed reason) when the backend is not available on this machine.
    pub async fn create(backend: Backend) -> Option<TestDatabase> {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("tempdir");
                let url = format!("sqlite://{}", dir.path().join("hq.db").display());
                Some(TestDatabase {
                    url,
                    _dir: Some(dir),
                    pg_base: None,
                })
            }
            Backend::Postgres => {
                let Ok(base) = std::env::var(POSTGRES_ENV) else {
                    println!(
                        "skipped: {POSTGRES_ENV} not set, PostgreSQL half of this test not run"
                    );
                    return None;
                };
                let url = storage::postgres::create_scratch_database(&base)
                    .await
                    .expect("create scratch database");
                Some(TestDatabase {
                    url,
                    _dir: None,
                    pg_base: Some(base),
                })
            }
        }
    }

    /// Drops a PostgreSQL scratch database (SQLite tempdirs go on drop).
    pub async fn cleanup(self) {
        if let Some(base) = &self.pg_base {
            let _ = storage::postgres::drop_scratch_database(base, &self.url).await;
        }
    }
}

/// A running server. `stop` and `start` keep the address and the database.
pub struct TestServer {
    pub addr: SocketAddr,
    pub database_url: String,
    running: Option<(oneshot::Sender<()>, JoinHandle<()>)>,
}

impl TestServer {
    /// Opens the database (migrating it) and serves on a random port of 127.0.0.1.
    pub async fn start(database_url: &str) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut s = TestServer {
            addr,
            database_url: database_url.to_string(),
            running: None,
        };
        s.serve(listener).await;
        s
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    async fn serve(&mut self, listener: tokio::net::TcpListener) {
        let storage = storage::open(&self.database_url)
            .await
            .expect("open storage");
        let app = router(AppState::new(storage));
        let (tx, rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        self.running = Some((tx, handle));
    }

    /// Stops serving: new connections are refused until `restart`.
    pub async fn stop(&mut self) {
        if let Some((tx, handle)) = self.running.take() {
            // The signal makes axum close idle keep-alive connections (so tills see the outage);
            // the abort stops waiting for busy ones, as a crashed server would.
            let _ = tx.send(());
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            handle.abort();
            let _ = handle.await;
        }
    }

    /// Serves again on the same address over the same database.
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut tries = 0;
        let listener = loop {
            match tokio::net::TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(e) if tries < 50 => {
                    tries += 1;
                    let _ = e;
                    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                }
                Err(e) => panic!("cannot bind {} again: {e}", self.addr),
            }
        };
        self.serve(listener).await;
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some((tx, handle)) = self.running.take() {
            let _ = tx.send(());
            handle.abort();
        }
    }
}
