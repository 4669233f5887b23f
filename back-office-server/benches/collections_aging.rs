//! Aging at franchise scale: `COL_BENCH_FRANCHISEES` (default 5,000) franchisees with
//! `COL_BENCH_INVOICES` (default 60) invoices each, a third of them partly or wholly paid, aged
//! through `services::collections::aging` (one grouped query plus DSO). Prints figures for SQLite,
//! then PostgreSQL when `TRASTIENDA_TEST_POSTGRES_URL` is set.
//!
//! `cargo bench -p back-office-server --bench collections_aging`

use back_office_server::services::collections as svc;
use back_office_server::storage::db::{ColType, Value};
use back_office_server::storage::{self, Storage, sql_storage::SqlStorage};
use chrono::{Duration, NaiveDate};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Inserts the franchisees, invoices and receivables straight into the tables (issuing 300,000
/// invoices through the invoicing run would take the bench's whole budget).
async fn seed(st: &SqlStorage, franchisees: usize, invoices: usize) {
    let start = Instant::now();
    let first_day = NaiveDate::from_ymd_opt(2022, 1, 1).expect("date");
    st.db()
        .write(move |tx| {
            Box::pin(async move {
                let names: Vec<(String, String)> = (0..franchisees)
                    .map(|i| (format!("Franquiciado {i} SL"), format!("B{i:08}")))
                    .collect();
                let rows: Vec<Vec<Value<'_>>> = names
                    .iter()
                    .map(|(n, nif)| vec![Value::Text(n), Value::Text(nif), Value::Text("x")])
                    .collect();
                for chunk in rows.chunks(10_000) {
                    tx.insert_many(
                        "INSERT INTO franchisees (legal_name, nif, address) VALUES (?1, ?2, ?3)",
                        &[ColType::Text, ColType::Text, ColType::Text],
                        chunk,
                    )
                    .await?;
                }
                let ids: Vec<i64> = tx
                    .query_map("SELECT id FROM franchisees ORDER BY id", &[], |r| r.get(0))
                    .await?;
                let mut inv: Vec<(i64, i64, String, String, String, i64, i64)> = Vec::new();
                let mut n = 0i64;
                for f in &ids {
                    for k in 0..invoices {
                        n += 1;
                        let issue = first_day + Duration::days((k as i64) * 30 + (f % 28));
                        let due = issue + Duration::days(30);
                        let total = 30_000 + (n * 37) % 90_000;
                        let open = match n % 3 {
                            0 => 0,
                            1 => total,
                            _ => total / 2,
                        };
                        inv.push((
                            n,
                            *f,
                            format!("FQ-BENCH-{n:07}"),
                            issue.format("%Y-%m-%d").to_string(),
                            due.format("%Y-%m-%d").to_string(),
                            total,
                            open,
                        ));
                    }
                }
                for chunk in inv.chunks(20_000) {
                    let rows: Vec<Vec<Value<'_>>> = chunk
                        .iter()
                        .map(|(id, f, num, issue, _, total, _)| {
                            vec![
                                Value::Int(*id),
                                Value::Text("invoice"),
                                Value::Text("FQ-BENCH"),
                                Value::Int(*id),
                                Value::Text(num),
                                Value::Int(*f),
                                Value::Text(issue),
                                Value::Int(*total),
                                Value::Int(0),
                                Value::Int(*total),
                                Value::Text("{}"),
                                Value::Int(0),
                            ]
                        })
                        .collect();
                    tx.insert_many(
                        "INSERT INTO invoices (id, kind, series, number, full_number, franchisee_id,
                           issue_date, net_cents, tax_cents, total_cents, draft, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                        &[
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                            ColType::Text,
                            ColType::Int,
                            ColType::Text,
                            ColType::Int,
                            ColType::Int,
                            ColType::Int,
                            ColType::Text,
                            ColType::Int,
                        ],
                        &rows,
                    )
                    .await?;
                    let rows: Vec<Vec<Value<'_>>> = chunk
                        .iter()
                        .map(|(id, f, num, issue, due, total, open)| {
                            vec![
                                Value::Int(*id),
                                Value::Int(*f),
                                Value::Text("invoice"),
                                Value::Text(num),
                                Value::Text(issue),
                                Value::Text(due),
                                Value::Int(*total),
                                Value::Int(*open),
                                Value::Bool(false),
                                Value::Bool(false),
                            ]
                        })
                        .collect();
                    tx.insert_many(
                        "INSERT INTO receivables (invoice_id, franchisee_id, kind, full_number, issue_date, due_date,
                           total_cents, open_cents, cancelled, disputed)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                        &[
                            ColType::Int,
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                            ColType::Int,
                            ColType::Bool,
                            ColType::Bool,
                        ],
                        &rows,
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .await
        .expect("seed");
    println!(
        "  seeded {franchisees} franchisees × {invoices} invoices in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

async fn bench(label: &str, st: SqlStorage, franchisees: usize, invoices: usize) {
    println!("{label}:");
    seed(&st, franchisees, invoices).await;
    // PostgreSQL plans better once it has statistics.
    let _ = st
        .db()
        .write(|tx| Box::pin(async move { tx.batch("ANALYZE").await }))
        .await;
    let as_of = NaiveDate::from_ymd_opt(2026, 12, 31).expect("date");
    let mut times = Vec::new();
    let mut rows = 0;
    for _ in 0..7 {
        let t = Instant::now();
        let a = svc::aging(&st, as_of).await.expect("aging");
        times.push(t.elapsed());
        rows = a.rows.len();
    }
    times.sort();
    let mut parts = Vec::new();
    for _ in 0..7 {
        let t = Instant::now();
        st.collections().aging(as_of).await.expect("aging");
        let grouped = t.elapsed();
        let t = Instant::now();
        st.collections()
            .sales_between(as_of - Duration::days(89), as_of)
            .await
            .expect("sales");
        parts.push((grouped, t.elapsed()));
    }
    parts.sort();
    println!(
        "  of which the grouped aging query: median {:.1} ms; the DSO sales sum: median {:.1} ms",
        parts[3].0.as_secs_f64() * 1000.0,
        parts[3].1.as_secs_f64() * 1000.0
    );
    println!(
        "  aging of {rows} franchisees ({} receivables): min {:.1} ms, median {:.1} ms, max {:.1} ms (7 runs)",
        franchisees * invoices,
        times[0].as_secs_f64() * 1000.0,
        times[3].as_secs_f64() * 1000.0,
        times[6].as_secs_f64() * 1000.0,
    );
}

#[tokio::main]
async fn main() {
    let franchisees = env_usize("COL_BENCH_FRANCHISEES", 5_000);
    let invoices = env_usize("COL_BENCH_INVOICES", 60);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let st = storage::open_sql(&url).await.expect("sqlite");
    bench("SQLite", st, franchisees, invoices).await;
    if let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") {
        let url = storage::postgres::create_scratch_database(&base)
            .await
            .expect("scratch database");
        let st = storage::open_sql(&url).await.expect("postgres");
        bench("PostgreSQL", st, franchisees, invoices).await;
        let _ = storage::postgres::drop_scratch_database(&base, &url).await;
    } else {
        println!("PostgreSQL: skipped (TRASTIENDA_TEST_POSTGRES_URL not set)");
    }
}
