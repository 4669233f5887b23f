//! Alerts that get handled, on SQLite and PostgreSQL: alerts raised by real pushes (a Z close short
//! beyond its tolerance, a sequence gap) read in Spanish and English with the store, till and
//! person named (no raw ids); the alerts page's filters; acknowledging and resolving with a note
//! (an admin any alert, a store manager only their stores', an analyst none); the gap resolving
//! itself when the documents arrive; the overview's offline panel telling tills never enrolled
//! from tills that stopped syncing; and the daily digest e-mailed to a real SMTP server (aiosmtpd)
//! in each recipient's language, a manager getting only their stores' alerts, once per day.

use back_office_server::auth;
use back_office_server::jobs;
use back_office_server::services::mail::{self, MailConfig};
use back_office_server::storage::alerts::DigestSettings;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::{NewFranchisee, NewStaff, NewStore, TillAuth};
use chrono::{NaiveDate, Utc};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;
use sync_protocol::{
    AuditAction, AuditEvent, CashClose, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
    StaffId, StaffRole, StoreId, Tender, TenderAmount,
};

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;
use smtp::*;

/// A till pushing documents with its own sequence and hash chain; `skip` leaves a hole.
struct Till {
    auth: TillAuth,
    seq: u64,
    prev: String,
    held: Vec<Document>,
}

impl Till {
    fn new(auth: TillAuth) -> Self {
        Self {
            auth,
            seq: 0,
            prev: GENESIS_HASH.into(),
            held: vec![],
        }
    }

    fn seal(&mut self, body: DocumentBody) -> Document {
        self.seq += 1;
        let d = Document::seal(
            DocumentId::new(),
            self.auth.till_id,
            self.auth.store_id,
            self.seq,
            Utc::now(),
            &self.prev,
            body,
        );
        self.prev = d.hash.clone();
        d
    }

    async fn push(&mut self, s: &Server, body: DocumentBody) {
        let d = self.seal(body);
        s.storage
            .push(&self.auth, std::slice::from_ref(&d), Utc::now())
            .await
            .unwrap();
    }

    /// Seals a document and keeps it back (it arrives later).
    fn hold(&mut self, body: DocumentBody) {
        let d = self.seal(body);
        self.held.push(d);
    }

    async fn release(&mut self, s: &Server) {
        let held = std::mem::take(&mut self.held);
        s.storage.push(&self.auth, &held, Utc::now()).await.unwrap();
    }
}

fn no_sale(staff: StaffId) -> DocumentBody {
    DocumentBody::AuditEvent(AuditEvent {
        action: AuditAction::NoSale,
        staff_id: Some(staff),
        approved_by: None,
        amount: None,
        reference: None,
        note: None,
    })
}

/// A Z close covering only itself: 100,00 € expected in cash, 93,00 € counted (7,00 € short,
/// beyond a 5,00 € tolerance), approved by `manager`.
fn short_close(manager: StaffId) -> DocumentBody {
    let cash = |c| {
        vec![TenderAmount {
            tender: Tender::Cash,
            amount: Money::from_cents(c),
        }]
    };
    DocumentBody::CashClose(CashClose {
        z_number: 1,
        business_date: NaiveDate::from_ymd_opt(2026, 12, 4).unwrap(),
        opening_float: Money::from_cents(10_000),
        expected: cash(10_000),
        counted: cash(9_300),
        first_seq: 1,
        last_seq: 1,
        ticket_count: 0,
        gross: Money::ZERO,
        staff_id: Some(manager),
        approved_by: Some(manager),
        note: Some("Falta un billete".into()),
        denominations: vec![],
        blind: false,
        tolerance: Some(Money::from_cents(500)),
        next_float: None,
    })
}

struct World {
    centro: StoreId,
    norte: StoreId,
    z_alert: i64,
    gap_alert: i64,
    job_alert: i64,
    stock_alert: i64,
    norte_till: Till,
}

