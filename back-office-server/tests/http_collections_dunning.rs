//! Dunning on SQLite and PostgreSQL against a real SMTP server the test starts (PyPI aiosmtpd,
//! writing a maildir): HQ's levels (bad ones refused), the daily round run day by day sends each
//! level once per overdue invoice in the franchisee's language with the statement of account
//! attached, a second round the same day sends nothing, a disputed invoice is not chased, the
//! last level puts the franchisee on hold (shown on Resumen), and the `dunning` job runs once per
//! day across instances.

use back_office_server::auth;
use back_office_server::jobs;
use back_office_server::services::accounts;
use back_office_server::services::collections as col;
use back_office_server::services::invoicing as inv;
use back_office_server::services::mail::MailConfig;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;
use smtp::*;

/// Every message: to, subject, text and the attachments' names and types.
fn read_maildir(py: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let script = r#"
import hashlib, json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    atts, text = [], ""
    for part in m.walk():
        name = part.get_filename()
        if name:
            data = part.get_payload(decode=True)
            atts.append({"name": name, "type": part.get_content_type(), "size": len(data), "sha256": hashlib.sha256(data).hexdigest()})
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

fn contract(email: &str, language: &str) -> ContractIn {
    serde_json::from_value(json!({
        "effective_from": "2026-09",
        "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
        "minimum_royalty": "500.00",
        "payment_days": 15,
        "payment": {"method": "transfer"},
        "billing_email": email,
        "language": language,
        "billing_address": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"}
    }))
    .unwrap()
}

fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 11, 0, 0).unwrap()
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn level(days: u32, n: u32) -> Value {
    json!({
        "level": n, "days_after_due": days,
        "subject_es": format!("Aviso {n}: factura {{invoice}} vencida"),
        "body_es": format!("Estimado {{franchisee}}: la factura {{invoice}} de {{amount}} venció el {{due}}. Nivel {n}."),
        "subject_en": format!("Reminder {n}: invoice {{invoice}} overdue"),
        "body_en": format!("Dear {{franchisee}}: invoice {{invoice}} for {{amount}} was due on {{due}}. Level {n}."),
    })
}

