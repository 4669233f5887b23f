//! Scheduled jobs: each body is a plain function that does one unit of work for one period and
//! returns what it did; [`run`] claims the (job, period) once across every server instance, times
//! it and records the outcome; the scheduler (tokio-cron-scheduler) only calls [`run`].

use crate::storage::jobs::{Claim, JobRun, Trigger};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc, Weekday};
use futures::future::BoxFuture;
use std::sync::Arc;
use sync_protocol::Document;

/// HQ's time zone for schedules and periods.
pub const HQ_TIME_ZONE: chrono_tz::Tz = chrono_tz::Europe::Madrid;

/// A run still `running` after this long is taken to be abandoned (its instance died).
pub const STALE_AFTER: Duration = Duration::hours(6);

/// Failed sign-ins are kept this long (the lockout looks back minutes; the rest is for audit).
pub const LOGIN_FAILURES_KEPT: Duration = Duration::days(30);

/// Successful runs of the per-minute and hourly jobs (`verifactu-send` alone writes 1,440 rows a
/// day) are kept this long; what they did is kept elsewhere too (the AEAT's answers and the
/// envelopes sent are in the VERI*FACTU tables for good).
pub const ROUTINE_RUNS_KEPT: Duration = Duration::days(30);
/// Failed runs of those jobs are kept this long, for looking into a pattern of failures.
pub const FAILED_RUNS_KEPT: Duration = Duration::days(365);

/// How a job's runs are keyed: one run per business day or per month (HQ's time zone).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// A minute (`2026-12-04T10:15`), for work that goes on all day (the VERI*FACTU sender).
    Minute,
    Day,
    Month,
    /// A month, run in the month after it (the invoicing of a closed month).
    LastMonth,
    /// An hour (`2026-12-04T13`): retried work that should not wait a day.
    Hour,
}

impl PeriodKind {
    /// The period `now` falls in: `2026-12-04T10:15`, `2026-12-04` or `2026-12`.
    pub fn current(self, now: DateTime<Utc>) -> String {
        let local = now.with_timezone(&HQ_TIME_ZONE);
        let day = local.date_naive();
        match self {
            PeriodKind::Minute => local.format("%Y-%m-%dT%H:%M").to_string(),
            PeriodKind::Day => day.format("%Y-%m-%d").to_string(),
            PeriodKind::Month => day.format("%Y-%m").to_string(),
            PeriodKind::Hour => now
                .with_timezone(&HQ_TIME_ZONE)
                .format("%Y-%m-%dT%H")
                .to_string(),
            PeriodKind::LastMonth => (day.with_day(1).unwrap_or(day) - Duration::days(1))
                .format("%Y-%m")
                .to_string(),
        }
    }

    /// Checks a period typed by a person.
    pub fn parse(self, period: &str) -> Result<String, JobError> {
        let ok = match self {
            PeriodKind::Minute => {
                chrono::NaiveDateTime::parse_from_str(period, "%Y-%m-%dT%H:%M").is_ok()
                    && period.len() == 16
            }
            PeriodKind::Day => NaiveDate::parse_from_str(period, "%Y-%m-%d").is_ok(),
            PeriodKind::Hour => {
                period.len() == 13
                    && chrono::NaiveDateTime::parse_from_str(
                        &format!("{period}:00"),
                        "%Y-%m-%dT%H:%M",
                    )
                    .is_ok()
            }
            PeriodKind::Month | PeriodKind::LastMonth => {
                NaiveDate::parse_from_str(&format!("{period}-01"), "%Y-%m-%d")
                    .is_ok_and(|_| period.len() == 7)
            }
        };
        if ok {
            Ok(period.to_string())
        } else {
            Err(JobError::BadPeriod {
                period: period.to_string(),
                expected: match self {
                    PeriodKind::Minute => "YYYY-MM-DDTHH:MM",
                    PeriodKind::Day => "YYYY-MM-DD",
                    PeriodKind::Hour => "YYYY-MM-DDTHH",
                    PeriodKind::Month | PeriodKind::LastMonth => "YYYY-MM",
                },
            })
        }
    }
}

