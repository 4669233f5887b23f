//! Till sync: enrolment with a one-time code, pushing documents, pulling catalog changes.

use super::{ApiJson, ApiQuery, AppError, TillToken};
use crate::app::AppState;
use crate::auth;
use crate::storage::PushReports;
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, Utc};
use serde::Deserialize;
use sync_protocol::{
    ChangesPage, EnrollRequest, EnrollResponse, MAX_KIND_LEN, MAX_PULL_PAGE, MAX_PUSH_BATCH,
    MAX_REPORTED_WAITING, MAX_SKIPPED_KINDS, MAX_VERSION_LEN, PROTOCOL_VERSION, PushRequest,
    PushResponse, PushStatus, TillId, is_reportable_kind, is_reportable_version,
    is_valid_enrolment_id,
};

/// How far past the till's last stored sequence a pushed sequence may be before it is refused.
pub const MAX_SEQ_AHEAD: u64 = 100_000;
/// How far ahead of the server's clock a till's clock may be.
pub const MAX_CLOCK_AHEAD_HOURS: i64 = 24;
/// Default page size of `GET /sync/changes`.
pub const DEFAULT_PULL_PAGE: u32 = 1_000;

fn check_version(v: u32) -> Result<(), AppError> {
    if v != PROTOCOL_VERSION {
        return Err(AppError::new(
            StatusCode::BAD_REQUEST,
            "unsupported_protocol_version",
            format!("unsupported protocol version {v}; this server speaks {PROTOCOL_VERSION}"),
        ));
    }
    Ok(())
}

/// A till's report of the documents still waiting in its outbox: a count up to
/// [`MAX_REPORTED_WAITING`], refused (nothing stored) otherwise.
fn check_waiting<W: Copy + std::fmt::Display + TryInto<u64>>(
    waiting: Option<W>,
) -> Result<Option<u64>, AppError> {
    let Some(w) = waiting else { return Ok(None) };
    w.try_into()
        .ok()
        .filter(|n| *n <= MAX_REPORTED_WAITING)
        .map(Some)
        .ok_or_else(|| {
            AppError::invalid(format!(
                "waiting must be a count of documents between 0 and {MAX_REPORTED_WAITING}, not {w}"
            ))
        })
}

/// Stores a till's outbox report. Advisory: a failure is logged, never fails the sync itself
/// (the documents of a push are already stored by then).
async fn record_waiting(st: &AppState, till: TillId, waiting: Option<u64>) {
    if let Some(w) = waiting
        && let Err(e) = st.storage.report_outbox(till, w, Utc::now()).await
    {
        tracing::warn!(%till, waiting = w, error = %e, "outbox report not recorded");
    }
}

/// A till's report of its software version and the change kinds it skipped: `None` when it
/// reported no version (an older till); refused whole when malformed.
fn check_software(
    version: Option<String>,
    skipped: Option<Vec<String>>,
) -> Result<Option<(String, Vec<String>)>, AppError> {
    let Some(version) = version else {
        if skipped.is_some() {
            return Err(AppError::invalid(
                "skipped change kinds are reported together with the till's version",
            ));
        }
        return Ok(None);
    };
    if !is_reportable_version(&version) {
        return Err(AppError::invalid(format!(
            "the till version must be 1 to {MAX_VERSION_LEN} characters of 0-9, A-Z, a-z, '.', '+', '-'"
        )));
    }
    let skipped = skipped.unwrap_or_default();
    if skipped.len() > MAX_SKIPPED_KINDS {
        return Err(AppError::invalid(format!(
            "at most {MAX_SKIPPED_KINDS} skipped change kinds may be reported, not {}",
            skipped.len()
        )));
    }
    if let Some(bad) = skipped.iter().find(|k| !is_reportable_kind(k)) {
        return Err(AppError::invalid(format!(
            "skipped change kind {:?} is not a kind name (1 to {MAX_KIND_LEN} of a-z, 0-9, '_')",
            bad.chars().take(80).collect::<String>()
        )));
    }
    Ok(Some((version, skipped)))
}

/// Stores a till's software report. Advisory like the outbox report: a failure is logged only.
async fn record_software(st: &AppState, till: TillId, report: Option<(String, Vec<String>)>) {
    if let Some((version, skipped)) = report {
        if !skipped.is_empty() {
            tracing::warn!(%till, %version, ?skipped, "till skipped change kinds it does not know; it needs an update");
        }
        if let Err(e) = st
            .storage
            .report_software(till, &version, &skipped, Utc::now())
            .await
        {
            tracing::warn!(%till, error = %e, "software report not recorded");
        }
    }
}

