//! Purchase orders and transfers (issue 13): a draft order from a store's suggested order or typed
//! by hand; approval (numbered, sent to the store's tills as a delivery note, and for an external
//! supplier a PDF e-mailed to the supplier's address); transfers dispatched from one store to
//! another. Used by the dashboard, the JSON API and the CLI.

use super::ServiceResult;
use super::mail::MailConfig;
use crate::i18n::{Lang, Tr};
use crate::problem::Problem;
use crate::services::replenish::{self as rules, Plan};
use crate::storage::purchasing::{JobDraft, NewPurchaseOrder, OrderLineIn, PurchaseOrder};
use crate::storage::{Storage, StorageError, Store};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Lines one order or transfer may carry.
pub const MAX_LINES: usize = 500;

/// A store's suggested orders for `today`.
pub async fn store_plan(
    storage: &dyn Storage,
    store: &Store,
    today: NaiveDate,
) -> ServiceResult<Plan> {
    let r = storage.replenish();
    let inputs = r
        .store_inputs(
            store.id,
            today - Duration::days(rules::FORECAST_WEEKS * 7),
            today - Duration::days(1),
        )
        .await?;
    let catalog = rules::Catalog::new(
        r.catalog().await?,
        r.list_family_rules().await?,
        r.list_suppliers().await?,
    );
    Ok(rules::plan(
        &catalog,
        &inputs,
        store.franchisee_id,
        today,
        None,
    ))
}

/// Today's suggested order of `store` to `supplier` as a draft purchase order (the quantities the
/// Reposición page shows), with what was done: `Created`; `Replaced` when the replenishment job's
/// untouched draft for that supplier was there (it gets these lines); `Left` when a person's or an
/// edited draft for that supplier is open (it is returned as it is: a store never gets a second
/// open draft for a supplier from a suggestion). Nothing to order: `Invalid`
/// (`replenish_nothing_to_order`).
pub async fn draft_from_suggestion(
    storage: &dyn Storage,
    store: &Store,
    supplier: i64,
    by: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> ServiceResult<(PurchaseOrder, JobDraft)> {
    let supplier = storage
        .replenish()
        .get_supplier(supplier)
        .await
        .map_err(|e| match e {
            StorageError::NotFound(_) => StorageError::Invalid(
                Problem::new("replenish_unknown_supplier").with("value", supplier),
            ),
            e => e,
        })?;
    let plan = store_plan(storage, store, today).await?;
    let Some(order) = plan
        .orders
        .iter()
        .find(|o| o.supplier.id == supplier.id && !o.lines.is_empty())
    else {
        return Err(StorageError::Invalid(Problem::new(
            "replenish_nothing_to_order",
        )));
    };
    let p = storage.purchasing();
    let done = p
        .write_suggested_draft(&suggested_order(store, order, by), None, now)
        .await?;
    Ok((p.get_purchase_order(done.id()).await?, done))
}

/// A supplier's suggested order for a store as a new draft (its lines at HQ's costs).
pub fn suggested_order(store: &Store, order: &rules::SupplierOrder, by: &str) -> NewPurchaseOrder {
    NewPurchaseOrder {
        store_id: store.id,
        supplier_id: order.supplier.id,
        source: "suggestion".into(),
        lines: order
            .lines
            .iter()
            .map(|(p, s)| OrderLineIn {
                product_id: p.product_id,
                quantity: s.quantity,
                unit_cost: p.cost,
            })
            .collect(),
        created_by: by.to_string(),
    }
}

/// The name the replenishment job writes its drafts under (`made_by_job` and `created_by`).
pub const REPLENISHMENT_JOB: &str = "replenishment";

/// What [`job_drafts`] did for a store.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobDrafts {
    pub created: u64,
    pub replaced: u64,
    /// Open drafts a person made or edited, left as they were.
    pub left: u64,
    /// The job's untouched drafts for suppliers with nothing to order any more.
    pub discarded: u64,
}

