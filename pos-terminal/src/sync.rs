//! The till's sync client: enrolment, pushing the outbox to HQ and pulling catalog changes.
//! Push is at-least-once; outbox rows are dropped only for documents HQ says it stored.

use crate::ledger::{CallError, Ledger, LedgerError, LedgerHandle, TillIdentity};
use crate::pin::{CertificatePin, parse_link};
use rand::Rng;
use reqwest::{StatusCode, Url};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::{
    ApiError, ChangesPage, EnrollRequest, EnrollResponse, MAX_PULL_PAGE, MAX_PUSH_BATCH,
    PROTOCOL_VERSION, PushRequest, PushResponse, PushStatus,
};

/// The ledger as the sync client shares it with the till. Locked only for short, synchronous
/// ledger calls, never across a network await, so futures stay `Send`.
pub type SharedLedger = Arc<Mutex<Ledger>>;

/// How the sync client reaches the ledger: each call is a short, synchronous piece of ledger
/// work, never held across a network await. Tools and tests hand it a `Mutex<Ledger>`; the till
/// hands it its [`LedgerHandle`], so a page of changes is applied on the ledger's own thread, in
/// turn with the till's sales, and the till's screens never wait on a lock the worker holds.
pub trait LedgerAccess: Sync {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> Result<T> + Send + 'static,
    ) -> LedgerFuture<T>;
}

/// A ledger call's answer, not tied to the borrow of the ledger it came from.
pub type LedgerFuture<T> = std::pin::Pin<Box<dyn Future<Output = Result<T>> + Send + 'static>>;

impl LedgerAccess for Mutex<Ledger> {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> Result<T> + Send + 'static,
    ) -> LedgerFuture<T> {
        let result = match self.lock() {
            Ok(mut l) => f(&mut l),
            Err(_) => Err(SyncError::Poisoned),
        };
        Box::pin(std::future::ready(result))
    }
}

impl LedgerAccess for Arc<Mutex<Ledger>> {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> Result<T> + Send + 'static,
    ) -> LedgerFuture<T> {
        self.as_ref().with(f)
    }
}

impl LedgerAccess for LedgerHandle {
    fn with<T: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Ledger) -> Result<T> + Send + 'static,
    ) -> LedgerFuture<T> {
        let call = self.call(f);
        Box::pin(async move { call.await? })
    }
}

/// Why a sync step failed. Messages are meant to be shown on the till's sync screen.
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("'{0}' is not a valid server address")]
    InvalidUrl(String),
    #[error(
        "refusing plain http to {0}: the till's token and sales would travel unencrypted; use https \
         (plain http is only allowed to localhost, or with allow_insecure_http)"
    )]
    InsecureUrl(String),
    #[error("this till is not enrolled yet")]
    NotEnrolled,
    #[error("the server could not be reached after {attempts} attempts: {last}")]
    Unavailable { attempts: u32, last: String },
    #[error("network error: {0}")]
    Transport(String),
    #[error("the server refused the request (HTTP {status}, {code}): {message}")]
    Server {
        status: u16,
        code: String,
        message: String,
    },
    #[error("the server's answer could not be understood: {0}")]
    Protocol(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the ledger lock was poisoned by a panic elsewhere in the till")]
    Poisoned,
    #[error(transparent)]
    Call(#[from] CallError),
    /// HQ presented another certificate than the one this till was enrolled with.
    #[error(
        "HQ's certificate is not the one this till was enrolled with (SHA-256 {expected}): \
         nothing was sent. If HQ's certificate was renewed, enrol the till again with the new link \
         from the dashboard; otherwise something else is answering at HQ's address"
    )]
    CertificateMismatch { expected: String },
    /// HQ's certificate is not signed by an authority the till trusts, and no fingerprint was pinned.
    #[error(
        "HQ's certificate is not trusted ({0}). A server with its own (self-signed) certificate is \
         reached with the enrolment link the dashboard shows, which carries its fingerprint"
    )]
    UntrustedCertificate(String),
}

type Result<T, E = SyncError> = std::result::Result<T, E>;

/// Knobs for the client; defaults suit a real till, tests shrink the delays.
#[derive(Debug, Clone)]
pub struct SyncOptions {
    /// Attempts per request for transient failures (connect errors, timeouts, 5xx, 429).
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt, with jitter, up to `max_delay`.
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Whole-request timeout.
    pub timeout: Duration,
    /// Allow `http://` to hosts other than localhost (lab setups only).
    pub allow_insecure_http: bool,
    /// Changes asked for per pull page.
    pub page_limit: u32,
    /// Documents per push (capped at the protocol's `MAX_PUSH_BATCH`).
    pub push_batch: usize,
}

