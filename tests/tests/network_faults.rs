//! Quick run of the network fault suite on both backends (see `trastienda_tests::faults`): real
//! tills through a proxy that drops answers after HQ commits, resets, truncates, delays,
//! duplicates requests and partitions the network, with exactly-once checked after each schedule.
//! `TRASTIENDA_FAULT_SCHEDULES=N` changes the number of schedules per backend (default 30); the
//! long run is `cargo run --release -p trastienda-tests --bin fault-suite -- --schedules 10000`.

use trastienda_tests::Backend;
use trastienda_tests::faults::{FaultSuiteConfig, run};

fn schedules() -> u64 {
    std::env::var("TRASTIENDA_FAULT_SCHEDULES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(30)
}

async fn quick(backend: Backend) {
    let Some(summary) = run(FaultSuiteConfig::quick(backend, schedules()))
        .await
        .unwrap_or_else(|e| panic!("{e:#}"))
    else {
        return;
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).unwrap_or_default()
    );
    let f = summary.faults;
    // The schedules did hit the tills with every kind of fault (else the test proves little).
    assert!(
        f.dropped_answers > 0 && f.resets > 0 && f.truncated > 0,
        "{f:?}"
    );
    assert!(
        f.delayed > 0 && f.duplicated > 0 && f.partitions > 0,
        "{f:?}"
    );
    assert!(summary.sales > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_through_network_faults_sqlite() {
    quick(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exactly_once_through_network_faults_postgres() {
    quick(Backend::Postgres).await;
}
