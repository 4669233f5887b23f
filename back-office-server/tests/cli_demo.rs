//! `back-office-server demo` as a newcomer runs it: a busy port is reported before anything is written
//! or printed, the first run seeds and prints the sign-ins, and a rerun changes nothing and says how
//! to sign in.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn demo(db: &std::path::Path, listen: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_back-office-server"));
    cmd.arg("demo")
        .arg("--database")
        .arg(format!("sqlite://{}", db.display()))
        .arg("--listen")
        .arg(listen)
        .arg("--history-days")
        .arg("2")
        .env("RUST_LOG", "warn");
    cmd
}

/// Runs `demo` until it says it is serving; returns everything it printed before that.
fn run_until_serving(db: &std::path::Path, listen: &str) -> String {
    let mut child = Running(
        demo(db, listen)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start back-office-server demo"),
    );
    let out = child.0.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut printed = String::new();
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            printed.push_str(&line);
            printed.push('\n');
            if line.starts_with("Serving on") {
                let _ = tx.send(printed.clone());
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(240);
    loop {
        if let Ok(p) = rx.recv_timeout(Duration::from_millis(200)) {
            return p;
        }
        assert!(Instant::now() < deadline, "demo never said it was serving");
    }
}

fn count(db: &std::path::Path, table: &str) -> i64 {
    let c = rusqlite::Connection::open(db).unwrap();
    c.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
        .unwrap()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

#[test]
fn busy_port_is_reported_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = busy.local_addr().unwrap().to_string();
    let out = demo(&db, &addr).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("port is busy"), "{err}");
    assert!(
        out.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(!db.exists(), "nothing may be written when the port is busy");
}

#[test]
fn a_rerun_changes_nothing_and_says_how_to_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let first = run_until_serving(&db, &format!("127.0.0.1:{}", free_port()));
    assert!(first.contains("Web dashboard:"), "{first}");
    assert!(first.contains("days of trade rung"), "{first}");
    let users = count(&db, "dashboard_users");
    let admins = count(&db, "admins");
    let documents = count(&db, "documents");
    // hq, analista, encargado and the first franchisee's own user, franquicia.
    assert_eq!((users, admins), (4, 1));
    assert!(documents > 0);

    let again = run_until_serving(&db, &format!("127.0.0.1:{}", free_port()));
    assert!(again.contains("nothing was changed"), "{again}");
    assert!(again.contains("users reset-password hq"), "{again}");
    assert!(!again.contains("API token"), "{again}");
    assert_eq!(count(&db, "dashboard_users"), users);
    assert_eq!(count(&db, "admins"), admins);
    assert_eq!(count(&db, "documents"), documents);
}
