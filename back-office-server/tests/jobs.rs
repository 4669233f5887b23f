//! The job runtime on both backends: job bodies driven step by step, a (job, period) run once even
//! when two instances race for it, failures recorded, alerted and retried, and the nightly chain
//! check finding a document altered in the database.

use back_office_server::jobs::{self, JobContext, JobDef, JobError, PeriodKind, RunReport};
use back_office_server::storage::dashboard::{DashboardRole, NewDashboardUser};
use back_office_server::storage::jobs::{RunStatus, Trigger};
use back_office_server::storage::{self, NewFranchisee, NewStore, SqlStorage, Storage, TillAuth};
use back_office_server::{auth, p};
use chrono::{Duration, Utc};
use std::sync::Arc;
use sync_protocol::{
    CashMovement, CashMovementDirection, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
};

/// Two handles on one database: two server instances.
struct Instances {
    a: Arc<dyn Storage>,
    b: Arc<dyn Storage>,
    sql: SqlStorage,
    _dir: Option<tempfile::TempDir>,
    drop: Option<(String, String)>,
}

async fn sqlite() -> Instances {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    let sql = storage::open_sql(&url).await.unwrap();
    Instances {
        a: Arc::new(sql.clone()),
        b: storage::open(&url).await.unwrap(),
        sql,
        _dir: Some(dir),
        drop: None,
    }
}

async fn postgres() -> Option<Instances> {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run");
        return None;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    let sql = storage::open_sql(&url).await.unwrap();
    Some(Instances {
        a: Arc::new(sql.clone()),
        b: storage::open(&url).await.unwrap(),
        sql,
        _dir: None,
        drop: Some((base, url)),
    })
}

macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(&super::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(i) = super::postgres().await else {
                    return;
                };
                super::$name(&i).await;
                if let Some((base, url)) = &i.drop {
                    let _ = back_office_server::storage::postgres::drop_scratch_database(base, url)
                        .await;
                }
            }
        }
    };
}

on_both_backends!(prune_runs_once_per_period);
async fn prune_runs_once_per_period(i: &Instances) {
    let st = &i.a;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    st.create_store(&NewStore::new(f.id, "Norte", "x"))
        .await
        .unwrap();
    let user = st
        .dashboard()
        .create_dashboard_user(&NewDashboardUser {
            username: "ana".into(),
            display_name: "Ana".into(),
            password_hash: "x".into(),
            role: DashboardRole::Admin,
            stores: vec![],
            franchisee: None,
        })
        .await
        .unwrap();
    let now = Utc::now();
    let d = st.dashboard();
    // (A sign-in deletes the sessions expired by then, so the old one is made last.)
    d.create_session("live", user, "c", now, now + Duration::hours(8))
        .await
        .unwrap();
    d.create_session(
        "old",
        user,
        "c",
        now - Duration::days(2),
        now - Duration::days(1),
    )
    .await
    .unwrap();
    d.record_login_failure(&["user:ana".into()], now - Duration::days(40))
        .await
        .unwrap();
    d.record_login_failure(&["user:ana".into()], now - Duration::minutes(5))
        .await
        .unwrap();

    let job = jobs::find("prune-sign-ins").unwrap();
    let period = job.period.current(now);
    let RunReport::Ran(run) = jobs::run(st.clone(), job, &period, Trigger::Manual, now)
        .await
        .unwrap()
    else {
        panic!("the first run of the period must run");
    };
    assert_eq!(run.status, RunStatus::Ok);
    assert_eq!(
        run.summary,
        vec![
            ("login_failures".to_string(), 1),
            ("sessions".to_string(), 1)
        ]
    );
    assert!(d.session_user("live", now).await.unwrap().is_some());
    assert_eq!(
        d.login_failures_since("user:ana", now - Duration::days(60))
            .await
            .unwrap(),
        1
    );

    // The same period again, from the other instance: nothing is done.
    let again = jobs::run(i.b.clone(), job, &period, Trigger::Schedule, now)
        .await
        .unwrap();
    assert!(matches!(again, RunReport::AlreadyTaken(r) if r.id == run.id));
    assert_eq!(st.jobs().recent_runs(job.name, 10).await.unwrap().len(), 1);
}

