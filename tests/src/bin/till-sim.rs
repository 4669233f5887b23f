//! till-sim: runs N virtual tills (the real ledger and sync code, no window) against an HQ server
//! and prints a JSON summary: sales rung, documents acknowledged, till vs HQ gross, duplicates, missing, latency.

use clap::Parser;
use std::process::ExitCode;
use trastienda_tests::sim::{SimConfig, run};

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
    /// Sales each till rings.
    #[arg(long, default_value_t = 100)]
    sales: usize,
    /// Ring everything offline first, then sync.
    #[arg(long)]
    offline: bool,
    /// When online, push after this many sales.
    #[arg(long, default_value_t = 10)]
    push_every: usize,
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep the tills' ledgers in this folder instead of a temporary one.
    #[arg(long)]
    data_dir: Option<std::path::PathBuf>,
    /// Allow plain http to a host other than this machine.
    #[arg(long)]
    allow_insecure_http: bool,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let mut cfg = SimConfig::new(&args.server, &args.admin_token);
    cfg.tills = args.tills;
    cfg.sales_per_till = args.sales;
    cfg.offline = args.offline;
    cfg.push_every = args.push_every;
    cfg.seed = args.seed;
    cfg.data_dir = args.data_dir;
    cfg.sync.allow_insecure_http = args.allow_insecure_http;
    match run(cfg).await {
        Ok(summary) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&summary).unwrap_or_default()
            );
            if summary.missing > 0 || summary.duplicates > 0 {
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