/// The replenishment job's drafts for `store`: one per supplier of `plan` with its suggested lines,
/// made the way the Reposición page's «Crear pedido (borrador)» makes them. A store's open draft
/// for a supplier that the job made and nobody edited gets the new lines; any other open draft for
/// it (a person's, or edited) is left alone and no second one is made. The job's untouched drafts
/// for suppliers the plan no longer orders from are discarded (the stock came back, or a person
/// approved another order that covers it).
pub async fn job_drafts(
    storage: &dyn Storage,
    store: &Store,
    plan: &Plan,
    now: DateTime<Utc>,
) -> ServiceResult<JobDrafts> {
    let mut out = JobDrafts::default();
    let mut ordering = Vec::new();
    for order in plan.orders.iter().filter(|o| !o.lines.is_empty()) {
        ordering.push(order.supplier.id);
        match storage
            .purchasing()
            .write_suggested_draft(
                &suggested_order(store, order, REPLENISHMENT_JOB),
                Some(REPLENISHMENT_JOB),
                now,
            )
            .await?
        {
            JobDraft::Created(_) => out.created += 1,
            JobDraft::Replaced(_) => out.replaced += 1,
            JobDraft::Left(_) => out.left += 1,
        }
    }
    out.discarded = storage
        .purchasing()
        .discard_stale_job_drafts(store.id, &ordering, REPLENISHMENT_JOB, now)
        .await?;
    Ok(out)
}

/// Checks typed lines: not empty, at most [`MAX_LINES`], one per product, quantities > 0.
pub fn check_lines(lines: &[OrderLineIn]) -> Result<(), Problem> {
    if lines.is_empty() {
        return Err(Problem::new("purchase_order_empty"));
    }
    if lines.len() > MAX_LINES {
        return Err(Problem::new("purchase_order_too_many").with("max", MAX_LINES));
    }
    for (i, l) in lines.iter().enumerate() {
        if l.quantity.is_negative() || l.quantity.is_zero() {
            return Err(Problem::new("purchase_order_bad_quantity").with("line", i + 1));
        }
        if l.unit_cost.is_some_and(|c| c.is_sign_negative()) {
            return Err(
                Problem::new("stock_cost_negative").with("value", l.unit_cost.unwrap_or_default())
            );
        }
        if lines[..i].iter().any(|o| o.product_id == l.product_id) {
            return Err(Problem::new("purchase_order_duplicate_product").with("line", i + 1));
        }
    }
    Ok(())
}

/// The order as a PDF in `lang`: the supplier, the store it goes to, the lines with their costs.
pub fn order_pdf(o: &PurchaseOrder, store: &Store, lang: Lang) -> Result<Vec<u8>, String> {
    let t = Tr::get(lang);
    let m = |k: &str| t.msg(k);
    let number = o.number.clone().unwrap_or_default();
    let labels = [
        "SKU".to_string(),
        m("stock-col-product"),
        m("po-col-quantity"),
        m("stock-col-cost"),
        m("stock-col-value"),
    ];
    let widths = [
        (0.16, false),
        (0.44, false),
        (0.12, true),
        (0.13, true),
        (0.15, true),
    ];
    let cols: Vec<(&str, f32, bool)> = labels
        .iter()
        .zip(widths)
        .map(|(l, (w, r))| (l.as_str(), w, r))
        .collect();
    let rows: Vec<Vec<String>> = o
        .lines
        .iter()
        .map(|l| {
            vec![
                l.sku.clone(),
                l.name.clone(),
                t.quantity(l.quantity.milli()),
                l.unit_cost
                    .map(|c| t.money(sync_protocol::Money::new(c)))
                    .unwrap_or_else(|| "—".into()),
                t.money(l.value()),
            ]
        })
        .collect();
    let title = format!("{} {number}", m("po-pdf-title"));
    let heading = vec![
        format!("{}: {}", m("po-supplier"), o.supplier_name),
        format!("{}: {} — {}", m("po-deliver-to"), store.name, store.address),
        format!(
            "{}: {}",
            m("po-approved-on"),
            o.decided_at
                .map(|d| t.day(crate::storage::sql::business_day(d)))
                .unwrap_or_default()
        ),
    ];
    let closing = vec![format!("{}: {}", m("report-total"), t.money(o.total()))];
    trastienda_einvoice::pdf::render_table(&trastienda_einvoice::pdf::TableDocument {
        title: &title,
        heading: &heading,
        columns: &cols,
        rows: &rows,
        closing: &closing,
        footer: &number,
        language: lang.code(),
    })
    .map_err(|e| e.to_string())
}

