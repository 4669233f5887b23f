//! The real `back-office-server` binary: `serve` terminates TLS itself when given a certificate and
//! key (checked with a client that trusts only that certificate), and answers plain HTTP without them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Served(Child);

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn serve(
    dir: &std::path::Path,
    port: u16,
    tls: Option<(&std::path::Path, &std::path::Path)>,
) -> Served {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_back-office-server"));
    cmd.arg("serve")
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("hq.db").display()))
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some((cert, key)) = tls {
        cmd.arg("--tls-cert").arg(cert).arg("--tls-key").arg(key);
    }
    Served(cmd.spawn().expect("start back-office-server"))
}

async fn wait_for(client: &reqwest::Client, url: &str) -> reqwest::Response {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        match client.get(url).send().await {
            Ok(r) => return r,
            Err(e) if Instant::now() < deadline => {
                let _ = e;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("{url} never answered: {e}"),
        }
    }
}

#[tokio::test]
async fn serve_terminates_tls_with_the_given_certificate() {
    let dir = tempfile::tempdir().unwrap();
    let cert = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.cert.pem()).unwrap();
    std::fs::write(&key_path, cert.signing_key.serialize_pem()).unwrap();
    let port = free_port();
    let _server = serve(dir.path(), port, Some((&cert_path, &key_path)));

    let trusting = reqwest::Client::builder()
        .add_root_certificate(reqwest::Certificate::from_pem(cert.cert.pem().as_bytes()).unwrap())
        .resolve("localhost", format!("127.0.0.1:{port}").parse().unwrap())
        .build()
        .unwrap();
    let resp = wait_for(&trusting, &format!("https://localhost:{port}/healthz")).await;
    assert_eq!(resp.status(), 200);
    // Served over TLS: browsers are told to keep to HTTPS.
    assert_eq!(
        resp.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["database"], "sqlite");

    // Plain HTTP to the TLS port gets no HTTP answer.
    let plain = reqwest::Client::new()
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    assert!(
        plain.map(|r| !r.status().is_success()).unwrap_or(true),
        "plain HTTP must not be served on the TLS port"
    );
}

#[tokio::test]
async fn serve_without_tls_answers_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let _server = serve(dir.path(), port, None);
    let resp = wait_for(
        &reqwest::Client::new(),
        &format!("http://127.0.0.1:{port}/healthz"),
    )
    .await;
    assert_eq!(resp.status(), 200);
}
