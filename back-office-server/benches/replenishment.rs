//! The daily replenishment run at chain scale: `REPL_BENCH_STORES` (default 50) stores ×
//! `REPL_BENCH_PRODUCTS` (default 20,000) products, every product under a family rule, stock on
//! hand for each, `REPL_BENCH_SOLD` (default 500) products sold per store and day over the four
//! weeks the forecast reads. Times the `replenishment` job for one day (every store: forecast,
//! suggestions per supplier written as draft orders, alerts incl. dead stock), then the Existencias read of one store.
//! Prints figures for SQLite, then PostgreSQL when `TRASTIENDA_TEST_POSTGRES_URL` is set.
//!
//! `cargo bench -p back-office-server --bench replenishment`

use back_office_server::jobs;
use back_office_server::storage::db::{ColType, Value};
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::replenish::{FamilyRule, NewSupplier};
use back_office_server::storage::stock::StockFilter;
use back_office_server::storage::{
    self, NewFranchisee, NewStore, NewTaxRate, Storage, sql_storage::SqlStorage,
};
use chrono::{Duration, Utc};
use std::sync::Arc;
use std::time::Instant;
use sync_protocol::{Money, Quantity, TaxRate};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

const FAMILIES: usize = 20;

async fn seed(st: &SqlStorage, stores: usize, products: usize, sold: usize) -> Vec<i64> {
    let start = Instant::now();
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Bench, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .expect("franchisee");
    let mut store_ids = Vec::new();
    for i in 0..stores {
        store_ids.push(
            st.create_store(&NewStore::new(f.id, &format!("Tienda {i}"), "x"))
                .await
                .expect("store")
                .id
                .0,
        );
    }
    let rate = st
        .create_tax_rate(&NewTaxRate {
            name: "IVA".into(),
            rate: TaxRate::percent(10),
        })
        .await
        .expect("rate")
        .id;
    let r = st.replenish();
    let now = Utc::now();
    let mut suppliers = Vec::new();
    for (i, central) in [(0, true), (1, false), (2, false)] {
        suppliers.push(
            r.create_supplier(
                &NewSupplier {
                    name: format!("Proveedor {i}"),
                    central,
                    franchisee_id: None,
                    email: String::new(),
                    lead_time_days: 2,
                    order_days: "1,4".into(),
                    min_order: Money::from_cents(10_000),
                    language: Default::default(),
                },
                now,
            )
            .await
            .expect("supplier")
            .id,
        );
    }
    for fam in 0..FAMILIES {
        r.set_family_rule(&FamilyRule {
            family: format!("Familia {fam}"),
            supplier_id: suppliers[fam % suppliers.len()],
            reorder_point: (fam % 2 == 0).then(|| Quantity::units(10)),
            par_level: (fam % 3 == 0).then(|| Quantity::units(60)),
            pack: Quantity::units(1 + (fam as i64 % 4) * 3),
            safety_days: 2,
        })
        .await
        .expect("family rule");
    }
    let stores2 = store_ids.clone();
    st.db()
        .write(move |tx| {
            Box::pin(async move {
                let rows: Vec<(String, String, String)> = (0..products)
                    .map(|i| {
                        (
                            format!("BENCH-{i:06}"),
                            format!("Producto {i}"),
                            format!("Familia {}", i % FAMILIES),
                        )
                    })
                    .collect();
                let vals: Vec<Vec<Value<'_>>> = rows
                    .iter()
                    .map(|(sku, name, fam)| {
                        vec![
                            Value::Text(sku),
                            Value::Text(name),
                            Value::Int(rate),
                            Value::Int(250),
                            Value::Text(fam),
                        ]
                    })
                    .collect();
                for chunk in vals.chunks(5_000) {
                    tx.insert_many(
                        "INSERT INTO products (sku, name, tax_rate_id, price_cents, category) VALUES (?1, ?2, ?3, ?4, ?5)",
                        &[ColType::Text, ColType::Text, ColType::Int, ColType::Int, ColType::Text],
                        chunk,
                    )
                    .await?;
                }
                let ids: Vec<i64> = tx
                    .query_map("SELECT id FROM products ORDER BY id", &[], |r| r.get(0))
                    .await?;
                let costs: Vec<Vec<Value<'_>>> = ids
                    .iter()
                    .map(|p| vec![Value::Int(*p), Value::Int(10_000 + (p % 50) * 1_000), Value::Int(0)])
                    .collect();
                for chunk in costs.chunks(10_000) {
                    tx.insert_many(
                        "INSERT INTO product_stock_settings (product_id, cost_e4, updated_at) VALUES (?1, ?2, ?3)",
                        &[ColType::Int, ColType::Int, ColType::Int],
                        chunk,
                    )
                    .await?;
                }
                let now_us = Utc::now().timestamp_micros();
                let old = (Utc::now() - Duration::days(60)).timestamp_micros();
                for s in &stores2 {
                    let levels: Vec<Vec<Value<'_>>> = ids
                        .iter()
                        .map(|p| {
                            let sells = (*p as usize) % products.max(1) < sold * 4;
                            vec![
                                Value::Int(*s),
                                Value::Int(*p),
                                Value::Int(((p * 7 + s) % 40 - 5) * 1_000),
                                if sells { Value::Int(now_us) } else { Value::Null },
                                Value::Int(if sells { now_us } else { old }),
                            ]
                        })
                        .collect();
                    for chunk in levels.chunks(10_000) {
                        tx.insert_many(
                            "INSERT INTO stock_levels (store_id, product_id, on_hand_milli, last_sale_at, last_move_at)
                             VALUES (?1, ?2, ?3, ?4, ?5)",
                            &[ColType::Int, ColType::Int, ColType::Int, ColType::Int, ColType::Int],
                            chunk,
                        )
                        .await?;
                    }
                    // Each day of the four weeks, `sold` of the first 4×`sold` products (rotating).
                    let today = back_office_server::storage::sql::business_day(Utc::now());
                    let mut sales: Vec<(String, i64, i64)> = Vec::new();
                    for back in 1..=28i64 {
                        let day = (today - Duration::days(back)).format("%Y-%m-%d").to_string();
                        for k in 0..sold {
                            let idx = (k + back as usize * 37) % (sold * 4).min(ids.len());
                            sales.push((day.clone(), ids[idx], 1_000 + ((k as i64 + back) % 5) * 1_000));
                        }
                    }
                    sales.sort();
                    sales.dedup_by(|a, b| a.0 == b.0 && a.1 == b.1);
                    let rows: Vec<Vec<Value<'_>>> = sales
                        .iter()
                        .map(|(d, p, q)| {
                            vec![Value::Text(d), Value::Int(*s), Value::Int(*p), Value::Int(*q), Value::Int(q / 4), Value::Int(q / 5)]
                        })
                        .collect();
                    for chunk in rows.chunks(10_000) {
                        tx.insert_many(
                            "INSERT INTO agg_product_day (business_day, store_id, product_id, quantity_milli, gross_cents, net_cents)
                             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                            &[ColType::Text, ColType::Int, ColType::Int, ColType::Int, ColType::Int, ColType::Int],
                            chunk,
                        )
                        .await?;
                    }
                }
                Ok(())
            })
        })
        .await
        .expect("seed");
    println!(
        "  seeded {stores} stores × {products} products ({} stock rows, {} product-days sold) in {:.1} s",
        stores * products,
        stores * sold * 28,
        start.elapsed().as_secs_f64()
    );
    store_ids
}