/// What approval did besides numbering the order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Approved {
    pub order: PurchaseOrder,
    pub note_number: String,
    /// `Some(Ok(to))` e-mailed, `Some(Err(why))` not, `None` nothing to e-mail (central warehouse,
    /// no address, or no SMTP configured).
    pub email: Option<Result<String, String>>,
}

/// E-mail attempts per order: after the last one fails the job gives up (and an alert says so).
pub const EMAIL_MAX_ATTEMPTS: i64 = 8;
/// The wait before the first retry; each failure after it doubles the wait, up to a day.
pub const EMAIL_FIRST_RETRY: Duration = Duration::minutes(10);
/// Failed e-mails one run of the `send-purchase-orders` job retries at most.
pub const EMAIL_RETRY_BATCH: u32 = 100;

/// When to try again after `attempts` failed attempts: 10 min, 20 min, 40 min … (at most a day
/// apart); `None` once [`EMAIL_MAX_ATTEMPTS`] were made.
pub fn email_retry_at(attempts: i64, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if attempts >= EMAIL_MAX_ATTEMPTS {
        return None;
    }
    let doublings = u32::try_from((attempts - 1).clamp(0, 20)).unwrap_or(20);
    let wait = EMAIL_FIRST_RETRY * 2i32.pow(doublings);
    Some(now + wait.min(Duration::days(1)))
}

/// Approves a draft: numbered, a delivery note for the store's tills, the PDF kept (in the
/// supplier's language), and for an external supplier with an address the PDF e-mailed (when SMTP
/// is configured; a failure is retried by the `send-purchase-orders` job).
pub async fn approve(
    storage: &dyn Storage,
    mail: Option<&MailConfig>,
    id: i64,
    by: &str,
    now: DateTime<Utc>,
) -> ServiceResult<Approved> {
    let p = storage.purchasing();
    let (order, note) = p.approve_purchase_order(id, by, now).await?;
    let store = storage.get_store(order.store_id).await?;
    let pdf = order_pdf(&order, &store, order.supplier_language)
        .map_err(|e| StorageError::Backend(format!("purchase order PDF: {e}")))?;
    p.set_order_pdf(id, &pdf).await?;
    let email = match mail {
        Some(config) if !order.central && !order.supplier_email.trim().is_empty() => {
            Some(email_order(storage, config, &order, &store, pdf, now).await?)
        }
        _ => None,
    };
    Ok(Approved {
        order: p.get_purchase_order(id).await?,
        note_number: note.number,
        email,
    })
}

/// Sends an order's PDF and records the attempt: sent, or the error and when to try again (an
/// alert once the last attempt failed).
async fn email_order(
    storage: &dyn Storage,
    config: &MailConfig,
    order: &PurchaseOrder,
    store: &Store,
    pdf: Vec<u8>,
    now: DateTime<Utc>,
) -> ServiceResult<Result<String, String>> {
    let r = send_order(config, order, store, pdf).await;
    let attempts = order.email_attempts + 1;
    let retry_at = match &r {
        Ok(_) => None,
        Err(e) => {
            tracing::warn!(order = order.id, attempts, error = %e, "purchase order e-mail not sent");
            email_retry_at(attempts, now)
        }
    };
    storage
        .purchasing()
        .record_order_email(order.id, r.clone(), now, retry_at)
        .await?;
    if let Err(e) = &r
        && retry_at.is_none()
    {
        let number = order.number.clone().unwrap_or_default();
        storage
            .alerts()
            .raise(
                "purchase_order_email_failed",
                None,
                Some(order.store_id),
                &format!(
                    "purchase order {number} could not be e-mailed to {} after {attempts} attempts: {e}",
                    order.supplier_email
                ),
                &serde_json::json!({
                    "order_id": order.id,
                    "number": number,
                    "recipient": order.supplier_email,
                    "attempts": attempts,
                }),
                now,
            )
            .await?;
    }
    Ok(r)
}

