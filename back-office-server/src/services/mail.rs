//! E-mailing issued invoices to the franchisee's billing address over SMTP (lettre), with the PDF
//! and the UBL attached. Every attempt is recorded on the invoice (sent, or the error and the
//! number of attempts); the `send-invoices` job retries what failed.

use crate::problem::Problem;
use crate::storage::invoicing::SendState;
use crate::storage::{Storage, StorageError, StorageResult};
use chrono::{DateTime, Utc};
use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::sync::RwLock;
use trastienda_einvoice::{InvoiceDraft, Language};

/// After this many failed attempts an invoice is no longer retried by the job (an alert says so).
pub const MAX_ATTEMPTS: u64 = 10;

/// Where and as whom HQ sends e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// `smtp://host:port`, `smtps://user:pass@host`, `smtp://host?tls=required` (lettre's URL form).
    pub url: String,
    /// The sender, `Facturación <facturas@central.example>`.
    pub from: String,
}

static CONFIG: RwLock<Option<MailConfig>> = RwLock::new(None);

/// Sets this process's SMTP settings (from `serve --smtp-url` or the environment), checked first.
pub fn configure(c: MailConfig) -> Result<(), String> {
    check(&c)?;
    *CONFIG
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(c);
    Ok(())
}

/// This process's SMTP settings, if any.
pub fn config() -> Option<MailConfig> {
    CONFIG
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// The SMTP settings one server instance sends with: part of its `AppState` and of each job run's
/// context, so two servers in one process (the tests) never see each other's. A handle made with
/// [`MailSettings::process`] (what `serve` uses) follows the process's settings ([`configure`]);
/// once [`MailSettings::set`] is called (or made with [`MailSettings::fixed`]) the instance has
/// its own and the process's no longer matter to it. Clones share the setting.
#[derive(Debug, Clone)]
pub struct MailSettings(std::sync::Arc<RwLock<Option<Option<MailConfig>>>>);

impl Default for MailSettings {
    fn default() -> Self {
        Self::process()
    }
}

impl MailSettings {
    /// Follows the process's settings (`serve --smtp-url`).
    pub fn process() -> Self {
        Self(std::sync::Arc::new(RwLock::new(None)))
    }

    /// This instance's own settings (`None`: it sends no e-mail).
    pub fn fixed(c: Option<MailConfig>) -> Self {
        Self(std::sync::Arc::new(RwLock::new(Some(c))))
    }

    /// Gives this instance its own settings (checked first; `None`: no e-mail).
    pub fn set(&self, c: Option<MailConfig>) -> Result<(), String> {
        if let Some(c) = &c {
            check(c)?;
        }
        *self
            .0
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Some(c);
        Ok(())
    }

    /// The settings this instance sends with, if any.
    pub fn get(&self) -> Option<MailConfig> {
        match &*self
            .0
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
        {
            Some(own) => own.clone(),
            None => config(),
        }
    }
}

static PUBLIC_URL: RwLock<Option<String>> = RwLock::new(None);

/// Sets where people open the dashboard (`https://hq.example.com`, from `--public-url`), so the
/// e-mails HQ sends can link to the page an alert or a document is on. Only `http` or `https`,
/// with a host; a trailing `/` is dropped.
pub fn set_public_url(url: Option<&str>) -> Result<(), String> {
    let url = match url.map(str::trim).filter(|u| !u.is_empty()) {
        None => None,
        Some(u) => {
            let rest = u
                .strip_prefix("https://")
                .or_else(|| u.strip_prefix("http://"))
                .ok_or_else(|| format!("public URL {u:?}: it starts with https:// or http://"))?;
            if rest.trim_end_matches('/').is_empty() || rest.contains(['?', '#', ' ']) {
                return Err(format!(
                    "public URL {u:?}: a scheme and a host, e.g. https://hq.example.com"
                ));
            }
            Some(u.trim_end_matches('/').to_string())
        }
    };
    *PUBLIC_URL
        .write()
        .unwrap_or_else(std::sync::PoisonError::into_inner) = url;
    Ok(())
}

/// Where people open the dashboard, if known: e-mails link to `{public_url}/dashboard/…`.
pub fn public_url() -> Option<String> {
    PUBLIC_URL
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone()
}

/// Checks the URL and the sender before the server starts.
pub fn check(c: &MailConfig) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&c.url).map_err(|e| format!("SMTP URL: {e}"))?;
    c.from
        .parse::<Mailbox>()
        .map_err(|e| format!("SMTP sender {:?}: {e}", c.from))?;
    Ok(())
}

