//! Customers (issue 17), on SQLite and PostgreSQL: the directory through the admin API and the
//! dashboard page Clientes (create, edit, search, NIF refused in both languages), each franchisee's
//! customers reaching only its stores' tills and only its users (another's is 404); a customer and
//! an e-mail request made at a till arriving in the push and stored once however often the push is
//! retried; HQ rendering the ticket as a PDF and sending it once to a real SMTP server (aiosmtpd),
//! read back with its attachment; erasure on request reaching the tills' change pages, audited,
//! with the stored documents' bytes unchanged; an X or Z report e-mailed from a till with the PDF
//! it drew, sent once and retried like a receipt.

use back_office_server::auth;
use back_office_server::jobs;
use back_office_server::services::mail::MailConfig;
use back_office_server::storage::TillAuth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::people::AuditFilter;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use sync_protocol::{
    CatalogChange, CustomerRecord, Document, DocumentBody, DocumentId, GENESIS_HASH, MailRequest,
    Money, Payment, ProductId, Quantity, Sale, SaleLine, StoreId, TaxRate, Tender, compute_totals,
};
use uuid::Uuid;

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;
use smtp::*;

struct World {
    /// Franchisee A's stores (north has the till that pushes) and franchisee B's.
    north: TillAuth,
    north_token: String,
    /// Franchisee B's till.
    east_till: TillAuth,
    east_token: String,
    south: StoreId,
    east: StoreId,
    franchisee_a: i64,
    franchisee_b: i64,
    admin_token: String,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let mut fr = Vec::new();
    for (name, nif) in [
        ("Ultramarinos Norte, S.L.", "B12345674"),
        ("Comestibles Este, S.L.", "A58818501"),
    ] {
        fr.push(
            st.create_franchisee(&NewFranchisee {
                legal_name: name.into(),
                nif: nif.into(),
                address: "Calle Mayor 1".into(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut stores = Vec::new();
    for (f, name) in [
        (fr[0], "Tienda Norte"),
        (fr[0], "Tienda Sur"),
        (fr[1], "Tienda Este"),
    ] {
        stores.push(
            st.create_store(&NewStore::new(f, name, "Calle Mayor 2"))
                .await
                .unwrap()
                .id,
        );
    }
    let (north, north_token) = enrolled_with_token(s, stores[0], "Caja Norte").await;
    let (east_till, east_token) = enrolled_with_token(s, stores[2], "Caja Este").await;
    let admin_token = auth::new_token();
    st.create_admin("HQ", &auth::hash_token(&admin_token))
        .await
        .unwrap();
    for (user, role, of) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("norte", DashboardRole::Manager, vec![stores[0]]),
        ("este", DashboardRole::Manager, vec![stores[2]]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            of,
        )
        .await
        .unwrap();
    }
    back_office_server::services::accounts::create_franchisee_user(
        &*st.clone(),
        "socio-este",
        "Socio Este",
        PASSWORD,
        fr[1],
    )
    .await
    .unwrap();
    World {
        north,
        north_token,
        east_till,
        east_token,
        south: stores[1],
        east: stores[2],
        franchisee_a: fr[0].0,
        franchisee_b: fr[1].0,
        admin_token,
    }
}

async fn api(
    s: &Server,
    w: &World,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut rq = reqwest::Client::new()
        .request(method, format!("{}{path}", s.base))
        .bearer_auth(&w.admin_token);
    if let Some(b) = body {
        rq = rq.json(&b);
    }
    let r = rq.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

async fn push(s: &Server, w: &World, body: &Value) -> (StatusCode, Value) {
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/push", s.base))
        .bearer_auth(&w.north_token)
        .json(body)
        .send()
        .await
        .unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

/// The customer changes a till of `store` pulls, in order.
async fn customer_changes(s: &Server, store: StoreId) -> Vec<CatalogChange> {
    s.storage
        .changes_after(store, 0, 10_000)
        .await
        .unwrap()
        .changes
        .into_iter()
        .map(|c| c.change)
        .filter(|c| {
            matches!(
                c,
                CatalogChange::Customer(_) | CatalogChange::CustomerErased { .. }
            )
        })
        .collect()
}

/// A valid sale of the north till at `seq`: a coffee paid in cash.
fn sale(w: &World, seq: u64, prev: &str, ticket: &str) -> Document {
    let lines = vec![SaleLine {
        line_id: Uuid::new_v4(),
        product_id: ProductId(1),
        barcode: None,
        name: "Café solo".into(),
        quantity: Quantity::units(2),
        unit_price: Money::from_cents(130),
        tax_rate: TaxRate::percent(10),
        discount: Money::ZERO,
        promotion: None,
    }];
    let inputs: Vec<_> = lines.iter().map(SaleLine::input).collect();
    let totals = compute_totals(&inputs, Money::ZERO).unwrap();
    Document::seal(
        DocumentId::new(),
        w.north.till_id,
        w.north.store_id,
        seq,
        Utc::now(),
        prev,
        DocumentBody::Sale(Sale {
            ticket_number: ticket.into(),
            cashier_id: None,
            lines,
            ticket_discount: Money::ZERO,
            payments: vec![Payment {
                payment_id: Uuid::new_v4(),
                tender: Tender::Cash,
                amount: totals.total,
                tendered: None,
                change: Money::ZERO,
                reference: None,
            }],
            totals,
        }),
    )
}

/// Every message of the maildir: to, subject and the attachments (name, type, bytes in hex).
fn read_maildir(py: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let script = r#"
import json, mailbox, sys, os
from email.header import decode_header, make_header
out = []
if os.path.isdir(sys.argv[1]):
    for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
        atts = []
        for part in m.walk():
            name = part.get_filename()
            if name:
                atts.append({"name": name, "type": part.get_content_type(), "hex": part.get_payload(decode=True).hex()})
        out.append({"to": m["To"], "subject": str(make_header(decode_header(m["Subject"]))), "attachments": atts})
print(json.dumps(out))
"#;
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

/// A local SMTP server (aiosmtpd) writing to a maildir in a scratch directory, and HQ set to
/// send through it. Keep all three alive for the test.
async fn local_smtp(s: &Server, py: &PathBuf) -> (tempfile::TempDir, PathBuf, SmtpServer) {
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let smtp = smtp_server(py, port, &maildir).await;
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Tickets <tickets@central.example.es>".into(),
        }))
        .unwrap();
    (dir, maildir, smtp)
}

/// Runs the `send-customer-mail` job once, now, and answers what it did.
async fn run_mail_job(s: &Server) -> back_office_server::storage::jobs::JobRun {
    let def = jobs::find("send-customer-mail").unwrap();
    let report = jobs::run_with(
        s.storage.clone(),
        s.mail.clone(),
        def,
        &def.period.current(Utc::now()),
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    let jobs::RunReport::Ran(ran) = report else {
        panic!("{report:?}")
    };
    ran
}

/// The messages in `maildir` once there is at least one (up to 10 s), or none.
async fn wait_for_mail(py: &PathBuf, maildir: &std::path::Path) -> Vec<Value> {
    for _ in 0..100 {
        let got = read_maildir(py, maildir);
        if !got.is_empty() {
            return got;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    Vec::new()
}

async fn directory_crud_scope_and_nif_messages(s: &Server) {
    let w = world(s).await;
    // Created through the API: 201, NIF normalised, on every store of its franchisee only.
    let (status, c) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/customers",
        Some(json!({"franchisee_id": w.franchisee_a, "name": "Ferretería Núñez, S.L.", "nif": "b-1234.5674", "address": "Calle Sol 3, Madrid", "email": "Compras@Nunez.example", "email_consent": true})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    assert_eq!(c["nif"], "B12345674");
    assert_eq!(c["email"], "compras@nunez.example");
    let id: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    for store in [w.north.store_id, w.south] {
        let ch = customer_changes(s, store).await;
        assert!(
            matches!(ch.as_slice(), [CatalogChange::Customer(r)] if r.id == id && r.name == "Ferretería Núñez, S.L."),
            "{ch:?}"
        );
    }
    assert!(
        customer_changes(s, w.east).await.is_empty(),
        "another franchisee's till"
    );
    // A store opened later gets the directory too.
    let west = s
        .storage
        .create_store(&NewStore::new(
            sync_protocol::FranchiseeId(w.franchisee_a),
            "Tienda Oeste",
            "Calle Oeste 1",
        ))
        .await
        .unwrap()
        .id;
    let ch = customer_changes(s, west).await;
    assert!(
        matches!(ch.as_slice(), [CatalogChange::Customer(r)] if r.id == id),
        "{ch:?}"
    );

    // A bad NIF or consent without an address: 422, nothing stored.
    let (status, e) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/customers",
        Some(json!({"franchisee_id": w.franchisee_a, "name": "Otro", "nif": "12345678A"})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["error"], "nif_invalid", "{e}");
    let (status, e) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/customers",
        Some(json!({"franchisee_id": w.franchisee_a, "name": "Otro", "email_consent": true})),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, all) = api(s, &w, reqwest::Method::GET, "/api/v1/admin/customers", None).await;
    assert_eq!(all.as_array().unwrap().len(), 1, "{all}");

    // Edited and searched (by NIF, by a word of the name in any case).
    let (status, c2) = api(
        s,
        &w,
        reqwest::Method::PUT,
        &format!("/api/v1/admin/customers/{id}"),
        Some(json!({"name": "Ferretería Núñez Hermanos, S.L.", "nif": "B12345674", "address": "Calle Sol 5, Madrid"})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{c2}");
    assert_eq!(c2["email_consent"], false);
    for q in ["b12345674", "NÚÑEZ".to_lowercase().as_str(), "hermanos"] {
        let (_, found) = api(
            s,
            &w,
            reqwest::Method::GET,
            &format!("/api/v1/admin/customers?q={q}"),
            None,
        )
        .await;
        assert_eq!(found.as_array().unwrap().len(), 1, "{q}: {found}");
    }
    let ch = customer_changes(s, w.south).await;
    assert!(
        matches!(ch.last(), Some(CatalogChange::Customer(r)) if r.address == "Calle Sol 5, Madrid"),
        "{ch:?}"
    );

    // The dashboard: HQ creates one of franchisee B; the NIF refused in each language.
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    for (lang, want) in [("es", "no es válido"), ("en", "is not valid")] {
        hq.cookies.insert("trastienda_lang".into(), lang.into());
        let p = hq
            .post(
                "/dashboard/customers",
                &[
                    ("csrf", &csrf),
                    ("franchisee", &w.franchisee_b.to_string()),
                    ("name", "Bar Pepe"),
                    ("nif", "12345678A"),
                ],
            )
            .await;
        assert_eq!(p.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", p.body);
        assert!(p.body.contains(want), "{lang}: {}", p.body);
    }
    hq.cookies.insert("trastienda_lang".into(), "es".into());
    let p = hq
        .post(
            "/dashboard/customers",
            &[
                ("csrf", &csrf),
                ("franchisee", &w.franchisee_b.to_string()),
                ("name", "Bar Pepe"),
                ("nif", "12345678Z"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let b_customer = s
        .storage
        .customers()
        .list_customers(None, "bar pepe", 10)
        .await
        .unwrap()
        .remove(0);
    assert_eq!(b_customer.franchisee_id.0, w.franchisee_b);
    assert_eq!(customer_changes(s, w.east).await.len(), 1);
    hq.get("/dashboard/customers")
        .await
        .assert(StatusCode::OK, "Ferretería Núñez Hermanos")
        .assert(StatusCode::OK, "Bar Pepe");
    hq.get(&format!("/dashboard/customers/{id}"))
        .await
        .assert(StatusCode::OK, "no se tocan");

    // Each party sees only its own: A's manager sees A's customer, not B's; B's see B's only.
    let (mut norte, _) = Browser::signed_in(s, "norte").await;
    let p = norte.get("/dashboard/customers").await;
    p.assert(StatusCode::OK, "Ferretería Núñez Hermanos");
    assert!(!p.body.contains("Bar Pepe"), "{}", p.body);
    assert_eq!(
        norte
            .get(&format!("/dashboard/customers/{}", b_customer.record.id))
            .await
            .status,
        StatusCode::NOT_FOUND
    );
    for user in ["este", "socio-este"] {
        let (mut b, _) = Browser::signed_in(s, user).await;
        let p = b.get("/dashboard/customers").await;
        p.assert(StatusCode::OK, "Bar Pepe");
        assert!(!p.body.contains("Núñez"), "{user}: {}", p.body);
        assert_eq!(
            b.get(&format!("/dashboard/customers/{id}")).await.status,
            StatusCode::NOT_FOUND,
            "{user}"
        );
        // Read-only: no erasing.
        assert_eq!(
            b.post(
                &format!("/dashboard/customers/{}/erase", b_customer.record.id),
                &[]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    }
}
on_both_backends!(directory_crud_scope_and_nif_messages);

async fn a_tills_customer_and_mail_request_arrive_once_and_the_ticket_is_sent_once(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let (_dir, maildir, _smtp) = local_smtp(s, &py).await;

    let doc = sale(&w, 1, GENESIS_HASH, "T0001-000001");
    let customer = CustomerRecord {
        id: Uuid::now_v7(),
        name: "Lucía Gómez".into(),
        nif: "12345678z".into(),
        address: String::new(),
        email: "lucia@example.es".into(),
        email_consent: true,
    };
    let mail = MailRequest {
        id: Uuid::now_v7(),
        document_id: doc.id,
        to: "lucia@example.es".into(),
        customer_id: Some(customer.id),
    };
    let body = json!({
        "protocol_version": 1,
        "till_id": w.north.till_id,
        "documents": [doc],
        "customers": [customer],
        "mail_requests": [mail],
    });
    // The answer was lost: the till sends the same push three times.
    for _ in 0..3 {
        let (status, r) = push(s, &w, &body).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        let accepted: Vec<String> = serde_json::from_value(r["accepted"].clone()).unwrap();
        assert_eq!(
            accepted,
            vec![customer.id.to_string(), mail.id.to_string()],
            "{r}"
        );
    }
    let stored = s
        .storage
        .customers()
        .list_customers(None, "", 100)
        .await
        .unwrap();
    assert_eq!(stored.len(), 1, "{stored:?}");
    assert_eq!(stored[0].record.nif, "12345678Z");
    assert_eq!(stored[0].created_by, format!("till:{}", w.north.till_id.0));
    // The franchisee's other store gets it, once; the other franchisee's does not.
    assert_eq!(customer_changes(s, w.south).await.len(), 1);
    assert!(customer_changes(s, w.east).await.is_empty());

    // HQ sends it right after the push; the job finds nothing left; exactly one message.
    let got = wait_for_mail(&py, &maildir).await;
    let ran = run_mail_job(s).await;
    assert_eq!(ran.error, None, "{ran:?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let again = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(again.len(), 1, "sent once: {again:?}");
    let m = &got[0];
    assert!(
        m["to"].as_str().unwrap().contains("lucia@example.es"),
        "{m}"
    );
    assert!(
        m["subject"].as_str().unwrap().contains("T0001-000001"),
        "{m}"
    );
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "{m}");
    assert_eq!(atts[0]["name"], "T0001-000001.pdf");
    assert_eq!(atts[0]["type"], "application/pdf");
    assert!(
        atts[0]["hex"].as_str().unwrap().starts_with("255044462d"),
        "a PDF: {m}"
    );
    let sent = s.storage.customers().recent_mail(None, 10).await.unwrap();
    assert_eq!(sent.len(), 1);
    assert!(sent[0].sent_at.is_some(), "{sent:?}");
    assert_eq!(sent[0].attempts, 1);
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/customers")
        .await
        .assert(StatusCode::OK, "lucia@example.es")
        .assert(StatusCode::OK, "enviado el");

    // A bad customer from a till is refused with a message, and nothing of the push is stored.
    let bad = json!({
        "protocol_version": 1,
        "till_id": w.north.till_id,
        "documents": [],
        "customers": [{"id": Uuid::now_v7(), "name": "X", "nif": "12345678A"}],
    });
    let (status, e) = push(s, &w, &bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(
        s.storage
            .customers()
            .list_customers(None, "", 100)
            .await
            .unwrap()
            .len(),
        1
    );
}
on_both_backends!(a_tills_customer_and_mail_request_arrive_once_and_the_ticket_is_sent_once);

async fn a_failed_send_is_retried_by_the_job_and_shown(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    // Nothing listens there: the send after the push fails and is recorded.
    let dead = free_port();
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{dead}"),
            from: "Tickets <tickets@central.example.es>".into(),
        }))
        .unwrap();
    let doc = sale(&w, 1, GENESIS_HASH, "T0001-000001");
    let mail = MailRequest {
        id: Uuid::now_v7(),
        document_id: doc.id,
        to: "cliente@example.es".into(),
        customer_id: None,
    };
    let (status, r) = push(
        s,
        &w,
        &json!({"protocol_version": 1, "till_id": w.north.till_id, "documents": [doc], "mail_requests": [mail]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let mut failed = None;
    for _ in 0..100 {
        let m = s.storage.customers().recent_mail(None, 10).await.unwrap();
        if m[0].last_error.is_some() {
            failed = Some(m[0].clone());
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let failed = failed.expect("the first attempt failed and was recorded");
    assert!(failed.sent_at.is_none());
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard/customers")
        .await
        .assert(StatusCode::OK, "no enviado");

    // The job sends it once SMTP works.
    let (_dir, maildir, _smtp) = local_smtp(s, &py).await;
    let ran = run_mail_job(s).await;
    assert!(ran.summary.contains(&("sent".to_string(), 1)), "{ran:?}");
    assert_eq!(read_maildir(&py, &maildir).len(), 1);
    let m = s.storage.customers().recent_mail(None, 10).await.unwrap();
    assert!(m[0].sent_at.is_some());
    assert_eq!(m[0].attempts, 2);
}
on_both_backends!(a_failed_send_is_retried_by_the_job_and_shown);

async fn erasure_reaches_the_tills_and_leaves_documents_as_they_were(s: &Server) {
    let w = world(s).await;
    let doc = sale(&w, 1, GENESIS_HASH, "T0001-000001");
    let customer = CustomerRecord {
        id: Uuid::now_v7(),
        name: "Lucía Gómez".into(),
        nif: "12345678Z".into(),
        address: "Calle Luna 7".into(),
        email: "lucia@example.es".into(),
        email_consent: true,
    };
    // No SMTP server configured: the request waits (and is dropped by the erasure).
    let mail = MailRequest {
        id: Uuid::now_v7(),
        document_id: doc.id,
        to: "lucia@example.es".into(),
        customer_id: Some(customer.id),
    };
    s.mail.set(None).unwrap();
    let (status, r) = push(
        s,
        &w,
        &json!({"protocol_version": 1, "till_id": w.north.till_id, "documents": [doc], "customers": [customer], "mail_requests": [mail]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let before = s
        .storage
        .customers()
        .stored_document(doc.id)
        .await
        .unwrap()
        .unwrap();

    // Erased through the API (and a second one through the dashboard).
    let (status, e) = api(
        s,
        &w,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/customers/{}", customer.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT, "{e}");
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::GET,
        &format!("/api/v1/admin/customers/{}", customer.id),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let tomb = s
        .storage
        .customers()
        .get_customer(customer.id)
        .await
        .unwrap();
    assert!(tomb.erased_at.is_some());
    assert_eq!(
        (
            tomb.record.name.as_str(),
            tomb.record.nif.as_str(),
            tomb.record.email.as_str(),
            tomb.record.address.as_str()
        ),
        ("", "", "", "")
    );
    assert_eq!(tomb.erased_by.as_deref(), Some("api-token:HQ"));
    for store in [w.north.store_id, w.south] {
        let ch = customer_changes(s, store).await;
        assert_eq!(
            ch.last(),
            Some(&CatalogChange::CustomerErased { id: customer.id }),
            "{ch:?}"
        );
    }
    assert!(
        s.storage
            .customers()
            .recent_mail(None, 10)
            .await
            .unwrap()
            .is_empty(),
        "an unsent e-mail to an erased customer is dropped"
    );
    let audit = s
        .storage
        .people()
        .audit(&AuditFilter {
            kind: Some("customer.erase".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit.len(), 1, "{audit:?}");
    assert_eq!(audit[0].actor, "api-token:HQ");
    // The sale is stored exactly as pushed.
    let after = s
        .storage
        .customers()
        .stored_document(doc.id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        serde_json::to_string(&after).unwrap(),
        serde_json::to_string(&before).unwrap()
    );
    assert_eq!(after.hash, doc.hash);
    assert!(after.hash_is_valid());

    // The dashboard's erase, audited as the admin.
    let (status, c) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/customers",
        Some(json!({"franchisee_id": w.franchisee_a, "name": "Pedro Ruiz"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{c}");
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    let p = hq
        .post(
            &format!("/dashboard/customers/{}/erase", c["id"].as_str().unwrap()),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    let audit = s
        .storage
        .people()
        .audit(&AuditFilter {
            kind: Some("customer.erase".into()),
            limit: 10,
            ..AuditFilter::default()
        })
        .await
        .unwrap();
    assert_eq!(audit[0].actor, "hq");
    assert!(
        s.storage
            .customers()
            .list_customers(None, "", 100)
            .await
            .unwrap()
            .is_empty()
    );
}
on_both_backends!(erasure_reaches_the_tills_and_leaves_documents_as_they_were);

async fn another_stores_document_or_an_erased_customer_is_never_emailed(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let (_dir, maildir, _smtp) = local_smtp(s, &py).await;
    // Franchisee B's till has a sale at HQ.
    let mut theirs = sale(&w, 1, GENESIS_HASH, "T0002-000001");
    theirs.till_id = w.east_till.till_id;
    theirs.store_id = w.east_till.store_id;
    let theirs = Document::seal(
        theirs.id,
        theirs.till_id,
        theirs.store_id,
        1,
        theirs.till_time,
        GENESIS_HASH,
        theirs.body,
    );
    let r = reqwest::Client::new()
        .post(format!("{}/api/v1/sync/push", s.base))
        .bearer_auth(&w.east_token)
        .json(
            &json!({"protocol_version": 1, "till_id": w.east_till.till_id, "documents": [theirs]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The north till asks HQ to e-mail it: stored, tried, never sent, the reason shown.
    let foreign = MailRequest {
        id: Uuid::now_v7(),
        document_id: theirs.id,
        to: "curioso@example.es".into(),
        customer_id: None,
    };
    // And a receipt for a customer HQ erased while the till was offline.
    let (_, c) = api(
        s,
        &w,
        reqwest::Method::POST,
        "/api/v1/admin/customers",
        Some(json!({"franchisee_id": w.franchisee_a, "name": "Pedro Ruiz", "email": "pedro@example.es", "email_consent": true})),
    )
    .await;
    let pedro: Uuid = c["id"].as_str().unwrap().parse().unwrap();
    let (status, _) = api(
        s,
        &w,
        reqwest::Method::DELETE,
        &format!("/api/v1/admin/customers/{pedro}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let ours = sale(&w, 1, GENESIS_HASH, "T0001-000001");
    let to_erased = MailRequest {
        id: Uuid::now_v7(),
        document_id: ours.id,
        to: "pedro@example.es".into(),
        customer_id: Some(pedro),
    };
    let (status, r) = push(
        s,
        &w,
        &json!({"protocol_version": 1, "till_id": w.north.till_id, "documents": [ours], "mail_requests": [foreign, to_erased]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    assert_eq!(r["accepted"].as_array().unwrap().len(), 2, "{r}");
    let def = jobs::find("send-customer-mail").unwrap();
    for _ in 0..2 {
        jobs::run_with(
            s.storage.clone(),
            s.mail.clone(),
            def,
            &def.period.current(Utc::now()),
            Trigger::Manual,
            Utc::now(),
        )
        .await
        .unwrap();
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    assert!(read_maildir(&py, &maildir).is_empty(), "nothing sent");
    let mail = s.storage.customers().recent_mail(None, 10).await.unwrap();
    let f = mail.iter().find(|m| m.id == foreign.id).unwrap();
    assert!(f.sent_at.is_none());
    assert!(
        f.last_error
            .as_deref()
            .unwrap_or("")
            .contains("not of store"),
        "{f:?}"
    );
    let e = mail.iter().find(|m| m.id == to_erased.id).unwrap();
    assert_eq!(e.recipient, "", "no address kept for an erased customer");
    assert!(e.sent_at.is_none());
}
on_both_backends!(another_stores_document_or_an_erased_customer_is_never_emailed);

/// A PDF as a till draws one, with `line` on it.
fn report_pdf(line: &str) -> Vec<u8> {
    use pos_terminal::receipt::{Element, ReceiptLayout, Style};
    pos_terminal::paper_pdf::elements_pdf(
        &[Element::Text {
            text: line.into(),
            style: Style::default(),
        }],
        ReceiptLayout::MM80,
        "Informe X",
    )
    .unwrap()
}

/// The text of PDF bytes through pdftotext (poppler-utils), or None (said) when not installed.
fn pdf_text(dir: &std::path::Path, pdf: &[u8]) -> Option<String> {
    let path = dir.join("report.pdf");
    std::fs::write(&path, pdf).unwrap();
    match Command::new("pdftotext")
        .args(["-layout", path.to_str().unwrap(), "-"])
        .output()
    {
        Ok(o) if o.status.success() => Some(String::from_utf8_lossy(&o.stdout).into_owned()),
        _ => {
            eprintln!("skipped: reading the PDF back needs pdftotext (poppler-utils)");
            None
        }
    }
}

fn report_mail(kind: &str, to: &str, file_name: &str, pdf: &[u8]) -> Value {
    use base64::Engine;
    json!({
        "id": Uuid::now_v7(),
        "kind": kind,
        "to": to,
        "subject": format!("Informe {} · Tienda Norte · 05/12/2026 17:42", kind.to_uppercase()),
        "file_name": file_name,
        "pdf": base64::engine::general_purpose::STANDARD.encode(pdf),
    })
}

/// An X report e-mailed from a till (issue 17): pushed three times, sent once with the PDF the
/// till drew; a failed Z retried by the job; listed to its franchisee only; bad ones refused.
async fn a_tills_x_report_mail_is_sent_once_with_its_pdf_and_seen_only_by_its_franchisee(
    s: &Server,
) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _smtp = smtp_server(&py, port, &maildir).await;
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Tickets <tickets@central.example.es>".into(),
        }))
        .unwrap();

    // An X report: no document behind it, the PDF the till drew.
    let pdf = report_pdf("INFORME X 113,45");
    let x = report_mail(
        "x",
        "tienda.norte@example.es",
        "X-2026-12-05-1742.pdf",
        &pdf,
    );
    let body = json!({
        "protocol_version": 1,
        "till_id": w.north.till_id,
        "documents": [],
        "report_mails": [x],
    });
    // The answer was lost: the till sends the same push three times.
    for _ in 0..3 {
        let (status, r) = push(s, &w, &body).await;
        assert_eq!(status, StatusCode::OK, "{r}");
        assert_eq!(r["accepted"], json!([x["id"]]), "{r}");
    }
    let got = wait_for_mail(&py, &maildir).await;
    // The job finds nothing left to send: exactly one message.
    let ran = run_mail_job(s).await;
    assert_eq!(ran.error, None, "{ran:?}");
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(read_maildir(&py, &maildir).len(), 1, "sent once");
    let m = &got[0];
    assert!(
        m["to"]
            .as_str()
            .unwrap()
            .contains("tienda.norte@example.es"),
        "{m}"
    );
    assert_eq!(
        m["subject"], "Informe X · Tienda Norte · 05/12/2026 17:42",
        "{m}"
    );
    let atts = m["attachments"].as_array().unwrap();
    assert_eq!(atts.len(), 1, "{m}");
    assert_eq!(atts[0]["name"], "X-2026-12-05-1742.pdf");
    assert_eq!(atts[0]["type"], "application/pdf");
    let sent = hex::decode(atts[0]["hex"].as_str().unwrap()).unwrap();
    assert_eq!(sent, pdf, "the PDF as the till drew it");
    if let Some(t) = pdf_text(dir.path(), &sent) {
        assert!(t.contains("INFORME X 113,45"), "{t}");
    }
    let mail = s.storage.customers().recent_mail(None, 10).await.unwrap();
    assert_eq!(mail.len(), 1, "{mail:?}");
    assert_eq!(mail[0].report, Some(sync_protocol::ReportKind::X));
    assert_eq!(mail[0].document_id, None);
    assert!(mail[0].sent_at.is_some(), "{mail:?}");
    assert_eq!(mail[0].attempts, 1);

    // The mail queue page lists it for HQ and the store's manager, not for another franchisee.
    for user in ["hq", "norte"] {
        let (mut b, _) = Browser::signed_in(s, user).await;
        let p = b.get("/dashboard/customers").await;
        p.assert(StatusCode::OK, "tienda.norte@example.es")
            .assert(StatusCode::OK, "Informe X")
            .assert(StatusCode::OK, "enviado el");
    }
    for user in ["este", "socio-este"] {
        let (mut b, _) = Browser::signed_in(s, user).await;
        let p = b.get("/dashboard/customers").await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(!p.body.contains("tienda.norte@"), "{user}: {}", p.body);
    }

    // A Z whose first send fails (SMTP down) is shown failed and sent by the job, like a receipt.
    let dead = free_port();
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{dead}"),
            from: "Tickets <tickets@central.example.es>".into(),
        }))
        .unwrap();
    let z = report_mail(
        "z",
        "tienda.norte@example.es",
        "Z-0001-2026-12-05.pdf",
        &pdf,
    );
    let (status, r) = push(
        s,
        &w,
        &json!({"protocol_version": 1, "till_id": w.north.till_id, "documents": [], "report_mails": [z]}),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{r}");
    let z_id: Uuid = serde_json::from_value(z["id"].clone()).unwrap();
    let mut failed = false;
    for _ in 0..100 {
        let m = s.storage.customers().recent_mail(None, 10).await.unwrap();
        if m.iter().any(|j| j.id == z_id && j.last_error.is_some()) {
            failed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(failed, "the first attempt failed and was recorded");
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Tickets <tickets@central.example.es>".into(),
        }))
        .unwrap();
    // The next period's run (this one's already ran above).
    let def = jobs::find("send-customer-mail").unwrap();
    let report = jobs::run_with(
        s.storage.clone(),
        s.mail.clone(),
        def,
        &def.period.current(Utc::now() + chrono::Duration::hours(1)),
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    let jobs::RunReport::Ran(ran) = report else {
        panic!("{report:?}")
    };
    assert!(ran.summary.contains(&("sent".to_string(), 1)), "{ran:?}");
    let all = read_maildir(&py, &maildir);
    assert_eq!(all.len(), 2, "{all:?}");
    assert!(
        all.iter()
            .any(|m| m["attachments"][0]["name"] == "Z-0001-2026-12-05.pdf"),
        "{all:?}"
    );
    let zs = s.storage.customers().recent_mail(None, 10).await.unwrap();
    let zj = zs.iter().find(|j| j.id == z_id).unwrap();
    assert_eq!(zj.report, Some(sync_protocol::ReportKind::Z));
    assert!(zj.sent_at.is_some());
    assert_eq!(zj.attempts, 2);

    // Refused with their problem, nothing stored: a bad address, an oversize PDF, not a PDF.
    let mut big = b"%PDF-1.7\n".to_vec();
    big.resize(sync_protocol::report_mail::MAX_REPORT_PDF_BYTES + 1, b' ');
    for (mail, status, code) in [
        (
            report_mail("z", "tienda.norte@", "Z-0001-2026-12-05.pdf", &pdf),
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_email",
        ),
        (
            report_mail("x", "tienda.norte@example.es", "X-1.pdf", &big),
            StatusCode::PAYLOAD_TOO_LARGE,
            "report_mail_too_large",
        ),
        (
            report_mail("x", "tienda.norte@example.es", "X-1.pdf", b"<html>"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_mail_not_pdf",
        ),
        (
            report_mail("x", "tienda.norte@example.es", "../X.pdf", &pdf),
            StatusCode::UNPROCESSABLE_ENTITY,
            "report_mail_file_name",
        ),
    ] {
        let (got, e) = push(
            s,
            &w,
            &json!({
                "protocol_version": 1,
                "till_id": w.north.till_id,
                "documents": [],
                "report_mails": [mail],
            }),
        )
        .await;
        assert_eq!(got, status, "{e}");
        assert_eq!(e["error"], code, "{e}");
    }
    assert_eq!(
        s.storage
            .customers()
            .recent_mail(None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
}
on_both_backends!(a_tills_x_report_mail_is_sent_once_with_its_pdf_and_seen_only_by_its_franchisee);
