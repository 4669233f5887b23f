//! Alerts as people read and handle them: each kind written in the reader's language from the
//! figures kept with it, with the store, till and person named (looked up when shown, so a renamed
//! store reads right), a link to what it is about; acknowledging and resolving with who may; and
//! the daily digest e-mailed to HQ admins and to each store manager for their stores.

use super::ServiceResult;
use super::fields::optional_text;
use crate::i18n::{Lang, Tr};
use crate::key;
use crate::problem::Problem;
use crate::storage::alerts::{AlertFilter, AlertRecord, AlertState, DigestSettings, Severity};
use crate::storage::dashboard::{DashboardRole, DashboardUser};
use crate::storage::{Storage, StorageError};
use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use std::collections::HashMap;
use sync_protocol::{Money, StoreId, TillId};

/// Longest note on an acknowledgement or a resolution.
pub const NOTE_MAX: usize = 1000;
/// Most alerts one digest lists (the rest are counted and on the alerts page).
pub const DIGEST_MAX: usize = 200;

/// The names an alert's text needs, read once per page.
#[derive(Debug, Default, Clone)]
pub struct Names {
    pub stores: HashMap<StoreId, String>,
    pub tills: HashMap<TillId, (String, StoreId)>,
    pub staff: HashMap<i64, String>,
}

impl Names {
    pub async fn load(storage: &dyn Storage) -> ServiceResult<Self> {
        Ok(Self {
            stores: storage
                .list_stores()
                .await?
                .into_iter()
                .map(|s| (s.id, s.name))
                .collect(),
            tills: storage
                .list_tills()
                .await?
                .into_iter()
                .map(|t| (t.id, (t.name, t.store_id)))
                .collect(),
            staff: storage
                .list_staff(None)
                .await?
                .into_iter()
                .map(|s| (s.id.0, s.name))
                .collect(),
        })
    }

    fn store(&self, t: &Tr, id: Option<StoreId>) -> String {
        match id {
            Some(id) => self
                .stores
                .get(&id)
                .cloned()
                .unwrap_or_else(|| t.msg_with(key!("alert-unknown-store"), &[("id", &id.0)])),
            None => t.msg(key!("alert-hq")),
        }
    }

    fn till(&self, t: &Tr, id: Option<TillId>) -> String {
        match id.and_then(|i| self.tills.get(&i)) {
            Some((name, _)) => name.clone(),
            None => t.msg_with(
                key!("alert-unknown-till"),
                &[("id", &id.map_or(0, |i| i.0))],
            ),
        }
    }
}

/// An alert as shown: its kind's name, a sentence in the reader's language, where it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shown {
    pub title: String,
    pub text: String,
    pub link: String,
    /// The store's name ("HQ" for alerts tied to no store).
    pub store: String,
}

/// The name of an alert kind in `t`'s language.
pub fn kind_title(t: &Tr, kind: &str) -> String {
    let key = match kind {
        "conflict" => "alert-conflict",
        "gap" => "alert-gap",
        "chain_break" => "alert-chain-break",
        "delivery_difference" => "alert-delivery-difference",
        "delivery_unknown" => "alert-delivery-unknown",
        "job_failed" => "alert-job-failed",
        "chain_verify" => "alert-chain-verify",
        "sale_rows_stray" => "alert-sale-rows-stray",
        "clock_skew" => "alert-clock-skew",
        "verifactu_rejected" => "alert-verifactu-rejected",
        "verifactu_unsent" => "alert-verifactu-unsent",
        "verifactu_certificate" => "alert-verifactu-certificate",
        "verifactu_bad_hash" | "verifactu_chain_break" | "verifactu_mismatch" => {
            "alert-verifactu-record"
        }
        "stock_negative" => "alert-stock-negative",
        "stock_below_reorder" => "alert-stock-below-reorder",
        "stock_out_expected" => "alert-stock-out-expected",
        "stock_dead" => "alert-stock-dead",
        "z_over_short" => "alert-z-over-short",
        "z_mismatch" => "alert-z-mismatch",
        "invoice_send_failed" => "alert-invoice-send-failed",
        "purchase_order_email_failed" => "alert-po-email-failed",
        _ => return kind.replace('_', " "),
    };
    t.msg(key)
}

