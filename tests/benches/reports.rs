//! Report benchmark: loads a year of sales through the storage `push` (documents, lines, payments and
//! the report aggregates, as a till sync writes them) and times each dashboard report read from the
//! aggregates against the same report over the raw lines, on each backend. Not part of the test
//! suite (a `[[bench]]` with its own `main`): run it by hand.
//! `cargo bench -p trastienda-tests --bench reports` (PostgreSQL when TRASTIENDA_TEST_POSTGRES_URL is set).
//! Optional: REPORT_BENCH_LINES (sale lines to load, default 100000 so it stays quick; the issue's
//! target is 10000000), REPORT_BENCH_STORES (default 10), REPORT_BENCH_DAYS (default 430, so the year measured, which ends on the 28th of last month, has data),
//! REPORT_BENCH_RUNS (timed runs of each aggregate report, default 5; p50 and max are printed),
//! REPORT_BENCH_BACKENDS (`sqlite,postgres` by default), REPORT_BENCH_RAW (the periods the raw-lines
//! baseline runs for, default `month,quarter,year`; it takes minutes per report at 10 million lines).
//!
//! For every dimension and a month, a quarter and a year (from the 2nd of a month to the 28th of
//! last month, so product reports read nearly a month of daily rows at each edge) it prints: the aggregate
//! report over every store (HQ) and over one store (a manager), p50/max of the runs; "page", the
//! two reports the dashboard page makes (the period and the one before) run together as it does;
//! and the same report over the raw lines once, as the baseline.

use back_office_server::storage::dashboard::{DashboardStorage, ReportDim, ReportSource};
use back_office_server::storage::{
    self, NewFranchisee, NewProduct, NewStore, NewTaxRate, Storage, TillAuth,
};
use back_office_server::{auth, barcode};
use chrono::{Datelike, Duration, Months, Utc};
use std::sync::Arc;
use std::time::Instant;
use sync_protocol::{Money, StaffId, StoreId, TaxRate};
use trastienda_tests::Backend;
use trastienda_tests::history::{Rng, TillChain};
use trastienda_tests::server::TestDatabase;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const MAX_LINES: usize = 5;

async fn seed(st: &Arc<dyn Storage>, stores: usize) -> Vec<TillAuth> {
    let mut rates = vec![];
    for (name, pct) in [("IVA 21", 21), ("IVA 10", 10), ("IVA 4", 4), ("IVA 0", 0)] {
        rates.push(
            st.create_tax_rate(&NewTaxRate {
                name: name.into(),
                rate: TaxRate::percent(pct),
            })
            .await
            .expect("tax rate")
            .id,
        );
    }
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Bench, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .expect("franchisee");
    let products: Vec<NewProduct> = (0..2000)
        .map(|i| NewProduct {
            sku: format!("B-{i:05}"),
            name: format!("Producto {i}"),
            tax_rate_id: rates[i % rates.len()],
            price: Money::from_cents(49 + (i as i64 * 37) % 3000),
            barcodes: vec![barcode::make_ean13(&format!("8480001{i:05}")).expect("ean")],
        })
        .collect();
    st.import_products(&products).await.expect("products");
    // Twenty categories for the sales-by-category report.
    for p in st.list_products(None, 0, 5000).await.expect("products") {
        st.dashboard()
            .set_product_category(p.id, &format!("Categoría {:02}", p.id.0 % 20))
            .await
            .expect("category");
    }
    let mut tills = vec![];
    for s in 0..stores {
        let store = st
            .create_store(&NewStore {
                franchisee_id: f.id,
                name: format!("Tienda {s}"),
                address: "x".into(),
                receipt_header: String::new(),
                receipt_footer: String::new(),
                cash_tolerance: back_office_server::storage::default_cash_tolerance(),
                time_zone: Default::default(),
            })
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
        tills.push(TillAuth {
            till_id: e.till_id,
            store_id: e.store_id,
            franchisee_id: e.franchisee_id,
            revoked: false,
        });
    }
    tills
}

const CASHIERS_PER_STORE: u64 = 6;

