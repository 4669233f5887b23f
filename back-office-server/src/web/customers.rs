//! Clientes (issue 17): each franchisee's customer directory. HQ sees every franchisee's; a
//! franchisee user or a store manager sees only their franchisee's (another's is "not found").
//! HQ admins create, edit and erase (on request, GDPR: the personal data goes, an anonymous
//! tombstone stays, every till deletes it; fiscal documents and archived PDFs are untouched).
//! Below, the receipts and invoices the tills asked HQ to e-mail, with their state.

use super::html::{self, url};
use super::login::NoFields;
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebPath, WebQuery, WebResult, WriteForm, ok, see_other};
use crate::app::AppState;
use crate::key;
use crate::services::customers::{self as svc, CustomerIn};
use crate::services::people::actor;
use axum::extract::State;
use chrono::Utc;
use maud::{Markup, html};
use serde::Deserialize;
use sync_protocol::{FranchiseeId, StoreId};
use uuid::Uuid;

/// Which franchisees' customers the viewer sees (`None`: every franchisee's).
pub async fn visible_franchisees(
    st: &AppState,
    v: &Viewer,
) -> Result<Option<Vec<FranchiseeId>>, WebError> {
    if v.is_hq() {
        return Ok(None);
    }
    if let Some(f) = v.franchisee() {
        return Ok(Some(vec![f]));
    }
    let stores: Vec<StoreId> = v.scope().map(<[StoreId]>::to_vec).unwrap_or_default();
    let mut out: Vec<FranchiseeId> = st
        .storage
        .list_stores()
        .await?
        .into_iter()
        .filter(|s| stores.contains(&s.id))
        .map(|s| s.franchisee_id)
        .collect();
    out.sort_unstable();
    out.dedup();
    Ok(Some(out))
}

#[derive(Debug, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub q: String,
    pub done: Option<String>,
}

fn parse_id(v: &Viewer, s: &str) -> Result<Uuid, WebError> {
    Uuid::parse_str(s).map_err(|_| WebError::not_found_t(v.t()))
}

/// The fields of a customer, filled with `c` (empty for a new one).
fn fields(v: &Viewer, c: Option<&CustomerIn>) -> Markup {
    let m = |k: &str| v.t().msg(k);
    let d = CustomerIn::default();
    let c = c.unwrap_or(&d);
    html! {
        label { (m("customers-name")) " " input name="name" id="customer-name" value=(c.name) required maxlength="120"; }
        label { (m("customers-nif")) " " input name="nif" id="customer-nif" value=(c.nif) size="12"; }
        label { (m("customers-address")) " " input name="address" id="customer-address" value=(c.address) size="40"; }
        label { (m("customers-email")) " " input type="email" name="email" id="customer-email" value=(c.email); }
        label { input type="checkbox" name="email_consent" value="on" checked[c.email_consent]; " " (m("customers-consent")) }
    }
}