/// The severity's name in `t`'s language.
pub fn severity_name(t: &Tr, s: Severity) -> String {
    t.msg(match s {
        Severity::Info => "alert-severity-info",
        Severity::Warning => "alert-severity-warning",
        Severity::Critical => "alert-severity-critical",
    })
}

/// The state's name in `t`'s language.
pub fn state_name(t: &Tr, s: AlertState) -> String {
    t.msg(match s {
        AlertState::Open => "alert-state-open",
        AlertState::Acknowledged => "alert-state-acknowledged",
        AlertState::Resolved => "alert-state-resolved",
    })
}

fn int(p: &Value, k: &str) -> Option<i64> {
    p.get(k).and_then(Value::as_i64)
}

fn text(p: &Value, k: &str) -> String {
    match p.get(k) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Null) | None => String::new(),
        Some(v) => v.to_string(),
    }
}

fn signed_money(t: &Tr, cents: i64) -> String {
    let m = t.money(Money::from_cents(cents));
    if cents > 0 { format!("+{m}") } else { m }
}

/// The alert in `t`'s language with names for ids.
pub fn describe(t: &Tr, names: &Names, a: &AlertRecord) -> Shown {
    let p = &a.params;
    let store = names.store(t, a.store_id);
    let till = names.till(t, a.till_id);
    let store_q = a.store_id.map_or(String::new(), |s| s.0.to_string());
    let day = a
        .created_at
        .with_timezone(&chrono_tz::Europe::Madrid)
        .date_naive();
    let cash_link = format!(
        "/dashboard/reports/cash?from={}&to={}&store={store_q}",
        day - Duration::days(31),
        day
    );
    let where_ = |t: &Tr| {
        t.msg_with(
            key!("alert-where-till"),
            &[("till", &till), ("store", &store)],
        )
    };
    let default_link = if a.till_id.is_some() {
        "/dashboard/tills".to_string()
    } else if let Some(s) = a.store_id {
        format!("/dashboard/stores/{}", s.0)
    } else {
        "/dashboard/alerts".to_string()
    };
    let generic = |t: &Tr| {
        let w = if a.till_id.is_some() {
            where_(t)
        } else {
            store.clone()
        };
        t.msg_with(
            "alert-text-generic",
            &[("where", &w), ("message", &a.message)],
        )
    };
    let text_link: Option<(String, String)> = if p.is_object() {
        match a.kind.as_str() {
            "z_over_short" => {
                let approval = match int(p, "approved_by") {
                    Some(id) => t.msg_with(
                        "alert-approved-by",
                        &[
                            (
                                "person",
                                &names.staff.get(&id).cloned().unwrap_or_else(|| {
                                    t.msg_with(key!("alert-unknown-person"), &[("id", &id)])
                                }),
                            ),
                            ("note", &text(p, "note")),
                        ],
                    ),
                    None => t.msg(key!("alert-not-approved")),
                };
                Some((
                    t.msg_with(
                        "alert-text-z-over-short",
                        &[
                            ("where", &where_(t)),
                            ("z", &text(p, "z")),
                            ("diff", &signed_money(t, int(p, "diff_cents").unwrap_or(0))),
                            (
                                "tolerance",
                                &t.money(Money::from_cents(int(p, "tolerance_cents").unwrap_or(0))),
                            ),
                            ("approval", &approval),
                        ],
                    ),
                    cash_link.clone(),
                ))
            }
            "z_mismatch" => {
                let what = text(p, "what");
                let (close, docs) = (
                    int(p, "close").unwrap_or(0),
                    int(p, "documents").unwrap_or(0),
                );
                let (key, close, docs) = match what.as_str() {
                    "tickets" => ("alert-text-z-mismatch-tickets", t.int(close), t.int(docs)),
                    "gross" => (
                        "alert-text-z-mismatch-gross",
                        t.money(Money::from_cents(close)),
                        t.money(Money::from_cents(docs)),
                    ),
                    _ => (
                        "alert-text-z-mismatch-cash",
                        t.money(Money::from_cents(close)),
                        t.money(Money::from_cents(docs)),
                    ),
                };
                Some((
                    t.msg_with(
                        key,
                        &[
                            ("where", &where_(t)),
                            ("z", &text(p, "z")),
                            ("close", &close),
                            ("documents", &docs),
                        ],
                    ),
                    cash_link.clone(),
                ))
            }
            "gap" => {
                let (from, to) = (int(p, "from").unwrap_or(0), int(p, "to").unwrap_or(0));
                let key = if from == to {
                    "alert-text-gap-one"
                } else {
                    "alert-text-gap"
                };
                Some((
                    t.msg_with(key, &[("where", &where_(t)), ("from", &from), ("to", &to)]),
                    "/dashboard/tills".into(),
                ))
            }
            "chain_break" | "chain_verify" | "conflict" => Some((
                t.msg_with(
                    match a.kind.as_str() {
                        "chain_break" => "alert-text-chain-break",
                        "chain_verify" => "alert-text-chain-verify",
                        _ => "alert-text-conflict",
                    },
                    &[
                        ("where", &where_(t)),
                        ("seq", &text(p, "seq")),
                        ("prev", &text(p, "prev")),
                    ],
                ),
                "/dashboard/tills".into(),
            )),
            "clock_skew" => {
                let at = DateTime::parse_from_rfc3339(&text(p, "at"))
                    .map(|d| t.datetime(d.with_timezone(&Utc)))
                    .unwrap_or_default();
                Some((
                    t.msg_with(
                        "alert-text-clock-skew",
                        &[("where", &where_(t)), ("seq", &text(p, "seq")), ("at", &at)],
                    ),
                    "/dashboard/tills".into(),
                ))
            }
            "delivery_unknown" | "delivery_difference" => Some((
                t.msg_with(
                    if a.kind == "delivery_unknown" {
                        "alert-text-delivery-unknown"
                    } else {
                        "alert-text-delivery-difference"
                    },
                    &[("where", &where_(t)), ("number", &text(p, "number"))],
                ),
                "/dashboard/deliveries".into(),
            )),
            "stock_negative" | "stock_below_reorder" | "stock_out_expected" | "stock_dead" => {
                let skus: Vec<String> = p
                    .get("skus")
                    .and_then(Value::as_array)
                    .map(|v| {
                        v.iter()
                            .filter_map(|s| s.as_str().map(str::to_string))
                            .collect()
                    })
                    .unwrap_or_default();
                let shown = skus.iter().take(10).cloned().collect::<Vec<_>>().join(", ");
                // Newer alerts keep the first SKUs and how many there are.
                let count = int(p, "count")
                    .and_then(|c| usize::try_from(c).ok())
                    .unwrap_or(skus.len());
                let more = match count.saturating_sub(skus.len().min(10)) {
                    0 => String::new(),
                    n => t.msg_with(key!("alert-text-stock-more"), &[("more", &n)]),
                };
                if a.kind == "stock_dead" {
                    let days = int(p, "days")
                        .unwrap_or(crate::services::replenish::DEFAULT_DEAD_STOCK_DAYS);
                    Some((
                        t.msg_with(
                            "alert-text-stock-dead",
                            &[
                                ("store", &store),
                                ("skus", &shown),
                                ("more", &more),
                                ("days", &days),
                            ],
                        ),
                        format!("/dashboard/stock?store={store_q}&show=dead&dead={days}"),
                    ))
                } else {
                    Some((
                        t.msg_with(
                            "alert-text-stock",
                            &[("store", &store), ("skus", &shown), ("more", &more)],
                        ),
                        format!("/dashboard/stock?store={store_q}"),
                    ))
                }
            }
            "sale_rows_stray" => Some((
                t.msg_with(
                    "alert-text-sale-rows-stray",
                    &[("count", &text(p, "count"))],
                ),
                "/dashboard/jobs".into(),
            )),
            "job_failed" => Some((
                t.msg_with(
                    "alert-text-job-failed",
                    &[
                        ("job", &text(p, "job")),
                        ("period", &text(p, "period")),
                        ("error", &text(p, "error")),
                    ],
                ),
                "/dashboard/jobs".into(),
            )),
            "verifactu_unsent" => Some((
                t.msg_with(
                    "alert-text-verifactu-unsent",
                    &[("franchisee", &text(p, "franchisee"))],
                ),
                "/dashboard/verifactu".into(),
            )),
            "verifactu_certificate" => {
                let expires = chrono::NaiveDate::parse_from_str(&text(p, "expires"), "%Y-%m-%d")
                    .map(|d| t.day(d))
                    .unwrap_or_default();
                Some((
                    t.msg_with(
                        "alert-text-verifactu-certificate",
                        &[("owner", &text(p, "owner")), ("expires", &expires)],
                    ),
                    "/dashboard/verifactu".into(),
                ))
            }
            "verifactu_rejected" => Some((
                t.msg_with(
                    "alert-text-verifactu-rejected",
                    &[
                        ("franchisee", &text(p, "franchisee")),
                        ("invoice", &text(p, "invoice")),
                        ("code", &text(p, "code")),
                        ("text", &text(p, "text")),
                    ],
                ),
                "/dashboard/verifactu".into(),
            )),
            "invoice_send_failed" => Some((
                t.msg_with(
                    "alert-text-invoice-send-failed",
                    &[
                        ("recipient", &text(p, "recipient")),
                        ("attempts", &text(p, "attempts")),
                    ],
                ),
                format!("/dashboard/invoices/{}", int(p, "invoice_id").unwrap_or(0)),
            )),
            "purchase_order_email_failed" => Some((
                t.msg_with(
                    "alert-text-po-email-failed",
                    &[
                        ("number", &text(p, "number")),
                        ("recipient", &text(p, "recipient")),
                        ("attempts", &text(p, "attempts")),
                    ],
                ),
                format!(
                    "/dashboard/purchase-orders/{}",
                    int(p, "order_id").unwrap_or(0)
                ),
            )),
            _ => None,
        }
    } else {
        None
    };
    let (text, link) = text_link.unwrap_or_else(|| {
        let link = if a.kind.starts_with("verifactu_") {
            "/dashboard/verifactu".to_string()
        } else if a.kind.starts_with("z_") {
            cash_link.clone()
        } else if a.kind.starts_with("stock_") {
            format!("/dashboard/stock?store={store_q}")
        } else if a.kind == "job_failed" {
            "/dashboard/jobs".to_string()
        } else {
            default_link.clone()
        };
        (generic(t), link)
    });
    Shown {
        title: kind_title(t, &a.kind),
        text,
        link,
        store,
    }
}

