//! Tareas (`/dashboard/jobs`): HQ sees every job with its schedule and last runs; an admin runs one
//! now (once per period, as ever), an analyst only reads, a store manager does not see the page;
//! a failed run shows its error there and raises an alert on the overview. Both backends.

use back_office_server::jobs::{self, JobContext, JobDef, JobError, PeriodKind};
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::Utc;
use reqwest::StatusCode;

#[macro_use]
mod common;
use common::*;

async fn world(s: &Server) {
    let st = &s.storage;
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
        .unwrap()
        .id;
    for (user, role, stores) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("encargado", DashboardRole::Manager, vec![store]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            user,
            PASSWORD,
            role,
            stores,
        )
        .await
        .unwrap();
    }
}

fn broken(_: &JobContext) -> futures::future::BoxFuture<'_, Result<jobs::Outcome, JobError>> {
    Box::pin(async { Err(JobError::UnknownJob("the SMTP server refused".into())) })
}

static BROKEN: JobDef = JobDef {
    name: "prune-sign-ins",
    schedule: "0 0 0 * * *",
    period: PeriodKind::Month,
    body: broken,
};

on_both_backends!(the_jobs_page);
async fn the_jobs_page(s: &Server) {
    world(s).await;
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let page = hq.get("/dashboard/jobs").await;
    page.assert(StatusCode::OK, "Tareas programadas")
        .assert(StatusCode::OK, "prune-sign-ins")
        .assert(StatusCode::OK, "verify-chains")
        .assert(StatusCode::OK, "Todavía no se ha ejecutado")
        .assert(StatusCode::OK, "id=\"run-verify-chains\"");
    assert!(
        hq.get("/dashboard")
            .await
            .body
            .contains("href=\"/dashboard/jobs\"")
    );

    // Run now: it runs in the background and shows up with what it did.
    let r = hq
        .post("/dashboard/jobs/prune-sign-ins/run", &[("csrf", &csrf)])
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let mut shown = String::new();
    for _ in 0..50 {
        shown = hq.get("/dashboard/jobs").await.body;
        if shown.contains("sesiones caducadas borradas") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown.contains("data-status=\"ok\""), "{shown}");
    assert!(
        shown.contains("correcta") && shown.contains("manual"),
        "{shown}"
    );
    // Again in the same period: nothing is done, and the page says so.
    let again = hq
        .post("/dashboard/jobs/prune-sign-ins/run", &[("csrf", &csrf)])
        .await;
    let to = again.location.unwrap();
    assert!(to.contains("ya%20se%20ejecut"), "{to}");
    assert_eq!(
        s.storage
            .jobs()
            .recent_runs("prune-sign-ins", 10)
            .await
            .unwrap()
            .len(),
        1
    );
    // An unknown job.
    assert_eq!(
        hq.post("/dashboard/jobs/no-such-job/run", &[("csrf", &csrf)])
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // A failed run: its error on the page, an alert on the overview, in English too.
    jobs::run(
        s.storage.clone(),
        &BROKEN,
        "2026-11",
        Trigger::Schedule,
        Utc::now(),
    )
    .await
    .unwrap();
    hq.get("/dashboard/jobs")
        .await
        .assert(StatusCode::OK, "the SMTP server refused")
        .assert(StatusCode::OK, "fallida");
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Tarea fallida");
    hq.get("/dashboard/lang?to=en&back=/dashboard/jobs").await;
    hq.get("/dashboard/jobs")
        .await
        .assert(StatusCode::OK, "Scheduled jobs")
        .assert(StatusCode::OK, "expired sessions deleted");

    // The analyst reads, without the button; the manager does not see the page at all.
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    let page = analyst.get("/dashboard/jobs").await;
    page.assert(StatusCode::OK, "prune-sign-ins");
    assert!(!page.body.contains("id=\"run-verify-chains\""));
    assert_eq!(
        analyst
            .post("/dashboard/jobs/verify-chains/run", &[("csrf", &acsrf)])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let (mut manager, _) = Browser::signed_in(s, "encargado").await;
    assert_eq!(
        manager.get("/dashboard/jobs").await.status,
        StatusCode::NOT_FOUND
    );
    assert!(
        !manager
            .get("/dashboard")
            .await
            .body
            .contains("/dashboard/jobs")
    );
    assert!(
        s.storage
            .jobs()
            .recent_runs("verify-chains", 10)
            .await
            .unwrap()
            .is_empty()
    );
}
