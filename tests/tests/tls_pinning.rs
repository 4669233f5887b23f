//! A till on a shop network reaching an HQ server that made its own certificate
//! (`serve --tls-self-signed`): it enrols with the dashboard's link, which carries the certificate's
//! SHA-256, syncs over TLS, and refuses any other certificate afterwards without losing anything.

use back_office_server::cli::{NetArgs, ServeOptions, serve_on};
use back_office_server::storage::{self, NewFranchisee, NewStore, Storage};
use pos_terminal::Ledger;
use pos_terminal::sync::{SyncClient, SyncError, SyncOptions};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use sync_protocol::{AuditAction, AuditEvent, DocumentBody};

struct Hq {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl Hq {
    async fn stop(self) {
        let _ = self.stop.send(());
        let _ = tokio::time::timeout(Duration::from_secs(20), self.task).await;
    }
}

/// Serves `st` over HTTPS on `port` with the self-signed certificate kept in `dir`.
async fn serve(st: Arc<dyn Storage>, port: u16, dir: &std::path::Path) -> (Hq, String) {
    let own = back_office_server::tls::self_signed(
        dir,
        &["127.0.0.1".to_string(), "localhost".to_string()],
    )
    .unwrap();
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).unwrap();
    let mut opts = ServeOptions::new(Some((own.cert, own.key)), &NetArgs::default());
    opts.jobs = false;
    opts.certificate_sha256 = Some(own.sha256.clone());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(serve_on(st, listener, opts, async move {
        let _ = stopped.await;
    }));
    // Wait until it answers (any TLS answer will do: the certificate is checked below).
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    (Hq { stop, task }, own.sha256)
}

fn audit() -> DocumentBody {
    DocumentBody::AuditEvent(AuditEvent {
        action: AuditAction::NoSale,
        staff_id: None,
        approved_by: None,
        reference: None,
        amount: None,
        note: Some("prueba".into()),
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_till_pins_hqs_own_certificate_and_refuses_another() {
    let dir = tempfile::tempdir().unwrap();
    let st = storage::open(&format!("sqlite://{}", dir.path().join("hq.db").display()))
        .await
        .unwrap();
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Tienda de prueba, S.L.".into(),
            nif: "B12345674".into(),
            address: "Calle Mayor 1".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Centro", "x"))
        .await
        .unwrap();
    let created = back_office_server::services::tills::create_till(st.as_ref(), store.id, "Caja 1")
        .await
        .unwrap();
    let code = created.enrolment_code;

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (hq, sha256) = serve(st.clone(), port, &dir.path().join("tls")).await;
    let address = format!("127.0.0.1:{port}");

    let ledger = Arc::new(Mutex::new(
        Ledger::open(dir.path().join("till.db")).unwrap(),
    ));
    let client = SyncClient::new(SyncOptions {
        max_attempts: 3,
        base_delay: Duration::from_millis(10),
        timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    })
    .unwrap();

    // Without the fingerprint the self-signed certificate is not trusted: said at once, clearly.
    let err = client
        .enrol_ledger(&ledger, &format!("https://{address}"), &code, "Caja 1")
        .await
        .unwrap_err();
    assert!(matches!(err, SyncError::UntrustedCertificate(_)), "{err}");
    assert!(err.to_string().contains("enrolment link"), "{err}");
    // A link with another fingerprint is refused too.
    let wrong =
        back_office_server::tls::enrolment_link("https", &address, &code, Some(&"0".repeat(64)));
    let err = client
        .enrol_ledger(&ledger, &wrong, "", "Caja 1")
        .await
        .unwrap_err();
    assert!(
        matches!(err, SyncError::CertificateMismatch { .. }),
        "{err}"
    );
    assert!(ledger.lock().unwrap().identity().unwrap().is_none());

    // The dashboard's link: code and fingerprint in one, the code field left empty.
    let link = back_office_server::tls::enrolment_link("https", &address, &code, Some(&sha256));
    let ident = client
        .enrol_ledger(&ledger, &link, "", "Caja 1")
        .await
        .unwrap();
    assert_eq!(ident.server_url, format!("https://{address}"));
    assert_eq!(
        ledger
            .lock()
            .unwrap()
            .server_pin()
            .unwrap()
            .map(|p| p.hex()),
        Some(sha256.clone())
    );
    ledger.lock().unwrap().record_document(audit()).unwrap();
    let report = client.sync_once(&ledger).await.unwrap();
    assert_eq!((report.pushed, report.acknowledged), (1, 1));
    assert_eq!(st.get_till(ident.till_id).await.unwrap().last_seq, 1);

    // HQ comes back with another certificate (or something else answers at its address): the
    // till sends nothing, says why, and keeps its document queued.
    hq.stop().await;
    let (hq, other) = serve(st.clone(), port, &dir.path().join("tls-other")).await;
    assert_ne!(other, sha256);
    ledger.lock().unwrap().record_document(audit()).unwrap();
    let err = client.sync_once(&ledger).await.unwrap_err();
    assert!(
        matches!(err, SyncError::CertificateMismatch { .. }),
        "{err}"
    );
    assert!(err.to_string().contains(&sha256), "{err}");
    assert_eq!(ledger.lock().unwrap().outbox_len().unwrap(), 1);
    assert_eq!(st.get_till(ident.till_id).await.unwrap().last_seq, 1);
    hq.stop().await;
}
