//! A real SMTP server for the e-mail tests: PyPI aiosmtpd (installed by
//! `scripts/install-test-oracles.sh`) writing what it receives to a maildir, killed on drop.
//! Each test reads the maildir back with its own Python snippet (the fields it checks differ).

use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

/// The Python with aiosmtpd, or `None` (and "skipped" printed) when there is none.
pub fn python() -> Option<PathBuf> {
    let py = std::env::var("TRASTIENDA_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| PathBuf::from("/work/venv/bin/python"));
    let ok = Command::new(&py)
        .args(["-c", "import aiosmtpd"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: no Python with aiosmtpd (scripts/install-test-oracles.sh)");
        return None;
    }
    Some(py)
}

/// A port nothing listens on (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// aiosmtpd on `port`, storing what it receives in the maildir `dir`; killed on drop.
pub struct SmtpServer(Child);

impl Drop for SmtpServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts aiosmtpd and waits until it accepts connections.
pub async fn smtp_server(py: &PathBuf, port: u16, dir: &std::path::Path) -> SmtpServer {
    let child = Command::new(py)
        .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}")])
        .args(["-c", "aiosmtpd.handlers.Mailbox"])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = SmtpServer(child);
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("aiosmtpd did not start on port {port}");
}
