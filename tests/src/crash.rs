//! The crash suite: SIGKILL a till process (the `till-loop` binary) at random points inside commit,
//! printing and sync, and the HQ server process (the `hq-server` binary, the server's own command
//! line) at random points during ingest, on either backend; then prove nothing was lost or
//! duplicated and every chain is intact.
//!
//! After each till kill the harness opens the ledger itself: every sale the till had reported
//! committed must be there with its total, the chain intact. At the end the till drains (reprints,
//! syncs everything) and HQ must hold exactly the ledger's documents: tickets, gross, sequence
//! with no gap, no conflict, no alert. The server part runs in-process tills that ring and push
//! without pause while the server is killed and restarted on the same port and database (and new
//! tills enrol meanwhile); then the same exactly-once check.

use crate::faults::{SuiteTill, check, drain, enrol, ring};
use crate::hq::HqClient;
use crate::server::{Backend, TestDatabase, TestServer};
use anyhow::{Context, bail, ensure};
use pos_terminal::ledger::Ledger;
use pos_terminal::sync::{SyncClient, SyncError, SyncOptions};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use sync_protocol::{DocumentBody, Money};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

/// The two programs the suite kills.
#[derive(Debug, Clone)]
pub struct Binaries {
    pub till_loop: PathBuf,
    pub hq_server: PathBuf,
}

impl Binaries {
    /// `till-loop` and `hq-server` beside the running executable (the `crash-suite` bin is built
    /// with them: `cargo build --release -p trastienda-tests --bins`).
    pub fn beside_current_exe() -> anyhow::Result<Self> {
        let exe = std::env::current_exe()?;
        let dir = exe.parent().context("no folder for the executable")?;
        let b = Self {
            till_loop: dir.join("till-loop"),
            hq_server: dir.join("hq-server"),
        };
        for p in [&b.till_loop, &b.hq_server] {
            ensure!(
                p.exists(),
                "{} not found: build the tests crate's bins",
                p.display()
            );
        }
        Ok(b)
    }
}

