//! crash-suite: the long run of the crash suite. SIGKILLs the `till-loop` process inside commit,
//! print and sync, and the `hq-server` process during ingest, `--kills` times each per backend,
//! checking after every till kill that nothing committed was lost and at the end that HQ holds
//! everything exactly once. Prints a JSON summary per backend.
//!
//! `cargo build --release -p trastienda-tests --bins && target/release/crash-suite --kills 1000`

use clap::{Parser, ValueEnum};
use std::process::ExitCode;
use trastienda_tests::Backend;
use trastienda_tests::crash::{Binaries, CrashConfig, run};

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    Sqlite,
    Postgres,
    Both,
}

#[derive(Parser, Debug)]
#[command(
    about = "SIGKILL tills and the HQ server at random points; prove nothing lost or duplicated"
)]
struct Args {
    /// Kills of the till and of the server, each, per backend.
    #[arg(long, default_value_t = 100)]
    kills: u64,
    /// Only the till kills, or only the server kills (default both).
    #[arg(long)]
    till_only: bool,
    #[arg(long)]
    server_only: bool,
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// In-process tills pushing while the server is killed.
    #[arg(long, default_value_t = 4)]
    tills: usize,
    /// `postgres` needs TRASTIENDA_TEST_POSTGRES_URL (a server where it may create a database).
    #[arg(long, value_enum, default_value = "both")]
    backend: Which,
    /// The server binary to kill (default: hq-server beside this program; e.g.
    /// target/release/back-office-server, which runs the same command line).
    #[arg(long)]
    server_bin: Option<std::path::PathBuf>,
}

#[tokio::main]
async fn main() -> ExitCode {
    let a = Args::parse();
    let bins = match Binaries::beside_current_exe() {
        Ok(mut b) => {
            if let Some(s) = a.server_bin.clone() {
                b.hq_server = s;
            }
            b
        }
        Err(e) => {
            eprintln!("crash-suite: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let backends = match a.backend {
        Which::Sqlite => vec![Backend::Sqlite],
        Which::Postgres => vec![Backend::Postgres],
        Which::Both => vec![Backend::Sqlite, Backend::Postgres],
    };
    for backend in backends {
        let cfg = CrashConfig {
            backend,
            till_kills: if a.server_only { 0 } else { a.kills },
            server_kills: if a.till_only { 0 } else { a.kills },
            seed: a.seed,
            tills: a.tills,
            progress_every: 50,
        };
        match run(cfg, &bins).await {
            Ok(Some(s)) => println!("{}", serde_json::to_string_pretty(&s).unwrap_or_default()),
            Ok(None) => {}
            Err(e) => {
                eprintln!("crash-suite: {e:#}");
                return ExitCode::FAILURE;
            }
        }
    }
    ExitCode::SUCCESS
}