/// What a run did: counts by name, shown on the Tareas page and by `jobs list`.
pub type Outcome = Vec<(String, u64)>;

#[derive(Debug, thiserror::Error)]
pub enum JobError {
    #[error("unknown job {0:?}; `jobs list` shows them")]
    UnknownJob(String),
    #[error("period {period:?} is not a {expected} period")]
    BadPeriod {
        period: String,
        expected: &'static str,
    },
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The job did part of its work; what failed is said (running it again does the rest).
    #[error("{0}")]
    Partly(String),
}

/// What a job body gets: the storage and the period it works on.
pub struct JobContext {
    pub storage: Arc<dyn Storage>,
    /// The SMTP settings of the instance running it.
    pub mail: crate::services::mail::MailSettings,
    pub period: String,
    pub now: DateTime<Utc>,
}

/// A job body: one unit of work for the context's period.
pub type JobBody = for<'a> fn(&'a JobContext) -> BoxFuture<'a, Result<Outcome, JobError>>;

/// A scheduled job.
pub struct JobDef {
    pub name: &'static str,
    /// Cron expression with seconds (`sec min hour day month weekday`), in HQ's time zone.
    pub schedule: &'static str,
    pub period: PeriodKind,
    pub body: JobBody,
}

/// Every job the server runs.
pub fn all() -> &'static [JobDef] {
    &[
        JobDef {
            name: "prune-sign-ins",
            schedule: "0 15 3 * * *",
            period: PeriodKind::Day,
            body: |cx| Box::pin(prune_sign_ins(cx)),
        },
        JobDef {
            name: "prune-job-runs",
            schedule: "0 20 3 * * *",
            period: PeriodKind::Day,
            body: |cx| Box::pin(prune_job_runs(cx)),
        },
        JobDef {
            name: "invoice-franchisees",
            schedule: "0 0 6 1 * *",
            period: PeriodKind::LastMonth,
            body: |cx| Box::pin(invoice_franchisees(cx)),
        },
        JobDef {
            name: "send-invoices",
            schedule: "0 20 * * * *",
            period: PeriodKind::Hour,
            body: |cx| Box::pin(send_invoices(cx)),
        },
        JobDef {
            name: "send-customer-mail",
            schedule: "30 * * * * *",
            period: PeriodKind::Minute,
            body: |cx| Box::pin(send_customer_mail(cx)),
        },
        JobDef {
            name: "verifactu-send",
            schedule: "0 * * * * *",
            period: PeriodKind::Minute,
            body: |cx| Box::pin(verifactu_send(cx)),
        },
        JobDef {
            name: "replenishment",
            // Every hour: each store runs once per local day, from its own hour on.
            schedule: "0 5 * * * *",
            period: PeriodKind::Hour,
            body: |cx| Box::pin(replenishment(cx)),
        },
        JobDef {
            name: "send-purchase-orders",
            // Every ten minutes: each failed e-mail waits its own growing time before it is retried.
            schedule: "0 */10 * * * *",
            period: PeriodKind::Minute,
            body: |cx| Box::pin(send_purchase_orders(cx)),
        },
        JobDef {
            name: "apply-price-schedules",
            // Every hour: a scheduled price is applied once every store it covers has reached its
            // date (each at its own local midnight: the Canaries an hour after the Peninsula).
            schedule: "0 1 * * * *",
            period: PeriodKind::Hour,
            body: |cx| Box::pin(apply_price_schedules(cx)),
        },
        JobDef {
            name: "verify-chains",
            schedule: "0 30 2 * * *",
            period: PeriodKind::Day,
            body: |cx| Box::pin(verify_chains(cx)),
        },
        JobDef {
            name: "alert-digest",
            schedule: "0 30 7 * * *",
            period: PeriodKind::Day,
            body: |cx| Box::pin(alert_digest(cx)),
        },
        JobDef {
            name: "dunning",
            schedule: "0 0 7 * * *",
            period: PeriodKind::Day,
            body: |cx| Box::pin(dunning(cx)),
        },
        JobDef {
            name: "sepa-prenotify",
            schedule: "0 40 * * * *",
            period: PeriodKind::Hour,
            body: |cx| Box::pin(sepa_prenotify(cx)),
        },
    ]
}

