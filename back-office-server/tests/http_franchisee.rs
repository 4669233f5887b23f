//! The franchisee's own view of the back office, on SQLite and PostgreSQL: an HQ admin creates a
//! franchisee user on the users page (audited; bad combinations refused, nothing stored); the
//! franchisee user sees its stores' reports, its invoices and credit notes (page, PDF, UBL,
//! Facturae), its statement (page and PDF), payments and mandates, and every id of another
//! franchisee answers 404; HQ's pages are closed to it and it changes nothing; the menu links it
//! gets all open. HQ's "e-mail the statement" button and API, read back from a real SMTP server
//! (aiosmtpd) with the PDF's text checked by pdftotext; SEPA pre-notifications (14 days unless the
//! contract agrees fewer, once per remittance and franchisee) read back from the same server; and
//! a camt.054 debit notification that returns a debit: the invoice is open again with the reason,
//! and importing the file again changes nothing.

use back_office_server::auth;
use back_office_server::services::accounts;
use back_office_server::services::invoicing::{self as inv, CreditNoteIn};
use back_office_server::services::mail::MailConfig;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::{DateTime, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use sync_protocol::{FranchiseeId, StoreId};

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;
use smtp::*;

fn contract(email: &str, language: &str, notice: Option<u32>) -> ContractIn {
    let mut c = json!({
        "effective_from": "2026-09",
        "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
        "minimum_royalty": "500.00",
        "payment_days": 15,
        "payment": {"method": "transfer"},
        "billing_email": email,
        "language": language,
        "billing_address": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"}
    });
    if let Some(n) = notice {
        c["prenotification_days"] = json!(n);
    }
    serde_json::from_value(c).unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 11, 0, 0).unwrap()
}

struct Api<'a> {
    s: &'a Server,
    token: String,
    http: reqwest::Client,
}

