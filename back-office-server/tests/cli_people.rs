//! The real `back-office-server` binary's `users` and `tokens` commands (issue 18), on SQLite
//! and PostgreSQL: disable (sessions end), enable, reset a password (typed or one-time), end
//! sessions, list and revoke API tokens; the last admin stays; every change in the audit log.

use back_office_server::auth;
use back_office_server::storage::dashboard::DashboardRole;
use back_office_server::storage::people::AuditFilter;
use back_office_server::storage::{self, Storage};
use chrono::{Duration, Utc};
use std::process::Command;
use std::sync::Arc;

const PASSWORD: &str = "correct horse battery";

fn cli(url: &str, args: &[&str], env: &[(&str, &str)]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_back-office-server"));
    cmd.args(args).arg("--database").arg(url);
    cmd.env_remove("TRASTIENDA_PASSWORD");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.success(),
        format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ),
    )
}

async fn session(st: &Arc<dyn Storage>, user: i64) -> String {
    let token = auth::new_token();
    let hash = auth::hash_token(&token);
    st.dashboard()
        .create_session(
            &hash,
            user,
            "csrf",
            Utc::now(),
            Utc::now() + Duration::hours(1),
        )
        .await
        .unwrap();
    hash
}

async fn users_and_tokens_from_the_command_line(url: &str) {
    let st = storage::open(url).await.unwrap();
    let hq = back_office_server::services::accounts::create_user(
        st.as_ref(),
        "hq",
        "HQ",
        PASSWORD,
        DashboardRole::Admin,
        vec![],
    )
    .await
    .unwrap();
    let ana = back_office_server::services::accounts::create_user(
        st.as_ref(),
        "ana",
        "Ana",
        PASSWORD,
        DashboardRole::Analyst,
        vec![],
    )
    .await
    .unwrap();
    let token = auth::new_token();
    let token_id = st
        .create_admin("ERP integration", &auth::hash_token(&token))
        .await
        .unwrap();
    let s = session(&st, ana).await;
    let signed_in = |h: String| {
        let st = st.clone();
        async move {
            st.dashboard()
                .session_user(&h, Utc::now())
                .await
                .unwrap()
                .is_some()
        }
    };
    assert!(signed_in(s.clone()).await);

    let (ok, out) = cli(url, &["users", "disable", "ana"], &[]);
    assert!(ok, "{out}");
    assert!(!signed_in(s).await, "a disabled user's session goes on");
    assert!(
        st.dashboard()
            .dashboard_user_by_name("ana")
            .await
            .unwrap()
            .is_none(),
        "a disabled user can still sign in"
    );
    let (ok, out) = cli(url, &["users", "list"], &[]);
    assert!(
        ok && out.contains("ana") && out.contains("disabled"),
        "{out}"
    );
    let (ok, out) = cli(url, &["users", "disable", "hq"], &[]);
    assert!(!ok && out.contains("last active administrator"), "{out}");
    let (ok, out) = cli(url, &["users", "disable", "nadie"], &[]);
    assert!(!ok && out.contains("nadie"), "{out}");
    let (ok, out) = cli(url, &["users", "enable", "ana"], &[]);
    assert!(ok, "{out}");

    // A typed password (from the environment), then a one-time one printed once.
    let s = session(&st, ana).await;
    let (ok, out) = cli(
        url,
        &["users", "reset-password", "ana"],
        &[("TRASTIENDA_PASSWORD", "a new long password")],
    );
    assert!(ok, "{out}");
    assert!(!signed_in(s).await);
    let u = st
        .dashboard()
        .dashboard_user_by_name("ana")
        .await
        .unwrap()
        .unwrap();
    assert!(auth::verify_password(
        "a new long password",
        &u.password_hash
    ));
    let (ok, out) = cli(
        url,
        &["users", "reset-password", "ana"],
        &[("TRASTIENDA_PASSWORD", "short")],
    );
    assert!(!ok && out.contains("10 characters"), "{out}");
    let (ok, out) = cli(url, &["users", "reset-password", "ana", "--one-time"], &[]);
    assert!(ok, "{out}");
    let one_time = out
        .lines()
        .map(str::trim)
        .find(|l| l.len() == 14 && !l.contains(' '))
        .unwrap_or_else(|| panic!("no one-time password in {out}"))
        .to_string();
    let u = st
        .dashboard()
        .dashboard_user_by_name("ana")
        .await
        .unwrap()
        .unwrap();
    assert!(auth::verify_password(&one_time, &u.password_hash));

    let _ = session(&st, ana).await;
    let _ = session(&st, ana).await;
    let (ok, out) = cli(url, &["users", "end-sessions", "ana"], &[]);
    assert!(ok && out.contains("2 sessions"), "{out}");

    // Tokens: listed (never the token itself), revoked.
    assert!(
        st.admin_by_token(&auth::hash_token(&token))
            .await
            .unwrap()
            .is_some()
    );
    let (ok, out) = cli(url, &["tokens", "list"], &[]);
    assert!(ok && out.contains("ERP integration"), "{out}");
    assert!(!out.contains(&token));
    let (ok, out) = cli(url, &["tokens", "revoke", &token_id.to_string()], &[]);
    assert!(ok, "{out}");
    assert!(
        st.admin_by_token(&auth::hash_token(&token))
            .await
            .unwrap()
            .is_none()
    );
    let (ok, out) = cli(url, &["tokens", "revoke", "999"], &[]);
    assert!(!ok && out.contains("999"), "{out}");

    let log = st
        .people()
        .audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    let kinds: Vec<&str> = log.iter().rev().map(|a| a.kind.as_str()).collect();
    assert_eq!(
        kinds,
        vec![
            "user.disable",
            "user.enable",
            "user.password_reset",
            "user.password_reset",
            "user.sessions_end",
            "token.revoke"
        ]
    );
    assert!(log.iter().all(|a| a.actor.starts_with("cli:")));
    let text = format!("{log:?}");
    assert!(!text.contains(&one_time) && !text.contains("a new long password"));
    let _ = hq;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    users_and_tokens_from_the_command_line(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres() {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run");
        return;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    users_and_tokens_from_the_command_line(&url).await;
    let _ = storage::postgres::drop_scratch_database(&base, &url).await;
}

/// `users create --role franchisee --franchisee ID` (helper franchisee): the user belongs to that
/// franchisee and sees its stores; bad combinations are refused and store nothing; audited.
async fn franchisee_user_from_the_command_line(url: &str) {
    let st = storage::open(url).await.unwrap();
    let f = st
        .create_franchisee(&back_office_server::storage::NewFranchisee {
            legal_name: "Norte Franquicias, S.L.".into(),
            nif: "B12345674".into(),
            address: "x".into(),
        })
        .await
        .unwrap();
    let store = st
        .create_store(&back_office_server::storage::NewStore::new(
            f.id,
            "Tienda Norte",
            "x",
        ))
        .await
        .unwrap();
    let pw = [("TRASTIENDA_PASSWORD", PASSWORD)];
    let fid = f.id.0.to_string();
    for (args, needle) in [
        (
            vec!["users", "create", "norte", "--role", "franchisee"],
            "franchisee",
        ),
        (
            vec![
                "users",
                "create",
                "norte",
                "--role",
                "franchisee",
                "--franchisee",
                "99999",
            ],
            "99999",
        ),
        (
            vec![
                "users",
                "create",
                "norte",
                "--role",
                "analyst",
                "--franchisee",
                &fid,
            ],
            "franchisee",
        ),
    ] {
        let (ok, out) = cli(url, &args, &pw);
        assert!(!ok, "{args:?}: {out}");
        assert!(out.contains(needle), "{args:?}: {out}");
    }
    assert!(st.people().list_users(Utc::now()).await.unwrap().is_empty());
    let (ok, out) = cli(
        url,
        &[
            "users",
            "create",
            "norte",
            "--name",
            "Norte",
            "--role",
            "franchisee",
            "--franchisee",
            &fid,
        ],
        &pw,
    );
    assert!(ok, "{out}");
    let (ok, out) = cli(url, &["users", "list"], &[]);
    assert!(ok, "{out}");
    assert!(
        out.contains(&format!("norte\tfranchisee\tfranchisee {fid}")),
        "{out}"
    );
    let user = st
        .dashboard()
        .dashboard_user_by_name("norte")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, DashboardRole::Franchisee);
    assert_eq!(user.franchisee, Some(f.id));
    assert_eq!(user.stores, vec![store.id], "every store of its franchisee");
    let log = st
        .people()
        .audit(&AuditFilter {
            limit: 10,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].kind, "user.create");
    assert!(log[0].actor.starts_with("cli:"));
    assert!(
        log[0].summary.contains(&format!("franchisee {fid}")),
        "{:?}",
        log[0]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn franchisee_user_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hq.db").display());
    franchisee_user_from_the_command_line(&url).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn franchisee_user_postgres() {
    let Ok(base) = std::env::var("TRASTIENDA_TEST_POSTGRES_URL") else {
        println!("skipped: TRASTIENDA_TEST_POSTGRES_URL not set, PostgreSQL half not run");
        return;
    };
    let url = storage::postgres::create_scratch_database(&base)
        .await
        .unwrap();
    franchisee_user_from_the_command_line(&url).await;
    let _ = storage::postgres::drop_scratch_database(&base, &url).await;
}
