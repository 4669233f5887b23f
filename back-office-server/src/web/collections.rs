//! Cobros: what each franchisee owes and since when (aging with a chart, CSV and days sales
//! outstanding), payments, bank statement imports with the lines nobody could match, and each
//! franchisee's statement of account (page and PDF). HQ roles only: admins act, analysts read.

use super::csv_file::{CsvExport, text, value};
use super::forms::WriteUpload;
use super::html;
use super::{Tr, Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::collections::{self as svc, BUCKET_KEYS, StatementOfAccount};
use crate::storage::StorageError;
use crate::storage::collections::{AllocationIn, NewPayment, PaymentMethod};
use crate::storage::sql::business_day;
use axum::extract::State;
use axum::response::IntoResponse;
use chrono::{NaiveDate, Utc};
use maud::{Markup, html};
use serde::Deserialize;
use std::collections::BTreeMap;
use sync_protocol::{FranchiseeId, Money};

/// Open items listed on the page (oldest due first); the statement of each franchisee has all.
const OPEN_SHOWN: usize = 300;

fn hq_only(v: &Viewer) -> Result<(), WebError> {
    if v.scope().is_some() {
        return Err(WebError::not_found_t(v.t()));
    }
    Ok(())
}

async fn names(st: &AppState) -> Result<BTreeMap<FranchiseeId, String>, WebError> {
    Ok(st
        .storage
        .list_franchisees()
        .await?
        .into_iter()
        .map(|f| (f.id, f.legal_name))
        .collect())
}

fn method_name(t: &Tr, m: PaymentMethod) -> String {
    t.msg(&format!("col-method-{}", m.as_str()))
}

/// `12.34`, `12,34`, `1.234,56`: euros with at most two decimals.
fn parse_amount(t: &Tr, s: &str) -> Result<Money, WebError> {
    let raw = s.trim();
    let norm = if raw.contains(',') {
        raw.replace('.', "").replace(',', ".")
    } else {
        raw.to_string()
    };
    norm.parse::<rust_decimal::Decimal>()
        .ok()
        .filter(|d| d.normalize().scale() <= 2)
        .map(Money::new)
        .ok_or_else(|| WebError::invalid(t.msg_with(key!("col-bad-amount"), &[("value", &raw)])))
}

#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    pub done: Option<String>,
    pub as_of: Option<String>,
    /// What could not be done (the statement e-mail), shown as an error.
    pub failed: Option<String>,
}

fn as_of(q: Option<&str>) -> NaiveDate {
    q.and_then(|d| NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok())
        .filter(|d| (1900..=2999).contains(&chrono::Datelike::year(d)))
        .unwrap_or_else(|| business_day(Utc::now()))
}

