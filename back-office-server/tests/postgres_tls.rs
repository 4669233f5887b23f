//! PostgreSQL over TLS as the URL's `sslmode` asks (finding 8: the server connected with `NoTls`,
//! so `sslmode=require` could not work). The local PostgreSQL has no certificate, so the test puts
//! a TLS-only front in front of it on 127.0.0.1: it answers PostgreSQL's SSLRequest with `S`, does
//! the TLS handshake with a certificate made here (rcgen), and relays the decrypted stream.

use back_office_server::storage;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// PostgreSQL's SSLRequest code.
const SSL_REQUEST: u32 = 80877103;

struct Front {
    port: u16,
    ca_pem: String,
    plain_refused: Arc<std::sync::atomic::AtomicU32>,
}

/// A CA, and a server certificate for `localhost` signed by it.
fn certificates() -> (
    String,
    rustls::pki_types::CertificateDer<'static>,
    rustls::pki_types::PrivateKeyDer<'static>,
) {
    let ca_key = rcgen::KeyPair::generate().unwrap();
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(rcgen::DnType::CommonName, "Trastienda test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = rcgen::Issuer::new(ca, ca_key);
    let key = rcgen::KeyPair::generate().unwrap();
    let leaf = rcgen::CertificateParams::new(vec!["localhost".to_string()])
        .unwrap()
        .signed_by(&key, &issuer)
        .unwrap();
    (
        ca_cert.pem(),
        leaf.der().clone(),
        rustls::pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
    )
}

async fn start_front(upstream: std::net::SocketAddr) -> Front {
    let (ca_pem, cert, key) = certificates();
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::aws_lc_rs::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![cert], key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let plain_refused = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let refused = plain_refused.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let refused = refused.clone();
            tokio::spawn(async move {
                let mut first = [0u8; 8];
                if client.read_exact(&mut first).await.is_err() {
                    return;
                }
                let code = u32::from_be_bytes([first[4], first[5], first[6], first[7]]);
                if code != SSL_REQUEST {
                    // TLS only, like a server with `hostssl` rules: plain connections go away.
                    refused.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    return;
                }
                if client.write_all(b"S").await.is_err() {
                    return;
                }
                let Ok(mut tls) = acceptor.accept(client).await else {
                    return;
                };
                let Ok(mut pg) = TcpStream::connect(upstream).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut pg).await;
            });
        }
    });
    Front {
        port,
        ca_pem,
        plain_refused,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_over_tls_as_sslmode_asks() {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set");
        return;
    };
    let scratch = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    let db = scratch
        .rsplit('/')
        .next()
        .unwrap()
        .split('?')
        .next()
        .unwrap();
    let front = start_front("127.0.0.1:5432".parse().unwrap()).await;
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, &front.ca_pem).unwrap();
    let other_ca = dir.path().join("other-ca.pem");
    std::fs::write(&other_ca, certificates().0).unwrap();
    let url = |host: &str, q: &str| format!("postgres://postgres@{host}:{}/{db}?{q}", front.port);

    // require: encrypted, certificate not checked (libpq's meaning); the schema is created through it.
    let st = storage::open(&url("127.0.0.1", "sslmode=require"))
        .await
        .unwrap();
    st.ping().await.unwrap();
    assert_eq!(st.backend(), "postgres");
    // verify-full with our CA and the certificate's name.
    let st = storage::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .await
    .unwrap();
    st.ping().await.unwrap();
    // verify-ca checks the chain but not the name (127.0.0.1 is not in the certificate).
    storage::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-ca&sslrootcert={}", ca.display()),
    ))
    .await
    .unwrap()
    .ping()
    .await
    .unwrap();
    // verify-full refuses a name the certificate does not carry, and a certificate of another CA.
    let e = storage::open(&url(
        "127.0.0.1",
        &format!("sslmode=verify-full&sslrootcert={}", ca.display()),
    ))
    .await
    .err()
    .expect("a certificate for localhost is not one for 127.0.0.1");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    let e = storage::open(&url(
        "localhost",
        &format!("sslmode=verify-full&sslrootcert={}", other_ca.display()),
    ))
    .await
    .err()
    .expect("a certificate from another CA");
    assert!(e.to_string().to_lowercase().contains("certificate"), "{e}");
    // disable: no TLS, so the TLS-only server does not talk to us.
    assert!(
        storage::open(&url("127.0.0.1", "sslmode=disable"))
            .await
            .is_err()
    );
    assert!(
        front
            .plain_refused
            .load(std::sync::atomic::Ordering::SeqCst)
            >= 1
    );
    storage::postgres::drop_scratch_database(&base, &scratch)
        .await
        .unwrap();
}