pub fn find(name: &str) -> Result<&'static JobDef, JobError> {
    all()
        .iter()
        .find(|j| j.name == name)
        .ok_or_else(|| JobError::UnknownJob(name.to_string()))
}

/// What [`run`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunReport {
    /// This instance ran it; the finished run (ok or failed).
    Ran(JobRun),
    /// The period was done already or is running elsewhere: nothing was done.
    AlreadyTaken(JobRun),
}

/// This process as it signs its runs: host name and process id.
pub fn instance_name() -> String {
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "host".into());
    format!("{host}:{}", std::process::id())
}

/// Runs `job` for `period` once across every instance: claims it, runs the body, records what it
/// did or why it failed (a failure also raises a `job_failed` alert on the overview).
pub async fn run(
    storage: Arc<dyn Storage>,
    job: &JobDef,
    period: &str,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<RunReport, JobError> {
    run_with(
        storage,
        crate::services::mail::MailSettings::process(),
        job,
        period,
        trigger,
        now,
    )
    .await
}

/// [`run`] with the SMTP settings of the instance running it (a server's `AppState::mail`).
pub async fn run_with(
    storage: Arc<dyn Storage>,
    mail: crate::services::mail::MailSettings,
    job: &JobDef,
    period: &str,
    trigger: Trigger,
    now: DateTime<Utc>,
) -> Result<RunReport, JobError> {
    let jobs = storage.jobs();
    let claim = jobs
        .claim_run(
            job.name,
            period,
            trigger,
            &instance_name(),
            now,
            now - STALE_AFTER,
        )
        .await?;
    let id = match claim {
        Claim::Claimed(id) => id,
        Claim::Taken(run) => return Ok(RunReport::AlreadyTaken(run)),
    };
    let cx = JobContext {
        storage: storage.clone(),
        mail,
        period: period.to_string(),
        now,
    };
    let outcome = (job.body)(&cx).await.map_err(|e| e.to_string());
    let finished = storage.jobs().finish_run(id, outcome, Utc::now()).await?;
    if let Some(err) = &finished.error {
        tracing::error!(job = job.name, period, error = %err, "job failed");
        let params = serde_json::json!({ "job": job.name, "period": period, "error": err });
        storage
            .alerts()
            .raise(
                "job_failed",
                None,
                None,
                &format!("job {} for {period} failed: {err}", job.name),
                &params,
                Utc::now(),
            )
            .await?;
    } else {
        tracing::info!(job = job.name, period, summary = ?finished.summary, "job done");
    }
    Ok(RunReport::Ran(finished))
}

/// SKUs a stock alert keeps in its parameters (its text says how many there are in all).
pub const ALERT_SKUS_KEPT: usize = 100;

/// Replenishment, per store once per local business day: the stock alerts (negative stock, at or
/// below the reorder point, expected to run out within the supplier's lead time, dead stock) and
/// one draft purchase order per supplier with the store's suggested lines (an open draft the job
/// made and nobody edited gets the new lines; one a person made or edited is left alone).
/// An hour period (the schedule) runs each store whose local hour (its time zone, its configured
/// hour, 06:00 by default) has come, for its local day; a day period (run by hand) runs every store
/// for that day. Each store's day is claimed in the database, so a second run of the day, here or
/// on another instance, writes nothing.
pub async fn replenishment(cx: &JobContext) -> Result<Outcome, JobError> {
    use crate::services::replenish::{DEFAULT_DEAD_STOCK_DAYS, DEFAULT_JOB_HOUR};
    let manual_day = NaiveDate::parse_from_str(&cx.period, "%Y-%m-%d").ok();
    if manual_day.is_none() {
        PeriodKind::Hour.parse(&cx.period)?;
    }
    let r = cx.storage.replenish();
    let schedules = r.store_schedules().await?;
    // Read once for every store: the catalog, the family rules and the suppliers.
    let catalog = crate::services::replenish::Catalog::new(
        r.catalog().await?,
        r.list_family_rules().await?,
        r.list_suppliers().await?,
    );
    let (mut stores, mut alerts, mut orders, mut lines, mut waiting) =
        (0u64, 0u64, 0u64, 0u64, 0u64);
    let (mut created, mut replaced, mut left, mut discarded) = (0u64, 0u64, 0u64, 0u64);
    for store in cx.storage.list_stores().await? {
        let sched = schedules.iter().find(|s| s.store_id == store.id);
        let job_hour = sched.map_or(DEFAULT_JOB_HOUR, |s| s.job_hour);
        let dead_days = sched.map_or(DEFAULT_DEAD_STOCK_DAYS, |s| s.dead_stock_days);
        let today = match manual_day {
            Some(d) => d,
            None => {
                if i64::from(trastienda_l10n::time::local_hour(cx.now, store.time_zone)) < job_hour
                {
                    waiting += 1;
                    continue;
                }
                trastienda_l10n::time::business_day(cx.now, store.time_zone)
            }
        };
        if !r.claim_store_run(store.id, today, cx.now).await? {
            continue;
        }
        let inputs = r
            .store_inputs(
                store.id,
                today - Duration::days(crate::services::replenish::FORECAST_WEEKS * 7),
                today - Duration::days(1),
            )
            .await?;
        let plan = crate::services::replenish::plan(
            &catalog,
            &inputs,
            store.franchisee_id,
            today,
            Some(cx.now - Duration::days(dead_days)),
        );
        for a in &plan.alerts {
            // The first SKUs and how many there are (the page lists them all).
            let shown: Vec<&String> = a.skus.iter().take(ALERT_SKUS_KEPT).collect();
            let mut params = serde_json::json!({
                "skus": shown,
                "count": a.skus.len(),
                "day": today.to_string(),
            });
            if a.kind == "stock_dead" {
                params["days"] = dead_days.into();
            }
            cx.storage
                .alerts()
                .raise(
                    a.kind,
                    None,
                    Some(store.id),
                    &format!("{} ({today})", a.message(&store.name)),
                    &params,
                    cx.now,
                )
                .await?;
            alerts += 1;
        }
        let drafts =
            crate::services::purchasing::job_drafts(cx.storage.as_ref(), &store, &plan, cx.now)
                .await?;
        created += drafts.created;
        replaced += drafts.replaced;
        left += drafts.left;
        discarded += drafts.discarded;
        orders += plan.orders.len() as u64;
        lines += plan
            .orders
            .iter()
            .map(|o| o.lines.len() as u64)
            .sum::<u64>();
        stores += 1;
    }
    Ok(vec![
        ("stores".into(), stores),
        ("alerts".into(), alerts),
        ("suggested_orders".into(), orders),
        ("suggested_lines".into(), lines),
        ("drafts_created".into(), created),
        ("drafts_replaced".into(), replaced),
        ("drafts_left".into(), left),
        ("drafts_discarded".into(), discarded),
        ("stores_before_their_hour".into(), waiting),
    ])
}

/// Checks a cron expression (seconds first) as the scheduler reads it.
pub fn check_schedule(cron: &str) -> Result<(), String> {
    tokio_cron_scheduler::Job::new_async_tz(cron, HQ_TIME_ZONE, |_, _| Box::pin(async {}))
        .map(drop)
        .map_err(|e| format!("{cron:?} is not a schedule (sec min hour day month weekday): {e}"))
}

/// Starts the schedule of every job on this instance (`overrides`: name → cron replacing a job's
/// own schedule). Keep the returned scheduler alive.
pub async fn start_scheduler(
    storage: Arc<dyn Storage>,
    overrides: &[(String, String)],
) -> Result<tokio_cron_scheduler::JobScheduler, tokio_cron_scheduler::JobSchedulerError> {
    let sched = tokio_cron_scheduler::JobScheduler::new().await?;
    for def in all() {
        let storage = storage.clone();
        let schedule = overrides
            .iter()
            .rev()
            .find(|(n, _)| n == def.name)
            .map_or(def.schedule, |(_, c)| c.as_str());
        sched
            .add(tokio_cron_scheduler::Job::new_async_tz(
                schedule,
                HQ_TIME_ZONE,
                move |_, _| {
                    let storage = storage.clone();
                    Box::pin(async move {
                        let now = Utc::now();
                        let period = def.period.current(now);
                        if let Err(e) = run(storage, def, &period, Trigger::Schedule, now).await {
                            tracing::error!(job = def.name, error = %e, "scheduled job could not run");
                        }
                    })
                },
            )?)
            .await?;
    }
    sched.start().await?;
    Ok(sched)
}

// --- the jobs ---------------------------------------------------------------------------------------

/// Deletes expired dashboard sessions and old failed sign-ins.
pub async fn prune_sign_ins(cx: &JobContext) -> Result<Outcome, JobError> {
    let (sessions, failures) = cx
        .storage
        .jobs()
        .prune_sign_ins(cx.now, cx.now - LOGIN_FAILURES_KEPT)
        .await?;
    Ok(vec![
        ("sessions".into(), sessions),
        ("login_failures".into(), failures),
    ])
}

/// Deletes old runs of the jobs that run every minute or hour: successful ones after
/// [`ROUTINE_RUNS_KEPT`], failed ones after [`FAILED_RUNS_KEPT`]. Runs of daily and monthly
/// jobs are never deleted: their row is what keeps a day's or a month's work from being done
/// twice, and there are few of them.
pub async fn prune_job_runs(cx: &JobContext) -> Result<Outcome, JobError> {
    let routine: Vec<&str> = all()
        .iter()
        .filter(|j| matches!(j.period, PeriodKind::Minute | PeriodKind::Hour))
        .map(|j| j.name)
        .collect();
    let (ok, failed) = cx
        .storage
        .jobs()
        .prune_runs(
            &routine,
            cx.now - ROUTINE_RUNS_KEPT,
            cx.now - FAILED_RUNS_KEPT,
        )
        .await?;
    Ok(vec![("ok_runs".into(), ok), ("failed_runs".into(), failed)])
}

/// Issues last month's invoice of every franchisee under contract (one transaction each; a month
/// already invoiced is left alone). Any franchisee whose invoice could not be written fails the run
/// with the reasons, so it raises an alert and a rerun issues the rest.
pub async fn invoice_franchisees(cx: &JobContext) -> Result<Outcome, JobError> {
    let s = crate::services::invoicing::run_and_send(
        cx.storage.as_ref(),
        cx.mail.get().as_ref(),
        &cx.period,
        cx.now,
        &|_, _| {},
    )
    .await?;
    if !s.failed.is_empty() {
        let why: Vec<String> = s
            .failed
            .iter()
            .map(|(f, e)| format!("franchisee {f}: {e}"))
            .collect();
        return Err(JobError::Partly(format!(
            "{} invoices issued, {} not: {}",
            s.issued.len(),
            s.failed.len(),
            why.join("; ")
        )));
    }
    Ok(s.outcome())
}

/// E-mails every issued invoice not sent yet (the SMTP settings of `serve`), once an hour. A failed
/// send stays on its invoice with its reason and is tried again next hour, until it is sent or given
/// up on (an alert). Invoices waiting with no SMTP server configured fail the run (an alert too).
pub async fn send_invoices(cx: &JobContext) -> Result<Outcome, JobError> {
    let Some(config) = cx.mail.get() else {
        let waiting = cx.storage.invoicing().unsent_invoices(1).await?;
        if waiting.is_empty() {
            return Ok(vec![("sent".into(), 0)]);
        }
        return Err(JobError::Partly(
            "invoices are waiting to be e-mailed but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)".into(),
        ));
    };
    let r = crate::services::mail::send_pending(
        cx.storage.as_ref(),
        &config,
        cx.now,
        crate::services::invoicing::SEND_BATCH,
    )
    .await?;
    Ok(vec![
        ("sent".into(), r.sent),
        ("send_failed".into(), r.failed),
        ("given_up".into(), r.given_up),
    ])
}

/// Sends the receipts and invoices the tills asked HQ to e-mail (each once its document is at
/// HQ), every minute; a failure is tried again next round, up to
/// [`crate::services::customers::MAX_MAIL_ATTEMPTS`] (the Clientes page lists them). Requests
/// waiting with no SMTP server configured fail the run.
pub async fn send_customer_mail(cx: &JobContext) -> Result<Outcome, JobError> {
    use crate::services::customers as svc;
    let Some(config) = cx.mail.get() else {
        let waiting = cx
            .storage
            .customers()
            .mail_to_send(svc::MAX_MAIL_ATTEMPTS, 1)
            .await?;
        if waiting.is_empty() {
            return Ok(vec![("sent".into(), 0)]);
        }
        return Err(JobError::Partly(
            "receipts are waiting to be e-mailed but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)".into(),
        ));
    };
    let r = svc::send_waiting(cx.storage.as_ref(), &config, cx.now, svc::MAIL_BATCH).await?;
    Ok(vec![
        ("sent".into(), r.sent),
        ("send_failed".into(), r.failed),
        ("waiting_for_document".into(), r.waiting),
    ])
}

/// Applies the scheduled prices now in force everywhere they cover: HQ's (or the store's) price
/// moves to them and the tills retire the schedule (see
/// [`crate::services::promotions::apply_due_prices`]).
pub async fn apply_price_schedules(cx: &JobContext) -> Result<Outcome, JobError> {
    let applied =
        crate::services::promotions::apply_due_prices(cx.storage.as_ref(), cx.now).await?;
    Ok(vec![("applied".into(), applied.len() as u64)])
}

/// Retries the purchase order e-mails that failed and are due (each waits 10 min, 20 min, 40 min …
/// after its last attempt, up to a day; after the last attempt an alert says so). Without an SMTP
/// server configured, a failed e-mail that is due fails the run (so the Tareas page shows why).
pub async fn send_purchase_orders(cx: &JobContext) -> Result<Outcome, JobError> {
    let Some(config) = cx.mail.get() else {
        let due = cx.storage.purchasing().order_emails_due(cx.now, 1).await?;
        if due.is_empty() {
            return Ok(vec![("sent".into(), 0)]);
        }
        return Err(JobError::Partly(
            "purchase order e-mails are due for a retry but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)".into(),
        ));
    };
    let r =
        crate::services::purchasing::retry_due_emails(cx.storage.as_ref(), &config, cx.now).await?;
    Ok(vec![
        ("sent".into(), r.sent),
        ("send_failed".into(), r.failed),
    ])
}

/// Sends pending VERI*FACTU records to the AEAT (see `services::verifactu::send_pending`) with
/// the configuration `serve` was started with (or the environment's).
pub async fn verifactu_send(cx: &JobContext) -> Result<Outcome, JobError> {
    let cfg = crate::services::verifactu::sender_config()
        .map_err(|e| JobError::Storage(StorageError::Backend(e)))?;
    let report =
        crate::services::verifactu::send_pending(cx.storage.as_ref(), &cfg, cx.now).await?;
    Ok(report.outcome())
}

/// Documents read per query by the chain check.
const CHAIN_PAGE: u32 = 1000;

/// Re-verifies every till's stored chain: each document's hash against its content, and each link
/// to the one before. Nights go on from where the last check stopped; on Sundays every chain is
/// checked from the start (so a document altered in the database after it was checked is found
/// within a week). A break raises a `chain_verify` alert and stops that till's check there. Each
/// document's report rows (`sales`, `sale_lines`, `sale_payments`) are checked against its content
/// too, and on Sundays rows that belong to no stored sale raise a `sale_rows_stray` alert.
pub async fn verify_chains(cx: &JobContext) -> Result<Outcome, JobError> {
    let jobs = cx.storage.jobs();
    let full = NaiveDate::parse_from_str(&cx.period, "%Y-%m-%d")
        .is_ok_and(|d| d.weekday() == Weekday::Sun);
    let (mut tills, mut documents, mut breaks) = (0u64, 0u64, 0u64);
    for (till, verified, verified_hash, contiguous) in jobs.chain_progress().await? {
        tills += 1;
        let (mut seq, mut hash) = if full || verified_hash.is_none() {
            (0, sync_protocol::GENESIS_HASH.to_string())
        } else {
            (verified, verified_hash.unwrap_or_default())
        };
        let start = seq;
        'pages: while seq < contiguous {
            let links = jobs.chain_links(till, seq, contiguous, CHAIN_PAGE).await?;
            if links.is_empty() {
                break;
            }
            for l in links {
                if let Some(problem) = check_link(&l, seq, &hash) {
                    breaks += 1;
                    let m = format!("till {till}: stored document seq {}: {problem}", l.seq);
                    let params = serde_json::json!({ "seq": l.seq });
                    cx.storage
                        .alerts()
                        .raise("chain_verify", Some(till), None, &m, &params, cx.now)
                        .await?;
                    break 'pages;
                }
                seq = l.seq;
                hash = l.hash;
                documents += 1;
            }
        }
        if seq != start || full {
            jobs.set_chain_verified(till, seq, &hash).await?;
        }
    }
    let mut out = vec![
        ("tills".into(), tills),
        ("documents".into(), documents),
        ("breaks".into(), breaks),
    ];
    // Sundays also look for report rows whose document is not stored (no foreign key on
    // PostgreSQL keeps them out; see migration 0049). One pass over the sale tables.
    if full {
        let stray = jobs.stray_sale_rows().await?;
        if stray > 0 {
            let m = format!("{stray} sale report rows belong to no stored sale");
            let params = serde_json::json!({ "count": stray });
            cx.storage
                .alerts()
                .raise("sale_rows_stray", None, None, &m, &params, cx.now)
                .await?;
        }
        out.push(("stray_sale_rows".into(), stray));
    }
    Ok(out)
}