/// `GET /dashboard/collections`.
pub async fn page(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<PageQuery>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let day = as_of(q.as_of.as_deref());
    let names = names(&st).await?;
    let aging = svc::aging(st.storage.as_ref(), day).await?;
    let c = st.storage.collections();
    let open = c.receivables(None, true).await?;
    let mut payments = c.payments(None).await?;
    payments.truncate(50);
    let statements = c.statements().await?;
    let unmatched = c.bank_lines(None, Some("unmatched")).await?;
    let name = |f: FranchiseeId| names.get(&f).cloned().unwrap_or_else(|| f.to_string());
    let chart: Vec<(String, i64)> = BUCKET_KEYS
        .iter()
        .zip(aging.totals)
        .map(|(k, v)| (m(k), v.cents()))
        .collect();
    let overdue: Money = aging.totals[1..].iter().copied().sum();
    let sepa = sepa_section(&st, &v, &names, day).await?;
    let dunning = dunning_section(&st, &v, &names, &open, day).await?;
    let franchisee_select = |id: &str| {
        html! {
            select name="franchisee_id" id=(id) required {
                @for (fid, n) in &names { option value=(fid) { (n) } }
            }
        }
    };
    let body = html! {
        h1 { (m("col-title")) }
        (html::done(q.done.as_deref()))
        form class="row" method="get" action="/dashboard/collections" {
            label { (m("col-as-of")) " " input type="date" name="as_of" value=(day.to_string()); }
            button type="submit" { (m("report-show")) }
            a href={ "/dashboard/collections/aging.csv?as_of=" (day) } id="aging-csv" { "CSV" }
        }
        section class="card" {
            h2 { (m("col-aging")) }
            p id="aging-summary" {
                (m("col-total-open")) ": " strong id="total-open" { (t.money(aging.total)) }
                " · " (m("col-overdue")) ": " strong id="total-overdue" { (t.money(overdue)) }
                " · " (m("col-dso")) ": " strong id="dso" {
                    @match aging.dso_days { Some(d) => { (t.msg_with(key!("col-days"), &[("days", &d)])) } None => { "—" } }
                }
            }
            (html::bar_chart_single(t, &m("col-aging-chart"), &chart, &|c| t.money(Money::from_cents(c))))
            table id="aging" {
                thead { tr {
                    th { (m("inv-franchisee")) }
                    @for k in BUCKET_KEYS { th class="num" { (m(k)) } }
                    th class="num" { (m("col-total")) }
                } }
                tbody {
                    @for r in &aging.rows {
                        tr data-franchisee=(r.franchisee_id) {
                            td { a href={ "/dashboard/collections/franchisees/" (r.franchisee_id) } { (name(r.franchisee_id)) } }
                            @for b in r.buckets { td class="num" { (t.money(b)) } }
                            td class="num" { strong { (t.money(r.total)) } }
                        }
                    }
                }
                tfoot { tr id="aging-totals" {
                    th { (m("col-total")) }
                    @for b in aging.totals { th class="num" { (t.money(b)) } }
                    th class="num" { (t.money(aging.total)) }
                } }
            }
            @if aging.rows.is_empty() { (html::muted(&m("col-nothing-open"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("col-record-payment")) }
                form method="post" action="/dashboard/collections/payments" id="payment-form" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("inv-franchisee")) " " (franchisee_select("payment-franchisee")) }
                        label { (m("col-method")) " " select name="method" id="payment-method" {
                            @for pm in PaymentMethod::ALL { option value=(pm.as_str()) { (method_name(t, pm)) } }
                        } }
                        label { (m("col-date")) " " input type="date" name="received_on" value=(day.to_string()) required; }
                        label { (m("col-amount")) " " input name="amount" id="payment-amount" inputmode="decimal" required; }
                    }
                    div class="row" {
                        label { (m("col-reference")) " " input name="reference" maxlength="140"; }
                        label { (m("col-invoice")) " " select name="invoice_id" id="payment-invoice" {
                            option value="" { (m("col-oldest-first")) }
                            @for r in open.iter().filter(|r| !r.cancelled).take(OPEN_SHOWN) {
                                option value=(r.invoice_id) { (r.full_number) " · " (name(r.franchisee_id)) " · " (t.money(r.open)) }
                            }
                        } }
                    }
                    button type="submit" id="payment-save" { (m("col-record")) }
                }
            }
            section class="card" {
                h2 { (m("col-import")) }
                form method="post" action="/dashboard/collections/import" enctype="multipart/form-data" id="import-form" {
                    (v.csrf_field())
                    input type="file" name="file" id="import-file" required;
                    button type="submit" id="import-save" { (m("col-import-button")) }
                }
                p class="muted" { (m("col-import-help")) }
            }
        }
        section class="card" {
            h2 { (m("col-unmatched")) }
            @if unmatched.is_empty() { (html::muted(&m("col-no-unmatched"))) }
            @else {
                table id="unmatched" {
                    thead { tr { th { (m("col-date")) } th class="num" { (m("col-amount")) } th { (m("col-text")) } th { (m("col-why")) } @if v.can_write() { th {} } } }
                    tbody {
                        @for l in &unmatched {
                            tr data-line=(l.id) {
                                td { (l.booking_date.map(|d| t.day(d)).unwrap_or_default()) }
                                td class="num" { (t.money(l.amount)) }
                                td { (l.counterparty.as_deref().unwrap_or("")) " " (l.text) }
                                td class="muted" { (l.note) }
                                @if v.can_write() {
                                    td { form class="row" method="post" action={ "/dashboard/collections/lines/" (l.id) "/match" } {
                                        (v.csrf_field())
                                        (franchisee_select(&format!("match-{}", l.id)))
                                        button type="submit" { (m("col-match")) }
                                    } }
                                }
                            }
                        }
                    }
                }
            }
        }
        section class="card" {
            h2 { (m("col-statements")) }
            table id="statements" {
                thead { tr { th { (m("col-file")) } th { (m("col-format")) } th { (m("col-accounts")) } th class="num" { (m("col-lines")) } th class="num" { (m("col-new-lines")) } th { (m("col-imported")) } } }
                tbody { @for s in &statements { tr {
                    td { (s.file_name) } td { (s.format) } td { (s.accounts) } td class="num" { (s.line_count) } td class="num" { (s.new_lines) } td { (t.datetime(s.imported_at)) " · " (s.imported_by) }
                } } }
            }
        }
        (dunning)
        (sepa)
        section class="card" {
            h2 { (m("col-payments")) }
            table id="payments" {
                thead { tr { th { (m("col-date")) } th { (m("inv-franchisee")) } th { (m("col-method")) } th { (m("col-reference")) } th class="num" { (m("col-amount")) } th class="num" { (m("col-credit")) } } }
                tbody { @for p in &payments { tr data-payment=(p.id) {
                    td { (t.day(p.received_on)) } td { (name(p.franchisee_id)) } td { (method_name(t, p.method)) }
                    td { (p.reference) @if let Some(r) = &p.return_reason { " " (html::badge("bad", &format!("{}: {r}", m("col-returned")))) } }
                    td class="num" { (t.money(p.amount)) } td class="num" { (t.money(p.amount - p.allocated)) }
                } } }
            }
        }
    };
    Ok(ok(html::page(&v, "collections", &m("col-title"), body)))
}

/// `GET /dashboard/collections/aging.csv`.
pub async fn aging_csv(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<PageQuery>,
) -> WebResult {
    hq_only(&v)?;
    let names = names(&st).await?;
    let aging = svc::aging(st.storage.as_ref(), as_of(q.as_of.as_deref())).await?;
    let mut out = CsvExport::new(&[
        "franchisee_id",
        "franchisee",
        "not_due",
        "days_1_30",
        "days_31_60",
        "days_61_90",
        "over_90",
        "total",
        "oldest_due",
    ]);
    for r in &aging.rows {
        out.row(&[
            value(r.franchisee_id),
            text(names.get(&r.franchisee_id).map_or("", String::as_str)),
            value(r.buckets[0]),
            value(r.buckets[1]),
            value(r.buckets[2]),
            value(r.buckets[3]),
            value(r.buckets[4]),
            value(r.total),
            value(r.oldest_due.map(|d| d.to_string()).unwrap_or_default()),
        ]);
    }
    out.download("antiguedad-saldos.csv")
}

fn entry_kind(t: &Tr, k: &str) -> String {
    t.msg(&format!("col-entry-{k}"))
}

fn statement_table(t: &Tr, s: &StatementOfAccount) -> Markup {
    let m = |k: &str| t.msg(k);
    html! {
        table id="statement" {
            thead { tr {
                th { (m("col-date")) } th { (m("col-entry")) } th { (m("col-reference")) } th { (m("col-due")) }
                th class="num" { (m("col-debit")) } th class="num" { (m("col-credit-col")) } th class="num" { (m("col-balance")) } th class="num" { (m("col-open")) }
            } }
            tbody { @for e in &s.entries { tr data-entry=(e.reference) {
                td { (t.day(e.date)) } td { (entry_kind(t, e.kind)) } td { (e.reference) }
                td { (e.due_date.map(|d| t.day(d)).unwrap_or_default()) }
                td class="num" { @if !e.debit.is_zero() { (t.money(e.debit)) } }
                td class="num" { @if !e.credit.is_zero() { (t.money(e.credit)) } }
                td class="num" { (t.money(e.balance)) }
                td class="num" { @if let Some(o) = e.open { (t.money(o)) } }
            } } }
        }
    }
}