/// Whether `user` may acknowledge or resolve `a`: an admin any alert, a store manager the alerts
/// of their own stores (not HQ's, tied to no store); an analyst none.
pub fn may_handle(user: &DashboardUser, a: &AlertRecord) -> bool {
    match user.role {
        DashboardRole::Admin => true,
        DashboardRole::Manager => a.store_id.is_some_and(|s| user.stores.contains(&s)),
        DashboardRole::Analyst | DashboardRole::Franchisee => false,
    }
}

/// What an acknowledgement or a resolution does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handling {
    Acknowledge,
    Resolve,
}

/// Acknowledges or resolves alert `id` as `user`, with a note. Refused: an alert `user` may not
/// handle (`Forbidden`-like `Invalid` with code `alert_not_yours`), a note too long, an alert
/// resolved already (`Conflict`).
pub async fn handle(
    storage: &dyn Storage,
    user: &DashboardUser,
    id: i64,
    how: Handling,
    note: &str,
    now: DateTime<Utc>,
) -> Result<AlertRecord, HandleError> {
    let a =
        storage.alerts().alert(id).await?.ok_or_else(|| {
            StorageError::NotFound(Problem::new("alert_not_found").with("id", id))
        })?;
    if !may_handle(user, &a) {
        return Err(HandleError::Forbidden);
    }
    let note = optional_text("note", note, NOTE_MAX).map_err(StorageError::Invalid)?;
    let alerts = storage.alerts();
    Ok(match how {
        Handling::Acknowledge => alerts.acknowledge(id, user.id, &note, now).await?,
        Handling::Resolve => alerts.resolve(id, user.id, &note, now).await?,
    })
}