async fn world(s: &Server) -> World {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let mut stores = vec![];
    for name in ["Tienda Centro", "Tienda Norte"] {
        stores.push(
            st.create_store(&NewStore::new(f.id, name, "x"))
                .await
                .unwrap()
                .id,
        );
    }
    let (centro, norte) = (stores[0], stores[1]);
    let mut staff = vec![];
    for (name, store) in [("Marta Encargada", centro), ("Nico Norte", norte)] {
        staff.push(
            st.create_staff(&NewStaff {
                name: name.into(),
                role: StaffRole::Manager,
                store_id: store,
                pin_hash: auth::hash_pin("1234").unwrap(),
            })
            .await
            .unwrap()
            .id,
        );
    }
    let mut centro_till = Till::new(enrolled(s, centro, "Caja Centro 1").await);
    let mut norte_till = Till::new(enrolled(s, norte, "Caja Norte 1").await);
    // Centro's Z is 7,00 € short beyond its tolerance; Norte's documents 2 and 3 have not arrived.
    centro_till.push(s, short_close(staff[0])).await;
    norte_till.push(s, no_sale(staff[1])).await;
    norte_till.hold(no_sale(staff[1]));
    norte_till.hold(no_sale(staff[1]));
    let fourth = norte_till.seal(no_sale(staff[1]));
    st.push(&norte_till.auth, std::slice::from_ref(&fourth), Utc::now())
        .await
        .unwrap();
    // HQ's own (a failed job) and a store's stock alert.
    let now = Utc::now();
    st.alerts()
        .raise(
            "job_failed",
            None,
            None,
            "job replenishment for 2026-12-04 failed: boom",
            &json!({"job": "replenishment", "period": "2026-12-04", "error": "boom"}),
            now,
        )
        .await
        .unwrap();
    st.alerts()
        .raise(
            "stock_negative",
            None,
            Some(norte),
            "Tienda Norte: products with negative stock: ACE-1L",
            &json!({"skus": ["ACE-1L"]}),
            now,
        )
        .await
        .unwrap();
    let all = st.list_alerts().await.unwrap();
    let id_of = |kind: &str| {
        all.iter()
            .find(|a| a.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} alert in {all:?}"))
            .id
    };
    for (user, role, scope) in [
        ("hq", DashboardRole::Admin, vec![]),
        ("analista", DashboardRole::Analyst, vec![]),
        ("centro", DashboardRole::Manager, vec![centro]),
    ] {
        back_office_server::services::accounts::create_user(
            &*st.clone(),
            user,
            &format!("Usuario {user}"),
            PASSWORD,
            role,
            scope,
        )
        .await
        .unwrap();
    }
    World {
        centro,
        norte,
        z_alert: id_of("z_over_short"),
        gap_alert: id_of("gap"),
        job_alert: id_of("job_failed"),
        stock_alert: id_of("stock_negative"),
        norte_till,
    }
}

/// The `<tr>` of alert `id` on the alerts page.
fn alert_row(body: &str, id: i64) -> &str {
    let start = body
        .find(&format!("<tr id=\"alert_{id}\""))
        .unwrap_or_else(|| panic!("no alert {id} in {body}"));
    let end = body[start..].find("</tr>").unwrap() + start;
    &body[start..end]
}