impl Default for SyncOptions {
    fn default() -> Self {
        Self {
            max_attempts: 5,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(30),
            timeout: Duration::from_secs(30),
            allow_insecure_http: false,
            page_limit: 1000,
            push_batch: MAX_PUSH_BATCH,
        }
    }
}

/// What one `sync_once` did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Documents sent (including re-sends).
    pub pushed: usize,
    /// Documents HQ confirmed (stored or duplicate) and that left the outbox.
    pub acknowledged: usize,
    /// Documents HQ reported as conflicts (kept in the outbox, flagged).
    pub conflicts: usize,
    /// Catalog changes applied.
    pub changes_applied: usize,
    /// Time spent waiting on HQ for the pushes (requests sent until answers read, retries
    /// included), without the ledger's own reads and commits: HQ's latency as this till saw it.
    pub push_wait: Duration,
    /// Customers made here and e-mail requests HQ accepted (and that left the queue).
    pub hq_accepted: usize,
}

/// HTTP client for the sync API of protocol v1.
#[derive(Debug, Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    /// Clients that trust only one pinned certificate, made on first use.
    pinned: Arc<Mutex<Vec<(CertificatePin, reqwest::Client)>>>,
    options: SyncOptions,
}

impl SyncClient {
    pub fn new(options: SyncOptions) -> Result<Self> {
        let http = Self::builder(&options)
            .build()
            .map_err(|e| SyncError::Transport(e.to_string()))?;
        Ok(Self {
            http,
            pinned: Arc::default(),
            options,
        })
    }

    fn builder(options: &SyncOptions) -> reqwest::ClientBuilder {
        reqwest::Client::builder()
            .timeout(options.timeout)
            .connect_timeout(options.timeout.min(Duration::from_secs(10)))
            .user_agent(concat!(
                "trastienda-pos-terminal/",
                env!("CARGO_PKG_VERSION")
            ))
    }

    /// The HTTP client for HQ: the usual one (public CAs), or one trusting only `pin`.
    fn http_for(&self, pin: Option<CertificatePin>) -> Result<reqwest::Client> {
        let Some(pin) = pin else {
            return Ok(self.http.clone());
        };
        let mut cache = self.pinned.lock().map_err(|_| SyncError::Poisoned)?;
        if let Some((_, c)) = cache.iter().find(|(p, _)| *p == pin) {
            return Ok(c.clone());
        }
        let tls =
            crate::pin::pinned_config(pin).map_err(|e| SyncError::Transport(e.to_string()))?;
        let client = Self::builder(&self.options)
            .use_preconfigured_tls(tls)
            .build()
            .map_err(|e| SyncError::Transport(e.to_string()))?;
        cache.push((pin, client.clone()));
        Ok(client)
    }

    pub fn options(&self) -> &SyncOptions {
        &self.options
    }

    /// Parses `server_url` and refuses plain http except to the local machine.
    pub fn check_server_url(&self, server_url: &str) -> Result<Url> {
        let url = Url::parse(server_url.trim())
            .map_err(|_| SyncError::InvalidUrl(server_url.to_string()))?;
        match url.scheme() {
            "https" => Ok(url),
            "http" => {
                let host = url.host_str().unwrap_or("");
                let bare = host.trim_start_matches('[').trim_end_matches(']');
                let local = host.eq_ignore_ascii_case("localhost")
                    || bare
                        .parse::<std::net::IpAddr>()
                        .map(|ip| ip.is_loopback())
                        .unwrap_or(false);
                if local || self.options.allow_insecure_http {
                    Ok(url)
                } else {
                    Err(SyncError::InsecureUrl(server_url.to_string()))
                }
            }
            _ => Err(SyncError::InvalidUrl(server_url.to_string())),
        }
    }

    fn endpoint(&self, server_url: &str, path: &str) -> Result<String> {
        self.check_server_url(server_url)?;
        Ok(format!("{}{path}", server_url.trim().trim_end_matches('/')))
    }