fn slow_body(cx: &JobContext) -> futures::future::BoxFuture<'_, Result<jobs::Outcome, JobError>> {
    Box::pin(async move {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        Ok(vec![("period_len".into(), cx.period.len() as u64)])
    })
}

static SLOW: JobDef = JobDef {
    name: "test-slow",
    schedule: "0 0 0 * * *",
    period: PeriodKind::Day,
    body: slow_body,
};

on_both_backends!(two_instances_racing_run_it_once);
async fn two_instances_racing_run_it_once(i: &Instances) {
    let now = Utc::now();
    let (x, y) = tokio::join!(
        jobs::run(i.a.clone(), &SLOW, "2026-12-01", Trigger::Schedule, now),
        jobs::run(i.b.clone(), &SLOW, "2026-12-01", Trigger::Schedule, now),
    );
    let reports = [x.unwrap(), y.unwrap()];
    let ran = reports
        .iter()
        .filter(|r| matches!(r, RunReport::Ran(_)))
        .count();
    assert_eq!(ran, 1, "{reports:?}");
    let runs = i.a.jobs().recent_runs("test-slow", 10).await.unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].status, RunStatus::Ok);
    assert_eq!(runs[0].attempts, 1);
    assert!(runs[0].duration_ms.unwrap() >= 300);
}

fn failing_body(_: &JobContext) -> futures::future::BoxFuture<'_, Result<jobs::Outcome, JobError>> {
    Box::pin(async { Err(JobError::UnknownJob("the bank is closed".into())) })
}

static FAILING: JobDef = JobDef {
    name: "test-failing",
    schedule: "0 0 0 * * *",
    period: PeriodKind::Month,
    body: failing_body,
};

on_both_backends!(a_failed_run_is_alerted_and_can_run_again);
async fn a_failed_run_is_alerted_and_can_run_again(i: &Instances) {
    let now = Utc::now();
    let RunReport::Ran(r) = jobs::run(i.a.clone(), &FAILING, "2026-11", Trigger::Schedule, now)
        .await
        .unwrap()
    else {
        panic!("must run");
    };
    assert_eq!(r.status, RunStatus::Failed);
    assert!(r.error.as_deref().unwrap().contains("the bank is closed"));
    let alerts = i.a.dashboard().open_alerts().await.unwrap();
    assert!(
        alerts
            .iter()
            .any(|a| a.kind == "job_failed" && a.message.contains("test-failing for 2026-11")),
        "{alerts:?}"
    );
    // A failed period is claimed again by the next attempt (the same alert is not raised twice).
    let RunReport::Ran(r2) = jobs::run(i.b.clone(), &FAILING, "2026-11", Trigger::Manual, now)
        .await
        .unwrap()
    else {
        panic!("a failed period runs again");
    };
    assert_eq!(r2.id, r.id);
    assert_eq!(r2.attempts, 2);
    let failed = i.a.dashboard().open_alerts().await.unwrap();
    assert_eq!(failed.iter().filter(|a| a.kind == "job_failed").count(), 1);
}

async fn till(st: &Arc<dyn Storage>) -> TillAuth {
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Norte", "x"))
        .await
        .unwrap();
    let code = auth::new_enrolment_code();
    st.create_till(
        store.id,
        "Caja 1",
        &auth::hash_token(&code),
        Utc::now() + Duration::days(1),
    )
    .await
    .unwrap();
    let e = st
        .enroll_till(&auth::hash_token(&code), None, "t", "tok", Utc::now())
        .await
        .unwrap();
    TillAuth {
        till_id: e.till_id,
        store_id: e.store_id,
        franchisee_id: e.franchisee_id,
        revoked: false,
    }
}

