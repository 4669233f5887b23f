//! Facturación: HQ's invoicing of franchisees. HQ roles only (a store manager gets "not found"):
//! analysts read contracts and invoices, admins also set HQ's billing details, add contract
//! versions, run a month and issue credit notes. An invoice's page shows its lines, the net sales
//! it counted per store and day down to the tickets, its documents and its e-mail state.

use super::html;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::invoicing::{self as svc, CreditNoteIn};
use crate::storage::invoicing::{ContractIn, InvoiceKind, IssuerIn, PaymentIn};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use chrono::{NaiveDate, Utc};
use maud::html;
use rust_decimal::Decimal;
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{FranchiseeId, Money, StoreId};
use trastienda_einvoice::royalty::Tier;
use trastienda_einvoice::{Address, CorrectionReason, Invoice, InvoiceDraft, Language};

/// HQ roles only.
fn hq_only(v: &Viewer) -> Result<(), WebError> {
    if v.scope().is_some() {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(())
}

fn money_text(m: Money) -> String {
    html::money(m)
}

/// `12`, `12.5`, `12,50`: at most two decimals.
fn parse_money(text: &str, what: &str) -> Result<Money, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Money::ZERO);
    }
    let d: Decimal = t
        .replace(',', ".")
        .parse()
        .map_err(|_| format!("{what}: «{t}»"))?;
    if d.normalize().scale() > 2 {
        return Err(format!("{what}: «{t}»"));
    }
    Ok(Money::new(d))
}

fn parse_percent(text: &str, what: &str) -> Result<Decimal, String> {
    let t = text.trim();
    if t.is_empty() {
        return Ok(Decimal::ZERO);
    }
    t.replace(',', ".")
        .parse()
        .map_err(|_| format!("{what}: «{t}»"))
}

async fn franchisee_names(st: &AppState) -> Result<BTreeMap<FranchiseeId, String>, WebError> {
    Ok(st
        .storage
        .list_franchisees()
        .await?
        .into_iter()
        .map(|f| (f.id, f.legal_name))
        .collect())
}