/// Why [`handle`] refused.
#[derive(Debug)]
pub enum HandleError {
    /// The alert is not the user's to handle.
    Forbidden,
    Storage(StorageError),
}

impl From<StorageError> for HandleError {
    fn from(e: StorageError) -> Self {
        HandleError::Storage(e)
    }
}

/// Checks and saves a user's own digest settings: an address that looks like one (or none, with
/// the digest off), and a language.
pub async fn set_digest(
    storage: &dyn Storage,
    user: i64,
    email: &str,
    enabled: bool,
    language: &str,
) -> ServiceResult<DigestSettings> {
    let email = email.trim();
    if !email.is_empty() && !super::invoicing::email_ok(email) || email.chars().count() > 254 {
        return Err(Problem::new("bad_email").with("email", email).into());
    }
    if enabled && email.is_empty() {
        return Err(Problem::new("digest_needs_email").into());
    }
    let lang = Lang::from_code(language.trim()).unwrap_or(Lang::Es);
    let s = DigestSettings {
        email: email.to_string(),
        enabled,
        language: lang.code().to_string(),
    };
    storage.alerts().set_digest_settings(user, &s).await?;
    Ok(s)
}

/// The unresolved alerts a digest lists: all of them for an admin, their stores' for a manager.
pub async fn digest_alerts(
    storage: &dyn Storage,
    role: DashboardRole,
    stores: &[StoreId],
) -> ServiceResult<(Vec<AlertRecord>, u64)> {
    let filter = AlertFilter {
        scope: match role {
            DashboardRole::Admin | DashboardRole::Analyst => None,
            DashboardRole::Manager | DashboardRole::Franchisee => Some(stores.to_vec()),
        },
        limit: DIGEST_MAX as u64,
        ..AlertFilter::default()
    };
    storage.alerts().alerts(&filter).await
}