async fn bench(label: &str, st: SqlStorage, stores: usize, products: usize, sold: usize) {
    println!("{label}:");
    let ids = seed(&st, stores, products, sold).await;
    let _ = st
        .db()
        .write(|tx| Box::pin(async move { tx.batch("ANALYZE").await }))
        .await;
    let st: Arc<dyn Storage> = Arc::new(st);
    let job = jobs::find("replenishment").expect("job");
    let day = jobs::PeriodKind::Day.current(Utc::now());
    let t = Instant::now();
    let report = jobs::run(st.clone(), job, &day, Trigger::Manual, Utc::now())
        .await
        .expect("run");
    let took = t.elapsed();
    let summary = match report {
        jobs::RunReport::Ran(r) => {
            if let Some(e) = r.error {
                panic!("replenishment failed: {e}");
            }
            r.summary
        }
        jobs::RunReport::AlreadyTaken(_) => panic!("already taken"),
    };
    println!(
        "  replenishment job, {stores} stores × {products} products: {:.2} s — {summary:?}",
        took.as_secs_f64()
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let t = Instant::now();
        let rows = st
            .stock()
            .stock(&StockFilter {
                store_id: Some(sync_protocol::StoreId(ids[0])),
                query: None,
                family: None,
                sales_since: back_office_server::storage::sql::business_day(Utc::now())
                    - Duration::days(27),
            })
            .await
            .expect("stock");
        assert_eq!(rows.len(), products);
        times.push(t.elapsed());
    }
    times.sort();
    println!(
        "  Existencias read of one store ({products} rows): median {:.0} ms (5 runs)",
        times[2].as_secs_f64() * 1000.0
    );
    // Every store: the page's way (narrow rows for the totals, then its 500 rows with their text
    // and sales) beside reading every full row, as the page did before.
    let all = StockFilter {
        store_id: None,
        query: None,
        family: None,
        sales_since: back_office_server::storage::sql::business_day(Utc::now())
            - Duration::days(27),
    };
    let (mut page, mut full) = (Vec::new(), Vec::new());
    for _ in 0..3 {
        let t = Instant::now();
        let keys = st.stock().stock_keys(&all).await.expect("keys");
        let first: Vec<_> = keys
            .iter()
            .take(500)
            .map(|k| (k.store_id, k.product_id))
            .collect();
        let rows = st
            .stock()
            .stock_rows(&first, all.sales_since)
            .await
            .expect("rows");
        assert_eq!((keys.len(), rows.len()), (stores * products, 500));
        page.push(t.elapsed());
        let t = Instant::now();
        let rows = st.stock().stock(&all).await.expect("stock");
        assert_eq!(rows.len(), stores * products);
        full.push(t.elapsed());
    }
    page.sort();
    full.sort();
    println!(
        "  Existencias, every store ({} rows): a page {:.0} ms, every full row {:.0} ms (median of 3)",
        stores * products,
        page[1].as_secs_f64() * 1000.0,
        full[1].as_secs_f64() * 1000.0
    );
}

#[tokio::main]
async fn main() {
    let stores = env_usize("REPL_BENCH_STORES", 50);
    let products = env_usize("REPL_BENCH_PRODUCTS", 20_000);
    let sold = env_usize("REPL_BENCH_SOLD", 500);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let st = storage::open_sql(&url).await.expect("sqlite");
    bench("SQLite", st, stores, products, sold).await;
    if let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") {
        let url = storage::postgres::create_scratch_database(&base)
            .await
            .expect("scratch database");
        let st = storage::open_sql(&url).await.expect("postgres");
        bench("PostgreSQL", st, stores, products, sold).await;
        let _ = storage::postgres::drop_scratch_database(&base, &url).await;
    } else {
        println!("PostgreSQL: skipped (TRASTIENDA_TEST_POSTGRES_URL not set)");
    }
}
