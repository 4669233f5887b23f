//! till-sim: runs N virtual tills (the real ledger and sync code, no window) against an HQ server
//! and prints a JSON summary: sales rung, documents acknowledged, till vs HQ gross, duplicates,
//! missing, push errors, latency, and (with `--server-pid`) the server's CPU and memory.
//!
//! Fleet load: `till-sim --tills 2000 --interval 30s --duration 10m --server-pid $(pidof back-office-server)`.
//! Resume after a kill: run again with the same `--data-dir`.

use clap::Parser;
use std::process::ExitCode;
use std::time::Duration;
use trastienda_tests::sim::{Pace, SimConfig, run};

/// `500ms`, `30s`, `10m`, `1h` (a bare number is seconds).
fn duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (n, unit) = s.split_at(split);
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{s:?} is not a duration like 500ms, 30s, 10m or 1h"))?;
    match unit {
        "ms" => Ok(Duration::from_millis(n)),
        "" | "s" => Ok(Duration::from_secs(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("{s:?}: unknown unit {unit:?} (use ms, s, m or h)")),
    }
}

#[derive(Parser, Debug)]
#[command(version, about = "Virtual tills against a Trastienda HQ server")]
struct Args {
    /// HQ base URL, e.g. http://127.0.0.1:8080
    #[arg(
        long,
        env = "TRASTIENDA_SERVER",
        default_value = "http://127.0.0.1:8080"
    )]
    server: String,
    /// HQ admin API token (printed by `back-office-server demo` or `admin create`).
    #[arg(long, env = "TRASTIENDA_ADMIN_TOKEN")]
    admin_token: String,
    /// Number of virtual tills.
    #[arg(long, default_value_t = 4)]
    tills: usize,
    /// Sales each till rings (ignored in paced mode).
    #[arg(long, default_value_t = 100)]
    sales: usize,
    /// Ring everything offline first, then sync.
    #[arg(long)]
    offline: bool,
    /// When online, push after this many sales.
    #[arg(long, default_value_t = 10)]
    push_every: usize,
    /// Paced mode: every till rings --sales-per-round sales and syncs once per interval ...
    #[arg(long, value_parser = duration, requires = "duration")]
    interval: Option<Duration>,
    /// ... for this long (e.g. 10m).
    #[arg(long, value_parser = duration, requires = "interval")]
    duration: Option<Duration>,
    #[arg(long, default_value_t = 1)]
    sales_per_round: usize,
    /// Tills enrolled at the same time.
    #[arg(long, default_value_t = 16)]
    enrol_concurrency: usize,
    /// How long set-up waits for an unreachable HQ (retrying with backoff) before giving up.
    #[arg(long, value_parser = duration, default_value = "120s")]
    setup_patience: Duration,
    /// The HQ server's process id, to report its CPU and memory during the run (Linux /proc).
    #[arg(long)]
    server_pid: Option<u32>,
    /// Per-request timeout of the tills' sync client.
    #[arg(long, value_parser = duration, default_value = "30s")]
    timeout: Duration,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the tills' ledgers in this folder instead of a temporary one; ledgers already there
    /// are resumed (after a kill, run again with the same folder).
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// Allow plain http to a host other than this machine.
    #[arg(long)]
    allow_insecure_http: bool,
    /// Before the run, set up a franchise of this many stores and products through the admin API
    /// (`20x200`), for a fleet run on an empty HQ (skipped when HQ already has stores).
    #[arg(long, value_parser = franchise_size)]
    seed_franchise: Option<(usize, usize)>,
}

/// `STORESxPRODUCTS`, e.g. `20x200`.
fn franchise_size(s: &str) -> Result<(usize, usize), String> {
    let bad = || format!("{s:?} is not STORESxPRODUCTS, e.g. 20x200");
    let (a, b) = s.split_once('x').ok_or_else(bad)?;
    let (a, b) = (a.parse().map_err(|_| bad())?, b.parse().map_err(|_| bad())?);
    if a == 0 || b == 0 {
        return Err(bad());
    }
    Ok((a, b))
}

fn main() -> ExitCode {
    let args = Args::parse();
    // Each till's ledger commits (fsync, synchronous=FULL) and acknowledgements run on the async
    // workers: a real till has its own machine for that, the simulator's thousands share one. With
    // a couple of workers a slow disk queues every till behind one fsync, and the push latency
    // measured is the simulator's. One worker per 16 tills (2 to 256) keeps that queue short.
    let workers = (args.tills / 16).clamp(2, 256);
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("till-sim: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    rt.block_on(simulate(args))
}

async fn simulate(args: Args) -> ExitCode {
    let mut cfg = SimConfig::new(&args.server, &args.admin_token);
    cfg.tills = args.tills;
    cfg.sales_per_till = args.sales;
    cfg.offline = args.offline;
    cfg.push_every = args.push_every;
    cfg.seed = args.seed;
    cfg.data_dir = args.data_dir;
    cfg.sync.allow_insecure_http = args.allow_insecure_http;
    cfg.sync.timeout = args.timeout;
    cfg.enrol_concurrency = args.enrol_concurrency;
    cfg.setup_patience = args.setup_patience;
    cfg.server_pid = args.server_pid;
    if let (Some(interval), Some(duration)) = (args.interval, args.duration) {
        cfg.pace = Some(Pace {
            interval,
            duration,
            sales_per_round: args.sales_per_round,
        });
    }
    if let Some((stores, products)) = args.seed_franchise {
        let hq = trastienda_tests::HqClient::new(&args.server, &args.admin_token);
        match hq
            .retrying(
                reqwest::Method::GET,
                "/api/v1/admin/stores",
                None,
                args.setup_patience,
            )
            .await
        {
            Ok(v) if v.as_array().is_some_and(|a| a.is_empty()) => {
                hq.seed_franchise(stores, products).await;
                eprintln!("till-sim: seeded {stores} stores and {products} products");
            }
            Ok(_) => eprintln!("till-sim: HQ already has stores; not seeding"),
            Err(e) => {
                eprintln!("till-sim: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    match run(cfg).await {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            if summary.missing > 0 || summary.duplicates > 0 || summary.conflicts > 0 {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(e) => {
            eprintln!("till-sim: {e:#}");
            ExitCode::FAILURE
        }
    }
}