/// Why a stored document does not follow `(prev_seq, prev_hash)`, if it does not.
fn check_link(
    l: &crate::storage::jobs::ChainLink,
    prev_seq: u64,
    prev_hash: &str,
) -> Option<String> {
    let doc: Document = match serde_json::from_str(&l.json) {
        Ok(d) => d,
        Err(e) => return Some(format!("its stored content does not parse ({e})")),
    };
    if doc.hash != l.hash || doc.prev_hash != l.prev_hash || doc.seq != l.seq {
        return Some("its stored columns differ from its content".into());
    }
    if let Err(e) = doc.check_follows(Some((prev_seq, prev_hash)).filter(|_| prev_seq > 0)) {
        return Some(e.to_string());
    }
    // The report rows ingest wrote beside it (PostgreSQL holds them without foreign keys, so this
    // is where a missing or stray row would show).
    let want = crate::storage::sql::sale_rows(&doc).map_or(Default::default(), |s| {
        crate::storage::jobs::SaleRowCounts {
            sales: 1,
            lines: s.lines.len() as u64,
            payments: s.payments.len() as u64,
        }
    });
    (l.sale_rows != want).then(|| {
        format!(
            "its sale rows differ from its content ({} sale, {} lines, {} payments stored; {}, {}, {} expected)",
            l.sale_rows.sales, l.sale_rows.lines, l.sale_rows.payments, want.sales, want.lines, want.payments
        )
    })
}