async fn alerts_read_with_names_in_both_languages(s: &Server) {
    let w = world(s).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    let o = hq.get("/dashboard").await;
    o.assert(StatusCode::OK, "Descuadre de caja");
    for needle in [
        "Caja Centro 1 (Tienda Centro), Z 1: descuadre de caja de −7,00 €, más que la tolerancia de 5,00 €; aprobado por Marta Encargada («Falta un billete»)",
        "Caja Centro 1 (Tienda Centro), Z 1: el cierre esperaba 100,00 € en efectivo y los documentos dicen 0,00 €.",
        "Caja Norte 1 (Tienda Norte): faltan los documentos 2 a 3.",
        "La tarea replenishment del periodo 2026-12-04 falló: boom",
        "Tienda Norte: productos ACE-1L.",
        "href=\"/dashboard/alerts\"",
        ">Avisos<",
    ] {
        assert!(o.body.contains(needle), "{needle:?} not in {}", o.body);
    }
    // No raw English with ids.
    for raw in ["till 1", "staff ", "cash over/short", "are missing"] {
        assert!(!o.body.contains(raw), "{raw:?} in {}", o.body);
    }
    // The Z alert links to the cash report of its store.
    let p = hq.get("/dashboard/alerts").await;
    let row = alert_row(&p.body, w.z_alert);
    assert!(
        row.contains("/dashboard/reports/cash?from=")
            && row.contains(&format!("&amp;store={}", w.centro.0)),
        "{row}"
    );
    assert!(row.contains("Atención"), "{row}");
    assert!(alert_row(&p.body, w.stock_alert).contains("Crítico"));
    assert!(alert_row(&p.body, w.job_alert).contains("href=\"/dashboard/jobs\""));

    // English.
    hq.cookies.insert("trastienda_lang".into(), "en".into());
    let p = hq.get("/dashboard/alerts").await;
    p.assert(StatusCode::OK, "Cash over/short");
    for needle in [
        "Caja Centro 1 (Tienda Centro), Z 1: cash over/short of −€7.00, beyond the tolerance of €5.00; approved by Marta Encargada (“Falta un billete”)",
        "Caja Norte 1 (Tienda Norte): documents 2 to 3 are missing.",
        "Job replenishment for 2026-12-04 failed: boom",
        ">Alerts<",
    ] {
        assert!(p.body.contains(needle), "{needle:?} not in {}", p.body);
    }
    assert!(!p.body.contains("descuadre"), "{}", p.body);

    // Filters: severity, kind, store, state.
    hq.cookies.remove("trastienda_lang");
    let p = hq.get("/dashboard/alerts?severity=critical").await;
    assert!(p.body.contains(&format!("alert_{}\"", w.stock_alert)));
    assert!(
        !p.body.contains(&format!("alert_{}\"", w.z_alert)),
        "{}",
        p.body
    );
    let p = hq.get("/dashboard/alerts?kind=gap").await;
    p.assert(StatusCode::OK, "Avisos: 1");
    assert!(p.body.contains(&format!("alert_{}\"", w.gap_alert)));
    let p = hq
        .get(&format!("/dashboard/alerts?store={}", w.centro.0))
        .await;
    p.assert(StatusCode::OK, "Avisos: 2");
    assert!(p.body.contains(&format!("alert_{}\"", w.z_alert)));
    let p = hq
        .get(&format!("/dashboard/alerts?store={}", w.norte.0))
        .await;
    p.assert(StatusCode::OK, "Avisos: 2");
    hq.get("/dashboard/alerts?state=resolved")
        .await
        .assert(StatusCode::OK, "Avisos: 0");
    hq.get("/dashboard/alerts?severity=loud")
        .await
        .assert(StatusCode::UNPROCESSABLE_ENTITY, "loud");

    // A manager sees their store's alerts only.
    let (mut centro, _) = Browser::signed_in(s, "centro").await;
    let p = centro.get("/dashboard/alerts").await;
    p.assert(StatusCode::OK, "Avisos: 2");
    assert!(p.body.contains("Caja Centro 1"));
    assert!(
        !p.body.contains("Caja Norte") && !p.body.contains("La tarea replenishment"),
        "{}",
        p.body
    );
    let o = centro.get("/dashboard").await;
    assert!(
        o.body.contains("Marta Encargada") && !o.body.contains("Caja Norte 1 (Tienda Norte)"),
        "{}",
        o.body
    );
    centro
        .get(&format!("/dashboard/alerts?store={}", w.norte.0))
        .await
        .assert(StatusCode::NOT_FOUND, "");
}

on_both_backends!(alerts_read_with_names_in_both_languages);