/// `GET /dashboard/invoicing`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let names = franchisee_names(&st).await?;
    let invoices = st.storage.invoicing().list_invoices(None).await?;
    let versions = st.storage.invoicing().contract_versions(None).await?;
    let issuer = st.storage.invoicing().issuer().await?;
    let mut latest: BTreeMap<FranchiseeId, &crate::storage::invoicing::ContractVersion> =
        BTreeMap::new();
    for cv in &versions {
        latest.insert(cv.franchisee_id, cv);
    }
    let i = issuer.clone();
    let a = i.as_ref().map(|i| i.address.clone());
    let val = |f: fn(&IssuerIn) -> String| i.as_ref().map(f).unwrap_or_default();
    let last_month = crate::jobs::PeriodKind::LastMonth.current(Utc::now());
    let body = html! {
        h1 { (m("inv-title")) }
        (html::done(q.done.as_deref()))
        @if issuer.is_none() { p class="error" role="alert" id="issuer-missing" { (t.msg("problem-invoicing_issuer_missing")) } }
        @if v.can_write() {
            section class="card" {
                h2 { (m("inv-run")) }
                form class="row" method="post" action="/dashboard/invoicing/run" {
                    (v.csrf_field())
                    label { (m("inv-period")) " " input name="period" id="run-period" value=(last_month) pattern="[0-9]{4}-[0-9]{2}" required; }
                    button type="submit" id="run-invoicing" { (m("inv-run-button")) }
                }
                p class="muted" { (m("inv-run-help")) }
                form class="row" method="get" action="/dashboard/invoicing/journal" id="journal-form" {
                    label { (m("inv-journal-month")) " " input name="month" id="journal-month" value=(last_month) pattern="[0-9]{4}-[0-9]{2}" required; }
                    button type="submit" id="journal-download" { (m("inv-journal-button")) }
                }
                p class="muted" { (m("inv-journal-help")) }
            }
        }
        section class="card" {
            h2 { (m("inv-invoices")) }
            table id="invoices" {
                thead { tr {
                    th { (m("inv-number")) } th { (m("inv-franchisee")) } th { (m("inv-period")) }
                    th { (m("inv-issue-date")) } th class="num" { (m("inv-net")) } th class="num" { (m("inv-total")) }
                } }
                tbody {
                    @for inv in &invoices {
                        tr data-invoice=(inv.full_number) {
                            td { a href={ "/dashboard/invoices/" (inv.id) } { (inv.full_number) } }
                            td { (names.get(&inv.franchisee_id).map(String::as_str).unwrap_or("?")) }
                            td { (inv.period.as_deref().unwrap_or("—")) }
                            td { (t.day(inv.issue_date)) }
                            td class="num" { (money_text(inv.net)) }
                            td class="num" { (money_text(inv.total)) }
                        }
                    }
                }
            }
            @if invoices.is_empty() { (html::muted(&m("inv-no-invoices"))) }
        }
        section class="card" {
            h2 { (m("inv-contracts")) }
            table id="contracts" {
                thead { tr { th { (m("inv-franchisee")) } th { (m("inv-version")) } th { (m("inv-from")) } th { (m("inv-billing-email")) } } }
                tbody {
                    @for (id, name) in &names {
                        tr data-franchisee=(id) {
                            td { a href={ "/dashboard/invoicing/contracts/" (id) } { (name) } }
                            @if let Some(cv) = latest.get(id) {
                                td { (cv.version) } td { (cv.terms.effective_from) } td { (cv.terms.billing_email) }
                            } @else {
                                td colspan="3" class="muted" { (m("inv-no-contract")) }
                            }
                        }
                    }
                }
            }
        }
        section class="card" {
            h2 { (m("inv-issuer")) }
            @if v.can_write() {
                form method="post" action="/dashboard/invoicing/issuer" id="issuer-form" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("field-legal-name")) " " input name="legal_name" value=(val(|i| i.legal_name.clone())) required; }
                        label { "NIF " input name="nif" value=(val(|i| i.nif.clone())) required; }
                    }
                    div class="row" {
                        label { (m("inv-street")) " " input name="street" value=(a.as_ref().map(|a| a.street.clone()).unwrap_or_default()) required; }
                        label { (m("inv-postal-code")) " " input name="postal_code" value=(a.as_ref().map(|a| a.postal_code.clone()).unwrap_or_default()) required; }
                        label { (m("inv-city")) " " input name="city" value=(a.as_ref().map(|a| a.city.clone()).unwrap_or_default()) required; }
                        label { (m("inv-province")) " " input name="province" value=(a.as_ref().map(|a| a.province.clone()).unwrap_or_default()) required; }
                    }
                    div class="row" {
                        label { "IBAN " input name="iban" value=(val(|i| i.iban.clone())) required; }
                        label { "BIC " input name="bic" value=(val(|i| i.bic.clone().unwrap_or_default())); }
                        label { (m("inv-creditor-id")) " " input name="creditor_id" value=(val(|i| i.creditor_id.clone().unwrap_or_default())); }
                    }
                    button type="submit" id="issuer-save" { (m("inv-save")) }
                }
            } @else if let Some(i) = &issuer {
                p { (i.legal_name) " · " (i.nif) " · " (i.address.street) ", " (i.address.postal_code) " " (i.address.city) " · IBAN " (i.iban) }
            }
        }
    };
    Ok(ok(html::page(&v, "invoicing", &m("inv-title"), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct IssuerForm {
    #[serde(default)]
    legal_name: String,
    #[serde(default)]
    nif: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    iban: String,
    #[serde(default)]
    bic: String,
    #[serde(default)]
    creditor_id: String,
}

fn some(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `POST /dashboard/invoicing/issuer`.
pub async fn save_issuer(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<IssuerForm>,
) -> WebResult {
    let i = IssuerIn {
        legal_name: f.legal_name.trim().into(),
        nif: f.nif.trim().to_uppercase(),
        address: Address {
            street: f.street.trim().into(),
            postal_code: f.postal_code.trim().into(),
            city: f.city.trim().into(),
            province: f.province.trim().into(),
            country: "ES".into(),
        },
        iban: f.iban.trim().into(),
        bic: some(&f.bic),
        creditor_id: some(&f.creditor_id),
    };
    svc::set_issuer(st.storage.as_ref(), &i, Utc::now()).await?;
    Ok(see_other(&format!(
        "/dashboard/invoicing?done={}",
        html::url(&v.t().msg(key!("inv-issuer-saved")))
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct RunForm {
    #[serde(default)]
    period: String,
}

/// `POST /dashboard/invoicing/run`: starts invoicing a closed month in the background and shows
/// its progress page (a refused month or missing issuer details start nothing).
pub async fn run(State(st): State<AppState>, WriteForm(v, f): WriteForm<RunForm>) -> WebResult {
    let id = svc::start_run(
        st.storage.clone(),
        st.mail.clone(),
        f.period.trim(),
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!("/dashboard/invoicing/runs/{id}")))
}

/// `GET /dashboard/invoicing/runs/{id}`: a run's progress bar, reloading itself every two seconds
/// until the run has finished; then what it did.
pub async fn run_page(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    svc::interrupt_stale_runs(st.storage.as_ref(), Utc::now()).await?;
    let r = st
        .storage
        .invoicing()
        .get_run(id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let running = r.finished_at.is_none();
    let body = html! {
        @if running { meta http-equiv="refresh" content="2"; }
        h1 { (m("inv-run")) " " (r.period) }
        p { a href="/dashboard/invoicing" { (m("inv-title")) } }
        section class="card" id="run-progress" data-done=(r.done) data-total=(r.total) data-finished=(!running) {
            progress id="run-bar" value=(r.done) max=(r.total.max(1)) { (r.done) " / " (r.total) }
            p { (t.msg_with(key!("inv-run-progress"), &[("done", &r.done), ("total", &r.total)])) }
            @if running {
                p class="muted" { (m("inv-run-working")) }
            } @else {
                p id="run-summary" { (t.msg_with(key!("inv-run-done"), &[
                    ("period", &r.period),
                    ("issued", &r.issued),
                    ("already", &r.already),
                    ("failed", &r.failed),
                ])) }
                @if let Some(at) = r.interrupted_at {
                    p class="error" id="run-interrupted" { (t.msg_with(key!("inv-run-interrupted"), &[
                        ("since", &t.datetime(r.heartbeat_at.unwrap_or(r.started_at).min(at))),
                    ])) }
                    @if v.can_write() {
                        form method="post" action="/dashboard/invoicing/run" id="run-again" {
                            (v.csrf_field())
                            input type="hidden" name="period" value=(r.period);
                            button type="submit" { (t.msg_with(key!("inv-run-again"), &[("period", &r.period)])) }
                        }
                    }
                } @else if let Some(e) = &r.error { p class="error" id="run-error" { (e) } }
            }
        }
    };
    Ok(ok(html::page(&v, "invoicing", &m("inv-run"), body)))
}

/// `POST /dashboard/invoices/{id}/send`: e-mails the invoice again now ("send now").
pub async fn send_now(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, _f): WriteForm<RunForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    st.storage
        .invoicing()
        .get_invoice(id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let Some(config) = st.mail.get() else {
        return Ok(see_other(&format!(
            "/dashboard/invoices/{id}?done={}",
            html::url(&t.msg("problem-smtp_not_configured"))
        )));
    };
    let s = crate::services::mail::send_now(st.storage.as_ref(), &config, id, Utc::now()).await?;
    // Every attempt overwrites the last error: none means this one went out.
    let done = match &s.last_error {
        Some(e) => format!("{}: {e}", t.msg(key!("inv-send-failed"))),
        None => t.msg_with(key!("inv-sent-to"), &[("recipient", &s.recipient)]),
    };
    Ok(see_other(&format!(
        "/dashboard/invoices/{id}?done={}",
        html::url(&done)
    )))
}

#[derive(Debug, Default, Deserialize)]
pub struct JournalQuery {
    #[serde(default)]
    month: String,
}

/// `GET /dashboard/invoicing/journal?month=YYYY-MM`: the month's invoices and credit notes as the
/// journal CSV for HQ's accountant.
pub async fn journal(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<JournalQuery>,
) -> WebResult {
    hq_only(&v)?;
    let csv = svc::journal_csv(st.storage.as_ref(), q.month.trim()).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"asientos-{}.csv\"", q.month.trim()),
            ),
        ],
        csv,
    )
        .into_response())
}

/// `GET /dashboard/franchise/contract`: a franchisee user's own contract versions, read-only
/// (HQ roles go to Facturación; anyone else gets "not found").
pub async fn own_contract(State(st): State<AppState>, v: Viewer) -> WebResult {
    match v.franchisee() {
        Some(f) => contracts_page(&st, &v, f.0, None, &ContractForm::default(), None).await,
        None if v.is_hq() => Ok(see_other("/dashboard/invoicing")),
        None => Err(WebError::not_found_t(v.t())),
    }
}

/// `GET /dashboard/invoicing/contracts/{franchisee}`.
pub async fn contracts(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    contracts_page(
        &st,
        &v,
        id,
        q.done.as_deref(),
        &ContractForm::default(),
        None,
    )
    .await
}

async fn contracts_page(
    st: &AppState,
    v: &Viewer,
    id: i64,
    done: Option<&str>,
    form: &ContractForm,
    error: Option<String>,
) -> WebResult {
    // HQ roles see every franchisee's contract; a franchisee user its own, read-only (another's
    // is "not found", as for a store manager).
    v.franchisee_or_404(FranchiseeId(id))?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let f = st
        .storage
        .get_franchisee(FranchiseeId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let versions = st.storage.invoicing().contract_versions(Some(f.id)).await?;
    let form = if form.billing_email.is_empty() && error.is_none() {
        versions
            .last()
            .map(|cv| ContractForm::from(&cv.terms))
            .unwrap_or_default()
    } else {
        form.clone()
    };
    let pay = |p: &PaymentIn| match p {
        PaymentIn::Transfer => m("inv-transfer"),
        PaymentIn::DirectDebit {
            mandate_reference, ..
        } => format!("{} ({mandate_reference})", m("inv-direct-debit")),
    };
    let body = html! {
        h1 { (m("inv-contract-of")) " " (f.legal_name) }
        (html::done(done))
        @if v.is_hq() {
            p { a href="/dashboard/invoicing" { (m("inv-title")) } }
        } @else {
            p class="muted" id="own-contract-help" { (m("inv-own-contract-help")) }
        }
        section class="card" {
            h2 { (m("inv-versions")) }
            table id="versions" {
                thead { tr {
                    th { (m("inv-version")) } th { (m("inv-from")) } th { (m("inv-tiers")) } th class="num" { (m("inv-minimum")) }
                    th class="num" { (m("inv-marketing")) } th class="num" { (m("inv-fee-till")) } th class="num" { (m("inv-fee-store")) }
                    th class="num" { (m("inv-entry-fee")) } th { (m("inv-payment")) } th { (m("inv-billing-email")) } th { (m("inv-language")) }
                } }
                tbody {
                    @for cv in &versions {
                        tr data-version=(cv.version) {
                            td { (cv.version) }
                            td { (cv.terms.effective_from) }
                            td { @for tier in &cv.terms.royalty_tiers {
                                (money_text(tier.from)) "–" (tier.to.map(money_text).unwrap_or_else(|| "∞".into())) ": " (tier.percent) " %" br;
                            } }
                            td class="num" { (money_text(cv.terms.minimum_royalty)) }
                            td class="num" { (cv.terms.marketing_fund_percent) " %" }
                            td class="num" { (money_text(cv.terms.fee_per_till)) }
                            td class="num" { (money_text(cv.terms.fee_per_store)) }
                            td class="num" { (money_text(cv.terms.entry_fee)) }
                            td { (pay(&cv.terms.payment)) ", " (cv.terms.payment_days) " " (m("inv-days")) }
                            td { (cv.terms.billing_email) }
                            td { (cv.terms.language.code())
                                @if cv.terms.equivalence_surcharge { " · " span class="re-regime" { (m("inv-re-short")) } } }
                        }
                    }
                }
            }
            @if versions.is_empty() { (html::muted(&m("inv-no-contract"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("inv-new-version")) }
                @if let Some(e) = &error {
                    div class="error" role="alert" id="contract-error" { p { (m("deliveries-nothing-saved")) } p { (e) } }
                }
                form method="post" action={ "/dashboard/invoicing/contracts/" (id) } id="contract-form" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("inv-from")) " " input name="effective_from" value=(form.effective_from) placeholder="2026-11" required; }
                        label { (m("inv-minimum")) " " input name="minimum_royalty" value=(form.minimum_royalty); }
                        label { (m("inv-marketing")) " " input name="marketing_fund_percent" value=(form.marketing_fund_percent); }
                    }
                    label { (m("inv-tiers-help")) textarea name="tiers" rows="4" placeholder="0 ; 10000 ; 6\n10000 ; ; 4" { (form.tiers) } }
                    div class="row" {
                        label { (m("inv-fee-till")) " " input name="fee_per_till" value=(form.fee_per_till); }
                        label { (m("inv-fee-store")) " " input name="fee_per_store" value=(form.fee_per_store); }
                        label { (m("inv-entry-fee")) " " input name="entry_fee" value=(form.entry_fee); }
                    }
                    div class="row" {
                        label { (m("inv-payment")) " " select name="payment_method" {
                            option value="transfer" selected[form.payment_method != "direct_debit"] { (m("inv-transfer")) }
                            option value="direct_debit" selected[form.payment_method == "direct_debit"] { (m("inv-direct-debit")) }
                        } }
                        label { (m("inv-payment-days")) " " input name="payment_days" value=(form.payment_days); }
                        label { (m("inv-prenotification-days")) " " input name="prenotification_days" value=(form.prenotification_days) placeholder="14" size="3"; }
                        label { (m("inv-mandate")) " " input name="mandate_reference" value=(form.mandate_reference); }
                        label { (m("inv-debtor-iban")) " " input name="debtor_iban" value=(form.debtor_iban); }
                    }
                    div class="row" {
                        label { (m("inv-billing-email")) " " input type="email" name="billing_email" value=(form.billing_email) required; }
                        label { (m("inv-language")) " " select name="language" {
                            option value="es" selected[form.language != "en"] { "Español" }
                            option value="en" selected[form.language == "en"] { "English" }
                        } }
                        label { input type="checkbox" name="equivalence_surcharge" value="true" id="equivalence-surcharge" checked[form.equivalence_surcharge == "true"]; " " (m("inv-re-regime")) }
                    }
                    div class="row" {
                        label { (m("inv-street")) " " input name="street" value=(form.street) required; }
                        label { (m("inv-postal-code")) " " input name="postal_code" value=(form.postal_code) required; }
                        label { (m("inv-city")) " " input name="city" value=(form.city) required; }
                        label { (m("inv-province")) " " input name="province" value=(form.province) required; }
                    }
                    button type="submit" id="contract-save" { (m("inv-save-version")) }
                }
            }
        }
    };
    let status = if error.is_some() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        html::page(
            v,
            if v.is_hq() {
                "invoicing"
            } else {
                "franchise-contract"
            },
            &m("inv-contract-of"),
            body,
        ),
    )
        .into_response())
}