/// `GET /dashboard/franchise`: a franchisee user's own account (its statement page); HQ goes to
/// Cobros; a store manager has none.
pub async fn own(v: Viewer) -> WebResult {
    match v.franchisee() {
        Some(f) => Ok(see_other(&format!(
            "/dashboard/collections/franchisees/{f}"
        ))),
        None if v.is_hq() => Ok(see_other("/dashboard/collections")),
        None => Err(WebError::not_found_t(v.t())),
    }
}

/// The menu entry of a franchisee's pages: HQ's Cobros, a franchisee's own account.
fn active(v: &Viewer) -> &'static str {
    if v.is_hq() {
        "collections"
    } else {
        "franchise"
    }
}

/// `GET /dashboard/collections/franchisees/{id}`: the statement of account, with the franchisee's
/// invoices and credit notes (page and downloads), payments, mandates, dunning letters and the
/// statements e-mailed to it. HQ roles: any franchisee; a franchisee user: its own (else 404).
pub async fn franchisee(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<PageQuery>,
) -> WebResult {
    v.franchisee_or_404(FranchiseeId(id))?;
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let f = st
        .storage
        .get_franchisee(FranchiseeId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let day = as_of(q.as_of.as_deref());
    let s = svc::statement(st.storage.as_ref(), f.id, day).await?;
    let b = &s.balance;
    let c = st.storage.collections();
    let documents = c.receivables(Some(f.id), false).await?;
    let payments = c.payments(Some(f.id)).await?;
    let mandates = st.storage.sepa().mandates(Some(f.id)).await?;
    let letters = st.storage.dunning().letters(Some(f.id)).await?;
    let emails = c.statement_emails(f.id).await?;
    let prenotes = st.storage.sepa().prenotifications(Some(f.id)).await?;
    let contact = svc::billing_contact(st.storage.as_ref(), f.id, day).await?;
    let body = html! {
        h1 { (m("col-statement")) " · " (f.legal_name) }
        (html::done(q.done.as_deref()))
        @if let Some(failed) = &q.failed { p class="error" role="alert" id="failed" { (failed) } }
        p {
            @if v.is_hq() { a href="/dashboard/collections" { (m("col-title")) } " · " }
            a href={ "/dashboard/collections/franchisees/" (id) "/statement.pdf?as_of=" (day) } id="statement-pdf" { "PDF" } }
        div class="kpis" id="balance" {
            div class="kpi" { span { (m("col-invoiced")) } b { (t.money(b.invoiced)) } }
            div class="kpi" { span { (m("col-credited")) } b { (t.money(b.credited)) } }
            div class="kpi" { span { (m("col-paid")) } b { (t.money(b.paid)) } }
            div class="kpi" { span { (m("col-balance")) } b id="balance-value" { (t.money(b.balance)) } }
            div class="kpi" { span { (m("col-overdue")) } b id="overdue-value" { (t.money(b.overdue)) } }
            div class="kpi" { span { (m("col-credit")) } b id="credit-value" { (t.money(b.credit)) } }
        }
        @if v.can_write() && b.credit > Money::ZERO && b.open > Money::ZERO {
            form method="post" action={ "/dashboard/collections/franchisees/" (id) "/apply-credit" } {
                (v.csrf_field())
                button type="submit" id="apply-credit" { (m("col-apply-credit")) }
            }
        }
        (statement_table(t, &s))
        @if v.is_hq() {
            section class="card" id="statement-mail" {
                h2 { (m("col-statement-mail")) }
                @match &contact {
                    Some((to, lang)) => { p class="muted" { (t.msg_with(key!("col-statement-mail-to"), &[("to", to), ("lang", &lang.code().to_uppercase())])) } }
                    None => { p class="muted" { (m("col-statement-mail-no-contact")) } }
                }
                @if v.can_write() && contact.is_some() {
                    form method="post" action={ "/dashboard/collections/franchisees/" (id) "/email-statement" } {
                        (v.csrf_field())
                        input type="hidden" name="as_of" value=(day.to_string());
                        button type="submit" id="email-statement" { (m("col-statement-mail-button")) }
                    }
                }
                @if v.can_write() {
                    form method="post" action={ "/dashboard/collections/franchisees/" (id) "/archive-statement" } {
                        (v.csrf_field())
                        input type="hidden" name="as_of" value=(day.to_string());
                        button type="submit" id="archive-statement" { (m("col-statement-archive-button")) }
                    }
                    p class="muted" { (m("col-statement-archive-help")) }
                }
                @if !emails.is_empty() {
                    table id="statement-emails" {
                        thead { tr { th { (m("col-sent")) } th { (m("col-as-of")) } th { (m("col-recipient")) } th class="num" { (m("col-balance")) } th { (m("col-statement-mail-by")) } th { (m("col-status")) } th { (m("col-statement-archived")) } } }
                        tbody { @for e in &emails { tr data-statement-email=(e.id) {
                            td { (t.datetime(e.created_at)) } td { (t.day(e.as_of)) } td { (e.recipient) " · " (e.language.to_uppercase()) }
                            td class="num" { (t.money(e.balance)) } td { (e.sent_by) }
                            td { @if e.sent_at.is_some() { (html::badge("ok", &m("col-sent"))) } @else { (html::badge("bad", &m("col-statement-mail-failed"))) " " (e.error.clone().unwrap_or_default()) } }
                            td { @if let Some(sid) = e.statement_id { a class="archived-statement" href={ "/dashboard/archive/st-" (sid) } { "PDF" } } }
                        } } }
                    }
                }
            }
        }
        section class="card" id="documents" {
            h2 { (m("inv-invoices")) }
            @if documents.is_empty() { (html::muted(&m("col-no-documents"))) }
            @else {
                table id="franchisee-invoices" {
                    thead { tr { th { (m("col-reference")) } th { (m("col-entry")) } th { (m("inv-issue-date")) } th { (m("col-due")) } th class="num" { (m("inv-total")) } th class="num" { (m("col-open")) } th { (m("inv-documents")) } } }
                    tbody { @for r in &documents { tr data-invoice=(r.invoice_id) {
                        td { a href={ "/dashboard/invoices/" (r.invoice_id) } { (r.full_number) } }
                        td { (entry_kind(t, &r.kind)) @if r.disputed { " " (html::badge("warn", &m("col-disputed"))) } }
                        td { (t.day(r.issue_date)) } td { (t.day(r.due_date)) }
                        td class="num" { (t.money(r.total)) } td class="num" { (t.money(r.open)) }
                        td { a href={ "/dashboard/invoices/" (r.invoice_id) "/pdf" } { "PDF" } " · "
                             a href={ "/dashboard/invoices/" (r.invoice_id) "/ubl" } { "UBL" } " · "
                             a href={ "/dashboard/invoices/" (r.invoice_id) "/facturae" } { "Facturae" } }
                    } } }
                }
            }
        }
        section class="card" id="franchisee-payments" {
            h2 { (m("col-payments-all")) }
            @if payments.is_empty() { (html::muted(&m("col-no-payments"))) }
            @else {
                table {
                    thead { tr { th { (m("col-date")) } th { (m("col-method")) } th class="num" { (m("col-amount")) } th { (m("col-reference")) } th { (m("col-status")) } } }
                    tbody { @for p in &payments { tr data-payment=(p.id) {
                        td { (t.day(p.received_on)) } td { (method_name(t, p.method)) } td class="num" { (t.money(p.amount)) }
                        td { (p.reference) }
                        td { @if let Some(r) = &p.return_reason { (html::badge("bad", &m("col-returned"))) " " (r) } }
                    } } }
                }
            }
        }
        section class="card" id="franchisee-mandates" {
            h2 { (m("col-mandates")) }
            @if mandates.is_empty() { (html::muted(&m("col-no-mandates"))) }
            @else {
                table {
                    thead { tr { th { (m("col-mandate-ref")) } th { "IBAN" } th { (m("col-scheme")) } th { (m("col-signed")) } th { (m("col-last-use")) } th { (m("col-status")) } } }
                    tbody { @for md in &mandates {
                        @let status = svc::mandate_status(md, day);
                        tr data-mandate=(md.reference) {
                            td { (md.reference) } td { (md.debtor_iban) } td { (md.scheme) } td { (t.day(md.signed_on)) }
                            td { (md.last_used_on.map(|d| t.day(d)).unwrap_or_else(|| "—".into())) }
                            td { (html::badge(if status == "active" { "ok" } else { "bad" }, &m(&format!("col-mandate-{status}")))) }
                        }
                    } }
                }
            }
        }
        section class="card" id="franchisee-prenotes" {
            h2 { (m("col-prenotes")) }
            @if prenotes.is_empty() { (html::muted(&m("col-no-prenotes"))) }
            @else {
                table {
                    thead { tr { th { (m("col-collection-date")) } th class="num" { (m("col-amount")) } th { (m("col-mandate-ref")) } th class="num" { (m("col-prenote-notice")) } th { (m("col-recipient")) } th { (m("col-sent")) } } }
                    tbody { @for p in &prenotes { tr data-prenote=(p.remittance_id) {
                        td { (t.day(p.collection_date)) } td class="num" { (t.money(p.amount)) } td { (p.mandate_references) }
                        td class="num" { (p.notice_days) } td { (p.recipient) }
                        td { @match (p.sent_at, p.held_at) {
                            (Some(d), _) => { (t.datetime(d)) }
                            (None, Some(_)) => { (html::badge("bad", &m("col-prenote-held"))) }
                            (None, None) => { (t.msg_with(key!("col-not-sent"), &[("attempts", &p.attempts)])) }
                        } }
                    } } }
                }
            }
        }
        @if !letters.is_empty() {
            section class="card" id="franchisee-letters" {
                h2 { (m("col-letters")) }
                table {
                    thead { tr { th { (m("col-level-short")) } th { (m("col-invoice")) } th { (m("col-recipient")) } th { (m("col-sent")) } } }
                    tbody { @for l in &letters { tr {
                        td { (l.level) } td { (l.full_number) } td { (l.recipient) }
                        td { @match l.sent_at { Some(d) => { (t.datetime(d)) } None => { (t.msg_with(key!("col-not-sent"), &[("attempts", &l.attempts)])) } } }
                    } } }
                }
            }
        }
    };
    Ok(ok(html::page(&v, active(&v), &m("col-statement"), body)))
}

#[derive(Debug, Default, Deserialize)]
pub struct EmailStatementForm {
    #[serde(default)]
    as_of: String,
}

/// `POST /dashboard/collections/franchisees/{id}/email-statement`: HQ admins e-mail the statement
/// (PDF) to the franchisee's billing address, in its contract's language.
pub async fn email_statement(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<EmailStatementForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let day = as_of(Some(f.as_of.as_str()));
    let config = st.mail.get();
    let page = format!("/dashboard/collections/franchisees/{id}");
    match svc::email_statement(
        st.storage.as_ref(),
        config.as_ref(),
        FranchiseeId(id),
        day,
        &v.user.username,
        Utc::now(),
    )
    .await
    {
        Ok(e) => done_redirect(
            &page,
            &t.msg_with(key!("col-statement-mail-done"), &[("to", &e.recipient)]),
        ),
        // No SMTP server, no billing e-mail, or the server refused it (recorded, listed): back
        // to the page, which says why.
        Err(StorageError::Invalid(p)) => Ok(see_other(&format!(
            "{page}?failed={}",
            html::url(&p.message(v.lang))
        ))),
        Err(e) => Err(e.into()),
    }
}

/// `POST /dashboard/collections/franchisees/{id}/archive-statement`: HQ admins archive the
/// statement of account of the day shown (without sending it).
pub async fn archive_statement(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<EmailStatementForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let day = as_of(Some(f.as_of.as_str()));
    let e = svc::archive_statement_now(
        st.storage.as_ref(),
        FranchiseeId(id),
        day,
        &v.user.username,
        Utc::now(),
    )
    .await?;
    done_redirect(
        &format!("/dashboard/collections/franchisees/{id}"),
        &t.msg_with(
            "col-statement-archive-done",
            &[("number", &e.number), ("sha", &e.sha256)],
        ),
    )
}

/// The statement of account as a PDF in `t`'s language.
pub fn statement_pdf_bytes(
    t: &Tr,
    franchisee: &str,
    hq: &str,
    s: &StatementOfAccount,
) -> Result<Vec<u8>, WebError> {
    svc::statement_pdf(t, franchisee, hq, s).map_err(|e| WebError::from(StorageError::Backend(e)))
}

/// `GET /dashboard/collections/franchisees/{id}/statement.pdf`.
pub async fn statement_pdf(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebQuery(q): WebQuery<PageQuery>,
) -> WebResult {
    v.franchisee_or_404(FranchiseeId(id))?;
    let t = v.t();
    let f = st
        .storage
        .get_franchisee(FranchiseeId(id))
        .await
        .map_err(|_| WebError::not_found_t(t))?;
    let s = svc::statement(st.storage.as_ref(), f.id, as_of(q.as_of.as_deref())).await?;
    let hq = svc::hq_line(st.storage.as_ref()).await?;
    let pdf = statement_pdf_bytes(t, &f.legal_name, &hq, &s)?;
    let mut res = pdf.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/pdf"),
    );
    if let Ok(v) = axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"extracto-{id}-{}.pdf\"",
        s.as_of
    )) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