    /// Presents a one-time enrolment code; the caller stores the answer with `Ledger::enrol`.
    /// Without an enrolment id a lost answer cannot be retried (HQ sees a used code); prefer
    /// [`SyncClient::enrol_ledger`], which keeps one in the ledger.
    pub async fn enrol(
        &self,
        server_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<EnrollResponse> {
        self.enrol_with_id(server_url, code, device_name, None)
            .await
    }

    /// Like [`SyncClient::enrol`], sending `enrolment_id` so HQ answers a retry of an enrolment it
    /// already committed with the same identity (protocol v1's retryable enrolment).
    pub async fn enrol_with_id(
        &self,
        server_url: &str,
        code: &str,
        device_name: &str,
        enrolment_id: Option<&str>,
    ) -> Result<EnrollResponse> {
        self.enrol_request(server_url, code, device_name, enrolment_id, None)
            .await
    }

    async fn enrol_request(
        &self,
        server_url: &str,
        code: &str,
        device_name: &str,
        enrolment_id: Option<&str>,
        pin: Option<CertificatePin>,
    ) -> Result<EnrollResponse> {
        let url = self.endpoint(server_url, "/api/v1/sync/enroll")?;
        let http = self.http_for(pin)?;
        let req = EnrollRequest {
            protocol_version: PROTOCOL_VERSION,
            code: code.trim().to_string(),
            device_name: device_name.to_string(),
            enrolment_id: enrolment_id.map(str::to_string),
        };
        let answer = self
            .send_with_retry(pin, || http.post(&url).json(&req))
            .await?;
        decode_ok(answer)
    }

    /// Enrols and stores the identity in the ledger. The enrolment id is committed to the ledger
    /// before the first attempt, so every retry — in this call, or after the till restarts and
    /// the code is entered again — is the same request, and HQ gives the same identity back when
    /// it had already enrolled the till but its answer never arrived.
    ///
    /// `server_url` may be an enrolment link (`https://…/#code=…&sha256=…`, see [`crate::pin`]): its
    /// code is used when `code` is empty, and its certificate fingerprint is pinned for good.
    pub async fn enrol_ledger(
        &self,
        ledger: &impl LedgerAccess,
        server_url: &str,
        code: &str,
        device_name: &str,
    ) -> Result<TillIdentity> {
        let link = parse_link(server_url).map_err(SyncError::InvalidUrl)?;
        let server_url = link.server_url.as_str();
        let code = match (code.trim(), &link.code) {
            ("", Some(c)) => c.as_str(),
            (c, _) => c,
        };
        if let Some(existing) = ledger.with(|l| Ok(l.identity()?)).await? {
            return Err(LedgerError::AlreadyEnrolled(existing.till_id).into());
        }
        self.check_server_url(server_url)?;
        let enrolment_id = {
            let (server_url, code) = (server_url.to_string(), code.to_string());
            ledger
                .with(move |l| Ok(l.enrolment_id_for(&server_url, &code)?))
                .await?
        };
        let resp = self
            .enrol_request(server_url, code, device_name, Some(&enrolment_id), link.pin)
            .await?;
        let (server_url, device_name, pin) =
            (server_url.to_string(), device_name.to_string(), link.pin);
        ledger
            .with(move |l| Ok(l.enrol_pinned(&server_url, &resp, &device_name, pin)?))
            .await
    }

    /// Pushes the outbox in sequence order, in batches. Drops a document from the outbox only
    /// when HQ answered `stored` or `duplicate` for it; flags conflicts. Stops at the first batch
    /// that fails after retries (the documents stay queued and their failure is noted).
    /// Each push tells HQ how many documents are still waiting besides that batch's
    /// (`PushRequest::waiting`), so HQ's Tills page shows the backlog of a till mid-sync.
    pub async fn push_pending(&self, ledger: &impl LedgerAccess) -> Result<SyncReport> {
        let (ident, pin) = identity(ledger).await?;
        let http = self.http_for(pin)?;
        let url = self.endpoint(&ident.server_url, "/api/v1/sync/push")?;
        let batch = self.options.push_batch.clamp(1, MAX_PUSH_BATCH);
        let mut report = SyncReport::default();
        loop {
            let (docs, outbox, skipped) = ledger
                .with(move |l| {
                    Ok((
                        l.pending_outbox(batch)?,
                        l.outbox_len()?,
                        l.skipped_change_kinds()?,
                    ))
                })
                .await?;
            if docs.is_empty() {
                break;
            }
            let seqs: Vec<u64> = docs.iter().map(|d| d.seq).collect();
            let req = PushRequest {
                protocol_version: PROTOCOL_VERSION,
                till_id: ident.till_id,
                waiting: Some(outbox.saturating_sub(docs.len() as u64)),
                documents: docs,
                till_version: Some(TILL_VERSION.to_string()),
                skipped_change_kinds: Some(skipped),
                customers: vec![],
                mail_requests: vec![],
                report_mails: vec![],
            };
            report.pushed += seqs.len();
            let sent = std::time::Instant::now();
            let result = async {
                let answer = self
                    .send_with_retry(pin, || http.post(&url).bearer_auth(&ident.token).json(&req))
                    .await;
                report.push_wait += sent.elapsed();
                let answer = answer?;
                if answer.status == StatusCode::CONFLICT {
                    // A 409 still carries per-document results.
                    return answer.json::<PushResponse>();
                }
                decode_ok::<PushResponse>(answer)
            }
            .await;
            let answer = match result {
                Ok(a) => a,
                Err(e) => {
                    let (seqs, message) = (seqs.clone(), e.to_string());
                    ledger
                        .with(move |l| Ok(l.note_push_failure(&seqs, &message)?))
                        .await?;
                    return Err(e);
                }
            };
            let mut acked = Vec::new();
            let mut conflicts = Vec::new();
            for r in &answer.results {
                if !seqs.contains(&r.seq) {
                    tracing::warn!(seq = r.seq, "push result for a document not in the batch");
                    continue;
                }
                match r.status {
                    PushStatus::Stored | PushStatus::Duplicate => acked.push(r.seq),
                    PushStatus::Conflict => {
                        let msg = r.message.as_deref().unwrap_or("conflict reported by HQ");
                        conflicts.push((r.seq, msg.to_string()));
                    }
                }
            }
            let conflicted = conflicts.len();
            report.conflicts += conflicted;
            // Conflicts and acks of one answer in one turn of the ledger, as under the old lock.
            report.acknowledged += {
                let acked = acked.clone();
                ledger
                    .with(move |l| {
                        for (seq, msg) in &conflicts {
                            l.mark_conflict(*seq, msg)?;
                        }
                        Ok(l.ack(&acked)?)
                    })
                    .await?
            };
            let answered = acked.len() + conflicted;
            if answered < seqs.len() {
                // Some documents got no verdict: they stay queued for the next sync. Pushing on now
                // would just resend them, so stop here; if nothing at all was answered, say so.
                let missing: Vec<u64> = seqs
                    .iter()
                    .copied()
                    .filter(|s| {
                        !acked.contains(s)
                            && !answer
                                .results
                                .iter()
                                .any(|r| r.seq == *s && r.status == PushStatus::Conflict)
                    })
                    .collect();
                let msg = "HQ did not acknowledge this document";
                let missing_too = missing.clone();
                ledger
                    .with(move |l| Ok(l.note_push_failure(&missing_too, msg)?))
                    .await?;
                if answered == 0 {
                    return Err(SyncError::Protocol(format!(
                        "HQ answered the push without acknowledging any of {} documents",
                        seqs.len()
                    )));
                }
                tracing::warn!(missing = missing.len(), "push batch partly unacknowledged");
                break;
            }
        }
        self.push_hq_queue(ledger, &ident, pin, &http, &url, &mut report)
            .await?;
        Ok(report)
    }

    /// Sends what waits for HQ besides documents (customers made here, e-mail requests) after the
    /// documents, so an e-mail request finds its document at HQ; drops what HQ lists as accepted.
    /// An older HQ that accepts nothing leaves them queued.
    async fn push_hq_queue(
        &self,
        ledger: &impl LedgerAccess,
        ident: &TillIdentity,
        pin: Option<CertificatePin>,
        http: &reqwest::Client,
        url: &str,
        report: &mut SyncReport,
    ) -> Result<()> {
        loop {
            let (queue, outbox, skipped) = ledger
                .with(|l| {
                    Ok((
                        l.pending_hq_queue(sync_protocol::customers::MAX_PUSH_EXTRAS)?,
                        l.outbox_len()?,
                        l.skipped_change_kinds()?,
                    ))
                })
                .await?;
            if queue.is_empty() {
                return Ok(());
            }
            let n = queue.len();
            let req = PushRequest {
                protocol_version: PROTOCOL_VERSION,
                till_id: ident.till_id,
                waiting: Some(outbox),
                documents: vec![],
                till_version: Some(TILL_VERSION.to_string()),
                skipped_change_kinds: Some(skipped),
                customers: queue.customers,
                mail_requests: queue.mail_requests,
                report_mails: queue.report_mails,
            };
            let answer = match self
                .send_with_retry(pin, || http.post(url).bearer_auth(&ident.token).json(&req))
                .await
                .and_then(decode_ok::<PushResponse>)
            {
                Ok(a) => a,
                Err(e) => {
                    let message = e.to_string();
                    ledger
                        .with(move |l| Ok(l.note_hq_queue_failure(&message)?))
                        .await?;
                    return Err(e);
                }
            };
            let accepted = answer.accepted;
            let dropped = ledger.with(move |l| Ok(l.ack_hq_queue(&accepted)?)).await?;
            report.hq_accepted += dropped;
            if dropped < n {
                tracing::warn!(
                    sent = n,
                    accepted = dropped,
                    "HQ did not accept every customer and e-mail request; they stay queued"
                );
                return Ok(());
            }
        }
    }

    /// Pulls catalog changes after the ledger's cursor until HQ says there are no more; each page
    /// is applied with its cursor in one transaction, so an interrupted pull resumes cleanly.
    /// Each request reports the till's outbox length (`waiting=N`): this poll runs every round,
    /// so a till that has pushed everything tells HQ it has 0 waiting.
    pub async fn pull_changes(&self, ledger: &impl LedgerAccess) -> Result<usize> {
        let (ident, pin) = identity(ledger).await?;
        let http = self.http_for(pin)?;
        let url = self.endpoint(&ident.server_url, "/api/v1/sync/changes")?;
        let limit = self.options.page_limit.clamp(1, MAX_PULL_PAGE);
        let mut applied = 0;
        loop {
            let (cursor, waiting, skipped) = ledger
                .with(|l| Ok((l.cursor()?, l.outbox_len()?, l.skipped_change_kinds()?)))
                .await?;
            let mut page_url = Url::parse(&url).map_err(|_| SyncError::InvalidUrl(url.clone()))?;
            page_url
                .query_pairs_mut()
                .append_pair("after", &cursor.to_string())
                .append_pair("limit", &limit.to_string())
                .append_pair("waiting", &waiting.to_string())
                .append_pair("version", TILL_VERSION)
                .append_pair("skipped", &skipped.join(","));
            let answer = self
                .send_with_retry(pin, || http.get(page_url.clone()).bearer_auth(&ident.token))
                .await?;
            let page: ChangesPage = decode_ok(answer)?;
            if page.protocol_version != PROTOCOL_VERSION {
                return Err(SyncError::Protocol(format!(
                    "HQ speaks protocol {}, this till speaks {PROTOCOL_VERSION}",
                    page.protocol_version
                )));
            }
            let (has_more, next_cursor) = (page.has_more, page.next_cursor);
            applied += ledger.with(move |l| Ok(l.apply_changes(&page)?)).await?;
            if !has_more {
                break;
            }
            if next_cursor <= cursor {
                return Err(SyncError::Protocol(format!(
                    "HQ said there are more changes but did not advance the cursor past {cursor}"
                )));
            }
        }
        Ok(applied)
    }

    /// Push, then pull.
    pub async fn sync_once(&self, ledger: &impl LedgerAccess) -> Result<SyncReport> {
        let mut report = self.push_pending(ledger).await?;
        report.changes_applied = self.pull_changes(ledger).await?;
        Ok(report)
    }

    /// Sends a request and reads its whole answer, retrying transient failures with exponential
    /// backoff and jitter. An answer cut short (the connection dropped or reset mid-body) is
    /// transient like a lost one: every request here is safe to repeat (pushes and enrolments are
    /// idempotent at HQ, pulls are reads). Returns any non-transient answer (2xx or 4xx) whole.
    /// A certificate HQ presented that the till does not accept is not transient: it fails at
    /// once, saying which (`pin` is the fingerprint the till holds, if any).
    async fn send_with_retry(
        &self,
        pin: Option<CertificatePin>,
        build: impl Fn() -> reqwest::RequestBuilder,
    ) -> Result<Answer> {
        let max = self.options.max_attempts.max(1);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = match build().send().await {
                Ok(resp) => {
                    let status = resp.status();
                    match resp.bytes().await {
                        Err(e) => format!("the answer was cut short (HTTP {status}): {e}"),
                        Ok(body) => {
                            let answer = Answer {
                                status,
                                body: body.to_vec(),
                            };
                            if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
                                format!("HTTP {}: {}", status.as_u16(), answer.error_message())
                            } else {
                                return Ok(answer);
                            }
                        }
                    }
                }
                Err(e) if e.is_builder() => return Err(SyncError::Transport(e.to_string())),
                Err(e) => {
                    let chain = error_chain(&e);
                    if chain.contains("invalid peer certificate") {
                        return Err(match pin {
                            Some(p) => SyncError::CertificateMismatch { expected: p.hex() },
                            None => SyncError::UntrustedCertificate(chain),
                        });
                    }
                    chain
                }
            };
            if attempt >= max {
                return Err(SyncError::Unavailable {
                    attempts: attempt,
                    last,
                });
            }
            let delay = self.backoff(attempt);
            tracing::debug!(attempt, ?delay, %last, "sync request failed, retrying");
            tokio::time::sleep(delay).await;
        }
    }

    /// `base × 2^(attempt-1)`, capped, then "equal jitter": half fixed, half random, so many
    /// tills coming back online do not retry in lockstep.
    fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .options
            .base_delay
            .saturating_mul(1u32 << (attempt - 1).min(16));
        let capped = exp.min(self.options.max_delay);
        let half = capped / 2;
        let jitter_ms = half.as_millis() as u64;
        let extra = if jitter_ms == 0 {
            0
        } else {
            rand::thread_rng().gen_range(0..=jitter_ms)
        };
        half + Duration::from_millis(extra)
    }
}