/// The e-mail of an invoice: subject and text in the invoice's language, PDF and UBL attached.
pub fn message(
    from: &str,
    to: &str,
    number: &str,
    draft: &InvoiceDraft,
    pdf: Vec<u8>,
    ubl: Vec<u8>,
) -> Result<Message, String> {
    let credit = matches!(draft.kind, trastienda_einvoice::DocumentKind::CreditNote(_));
    let (subject, text) = match (draft.language, credit) {
        (Language::Es, false) => (
            format!("Factura {number} de {}", draft.issuer.legal_name),
            format!(
                "Adjuntamos la factura {number} ({}) en PDF y en formato electrónico UBL.\n\n{}\n",
                draft.customer.legal_name, draft.issuer.legal_name
            ),
        ),
        (Language::Es, true) => (
            format!(
                "Factura rectificativa {number} de {}",
                draft.issuer.legal_name
            ),
            format!(
                "Adjuntamos la factura rectificativa {number} ({}) en PDF y en formato electrónico UBL.\n\n{}\n",
                draft.customer.legal_name, draft.issuer.legal_name
            ),
        ),
        (Language::En, false) => (
            format!("Invoice {number} from {}", draft.issuer.legal_name),
            format!(
                "Please find attached invoice {number} ({}) as a PDF and as a UBL e-invoice.\n\n{}\n",
                draft.customer.legal_name, draft.issuer.legal_name
            ),
        ),
        (Language::En, true) => (
            format!("Credit note {number} from {}", draft.issuer.legal_name),
            format!(
                "Please find attached credit note {number} ({}) as a PDF and as a UBL e-invoice.\n\n{}\n",
                draft.customer.legal_name, draft.issuer.legal_name
            ),
        ),
    };
    with_attachments(
        from,
        to,
        &subject,
        text,
        vec![
            (format!("{number}.pdf"), pdf, "application/pdf"),
            (format!("{number}.ubl.xml"), ubl, "application/xml"),
        ],
    )
}

/// An e-mail with a plain text and files attached, each `(file name, bytes, content type)`.
pub fn with_attachments(
    from: &str,
    to: &str,
    subject: &str,
    text: String,
    files: Vec<(String, Vec<u8>, &str)>,
) -> Result<Message, String> {
    let mut parts = MultiPart::mixed().singlepart(SinglePart::plain(text));
    for (name, bytes, content_type) in files {
        let content_type = ContentType::parse(content_type).map_err(|e| e.to_string())?;
        parts = parts.singlepart(Attachment::new(name).body(bytes, content_type));
    }
    Message::builder()
        .from(from.parse::<Mailbox>().map_err(|e| e.to_string())?)
        .to(to
            .parse::<Mailbox>()
            .map_err(|e| format!("recipient {to:?}: {e}"))?)
        .subject(subject)
        .multipart(parts)
        .map_err(|e| e.to_string())
}

/// A report from the dashboard as an e-mail: a short text and the report's CSV attached.
pub fn report_message(
    from: &str,
    to: &str,
    subject: &str,
    text: &str,
    file_name: &str,
    csv: String,
) -> Result<Message, String> {
    let csv_file = (
        file_name.to_string(),
        csv.into_bytes(),
        "text/csv; charset=utf-8",
    );
    with_attachments(from, to, subject, text.to_string(), vec![csv_file])
}

/// Sends `m` through the configured SMTP server now (30 s at most).
pub async fn send_message(config: &MailConfig, m: Message) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(&config.url)
        .map_err(|e| format!("SMTP URL: {e}"))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build()
        .send(m)
        .await
        .map(drop)
        .map_err(|e| format!("SMTP: {e}"))
}