on_both_backends!(the_nightly_chain_check_finds_an_altered_document);
async fn the_nightly_chain_check_finds_an_altered_document(i: &Instances) {
    let st = &i.a;
    let t = till(st).await;
    let mut prev = GENESIS_HASH.to_string();
    let mut docs = vec![];
    for seq in 1..=30u64 {
        let d = Document::seal(
            DocumentId::new(),
            t.till_id,
            t.store_id,
            seq,
            Utc::now(),
            &prev,
            DocumentBody::CashMovement(CashMovement {
                direction: CashMovementDirection::In,
                amount: Money::from_cents(100 * seq as i64),
                reason: format!("cambio {seq}"),
                staff_id: None,
            }),
        );
        prev = d.hash.clone();
        docs.push(d);
    }
    st.push(&t, &docs, Utc::now()).await.unwrap();
    let job = jobs::find("verify-chains").unwrap();
    // A Wednesday: goes on from where the last check stopped (nothing checked yet: from the start).
    let RunReport::Ran(r) = jobs::run(st.clone(), job, "2026-12-02", Trigger::Manual, Utc::now())
        .await
        .unwrap()
    else {
        panic!("must run");
    };
    assert_eq!(
        r.summary,
        vec![
            ("breaks".to_string(), 0),
            ("documents".to_string(), 30),
            ("tills".to_string(), 1)
        ]
    );

    // Someone edits a stored document in the database: 1.00 € becomes 9.00 €. The archive's
    // trigger refuses it; a tamperer with the database's keys drops the trigger first, and the
    // chain check must still find it.
    let refused = i
        .sql
        .db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute(
                    "UPDATE documents SET json = REPLACE(json, '\"amount\":\"1.00\"', '\"amount\":\"9.00\"') WHERE seq = 1",
                    p![],
                )
                .await
            })
        })
        .await;
    assert!(refused.is_err(), "a stored document was rewritten");
    let n = i
        .sql
        .db()
        .write(|tx| {
            Box::pin(async move {
                let drop = match tx.dialect() {
                    back_office_server::storage::db::Dialect::Sqlite => {
                        "DROP TRIGGER documents_no_rewrite"
                    }
                    back_office_server::storage::db::Dialect::Postgres => {
                        "DROP TRIGGER documents_no_rewrite ON documents"
                    }
                };
                tx.execute(drop, p![]).await?;
                tx.execute(
                    "UPDATE documents SET json = REPLACE(json, '\"amount\":\"1.00\"', '\"amount\":\"9.00\"') WHERE seq = 1",
                    p![],
                )
                .await
            })
        })
        .await
        .unwrap();
    assert_eq!(n, 1);
    // The next weekday only checks what arrived since: nothing new, no alert.
    let RunReport::Ran(r) = jobs::run(st.clone(), job, "2026-12-03", Trigger::Manual, Utc::now())
        .await
        .unwrap()
    else {
        panic!("must run");
    };
    assert!(r.summary.contains(&("documents".to_string(), 0)));
    // Sunday's full check finds it.
    let RunReport::Ran(r) = jobs::run(st.clone(), job, "2026-12-06", Trigger::Manual, Utc::now())
        .await
        .unwrap()
    else {
        panic!("must run");
    };
    assert!(r.summary.contains(&("breaks".to_string(), 1)), "{r:?}");
    let alerts = st.dashboard().open_alerts().await.unwrap();
    let found: Vec<_> = alerts.iter().filter(|a| a.kind == "chain_verify").collect();
    assert_eq!(found.len(), 1, "{alerts:?}");
    assert!(found[0].message.contains("seq 1"), "{}", found[0].message);
    // Checked again the next Sunday: the open alert is not raised twice.
    jobs::run(st.clone(), job, "2026-12-13", Trigger::Manual, Utc::now())
        .await
        .unwrap();
    let again = st.dashboard().open_alerts().await.unwrap();
    assert_eq!(again.iter().filter(|a| a.kind == "chain_verify").count(), 1);
}

