//! Tareas: HQ's view of the scheduled jobs: each job, when it runs, its last runs with how long
//! they took and what they did or why they failed. HQ admins can run one now for its current period.

use super::html;
use super::login::NoFields;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::jobs::{self, PeriodKind, RunReport};
use crate::key;
use crate::storage::jobs::{RunStatus, Trigger};
use axum::extract::State;
use chrono::Utc;
use maud::html;

/// Runs shown per job.
const RUNS_SHOWN: u32 = 10;

/// HQ roles only: a store manager gets the same answer as for a page that does not exist.
fn hq_only(v: &Viewer) -> Result<(), WebError> {
    if v.scope().is_some() {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(())
}

/// `GET /dashboard/jobs`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let now = Utc::now();
    let mut sections = Vec::new();
    for def in jobs::all() {
        sections.push((
            def,
            st.storage.jobs().recent_runs(def.name, RUNS_SHOWN).await?,
        ));
    }
    let body = html! {
        h1 { (m("jobs-title")) }
        (html::done(q.done.as_deref()))
        p class="muted" { (t.msg_with(key!("jobs-intro"), &[("zone", &jobs::HQ_TIME_ZONE.name())])) }
        @for (def, runs) in &sections {
            section class="card" id={ "job-" (def.name) } {
                h2 { code { (def.name) } " · " (t.msg(&format!("job-{}", def.name))) }
                p class="muted" {
                    (m("jobs-schedule")) " " code { (def.schedule) } " · "
                    (t.msg(match def.period {
                        PeriodKind::Day => "jobs-per-day",
                        PeriodKind::Month | PeriodKind::LastMonth => "jobs-per-month",
                        PeriodKind::Hour => "jobs-per-hour",
                        PeriodKind::Minute => "jobs-per-minute",
                    }))
                    " · " (m("jobs-current-period")) " " b { (def.period.current(now)) }
                }
                @if v.can_write() {
                    form class="inline" method="post" action={ "/dashboard/jobs/" (def.name) "/run" } {
                        (v.csrf_field())
                        button type="submit" id={ "run-" (def.name) } { (m("jobs-run-now")) }
                    }
                }
                @if runs.is_empty() {
                    (html::muted(&m("jobs-never")))
                } @else {
                    table class="runs" {
                        thead { tr {
                            th { (m("jobs-col-period")) } th { (m("jobs-col-status")) }
                            th { (m("jobs-col-started")) } th class="num" { (m("jobs-col-duration")) }
                            th { (m("jobs-col-trigger")) } th { (m("jobs-col-did")) }
                        } }
                        tbody {
                            @for r in runs {
                                tr data-status=(r.status.as_str()) {
                                    td { (r.period) }
                                    td {
                                        @match r.status {
                                            RunStatus::Ok => (html::badge("ok", &m("jobs-status-ok"))),
                                            RunStatus::Running => (html::badge("warn", &m("jobs-status-running"))),
                                            RunStatus::Failed => (html::badge("bad", &m("jobs-status-failed"))),
                                        }
                                        @if r.attempts > 1 {
                                            " " span class="muted" { (t.msg_with(key!("jobs-attempts"), &[("n", &r.attempts)])) }
                                        }
                                    }
                                    td { (t.datetime(r.started_at)) br; span class="muted" { (r.instance) } }
                                    td class="num" {
                                        @if let Some(ms) = r.duration_ms { (t.int(ms as i64)) " ms" }
                                    }
                                    td { (m(match r.trigger {
                                        Trigger::Schedule => "jobs-trigger-schedule",
                                        Trigger::Manual => "jobs-trigger-manual",
                                    })) }
                                    td {
                                        @if let Some(e) = &r.error {
                                            span class="error" { (e) }
                                        } @else {
                                            @for (i, (what, n)) in r.summary.iter().enumerate() {
                                                @if i > 0 { ", " }
                                                (t.msg_with(&format!("jobs-did-{what}"), &[("n", n)]))
                                            }
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, "jobs", &t.msg(key!("jobs-title")), body)))
}

/// `POST /dashboard/jobs/{name}/run`: runs the job now for its current period (once, as ever: a
/// period already done says so). The job runs in the background; the page shows it when it ends.
pub async fn run_now(
    State(st): State<AppState>,
    WebPath(name): WebPath<String>,
    WriteForm(v, _): WriteForm<NoFields>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let def = jobs::find(&name).map_err(|_| WebError::not_found_t(t))?;
    let now = Utc::now();
    let period = def.period.current(now);
    if let Some(run) = st.storage.jobs().get_run(def.name, &period).await?
        && run.status != RunStatus::Failed
    {
        return Ok(see_other(&format!(
            "/dashboard/jobs?done={}",
            html::url(&t.msg_with(
                key!("jobs-already"),
                &[("job", &def.name), ("period", &period)]
            ))
        )));
    }
    let storage = st.storage.clone();
    let mail = st.mail.clone();
    tokio::spawn(async move {
        match jobs::run_with(storage, mail, def, &period, Trigger::Manual, now).await {
            Ok(RunReport::Ran(_)) | Ok(RunReport::AlreadyTaken(_)) => {}
            Err(e) => {
                tracing::error!(job = def.name, error = %e, "job run from the dashboard failed")
            }
        }
    });
    Ok(see_other(&format!(
        "/dashboard/jobs?done={}",
        html::url(&t.msg_with(key!("jobs-started"), &[("job", &def.name)]))
    )))
}