/// `GET /dashboard/customers[?q=text]`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<ListQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let visible = visible_franchisees(&st, &v).await?;
    let customers = st
        .storage
        .customers()
        .list_customers(visible.clone(), &q.q, 500)
        .await?;
    let franchisees = st.storage.list_franchisees().await?;
    let franchisee_name = |id: FranchiseeId| {
        franchisees
            .iter()
            .find(|f| f.id == id)
            .map_or_else(|| id.0.to_string(), |f| f.legal_name.clone())
    };
    let stores: Option<Vec<StoreId>> = match &visible {
        None => None,
        Some(fs) => Some(
            st.storage
                .list_stores()
                .await?
                .into_iter()
                .filter(|s| fs.contains(&s.franchisee_id))
                .map(|s| s.id)
                .collect(),
        ),
    };
    let mail = st.storage.customers().recent_mail(stores, 50).await?;
    let body = html! {
        h1 { (m("customers-title")) }
        (html::done(q.done.as_deref()))
        p class="muted" { (m("customers-intro")) }
        form class="row" method="get" action="/dashboard/customers" {
            label { (m("customers-search")) " " input name="q" id="customer-search" value=(q.q); }
            button type="submit" { (m("customers-search-go")) }
        }
        section class="card" {
            table id="customers" {
                thead { tr {
                    th { (m("customers-name")) } th { (m("customers-nif")) } th { (m("customers-email")) }
                    th { (m("customers-consent-short")) } th { (m("customers-franchisee")) } th { (m("customers-created-by")) }
                } }
                tbody {
                    @for c in &customers {
                        tr data-customer=(c.record.id) {
                            td { a href={ "/dashboard/customers/" (c.record.id) } { (c.record.name) } }
                            td { (c.record.nif) }
                            td { (c.record.email) }
                            td { (t.yes_no(c.record.email_consent)) }
                            td { (franchisee_name(c.franchisee_id)) }
                            td { (c.created_by) }
                        }
                    }
                }
            }
            @if customers.is_empty() { (html::muted(&m("customers-empty"))) }
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("customers-new")) }
                form class="row" method="post" action="/dashboard/customers" {
                    (v.csrf_field())
                    label { (m("customers-franchisee")) " " select name="franchisee" id="customer-franchisee" {
                        @for f in &franchisees { option value=(f.id) { (f.legal_name) } }
                    } }
                    (fields(&v, None))
                    button type="submit" id="customer-save" { (m("customers-add")) }
                }
            }
        }
        section class="card" {
            h2 { (m("customers-mail-title")) }
            p class="muted" { (m("customers-mail-intro")) }
            table id="customer-mail" {
                thead { tr {
                    th { (m("customers-mail-when")) } th { (m("customers-mail-what")) } th { (m("customers-email")) } th { (m("customers-mail-till")) }
                    th { (m("customers-mail-state")) } th class="num" { (m("customers-mail-attempts")) }
                } }
                tbody {
                    @for j in &mail {
                        tr data-mail=(j.id) {
                            td { (t.datetime(j.created_at)) }
                            td data-what=(j.report.map_or("document", |k| k.as_str())) {
                                @match j.report {
                                    Some(sync_protocol::ReportKind::X) => { (m("customers-mail-report-x")) }
                                    Some(sync_protocol::ReportKind::Z) => { (m("customers-mail-report-z")) }
                                    None => { (m("customers-mail-document")) }
                                }
                            }
                            td { (j.recipient) }
                            td { (j.till_id.0) }
                            td {
                                @match (j.sent_at, &j.last_error) {
                                    (Some(s), _) => { (t.msg_with(key!("customers-mail-sent"), &[("at", &t.datetime(s))])) }
                                    (None, Some(e)) => { span class="bad" { (t.msg_with(key!("customers-mail-failed"), &[("error", e)])) } }
                                    (None, None) => { (m("customers-mail-waiting")) }
                                }
                            }
                            td class="num" { (j.attempts) }
                        }
                    }
                }
            }
            @if mail.is_empty() { (html::muted(&m("customers-mail-empty"))) }
        }
    };
    Ok(ok(html::page(&v, "customers", &m("customers-title"), body)))
}