/// E-mails an approved order's kept PDF to its supplier again (a retry of the job, or a person
/// asking for it). An order that is not approved or closed, goes to the central warehouse, or
/// has no supplier address: `Conflict` (`purchase_order_not_emailable`).
pub async fn resend(
    storage: &dyn Storage,
    config: &MailConfig,
    id: i64,
    now: DateTime<Utc>,
) -> ServiceResult<Result<String, String>> {
    use crate::storage::purchasing::OrderStatus;
    let p = storage.purchasing();
    let order = p.get_purchase_order(id).await?;
    let pdf = p.order_pdf(id).await?;
    let (true, false, Some(pdf)) = (
        matches!(order.status, OrderStatus::Approved | OrderStatus::Closed),
        order.central || order.supplier_email.trim().is_empty(),
        pdf,
    ) else {
        return Err(StorageError::Conflict(Problem::new(
            "purchase_order_not_emailable",
        )));
    };
    let store = storage.get_store(order.store_id).await?;
    email_order(storage, config, &order, &store, pdf, now).await
}

/// What one round of retries did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RetryRound {
    pub sent: u64,
    pub failed: u64,
}

/// Retries the failed e-mails that are due at `now` (the `send-purchase-orders` job).
pub async fn retry_due_emails(
    storage: &dyn Storage,
    config: &MailConfig,
    now: DateTime<Utc>,
) -> ServiceResult<RetryRound> {
    let mut round = RetryRound::default();
    for id in storage
        .purchasing()
        .order_emails_due(now, EMAIL_RETRY_BATCH)
        .await?
    {
        match resend(storage, config, id, now).await {
            Ok(Ok(_)) => round.sent += 1,
            Ok(Err(_)) => round.failed += 1,
            // Discarded from retrying (no longer e-mailable): nothing more to do for it.
            Err(StorageError::Conflict(_)) => {
                storage
                    .purchasing()
                    .record_order_email(id, Err("no longer e-mailable".into()), now, None)
                    .await?;
                round.failed += 1;
            }
            Err(e) => return Err(e),
        }
    }
    Ok(round)
}

/// Sends an approved order's PDF to its supplier, in the supplier's language; `Ok(recipient)`.
pub async fn send_order(
    config: &MailConfig,
    o: &PurchaseOrder,
    store: &Store,
    pdf: Vec<u8>,
) -> Result<String, String> {
    let t = Tr::get(o.supplier_language);
    let number = o.number.clone().unwrap_or_default();
    let to = o.supplier_email.trim().to_string();
    let pdf_type = ContentType::parse("application/pdf").map_err(|e| e.to_string())?;
    let text = t.msg_with(
        "po-mail-body",
        &[
            ("number", &number),
            ("store", &store.name),
            ("address", &store.address),
        ],
    );
    let m = Message::builder()
        .from(config.from.parse::<Mailbox>().map_err(|e| e.to_string())?)
        .to(to
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient {to:?}: {e}"))?)
        .subject(t.msg_with(
            "po-mail-subject",
            &[("number", &number), ("store", &store.name)],
        ))
        .multipart(
            MultiPart::mixed()
                .singlepart(SinglePart::plain(text))
                .singlepart(Attachment::new(format!("{number}.pdf")).body(pdf, pdf_type)),
        )
        .map_err(|e| e.to_string())?;
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
        .map_err(|e| format!("SMTP URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    transport
        .send(m)
        .await
        .map(|_| to)
        .map_err(|e| format!("SMTP: {e}"))
}

/// Checks a schedule typed for a store: hour 0–23, dead-stock days 1–3650.
pub fn check_schedule(job_hour: &str, dead_days: &str) -> Result<(i64, i64), Problem> {
    let h = job_hour
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|h| (0..=23).contains(h))
        .ok_or_else(|| Problem::new("replenish_bad_hour").with("value", job_hour.trim()))?;
    let d = dead_days
        .trim()
        .parse::<i64>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or_else(|| Problem::new("replenish_bad_dead_days").with("value", dead_days.trim()))?;
    Ok((h, d))
}
