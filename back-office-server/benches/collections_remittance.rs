//! A SEPA direct-debit remittance at franchise scale, through the service layer the dashboard, the
//! API and the CLI use (`services::collections::create_remittance`): `REM_BENCH_FRANCHISEES`
//! (default 5,000) franchisees, each under contract with a mandate and `REM_BENCH_INVOICES`
//! (default 1) due invoices. One remittance picks them all, writes and validates the
//! pain.008.001.08 file (banking::pain008), stores it with a direct-debit payment per invoice, and
//! writes one pre-notification per franchisee. Prints figures for SQLite, then PostgreSQL when
//! `TRASTIENDA_TEST_POSTGRES_URL` is set.
//!
//! `cargo bench -p back-office-server --bench collections_remittance --profile dev`

use back_office_server::services::collections as svc;
use back_office_server::services::invoicing as inv;
use back_office_server::storage::db::{ColType, Value};
use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
use back_office_server::storage::{self, Storage, sql_storage::SqlStorage};
use chrono::{Duration, NaiveDate, Utc};
use std::time::Instant;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn terms(i: usize) -> String {
    let c: ContractIn = serde_json::from_value(serde_json::json!({
        "effective_from": "2022-01",
        "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
        "minimum_royalty": "500.00",
        "payment_days": 15,
        "payment": {"method": "transfer"},
        "billing_email": format!("cobros{i}@example.es"),
        "language": if i.is_multiple_of(4) { "en" } else { "es" },
        "prenotification_days": 2,
        "billing_address": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"}
    }))
    .expect("contract");
    serde_json::to_string(&c).expect("terms")
}

