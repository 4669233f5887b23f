//! The monthly invoicing run at franchise scale: `INV_BENCH_FRANCHISEES` (default 500)
//! franchisees with 3 stores each, over a database of `INV_BENCH_LINES` (default 10,000,000) sale
//! lines (4 per ticket, spread over the 12 months to November 2026), invoicing November 2026 for
//! everyone: sales claimed, royalties computed, PDF, UBL and Facturae rendered, HQ's VERI*FACTU
//! chain extended, one transaction per franchisee. Then the rerun (issues nothing). Prints figures
//! for SQLite, then PostgreSQL when `TRASTIENDA_TEST_POSTGRES_URL` is set.
//!
//! The sales are generated inside the database (a recursive CTE on SQLite, `generate_series` on
//! PostgreSQL) instead of pushed by tills: pushing 2.5 million tickets through ingest would take the
//! bench's whole budget, and invoicing reads only the stored rows.
//!
//! `cargo bench -p back-office-server --bench invoicing_run`

use back_office_server::services::invoicing as svc;
use back_office_server::storage::invoicing::{ContractIn, IssuerIn, PaymentIn};
use back_office_server::storage::{
    self, NewFranchisee, NewStore, Storage, sql_storage::SqlStorage,
};
use chrono::Utc;
use rust_decimal::Decimal;
use std::time::Instant;
use sync_protocol::Money;
use trastienda_einvoice::royalty::Tier;
use trastienda_einvoice::{Address, Language};

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn address() -> Address {
    Address {
        street: "Calle Mayor 1".into(),
        postal_code: "28013".into(),
        city: "Madrid".into(),
        province: "Madrid".into(),
        country: "ES".into(),
    }
}

/// A valid DNI-shaped NIF for franchisee `i` (number + control letter).
fn nif(i: usize) -> String {
    let n = 10_000_000 + i as u64;
    let letters = b"TRWAGMYFPDXBNJZSQVHLCKE";
    format!("{n}{}", letters[(n % 23) as usize] as char)
}

async fn seed(st: &SqlStorage, franchisees: usize, lines: usize) {
    let t = Instant::now();
    let now = Utc::now();
    svc::set_issuer(
        st,
        &IssuerIn {
            legal_name: "Trastienda Central, S.L.".into(),
            nif: "B96873427".into(),
            address: address(),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: None,
        },
        now,
    )
    .await
    .expect("issuer");
    for i in 0..franchisees {
        let f = st
            .create_franchisee(&NewFranchisee {
                legal_name: format!("Franquicia {i} Ruiz"),
                nif: nif(i),
                address: "x".into(),
            })
            .await
            .expect("franchisee")
            .id;
        for k in 0..3 {
            st.create_store(&NewStore::new(f, &format!("Tienda {i}-{k}"), "x"))
                .await
                .expect("store");
        }
        svc::create_contract(
            st,
            f,
            &ContractIn {
                effective_from: "2025-12".into(),
                royalty_tiers: vec![
                    Tier {
                        from: Money::ZERO,
                        to: Some(Money::from_cents(2_000_000)),
                        percent: Decimal::new(6, 0),
                    },
                    Tier {
                        from: Money::from_cents(2_000_000),
                        to: None,
                        percent: Decimal::new(4, 0),
                    },
                ],
                minimum_royalty: Money::from_cents(30_000),
                marketing_fund_percent: Decimal::ONE,
                fee_per_till: Money::ZERO,
                fee_per_store: Money::from_cents(4_000),
                entry_fee: Money::ZERO,
                payment_days: 30,
                payment: PaymentIn::Transfer,
                billing_email: format!("f{i}@franquicia.example.es"),
                language: if i % 5 == 0 {
                    Language::En
                } else {
                    Language::Es
                },
                billing_address: address(),
                equivalence_surcharge: false,
                prenotification_days: None,
            },
            "bench",
            now,
        )
        .await
        .expect("contract");
    }
    println!(
        "  {franchisees} franchisees, {} stores, contracts: {:.1} s",
        franchisees * 3,
        t.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let stores = franchisees * 3;
    let tickets = lines / 4;
    let sqlite = st.backend() == "sqlite";
    // Ticket i: store 1 + i % stores, day i % 360 after 2025-12-01, 4 lines of 10.00 net.
    let (series, day) = if sqlite {
        (
            format!(
                "WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < {tickets})"
            ),
            "date('2025-12-01', '+' || (i % 360) || ' days')".to_string(),
        )
    } else {
        (
            format!("WITH n(i) AS (SELECT generate_series(0, {tickets} - 1)::BIGINT)"),
            "to_char(DATE '2025-12-01' + (i % 360)::INT, 'YYYY-MM-DD')".to_string(),
        )
    };
    let sql = format!(
        "INSERT INTO tills (store_id, name, ticket_series, code_expires_at, enrolled_at)
           SELECT id, 'Caja 1', 'T' || id, 0, 0 FROM stores ORDER BY id;
         {series}
         INSERT INTO documents (id, till_id, store_id, seq, kind, till_time, business_day, hash, prev_hash, json, received_at)
           SELECT 'b' || i, 1 + i % {stores}, 1 + i % {stores}, i, 'sale', 0, {day}, 'x', 'x', '{{}}', 0 FROM n;
         INSERT INTO sales (document_id, kind, till_id, store_id, business_day, number, total_cents, net_cents, tax_cents)
           SELECT id, 'sale', till_id, store_id, business_day, 'T' || seq, 4840, 4000, 840 FROM documents;
         INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
           SELECT s.document_id, k.k, 'l', 1, 1000, 1210, 1000, 2100
           FROM sales s CROSS JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) k;"
    );
    st.db()
        .write(move |tx| Box::pin(async move { tx.batch(&sql).await }))
        .await
        .expect("sales");
    let _ = st
        .db()
        .write(|tx| Box::pin(async move { tx.batch("ANALYZE").await }))
        .await;
    println!(
        "  {tickets} tickets, {} sale lines generated: {:.1} s",
        tickets * 4,
        t.elapsed().as_secs_f64()
    );
}