/// What a franchisee's own people should know of its account with HQ, in `t`'s language: the
/// dunning letters and the direct debits that did not collect (returned by the bank, or held out of
/// a remittance) on its invoices still open. Never another franchisee's.
pub async fn franchisee_notices(
    storage: &dyn Storage,
    t: &Tr,
    franchisee: sync_protocol::FranchiseeId,
) -> ServiceResult<Vec<String>> {
    let open: HashMap<i64, Money> = storage
        .collections()
        .receivables(Some(franchisee), true)
        .await?
        .into_iter()
        .map(|r| (r.invoice_id, r.open))
        .collect();
    let mut out = Vec::new();
    let mut letters = storage.dunning().letters(Some(franchisee)).await?;
    letters.retain(|l| l.franchisee_id == franchisee && open.contains_key(&l.invoice_id));
    letters.sort_by_key(|l| (l.invoice_id, l.level));
    for l in letters {
        out.push(t.msg_with(
            "digest-dunning-letter",
            &[
                ("level", &l.level),
                ("invoice", &l.full_number),
                ("date", &t.datetime(l.created_at)),
                (
                    "amount",
                    &t.money(open.get(&l.invoice_id).copied().unwrap_or_default()),
                ),
            ],
        ));
    }
    for d in storage.sepa().uncollected_debits(franchisee).await? {
        out.push(t.msg_with(
            if d.held {
                "digest-debit-held"
            } else {
                "digest-debit-returned"
            },
            &[
                ("invoice", &d.full_number),
                ("date", &t.day(d.collection_date)),
                ("amount", &t.money(d.amount)),
                ("reason", &d.reason),
            ],
        ));
    }
    Ok(out)
}