/// The till's identity and the pinned fingerprint of HQ's certificate, if any.
async fn identity(ledger: &impl LedgerAccess) -> Result<(TillIdentity, Option<CertificatePin>)> {
    ledger
        .with(|l| {
            let ident = l.identity()?.ok_or(SyncError::NotEnrolled)?;
            Ok((ident, l.server_pin()?))
        })
        .await
}

/// An error and its causes, `: `-separated (reqwest's own message hides why a connection failed).
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut out = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        let m = c.to_string();
        if !out.contains(&m) {
            out.push_str(": ");
            out.push_str(&m);
        }
        cause = c.source();
    }
    out
}

/// This till software's version, reported to HQ with every push and changes poll.
pub const TILL_VERSION: &str = env!("CARGO_PKG_VERSION");

/// An HTTP answer read to its end.
struct Answer {
    status: StatusCode,
    body: Vec<u8>,
}

impl Answer {
    /// The body as `T`; a complete body that is not a `T` is a protocol error (not retried).
    fn json<T: serde::de::DeserializeOwned>(&self) -> Result<T> {
        serde_json::from_slice(&self.body).map_err(|e| {
            SyncError::Protocol(format!(
                "HTTP {} with a body that is not the expected JSON: {e}",
                self.status.as_u16()
            ))
        })
    }