impl Api<'_> {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        let mut rq = self
            .http
            .request(method, format!("{}{path}", self.s.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        let res = rq.send().await.unwrap();
        let st = res.status();
        let text = res.text().await.unwrap();
        (
            st,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn get(&self, path: &str) -> Value {
        let (st, v) = self.call(Method::GET, path, None).await;
        assert_eq!(st, StatusCode::OK, "{path}: {v}");
        v
    }
}

/// Two franchisees with a store each and two monthly invoices each (605.00: the 500.00 minimum
/// royalty + 21 % VAT): Norte in Spanish with SEPA's 14 days' notice, Sur in English with 3.
struct World<'a> {
    api: Api<'a>,
    norte: FranchiseeId,
    sur: FranchiseeId,
    norte_store: StoreId,
    sur_store: StoreId,
}

async fn world(s: &Server) -> World<'_> {
    let st = &s.storage;
    let token = auth::new_token();
    st.create_admin("hq", &auth::hash_token(&token))
        .await
        .unwrap();
    inv::set_issuer(
        st.as_ref(),
        &IssuerIn {
            legal_name: "Trastienda Central, S.L.".into(),
            nif: "B96873427".into(),
            address: serde_json::from_value(json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"})).unwrap(),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: Some("ES48000B96873427".into()),
        },
        at(2026, 9, 1),
    )
    .await
    .unwrap();
    let mut fr = Vec::new();
    for (name, nif, email, lang, notice) in [
        (
            "Norte Franquicias, S.L.",
            "B12345674",
            "cobros@norte.example.es",
            "es",
            None,
        ),
        (
            "Sur Franchising, S.A.",
            "A58818501",
            "accounts@sur.example.com",
            "en",
            Some(3),
        ),
    ] {
        let f = st
            .create_franchisee(&NewFranchisee {
                legal_name: name.into(),
                nif: nif.into(),
                address: "x".into(),
            })
            .await
            .unwrap();
        let store = st
            .create_store(&NewStore::new(f.id, &format!("Tienda {name}"), "x"))
            .await
            .unwrap();
        inv::create_contract(
            st.as_ref(),
            f.id,
            &contract(email, lang, notice),
            "test",
            at(2026, 9, 1),
        )
        .await
        .unwrap();
        fr.push((f.id, store.id));
    }
    for (period, now) in [("2026-09", at(2026, 10, 1)), ("2026-10", at(2026, 11, 2))] {
        inv::run(st.as_ref(), period, now, &|_, _| {})
            .await
            .unwrap();
    }
    World {
        api: Api {
            s,
            token,
            http: reqwest::Client::new(),
        },
        norte: fr[0].0,
        norte_store: fr[0].1,
        sur: fr[1].0,
        sur_store: fr[1].1,
    }
}

/// A franchisee's receivables: (invoice id, number, kind, open).
async fn receivables(api: &Api<'_>, f: FranchiseeId) -> Vec<(i64, String, String, String)> {
    let v = api
        .get(&format!(
            "/api/v1/admin/collections/receivables?franchisee_id={}",
            f.0
        ))
        .await;
    let mut out: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["invoice_id"].as_i64().unwrap(),
                r["full_number"].as_str().unwrap().to_string(),
                r["kind"].as_str().unwrap().to_string(),
                r["open"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    out.sort_by_key(|r| r.0);
    out
}

/// The `href`s of the page's top navigation.
fn nav_links(body: &str) -> Vec<String> {
    let start = body.find("<header class=\"top\"").expect("no header");
    let end = start + body[start..].find("</header>").unwrap();
    let header = &body[start..end];
    let nav_start = header.find("<nav>").expect("no nav");
    let nav = &header[nav_start..header[nav_start..].find("</nav>").unwrap() + nav_start];
    nav.split("href=\"")
        .skip(1)
        .map(|h| h[..h.find('"').unwrap()].replace("&amp;", "&"))
        .collect()
}

async fn franchisee_scope(s: &Server) {
    let w = world(s).await;
    let st = &s.storage;
    let api = &w.api;
    let (norte, sur) = (w.norte, w.sur);
    // A credit note for Norte's first invoice and a payment by Sur; a mandate each.
    let n = receivables(api, norte).await;
    let credit = inv::issue_credit_note(
        st.as_ref(),
        n[0].0,
        CreditNoteIn {
            reason: trastienda_einvoice::CorrectionReason::Other,
            description: "Mes no facturable".into(),
            lines: Vec::new(),
        },
        at(2026, 11, 20),
    )
    .await
    .unwrap();
    let (status, v) = api
        .call(
            Method::POST,
            "/api/v1/admin/collections/payments",
            Some(json!({"franchisee_id": sur.0, "method": "transfer", "received_on": "2026-11-10", "amount": "100.00", "reference": "TRANSFERENCIA SUR"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let signed = (back_office_server::storage::sql::business_day(Utc::now())
        - chrono::Duration::days(30))
    .to_string();
    for (f, reference, debtor, iban) in [
        (
            norte,
            "MANDATO-NORTE-1",
            "Norte Franquicias, S.L.",
            "ES7921000813610123456789",
        ),
        (
            sur,
            "MANDATO-SUR-1",
            "Sur Franchising, S.A.",
            "ES7620770024003102575766",
        ),
    ] {
        let (status, v) = api
            .call(
                Method::POST,
                "/api/v1/admin/collections/mandates",
                Some(json!({"franchisee_id": f.0, "reference": reference, "debtor_name": debtor, "debtor_iban": iban, "scheme": "CORE", "signed_on": signed})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let n = receivables(api, norte).await;
    let su = receivables(api, sur).await;
    assert_eq!(n.len(), 3, "two invoices and a credit note: {n:?}");
    assert_eq!(su.len(), 2);

    // --- an HQ admin creates franchisee users on the users page ---------------------------------
    for (user, role) in [
        ("admin", DashboardRole::Admin),
        ("analyst", DashboardRole::Analyst),
    ] {
        accounts::create_user(st.as_ref(), user, user, PASSWORD, role, vec![])
            .await
            .unwrap();
    }
    accounts::create_user(
        st.as_ref(),
        "manager",
        "Manager",
        PASSWORD,
        DashboardRole::Manager,
        vec![w.norte_store],
    )
    .await
    .unwrap();
    let (mut admin, csrf) = Browser::signed_in(s, "admin").await;
    let users = admin.get("/dashboard/users").await;
    users.assert(StatusCode::OK, "value=\"franchisee\"");
    assert!(users.body.contains("Norte Franquicias"), "{}", users.body);
    let users_before = st.people().list_users(Utc::now()).await.unwrap().len();
    let norte_id = norte.0.to_string();
    let sur_store = w.sur_store.0.to_string();
    // Refused, nothing stored: a franchisee user without its franchisee, or with stores; a
    // manager with a franchisee; an unknown franchisee.
    for (form, code) in [
        (
            vec![("role", "franchisee")],
            "franchisee_user_needs_franchisee",
        ),
        (
            vec![
                ("role", "franchisee"),
                ("franchisee", &norte_id),
                ("stores", &sur_store),
            ],
            "franchisee_user_has_no_stores",
        ),
        (
            vec![
                ("role", "manager"),
                ("franchisee", &norte_id),
                ("stores", &sur_store),
            ],
            "only_franchisee_users_have_franchisee",
        ),
        (
            vec![("role", "franchisee"), ("franchisee", "999999")],
            "franchisee_not_found",
        ),
    ] {
        let mut body = vec![
            ("csrf", csrf.as_str()),
            ("username", "bad"),
            ("display_name", "Bad"),
            ("password", PASSWORD),
        ];
        body.extend(form);
        let p = admin.post("/dashboard/users", &body).await;
        assert!(p.status.is_client_error(), "{code}: {}", p.status);
        let text = back_office_server::problem::Problem::new(code)
            .with("id", 999999)
            .message(back_office_server::i18n::Lang::Es);
        assert!(
            p.body.contains(text.split('{').next().unwrap().trim_end()),
            "{code}: {}",
            p.body
        );
    }
    assert_eq!(
        st.people().list_users(Utc::now()).await.unwrap().len(),
        users_before,
        "nothing stored"
    );
    let p = admin
        .post(
            "/dashboard/users",
            &[
                ("csrf", &csrf),
                ("username", "norte"),
                ("display_name", "Norte (franquiciado)"),
                ("password", PASSWORD),
                ("role", "franchisee"),
                ("franchisee", &norte_id),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let created = st
        .people()
        .list_users(Utc::now())
        .await
        .unwrap()
        .into_iter()
        .find(|u| u.username == "norte")
        .unwrap();
    assert_eq!(created.role, DashboardRole::Franchisee);
    assert_eq!(created.franchisee, Some(norte));
    assert!(created.stores.is_empty());
    // Sur's user through the service the CLI and the demo use.
    accounts::create_franchisee_user(st.as_ref(), "sur", "Sur", PASSWORD, sur)
        .await
        .unwrap();
    let audit = admin.get("/dashboard/audit").await;
    audit.assert(StatusCode::OK, "user norte");
    assert!(
        audit
            .body
            .contains(&format!("role franchisee, franchisee {}", norte.0)),
        "{}",
        audit.body
    );
    let page = admin.get(&format!("/dashboard/users/{}", created.id)).await;
    page.assert(StatusCode::OK, "id=\"franchisee\"");

    // --- the franchisee user sees its own ------------------------------------------------------
    let (mut fr, _) = Browser::signed_in(s, "norte").await;
    let overview = fr.get("/dashboard").await;
    overview.assert(StatusCode::OK, "id=\"nav-franchise\"");
    let links = nav_links(&overview.body);
    assert!(
        links.contains(&"/dashboard/franchise".to_string()),
        "{links:?}"
    );
    for hq in [
        "/dashboard/collections",
        "/dashboard/invoicing",
        "/dashboard/users",
        "/dashboard/jobs",
        "/dashboard/verifactu",
        "/dashboard/audit",
        "/dashboard/catalog",
    ] {
        assert!(!links.contains(&hq.to_string()), "{hq} in {links:?}");
    }
    // Every link of its menu opens.
    for l in &links {
        let p = fr.get(l).await;
        let ok = p.status == StatusCode::OK
            || (p.status == StatusCode::SEE_OTHER && l == "/dashboard/franchise");
        assert!(ok, "{l}: {} {}", p.status, p.body);
    }
    let p = fr.get("/dashboard/franchise").await;
    assert_eq!(p.status, StatusCode::SEE_OTHER);
    let home = p.location.unwrap();
    assert_eq!(
        home,
        format!("/dashboard/collections/franchisees/{}", norte.0)
    );
    let page = fr.get(&home).await;
    page.assert(StatusCode::OK, "Norte Franquicias");
    for needle in [
        n[0].1.as_str(),
        n[1].1.as_str(),
        credit.full_number.as_str(),
        "MANDATO-NORTE-1",
        "id=\"franchisee-invoices\"",
        "id=\"balance-value\"",
    ] {
        assert!(page.body.contains(needle), "{needle}: {}", page.body);
    }
    for other in ["Sur Franchising", "MANDATO-SUR-1", "TRANSFERENCIA SUR"] {
        assert!(!page.body.contains(other), "{other} shown to Norte");
    }
    // Read-only: no HQ forms on its pages.
    assert!(!page.body.contains("id=\"email-statement\""));
    assert!(!page.body.contains("/apply-credit"));
    let pdf = fr
        .get(&format!(
            "/dashboard/collections/franchisees/{}/statement.pdf",
            norte.0
        ))
        .await;
    assert_eq!(pdf.status, StatusCode::OK);
    for (id, number, _, _) in &n {
        fr.get(&format!("/dashboard/invoices/{id}"))
            .await
            .assert(StatusCode::OK, number);
        for f in ["pdf", "ubl", "facturae"] {
            let d = fr.get(&format!("/dashboard/invoices/{id}/{f}")).await;
            assert_eq!(d.status, StatusCode::OK, "{number} {f}");
        }
        fr.get(&format!(
            "/dashboard/invoices/{id}/tickets/{}/2026-09-01",
            w.norte_store.0
        ))
        .await
        .assert(StatusCode::OK, number);
    }
    let invoice_page = fr.get(&format!("/dashboard/invoices/{}", n[1].0)).await;
    assert!(!invoice_page.body.contains("credit-note-form"));
    assert!(!invoice_page.body.contains("href=\"/dashboard/invoicing\""));
    // Its store's pages and reports, like a manager of all its stores.
    fr.get(&format!("/dashboard/stores/{}", w.norte_store.0))
        .await
        .assert(StatusCode::OK, "Tienda Norte");
    fr.get("/dashboard/reports?dim=store")
        .await
        .assert(StatusCode::OK, "Tienda Norte");

    // Nothing of Sur's: every id answers 404, page and download alike.
    let sur_id = sur.0;
    let mut foreign = vec![
        format!("/dashboard/collections/franchisees/{sur_id}"),
        format!("/dashboard/collections/franchisees/{sur_id}/statement.pdf"),
        format!("/dashboard/franchisees/{sur_id}"),
        format!("/dashboard/stores/{}", w.sur_store.0),
        "/dashboard/collections/remittances/1/pain008.xml".into(),
        format!("/dashboard/invoicing/contracts/{sur_id}"),
        "/dashboard/collections".into(),
        "/dashboard/collections/aging.csv".into(),
        "/dashboard/invoicing".into(),
    ];
    for (id, _, _, _) in &su {
        foreign.push(format!("/dashboard/invoices/{id}"));
        for f in ["pdf", "ubl", "facturae"] {
            foreign.push(format!("/dashboard/invoices/{id}/{f}"));
        }
        foreign.push(format!(
            "/dashboard/invoices/{id}/tickets/{}/2026-09-01",
            w.sur_store.0
        ));
    }
    // Its own contract it reads (read-only, under Mi franquicia; tests/http_archive.rs).
    fr.get(&format!("/dashboard/invoicing/contracts/{}", norte.0))
        .await
        .assert(StatusCode::OK, "Norte Franquicias");
    for path in &foreign {
        let p = fr.get(path).await;
        assert_eq!(p.status, StatusCode::NOT_FOUND, "{path}: {}", p.body);
        assert!(!p.body.contains("Sur Franchising"), "{path}");
    }
    // HQ's people pages: refused.
    assert_eq!(
        fr.get("/dashboard/users").await.status,
        StatusCode::FORBIDDEN
    );
    // It changes nothing: no payment, no statement e-mail, no credit note, no user.
    let fcsrf = fr.get("/dashboard").await.csrf();
    let payments_before = st.collections().payments(None).await.unwrap().len();
    for (path, form) in [
        (
            "/dashboard/collections/payments".to_string(),
            vec![
                ("franchisee_id", norte_id.as_str()),
                ("method", "cash"),
                ("received_on", "2026-11-10"),
                ("amount", "1.00"),
            ],
        ),
        (
            format!(
                "/dashboard/collections/franchisees/{}/email-statement",
                norte.0
            ),
            vec![],
        ),
        (
            format!("/dashboard/invoices/{}/credit-note", n[1].0),
            vec![("reason", "other"), ("description", "x")],
        ),
        (
            format!(
                "/dashboard/collections/franchisees/{}/apply-credit",
                norte.0
            ),
            vec![],
        ),
    ] {
        let mut body = vec![("csrf", fcsrf.as_str())];
        body.extend(form);
        let p = fr.post(&path, &body).await;
        assert_eq!(p.status, StatusCode::FORBIDDEN, "{path}: {}", p.body);
    }
    assert_eq!(
        st.collections().payments(None).await.unwrap().len(),
        payments_before
    );
    assert_eq!(
        receivables(api, norte).await.len(),
        3,
        "no credit note issued"
    );
    assert!(
        st.collections()
            .statement_emails(norte)
            .await
            .unwrap()
            .is_empty()
    );

    // Sur's user sees Sur's, and Norte's ids answer 404.
    let (mut sur_user, _) = Browser::signed_in(s, "sur").await;
    sur_user
        .get(&format!("/dashboard/collections/franchisees/{sur_id}"))
        .await
        .assert(StatusCode::OK, "TRANSFERENCIA SUR");
    for path in [
        format!("/dashboard/collections/franchisees/{}", norte.0),
        format!("/dashboard/invoices/{}", n[1].0),
        format!("/dashboard/invoices/{}/pdf", n[1].0),
        format!("/dashboard/invoices/{}", credit.id),
    ] {
        assert_eq!(
            sur_user.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    // In English.
    sur_user
        .cookies
        .insert("trastienda_lang".into(), "en".into());
    let p = sur_user.get("/dashboard").await;
    p.assert(StatusCode::OK, "My franchise");
    assert!(p.body.contains("franchisee"), "role name in English");

    // A store manager sees no franchisee's account or invoices; an analyst reads but changes nothing.
    let (mut manager, _) = Browser::signed_in(s, "manager").await;
    for path in [
        format!("/dashboard/collections/franchisees/{}", norte.0),
        format!("/dashboard/invoices/{}", n[1].0),
        format!("/dashboard/invoices/{}/pdf", n[1].0),
        "/dashboard/franchise".to_string(),
    ] {
        assert_eq!(
            manager.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    let (mut analyst, acsrf) = Browser::signed_in(s, "analyst").await;
    let p = analyst
        .get(&format!("/dashboard/collections/franchisees/{sur_id}"))
        .await;
    p.assert(StatusCode::OK, "id=\"statement-mail\"");
    assert!(!p.body.contains("id=\"email-statement\""), "no button");
    let p = analyst
        .post(
            &format!("/dashboard/collections/franchisees/{sur_id}/email-statement"),
            &[("csrf", &acsrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::FORBIDDEN);
    assert!(
        st.collections()
            .statement_emails(sur)
            .await
            .unwrap()
            .is_empty()
    );

    // The admin makes Norte's user a manager of Sur's store: its franchisee is cleared (audited)
    // and Norte's account closes to it at once.
    let p = admin
        .post(
            &format!("/dashboard/users/{}", created.id),
            &[
                ("csrf", &csrf),
                ("display_name", "Norte"),
                ("role", "manager"),
                ("stores", &sur_store),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let u = st.people().get_user(created.id, Utc::now()).await.unwrap();
    assert_eq!((u.role, u.franchisee), (DashboardRole::Manager, None));
    assert_eq!(
        fr.get(&format!("/dashboard/collections/franchisees/{}", norte.0))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    admin
        .get("/dashboard/audit")
        .await
        .assert(StatusCode::OK, "franchisee:");
}

on_both_backends!(franchisee_scope);

/// Every message: to, subject, text and the attachments (name, type, base64 content).
fn read_maildir(py: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let script = r#"
import base64, json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    atts, text = [], ""
    for part in m.walk():
        name = part.get_filename()
        if name:
            atts.append({"name": name, "type": part.get_content_type(), "content": base64.b64encode(part.get_payload(decode=True)).decode()})
        elif part.get_content_type() == "text/plain":
            text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8")
    out.append({"to": m["To"], "subject": str(make_header(decode_header(m["Subject"]))), "text": text, "attachments": atts})
print(json.dumps(out))
"#;
    if !dir.exists() {
        return Vec::new();
    }
    let out = Command::new(py)
        .args(["-c", script])
        .arg(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice::<Vec<Value>>(&out.stdout).unwrap()
}

fn pdftotext(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.pdf");
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        Ok(o) => panic!(
            "pdftotext refused the PDF: {}",
            String::from_utf8_lossy(&o.stderr)
        ),
        Err(_) => {
            println!("skipped: pdftotext is not installed");
            None
        }
    }
}

fn attachment(m: &Value) -> Vec<u8> {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD
        .decode(m["attachments"][0]["content"].as_str().unwrap())
        .unwrap()
}

/// HQ e-mails the statement: from the page (Norte, Spanish) and the API (Sur, English); each
/// arrives at the SMTP server with the PDF naming the franchisee and its balance, is recorded
/// (who, when, to whom) and shown; with no SMTP server it is refused and nothing is recorded.
async fn statement_email(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let st = &s.storage;
    let api = &w.api;
    accounts::create_user(
        st.as_ref(),
        "admin",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut admin, csrf) = Browser::signed_in(s, "admin").await;
    let path = format!("/dashboard/collections/franchisees/{}", w.norte.0);
    // This server's own SMTP settings (not the process's, which other tests may set meanwhile).
    s.mail.set(None).unwrap();

    // No SMTP server configured yet: refused, nothing recorded.
    let p = admin
        .post(
            &format!("{path}/email-statement"),
            &[("csrf", &csrf), ("as_of", "2026-12-01")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let back = admin.get(&p.location.unwrap()).await;
    back.assert(StatusCode::OK, "El correo no está configurado");
    assert!(back.body.contains("id=\"failed\""));
    assert!(
        st.collections()
            .statement_emails(w.norte)
            .await
            .unwrap()
            .is_empty()
    );
    let (status, v) = api
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/collections/franchisees/{}/statement-emails",
                w.sur.0
            ),
            Some(json!({})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "smtp_not_configured");

    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Cobros <cobros@central.example.es>".into(),
        }))
        .unwrap();

    let page = admin.get(&path).await;
    page.assert(StatusCode::OK, "id=\"email-statement\"");
    assert!(
        page.body.contains("cobros@norte.example.es"),
        "{}",
        page.body
    );
    let p = admin
        .post(
            &format!("{path}/email-statement"),
            &[("csrf", &csrf), ("as_of", "2026-12-01")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (status, sent) = api
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/collections/franchisees/{}/statement-emails",
                w.sur.0
            ),
            Some(json!({"as_of": "2026-12-01"})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{sent}");
    assert_eq!(sent["recipient"], "accounts@sur.example.com");
    assert_eq!(sent["language"], "en");
    assert_eq!(sent["balance"], "1210.00");
    assert!(!sent["sent_at"].is_null());

    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:#?}");
    let norte_mail = got
        .iter()
        .find(|m| {
            m["to"]
                .as_str()
                .unwrap()
                .contains("cobros@norte.example.es")
        })
        .unwrap();
    let sur_mail = got
        .iter()
        .find(|m| {
            m["to"]
                .as_str()
                .unwrap()
                .contains("accounts@sur.example.com")
        })
        .unwrap();
    assert!(
        norte_mail["subject"]
            .as_str()
            .unwrap()
            .contains("Extracto de cuenta de Norte Franquicias"),
        "{norte_mail}"
    );
    assert!(
        sur_mail["subject"]
            .as_str()
            .unwrap()
            .contains("Statement of account of Sur Franchising"),
        "{sur_mail}"
    );
    assert!(
        sur_mail["text"].as_str().unwrap().contains("1,210.00"),
        "{sur_mail}"
    );
    for (m, name, balance) in [
        (norte_mail, "Norte Franquicias, S.L.", "1.210,00"),
        (sur_mail, "Sur Franchising, S.A.", "1,210.00"),
    ] {
        assert_eq!(m["attachments"].as_array().unwrap().len(), 1, "{m}");
        assert_eq!(m["attachments"][0]["type"], "application/pdf");
        let pdf = attachment(m);
        assert!(pdf.starts_with(b"%PDF"), "not a PDF");
        if let Some(text) = pdftotext(&pdf) {
            assert!(text.contains(name), "{name} not in\n{text}");
            assert!(text.contains(balance), "{balance} not in\n{text}");
        }
    }

    // Recorded and shown: who, when, to whom.
    let norte_sent = st.collections().statement_emails(w.norte).await.unwrap();
    assert_eq!(norte_sent.len(), 1);
    assert_eq!(norte_sent[0].sent_by, "admin");
    assert_eq!(norte_sent[0].language, "es");
    assert!(norte_sent[0].sent_at.is_some());
    let page = admin.get(&path).await;
    page.assert(StatusCode::OK, "id=\"statement-emails\"");
    assert!(
        page.body.contains("Extracto enviado") || page.body.contains("cobros@norte.example.es")
    );
    let listed = api
        .get(&format!(
            "/api/v1/admin/collections/franchisees/{}/statement-emails",
            w.sur.0
        ))
        .await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["sent_by"], "api:admin#1");

    // Every statement that left is archived: the attachment's very bytes, its SHA-256 listed.
    let sha = |b: &[u8]| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(b))
    };
    let bytes_of = |path: String| {
        let rq = api
            .http
            .get(format!("{}{path}", s.base))
            .bearer_auth(&api.token);
        async move {
            let res = rq.send().await.unwrap();
            assert_eq!(res.status(), StatusCode::OK, "{path}");
            let h = res
                .headers()
                .get("x-content-sha256")
                .map(|v| v.to_str().unwrap().to_string());
            (res.bytes().await.unwrap().to_vec(), h)
        }
    };
    let sur_sent: back_office_server::storage::collections::StatementEmail =
        serde_json::from_value(listed[0].clone()).unwrap();
    let mut archived = Vec::new();
    for (m, f, e) in [
        (norte_mail, w.norte, &norte_sent[0]),
        (sur_mail, w.sur, &sur_sent),
    ] {
        let pdf = attachment(m);
        let listed = api
            .get(&format!(
                "/api/v1/admin/archive?kind=statement&franchisee_id={}",
                f.0
            ))
            .await;
        let entries = listed.as_array().unwrap();
        assert_eq!(entries.len(), 1, "{listed}");
        let entry = &entries[0];
        assert_eq!(entry["kind"], "statement");
        assert_eq!(entry["date"], "2026-12-01");
        assert_eq!(entry["period"], "2026-12");
        assert_eq!(entry["content_type"], "application/pdf");
        assert_eq!(
            entry["sha256"].as_str().unwrap(),
            sha(&pdf),
            "the hash of what was sent"
        );
        assert_eq!(entry["size"], pdf.len());
        assert_eq!(entry["retain_until"], "2032-12-01");
        let id = entry["id"].as_str().unwrap().to_string();
        assert_eq!(
            Some(format!("st-{}", e.statement_id.unwrap())),
            Some(id.clone())
        );
        let (kept, header) = bytes_of(format!("/api/v1/admin/archive/{id}")).await;
        assert_eq!(
            kept, pdf,
            "the archived PDF is the one e-mailed, byte for byte"
        );
        assert_eq!(header.as_deref(), Some(sha(&pdf).as_str()));
        archived.push((f, id, pdf));
    }
    // Immutable on both backends.
    let sql = back_office_server::storage::open_sql(s.url.as_deref().unwrap())
        .await
        .unwrap();
    for statement in [
        "UPDATE archived_statements SET content = content",
        "UPDATE archived_statements SET number = 'X'",
        "DELETE FROM archived_statements",
    ] {
        let res = sql
            .db()
            .write(move |tx| {
                Box::pin(async move { tx.execute(statement, back_office_server::p![]).await })
            })
            .await;
        assert!(res.is_err(), "the database let {statement:?} through");
    }
    // In the month's zip for the accountant, under its own folder, its hash in SHA256SUMS.
    let (zip, _) = bytes_of(format!(
        "/api/v1/admin/archive/export?franchisee_id={}&period=2026-12",
        w.norte.0
    ))
    .await;
    let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip)).unwrap();
    let names: Vec<String> = (0..z.len())
        .map(|i| z.by_index(i).unwrap().name().unwrap().to_string())
        .collect();
    let in_zip = names
        .iter()
        .find(|n| n.starts_with("statement/"))
        .unwrap_or_else(|| panic!("no statement folder in {names:?}"))
        .clone();
    let mut got = Vec::new();
    std::io::Read::read_to_end(&mut z.by_name(&in_zip).unwrap(), &mut got).unwrap();
    assert_eq!(got, archived[0].2);
    let mut sums = String::new();
    std::io::Read::read_to_string(&mut z.by_name("SHA256SUMS").unwrap(), &mut sums).unwrap();
    assert!(
        sums.contains(&format!("{}  {in_zip}", sha(&archived[0].2))),
        "{sums}"
    );
    // Listed in Archivo; the statement page links the archived PDF.
    let arc = admin.get("/dashboard/archive?kind=statement").await;
    arc.assert(StatusCode::OK, &format!("data-id=\"{}\"", archived[0].1));
    assert!(arc.body.contains(&format!("data-id=\"{}\"", archived[1].1)));
    let page = admin.get(&path).await;
    assert!(
        page.body
            .contains(&format!("/dashboard/archive/{}", archived[0].1)),
        "{}",
        page.body
    );
    // Norte's user sees Norte's statement under Mi franquicia, and Sur's is not found.
    accounts::create_franchisee_user(st.as_ref(), "norte", "Norte", PASSWORD, w.norte)
        .await
        .unwrap();
    let (mut norte_user, _) = Browser::signed_in(s, "norte").await;
    let own = norte_user.get("/dashboard/archive").await;
    own.assert(StatusCode::OK, &format!("data-id=\"{}\"", archived[0].1));
    assert!(!own.body.contains(&archived[1].1), "{}", own.body);
    let dl = norte_user
        .get(&format!("/dashboard/archive/{}", archived[0].1))
        .await;
    assert_eq!(dl.status, StatusCode::OK);
    let other = norte_user
        .get(&format!("/dashboard/archive/{}", archived[1].1))
        .await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);

    // HQ archives a statement from Cobros without sending it: archived, nothing e-mailed.
    let p = admin
        .post(
            &format!("{path}/archive-statement"),
            &[("csrf", &csrf), ("as_of", "2026-12-02")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let (status, e) = api
        .call(
            Method::POST,
            &format!(
                "/api/v1/admin/collections/franchisees/{}/statement-archive",
                w.sur.0
            ),
            Some(json!({"as_of": "2026-12-02"})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["kind"], "statement");
    let (pdf, _) = bytes_of(format!(
        "/api/v1/admin/archive/{}",
        e["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(e["sha256"].as_str().unwrap(), sha(&pdf));
    let norte_statements = api
        .get(&format!(
            "/api/v1/admin/archive?kind=statement&franchisee_id={}",
            w.norte.0
        ))
        .await;
    assert_eq!(norte_statements.as_array().unwrap().len(), 2);
    assert_eq!(read_maildir(&py, &maildir).len(), 2, "nothing more sent");
}

on_both_backends!(statement_email);

fn camt054_return(e2e: &str, mandate: &str, amount: &str, code: &str) -> String {
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08\">\
         <BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>NTF-1</MsgId><CreDtTm>2027-01-20T09:15:00+01:00</CreDtTm></GrpHdr>\
         <Ntfctn><Id>NTF-0001</Id><Acct><Id><IBAN>ES9121000418450200051332</IBAN></Id></Acct>\
         <Ntry><Amt Ccy=\"EUR\">{amount}</Amt><CdtDbtInd>DBIT</CdtDbtInd><RvslInd>true</RvslInd><Sts><Cd>BOOK</Cd></Sts>\
         <BookgDt><Dt>2027-01-20</Dt></BookgDt><BkTxCd><Domn><Cd>PMNT</Cd><Fmly><Cd>IDDT</Cd><SubFmlyCd>UPDD</SubFmlyCd></Fmly></Domn></BkTxCd>\
         <NtryDtls><TxDtls><Refs><EndToEndId>{e2e}</EndToEndId><MndtId>{mandate}</MndtId></Refs><Amt Ccy=\"EUR\">{amount}</Amt>\
         <RtrInf><Orgtr><Nm>Banco del deudor</Nm></Orgtr><Rsn><Cd>{code}</Cd></Rsn><AddtlInf>Cuenta cancelada</AddtlInf></RtrInf>\
         </TxDtls></NtryDtls></Ntry></Ntfctn></BkToCstmrDbtCdtNtfctn></Document>\n"
    )
}

/// Direct debit end to end: a collection date closer than a debtor's notice is refused (SEPA's 14
/// days unless the contract agrees fewer), nothing stored; the remittance writes one
/// pre-notification per debtor franchisee, e-mailed at once in its language with amount,
/// collection date, mandate and creditor id, and never again (the job finds nothing to send); a
/// camt.054 return opens the invoice again with its reason, shown on the franchisee's statement;
/// the same file again changes nothing.
async fn direct_debit_story(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let st = &s.storage;
    let api = &w.api;
    let today = back_office_server::storage::sql::business_day(Utc::now());
    let signed = (today - chrono::Duration::days(30)).to_string();
    for (f, reference, debtor, iban) in [
        (
            w.norte,
            "MANDATO-NORTE-1",
            "Norte Franquicias, S.L.",
            "ES7921000813610123456789",
        ),
        (
            w.sur,
            "MANDATO-SUR-1",
            "Sur Franchising, S.A.",
            "ES7620770024003102575766",
        ),
    ] {
        let (status, v) = api
            .call(
                Method::POST,
                "/api/v1/admin/collections/mandates",
                Some(json!({"franchisee_id": f.0, "reference": reference, "debtor_name": debtor, "debtor_iban": iban, "scheme": "CORE", "signed_on": signed})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Cobros <cobros@central.example.es>".into(),
        }))
        .unwrap();
    let remit = |date: chrono::NaiveDate| {
        api.call(
            Method::POST,
            "/api/v1/admin/collections/remittances",
            Some(json!({"collection_date": date.to_string()})),
        )
    };
    // Norte's contract agrees no notice: SEPA's 14 days; Sur's 3. Two days out is too soon for
    // both: nobody qualifies, nothing is stored.
    let (status, v) = remit(today + chrono::Duration::days(2)).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "remittance_notice_too_short", "{v}");
    assert_eq!(
        api.get("/api/v1/admin/collections/remittances").await,
        json!([])
    );
    assert_eq!(
        api.get("/api/v1/admin/collections/prenotifications").await,
        json!([])
    );
    assert!(read_maildir(&py, &maildir).is_empty());

    // Five days out is too soon for Norte only: the remittance collects Sur's invoices and lists
    // Norte as left out, with the reason and the earliest date that gives its notice.
    let sur_day = today + chrono::Duration::days(5);
    let (status, r) = remit(sur_day).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["debit_count"], 2, "{r}");
    assert_eq!(r["control_sum"], "1210.00");
    let excluded = r["excluded"].as_array().unwrap();
    assert_eq!(excluded.len(), 1, "{r}");
    assert_eq!(excluded[0]["franchisee_id"], w.norte.0);
    assert_eq!(excluded[0]["debtor_name"], "Norte Franquicias, S.L.");
    assert_eq!(excluded[0]["reason"], "notice_too_short");
    assert_eq!(excluded[0]["notice_days"], 14);
    assert_eq!(
        excluded[0]["earliest"],
        (today + chrono::Duration::days(14)).to_string()
    );
    assert_eq!(excluded[0]["debit_count"], 2);
    assert_eq!(excluded[0]["amount"], "1210.00");
    assert!(
        receivables(api, w.norte)
            .await
            .iter()
            .all(|r| r.3 == "605.00"),
        "Norte's invoices stay open"
    );
    let listed = api.get("/api/v1/admin/collections/remittances").await;
    assert_eq!(listed[0]["excluded"], r["excluded"], "{listed}");
    // HQ's Cobros page lists who was left out and why.
    accounts::create_user(
        st.as_ref(),
        "admin",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut admin, _) = Browser::signed_in(s, "admin").await;
    let page = admin.get("/dashboard/collections").await;
    page.assert(StatusCode::OK, "id=\"remittance-exclusions\"");
    let row = page
        .body
        .split(&format!("data-excluded=\"{}\"", w.norte.0))
        .nth(1)
        .expect("Norte listed as left out")
        .split("</tr>")
        .next()
        .unwrap()
        .to_string();
    assert!(row.contains("notice_too_short"), "{row}");
    assert!(row.contains("Norte Franquicias"), "{row}");
    assert!(row.contains("14"), "{row}");

    let collection = today + chrono::Duration::days(14);
    let (status, r) = remit(collection).await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["debit_count"], 2);
    assert_eq!(r["control_sum"], "1210.00");
    assert_eq!(r["excluded"], json!([]));

    let notes = api.get("/api/v1/admin/collections/prenotifications").await;
    let notes = notes.as_array().unwrap();
    assert_eq!(notes.len(), 2, "one per debtor franchisee: {notes:?}");
    for n in notes {
        assert_eq!(n["amount"], "1210.00", "{n}");
        assert_eq!(n["debit_count"], 2);
        let date = if n["franchisee_id"] == w.sur.0 {
            sur_day
        } else {
            collection
        };
        assert_eq!(n["collection_date"], date.to_string());
        assert_eq!(n["creditor_id"], "ES48000B96873427");
        assert!(!n["sent_at"].is_null(), "{n}");
        assert_eq!(n["attempts"], 1);
    }
    let sur_note = notes
        .iter()
        .find(|n| n["franchisee_id"] == w.sur.0)
        .unwrap();
    assert_eq!(sur_note["notice_days"], 3);
    assert_eq!(sur_note["mandate_references"], "MANDATO-SUR-1");
    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:#?}");
    let sur_mail = got
        .iter()
        .find(|m| {
            m["to"]
                .as_str()
                .unwrap()
                .contains("accounts@sur.example.com")
        })
        .unwrap();
    let norte_mail = got
        .iter()
        .find(|m| {
            m["to"]
                .as_str()
                .unwrap()
                .contains("cobros@norte.example.es")
        })
        .unwrap();
    let en_date = sur_day.format("%Y-%m-%d").to_string();
    let es_date = collection.format("%d/%m/%Y").to_string();
    for (m, words) in [
        (
            sur_mail,
            vec![
                "Direct debit notice",
                "1,210.00",
                en_date.as_str(),
                "MANDATO-SUR-1",
                "ES48000B96873427",
                "Trastienda Central",
            ],
        ),
        (
            norte_mail,
            vec![
                "Aviso de adeudo",
                "1.210,00",
                es_date.as_str(),
                "MANDATO-NORTE-1",
                "ES48000B96873427",
                "Trastienda Central",
            ],
        ),
    ] {
        let all = format!("{} {}", m["subject"], m["text"]);
        for word in words {
            assert!(all.contains(word), "{word} not in {all}");
        }
    }
    // Sent once: the job finds nothing left, a second run of it neither.
    let def = back_office_server::jobs::find("sepa-prenotify").unwrap();
    let report = back_office_server::jobs::run_with(
        st.clone(),
        s.mail.clone(),
        def,
        "2027-01-01T10",
        back_office_server::storage::jobs::Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(report, back_office_server::jobs::RunReport::Ran(ref r) if r.error.is_none()),
        "{report:?}"
    );
    let sent = back_office_server::services::collections::send_prenotifications(
        st.as_ref(),
        &s.mail.get().unwrap(),
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((sent.sent, sent.failed), (0, 0));
    assert_eq!(read_maildir(&py, &maildir).len(), 2, "nothing sent twice");

    // The bank returns Sur's first debit in a camt.054 debit notification, reason AC04 (account
    // closed): the invoice is open again with the reason, once.
    let su = receivables(api, w.sur).await;
    assert!(su.iter().all(|r| r.3 == "0.00"), "collected: {su:?}");
    let e2e = su[0].1.clone();
    let file = camt054_return(&e2e, "MANDATO-SUR-1", "605.00", "AC04");
    for round in 0..2 {
        let (status, out) = api
            .call(
                Method::POST,
                "/api/v1/admin/collections/returns",
                Some(json!({"content": file})),
            )
            .await;
        assert_eq!(status, StatusCode::OK, "{out}");
        if round == 0 {
            assert_eq!(out["reopened"][0][0], e2e.as_str(), "{out}");
            assert!(
                out["reopened"][0][1].as_str().unwrap().starts_with("AC04"),
                "{out}"
            );
        } else {
            assert_eq!(out["reopened"], json!([]), "{out}");
            assert_eq!(out["already"], 1, "{out}");
        }
    }
    let su = receivables(api, w.sur).await;
    assert_eq!(su[0].3, "605.00", "open again: {su:?}");
    assert_eq!(su[1].3, "0.00");
    let soa = api
        .get(&format!(
            "/api/v1/admin/collections/franchisees/{}/statement",
            w.sur.0
        ))
        .await;
    assert_eq!(soa["balance"]["balance"], "605.00", "{soa}");
    assert!(
        soa["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "return" && e["reference"].as_str().unwrap().starts_with("AC04")),
        "{soa}"
    );
    // Its own user sees the return and its notices on its statement page.
    accounts::create_franchisee_user(st.as_ref(), "sur", "Sur", PASSWORD, w.sur)
        .await
        .unwrap();
    let (mut sur_user, _) = Browser::signed_in(s, "sur").await;
    let p = sur_user
        .get(&format!("/dashboard/collections/franchisees/{}", w.sur.0))
        .await;
    p.assert(StatusCode::OK, "AC04");
    assert!(p.body.contains("id=\"franchisee-prenotes\""));
    assert!(p.body.contains("MANDATO-SUR-1"));
    assert!(!p.body.contains("MANDATO-NORTE-1"));
}

on_both_backends!(direct_debit_story);

fn xmllint_schema(xml: &str) -> Option<Result<(), String>> {
    let xsd = std::env::var("TRASTIENDA_SEPA_XSD").unwrap_or_else(|_| {
        "/work/venv/lib/python3.11/site-packages/sepaxml/schemas/pain.008.001.08.xsd".into()
    });
    if !std::path::Path::new(&xsd).exists() {
        println!("skipped XSD check: no {xsd} (pip install sepaxml)");
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("r.xml");
    std::fs::write(&f, xml).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--schema", &xsd])
        .arg(&f)
        .output()
        .ok()?;
    Some(if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    })
}

/// A pre-notification that could not be sent when its remittance was made (the SMTP server down)
/// and is retried too late to give the debtor the notice its contract promises is not sent: that
/// debtor's debits are held out of the remittance (the file written again without them, still
/// XSD-valid; their payments cancelled, the invoices open again, a first collection first again),
/// the remittance lists them with the reason (API and Cobros page), and a later remittance collects
/// them. The other debtor's notice, still in time, goes.
async fn late_prenotification_story(s: &Server) {
    use back_office_server::services::collections as svc;
    let Some(py) = python() else { return };
    let w = world(s).await;
    let st = &s.storage;
    let api = &w.api;
    let now = Utc::now();
    let today = back_office_server::storage::sql::business_day(now);
    let signed = (today - chrono::Duration::days(30)).to_string();
    for (f, reference, debtor, iban) in [
        (
            w.norte,
            "MANDATO-NORTE-1",
            "Norte Franquicias, S.L.",
            "ES7921000813610123456789",
        ),
        (
            w.sur,
            "MANDATO-SUR-1",
            "Sur Franchising, S.A.",
            "ES7620770024003102575766",
        ),
    ] {
        let (status, v) = api
            .call(
                Method::POST,
                "/api/v1/admin/collections/mandates",
                Some(json!({"franchisee_id": f.0, "reference": reference, "debtor_name": debtor, "debtor_iban": iban, "scheme": "CORE", "signed_on": signed})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{v}");
    }
    let collection = today + chrono::Duration::days(14);
    let r = svc::create_remittance(st.as_ref(), collection, "hq", now)
        .await
        .unwrap();
    assert_eq!(r.debit_count, 4);
    assert!(r.excluded.is_empty());
    // The file as first written (what HQ may send to its bank before the hold).
    let (_, first_xml) = st.sepa().remittance_file(r.id).await.unwrap();
    let sha = |x: &str| {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(x.as_bytes()))
    };
    assert_eq!(
        api.get(&format!(
            "/api/v1/admin/collections/remittances/{}/files",
            r.id
        ))
        .await,
        json!([]),
        "no earlier file yet"
    );

    // The SMTP server is down: neither notice goes, both wait for the job.
    let down = MailConfig {
        url: format!("smtp://127.0.0.1:{}", free_port()),
        from: "Cobros <cobros@central.example.es>".into(),
    };
    let round = svc::send_prenotifications(st.as_ref(), &down, now)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed, round.held), (0, 2, 0));

    // Eleven days later it is back. Three days remain: enough for Sur (3 days' notice), too few
    // for Norte (14): Sur's notice goes, Norte's is not sent and its debits are held.
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    let up = MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Cobros <cobros@central.example.es>".into(),
    };
    let later = now + chrono::Duration::days(11);
    let round = svc::send_prenotifications(st.as_ref(), &up, later)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed, round.held), (1, 0, 1));
    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 1, "{got:#?}");
    assert!(
        got[0]["to"]
            .as_str()
            .unwrap()
            .contains("accounts@sur.example.com")
    );
    let notes = api.get("/api/v1/admin/collections/prenotifications").await;
    let norte_note = notes
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["franchisee_id"] == w.norte.0)
        .unwrap();
    assert!(norte_note["sent_at"].is_null(), "{norte_note}");
    assert!(!norte_note["held_at"].is_null(), "{norte_note}");

    // The remittance now holds Sur's debits only; Norte is listed with the reason.
    let listed = api.get("/api/v1/admin/collections/remittances").await;
    let rem = &listed[0];
    assert_eq!(rem["debit_count"], 2, "{rem}");
    assert_eq!(rem["control_sum"], "1210.00");
    assert_eq!(rem["returned"], 0, "a held debit is not a return: {rem}");
    let ex = rem["excluded"].as_array().unwrap();
    assert_eq!(ex.len(), 1, "{rem}");
    assert_eq!(ex[0]["franchisee_id"], w.norte.0);
    assert_eq!(ex[0]["reason"], "prenotification_late");
    assert_eq!(ex[0]["notice_days"], 14);
    assert_eq!(ex[0]["debit_count"], 2);
    assert_eq!(ex[0]["amount"], "1210.00");
    assert_eq!(
        ex[0]["earliest"],
        (today + chrono::Duration::days(11 + 14)).to_string()
    );
    let res = api
        .http
        .get(format!(
            "{}/api/v1/admin/collections/remittances/{}/pain008",
            s.base, rem["id"]
        ))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let xml = res.text().await.unwrap();
    assert!(xml.contains("<NbOfTxs>2</NbOfTxs>"), "{xml}");
    assert!(xml.contains("<CtrlSum>1210.00</CtrlSum>"), "{xml}");
    assert!(xml.contains("MANDATO-SUR-1"), "{xml}");
    assert!(
        !xml.contains("MANDATO-NORTE-1"),
        "held out of the file: {xml}"
    );
    assert!(xml.contains(&r.message_id), "same message id: {xml}");
    if let Some(valid) = xmllint_schema(&xml) {
        valid.unwrap_or_else(|e| panic!("pain.008 not XSD-valid: {e}\n{xml}"));
    }
    assert_eq!(
        rem["sha256"].as_str().unwrap(),
        {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(xml.as_bytes()))
        },
        "the hash is the new file's"
    );
    // The file as first written is kept, byte for byte with its hash, and listed.
    let files = api
        .get(&format!(
            "/api/v1/admin/collections/remittances/{}/files",
            r.id
        ))
        .await;
    let files = files.as_array().unwrap();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(files[0]["version"], 1);
    assert_eq!(files[0]["debit_count"], 4);
    assert_eq!(files[0]["control_sum"], "2420.00");
    assert_eq!(files[0]["message_id"], r.message_id.as_str());
    assert_eq!(files[0]["sha256"].as_str().unwrap(), sha(&first_xml));
    assert_eq!(files[0]["sha256"].as_str().unwrap(), r.sha256);
    let file_path = format!(
        "/api/v1/admin/collections/remittances/{}/files/{}",
        r.id, files[0]["id"]
    );
    let res = api
        .http
        .get(format!("{}{file_path}", s.base))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(
        res.headers()["x-content-sha256"].to_str().unwrap(),
        r.sha256
    );
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("{}-v1.xml", r.message_id))
    );
    let kept = res.bytes().await.unwrap();
    assert_eq!(kept.as_ref(), first_xml.as_bytes(), "kept byte for byte");
    assert!(first_xml.contains("MANDATO-NORTE-1"));
    for bad in [
        format!(
            "/api/v1/admin/collections/remittances/{}/files/999999",
            r.id
        ),
        format!(
            "/api/v1/admin/collections/remittances/999999/files/{}",
            files[0]["id"]
        ),
        "/api/v1/admin/collections/remittances/999999/files".to_string(),
    ] {
        let (status, v) = api.call(Method::GET, &bad, None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}: {v}");
    }
    // Nothing changes or deletes a kept file.
    let sql = back_office_server::storage::open_sql(s.url.as_deref().unwrap())
        .await
        .unwrap();
    for statement in [
        "UPDATE remittance_files SET xml = 'x'",
        "UPDATE remittance_files SET sha256 = sha256",
        "DELETE FROM remittance_files",
    ] {
        let res = sql
            .db()
            .write(move |tx| {
                Box::pin(async move { tx.execute(statement, back_office_server::p![]).await })
            })
            .await;
        assert!(res.is_err(), "the database let {statement:?} through");
    }
    let (_, again) = st
        .sepa()
        .remittance_file_version(r.id, files[0]["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(again, first_xml);

    // Norte's invoices are open again, its mandate unused (its next collection a first one).
    let no = receivables(api, w.norte).await;
    assert!(no.iter().all(|r| r.3 == "605.00"), "{no:?}");
    let mandates = api.get("/api/v1/admin/collections/mandates").await;
    let norte_mandate = mandates
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["reference"] == "MANDATO-NORTE-1")
        .unwrap();
    assert!(norte_mandate["first_used_on"].is_null(), "{norte_mandate}");
    // Run again: nothing more is sent or held.
    let round = svc::send_prenotifications(st.as_ref(), &up, later)
        .await
        .unwrap();
    assert_eq!((round.sent, round.failed, round.held), (0, 0, 0));
    assert_eq!(read_maildir(&py, &maildir).len(), 1);

    // HQ's Cobros page shows the hold with its reason.
    accounts::create_user(
        st.as_ref(),
        "admin",
        "Ana",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut admin, _) = Browser::signed_in(s, "admin").await;
    let page = admin.get("/dashboard/collections").await;
    page.assert(StatusCode::OK, "data-reason=\"prenotification_late\"");
    // …and the earlier file, its hash and a link that downloads it as written.
    page.assert(StatusCode::OK, "id=\"remittance-files\"");
    assert!(page.body.contains(&r.sha256), "{}", page.body);
    let link = format!(
        "/dashboard/collections/remittances/{}/files/{}",
        r.id, files[0]["id"]
    );
    assert!(page.body.contains(&link), "{}", page.body);
    let dl = admin.get(&link).await;
    assert_eq!(dl.status, StatusCode::OK);
    assert_eq!(dl.body, first_xml);

    // A later remittance, with notice of its own, collects Norte's invoices: a first collection,
    // new end-to-end ids.
    let again = svc::create_remittance(
        st.as_ref(),
        today + chrono::Duration::days(11 + 14),
        "hq",
        later,
    )
    .await
    .unwrap();
    assert_eq!(again.debit_count, 2);
    let (_, xml) = st.sepa().remittance_file(again.id).await.unwrap();
    assert!(xml.contains("MANDATO-NORTE-1"), "{xml}");
    assert!(xml.contains("<SeqTp>FRST</SeqTp>"), "{xml}");
    assert!(
        xml.contains(&format!("<EndToEndId>{}-2</EndToEndId>", no[0].1)),
        "{xml}"
    );
}

on_both_backends!(late_prenotification_story);

/// A franchisee's own people get the daily digest too, of their own franchisee only: the
/// unresolved alerts of its stores and what concerns its account with HQ (dunning letters, a
/// direct debit the bank returned), read back from a real SMTP server (aiosmtpd); never another
/// franchisee's store alerts, invoices or debits, nor HQ's own alerts.
async fn franchisee_digest_story(s: &Server) {
    use back_office_server::services::collections as svc;
    use back_office_server::storage::alerts::DigestSettings;
    use back_office_server::storage::collections::DunningLevel;
    let Some(py) = python() else { return };
    let w = world(s).await;
    let st = &s.storage;
    let api = &w.api;
    let now = Utc::now();
    let today = back_office_server::storage::sql::business_day(now);
    for (user, name, f, email, lang) in [
        ("norte", "Norte", w.norte, "jefa@norte.example.es", "es"),
        ("sur", "Sur", w.sur, "boss@sur.example.com", "en"),
    ] {
        accounts::create_franchisee_user(st.as_ref(), user, name, PASSWORD, f)
            .await
            .unwrap();
        let id = st
            .dashboard()
            .dashboard_user_by_name(user)
            .await
            .unwrap()
            .unwrap()
            .id;
        st.alerts()
            .set_digest_settings(
                id,
                &DigestSettings {
                    email: email.into(),
                    enabled: true,
                    language: lang.into(),
                },
            )
            .await
            .unwrap();
    }
    // A store alert for each, and one of HQ's own (tied to no store).
    for (store, message) in [
        (Some(w.norte_store), "ALERTA-NORTE"),
        (Some(w.sur_store), "ALERT-SUR"),
        (None, "ALERTA-HQ"),
    ] {
        assert!(
            st.alerts()
                .raise("job_failed", None, store, message, &Value::Null, now)
                .await
                .unwrap()
        );
    }
    // Sur pays by direct debit; the bank returns its first debit (AC04).
    let signed = (today - chrono::Duration::days(30)).to_string();
    let (status, v) = api
        .call(
            Method::POST,
            "/api/v1/admin/collections/mandates",
            Some(json!({"franchisee_id": w.sur.0, "reference": "MANDATO-SUR-1", "debtor_name": "Sur Franchising, S.A.", "debtor_iban": "ES7620770024003102575766", "scheme": "CORE", "signed_on": signed})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    svc::create_remittance(st.as_ref(), today + chrono::Duration::days(3), "hq", now)
        .await
        .unwrap();
    let su = receivables(api, w.sur).await;
    let (status, out) = api
        .call(
            Method::POST,
            "/api/v1/admin/collections/returns",
            Some(json!({"content": camt054_return(&su[0].1, "MANDATO-SUR-1", "605.00", "AC04")})),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{out}");
    // Norte's overdue invoices get their first dunning letter (written, not e-mailed here).
    svc::set_levels(
        st.as_ref(),
        &[DunningLevel {
            level: 1,
            days_after_due: 7,
            subject_es: "Recordatorio {invoice}".into(),
            body_es: "Debe {amount}".into(),
            subject_en: "Reminder {invoice}".into(),
            body_en: "You owe {amount}".into(),
        }],
        now,
    )
    .await
    .unwrap();
    svc::run_dunning(st.as_ref(), None, today, now)
        .await
        .unwrap();
    let no = receivables(api, w.norte).await;
    let su = receivables(api, w.sur).await;

    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    let config = MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Trastienda <avisos@central.example.es>".into(),
    };
    let round =
        back_office_server::services::alerts::send_digests(st.as_ref(), &config, "2027-01-05", now)
            .await
            .unwrap();
    assert_eq!((round.sent, round.failed), (2, 0), "{round:?}");
    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:#?}");
    let to = |addr: &str| {
        got.iter()
            .find(|m| m["to"].as_str().unwrap_or("").contains(addr))
            .unwrap_or_else(|| panic!("nothing to {addr}: {got:#?}"))
    };
    let norte = format!(
        "{} {}",
        to("jefa@norte.example.es")["subject"],
        to("jefa@norte.example.es")["text"]
    );
    let sur = format!(
        "{} {}",
        to("boss@sur.example.com")["subject"],
        to("boss@sur.example.com")["text"]
    );
    // Norte: its store's alert, a letter per overdue invoice, in Spanish.
    assert!(norte.contains("ALERTA-NORTE"), "{norte}");
    assert!(norte.contains("Su cuenta con la central"), "{norte}");
    assert!(norte.contains("Carta de reclamación (nivel 1)"), "{norte}");
    for (_, number, _, _) in &no {
        assert!(norte.contains(number.as_str()), "{number} not in {norte}");
    }
    // Sur: its store's alert and the returned debit with the bank's reason, in English.
    assert!(sur.contains("ALERT-SUR"), "{sur}");
    assert!(sur.contains("Your account with HQ"), "{sur}");
    assert!(sur.contains("came back: AC04"), "{sur}");
    assert!(sur.contains(su[0].1.as_str()), "{sur}");
    // Never the other's, nor HQ's own.
    for (mail, other, other_alert) in [(&norte, &su, "ALERT-SUR"), (&sur, &no, "ALERTA-NORTE")] {
        assert!(!mail.contains(other_alert), "{mail}");
        assert!(!mail.contains("ALERTA-HQ"), "{mail}");
        for (_, number, _, _) in other {
            assert!(!mail.contains(number.as_str()), "{number} in {mail}");
        }
    }
    // Once per period.
    let again =
        back_office_server::services::alerts::send_digests(st.as_ref(), &config, "2027-01-05", now)
            .await
            .unwrap();
    assert_eq!((again.sent, again.already), (0, 2), "{again:?}");
}

on_both_backends!(franchisee_digest_story);