#[derive(Debug, Clone)]
pub struct CrashConfig {
    pub backend: Backend,
    pub till_kills: u64,
    pub server_kills: u64,
    pub seed: u64,
    /// In-process tills pushing while the server is killed.
    pub tills: usize,
    pub progress_every: u64,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct CrashSummary {
    pub backend: String,
    pub till_kills_survived: u64,
    /// Till kills by the phase they landed in.
    pub till_kills_in_commit: u64,
    pub till_kills_in_print: u64,
    pub till_kills_in_sync: u64,
    pub till_sales: u64,
    pub till_gross: Money,
    /// Sales whose receipt was never queued for printing, after every restart: 0, since a till
    /// that starts queues the receipts of sales committed just before it was killed.
    pub receipts_never_queued: u64,
    pub server_kills_survived: u64,
    /// Tills that enrolled while the server was being killed.
    pub enrolments_during_kills: u64,
    pub server_sales: u64,
    pub server_gross: Money,
    pub seconds: f64,
}

/// Runs both parts on one backend; `None` when the backend is not available here.
pub async fn run(cfg: CrashConfig, bins: &Binaries) -> anyhow::Result<Option<CrashSummary>> {
    let started = Instant::now();
    let mut summary = CrashSummary {
        backend: format!("{:?}", cfg.backend).to_lowercase(),
        ..CrashSummary::default()
    };
    if cfg.till_kills > 0 {
        let Some(db) = TestDatabase::create(cfg.backend).await else {
            return Ok(None);
        };
        let r = till_kills(&cfg, bins, &db.url, &mut summary).await;
        db.cleanup().await;
        r.context("till kills")?;
    }
    if cfg.server_kills > 0 {
        let Some(db) = TestDatabase::create(cfg.backend).await else {
            return Ok(None);
        };
        let r = server_kills(&cfg, bins, &db.url, &mut summary).await;
        db.cleanup().await;
        r.context("server kills")?;
    }
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(Some(summary))
}

// --- till kills ---------------------------------------------------------------------------------

const PHASES: [&str; 3] = ["commit", "print", "sync"];

async fn till_kills(
    cfg: &CrashConfig,
    bins: &Binaries,
    database_url: &str,
    summary: &mut CrashSummary,
) -> anyhow::Result<()> {
    let server = TestServer::start(database_url).await;
    let admin = HqClient::new(
        &server.url(),
        &HqClient::bootstrap_admin(database_url).await,
    );
    let franchise = admin.seed_franchise(1, 20).await;
    let (till_id, code) = admin.create_till(franchise.store_ids[0], "till-loop").await;
    let dir = tempfile::tempdir()?;
    let ledger_path = dir.path().join("till.db");
    let printer = dir.path().join("printer.bin");
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    // Every sale a till process said it committed: seq → total in cents.
    let mut committed: BTreeMap<u64, i64> = BTreeMap::new();
    let base = |extra: &[&str]| {
        let mut c = Command::new(&bins.till_loop);
        c.arg("--ledger")
            .arg(&ledger_path)
            .arg("--printer")
            .arg(&printer)
            .args(["--server", &server.url(), "--code", &code])
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    };
    for k in 0..cfg.till_kills {
        let phase = PHASES[rng.gen_range(0..PHASES.len())];
        let nth = rng.gen_range(1..=3);
        let delay = Duration::from_micros(rng.gen_range(0..3_000));
        let seed = rng.r#gen::<u32>().to_string();
        let mut child = base(&["--seed", &seed, "--sync-every", "2"]).spawn()?;
        let landed = kill_in_phase(&mut child, phase, nth, delay, &mut committed)
            .await
            .with_context(|| format!("kill {k} (phase {phase})"))?;
        match landed {
            "commit" => summary.till_kills_in_commit += 1,
            "print" => summary.till_kills_in_print += 1,
            _ => summary.till_kills_in_sync += 1,
        }
        // Nothing the till said it committed is lost; the chain holds.
        let l = Ledger::open(&ledger_path).with_context(|| format!("kill {k}: reopening"))?;
        let n = l.verify_chain()?;
        ensure!(
            n == l.last_seq()?,
            "kill {k}: chain covers {n} of {}",
            l.last_seq()?
        );
        for (&seq, &cents) in committed.range(..) {
            let doc = l
                .document(seq)?
                .with_context(|| format!("kill {k}: committed sale seq {seq} is gone"))?;
            let DocumentBody::Sale(s) = &doc.body else {
                bail!("kill {k}: seq {seq} is not the sale the till committed");
            };
            ensure!(
                s.totals.total.cents() == cents,
                "kill {k}: seq {seq} changed"
            );
        }
        drop(l);
        summary.till_kills_survived += 1;
        if cfg.progress_every > 0 && (k + 1) % cfg.progress_every == 0 {
            eprintln!(
                "{:?}: {} till kills survived, {} sales committed",
                cfg.backend,
                k + 1,
                committed.len()
            );
        }
    }
    // Drain: reprint what is pending, push everything.
    let out = base(&["--drain"]).output().await?;
    ensure!(
        out.status.success(),
        "drain failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let l = Ledger::open(&ledger_path)?;
    let (mut sales, mut gross) = (0u64, Money::ZERO);
    for seq in 1..=l.last_seq()? {
        if let Some(d) = l.document(seq)?
            && let DocumentBody::Sale(s) = &d.body
        {
            sales += 1;
            gross += s.totals.total;
        }
    }
    ensure!(l.sales_gross()? == gross);
    let tills = vec![SuiteTill {
        ledger: Arc::new(Mutex::new(l)),
        till_id,
        sales,
        gross,
    }];
    check(&admin, &tills).await?;
    drop(tills);
    // Receipts: nothing left pending after the drain; count sales that never got a print job.
    let c = rusqlite::Connection::open(&ledger_path)?;
    let pending: i64 = c.query_row(
        "SELECT COUNT(*) FROM print_jobs WHERE state = 'pending'",
        [],
        |r| r.get(0),
    )?;
    ensure!(
        pending == 0,
        "{pending} receipts still pending after the drain"
    );
    let unqueued: i64 = c.query_row(
        "SELECT COUNT(*) FROM documents d WHERE d.kind = 'sale'
           AND NOT EXISTS (SELECT 1 FROM print_jobs p WHERE p.doc_seq = d.seq)",
        [],
        |r| r.get(0),
    )?;
    summary.receipts_never_queued = unqueued as u64;
    // A sale whose receipt a kill kept out of the queue gets it when the till starts again.
    ensure!(
        summary.receipts_never_queued == 0,
        "{unqueued} sales never got a receipt, even after the till restarted"
    );
    summary.till_sales = sales;
    summary.till_gross = gross;
    Ok(())
}

/// Reads the child's stdout until the `nth` `phase <phase>` line, waits `delay`, SIGKILLs it.
/// Returns the phase it was in when killed (a short till may finish a phase early; the last
/// phase line seen counts).
async fn kill_in_phase(
    child: &mut Child,
    phase: &str,
    nth: u32,
    delay: Duration,
    committed: &mut BTreeMap<u64, i64>,
) -> anyhow::Result<&'static str> {
    let stdout = child.stdout.take().context("no stdout")?;
    let mut lines = BufReader::new(stdout).lines();
    let mut seen = 0;
    let mut current: &'static str;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(60);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .context("till-loop never reached the phase")??;
        let Some(line) = line else {
            let status = child.wait().await?;
            let mut err = String::new();
            if let Some(mut e) = child.stderr.take() {
                use tokio::io::AsyncReadExt;
                let _ = e.read_to_string(&mut err).await;
            }
            bail!("till-loop ended before being killed ({status}): {err}");
        };
        if let Some(rest) = line.strip_prefix("committed ") {
            let mut it = rest.split(' ');
            let seq: u64 = it.next().unwrap_or("").parse()?;
            let cents: i64 = it.next().unwrap_or("").parse()?;
            committed.insert(seq, cents);
        }
        if let Some(p) = line.strip_prefix("phase ") {
            current = PHASES.iter().copied().find(|x| *x == p).unwrap_or("sync");
            if p == phase {
                seen += 1;
                if seen == nth {
                    break;
                }
            }
        }
    }
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    // SIGKILL: no destructors, no checkpoint, no flush.
    child.start_kill()?;
    // Lines printed before the kill still count (a sale committed and said so just before).
    while let Ok(Some(line)) = lines.next_line().await {
        if let Some(rest) = line.strip_prefix("committed ") {
            let mut it = rest.split(' ');
            if let (Some(Ok(seq)), Some(Ok(cents))) = (
                it.next().map(str::parse::<u64>),
                it.next().map(str::parse::<i64>),
            ) {
                committed.insert(seq, cents);
            }
        }
        if let Some(p) = line.strip_prefix("phase ") {
            current = PHASES.iter().copied().find(|x| *x == p).unwrap_or("sync");
        }
    }
    child.wait().await?;
    Ok(current)
}