/// Franchisees, contracts, mandates, invoices and receivables straight into the tables (issuing
/// them through the invoicing run would measure the invoicing run).
async fn seed(st: &SqlStorage, franchisees: usize, invoices: usize) {
    let start = Instant::now();
    inv::set_issuer(
        st,
        &IssuerIn {
            legal_name: "Trastienda Central, S.L.".into(),
            nif: "B96873427".into(),
            address: serde_json::from_value(serde_json::json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"})).expect("address"),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: Some("ES48000B96873427".into()),
        },
        Utc::now(),
    )
    .await
    .expect("issuer");
    let first_day = NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    let signed = "2025-06-01";
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
                let contracts: Vec<(i64, String, String, String, String)> = ids
                    .iter()
                    .enumerate()
                    .map(|(i, f)| {
                        (
                            *f,
                            terms(i),
                            format!("cobros{i}@example.es"),
                            if i.is_multiple_of(4) { "en" } else { "es" }.to_string(),
                            format!("BENCH-MANDATO-{i:06}"),
                        )
                    })
                    .collect();
                for chunk in contracts.chunks(5_000) {
                    let rows: Vec<Vec<Value<'_>>> = chunk
                        .iter()
                        .map(|(f, t, e, l, _)| {
                            vec![
                                Value::Int(*f),
                                Value::Int(1),
                                Value::Text("2022-01"),
                                Value::Text(t),
                                Value::Text(e),
                                Value::Text(l),
                                Value::Text("bench"),
                                Value::Int(0),
                            ]
                        })
                        .collect();
                    tx.insert_many(
                        "INSERT INTO contract_versions (franchisee_id, version, effective_from, terms,
                           billing_email, language, created_by, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &[
                            ColType::Int,
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                        ],
                        &rows,
                    )
                    .await?;
                    let rows: Vec<Vec<Value<'_>>> = chunk
                        .iter()
                        .map(|(f, _, _, _, m)| {
                            vec![
                                Value::Int(*f),
                                Value::Text(m),
                                Value::Text("Franquiciado SL"),
                                Value::Text("ES7921000813610123456789"),
                                Value::Text("CORE"),
                                Value::Text(signed),
                                Value::Text("bench"),
                                Value::Int(0),
                            ]
                        })
                        .collect();
                    tx.insert_many(
                        "INSERT INTO sepa_mandates (franchisee_id, reference, debtor_name, debtor_iban, scheme,
                           signed_on, created_by, created_at)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                        &[
                            ColType::Int,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Text,
                            ColType::Int,
                        ],
                        &rows,
                    )
                    .await?;
                }
                let mut inv: Vec<(i64, i64, String, String, String, i64)> = Vec::new();
                let mut n = 0i64;
                for f in &ids {
                    for k in 0..invoices {
                        n += 1;
                        let issue = first_day + Duration::days((k as i64) * 30 + (f % 28));
                        let due = issue + Duration::days(15);
                        let total = 30_000 + (n * 37) % 90_000;
                        inv.push((
                            n,
                            *f,
                            format!("FQ-BENCH-{n:07}"),
                            issue.format("%Y-%m-%d").to_string(),
                            due.format("%Y-%m-%d").to_string(),
                            total,
                        ));
                    }
                }
                for chunk in inv.chunks(20_000) {
                    let rows: Vec<Vec<Value<'_>>> = chunk
                        .iter()
                        .map(|(id, f, num, issue, _, total)| {
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
                        .map(|(id, f, num, issue, due, total)| {
                            vec![
                                Value::Int(*id),
                                Value::Int(*f),
                                Value::Text("invoice"),
                                Value::Text(num),
                                Value::Text(issue),
                                Value::Text(due),
                                Value::Int(*total),
                                Value::Int(*total),
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
        "  seeded {franchisees} franchisees (contract + mandate) × {invoices} due invoices in {:.1} s",
        start.elapsed().as_secs_f64()
    );
}

async fn bench(label: &str, st: SqlStorage, franchisees: usize, invoices: usize) {
    println!("{label}:");
    seed(&st, franchisees, invoices).await;
    let _ = st
        .db()
        .write(|tx| Box::pin(async move { tx.batch("ANALYZE").await }))
        .await;
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let t = Instant::now();
    let r = svc::create_remittance(&st, today + Duration::days(3), "bench", Utc::now())
        .await
        .expect("remittance");
    let total = t.elapsed();
    let (_, xml) = st.sepa().remittance_file(r.id).await.expect("file");
    let notes = st.sepa().prenotifications(None).await.expect("notes");
    println!(
        "  remittance of {} debits ({}; pain.008 {:.1} MB) with {} pre-notifications: {:.2} s",
        r.debit_count,
        r.control_sum,
        xml.len() as f64 / 1_048_576.0,
        notes.len(),
        total.as_secs_f64()
    );
    // The pre-notification step alone: written again, every one kept as it is.
    let t = Instant::now();
    svc::prenotify(&st, &r, today, Utc::now())
        .await
        .expect("prenotify");
    println!(
        "  of which the pre-notifications (contracts read, one row per franchisee): about {:.2} s",
        t.elapsed().as_secs_f64()
    );
    // What a returns file of every tenth debit costs (camt.054-sized work through apply_returns).
    let returns: Vec<_> = st
        .sepa()
        .remittance_debits(r.id)
        .await
        .expect("debits")
        .into_iter()
        .step_by(10)
        .map(|d| back_office_server::storage::collections::ReturnIn {
            end_to_end_id: d.full_number,
            reason: "AM04 Saldo insuficiente".into(),
            date: today,
        })
        .collect();
    let t = Instant::now();
    let out = st
        .sepa()
        .apply_returns(&returns, Utc::now())
        .await
        .expect("returns");
    println!(
        "  {} returns applied (invoices open again): {:.2} s",
        out.reopened.len(),
        t.elapsed().as_secs_f64()
    );
}

#[tokio::main]
async fn main() {
    let franchisees = env_usize("REM_BENCH_FRANCHISEES", 5_000);
    let invoices = env_usize("REM_BENCH_INVOICES", 1);
    println!(
        "profile: {} (figures from a debug build are slower than release)",
        if cfg!(debug_assertions) {
            "debug"
        } else {
            "release"
        }
    );
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
