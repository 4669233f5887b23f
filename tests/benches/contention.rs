//! Push latency while the heaviest report runs: does a till's sync wait behind HQ's reports?
//! Loads a history through the storage push, then times a second till's pushes (5 sales each)
//! first on a quiet server and then while the heaviest report — a year of products over the raw
//! sale lines — runs over and over beside them. Not part of the test suite: run it by hand.
//!
//! `cargo bench -p trastienda-tests --bench contention`
//! Optional: CONTENTION_LINES (history, default 200000 sale lines), CONTENTION_PUSHES (timed pushes
//! per phase, default 200), CONTENTION_BACKENDS (`sqlite,postgres` by default; PostgreSQL when
//! TRASTIENDA_TEST_POSTGRES_URL is set).

use back_office_server::storage::dashboard::{ReportDim, ReportSource};
use back_office_server::storage::{
    self, NewFranchisee, NewProduct, NewStore, NewTaxRate, Storage, TillAuth,
};
use back_office_server::{auth, barcode};
use chrono::{Duration, Utc};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Instant;
use sync_protocol::{Money, TaxRate};
use trastienda_tests::Backend;
use trastienda_tests::history::{Rng, TillChain};
use trastienda_tests::server::TestDatabase;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn till(st: &Arc<dyn Storage>, f: sync_protocol::FranchiseeId, name: &str) -> TillAuth {
    let store = st
        .create_store(&NewStore::new(f, name, "x"))
        .await
        .expect("store");
    let code = auth::new_enrolment_code();
    st.create_till(
        store.id,
        "Caja",
        &auth::hash_token(&code),
        Utc::now() + Duration::days(1),
    )
    .await
    .expect("till");
    let e = st
        .enroll_till(
            &auth::hash_token(&code),
            None,
            "bench",
            &auth::hash_token(&auth::new_token()),
            Utc::now(),
        )
        .await
        .expect("enrol");
    TillAuth {
        till_id: e.till_id,
        store_id: e.store_id,
        franchisee_id: e.franchisee_id,
        revoked: false,
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

fn summary(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    format!(
        "p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms[ms.len() - 1]
    )
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let lines = env_usize("CONTENTION_LINES", 200_000);
    let pushes = env_usize("CONTENTION_PUSHES", 200).max(1);
    let backends = std::env::var("CONTENTION_BACKENDS").unwrap_or("sqlite,postgres".into());
    for backend in [Backend::Sqlite, Backend::Postgres] {
        if !backends
            .to_ascii_lowercase()
            .contains(&format!("{backend:?}").to_ascii_lowercase())
        {
            continue;
        }
        let Some(scratch) = TestDatabase::create(backend).await else {
            continue;
        };
        let st = storage::open(&scratch.url).await.expect("open");
        let rate = st
            .create_tax_rate(&NewTaxRate {
                name: "IVA 21".into(),
                rate: TaxRate::percent(21),
            })
            .await
            .expect("rate")
            .id;
        let f = st
            .create_franchisee(&NewFranchisee {
                legal_name: "Bench, S.L.".into(),
                nif: "B12345674".into(),
                address: "x".into(),
            })
            .await
            .expect("franchisee")
            .id;
        let products: Vec<NewProduct> = (0..2000)
            .map(|i| NewProduct {
                sku: format!("B-{i:05}"),
                name: format!("Producto {i}"),
                tax_rate_id: rate,
                price: Money::from_cents(49 + (i as i64 * 37) % 3000),
                barcodes: vec![barcode::make_ean13(&format!("8480001{i:05}")).expect("ean")],
            })
            .collect();
        st.import_products(&products).await.expect("products");
        let products = st.list_products(None, 0, 5000).await.expect("products");
        let history_till = till(&st, f, "Histórico").await;
        let live_till = till(&st, f, "En vivo").await;

        // A year of history: 3 lines a ticket on average.
        let now = Utc::now();
        let load = Instant::now();
        let mut chain = TillChain::new(history_till);
        let mut rng = Rng(0xC0_4E_57_10_4E);
        let tickets = lines / 3;
        let mut batch = Vec::with_capacity(sync_protocol::MAX_PUSH_BATCH);
        for k in 0..tickets {
            let at =
                now - Duration::minutes(((tickets - k) * 365 * 24 * 60 / tickets.max(1)) as i64);
            let n = 1 + rng.below(5) as usize;
            batch.push(chain.sale(&mut rng, &products, n, at));
            if batch.len() == sync_protocol::MAX_PUSH_BATCH {
                chain
                    .push_all(st.as_ref(), &batch, now)
                    .await
                    .expect("push");
                batch.clear();
            }
        }
        chain
            .push_all(st.as_ref(), &batch, now)
            .await
            .expect("push");
        println!(
            "contention {backend:?}: {tickets} tickets (~{lines} lines) loaded in {:.1} s",
            load.elapsed().as_secs_f64()
        );

        let today = storage::sql::business_day(now);
        let year_ago = today - Duration::days(365);
        let timed_report = Instant::now();
        st.dashboard()
            .report(
                ReportDim::Product,
                year_ago,
                today,
                ReportSource::RawLines,
                None,
            )
            .await
            .expect("report");
        println!(
            "  the heaviest report (a year of products over the raw lines) alone: {:.0} ms",
            timed_report.elapsed().as_secs_f64() * 1000.0
        );

        let mut live = TillChain::new(live_till);
        let mut rng = Rng(7);
        let mut phase = |label: &'static str| {
            let mut docs = Vec::with_capacity(pushes);
            for _ in 0..pushes {
                let batch: Vec<_> = (0..5)
                    .map(|_| live.sale(&mut rng, &products, 3, Utc::now()))
                    .collect();
                docs.push(batch);
            }
            (label, docs)
        };
        let quiet = phase("quiet");
        let busy = phase("while the report runs");
        for (label, batches) in [quiet, busy] {
            let stop = Arc::new(AtomicBool::new(false));
            let reports = Arc::new(AtomicU64::new(0));
            let mut background = Vec::new();
            if label != "quiet" {
                for _ in 0..2 {
                    let (st, stop, reports) = (st.clone(), stop.clone(), reports.clone());
                    background.push(tokio::spawn(async move {
                        while !stop.load(Ordering::Relaxed) {
                            st.dashboard()
                                .report(
                                    ReportDim::Product,
                                    year_ago,
                                    today,
                                    ReportSource::RawLines,
                                    None,
                                )
                                .await
                                .expect("report");
                            reports.fetch_add(1, Ordering::Relaxed);
                        }
                    }));
                }
                tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            }
            let mut ms = Vec::with_capacity(batches.len());
            let started = Instant::now();
            for b in &batches {
                let t = Instant::now();
                st.push(&live.till, b, Utc::now()).await.expect("push");
                ms.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            let took = started.elapsed().as_secs_f64();
            stop.store(true, Ordering::Relaxed);
            for t in background {
                let _ = t.await;
            }
            println!(
                "  push of 5 sales, {label}: {} ({} pushes in {took:.1} s; {} heavy reports finished meanwhile)",
                summary(ms),
                batches.len(),
                reports.load(Ordering::Relaxed)
            );
        }
        scratch.cleanup().await;
    }
}
