//! Quick run of the crash suite on both backends (see `trastienda_tests::crash`): the `till-loop`
//! process SIGKILLed inside commit, print and sync, and the HQ server process (`hq-server`, the
//! server's own command line) SIGKILLed during ingest; nothing lost or duplicated, chains intact.
//! `TRASTIENDA_CRASH_KILLS=N` sets the kills of each kind per backend (default 20); the long run is
//! `cargo run --release -p trastienda-tests --bin crash-suite -- --kills 1000`.

use trastienda_tests::Backend;
use trastienda_tests::crash::{CrashConfig, binaries_from, run};

fn kills() -> u64 {
    std::env::var("TRASTIENDA_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

async fn quick(backend: Backend) {
    // TRASTIENDA_SERVER_BIN=target/debug/back-office-server kills that binary instead of hq-server
    // (the same `cli::run`, built in this crate so the test never depends on another package's build).
    let server = std::env::var("TRASTIENDA_SERVER_BIN")
        .unwrap_or_else(|_| env!("CARGO_BIN_EXE_hq-server").to_string());
    let bins = binaries_from(env!("CARGO_BIN_EXE_till-loop"), &server);
    let n = kills();
    let cfg = CrashConfig {
        backend,
        till_kills: n,
        server_kills: n,
        seed: 7,
        tills: 3,
        progress_every: 0,
    };
    let Some(s) = run(cfg, &bins).await.unwrap_or_else(|e| panic!("{e:#}")) else {
        return;
    };
    println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default());
    assert_eq!(s.till_kills_survived, n);
    assert_eq!(s.server_kills_survived, n);
    assert!(s.till_sales > 0 && s.server_sales > 0, "{s:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_or_duplicated_across_kills_sqlite() {
    quick(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_lost_or_duplicated_across_kills_postgres() {
    quick(Backend::Postgres).await;
}