/// A digest's subject and text in `t`'s language. With `base` (where people open the dashboard,
/// see `mail::public_url`) each alert links to its page, and the footer to the alerts page.
/// `notices` (a franchisee's, see [`franchisee_notices`]) come first, under their own heading, and
/// count with the alerts.
#[allow(clippy::too_many_arguments)]
pub fn digest_text(
    t: &Tr,
    names: &Names,
    who: &str,
    period: &str,
    alerts: &[AlertRecord],
    total: u64,
    notices: &[String],
    base: Option<&str>,
) -> (String, String) {
    let count = total + notices.len() as u64;
    let subject = t.msg_with(
        key!("digest-subject"),
        &[("count", &count), ("period", &period)],
    );
    let mut body = t.msg_with(
        key!("digest-greeting"),
        &[("name", &who), ("count", &count)],
    );
    body.push_str("\n\n");
    if !notices.is_empty() {
        body.push_str(&t.msg(key!("digest-account")));
        body.push('\n');
        for n in notices {
            body.push_str(&format!("- {n}\n"));
        }
        body.push('\n');
    }
    for a in alerts {
        let s = describe(t, names, a);
        body.push_str(&format!(
            "[{}] {} · {} · {}\n  {}\n",
            severity_name(t, a.severity),
            s.title,
            s.store,
            t.datetime(a.created_at),
            s.text,
        ));
        if let Some(b) = base {
            body.push_str(&format!("  {b}{}\n", s.link));
        }
        body.push('\n');
    }
    if (alerts.len() as u64) < total {
        body.push_str(&t.msg_with(
            key!("digest-more"),
            &[("more", &(total - alerts.len() as u64))],
        ));
        body.push('\n');
    }
    if let Some(b) = base {
        body.push_str(&t.msg_with(
            "digest-alerts-page",
            &[("url", &format!("{b}/dashboard/alerts"))],
        ));
        body.push('\n');
    }
    body.push_str(&t.msg(key!("digest-footer")));
    body.push('\n');
    (subject, body)
}

/// What a digest round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DigestRound {
    pub sent: u64,
    /// Recipients with nothing unresolved: no e-mail.
    pub nothing: u64,
    /// Sent already for this period (an earlier run, another instance).
    pub already: u64,
    pub failed: u64,
}

/// E-mails the digest of `period` to every recipient who has not had it: an admin all unresolved
/// alerts, a manager their stores', a franchisee user its stores' and its own account's notices
/// (never another franchisee's), each in their own language. A recipient is recorded once sent,
/// so a second run sends only to those the first could not reach.
pub async fn send_digests(
    storage: &dyn Storage,
    config: &super::mail::MailConfig,
    period: &str,
    now: DateTime<Utc>,
) -> ServiceResult<DigestRound> {
    use lettre::Message;
    use lettre::message::Mailbox;
    let mut round = DigestRound::default();
    let names = Names::load(storage).await?;
    let base = super::mail::public_url();
    for r in storage.alerts().digest_recipients().await? {
        if storage.alerts().digest_sent(period, r.user_id).await? {
            round.already += 1;
            continue;
        }
        let (alerts, total) = digest_alerts(storage, r.role, &r.stores).await?;
        let t = Tr::get(Lang::from_code(&r.language).unwrap_or(Lang::Es));
        // A franchisee's people also hear of their own account: letters, debits that came back.
        let notices = match (r.role, r.franchisee) {
            (DashboardRole::Franchisee, Some(f)) => franchisee_notices(storage, t, f).await?,
            _ => Vec::new(),
        };
        if total == 0 && notices.is_empty() {
            round.nothing += 1;
            continue;
        }
        let (subject, text) = digest_text(
            t,
            &names,
            &r.display_name,
            period,
            &alerts,
            total,
            &notices,
            base.as_deref(),
        );
        let sent = async {
            let m = Message::builder()
                .from(config.from.parse::<Mailbox>().map_err(|e| e.to_string())?)
                .to(r
                    .email
                    .parse::<Mailbox>()
                    .map_err(|e| format!("recipient {:?}: {e}", r.email))?)
                .subject(subject)
                .body(text)
                .map_err(|e| e.to_string())?;
            super::mail::send_message(config, m).await
        }
        .await;
        match sent {
            Ok(()) => {
                storage
                    .alerts()
                    .record_digest(period, r.user_id, total + notices.len() as u64, now)
                    .await?;
                round.sent += 1;
            }
            Err(e) => {
                tracing::warn!(user = r.user_id, error = %e, "alert digest not sent");
                round.failed += 1;
            }
        }
    }
    Ok(round)
}
