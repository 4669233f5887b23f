//! What the dashboard tests share: the real router on 127.0.0.1:0 over a fresh SQLite file or a
//! scratch PostgreSQL database, an enrolled till, and a cookie-keeping browser.
#![allow(dead_code, unused_macros)]

use back_office_server::storage::{self, Storage, TillAuth};
use back_office_server::web::html;
use back_office_server::{AppState, auth, router};
use chrono::Utc;
use reqwest::StatusCode;
use std::collections::HashMap;
use std::sync::Arc;
use sync_protocol::StoreId;

pub const PASSWORD: &str = "correct horse battery";

pub struct Server {
    pub base: String,
    pub storage: Arc<dyn Storage>,
    /// The server's SMTP settings: following the process's until a test sets its own.
    pub mail: back_office_server::services::mail::MailSettings,
    /// The database's URL (from [`sqlite`] and [`postgres`]), for a test that must reach under
    /// the storage (proving a trigger refuses a statement).
    pub url: Option<String>,
    pub _dir: Option<tempfile::TempDir>,
}

/// HQ's calendar day now (Europe/Madrid), the day reports, promotions and remittances count in:
/// from 23:00 UTC in winter (22:00 in summer) it is already tomorrow there, so a test that takes
/// `Utc::now().date_naive()` for "today" fails for an hour every night.
pub fn business_today() -> chrono::NaiveDate {
    back_office_server::storage::sql::business_day(Utc::now())
}

pub async fn start(storage: Arc<dyn Storage>, dir: Option<tempfile::TempDir>) -> Server {
    start_with(AppState::new(storage), dir).await
}

/// [`start`] with the server's network settings (trusted proxies, TLS).
pub async fn start_with(state: AppState, dir: Option<tempfile::TempDir>) -> Server {
    let storage = state.storage.clone();
    let mail = state.mail.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let app = router(state);
    tokio::spawn(async move {
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
        )
        .await
        .unwrap();
    });
    Server {
        base: format!("http://{addr}"),
        storage,
        mail,
        url: None,
        _dir: dir,
    }
}

pub async fn sqlite() -> Server {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    let mut s = start(storage::open(&url).await.unwrap(), Some(dir)).await;
    s.url = Some(url);
    s
}

pub async fn enrolled(s: &Server, store: StoreId, name: &str) -> TillAuth {
    enrolled_with_token(s, store, name).await.0
}

/// A till of `store` enrolled with a device token the test knows (to push over HTTP as that till).
pub async fn enrolled_with_token(s: &Server, store: StoreId, name: &str) -> (TillAuth, String) {
    let code = auth::new_enrolment_code();
    let token = auth::new_token();
    s.storage
        .create_till(
            store,
            name,
            &auth::hash_token(&code),
            Utc::now() + chrono::Duration::days(1),
        )
        .await
        .unwrap();
    let e = s
        .storage
        .enroll_till(
            &auth::hash_token(&code),
            None,
            "test",
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
    (till, token)
}

/// A browser: no redirects followed, cookies kept by hand.
pub struct Browser<'a> {
    pub s: &'a Server,
    pub http: reqwest::Client,
    pub cookies: HashMap<String, String>,
    /// Headers sent with every request (e.g. what a reverse proxy adds).
    pub headers: Vec<(&'static str, String)>,
}

pub struct Page {
    pub status: StatusCode,
    pub location: Option<String>,
    pub body: String,
}

impl Page {
    pub fn csrf(&self) -> String {
        let i = self
            .body
            .find("name=\"csrf\" value=\"")
            .unwrap_or_else(|| panic!("no CSRF field in {}", self.body));
        let rest = &self.body[i + 19..];
        rest[..rest.find('"').unwrap()].to_string()
    }
    pub fn assert(&self, status: StatusCode, needle: &str) -> &Self {
        assert_eq!(self.status, status, "{}", self.body);
        assert!(
            self.body.contains(needle),
            "page ({}) does not contain {needle:?}: {}",
            self.status,
            self.body
        );
        self
    }
}

impl<'a> Browser<'a> {
    pub fn new(s: &'a Server) -> Self {
        Self {
            s,
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: HashMap::new(),
            headers: Vec::new(),
        }
    }

    pub async fn send(&mut self, rq: reqwest::RequestBuilder) -> Page {
        let cookie: Vec<String> = self
            .cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let mut rq = if cookie.is_empty() {
            rq
        } else {
            rq.header("cookie", cookie.join("; "))
        };
        for (k, v) in &self.headers {
            rq = rq.header(*k, v);
        }
        let res = rq.send().await.unwrap();
        for c in res.headers().get_all("set-cookie") {
            let c = c.to_str().unwrap();
            let (kv, _) = c.split_once(';').unwrap_or((c, ""));
            let (k, v) = kv.split_once('=').unwrap();
            if v.is_empty() {
                self.cookies.remove(k);
            } else {
                self.cookies.insert(k.to_string(), v.to_string());
            }
        }
        Page {
            status: res.status(),
            location: res
                .headers()
                .get("location")
                .map(|l| l.to_str().unwrap().to_string()),
            body: res.text().await.unwrap(),
        }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let rq = self.http.get(format!("{}{path}", self.s.base));
        self.send(rq).await
    }

    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        let rq = self
            .http
            .post(format!("{}{path}", self.s.base))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form_body(form));
        self.send(rq).await
    }

    pub async fn login(&mut self, user: &str, password: &str) -> Page {
        let form = self.get("/dashboard/login").await;
        let csrf = form.csrf();
        self.post(
            "/dashboard/login",
            &[("csrf", &csrf), ("username", user), ("password", password)],
        )
        .await
    }

    /// Signs in and returns the session's CSRF token (read from the overview page).
    pub async fn signed_in(s: &'a Server, user: &str) -> (Self, String) {
        let mut b = Self::new(s);
        let p = b.login(user, PASSWORD).await;
        assert_eq!(p.status, StatusCode::SEE_OTHER, "{}", p.body);
        let o = b.get("/dashboard").await;
        assert_eq!(o.status, StatusCode::OK, "{}", o.body);
        let csrf = o.csrf();
        (b, csrf)
    }
}

pub fn form_body(form: &[(&str, &str)]) -> String {
    form.iter()
        .map(|(k, v)| format!("{}={}", html::url(k), html::url(v)))
        .collect::<Vec<_>>()
        .join("&")
}

pub async fn postgres() -> Option<(Server, String, String)> {
    // Database errors are logged, not returned: show them in a failing test's output.
    let _ = tracing_subscriber::fmt().with_test_writer().try_init();
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run");
        return None;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    let st = storage::open(&url).await.unwrap();
    let mut s = start(st, None).await;
    s.url = Some(url.clone());
    Some((s, base, url))
}

macro_rules! on_both_backends {
    ($name:ident) => {
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(&super::sqlite().await).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some((server, base, url)) = super::postgres().await else {
                    return;
                };
                super::$name(&server).await;
                let _ =
                    back_office_server::storage::postgres::drop_scratch_database(&base, &url).await;
            }
        }
    };
}