async fn alerts_are_acknowledged_and_resolved_by_who_may(s: &Server) {
    let mut w = world(s).await;
    let handle = |id: i64| format!("/dashboard/alerts/{id}/handle");

    // The store manager: their store's alert yes, another store's or HQ's no.
    let (mut centro, csrf) = Browser::signed_in(s, "centro").await;
    let p = centro
        .post(
            &handle(w.z_alert),
            &[
                ("csrf", &csrf),
                ("action", "acknowledge"),
                ("note", "Lo miro mañana"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    for other in [w.gap_alert, w.job_alert, w.stock_alert] {
        centro
            .post(&handle(other), &[("csrf", &csrf), ("action", "resolve")])
            .await
            .assert(StatusCode::FORBIDDEN, "sus tiendas");
    }
    // Without the session's token: refused before anything.
    centro
        .post(
            &handle(w.z_alert),
            &[("csrf", "nope"), ("action", "resolve")],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "");
    let p = centro.get("/dashboard/alerts").await;
    let row = alert_row(&p.body, w.z_alert);
    assert!(
        row.contains("Enterado: Usuario centro") && row.contains("Lo miro mañana"),
        "{row}"
    );

    // The analyst reads and changes nothing.
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    let p = analyst.get("/dashboard/alerts").await;
    p.assert(StatusCode::OK, "Caja Norte 1");
    assert!(!p.body.contains("value=\"resolve\""), "{}", p.body);
    analyst
        .post(
            &handle(w.gap_alert),
            &[("csrf", &acsrf), ("action", "resolve")],
        )
        .await
        .assert(StatusCode::FORBIDDEN, "");

    // The admin acts on any; a note too long is refused and stores nothing.
    let (mut hq, hcsrf) = Browser::signed_in(s, "hq").await;
    let long = "x".repeat(1001);
    hq.post(
        &handle(w.job_alert),
        &[("csrf", &hcsrf), ("action", "resolve"), ("note", &long)],
    )
    .await
    .assert(StatusCode::UNPROCESSABLE_ENTITY, "1000");
    let p = hq
        .post(
            &handle(w.job_alert),
            &[
                ("csrf", &hcsrf),
                ("action", "resolve"),
                ("note", "Relanzada a mano"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    hq.post(
        &handle(w.job_alert),
        &[("csrf", &hcsrf), ("action", "resolve")],
    )
    .await
    .assert(StatusCode::CONFLICT, "ya está resuelto");
    hq.post(&handle(999_999), &[("csrf", &hcsrf), ("action", "resolve")])
        .await
        .assert(StatusCode::NOT_FOUND, "");
    let p = centro
        .post(
            &handle(w.z_alert),
            &[("csrf", &csrf), ("action", "resolve")],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    // The gap closes itself when the documents arrive.
    hq.post(
        &handle(w.gap_alert),
        &[("csrf", &hcsrf), ("action", "acknowledge")],
    )
    .await;
    w.norte_till.release(s).await;
    let p = hq.get("/dashboard/alerts?state=resolved").await;
    p.assert(StatusCode::OK, "Avisos: 3");
    assert!(alert_row(&p.body, w.gap_alert).contains("Resuelto automáticamente"));
    let job = alert_row(&p.body, w.job_alert);
    assert!(
        job.contains("Resuelto: Usuario hq") && job.contains("Relanzada a mano"),
        "{job}"
    );
    assert!(alert_row(&p.body, w.z_alert).contains("Resuelto: Usuario centro"));
    // The overview now shows only the stock alert.
    let o = hq.get("/dashboard").await;
    assert!(
        o.body.contains("Tienda Norte: productos ACE-1L."),
        "{}",
        o.body
    );
    assert!(!o.body.contains("faltan los documentos"), "{}", o.body);
    // Left open: the stock alert and the Z's mismatch.
    hq.get("/dashboard/alerts?state=open")
        .await
        .assert(StatusCode::OK, "Avisos: 2");
}

on_both_backends!(alerts_are_acknowledged_and_resolved_by_who_may);

async fn offline_panel_tells_never_enrolled_tills_apart(s: &Server) {
    let st = &s.storage;
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Ultramarinos Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Tienda Centro", "x"))
        .await
        .unwrap()
        .id;
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "HQ",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let ana = st
        .create_staff(&NewStaff {
            name: "Ana".into(),
            role: StaffRole::Cashier,
            store_id: store,
            pin_hash: auth::hash_pin("1234").unwrap(),
        })
        .await
        .unwrap()
        .id;
    let mut till = Till::new(enrolled(s, store, "Caja que vende").await);
    till.push(s, no_sale(ana)).await;
    let (mut hq, _) = Browser::signed_in(s, "hq").await;
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Todas las cajas han sincronizado");

    // Two tills created, never enrolled: not "all synced", and not offline either.
    for name in ["Caja nueva 1", "Caja nueva 2"] {
        st.create_till(
            store,
            name,
            &auth::hash_token(&auth::new_enrolment_code()),
            Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    }
    let o = hq.get("/dashboard").await;
    assert!(
        !o.body.contains("Todas las cajas han sincronizado"),
        "{}",
        o.body
    );
    o.assert(
        StatusCode::OK,
        "Cajas creadas que nunca se han dado de alta: 2",
    );
    o.assert(StatusCode::OK, "Las cajas dadas de alta han sincronizado");
    assert!(o.body.contains("Caja nueva 1") && o.body.contains("nunca dada de alta"));
    assert!(!o.body.contains("id=\"offline-tills\""), "{}", o.body);

    // A till that last synced two days ago is offline, counted apart from the never enrolled.
    let mut quiet = Till::new(enrolled(s, store, "Caja callada").await);
    let d = quiet.seal(no_sale(ana));
    st.push(
        &quiet.auth,
        std::slice::from_ref(&d),
        Utc::now() - chrono::Duration::days(2),
    )
    .await
    .unwrap();
    let o = hq.get("/dashboard").await;
    o.assert(
        StatusCode::OK,
        "Cajas sin sincronizar desde hace más de 24 h: 1",
    );
    o.assert(
        StatusCode::OK,
        "Cajas creadas que nunca se han dado de alta: 2",
    );
    let offline = &o.body[o.body.find("id=\"offline-tills\"").unwrap()..];
    let offline = &offline[..offline.find("</ul>").unwrap()];
    assert!(
        offline.contains("Caja callada") && !offline.contains("Caja nueva"),
        "{offline}"
    );
    assert!(
        !o.body.contains("Las cajas dadas de alta han sincronizado"),
        "{}",
        o.body
    );
    hq.cookies.insert("trastienda_lang".into(), "en".into());
    hq.get("/dashboard")
        .await
        .assert(StatusCode::OK, "Tills created but never enrolled: 2");
}

on_both_backends!(offline_panel_tells_never_enrolled_tills_apart);

// --- the daily digest ---------------------------------------------------------------------------

/// Every message of the maildir: to, subject and the text body.
fn read_maildir(py: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    body = m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
    out.append({"to": m["To"], "subject": str(make_header(decode_header(m["Subject"]))), "body": body})
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

async fn daily_digest_goes_to_each_in_their_language(s: &Server) {
    let Some(py) = python() else { return };
    let w = world(s).await;
    let st = s.storage.clone();
    // HQ's admin set up by storage; the manager sets their own on the alerts page (in English).
    let hq = st
        .dashboard()
        .dashboard_user_by_name("hq")
        .await
        .unwrap()
        .unwrap();
    st.alerts()
        .set_digest_settings(
            hq.id,
            &DigestSettings {
                email: "hq@central.example.es".into(),
                enabled: true,
                language: "es".into(),
            },
        )
        .await
        .unwrap();
    let (mut centro, csrf) = Browser::signed_in(s, "centro").await;
    centro
        .post(
            "/dashboard/alerts/digest",
            &[
                ("csrf", &csrf),
                ("email", "no es un correo"),
                ("enabled", "on"),
                ("language", "en"),
            ],
        )
        .await
        .assert(
            StatusCode::UNPROCESSABLE_ENTITY,
            "no es una dirección de correo",
        );
    let p = centro
        .post(
            "/dashboard/alerts/digest",
            &[
                ("csrf", &csrf),
                ("email", "centro@tienda.example.es"),
                ("enabled", "on"),
                ("language", "en"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
    centro
        .get("/dashboard/alerts")
        .await
        .assert(StatusCode::OK, "value=\"centro@tienda.example.es\"");
    // The analyst's address gets nothing (the digest is for admins and managers).
    let (mut analyst, acsrf) = Browser::signed_in(s, "analista").await;
    let p = analyst
        .post(
            "/dashboard/alerts/digest",
            &[
                ("csrf", &acsrf),
                ("email", "analista@central.example.es"),
                ("enabled", "on"),
                ("language", "es"),
            ],
        )
        .await;
    assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);

    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    mail::configure(MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Trastienda <avisos@central.example.es>".into(),
    })
    .unwrap();
    // Where people open the dashboard: each alert links to its page (the trailing / is dropped).
    mail::set_public_url(Some("https://hq.example.es/")).unwrap();
    let def = jobs::find("alert-digest").unwrap();
    let period = def.period.current(Utc::now());
    let report = jobs::run(st.clone(), def, &period, Trigger::Manual, Utc::now())
        .await
        .unwrap();
    let jobs::RunReport::Ran(ran) = report else {
        panic!("{report:?}")
    };
    assert_eq!(ran.error, None, "{ran:?}");
    assert!(ran.summary.contains(&("sent".to_string(), 2)), "{ran:?}");

    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:?}");
    let to = |addr: &str| {
        got.iter()
            .find(|m| m["to"].as_str().unwrap_or("").contains(addr))
            .unwrap_or_else(|| panic!("nothing to {addr}: {got:?}"))
    };
    let hq_mail = to("hq@central.example.es");
    assert_eq!(
        hq_mail["subject"],
        format!("Trastienda: 5 avisos sin resolver ({period})").as_str()
    );
    let body = hq_mail["body"].as_str().unwrap();
    for needle in [
        "Hola, Usuario hq",
        "Caja Centro 1 (Tienda Centro), Z 1: descuadre de caja de −7,00 €",
        "Caja Norte 1 (Tienda Norte): faltan los documentos 2 a 3.",
        "La tarea replenishment",
        "[Crítico] Stock negativo",
        "  https://hq.example.es/dashboard/reports/cash?from=",
        "Todos los avisos: https://hq.example.es/dashboard/alerts\n",
    ] {
        assert!(body.contains(needle), "{needle:?} not in {body}");
    }
    let m = to("centro@tienda.example.es");
    assert_eq!(
        m["subject"],
        format!("Trastienda: 2 unresolved alerts ({period})").as_str()
    );
    let body = m["body"].as_str().unwrap();
    assert!(
        body.contains("Caja Centro 1 (Tienda Centro), Z 1: cash over/short of −€7.00"),
        "{body}"
    );
    assert!(
        !body.contains("Norte") && !body.contains("replenishment"),
        "{body}"
    );
    let _ = w.norte;

    // Again for the same day: the run is taken, and the sending itself sends nobody twice.
    let again = jobs::run(st.clone(), def, &period, Trigger::Manual, Utc::now())
        .await
        .unwrap();
    assert!(
        matches!(again, jobs::RunReport::AlreadyTaken(_)),
        "{again:?}"
    );
    let config = mail::config().unwrap();
    let r = back_office_server::services::alerts::send_digests(
        st.as_ref(),
        &config,
        &period,
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((r.sent, r.already), (0, 2), "{r:?}");
    assert_eq!(read_maildir(&py, &maildir).len(), 2);
}

on_both_backends!(daily_digest_goes_to_each_in_their_language);