/// E-mails the day's alert digest (see `services::alerts::send_digests`): HQ admins every
/// unresolved alert, each store manager their stores', once per day and recipient.
pub async fn alert_digest(cx: &JobContext) -> Result<Outcome, JobError> {
    let Some(config) = cx.mail.get() else {
        if cx.storage.alerts().digest_recipients().await?.is_empty() {
            return Ok(vec![("sent".into(), 0)]);
        }
        return Err(JobError::Partly(
            "alert digests are due but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)".into(),
        ));
    };
    let r = crate::services::alerts::send_digests(cx.storage.as_ref(), &config, &cx.period, cx.now)
        .await?;
    if r.failed > 0 {
        return Err(JobError::Partly(format!(
            "{} of {} alert digests could not be sent (running it again sends the rest)",
            r.failed,
            r.failed + r.sent
        )));
    }
    Ok(vec![
        ("sent".into(), r.sent),
        ("nothing_to_send".into(), r.nothing),
        ("sent_before".into(), r.already),
    ])
}

/// Dunning letters of the day (`services::collections::run_dunning`): written once per invoice
/// and level, e-mailed with the statement of account attached when SMTP is configured.
pub async fn dunning(cx: &JobContext) -> Result<Outcome, JobError> {
    let today =
        NaiveDate::parse_from_str(&cx.period, "%Y-%m-%d").map_err(|_| JobError::BadPeriod {
            period: cx.period.clone(),
            expected: "YYYY-MM-DD",
        })?;
    let config = cx.mail.get();
    let r = crate::services::collections::run_dunning(
        cx.storage.as_ref(),
        config.as_ref(),
        today,
        cx.now,
    )
    .await?;
    let outcome = vec![
        ("letters".into(), r.written),
        ("sent".into(), r.sent),
        ("send_failed".into(), r.failed),
    ];
    if config.is_none() && r.written > 0 {
        return Err(JobError::Partly(
            "dunning letters are waiting to be e-mailed but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)".into(),
        ));
    }
    Ok(outcome)
}