on_both_backends!(sale_rows_are_kept_and_checked_against_their_documents);
/// A sale's report rows (`sales`, `sale_lines`, `sale_payments`) cannot be changed or deleted
/// (PostgreSQL holds them without foreign keys since migration 0049, so nothing else keeps a
/// parent from going away), the chain check compares each sale's rows with its content, and
/// Sunday's check finds rows that belong to no stored sale.
async fn sale_rows_are_kept_and_checked_against_their_documents(i: &Instances) {
    use sync_protocol::{
        Payment, ProductId, Quantity, Sale, SaleLine, TaxRate, Tender, compute_totals,
    };
    let st = &i.a;
    let t = till(st).await;
    let line = SaleLine {
        line_id: uuid::Uuid::new_v4(),
        product_id: ProductId(7),
        barcode: None,
        name: "Café".into(),
        quantity: Quantity::units(2),
        unit_price: Money::from_cents(150),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    };
    let totals = compute_totals(&[line.input()], Money::ZERO).unwrap();
    let body = DocumentBody::Sale(Sale {
        ticket_number: "T-1".into(),
        cashier_id: None,
        lines: vec![line],
        ticket_discount: Money::ZERO,
        payments: vec![Payment {
            payment_id: uuid::Uuid::new_v4(),
            tender: Tender::Card,
            amount: totals.total,
            tendered: None,
            change: Money::ZERO,
            reference: None,
        }],
        totals,
    });
    let d = Document::seal(
        DocumentId::new(),
        t.till_id,
        t.store_id,
        1,
        Utc::now(),
        GENESIS_HASH,
        body,
    );
    let id = d.id.to_string();
    st.push(&t, &[d], Utc::now()).await.unwrap();
    let job = jobs::find("verify-chains").unwrap();
    let run = |period: &'static str| {
        let st = st.clone();
        async move {
            let RunReport::Ran(r) = jobs::run(st, job, period, Trigger::Manual, Utc::now())
                .await
                .unwrap()
            else {
                panic!("must run");
            };
            r.summary
        }
    };
    let clean = run("2026-12-06").await;
    assert!(clean.contains(&("breaks".to_string(), 0)), "{clean:?}");
    assert!(
        clean.contains(&("stray_sale_rows".to_string(), 0)),
        "{clean:?}"
    );

    for sql in [
        "DELETE FROM sale_lines",
        "DELETE FROM sale_payments",
        "DELETE FROM sales",
        "UPDATE sales SET total_cents = 1",
        "UPDATE sale_lines SET gross_cents = 1",
        "UPDATE sale_payments SET amount_cents = 1",
    ] {
        let r = i
            .sql
            .db()
            .write(move |tx| Box::pin(async move { tx.execute(sql, p![]).await }))
            .await;
        assert!(r.is_err(), "{sql} was allowed");
    }

    // A second line written beside the sale's, around HQ: the next check of that sale finds it.
    let id2 = id.clone();
    i.sql
        .db()
        .write(move |tx| {
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
                     VALUES (?1, 99, 'x', 7, 1000, 100, 91, 1000)",
                    p![&id2],
                )
                .await
            })
        })
        .await
        .unwrap();
    let found = run("2026-12-13").await;
    assert!(found.contains(&("breaks".to_string(), 1)), "{found:?}");
    let alerts = st.dashboard().open_alerts().await.unwrap();
    let verify: Vec<_> = alerts.iter().filter(|a| a.kind == "chain_verify").collect();
    assert_eq!(verify.len(), 1, "{alerts:?}");
    assert!(
        verify[0].message.contains("sale rows differ"),
        "{}",
        verify[0].message
    );

    // A line of no stored sale (SQLite's foreign key refuses it; PostgreSQL has none): Sunday's
    // check counts it and raises one alert.
    let stray = i
        .sql
        .db()
        .write(|tx| {
            Box::pin(async move {
                tx.execute(
                    "INSERT INTO sale_lines (document_id, line_no, line_id, product_id, quantity_milli, gross_cents, net_cents, tax_rate_hundredths)
                     VALUES ('no-such-sale', 1, 'y', 7, 1000, 100, 91, 1000)",
                    p![],
                )
                .await
            })
        })
        .await;
    match i.sql.db().dialect() {
        back_office_server::storage::db::Dialect::Sqlite => {
            assert!(stray.is_err(), "SQLite keeps its foreign keys");
        }
        back_office_server::storage::db::Dialect::Postgres => {
            stray.unwrap();
            let swept = run("2026-12-20").await;
            assert!(
                swept.contains(&("stray_sale_rows".to_string(), 1)),
                "{swept:?}"
            );
            let alerts = st.dashboard().open_alerts().await.unwrap();
            assert_eq!(
                alerts
                    .iter()
                    .filter(|a| a.kind == "sale_rows_stray")
                    .count(),
                1,
                "{alerts:?}"
            );
        }
    }
}