/// Sends invoice `id` now and records the attempt. Sent already: nothing is sent again.
pub async fn send_invoice(
    storage: &dyn Storage,
    config: &MailConfig,
    id: i64,
    now: DateTime<Utc>,
) -> StorageResult<SendState> {
    deliver(storage, config, id, now, false).await
}

/// HQ's "send now": sends invoice `id` again even when it was sent (the franchisee lost it), and
/// records the attempt like any other.
pub async fn send_now(
    storage: &dyn Storage,
    config: &MailConfig,
    id: i64,
    now: DateTime<Utc>,
) -> StorageResult<SendState> {
    deliver(storage, config, id, now, true).await
}

async fn deliver(
    storage: &dyn Storage,
    config: &MailConfig,
    id: i64,
    now: DateTime<Utc>,
    again: bool,
) -> StorageResult<SendState> {
    let inv = storage.invoicing();
    let state = inv
        .send_state(id)
        .await?
        .ok_or_else(|| StorageError::NotFound(Problem::new("invoice_not_found").with("id", id)))?;
    if state.sent_at.is_some() && !again {
        return Ok(state);
    }
    let rec = inv.get_invoice(id).await?;
    let draft: InvoiceDraft = serde_json::from_str(&rec.draft)
        .map_err(|e| StorageError::Backend(format!("invoice {id} draft: {e}")))?;
    let (pdf, _) = inv.invoice_document(id, "pdf").await?;
    let (ubl, _) = inv.invoice_document(id, "ubl").await?;
    let result = match message(
        &config.from,
        &state.recipient,
        &rec.full_number,
        &draft,
        pdf,
        ubl,
    ) {
        Err(e) => Err(e),
        Ok(m) => send_message(config, m).await,
    };
    if let Err(e) = &result {
        tracing::warn!(invoice = %rec.full_number, error = %e, "invoice e-mail not sent");
    }
    inv.record_send(id, result, now).await
}

/// What a sending round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SendRound {
    pub sent: u64,
    pub failed: u64,
    /// Given up on (too many attempts).
    pub given_up: u64,
}

/// Sends every invoice not sent yet (up to `limit`), each attempt recorded; one that reaches
/// [`MAX_ATTEMPTS`] raises an `invoice_send_failed` alert and is left for a person.
pub async fn send_pending(
    storage: &dyn Storage,
    config: &MailConfig,
    now: DateTime<Utc>,
    limit: u32,
) -> StorageResult<SendRound> {
    let mut round = SendRound::default();
    for s in storage.invoicing().unsent_invoices(limit).await? {
        if s.attempts >= MAX_ATTEMPTS {
            round.given_up += 1;
            continue;
        }
        let after = send_invoice(storage, config, s.invoice_id, now).await?;
        if after.sent_at.is_some() {
            round.sent += 1;
        } else {
            round.failed += 1;
            if after.attempts >= MAX_ATTEMPTS {
                let params = serde_json::json!({
                    "invoice_id": after.invoice_id,
                    "recipient": after.recipient,
                    "attempts": after.attempts,
                });
                storage
                    .alerts()
                    .raise(
                        "invoice_send_failed",
                        None,
                        None,
                        &format!(
                            "invoice {} could not be e-mailed to {} after {} attempts: {}",
                            after.invoice_id,
                            after.recipient,
                            after.attempts,
                            after.last_error.unwrap_or_default()
                        ),
                        &params,
                        now,
                    )
                    .await?;
            }
        }
    }
    Ok(round)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_public_url_is_a_scheme_and_a_host() {
        set_public_url(Some("https://hq.example.es/")).unwrap();
        assert_eq!(public_url().as_deref(), Some("https://hq.example.es"));
        for bad in ["hq.example.es", "ftp://hq", "https://", "https://hq?x=1"] {
            assert!(set_public_url(Some(bad)).is_err(), "{bad}");
        }
        // A refused one changes nothing; none (or blank) clears it.
        assert_eq!(public_url().as_deref(), Some("https://hq.example.es"));
        set_public_url(Some(" ")).unwrap();
        assert_eq!(public_url(), None);
    }
}