/// Enrolment attempts per address: 10 free an hour, then 2 s, 4 s, 8 s … up to 15 minutes, so a
/// one-time code cannot be guessed by brute force (it could not be in practice either).
pub const ENROL_THROTTLE: crate::storage::dashboard::Throttle =
    crate::storage::dashboard::Throttle {
        free: 10,
        base: chrono::Duration::seconds(2),
        cap: chrono::Duration::minutes(15),
        window: chrono::Duration::hours(1),
    };

/// `POST /api/v1/sync/enroll`: trade a one-time code for a device token (shown once).
/// With an `enrolment_id`, a retry of an enrolment already committed gets the same till again.
#[utoipa::path(
    post,
    path = "/enroll",
    tag = "sync",
    summary = "Enrol a till with a one-time code; returns its device token once",
    request_body = EnrollRequest,
    responses(
        (status = 200, description = "Enrolled", body = EnrollResponse),
        (status = 400, description = "Malformed request or unsupported protocol version", body = sync_protocol::ApiError),
        (status = 413, description = "Body too large", body = sync_protocol::ApiError),
        (status = 422, description = "Unknown, used or expired code", body = sync_protocol::ApiError),
        (status = 500, description = "Database failed", body = sync_protocol::ApiError),
    ),
)]
pub async fn enroll(
    State(st): State<AppState>,
    ext: axum::http::Extensions,
    ApiJson(req): ApiJson<EnrollRequest>,
) -> Result<Json<EnrollResponse>, AppError> {
    check_version(req.protocol_version)?;
    let device_name = req.device_name.trim();
    if device_name.is_empty() || device_name.chars().count() > 200 {
        return Err(AppError::invalid("device_name must be 1 to 200 characters"));
    }
    let code = auth::normalise_code(&req.code);
    if code.is_empty() || code.len() > 64 {
        return Err(AppError::invalid("the enrolment code is empty or too long"));
    }
    let enrolment_id_hash = match req.enrolment_id.as_deref() {
        None => None,
        Some(id) if is_valid_enrolment_id(id) => Some(auth::hash_token(id)),
        Some(_) => {
            return Err(AppError::invalid(
                "enrolment_id must be 16 to 64 characters of 0-9, A-Z, a-z and '-' (a UUID)",
            ));
        }
    };
    let client = crate::net::client(&ext);
    let key = format!(
        "enrol-ip:{}",
        client
            .addr
            .map_or_else(|| "unknown".to_string(), |a| a.to_string())
    );
    let rows = match st
        .storage
        .dashboard()
        .begin_attempt(&[(key, ENROL_THROTTLE)], Utc::now())
        .await?
    {
        Ok(rows) => rows,
        Err(wait) => {
            return Err(AppError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "too_many_attempts",
                format!(
                    "too many wrong enrolment codes from this address: try again in {} s",
                    wait.num_seconds().max(1)
                ),
            ));
        }
    };
    let token = auth::new_token();
    let enrolled = st
        .storage
        .enroll_till(
            &auth::hash_token(&code),
            enrolment_id_hash.as_deref(),
            device_name,
            &auth::hash_token(&token),
            Utc::now(),
        )
        .await?;
    st.storage.dashboard().attempt_succeeded(&rows, &[]).await?;
    tracing::info!(till = %enrolled.till_id, store = %enrolled.store_id, device = device_name, "till enrolled");
    Ok(Json(EnrollResponse {
        till_id: enrolled.till_id,
        store_id: enrolled.store_id,
        franchisee_id: enrolled.franchisee_id,
        ticket_series: enrolled.ticket_series,
        token,
    }))
}