#[test]
fn bad_periods_and_unknown_jobs_are_refused() {
    assert!(jobs::find("no-such-job").is_err());
    let job = jobs::find("verify-chains").unwrap();
    assert!(job.period.parse("2026-12-32").is_err());
    assert!(job.period.parse("yesterday").is_err());
}

on_both_backends!(old_runs_of_the_minute_jobs_are_pruned);
/// `prune-job-runs`: successful runs of the per-minute and hourly jobs go after 30 days, failed
/// ones after a year; running runs and runs of daily jobs stay.
async fn old_runs_of_the_minute_jobs_are_pruned(i: &Instances) {
    let st = &i.a;
    let now = Utc::now();
    let j = st.jobs();
    async fn make(
        j: &dyn back_office_server::storage::jobs::JobStorage,
        now: chrono::DateTime<Utc>,
        job: &str,
        period: &str,
        ago: Duration,
        ok: Option<bool>,
    ) {
        use back_office_server::storage::jobs::Claim;
        let at = now - ago;
        let Claim::Claimed(id) = j
            .claim_run(
                job,
                period,
                Trigger::Schedule,
                "test",
                at,
                at - Duration::hours(6),
            )
            .await
            .unwrap()
        else {
            panic!("claimed");
        };
        if let Some(ok) = ok {
            let outcome = if ok {
                Ok(vec![])
            } else {
                Err("AEAT down".to_string())
            };
            j.finish_run(id, outcome, at + Duration::seconds(1))
                .await
                .unwrap();
        }
    }
    make(
        j,
        now,
        "verifactu-send",
        "old-ok",
        Duration::days(31),
        Some(true),
    )
    .await;
    make(
        j,
        now,
        "verifactu-send",
        "recent-ok",
        Duration::days(29),
        Some(true),
    )
    .await;
    make(
        j,
        now,
        "verifactu-send",
        "old-failed",
        Duration::days(366),
        Some(false),
    )
    .await;
    make(
        j,
        now,
        "send-invoices",
        "failed-this-year",
        Duration::days(200),
        Some(false),
    )
    .await;
    make(
        j,
        now,
        "send-invoices",
        "old-ok",
        Duration::days(40),
        Some(true),
    )
    .await;
    make(
        j,
        now,
        "verifactu-send",
        "still-running",
        Duration::days(400),
        None,
    )
    .await;
    make(
        j,
        now,
        "verify-chains",
        "daily-old-ok",
        Duration::days(400),
        Some(true),
    )
    .await;

    let job = jobs::find("prune-job-runs").unwrap();
    let RunReport::Ran(run) = jobs::run(
        st.clone(),
        job,
        &job.period.current(now),
        Trigger::Manual,
        now,
    )
    .await
    .unwrap() else {
        panic!("the first run of the day must run");
    };
    assert_eq!(run.status, RunStatus::Ok, "{run:?}");
    assert_eq!(
        run.summary,
        vec![("failed_runs".to_string(), 1), ("ok_runs".to_string(), 2)]
    );
    for (job, period, kept) in [
        ("verifactu-send", "old-ok", false),
        ("verifactu-send", "recent-ok", true),
        ("verifactu-send", "old-failed", false),
        ("send-invoices", "failed-this-year", true),
        ("send-invoices", "old-ok", false),
        ("verifactu-send", "still-running", true),
        ("verify-chains", "daily-old-ok", true),
    ] {
        assert_eq!(
            j.get_run(job, period).await.unwrap().is_some(),
            kept,
            "{job} {period}"
        );
    }
}