#[derive(Debug, Default, Deserialize)]
pub struct PaymentForm {
    #[serde(default)]
    franchisee_id: String,
    #[serde(default)]
    method: String,
    #[serde(default)]
    received_on: String,
    #[serde(default)]
    amount: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    invoice_id: String,
}

fn done_redirect(path: &str, text: &str) -> WebResult {
    Ok(see_other(&format!("{path}?done={}", html::url(text))))
}

fn bad_field(t: &Tr, field: &str) -> WebError {
    WebError::invalid(t.msg_with(key!("error-bad-form"), &[("detail", &field)]))
}

/// `POST /dashboard/collections/payments`.
pub async fn record_payment(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<PaymentForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let franchisee = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| bad_field(t, "franchisee_id"))?;
    let method = PaymentMethod::parse(&f.method).ok_or_else(|| bad_field(t, "method"))?;
    let received_on = NaiveDate::parse_from_str(f.received_on.trim(), "%Y-%m-%d")
        .map_err(|_| bad_field(t, "received_on"))?;
    let amount = parse_amount(t, &f.amount)?;
    let allocations = match f.invoice_id.trim() {
        "" => None,
        id => {
            let invoice_id = id.parse::<i64>().map_err(|_| bad_field(t, "invoice_id"))?;
            let open = st
                .storage
                .collections()
                .receivables(Some(franchisee), false)
                .await?
                .into_iter()
                .find(|r| r.invoice_id == invoice_id)
                .map_or(amount, |r| r.open.min(amount).max(Money::from_cents(1)));
            Some(vec![AllocationIn {
                invoice_id,
                amount: open,
            }])
        }
    };
    let p = svc::record_payment(
        st.storage.as_ref(),
        &NewPayment {
            franchisee_id: franchisee,
            method,
            received_on,
            amount,
            reference: f.reference.trim().to_string(),
            allocations,
        },
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(
            "col-payment-recorded",
            &[
                ("amount", &t.money(p.amount)),
                ("allocated", &t.money(p.allocated)),
            ],
        ),
    )
}