/// `GET /dashboard/customers/{id}`: a customer to edit or erase.
pub async fn show(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<String>,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| t.msg(k);
    let id = parse_id(&v, &id)?;
    let visible = visible_franchisees(&st, &v).await?;
    let c = svc::get(st.storage.as_ref(), id, visible.as_deref()).await?;
    let f = st.storage.get_franchisee(c.franchisee_id).await?;
    let input = CustomerIn {
        name: c.record.name.clone(),
        nif: c.record.nif.clone(),
        address: c.record.address.clone(),
        email: c.record.email.clone(),
        email_consent: c.record.email_consent,
    };
    let body = html! {
        p { a href="/dashboard/customers" { "← " (m("customers-title")) } }
        h1 { (c.record.name) }
        (html::done(q.done.as_deref()))
        p class="muted" {
            (m("customers-franchisee")) ": " (f.legal_name) " · " (m("customers-created-by")) ": " (c.created_by)
            " · " (t.datetime(c.created_at))
        }
        @if v.can_write() {
            section class="card" {
                h2 { (m("customers-edit")) }
                form class="row" method="post" action={ "/dashboard/customers/" (id) } {
                    (v.csrf_field())
                    (fields(&v, Some(&input)))
                    button type="submit" id="customer-update" { (m("customers-save")) }
                }
            }
            section class="card" {
                h2 { (m("customers-erase-title")) }
                p { (m("customers-erase-help")) }
                form class="inline" method="post" action={ "/dashboard/customers/" (id) "/erase" } {
                    (v.csrf_field())
                    button type="submit" class="danger" id="customer-erase" { (m("customers-erase")) }
                }
            }
        } @else {
            section class="card" {
                p { (m("customers-nif")) ": " (c.record.nif) }
                p { (m("customers-address")) ": " (c.record.address) }
                p { (m("customers-email")) ": " (c.record.email) " (" (m("customers-consent-short")) ": " (t.yes_no(c.record.email_consent)) ")" }
            }
        }
    };
    Ok(ok(html::page(&v, "customers", &c.record.name, body)))
}

#[derive(Debug, Deserialize)]
pub struct CustomerForm {
    #[serde(default)]
    pub franchisee: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub nif: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
    pub email_consent: Option<String>,
}

impl CustomerForm {
    fn input(&self) -> CustomerIn {
        CustomerIn {
            name: self.name.clone(),
            nif: self.nif.clone(),
            address: self.address.clone(),
            email: self.email.clone(),
            email_consent: self.email_consent.as_deref().is_some_and(|s| !s.is_empty()),
        }
    }
}

/// `POST /dashboard/customers`: a new customer (HQ admins), sent to the franchisee's tills.
pub async fn create(
    State(st): State<AppState>,
    WriteForm(v, f): WriteForm<CustomerForm>,
) -> WebResult {
    let t = v.t();
    let franchisee = f
        .franchisee
        .trim()
        .parse::<i64>()
        .map(FranchiseeId)
        .map_err(|_| WebError::invalid(t.msg(key!("customers-choose-franchisee"))))?;
    let c = svc::create(
        st.storage.as_ref(),
        franchisee,
        &f.input(),
        &v.user.username,
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/customers/{}?done={}",
        c.record.id,
        url(&t.msg_with(key!("customers-saved"), &[("name", &c.record.name)]))
    )))
}

/// `POST /dashboard/customers/{id}`: a customer's data replaced.
pub async fn update(
    State(st): State<AppState>,
    WebPath(id): WebPath<String>,
    WriteForm(v, f): WriteForm<CustomerForm>,
) -> WebResult {
    let t = v.t();
    let id = parse_id(&v, &id)?;
    let c = svc::update(
        st.storage.as_ref(),
        id,
        None,
        &f.input(),
        &v.user.username,
        Utc::now(),
    )
    .await?;
    Ok(see_other(&format!(
        "/dashboard/customers/{id}?done={}",
        url(&t.msg_with(key!("customers-saved"), &[("name", &c.record.name)]))
    )))
}

/// `POST /dashboard/customers/{id}/erase`: erasure on request, audited.
pub async fn erase(
    State(st): State<AppState>,
    WebPath(id): WebPath<String>,
    WriteForm(v, _): WriteForm<NoFields>,
) -> WebResult {
    let t = v.t();
    let id = parse_id(&v, &id)?;
    svc::erase(st.storage.as_ref(), id, None, &actor(&v.user), Utc::now()).await?;
    Ok(see_other(&format!(
        "/dashboard/customers?done={}",
        url(&t.msg(key!("customers-erased")))
    )))
}