/// (p50, max) in milliseconds of `runs` runs of `f`, and the rows of the last.
async fn time_runs<F, Fut>(runs: usize, mut f: F) -> (f64, f64, usize)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = usize>,
{
    let mut ms = vec![];
    let mut rows = 0;
    for _ in 0..runs {
        let t = Instant::now();
        rows = f().await;
        ms.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    ms.sort_by(f64::total_cmp);
    (ms[ms.len() / 2], ms[ms.len() - 1], rows)
}

async fn report_rows(
    db: &dyn DashboardStorage,
    dim: ReportDim,
    from: chrono::NaiveDate,
    to: chrono::NaiveDate,
    source: ReportSource,
    stores: Option<&[StoreId]>,
) -> usize {
    db.report(dim, from, to, source, stores)
        .await
        .expect("report")
        .len()
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let target_lines = env_usize("REPORT_BENCH_LINES", 100_000);
    let runs = env_usize("REPORT_BENCH_RUNS", 5).max(1);
    let backends = std::env::var("REPORT_BENCH_BACKENDS").unwrap_or("sqlite,postgres".into());
    let raw_periods = std::env::var("REPORT_BENCH_RAW").unwrap_or("month,quarter,year".into());
    let stores = env_usize("REPORT_BENCH_STORES", 10).max(1);
    let days = env_usize("REPORT_BENCH_DAYS", 430).max(1) as i64;
    let avg_lines = (1 + MAX_LINES) as f64 / 2.0;
    let per_till_day =
        ((target_lines as f64 / avg_lines) / (stores as f64 * days as f64)).ceil() as usize;
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
        let tills = seed(&st, stores).await;
        let one_store = [tills[0].store_id];
        let products = st.list_products(None, 0, 5000).await.expect("products");
        let products = Arc::new(products);
        let now = Utc::now();
        let load = Instant::now();
        // One task per till (PostgreSQL takes them in parallel; SQLite serialises the writes), each
        // pushing full batches of its days in order, as a till catching up would.
        let mut tasks = Vec::new();
        for (i, till) in tills.into_iter().enumerate() {
            let (st, products) = (st.clone(), products.clone());
            tasks.push(tokio::spawn(async move {
                let mut chain = TillChain::new(till);
                let mut rng = Rng(0xBE4C_0000_0000_0001 + i as u64);
                let (mut docs_n, mut lines_n) = (0usize, 0usize);
                let mut batch = Vec::with_capacity(sync_protocol::MAX_PUSH_BATCH);
                for d in (0..days).rev() {
                    let day = now - Duration::days(d);
                    for k in 0..per_till_day {
                        let at = day - Duration::minutes((k * 600 / per_till_day.max(1)) as i64);
                        let n = 1 + rng.below(MAX_LINES as u64) as usize;
                        // Cashiers 1..=6 of store 1, 7..=12 of store 2, … (ids only: no staff rows).
                        chain.cashier_id = Some(StaffId(
                            (i as u64 * CASHIERS_PER_STORE + 1 + rng.below(CASHIERS_PER_STORE))
                                as i64,
                        ));
                        lines_n += n;
                        batch.push(chain.sale(&mut rng, &products, n, at.min(now)));
                        if batch.len() == sync_protocol::MAX_PUSH_BATCH {
                            docs_n += batch.len();
                            chain
                                .push_all(st.as_ref(), &batch, now)
                                .await
                                .expect("push");
                            batch.clear();
                        }
                    }
                }
                docs_n += batch.len();
                chain
                    .push_all(st.as_ref(), &batch, now)
                    .await
                    .expect("push");
                (docs_n, lines_n)
            }));
        }
        let (mut docs_n, mut lines_n) = (0usize, 0usize);
        for t in tasks {
            let (d, l) = t.await.expect("loader task");
            docs_n += d;
            lines_n += l;
        }
        let load_s = load.elapsed().as_secs_f64();
        println!(
            "reports {backend:?}: loaded {lines_n} sale lines in {docs_n} tickets ({stores} stores, {days} days) through push in {load_s:.1} s ({:.0} lines/s, aggregates included)",
            lines_n as f64 / load_s
        );
        let today = storage::sql::business_day(now);
        // Periods that do not line up with months (the product-based reports' worst case: nearly a
        // month of daily rows at each edge): from the 2nd of a month to the 28th of last month.
        let end = (today.with_day(1).expect("day 1") - Duration::days(1))
            .with_day(28)
            .expect("day 28");
        let second = |months: u32| {
            end.with_day(2)
                .expect("day 2")
                .checked_sub_months(Months::new(months))
                .expect("month")
        };
        let periods = [
            ("month", second(0), end),
            ("quarter", second(2), end),
            ("year", second(12), end),
        ];
        println!(
            "  {:<10} {:<8} {:>17} {:>17} {:>17} {:>11} {:>8} {:>6}",
            "report",
            "period",
            "HQ p50/max ms",
            "1 store p50/max",
            "page p50/max ms",
            "raw ms",
            "speed-up",
            "rows"
        );
        let db: &dyn DashboardStorage = st.dashboard();
        for dim in [
            ReportDim::Store,
            ReportDim::Day,
            ReportDim::Product,
            ReportDim::TaxRate,
            ReportDim::Tender,
            ReportDim::Hour,
            ReportDim::Cashier,
            ReportDim::Franchisee,
            ReportDim::Category,
        ] {
            for (name, from, to) in periods {
                let agg = ReportSource::Aggregates;
                let (p50, max, rows) =
                    time_runs(runs, || report_rows(db, dim, from, to, agg, None)).await;
                let (s50, smax, _) = time_runs(runs, || {
                    report_rows(db, dim, from, to, agg, Some(&one_store))
                })
                .await;
                // The page: this period and the one before, together.
                let (prev_to, len) = (from - Duration::days(1), to - from);
                let (g50, gmax, _) = time_runs(runs, || async move {
                    let (a, b) = tokio::join!(
                        report_rows(db, dim, from, to, agg, None),
                        report_rows(db, dim, prev_to - len, prev_to, agg, None)
                    );
                    a + b
                })
                .await;
                let (raw, speedup) = if raw_periods.split(',').any(|p| p.trim() == name) {
                    let raw = time_runs(1, || {
                        report_rows(db, dim, from, to, ReportSource::RawLines, None)
                    })
                    .await
                    .0;
                    let r = format!("{raw:.1}");
                    let x = format!("{:.0}x", raw / p50.max(0.001));
                    (r, x)
                } else {
                    // Not run for this period (REPORT_BENCH_RAW).
                    ("-".to_string(), "-".to_string())
                };
                println!(
                    "  {:<10} {:<8} {:>8.1}/{:<8.1} {:>8.1}/{:<8.1} {:>8.1}/{:<8.1} {:>11} {:>8} {:>6}",
                    format!("{dim:?}"),
                    name,
                    p50,
                    max,
                    s50,
                    smax,
                    g50,
                    gmax,
                    raw,
                    speedup,
                    rows
                );
            }
        }
        drop(st);
        scratch.cleanup().await;
    }
}