#[derive(Debug, Default, Clone, Deserialize)]
pub struct ContractForm {
    #[serde(default)]
    effective_from: String,
    #[serde(default)]
    tiers: String,
    #[serde(default)]
    minimum_royalty: String,
    #[serde(default)]
    marketing_fund_percent: String,
    #[serde(default)]
    fee_per_till: String,
    #[serde(default)]
    fee_per_store: String,
    #[serde(default)]
    entry_fee: String,
    #[serde(default)]
    payment_method: String,
    #[serde(default)]
    payment_days: String,
    #[serde(default)]
    prenotification_days: String,
    #[serde(default)]
    mandate_reference: String,
    #[serde(default)]
    debtor_iban: String,
    #[serde(default)]
    billing_email: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    postal_code: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    province: String,
    #[serde(default)]
    equivalence_surcharge: String,
}

impl From<&ContractIn> for ContractForm {
    fn from(c: &ContractIn) -> Self {
        let (method, mandate, iban) = match &c.payment {
            PaymentIn::Transfer => ("transfer", String::new(), String::new()),
            PaymentIn::DirectDebit {
                mandate_reference,
                debtor_iban,
            } => (
                "direct_debit",
                mandate_reference.clone(),
                debtor_iban.clone(),
            ),
        };
        Self {
            effective_from: String::new(),
            tiers: c
                .royalty_tiers
                .iter()
                .map(|t| {
                    format!(
                        "{} ; {} ; {}",
                        t.from,
                        t.to.map(|m| m.to_string()).unwrap_or_default(),
                        t.percent
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            minimum_royalty: c.minimum_royalty.to_string(),
            marketing_fund_percent: c.marketing_fund_percent.to_string(),
            fee_per_till: c.fee_per_till.to_string(),
            fee_per_store: c.fee_per_store.to_string(),
            entry_fee: c.entry_fee.to_string(),
            payment_method: method.into(),
            payment_days: c.payment_days.to_string(),
            prenotification_days: c
                .prenotification_days
                .map(|d| d.to_string())
                .unwrap_or_default(),
            mandate_reference: mandate,
            debtor_iban: iban,
            billing_email: c.billing_email.clone(),
            language: c.language.code().into(),
            street: c.billing_address.street.clone(),
            postal_code: c.billing_address.postal_code.clone(),
            city: c.billing_address.city.clone(),
            province: c.billing_address.province.clone(),
            equivalence_surcharge: if c.equivalence_surcharge {
                "true".into()
            } else {
                String::new()
            },
        }
    }
}

impl ContractForm {
    fn to_contract(&self) -> Result<ContractIn, String> {
        let mut tiers = Vec::new();
        for (n, line) in self
            .tiers
            .lines()
            .filter(|l| !l.trim().is_empty())
            .enumerate()
        {
            let parts: Vec<&str> = line.split(';').collect();
            if parts.len() != 3 {
                return Err(format!("{} {}: «{}»", "tier", n + 1, line.trim()));
            }
            tiers.push(Tier {
                from: parse_money(parts[0], "from")?,
                to: if parts[1].trim().is_empty() {
                    None
                } else {
                    Some(parse_money(parts[1], "to")?)
                },
                percent: parse_percent(parts[2], "%")?,
            });
        }
        Ok(ContractIn {
            effective_from: self.effective_from.trim().into(),
            royalty_tiers: tiers,
            minimum_royalty: parse_money(&self.minimum_royalty, "minimum")?,
            marketing_fund_percent: parse_percent(&self.marketing_fund_percent, "marketing")?,
            fee_per_till: parse_money(&self.fee_per_till, "till")?,
            fee_per_store: parse_money(&self.fee_per_store, "store")?,
            entry_fee: parse_money(&self.entry_fee, "entry")?,
            payment_days: self.payment_days.trim().parse().unwrap_or(30),
            prenotification_days: match self.prenotification_days.trim() {
                "" => None,
                d => Some(
                    d.parse()
                        .map_err(|_| format!("{}: «{d}»", "prenotification"))?,
                ),
            },
            payment: if self.payment_method == "direct_debit" {
                PaymentIn::DirectDebit {
                    mandate_reference: self.mandate_reference.trim().into(),
                    debtor_iban: self.debtor_iban.trim().into(),
                }
            } else {
                PaymentIn::Transfer
            },
            billing_email: self.billing_email.trim().into(),
            language: if self.language == "en" {
                Language::En
            } else {
                Language::Es
            },
            billing_address: Address {
                street: self.street.trim().into(),
                postal_code: self.postal_code.trim().into(),
                city: self.city.trim().into(),
                province: self.province.trim().into(),
                country: "ES".into(),
            },
            equivalence_surcharge: self.equivalence_surcharge == "true",
        })
    }
}

/// `POST /dashboard/invoicing/contracts/{franchisee}`: a new version; a refusal shows the form
/// again with the reason, nothing stored.
pub async fn create_contract(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<ContractForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let c = match f.to_contract() {
        Ok(c) => c,
        Err(e) => {
            let msg = t.msg_with(key!("inv-bad-number"), &[("what", &e)]);
            return contracts_page(&st, &v, id, None, &f, Some(msg)).await;
        }
    };
    match svc::create_contract(
        st.storage.as_ref(),
        FranchiseeId(id),
        &c,
        &v.user.display_name,
        Utc::now(),
    )
    .await
    {
        Ok(cv) => Ok(see_other(&format!(
            "/dashboard/invoicing/contracts/{id}?done={}",
            html::url(&t.msg_with(key!("inv-version-saved"), &[("version", &cv.version)]))
        ))),
        Err(crate::storage::StorageError::NotFound(_)) => Err(WebError::not_found_t(t)),
        Err(e) => match e.problem() {
            Some(p) => {
                let msg = p.message(t.lang());
                contracts_page(&st, &v, id, None, &f, Some(msg)).await
            }
            None => Err(e.into()),
        },
    }
}

/// `GET /dashboard/invoices/{id}`.
pub async fn invoice(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let inv = st.storage.invoicing();
    let rec = inv
        .get_invoice(id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    // HQ sees every invoice; a franchisee user only its own (anything else: not found).
    v.franchisee_or_404(rec.franchisee_id)?;
    let draft: InvoiceDraft = serde_json::from_str(&rec.draft)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let full = Invoice::new(draft)
        .map_err(|e| WebError::new(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?;
    let d = full.draft();
    let counted = inv.counted_days(id).await?;
    let credits = inv.credit_notes_of(id).await?;
    let delivered = inv.invoiced_deliveries(id).await?;
    let left = if rec.kind == InvoiceKind::Invoice {
        let mut credited = vec![Money::ZERO; d.lines.len()];
        for (line, net) in inv.credited_lines(id).await? {
            if let Some(c) = credited.get_mut((line as usize).wrapping_sub(1)) {
                *c += net;
            }
        }
        svc::left_to_credit(d, &credited)?
    } else {
        Vec::new()
    };
    let send = inv.send_state(id).await?;
    let corrects = match rec.corrects_invoice_id {
        Some(o) => Some(inv.get_invoice(o).await?),
        None => None,
    };
    let stores: BTreeMap<StoreId, String> = st
        .storage
        .list_stores()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let mut by_month: BTreeMap<&str, Money> = BTreeMap::new();
    for c in &counted {
        *by_month.entry(c.sale_period.as_str()).or_default() += c.net;
    }
    let body = html! {
        h1 id="invoice-number" { (if rec.kind == InvoiceKind::CreditNote { m("inv-credit-note") } else { m("inv-invoice") }) " " (rec.full_number) }
        (html::done(q.done.as_deref()))
        @if v.is_hq() {
            p { a href="/dashboard/invoicing" { (m("inv-title")) } }
        } @else {
            p { a href="/dashboard/franchise" { (m("nav-franchise")) } }
        }
        section class="card" {
            p { b { (m("inv-franchisee")) } ": " (d.customer.legal_name) " · " (d.customer.tax_id) }
            p { b { (m("inv-issue-date")) } ": " (t.day(rec.issue_date))
                @if let Some(p) = &rec.period { " · " b { (m("inv-period")) } ": " (p) } }
            @if let Some(o) = &corrects {
                p id="corrects" { (m("inv-corrects")) " " a href={ "/dashboard/invoices/" (o.id) } { (o.full_number) } }
            }
            p { (m("inv-documents")) ": "
                a href={ "/dashboard/invoices/" (id) "/pdf" } id="download-pdf" { "PDF" } " · "
                a href={ "/dashboard/invoices/" (id) "/ubl" } id="download-ubl" { "UBL 2.1" } " · "
                a href={ "/dashboard/invoices/" (id) "/facturae" } id="download-facturae" { "Facturae 3.2.2" } }
            p id="email-state" { b { (m("inv-email")) } ": "
                @match &send {
                    Some(s) if s.sent_at.is_some() => { (html::badge("ok", &m("inv-sent"))) " " (s.recipient) " · " (s.sent_at.map(|d| d.to_rfc3339()).unwrap_or_default()) }
                    Some(s) if s.attempts > 0 => { (html::badge("bad", &m("inv-send-failed"))) " " (s.recipient) " · " (s.attempts) " · " (s.last_error.clone().unwrap_or_default()) }
                    Some(s) => { (html::badge("warn", &m("inv-not-sent"))) " " (s.recipient) }
                    None => { "—" }
                }
                @if v.can_write() && send.is_some() {
                    form method="post" action={ "/dashboard/invoices/" (id) "/send" } class="inline" id="send-now-form" {
                        (v.csrf_field())
                        " " button type="submit" id="send-now" { (m("inv-send-now")) }
                    }
                } }
        }
        section class="card" {
            h2 { (m("inv-lines")) }
            table id="lines" {
                thead { tr { th { (m("inv-description")) } th class="num" { (m("inv-quantity")) } th class="num" { (m("inv-unit-price")) } th class="num" { (m("inv-vat")) } th class="num" { (m("inv-net")) } } }
                tbody {
                    @for l in full.lines() {
                        tr { td { (l.draft.description) } td class="num" { (l.draft.quantity) } td class="num" { (money_text(l.draft.unit_price)) }
                             td class="num" { (l.draft.vat_rate) " %" } td class="num" { (money_text(l.net)) } }
                    }
                }
                tfoot {
                    tr { th colspan="4" { (m("inv-net")) } td class="num" { (money_text(full.totals().lines_net)) } }
                    @for b in full.breakdown() { tr { th colspan="4" { (m("inv-vat")) " " (b.rate) " %" } td class="num" { (money_text(b.vat)) } } }
                    @for b in full.breakdown() { @if let Some(r) = b.surcharge_rate {
                        tr class="surcharge" { th colspan="4" { (m("inv-re")) " " (r) " %" } td class="num" { (money_text(b.surcharge)) } } } }
                    tr { th colspan="4" { (m("inv-total")) } td class="num" id="invoice-total" { (money_text(full.totals().total)) } }
                }
            }
        }
        @if !counted.is_empty() {
            section class="card" {
                h2 { (m("inv-counted")) }
                p class="muted" { (m("inv-counted-help")) }
                @for (month, net) in &by_month { p data-month=(month) { b { (month) } ": " (money_text(*net)) } }
                table id="counted" {
                    thead { tr { th { (m("inv-sale-month")) } th { (m("inv-store")) } th { (m("inv-day")) } th class="num" { (m("inv-tickets")) } th class="num" { (m("inv-net-sales")) } } }
                    tbody {
                        @for c in &counted {
                            tr data-store=(c.store_id) data-day=(c.day) {
                                td { (c.sale_period) }
                                td { (stores.get(&c.store_id).map(String::as_str).unwrap_or("?")) }
                                td { a href={ "/dashboard/invoices/" (id) "/tickets/" (c.store_id) "/" (c.day) } { (t.day(c.day)) } }
                                td class="num" { (c.tickets) }
                                td class="num" { (money_text(c.net)) }
                            }
                        }
                    }
                }
            }
        }
        @if !delivered.is_empty() {
            section class="card" id="delivered" {
                h2 { (m("inv-delivered")) }
                @for (note, number, net) in &delivered {
                    p data-note=(number) { a href={ "/dashboard/deliveries/" (note) } { (number) } " · " (money_text(*net)) }
                }
            }
        }
        @if rec.kind == InvoiceKind::Invoice {
            section class="card" {
                h2 { (m("inv-credit-notes")) }
                @for c in &credits { p data-credit-note=(c.full_number) { a href={ "/dashboard/invoices/" (c.id) } { (c.full_number) } " · " (money_text(c.total)) } }
                @if credits.is_empty() { (html::muted(&m("inv-no-credit-notes"))) }
                @if v.can_write() {
                    form method="post" action={ "/dashboard/invoices/" (id) "/credit-note" } id="credit-note-form" {
                        (v.csrf_field())
                        div class="row" {
                            label { (m("inv-reason")) " " select name="reason" {
                                option value="taxable_base_error" { (m("inv-reason-base")) }
                                option value="discounts_and_returns" { (m("inv-reason-discounts")) }
                                option value="other" { (m("inv-reason-other")) }
                            } }
                            label { (m("inv-description")) " " input name="description" required maxlength="200"; }
                        }
                        p class="muted" { (m("inv-credit-lines-help")) }
                        table id="credit-lines" {
                            thead { tr { th { "#" } th { (m("inv-description")) } th class="num" { (m("inv-net")) } th class="num" { (m("inv-left")) } th class="num" { (m("inv-credit-amount")) } } }
                            tbody {
                                @for (i, l) in full.lines().iter().enumerate() {
                                    tr data-line=(i + 1) {
                                        td { (i + 1) } td { (l.draft.description) } td class="num" { (money_text(l.net)) }
                                        td class="num" { (money_text(left.get(i).copied().unwrap_or(Money::ZERO))) }
                                        td class="num" { @if left.get(i).is_some_and(|x| *x > Money::ZERO) {
                                            input name={ "credit_" (i + 1) } inputmode="decimal" size="10";
                                        } }
                                    }
                                }
                            }
                        }
                        button type="submit" id="credit-note-issue" { (m("inv-issue-credit-note")) }
                    }
                }
            }
        }
    };
    Ok(ok(html::page(&v, active(&v), &rec.full_number, body)))
}

/// The menu entry an invoice page belongs to: HQ's Facturación, a franchisee's own account.
fn active(v: &Viewer) -> &'static str {
    if v.is_hq() { "invoicing" } else { "franchise" }
}

#[derive(Debug, Deserialize)]
pub struct CreditForm {
    reason: String,
    #[serde(default)]
    description: String,
    /// `credit_N`: the net to credit on line N; all empty credits everything left.
    #[serde(flatten)]
    amounts: BTreeMap<String, String>,
}

/// `POST /dashboard/invoices/{id}/credit-note`.
pub async fn credit_note(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<CreditForm>,
) -> WebResult {
    hq_only(&v)?;
    let reason = match f.reason.as_str() {
        "taxable_base_error" => CorrectionReason::TaxableBaseError,
        "discounts_and_returns" => CorrectionReason::DiscountsAndReturns,
        _ => CorrectionReason::Other,
    };
    let mut lines = Vec::new();
    for (k, text) in &f.amounts {
        let (Some(n), false) = (k.strip_prefix("credit_"), text.trim().is_empty()) else {
            continue;
        };
        let line: u32 = n
            .parse()
            .map_err(|_| WebError::new(StatusCode::UNPROCESSABLE_ENTITY, k.clone()))?;
        let net = parse_money(
            text,
            &format!("{} {line}", v.t().msg(key!("inv-credit-amount"))),
        )
        .map_err(|e| WebError::new(StatusCode::UNPROCESSABLE_ENTITY, e))?;
        lines.push(svc::CreditLineIn {
            line,
            net: Some(net),
        });
    }
    lines.sort_by_key(|l| l.line);
    let r = svc::issue_credit_note(
        st.storage.as_ref(),
        id,
        CreditNoteIn {
            reason,
            description: f.description,
            lines,
        },
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/invoices/{}?done={}",
        r.id,
        html::url(&r.full_number)
    )))
}

/// `GET /dashboard/invoices/{id}/tickets/{store}/{day}`.
pub async fn tickets(
    State(st): State<AppState>,
    v: Viewer,
    WebPath((id, store, day)): WebPath<(i64, i64, NaiveDate)>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let rec = st
        .storage
        .invoicing()
        .get_invoice(id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    v.franchisee_or_404(rec.franchisee_id)?;
    let list = st
        .storage
        .invoicing()
        .counted_tickets(id, StoreId(store), day)
        .await?;
    let body = html! {
        h1 { (rec.full_number) " · " (t.day(day)) }
        p { a href={ "/dashboard/invoices/" (id) } { (rec.full_number) } }
        table id="tickets" {
            thead { tr { th { (m("inv-ticket")) } th { (m("inv-kind")) } th class="num" { (m("inv-net")) } th class="num" { (m("inv-total")) } } }
            tbody { @for k in &list { tr data-ticket=(k.number) { td { (k.number) } td { (if k.kind == "refund" { m("inv-kind-refund") } else { m("inv-kind-sale") }) } td class="num" { (money_text(k.net)) } td class="num" { (money_text(k.total)) } } } }
        }
    };
    Ok(ok(html::page(&v, active(&v), &rec.full_number, body)))
}

/// `GET /dashboard/invoices/{id}/{format}`: the stored PDF, UBL or Facturae.
pub async fn document(
    State(st): State<AppState>,
    v: Viewer,
    WebPath((id, format)): WebPath<(i64, String)>,
) -> WebResult {
    let t = v.t();
    if svc::document_format(&format).is_none() {
        return Err(WebError::not_found_t(t));
    }
    let rec = st
        .storage
        .invoicing()
        .get_invoice(id)
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    v.franchisee_or_404(rec.franchisee_id)?;
    let (content, sha) = st.storage.invoicing().invoice_document(id, &format).await?;
    let (mime, name) = svc::document_file(&rec.full_number, &format);
    let mut res = content.into_response();
    let h = res.headers_mut();
    if let Ok(v) = axum::http::HeaderValue::from_str(mime) {
        h.insert(axum::http::header::CONTENT_TYPE, v);
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    if let Ok(v) = axum::http::HeaderValue::from_str(&sha) {
        h.insert("x-content-sha256", v);
    }
    Ok(res)
}