// --- server kills -------------------------------------------------------------------------------

/// The HQ server as a child process on a fixed port.
struct ServerProcess {
    bin: PathBuf,
    database_url: String,
    port: u16,
    log: PathBuf,
    child: Option<Child>,
}

impl ServerProcess {
    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    async fn start(&mut self) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let log = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(&self.log)?;
            let mut child = Command::new(&self.bin)
                .args(["serve", "--database", &self.database_url])
                .args(["--listen", &format!("127.0.0.1:{}", self.port)])
                .env("RUST_LOG", "warn")
                .stdout(Stdio::null())
                .stderr(log)
                .kill_on_drop(true)
                .spawn()?;
            let http = reqwest::Client::new();
            loop {
                if let Some(status) = child.try_wait()? {
                    // Most likely the port is not free yet after the kill: try again.
                    ensure!(
                        Instant::now() < deadline,
                        "the server keeps exiting ({status}); see {}",
                        self.log.display()
                    );
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    break;
                }
                let ok = http
                    .get(format!("{}/healthz", self.url()))
                    .timeout(Duration::from_secs(2))
                    .send()
                    .await
                    .is_ok_and(|r| r.status().is_success());
                if ok {
                    self.child = Some(child);
                    return Ok(());
                }
                ensure!(
                    Instant::now() < deadline,
                    "the server did not answer /healthz; see {}",
                    self.log.display()
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }

    async fn kill(&mut self) -> anyhow::Result<()> {
        if let Some(mut c) = self.child.take() {
            c.start_kill()?;
            c.wait().await?;
        }
        Ok(())
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

async fn server_kills(
    cfg: &CrashConfig,
    bins: &Binaries,
    database_url: &str,
    summary: &mut CrashSummary,
) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let token = HqClient::bootstrap_admin(database_url).await;
    let mut server = ServerProcess {
        bin: bins.hq_server.clone(),
        database_url: database_url.to_string(),
        port: free_port()?,
        log: dir.path().join("server.log"),
        child: None,
    };
    server.start().await?;
    let url = server.url();
    let admin = HqClient::new(&url, &token);
    let franchise = admin.seed_franchise(1, 20).await;
    let store = franchise.store_ids[0];
    let barcodes: Arc<Vec<String>> =
        Arc::new(franchise.products.iter().map(|p| p.1.clone()).collect());
    // Tills retry patiently: the server is away for a few hundred milliseconds at a time.
    let client = SyncClient::new(SyncOptions {
        max_attempts: 20,
        base_delay: Duration::from_millis(20),
        max_delay: Duration::from_millis(300),
        timeout: Duration::from_secs(10),
        ..SyncOptions::default()
    })?;
    let mut failed = 0;
    let mut tills = Vec::new();
    for i in 0..cfg.tills {
        tills.push(enrol(&admin, &url, &client, store, &dir, i, &mut failed).await?);
    }
    // Each till rings and pushes without pause until told to stop.
    let stop = Arc::new(AtomicBool::new(false));
    let mut tasks = Vec::new();
    for (i, mut t) in tills.into_iter().enumerate() {
        let (stop, client, barcodes) = (stop.clone(), client.clone(), barcodes.clone());
        let seed = cfg.seed.wrapping_add(i as u64);
        tasks.push(tokio::spawn(async move {
            let mut rng = StdRng::seed_from_u64(seed);
            while !stop.load(Ordering::SeqCst) {
                ring(&mut t, &barcodes, &mut rng)?;
                match client.sync_once(&t.ledger).await {
                    Ok(_) | Err(SyncError::Unavailable { .. } | SyncError::Transport(_)) => {}
                    Err(e) => bail!("till {}: {e}", t.till_id),
                }
            }
            anyhow::Ok(t)
        }));
    }
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0xdead);
    let mut enrolling = Vec::new();
    for k in 0..cfg.server_kills {
        // Now and then a till enrols right as the server dies (its answer may be lost).
        if rng.gen_ratio(1, 4) {
            let (admin2, url2, client2) =
                (HqClient::new(&url, &token), url.clone(), client.clone());
            let dir2 = dir.path().to_path_buf();
            let n = 1000 + k as usize;
            enrolling.push(tokio::spawn(async move {
                // The admin call itself may meet the kill: retried (a lost answer leaves a spare
                // unenrolled slot, harmless).
                let v = admin2
                    .retrying(
                        reqwest::Method::POST,
                        "/api/v1/admin/tills",
                        Some(serde_json::json!({"store_id": store, "name": format!("late-{n}")})),
                        // Longer than the whole kill phase can keep HQ away.
                        Duration::from_secs(600),
                    )
                    .await?;
                let till_id = v["till"]["id"].as_i64().unwrap_or(0);
                let code = v["enrolment_code"].as_str().unwrap_or("").to_string();
                let ledger = Arc::new(Mutex::new(Ledger::open(dir2.join(format!("late-{n}.db")))?));
                for attempt in 0.. {
                    match client2
                        .enrol_ledger(&ledger, &url2, &code, "caja tardía")
                        .await
                    {
                        Ok(_) => break,
                        Err(SyncError::Unavailable { .. } | SyncError::Transport(_))
                            if attempt < 200 => {}
                        Err(e) => bail!("till {till_id} could not enrol across a server kill: {e}"),
                    }
                }
                anyhow::Ok(())
            }));
            tokio::time::sleep(Duration::from_millis(rng.gen_range(0..30))).await;
        } else {
            tokio::time::sleep(Duration::from_millis(rng.gen_range(30..400))).await;
        }
        server.kill().await?;
        tokio::time::sleep(Duration::from_millis(rng.gen_range(0..200))).await;
        server
            .start()
            .await
            .with_context(|| format!("restart after kill {k}"))?;
        summary.server_kills_survived += 1;
        if cfg.progress_every > 0 && (k + 1) % cfg.progress_every == 0 {
            eprintln!("{:?}: {} server kills survived", cfg.backend, k + 1);
        }
    }
    stop.store(true, Ordering::SeqCst);
    let mut tills = Vec::new();
    for t in tasks {
        tills.push(t.await??);
    }
    for e in enrolling {
        e.await??;
        summary.enrolments_during_kills += 1;
    }
    for t in &tills {
        drain(&client, t).await?;
    }
    check(&admin, &tills).await?;
    summary.server_sales = tills.iter().map(|t| t.sales).sum();
    summary.server_gross = tills.iter().map(|t| t.gross).sum();
    server.kill().await?;
    Ok(())
}

/// Where the tests find the binaries: Cargo sets `CARGO_BIN_EXE_<name>` for integration tests.
pub fn binaries_from(till_loop: &str, hq_server: &str) -> Binaries {
    Binaries {
        till_loop: Path::new(till_loop).to_path_buf(),
        hq_server: Path::new(hq_server).to_path_buf(),
    }
}
