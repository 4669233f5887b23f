//! Ingest benchmark: till-sim against a real server on each backend; prints sales/s and push latency.
//! `cargo bench -p trastienda-tests --bench ingest` (PostgreSQL when TRASTIENDA_TEST_POSTGRES_URL is set).
//! Optional: INGEST_TILLS (default 8), INGEST_SALES per till (default 1000).

use trastienda_tests::server::TestDatabase;
use trastienda_tests::sim::{SimConfig, run};
use trastienda_tests::{Backend, HqClient, TestServer};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let tills = env_usize("INGEST_TILLS", 8);
    let sales = env_usize("INGEST_SALES", 1000);
    for backend in [Backend::Sqlite, Backend::Postgres] {
        let Some(db) = TestDatabase::create(backend).await else {
            continue;
        };
        let server = TestServer::start(&db.url).await;
        let token = HqClient::bootstrap_admin(&db.url).await;
        let hq = HqClient::new(&server.url(), &token);
        hq.seed_franchise(3, 300).await;
        // Offline tills: every sale waits in the outbox, then goes up in full batches — pure ingest.
        let mut cfg = SimConfig::new(&server.url(), &token);
        cfg.tills = tills;
        cfg.sales_per_till = sales;
        cfg.offline = true;
        let s = run(cfg).await.expect("simulation");
        println!(
            "ingest {backend:?}: {} tills × {} sales: {:.0} sales/s acknowledged, push p50 {:.1} ms p99 {:.1} ms (batches of up to 500), duplicates {}, missing {}, till gross {} = HQ gross {}",
            s.tills,
            sales,
            s.ingest_docs_per_second,
            s.push_latency_ms_p50,
            s.push_latency_ms_p99,
            s.duplicates,
            s.missing,
            s.till_gross,
            s.server_gross
        );
        println!("{}", serde_json::to_string(&s).unwrap_or_default());
        drop(server);
        db.cleanup().await;
    }
}