/// SEPA pre-notifications not sent when their remittance was created (SMTP down, not set up):
/// each sent once, claimed by one instance (`services::collections::send_prenotifications`).
pub async fn sepa_prenotify(cx: &JobContext) -> Result<Outcome, JobError> {
    let Some(config) = cx.mail.get() else {
        let waiting = cx
            .storage
            .sepa()
            .prenotifications(None)
            .await?
            .iter()
            .filter(|p| p.sent_at.is_none() && p.held_at.is_none())
            .count();
        if waiting == 0 {
            return Ok(vec![("sent".into(), 0)]);
        }
        return Err(JobError::Partly(format!(
            "{waiting} SEPA pre-notifications are waiting to be e-mailed but no SMTP server is configured (serve --smtp-url or TRASTIENDA_SMTP_URL)"
        )));
    };
    let r =
        crate::services::collections::send_prenotifications(cx.storage.as_ref(), &config, cx.now)
            .await?;
    if r.failed > 0 {
        return Err(JobError::Partly(format!(
            "{} of {} SEPA pre-notifications could not be sent (the next run tries again)",
            r.failed,
            r.failed + r.sent
        )));
    }
    Ok(vec![("sent".into(), r.sent), ("held".into(), r.held)])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods() {
        let t: DateTime<Utc> = "2026-12-31T23:30:00Z".parse().unwrap();
        // Already 2027 in Madrid.
        assert_eq!(PeriodKind::Day.current(t), "2027-01-01");
        assert_eq!(PeriodKind::Month.current(t), "2027-01");
        assert!(PeriodKind::Day.parse("2026-02-30").is_err());
        assert!(PeriodKind::Month.parse("2026-13").is_err());
        assert!(PeriodKind::Month.parse("2026-1").is_err());
        assert_eq!(PeriodKind::Month.parse("2026-11").unwrap(), "2026-11");
    }

    #[test]
    fn every_schedule_parses() {
        for j in all() {
            let made = tokio_cron_scheduler::Job::new_async_tz(j.schedule, HQ_TIME_ZONE, |_, _| {
                Box::pin(async {})
            });
            assert!(made.is_ok(), "{}: {}", j.name, j.schedule);
        }
        assert!(
            tokio_cron_scheduler::Job::new_async_tz("0 61 * * * *", HQ_TIME_ZONE, |_, _| {
                Box::pin(async {})
            })
            .is_err()
        );
    }
}