async fn bench(label: &str, st: SqlStorage, franchisees: usize, lines: usize) {
    println!("{label}:");
    seed(&st, franchisees, lines).await;
    let t = Instant::now();
    let run = svc::run(&st, "2026-11", Utc::now(), &|_, _| {})
        .await
        .expect("run");
    let first = t.elapsed();
    assert!(run.failed.is_empty(), "{:?}", run.failed);
    let counted: i64 = st
        .db()
        .read(|tx| {
            Box::pin(async move { tx.scalar("SELECT COUNT(*) FROM invoice_sales", &[]).await })
        })
        .await
        .expect("count");
    let bytes: i64 = st
        .db()
        .read(|tx| {
            Box::pin(async move {
                tx.scalar(
                    "SELECT CAST(COALESCE(SUM(LENGTH(content)), 0) AS BIGINT) FROM invoice_documents",
                    &[],
                )
                .await
            })
        })
        .await
        .expect("bytes");
    println!(
        "  run 2026-11: {} invoices (PDF + UBL + Facturae, {:.1} MB) counting {counted} tickets in {:.1} s ({:.1} ms per invoice)",
        run.issued.len(),
        bytes as f64 / 1e6,
        first.as_secs_f64(),
        first.as_secs_f64() * 1000.0 / run.issued.len().max(1) as f64
    );
    let t = Instant::now();
    let again = svc::run(&st, "2026-11", Utc::now(), &|_, _| {})
        .await
        .expect("rerun");
    println!(
        "  rerun: {} issued, {} already invoiced, in {:.2} s",
        again.issued.len(),
        again.already,
        t.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let franchisees = env_usize("INV_BENCH_FRANCHISEES", 500);
    let lines = env_usize("INV_BENCH_LINES", 10_000_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let st = storage::open_sql(&url).await.expect("sqlite");
    bench("SQLite", st, franchisees, lines).await;
    drop(dir);
    if let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") {
        let url = storage::postgres::create_scratch_database(&base)
            .await
            .expect("scratch database");
        let st = storage::open_sql(&url).await.expect("postgres");
        bench("PostgreSQL", st, franchisees, lines).await;
        let _ = storage::postgres::drop_scratch_database(&base, &url).await;
    } else {
        println!("PostgreSQL: skipped (TRASTIENDA_TEST_POSTGRES_URL not set)");
    }
}