async fn dunning_story(s: &Server) {
    let Some(py) = python() else { return };
    let st = &s.storage;
    let token = auth::new_token();
    st.create_admin("hq", &auth::hash_token(&token))
        .await
        .unwrap();
    let http = reqwest::Client::new();
    let call = |method: Method, path: &str, body: Option<Value>| {
        let mut rq = http
            .request(method, format!("{}{path}", s.base))
            .bearer_auth(&token);
        if let Some(b) = body {
            rq = rq.json(&b);
        }
        async move {
            let res = rq.send().await.unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    inv::set_issuer(
        st.as_ref(),
        &IssuerIn {
            legal_name: "Trastienda Central, S.L.".into(),
            nif: "B96873427".into(),
            address: serde_json::from_value(json!({"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"})).unwrap(),
            iban: "ES9121000418450200051332".into(),
            bic: None,
            creditor_id: None,
        },
        at(2026, 9, 1),
    )
    .await
    .unwrap();
    let mut fr = Vec::new();
    for (name, nif, email, lang) in [
        (
            "Norte Franquicias, S.L.",
            "B12345674",
            "cobros@norte.example.es",
            "es",
        ),
        (
            "Sur Franchising, S.A.",
            "A58818501",
            "accounts@sur.example.es",
            "en",
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
        st.create_store(&NewStore::new(f.id, &format!("Tienda {name}"), "x"))
            .await
            .unwrap();
        inv::create_contract(
            st.as_ref(),
            f.id,
            &contract(email, lang),
            "test",
            at(2026, 9, 1),
        )
        .await
        .unwrap();
        fr.push(f.id);
    }
    let (norte, sur) = (fr[0], fr[1]);
    // Due 16 Oct and 17 Nov 2026, 605.00 each.
    for (period, now) in [("2026-09", at(2026, 10, 1)), ("2026-10", at(2026, 11, 2))] {
        inv::run(st.as_ref(), period, now, &|_, _| {})
            .await
            .unwrap();
    }

    // Levels: bad ones are refused and change nothing.
    let (status, v) = call(
        Method::PUT,
        "/api/v1/admin/collections/dunning-levels",
        Some(json!([level(21, 1), level(7, 2)])),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert_eq!(v["error"], "dunning_days_not_increasing");
    let mut no_text = level(7, 1);
    no_text["body_en"] = json!(" ");
    let (status, v) = call(
        Method::PUT,
        "/api/v1/admin/collections/dunning-levels",
        Some(json!([no_text])),
    )
    .await;
    assert_eq!(v["error"], "dunning_text_missing", "{status} {v}");
    let (_, v) = call(
        Method::GET,
        "/api/v1/admin/collections/dunning-levels",
        None,
    )
    .await;
    assert_eq!(v, json!([]));
    let (status, v) = call(
        Method::PUT,
        "/api/v1/admin/collections/dunning-levels",
        Some(json!([level(7, 1), level(21, 2), level(45, 3)])),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");

    // Norte disputes its second invoice.
    let norte_invoices = st
        .collections()
        .receivables(Some(norte), false)
        .await
        .unwrap();
    let (status, v) = call(
        Method::POST,
        &format!(
            "/api/v1/admin/collections/invoices/{}/dispute",
            norte_invoices[1].invoice_id
        ),
        Some(json!({"disputed": true})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["disputed"], true);

    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    let config = MailConfig {
        url: format!("smtp://127.0.0.1:{port}"),
        from: "Cobros <cobros@central.example.es>".into(),
    };
    let round = |today: NaiveDate| {
        let config = config.clone();
        async move {
            col::run_dunning(st.as_ref(), Some(&config), today, Utc::now())
                .await
                .unwrap()
        }
    };
    // 24 Oct: the first invoices are 8 days late: level 1 to each franchisee; again: nothing.
    let r = round(day(2026, 10, 24)).await;
    assert_eq!((r.written, r.sent, r.failed), (2, 2, 0), "{r:?}");
    let r = round(day(2026, 10, 24)).await;
    assert_eq!((r.written, r.sent), (0, 0), "{r:?}");
    // 10 Nov: 25 days late: level 2.
    let r = round(day(2026, 11, 10)).await;
    assert_eq!((r.written, r.sent), (2, 2), "{r:?}");
    // 5 Dec: 50 days late: level 3 (both on hold); Sur's second invoice (18 days) gets level 1,
    // Norte's is disputed.
    let r = round(day(2026, 12, 5)).await;
    assert_eq!((r.written, r.sent), (3, 3), "{r:?}");
    let r = round(day(2026, 12, 6)).await;
    assert_eq!((r.written, r.sent), (0, 0), "{r:?}");

    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 7, "{got:#?}");
    let to = |who: &str| -> Vec<&Value> {
        got.iter()
            .filter(|m| m["to"].as_str().unwrap_or("").contains(who))
            .collect()
    };
    let norte_mail = to("cobros@norte.example.es");
    let sur_mail = to("accounts@sur.example.es");
    assert_eq!((norte_mail.len(), sur_mail.len()), (3, 4));
    for m in &norte_mail {
        assert!(m["subject"].as_str().unwrap().starts_with("Aviso"), "{m}");
        assert!(m["text"].as_str().unwrap().contains("605,00 €"), "{m}");
        assert!(
            m["text"].as_str().unwrap().contains("Norte Franquicias"),
            "{m}"
        );
    }
    for m in &sur_mail {
        assert!(
            m["subject"].as_str().unwrap().starts_with("Reminder"),
            "{m}"
        );
        assert!(m["text"].as_str().unwrap().contains("€605.00"), "{m}");
    }
    for m in &got {
        let atts = m["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 1, "{m}");
        assert_eq!(atts[0]["type"], "application/pdf");
    }
    // Letters of one run may arrive in any order; each level exactly once.
    let mut levels: Vec<String> = norte_mail
        .iter()
        .map(|m| m["subject"].as_str().unwrap()[..7].to_string())
        .collect();
    levels.sort();
    assert_eq!(levels, ["Aviso 1", "Aviso 2", "Aviso 3"], "each level once");

    // Every letter is logged; both franchisees are on hold and Resumen says so.
    let (_, letters) = call(
        Method::GET,
        "/api/v1/admin/collections/dunning-letters",
        None,
    )
    .await;
    assert_eq!(letters.as_array().unwrap().len(), 7);
    assert!(
        letters
            .as_array()
            .unwrap()
            .iter()
            .all(|l| !l["sent_at"].is_null())
    );
    let (_, holds) = call(Method::GET, "/api/v1/admin/collections/holds", None).await;
    let held: Vec<i64> = holds
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h["franchisee_id"].as_i64().unwrap())
        .collect();
    assert_eq!(held, vec![norte.0, sur.0]);

    // Each letter's statement is archived as attached: the letter names it, the archive keeps
    // the attachment's bytes (its SHA-256 that of the PDF the franchisee got).
    for l in letters.as_array().unwrap() {
        let id = l["statement_id"]
            .as_i64()
            .unwrap_or_else(|| panic!("no archived statement: {l}"));
        let mail = got
            .iter()
            .find(|m| {
                m["subject"] == l["subject"]
                    && m["to"]
                        .as_str()
                        .unwrap_or("")
                        .contains(l["recipient"].as_str().unwrap())
            })
            .unwrap_or_else(|| panic!("no e-mail for {l}"));
        let res = http
            .get(format!("{}/api/v1/admin/archive/st-{id}", s.base))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        let bytes = res.bytes().await.unwrap();
        let sha = {
            use sha2::Digest;
            hex::encode(sha2::Sha256::digest(&bytes))
        };
        assert_eq!(
            mail["attachments"][0]["sha256"].as_str().unwrap(),
            sha,
            "attached and archived differ: {l}"
        );
    }
    let (_, archived) = call(Method::GET, "/api/v1/admin/archive?kind=statement", None).await;
    assert_eq!(archived.as_array().unwrap().len(), 7, "{archived}");
    accounts::create_user(
        st.as_ref(),
        "admin",
        "Admin",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut admin, _) = Browser::signed_in(s, "admin").await;
    let page = admin.get("/dashboard").await;
    page.assert(StatusCode::OK, "id=\"on-hold\"");
    assert!(page.body.contains("Norte Franquicias"), "{}", page.body);
    let page = admin.get("/dashboard/collections").await;
    page.assert(StatusCode::OK, "id=\"letters\"");

    // The job: once per day across instances.
    s.mail.set(Some(config.clone())).unwrap();
    let def = jobs::find("dunning").unwrap();
    let first = jobs::run_with(
        st.clone(),
        s.mail.clone(),
        def,
        "2026-12-07",
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    let jobs::RunReport::Ran(ran) = first else {
        panic!("{first:?}")
    };
    assert_eq!(ran.error, None, "{ran:?}");
    let again = jobs::run_with(
        st.clone(),
        s.mail.clone(),
        def,
        "2026-12-07",
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    assert!(
        matches!(again, jobs::RunReport::AlreadyTaken(_)),
        "{again:?}"
    );
    assert_eq!(read_maildir(&py, &maildir).len(), 7, "nothing sent twice");
}

on_both_backends!(dunning_story);