/// `POST /dashboard/collections/import` (multipart, field `file`).
pub async fn import(State(st): State<AppState>, form: WriteUpload) -> WebResult {
    let v = &form.0;
    hq_only(v)?;
    let t = v.t();
    let bytes = form.bytes("file").unwrap_or_default().to_vec();
    let name = form.text("file_name").unwrap_or_else(|| "extracto".into());
    let out = svc::import_statement(
        st.storage.as_ref(),
        &name,
        &bytes,
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    let text = if out.already_imported {
        t.msg(key!("col-import-again"))
    } else {
        t.msg_with(
            "col-import-done",
            &[
                ("lines", &out.statement.new_lines),
                ("matched", &out.matched),
                ("unmatched", &out.unmatched),
            ],
        )
    };
    done_redirect("/dashboard/collections", &text)
}

#[derive(Debug, Default, Deserialize)]
pub struct MatchForm {
    #[serde(default)]
    franchisee_id: String,
}

/// `POST /dashboard/collections/lines/{id}/match`.
pub async fn match_line(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<MatchForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let franchisee = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| bad_field(t, "franchisee_id"))?;
    let p = st
        .storage
        .collections()
        .match_line(id, franchisee, None, &v.user.display_name, Utc::now())
        .await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(
            "col-payment-recorded",
            &[
                ("amount", &t.money(p.amount)),
                ("allocated", &t.money(p.allocated)),
            ],
        ),
    )
}

/// `POST /dashboard/collections/franchisees/{id}/apply-credit`.
pub async fn apply_credit(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, _f): WriteForm<MatchForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let a = st
        .storage
        .collections()
        .apply_credit(FranchiseeId(id), Utc::now())
        .await?;
    done_redirect(
        &format!("/dashboard/collections/franchisees/{id}"),
        &t.msg_with(key!("col-credit-applied"), &[("amount", &t.money(a))]),
    )
}

// --- SEPA direct debit ------------------------------------------------------------------------