    /// HQ's message from an error body, or the start of the body.
    fn error_message(&self) -> String {
        match serde_json::from_slice::<ApiError>(&self.body) {
            Ok(e) => e.message,
            Err(_) => String::from_utf8_lossy(&self.body)
                .chars()
                .take(200)
                .collect(),
        }
    }
}

/// Decodes a 2xx body, or turns an error answer into `SyncError::Server` with HQ's message.
fn decode_ok<T: serde::de::DeserializeOwned>(answer: Answer) -> Result<T> {
    let status = answer.status;
    if status.is_success() {
        return answer.json();
    }
    match serde_json::from_slice::<ApiError>(&answer.body) {
        Ok(e) => Err(SyncError::Server {
            status: status.as_u16(),
            code: e.error,
            message: e.message,
        }),
        Err(_) => Err(SyncError::Server {
            status: status.as_u16(),
            code: "unknown".to_string(),
            message: answer.error_message(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_locally() {
        let c = SyncClient::new(SyncOptions::default()).unwrap();
        assert!(c.check_server_url("https://hq.example.com").is_ok());
        assert!(c.check_server_url("http://localhost:8080").is_ok());
        assert!(c.check_server_url("http://127.0.0.1:8080/").is_ok());
        assert!(c.check_server_url("http://[::1]:8080").is_ok());
        assert!(matches!(
            c.check_server_url("http://hq.example.com"),
            Err(SyncError::InsecureUrl(_))
        ));
        assert!(matches!(
            c.check_server_url("ftp://x"),
            Err(SyncError::InvalidUrl(_))
        ));
        let c = SyncClient::new(SyncOptions {
            allow_insecure_http: true,
            ..SyncOptions::default()
        })
        .unwrap();
        assert!(c.check_server_url("http://10.0.0.5:8080").is_ok());
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let c = SyncClient::new(SyncOptions {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(1000),
            ..SyncOptions::default()
        })
        .unwrap();
        let d1 = c.backoff(1);
        assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
        let d10 = c.backoff(10);
        assert!(d10 >= Duration::from_millis(500) && d10 <= Duration::from_millis(1000));
    }
}