/// `POST /api/v1/sync/push`: validates the whole batch first, then stores it in one go.
#[utoipa::path(
    post,
    path = "/push",
    tag = "sync",
    summary = "Push sealed documents (validated as a whole before anything is stored)",
    security(("deviceToken" = [])),
    request_body = PushRequest,
    responses(
        (status = 200, description = "Every document stored or acknowledged again", body = PushResponse),
        (status = 409, description = "At least one document conflicts with what HQ holds; kept aside and alerted", body = PushResponse),
        (status = 413, description = "Body too large or more than MAX_PUSH_BATCH (500) documents", body = sync_protocol::ApiError),
    ),
)]
pub async fn push(
    State(st): State<AppState>,
    TillToken(till): TillToken,
    ApiJson(req): ApiJson<PushRequest>,
) -> Result<Response, AppError> {
    check_version(req.protocol_version)?;
    let waiting = check_waiting(req.waiting)?;
    let software = check_software(req.till_version.clone(), req.skipped_change_kinds.clone())?;
    if req.documents.len() > MAX_PUSH_BATCH {
        return Err(AppError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            format!(
                "a push may carry at most {MAX_PUSH_BATCH} documents, this one has {}; send the rest in further batches",
                req.documents.len()
            ),
        ));
    }
    if req.till_id != till.till_id {
        return Err(AppError::forbidden(format!(
            "this token belongs to till {}, not till {}",
            till.till_id, req.till_id
        )));
    }
    let extras = crate::services::customers::check_from_till(&req.customers, &req.mail_requests)
        .map_err(AppError::invalid)?;
    crate::services::customers::check_report_mails(&req.report_mails).map_err(|p| {
        if matches!(p.code, "report_mail_too_large" | "report_mail_too_many") {
            AppError::problem(StatusCode::PAYLOAD_TOO_LARGE, p)
        } else {
            AppError::refused(p)
        }
    })?;
    let record = st.storage.get_till(till.till_id).await?;
    if req.documents.is_empty() {
        record_waiting(&st, till.till_id, waiting).await;
        record_software(&st, till.till_id, software).await;
        let accepted =
            accept_extras(&st, &till, &extras, &req.mail_requests, &req.report_mails).await?;
        return Ok(Json(PushResponse {
            results: vec![],
            contiguous_seq: record.contiguous_seq,
            accepted,
        })
        .into_response());
    }
    let now = Utc::now();
    let latest_time = now + Duration::hours(MAX_CLOCK_AHEAD_HOURS);
    let mut prev_seq: Option<u64> = None;
    for d in &req.documents {
        let seq = d.seq;
        if d.till_id != till.till_id {
            return Err(AppError::forbidden(format!(
                "document seq {seq}: it names till {} but this token belongs to till {}",
                d.till_id, till.till_id
            )));
        }
        if d.store_id != till.store_id {
            return Err(AppError::forbidden(format!(
                "document seq {seq}: it names store {} but this till belongs to store {}",
                d.store_id, till.store_id
            )));
        }
        if seq == 0 {
            return Err(AppError::invalid(format!(
                "document seq {seq}: sequences start at 1"
            )));
        }
        if !d.hash_is_valid() {
            return Err(AppError::invalid(format!(
                "document seq {seq}: hash does not match its content"
            )));
        }
        if let Err(m) = d.body.validate() {
            return Err(AppError::invalid(format!("document seq {seq}: {m}")));
        }
        if let Some(p) = prev_seq
            && seq <= p
        {
            return Err(AppError::invalid(format!(
                "document seq {seq}: sequences must be strictly increasing within a batch (it follows seq {p})"
            )));
        }
        prev_seq = Some(seq);
        if seq > record.last_seq.saturating_add(MAX_SEQ_AHEAD) {
            return Err(AppError::invalid(format!(
                "document seq {seq}: sequence from the future (HQ's last sequence for this till is {}; at most {MAX_SEQ_AHEAD} ahead is accepted)",
                record.last_seq
            )));
        }
        if d.till_time > latest_time {
            return Err(AppError::invalid(format!(
                "document seq {seq}: till_time {} is more than {MAX_CLOCK_AHEAD_HOURS} h ahead of the server's clock ({}); check the till's clock",
                d.till_time.to_rfc3339(),
                now.to_rfc3339()
            )));
        }
    }
    if let Some((version, skipped)) = &software
        && !skipped.is_empty()
    {
        tracing::warn!(till = %till.till_id, %version, ?skipped, "till skipped change kinds it does not know; it needs an update");
    }
    // The outbox and software reports are recorded in the push's own transaction.
    let reports = PushReports { waiting, software };
    let mut res = st
        .storage
        .push_with_reports(&till, &req.documents, now, &reports)
        .await?;
    // After the documents, so an e-mail request finds its document stored.
    res.accepted =
        accept_extras(&st, &till, &extras, &req.mail_requests, &req.report_mails).await?;
    let conflict = res.results.iter().any(|r| r.status == PushStatus::Conflict);
    if conflict {
        tracing::warn!(till = %till.till_id, "push with conflicting documents; alert raised");
        Ok((StatusCode::CONFLICT, Json(res)).into_response())
    } else {
        Ok(Json(res).into_response())
    }
}