async fn sepa_section(
    st: &AppState,
    v: &Viewer,
    names: &BTreeMap<FranchiseeId, String>,
    day: NaiveDate,
) -> Result<Markup, WebError> {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let mandates = st.storage.sepa().mandates(None).await?;
    let remittances = st.storage.sepa().remittances().await?;
    let earlier = st.storage.sepa().remittance_file_versions(None).await?;
    let name = |f: FranchiseeId| names.get(&f).cloned().unwrap_or_else(|| f.to_string());
    Ok(html! {
        section class="card" id="sepa" {
            h2 { (m("col-sepa")) }
            h3 { (m("col-mandates")) }
            table id="mandates" {
                thead { tr { th { (m("inv-franchisee")) } th { (m("col-mandate-ref")) } th { "IBAN" } th { (m("col-scheme")) } th { (m("col-signed")) } th { (m("col-last-use")) } th { (m("col-status")) } } }
                tbody { @for md in &mandates {
                    @let status = svc::mandate_status(md, day);
                    tr data-mandate=(md.reference) {
                        td { (name(md.franchisee_id)) } td { (md.reference) } td { (md.debtor_iban) } td { (md.scheme) }
                        td { (t.day(md.signed_on)) } td { (md.last_used_on.map(|d| t.day(d)).unwrap_or_else(|| "—".into())) }
                        td { (html::badge(if status == "active" { "ok" } else { "bad" }, &m(&format!("col-mandate-{status}")))) }
                    }
                } }
            }
            @if v.can_write() {
                form method="post" action="/dashboard/collections/mandates" id="mandate-form" {
                    (v.csrf_field())
                    div class="row" {
                        label { (m("inv-franchisee")) " " select name="franchisee_id" required { @for (fid, n) in names { option value=(fid) { (n) } } } }
                        label { (m("col-mandate-ref")) " " input name="reference" maxlength="35" required; }
                        label { (m("col-debtor")) " " input name="debtor_name" maxlength="70" required; }
                    }
                    div class="row" {
                        label { "IBAN " input name="debtor_iban" required; }
                        label { "BIC " input name="debtor_bic"; }
                        label { (m("col-scheme")) " " select name="scheme" { option value="CORE" { "CORE" } option value="B2B" { "B2B" } } }
                        label { (m("col-signed")) " " input type="date" name="signed_on" required; }
                    }
                    button type="submit" id="mandate-save" { (m("col-mandate-add")) }
                }
                h3 { (m("col-remittance")) }
                form class="row" method="post" action="/dashboard/collections/remittances" id="remittance-form" {
                    (v.csrf_field())
                    label { (m("col-collection-date")) " " input type="date" name="collection_date" value=((day + chrono::Duration::days(2)).to_string()) required; }
                    button type="submit" id="remittance-save" { (m("col-remittance-button")) }
                }
                p class="muted" { (m("col-remittance-help")) }
                form method="post" action="/dashboard/collections/returns" enctype="multipart/form-data" id="returns-form" {
                    (v.csrf_field())
                    label { (m("col-returns")) " " input type="file" name="file" required; }
                    button type="submit" { (m("col-returns-button")) }
                }
            }
            table id="remittances" {
                thead { tr { th { (m("col-remittance")) } th { (m("col-collection-date")) } th class="num" { (m("col-debits")) } th class="num" { (m("col-amount")) } th class="num" { (m("col-returned")) } th {} } }
                tbody { @for r in &remittances { tr data-remittance=(r.message_id) {
                    td { (r.message_id) } td { (t.day(r.collection_date)) } td class="num" { (r.debit_count) }
                    td class="num" { (t.money(r.control_sum)) } td class="num" { (r.returned) }
                    td {
                        @if r.debit_count > 0 {
                            a href={ "/dashboard/collections/remittances/" (r.id) "/pain008.xml" } { "pain.008" }
                        } @else { (html::muted(&m("col-remittance-no-file"))) }
                    }
                } } }
            }
            @if !earlier.is_empty() {
                h3 { (m("col-remittance-files")) }
                p class="muted" { (m("col-remittance-files-help")) }
                table id="remittance-files" {
                    thead { tr { th { (m("col-remittance")) } th { (m("col-file-version")) } th class="num" { (m("col-debits")) } th class="num" { (m("col-amount")) } th { (m("col-replaced-at")) } th { "SHA-256" } th {} } }
                    tbody { @for f in &earlier {
                        tr data-remittance-file=(f.id) {
                            td { (f.message_id) } td { "v" (f.version) } td class="num" { (f.debit_count) }
                            td class="num" { (t.money(f.control_sum)) } td { (t.datetime(f.replaced_at)) }
                            td { code class="hash" { (f.sha256) } }
                            td { a href={ "/dashboard/collections/remittances/" (f.remittance_id) "/files/" (f.id) } { "pain.008" } }
                        }
                    } }
                }
            }
            @let excluded: Vec<_> = remittances.iter().flat_map(|r| r.excluded.iter().map(move |e| (r, e))).collect();
            @if !excluded.is_empty() {
                h3 { (m("col-excluded")) }
                p class="muted" { (m("col-excluded-help")) }
                table id="remittance-exclusions" {
                    thead { tr { th { (m("col-remittance")) } th { (m("col-debtor")) } th class="num" { (m("col-debits")) } th class="num" { (m("col-amount")) } th { (m("col-excluded-reason")) } } }
                    tbody { @for (r, e) in &excluded {
                        tr data-excluded=(e.franchisee_id.0) data-reason=(e.reason.as_str()) {
                            td { (r.message_id) } td { (e.debtor_name) " · " (name(e.franchisee_id)) }
                            td class="num" { (e.debit_count) } td class="num" { (t.money(e.amount)) }
                            td { (exclusion_text(t, e)) }
                        }
                    } }
                }
            }
        }
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct MandateForm {
    #[serde(default)]
    franchisee_id: String,
    #[serde(default)]
    reference: String,
    #[serde(default)]
    debtor_name: String,
    #[serde(default)]
    debtor_iban: String,
    #[serde(default)]
    debtor_bic: String,
    #[serde(default)]
    scheme: String,
    #[serde(default)]
    signed_on: String,
}

/// `POST /dashboard/collections/mandates`.
pub async fn create_mandate(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<MandateForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let franchisee = f
        .franchisee_id
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| bad_field(t, "franchisee_id"))?;
    let signed_on = NaiveDate::parse_from_str(f.signed_on.trim(), "%Y-%m-%d")
        .map_err(|_| bad_field(t, "signed_on"))?;
    let md = svc::create_mandate(
        st.storage.as_ref(),
        &crate::storage::collections::NewMandate {
            franchisee_id: franchisee,
            reference: f.reference,
            debtor_name: f.debtor_name,
            debtor_iban: f.debtor_iban,
            debtor_bic: Some(f.debtor_bic),
            scheme: f.scheme,
            signed_on,
        },
        &v.user.display_name,
        Utc::now(),
    )
    .await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(key!("col-mandate-saved"), &[("reference", &md.reference)]),
    )
}

/// Why a debtor is not in a remittance, in the reader's language.
fn exclusion_text(
    t: &crate::i18n::Tr,
    e: &crate::storage::collections::RemittanceExclusion,
) -> String {
    let key = match e.reason {
        crate::storage::collections::ExclusionReason::NoticeTooShort => "col-excluded-notice",
        crate::storage::collections::ExclusionReason::PrenotificationLate => "col-excluded-late",
    };
    t.msg_with(
        key,
        &[("days", &e.notice_days), ("earliest", &t.day(e.earliest))],
    )
}

#[derive(Debug, Default, Deserialize)]
pub struct RemittanceForm {
    #[serde(default)]
    collection_date: String,
}

/// `POST /dashboard/collections/remittances`.
pub async fn create_remittance(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<RemittanceForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let date = NaiveDate::parse_from_str(f.collection_date.trim(), "%Y-%m-%d")
        .map_err(|_| bad_field(t, "collection_date"))?;
    let r =
        svc::create_remittance(st.storage.as_ref(), date, &v.user.display_name, Utc::now()).await?;
    // The debtors' pre-notifications go out now; the `sepa-prenotify` job retries what fails.
    if let Some(c) = st.mail.get() {
        svc::send_prenotifications(st.storage.as_ref(), &c, Utc::now()).await?;
    }
    let mut done = t.msg_with(
        "col-remittance-done",
        &[
            ("id", &r.message_id),
            ("count", &r.debit_count),
            ("amount", &t.money(r.control_sum)),
        ],
    );
    for e in &r.excluded {
        done.push_str(&format!(" · {}: {}", e.debtor_name, exclusion_text(t, e)));
    }
    done_redirect("/dashboard/collections", &done)
}

/// `GET /dashboard/collections/remittances/{id}/pain008.xml`.
pub async fn remittance_file(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
) -> WebResult {
    hq_only(&v)?;
    let (message_id, xml) = st
        .storage
        .sepa()
        .remittance_file(id)
        .await
        .map_err(|_| WebError::not_found_t(v.t()))?;
    let mut res = xml.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    if let Ok(val) =
        axum::http::HeaderValue::from_str(&format!("attachment; filename=\"{message_id}.xml\""))
    {
        h.insert(axum::http::header::CONTENT_DISPOSITION, val);
    }
    Ok(res)
}

/// `GET /dashboard/collections/remittances/{id}/files/{file}`: an earlier file, as written.
pub async fn remittance_file_version(
    State(st): State<AppState>,
    v: Viewer,
    WebPath((id, file)): WebPath<(i64, i64)>,
) -> WebResult {
    hq_only(&v)?;
    let (f, xml) = st
        .storage
        .sepa()
        .remittance_file_version(id, file)
        .await
        .map_err(|_| WebError::not_found_t(v.t()))?;
    let mut res = xml.into_response();
    let h = res.headers_mut();
    h.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("application/xml"),
    );
    if let Ok(val) = axum::http::HeaderValue::from_str(&format!(
        "attachment; filename=\"{}-v{}.xml\"",
        f.message_id, f.version
    )) {
        h.insert(axum::http::header::CONTENT_DISPOSITION, val);
    }
    Ok(res)
}

