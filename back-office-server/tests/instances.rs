//! Several server instances on one PostgreSQL database, as the design promises: two real
//! `back-office-server serve` processes; a till pushes through either and nothing is lost or
//! doubled; a dashboard session opened on one works on the other; a scheduled job fired by both
//! every second runs once per period. Then the same two behind nginx with the shipped
//! configuration (deploy/nginx-trastienda.conf), when nginx is installed.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::{self, NewFranchisee, NewStore, TillAuth};
use chrono::Utc;
use reqwest::StatusCode;
use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use sync_protocol::{
    CashMovement, CashMovementDirection, Document, DocumentBody, DocumentId, GENESIS_HASH, Money,
};

struct Process(Child);

impl Drop for Process {
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

fn instance(url: &str, port: u16) -> Process {
    Process(
        Command::new(env!("CARGO_BIN_EXE_back-office-server"))
            .args([
                "serve",
                "--database",
                url,
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--trusted-proxy",
                "127.0.0.1",
                "--schedule",
                "prune-sign-ins=* * * * * *",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start back-office-server"),
    )
}

async fn wait_healthy(base: &str) {
    // Generous: on a 2-core machine running the whole suite a cold start can take a while.
    let deadline = Instant::now() + Duration::from_secs(180);
    loop {
        if let Ok(r) = reqwest::get(format!("{base}/healthz")).await
            && r.status() == StatusCode::OK
        {
            return;
        }
        assert!(Instant::now() < deadline, "{base} never became healthy");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Signs in on `base`; the session cookie.
async fn sign_in(http: &reqwest::Client, base: &str) -> String {
    let form = http
        .get(format!("{base}/dashboard/login"))
        .send()
        .await
        .unwrap();
    let login_cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = form.text().await.unwrap();
    let i = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = body[i..i + body[i..].find('"').unwrap()].to_string();
    let res = http
        .post(format!("{base}/dashboard/login"))
        .header("cookie", login_cookie)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", csrf.as_str()),
            ("username", "hq"),
            ("password", "correct horse battery"),
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string()
}

fn movement(till: &TillAuth, seq: u64, prev: &str) -> Document {
    Document::seal(
        DocumentId::new(),
        till.till_id,
        till.store_id,
        seq,
        Utc::now(),
        prev,
        DocumentBody::CashMovement(CashMovement {
            direction: CashMovementDirection::In,
            amount: Money::from_cents(100),
            reason: format!("cambio {seq}"),
            staff_id: None,
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_postgres() {
    let Ok(pg) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!(
            "skipped: TRASTIENDA_TEST_POSTGRES_URL not set (several instances need PostgreSQL)"
        );
        return;
    };
    let url = storage::postgres::create_scratch_database(&pg)
        .await
        .unwrap();
    // The franchise, a till and a dashboard user, written before the instances start.
    let st = storage::open(&url).await.unwrap();
    let f = st
        .create_franchisee(&NewFranchisee {
            legal_name: "Test, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&NewStore::new(f.id, "Norte", "x"))
        .await
        .unwrap();
    let code = auth::new_enrolment_code();
    let token = auth::new_token();
    st.create_till(
        store.id,
        "Caja 1",
        &auth::hash_token(&code),
        Utc::now() + chrono::Duration::days(1),
    )
    .await
    .unwrap();
    let e = st
        .enroll_till(
            &auth::hash_token(&code),
            None,
            "t",
            &auth::hash_token(&token),
            Utc::now(),
        )
        .await
        .unwrap();
    let till = TillAuth {
        till_id: e.till_id,
        store_id: e.store_id,
        franchisee_id: e.franchisee_id,
        revoked: false,
    };
    back_office_server::services::accounts::create_user(
        &*st.clone(),
        "hq",
        "HQ",
        "correct horse battery",
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();

    let (pa, pb) = (free_port(), free_port());
    let _a = instance(&url, pa);
    let _b = instance(&url, pb);
    let (a, b) = (
        format!("http://127.0.0.1:{pa}"),
        format!("http://127.0.0.1:{pb}"),
    );
    wait_healthy(&a).await;
    wait_healthy(&b).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();

    // A till pushes 40 documents in batches of 5, each batch through the other instance, and
    // every batch is sent twice (an answer lost and the batch sent again through the other one).
    let mut prev = GENESIS_HASH.to_string();
    let mut docs = Vec::new();
    for seq in 1..=40 {
        let d = movement(&till, seq, &prev);
        prev = d.hash.clone();
        docs.push(d);
    }
    for (i, batch) in docs.chunks(5).enumerate() {
        for base in [&a, &b] {
            let target = if i % 2 == 0 {
                base
            } else if base == &a {
                &b
            } else {
                &a
            };
            let r = http
                .post(format!("{target}/api/v1/sync/push"))
                .bearer_auth(&token)
                .json(&serde_json::json!({
                    "protocol_version": 1,
                    "till_id": till.till_id,
                    "documents": batch,
                }))
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
        }
    }
    let t = st.get_till(till.till_id).await.unwrap();
    assert_eq!(
        (t.contiguous_seq, t.last_seq, t.open_gaps, t.conflicts),
        (40, 40, 0, 0)
    );
    assert!(st.list_alerts().await.unwrap().is_empty());

    // A session opened on A is good on B.
    let session = sign_in(&http, &a).await;
    let page = http
        .get(format!("{b}/dashboard/tills"))
        .header("cookie", &session)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert!(page.text().await.unwrap().contains("Caja 1"));

    // Both instances fire prune-sign-ins every second; the day's period runs once.
    let today = back_office_server::jobs::PeriodKind::Day.current(Utc::now());
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if st
            .jobs()
            .get_run("prune-sign-ins", &today)
            .await
            .unwrap()
            .is_some_and(|r| r.finished_at.is_some())
        {
            break;
        }
        assert!(Instant::now() < deadline, "the scheduled job never ran");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    let runs = st.jobs().recent_runs("prune-sign-ins", 10).await.unwrap();
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].attempts, 1);

    behind_nginx(&http, pa, pb, &session, &token, &till, &docs).await;
    storage::postgres::drop_scratch_database(&pg, &url)
        .await
        .unwrap();
}

/// The shipped nginx configuration in front of both instances.
async fn behind_nginx(
    http: &reqwest::Client,
    pa: u16,
    pb: u16,
    session: &str,
    token: &str,
    till: &TillAuth,
    docs: &[Document],
) {
    let nginx = ["/usr/sbin/nginx", "/usr/bin/nginx"]
        .into_iter()
        .find(|p| std::path::Path::new(p).exists());
    let Some(nginx) = nginx else {
        println!("skipped (nginx part): nginx is not installed (apt-get install nginx)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
    let port = free_port();
    let conf = include_str!("../../deploy/nginx-trastienda.conf")
        .replace("__LISTEN__", &format!("127.0.0.1:{port}"))
        .replace("__UPSTREAM_1__", &format!("127.0.0.1:{pa}"))
        .replace("__UPSTREAM_2__", &format!("127.0.0.1:{pb}"));
    std::fs::write(dir.path().join("nginx.conf"), conf).unwrap();
    let mut global = "daemon off;".to_string();
    if std::env::var("USER").as_deref() == Ok("root") || unsafe_is_root() {
        // As root, keep the workers root too: they write the temporary files under the test's dir.
        global.push_str(" user root;");
    }
    let _proxy = Process(
        Command::new(nginx)
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(dir.path().join("nginx.conf"))
            .arg("-g")
            .arg(&global)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start nginx"),
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_healthy(&base).await;
    // The session works through the proxy, whichever instance answers (several requests).
    for _ in 0..4 {
        let r = http
            .get(format!("{base}/dashboard"))
            .header("cookie", session)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    // A batch already stored, sent again through the proxy: acknowledged, not stored twice.
    let r = http
        .post(format!("{base}/api/v1/sync/push"))
        .bearer_auth(token)
        .json(&serde_json::json!({
            "protocol_version": 1,
            "till_id": till.till_id,
            "documents": &docs[35..],
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|x| x["status"] == "duplicate"),
        "{body}"
    );
    // The client address reaches the server through the trusted proxy: five wrong sign-ins
    // "from" one address slow that address down, not another one.
    for _ in 0..6 {
        wrong_sign_in(http, &base, "203.0.113.66").await;
    }
    assert_eq!(
        wrong_sign_in(http, &base, "203.0.113.66").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        wrong_sign_in(http, &base, "198.51.100.7").await,
        StatusCode::UNAUTHORIZED
    );
}

fn unsafe_is_root() -> bool {
    std::fs::read_to_string("/proc/self/status")
        .map(|s| {
            s.lines()
                .any(|l| l.starts_with("Uid:") && l.split_whitespace().nth(1) == Some("0"))
        })
        .unwrap_or(false)
}

async fn wrong_sign_in(http: &reqwest::Client, base: &str, from: &str) -> StatusCode {
    let form = http
        .get(format!("{base}/dashboard/login"))
        .send()
        .await
        .unwrap();
    let cookie = form.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let body = form.text().await.unwrap();
    let i = body.find("name=\"csrf\" value=\"").unwrap() + 19;
    let csrf = body[i..i + body[i..].find('"').unwrap()].to_string();
    http.post(format!("{base}/dashboard/login"))
        .header("cookie", cookie)
        .header("x-forwarded-for", from)
        .header("content-type", "application/x-www-form-urlencoded")
        .body(form_body(&[
            ("csrf", csrf.as_str()),
            ("username", "hq"),
            ("password", "not the password"),
        ]))
        .send()
        .await
        .unwrap()
        .status()
}

fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={}", back_office_server::web::html::url(v)))
        .collect::<Vec<_>>()
        .join("&")
}