/// Stores a push's customers, e-mail requests and report e-mails (each once by its till-made id)
/// and, when it carried e-mail and HQ sends e-mail, sends them now in the background (the
/// `send-customer-mail` job retries what fails). Answers the ids HQ holds.
async fn accept_extras(
    st: &AppState,
    till: &crate::storage::TillAuth,
    customers: &[sync_protocol::CustomerRecord],
    mails: &[sync_protocol::MailRequest],
    reports: &[sync_protocol::ReportMail],
) -> Result<Vec<uuid::Uuid>, AppError> {
    if customers.is_empty() && mails.is_empty() && reports.is_empty() {
        return Ok(Vec::new());
    }
    let mut accepted = Vec::new();
    if !customers.is_empty() || !mails.is_empty() {
        accepted = st
            .storage
            .customers()
            .accept_from_till(till, customers, mails, Utc::now())
            .await?;
    }
    if !reports.is_empty() {
        accepted.extend(
            st.storage
                .customers()
                .accept_report_mails(till, reports, Utc::now())
                .await?,
        );
    }
    if (!mails.is_empty() || !reports.is_empty())
        && let Some(config) = st.mail.get()
    {
        let storage = st.storage.clone();
        tokio::spawn(async move {
            if let Err(e) = crate::services::customers::send_waiting(
                storage.as_ref(),
                &config,
                Utc::now(),
                crate::services::customers::MAIL_BATCH,
            )
            .await
            {
                tracing::warn!(error = %e, "sending the tills' e-mail requests");
            }
        });
    }
    Ok(accepted)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ChangesQuery {
    /// Cursor from the previous page (default 0).
    pub after: Option<i64>,
    /// Page size (default 1000, max 5000).
    #[param(minimum = 1, maximum = 5000)]
    pub limit: Option<u32>,
    /// Checked when given.
    pub protocol_version: Option<u32>,
    /// Documents waiting in the till's outbox as it polls (0 once everything is pushed).
    #[param(minimum = 0, maximum = 100000000)]
    pub waiting: Option<i64>,
    /// The till's software version, and the change kinds it skipped (comma-separated, empty for
    /// none), as on a push.
    #[param(pattern = r"^[0-9A-Za-z.+-]{1,32}$")]
    pub version: Option<String>,
    /// Change kinds the till did not know and skipped, comma-separated (empty: none); needs version.
    #[param(pattern = r"^([a-z0-9_]{1,64}(,[a-z0-9_]{1,64}){0,31})?$")]
    pub skipped: Option<String>,
}

/// `GET /api/v1/sync/changes?after=N&limit=M[&waiting=W][&version=V&skipped=K1,K2]`: the catalog
/// changes this till's store sees; `waiting` (the till's outbox length), `version` and `skipped`
/// (its software and the change kinds it could not apply) are kept for the Tills page.
#[utoipa::path(
    get,
    path = "/changes",
    tag = "sync",
    summary = "Catalog changes for this till's store after a cursor",
    security(("deviceToken" = [])),
    params(ChangesQuery),
    responses(
        (status = 200, description = "A page of changes", body = ChangesPage),
    ),
)]
pub async fn changes(
    State(st): State<AppState>,
    TillToken(till): TillToken,
    ApiQuery(q): ApiQuery<ChangesQuery>,
) -> Result<Json<ChangesPage>, AppError> {
    if let Some(v) = q.protocol_version {
        check_version(v)?;
    }
    let after = q.after.unwrap_or(0);
    if after < 0 {
        return Err(AppError::bad_request(
            "after must be 0 or a cursor from an earlier page",
        ));
    }
    let limit = q.limit.unwrap_or(DEFAULT_PULL_PAGE);
    if limit == 0 || limit > MAX_PULL_PAGE {
        return Err(AppError::bad_request(format!(
            "limit must be between 1 and {MAX_PULL_PAGE}"
        )));
    }
    let waiting = check_waiting(q.waiting)?;
    let skipped = q.skipped.map(|k| {
        k.split(',')
            .filter(|k| !k.is_empty())
            .map(str::to_string)
            .collect()
    });
    let software = check_software(q.version, skipped)?;
    let page = st
        .storage
        .changes_after(till.store_id, after, limit)
        .await?;
    record_waiting(&st, till.till_id, waiting).await;
    record_software(&st, till.till_id, software).await;
    Ok(Json(page))
}