/// `POST /dashboard/collections/returns` (multipart, field `file`).
pub async fn returns(State(st): State<AppState>, form: WriteUpload) -> WebResult {
    let v = &form.0;
    hq_only(v)?;
    let t = v.t();
    let bytes = form.bytes("file").unwrap_or_default().to_vec();
    let out = svc::process_returns(st.storage.as_ref(), &bytes, Utc::now()).await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(
            "col-returns-done",
            &[
                ("reopened", &out.reopened.len()),
                ("already", &out.already),
                ("unknown", &out.unknown.len()),
            ],
        ),
    )
}

// --- open items and dunning -------------------------------------------------------------------

async fn dunning_section(
    st: &AppState,
    v: &Viewer,
    names: &BTreeMap<FranchiseeId, String>,
    open: &[crate::storage::collections::Receivable],
    day: NaiveDate,
) -> Result<Markup, WebError> {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let levels = st.storage.dunning().levels().await?;
    let mut letters = st.storage.dunning().letters(None).await?;
    letters.truncate(50);
    let holds = st.storage.dunning().holds().await?;
    let name = |f: FranchiseeId| names.get(&f).cloned().unwrap_or_else(|| f.to_string());
    let rows = levels.len().max(3);
    Ok(html! {
        @if !holds.is_empty() {
            section class="card" id="holds" {
                h2 { (m("col-holds")) }
                ul { @for h in &holds { li data-hold=(h.franchisee_id) {
                    (html::badge("bad", &m("col-on-hold"))) " " (name(h.franchisee_id)) " · " (t.day(h.since)) " · " (h.reason)
                    @if v.can_write() {
                        form class="inline" method="post" action={ "/dashboard/collections/holds/" (h.franchisee_id) "/release" } {
                            (v.csrf_field()) button type="submit" class="link" { (m("col-release-hold")) }
                        }
                    }
                } } }
            }
        }
        section class="card" {
            h2 { (m("col-open-items")) }
            table id="open-items" {
                thead { tr { th { (m("col-invoice")) } th { (m("inv-franchisee")) } th { (m("col-due")) } th class="num" { (m("col-days-late")) } th class="num" { (m("col-open")) } th {} } }
                tbody { @for r in open.iter().filter(|r| !r.cancelled).take(OPEN_SHOWN) {
                    tr data-invoice=(r.full_number) {
                        td { (r.full_number) } td { (name(r.franchisee_id)) } td { (t.day(r.due_date)) }
                        td class="num" { ((day - r.due_date).num_days().max(0)) }
                        td class="num" { (t.money(r.open)) }
                        td {
                            @if r.disputed { (html::badge("warn", &m("col-disputed"))) " " }
                            @if v.can_write() {
                                form class="inline" method="post" action={ "/dashboard/collections/invoices/" (r.invoice_id) "/dispute" } {
                                    (v.csrf_field())
                                    input type="hidden" name="disputed" value=(if r.disputed { "false" } else { "true" });
                                    button type="submit" class="link" { (if r.disputed { m("col-undispute") } else { m("col-dispute") }) }
                                }
                            }
                        }
                    }
                } }
            }
            @if open.len() > OPEN_SHOWN {
                (html::muted(&t.msg_with(key!("col-open-more"), &[("shown", &OPEN_SHOWN), ("total", &open.len())])))
            }
        }
        section class="card" id="dunning" {
            h2 { (m("col-dunning")) }
            @if v.can_write() {
                form method="post" action="/dashboard/collections/dunning-levels" id="dunning-form" {
                    (v.csrf_field())
                    @for i in 0..rows {
                        @let l = levels.get(i);
                        fieldset {
                            legend { (t.msg_with(key!("col-level"), &[("level", &(i + 1))])) }
                            label { (m("col-days-after-due")) " " input name={ "days_" (i + 1) } inputmode="numeric" value=(l.map(|l| l.days_after_due.to_string()).unwrap_or_default()); }
                            div class="row" {
                                label { "ES " input name={ "subject_es_" (i + 1) } value=(l.map(|l| l.subject_es.clone()).unwrap_or_default()); }
                                label { "EN " input name={ "subject_en_" (i + 1) } value=(l.map(|l| l.subject_en.clone()).unwrap_or_default()); }
                            }
                            div class="row" {
                                textarea name={ "body_es_" (i + 1) } rows="3" { (l.map(|l| l.body_es.clone()).unwrap_or_default()) }
                                textarea name={ "body_en_" (i + 1) } rows="3" { (l.map(|l| l.body_en.clone()).unwrap_or_default()) }
                            }
                        }
                    }
                    p class="muted" { (m("col-dunning-help")) }
                    button type="submit" id="dunning-save" { (m("inv-save")) }
                }
            } @else {
                ul { @for l in &levels { li { (t.msg_with(key!("col-level"), &[("level", &l.level)])) ": " (l.days_after_due) " · " (l.subject_es) } } }
            }
            h3 { (m("col-letters")) }
            table id="letters" {
                thead { tr { th { (m("col-date")) } th { (m("inv-franchisee")) } th { (m("col-invoice")) } th class="num" { (m("col-level-short")) } th { (m("col-recipient")) } th { (m("col-status")) } } }
                tbody { @for l in &letters { tr data-letter=(l.id) {
                    td { (t.datetime(l.created_at)) } td { (name(l.franchisee_id)) } td { (l.full_number) } td class="num" { (l.level) }
                    td { (l.recipient) " (" (l.language) ")" }
                    td { @if l.sent_at.is_some() { (html::badge("ok", &m("col-sent"))) } @else { (html::badge("bad", &t.msg_with(key!("col-not-sent"), &[("attempts", &l.attempts)]))) " " (l.last_error.as_deref().unwrap_or("")) } }
                } } }
            }
        }
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct DisputeForm {
    #[serde(default)]
    disputed: String,
}

/// `POST /dashboard/collections/invoices/{id}/dispute`.
pub async fn dispute(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, f): WriteForm<DisputeForm>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let r = st
        .storage
        .dunning()
        .set_disputed(id, f.disputed.trim() == "true")
        .await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(
            if r.disputed {
                "col-disputed-done"
            } else {
                "col-undisputed-done"
            },
            &[("number", &r.full_number)],
        ),
    )
}

/// `POST /dashboard/collections/dunning-levels`: levels 1…n from `days_N`, `subject_es_N`… (rows
/// left empty are dropped).
pub async fn save_levels(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<std::collections::HashMap<String, String>>,
) -> WebResult {
    hq_only(&v)?;
    let t = v.t();
    let get = |k: String| f.get(&k).map(|s| s.trim().to_string()).unwrap_or_default();
    let mut levels = Vec::new();
    for i in 1..=10 {
        let days = get(format!("days_{i}"));
        if days.is_empty() {
            continue;
        }
        let days_after_due = days
            .parse::<u32>()
            .map_err(|_| bad_field(t, &format!("days_{i}")))?;
        levels.push(crate::storage::collections::DunningLevel {
            level: i,
            days_after_due,
            subject_es: get(format!("subject_es_{i}")),
            body_es: get(format!("body_es_{i}")),
            subject_en: get(format!("subject_en_{i}")),
            body_en: get(format!("body_en_{i}")),
        });
    }
    let saved = svc::set_levels(st.storage.as_ref(), &levels, Utc::now()).await?;
    done_redirect(
        "/dashboard/collections",
        &t.msg_with(key!("col-levels-saved"), &[("count", &saved.len())]),
    )
}

/// `POST /dashboard/collections/holds/{id}/release`.
pub async fn release_hold(
    State(st): State<AppState>,
    WebPath(id): WebPath<i64>,
    WriteForm(v, _f): WriteForm<DisputeForm>,
) -> WebResult {
    hq_only(&v)?;
    st.storage.dunning().release_hold(FranchiseeId(id)).await?;
    done_redirect(
        "/dashboard/collections",
        &v.t().msg(key!("col-hold-released")),
    )
}

/// For Resumen: the franchisees the last dunning level put on hold (HQ roles only).
pub async fn on_hold_notice(st: &AppState, v: &Viewer) -> Result<Markup, WebError> {
    if v.scope().is_some() {
        return Ok(html! {});
    }
    let holds = st.storage.dunning().holds().await?;
    if holds.is_empty() {
        return Ok(html! {});
    }
    let t = v.t();
    let names = names(st).await?;
    Ok(html! {
        section class="card" id="on-hold" {
            h2 { (t.msg(key!("col-holds"))) }
            ul { @for h in &holds { li {
                (html::badge("bad", &t.msg(key!("col-on-hold")))) " "
                a href={ "/dashboard/collections/franchisees/" (h.franchisee_id) } { (names.get(&h.franchisee_id).cloned().unwrap_or_default()) }
                " " span class="muted" { (t.day(h.since)) }
            } } }
        }
    })
}
