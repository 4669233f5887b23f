//! E-mailing issued invoices, on SQLite and PostgreSQL: a first round against an SMTP port where
//! nothing listens fails and is recorded on each invoice (and shown on its page); the hourly
//! `send-invoices` job then sends them to a real SMTP server started by the test (PyPI aiosmtpd,
//! writing a maildir), which the test reads back: recipient, subject in the franchisee's language,
//! the PDF and the UBL attached byte for byte. A further round sends nothing twice.

use back_office_server::jobs;
use back_office_server::services::invoicing as inv;
use back_office_server::services::mail::{self, MailConfig};
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::invoicing::{ContractIn, IssuerIn};
use back_office_server::storage::jobs::Trigger;
use back_office_server::storage::{NewFranchisee, NewStore};
use chrono::Utc;
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::process::Command;

#[macro_use]
mod common;
use common::*;

#[path = "support/smtp.rs"]
mod smtp;
use smtp::*;

/// Every message of the maildir: to, from, subject and the attachments (name, type, bytes in hex).
fn read_maildir(py: &PathBuf, dir: &std::path::Path) -> Vec<Value> {
    let script = r#"
import json, mailbox, sys
from email.header import decode_header, make_header
out = []
for _, m in sorted(mailbox.Maildir(sys.argv[1], create=False).items()):
    atts = []
    for part in m.walk():
        name = part.get_filename()
        if name:
            atts.append({"name": name, "type": part.get_content_type(), "hex": part.get_payload(decode=True).hex()})
    out.append({"to": m["To"], "from": m["From"], "subject": str(make_header(decode_header(m["Subject"]))), "attachments": atts})
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

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn contract(email: &str, language: &str) -> ContractIn {
    serde_json::from_value(json!({
        "effective_from": "2026-09",
        "royalty_tiers": [{"from": "0.00", "to": null, "percent": "5"}],
        "minimum_royalty": "300.00",
        "payment_days": 30,
        "payment": {"method": "transfer"},
        "billing_email": email,
        "language": language,
        "billing_address": {"street": "Calle Mayor 1", "postal_code": "28013", "city": "Madrid", "province": "Madrid", "country": "ES"}
    }))
    .unwrap()
}

async fn invoices_are_emailed(s: &Server) {
    let Some(py) = python() else { return };
    let st = &s.storage;
    let now = Utc::now();
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
        now,
    )
    .await
    .unwrap();
    for (name, nif, email, lang) in [
        (
            "Norte Franquicias, S.L.",
            "B12345674",
            "facturas@norte.example.es",
            "es",
        ),
        (
            "Sur Franchising, S.A.",
            "A58818501",
            "billing@sur.example.es",
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
        st.create_store(&NewStore::new(f.id, "Tienda", "x"))
            .await
            .unwrap();
        inv::create_contract(st.as_ref(), f.id, &contract(email, lang), "test", now)
            .await
            .unwrap();
    }
    let run = inv::run(st.as_ref(), "2026-10", now, &|_, _| {})
        .await
        .unwrap();
    assert_eq!(run.issued.len(), 2);
    let (norte, sur) = (&run.issued[0], &run.issued[1]);

    // Nothing listens: both attempts fail and say why.
    let dead = MailConfig {
        url: format!("smtp://127.0.0.1:{}", free_port()),
        from: "Facturación <facturas@central.example.es>".into(),
    };
    let r = mail::send_pending(st.as_ref(), &dead, now, 100)
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 2));
    let state = st.invoicing().send_state(norte.id).await.unwrap().unwrap();
    assert_eq!(state.attempts, 1);
    assert!(state.sent_at.is_none());
    assert!(
        state.last_error.as_deref().unwrap_or("").contains("SMTP"),
        "{state:?}"
    );
    back_office_server::services::accounts::create_user(
        st.as_ref(),
        "hq",
        "hq",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let (mut hq, csrf) = Browser::signed_in(s, "hq").await;
    hq.get(&format!("/dashboard/invoices/{}", norte.id))
        .await
        .assert(StatusCode::OK, "envío fallido");

    // The hourly job sends them to a real SMTP server.
    let dir = tempfile::tempdir().unwrap();
    let maildir = dir.path().join("mail");
    let port = free_port();
    let _server = smtp_server(&py, port, &maildir).await;
    // This server's own settings (the job gets them from the server, not from the process).
    s.mail
        .set(Some(MailConfig {
            url: format!("smtp://127.0.0.1:{port}"),
            from: "Facturación <facturas@central.example.es>".into(),
        }))
        .unwrap();
    let def = jobs::find("send-invoices").unwrap();
    let period = def.period.current(Utc::now());
    let report = jobs::run_with(
        st.clone(),
        s.mail.clone(),
        def,
        &period,
        Trigger::Manual,
        Utc::now(),
    )
    .await
    .unwrap();
    let jobs::RunReport::Ran(ran) = report else {
        panic!("{report:?}")
    };
    assert_eq!(ran.error, None, "{ran:?}");
    assert!(ran.summary.contains(&("sent".to_string(), 2)), "{ran:?}");

    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 2, "{got:?}");
    for (invoice, to, subject) in [
        (
            norte,
            "facturas@norte.example.es",
            format!("Factura {} de Trastienda Central, S.L.", norte.full_number),
        ),
        (
            sur,
            "billing@sur.example.es",
            format!("Invoice {} from Trastienda Central, S.L.", sur.full_number),
        ),
    ] {
        let m = got
            .iter()
            .find(|m| m["to"].as_str().unwrap_or("").contains(to))
            .unwrap_or_else(|| panic!("no message to {to}: {got:?}"));
        assert_eq!(m["subject"], subject.as_str());
        assert!(
            m["from"]
                .as_str()
                .unwrap()
                .contains("facturas@central.example.es")
        );
        let (pdf, _) = st
            .invoicing()
            .invoice_document(invoice.id, "pdf")
            .await
            .unwrap();
        let (ubl, _) = st
            .invoicing()
            .invoice_document(invoice.id, "ubl")
            .await
            .unwrap();
        let atts = m["attachments"].as_array().unwrap();
        assert_eq!(atts.len(), 2, "{m}");
        assert_eq!(
            atts[0]["name"],
            format!("{}.pdf", invoice.full_number).as_str()
        );
        assert_eq!(atts[0]["type"], "application/pdf");
        assert_eq!(
            atts[0]["hex"],
            hex(&pdf).as_str(),
            "the PDF arrives byte for byte"
        );
        assert_eq!(
            atts[1]["name"],
            format!("{}.ubl.xml", invoice.full_number).as_str()
        );
        assert_eq!(
            atts[1]["hex"],
            hex(&ubl).as_str(),
            "the UBL arrives byte for byte"
        );
        let state = st
            .invoicing()
            .send_state(invoice.id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(state.attempts, 2);
        assert!(state.sent_at.is_some());
    }
    hq.get(&format!("/dashboard/invoices/{}", norte.id))
        .await
        .assert(StatusCode::OK, "enviada");

    // Nothing is sent twice.
    let config = s.mail.get().unwrap();
    let r = mail::send_pending(st.as_ref(), &config, Utc::now(), 100)
        .await
        .unwrap();
    assert_eq!((r.sent, r.failed), (0, 0));
    assert_eq!(read_maildir(&py, &maildir).len(), 2);

    // Unless HQ says "send now" (the franchisee lost it): the button on the invoice's page sends it
    // again, with both attachments, and the attempt is counted.
    hq.get(&format!("/dashboard/invoices/{}", norte.id))
        .await
        .assert(StatusCode::OK, "Enviar ahora");
    let res = hq
        .post(
            &format!("/dashboard/invoices/{}/send", norte.id),
            &[("csrf", csrf.as_str())],
        )
        .await;
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let got = read_maildir(&py, &maildir);
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(
        got.iter()
            .filter(|m| m["to"]
                .as_str()
                .unwrap_or("")
                .contains("facturas@norte.example.es"))
            .count(),
        2
    );
    assert!(
        got.iter()
            .all(|m| m["attachments"].as_array().unwrap().len() == 2)
    );
    let state = st.invoicing().send_state(norte.id).await.unwrap().unwrap();
    assert_eq!(state.attempts, 3);
    assert_eq!(state.last_error, None);
    // Without CSRF nothing is sent.
    let res = hq
        .post(&format!("/dashboard/invoices/{}/send", norte.id), &[])
        .await;
    assert_ne!(res.status, StatusCode::SEE_OTHER);
    assert_eq!(read_maildir(&py, &maildir).len(), 3);
}

on_both_backends!(invoices_are_emailed);
