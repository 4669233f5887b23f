//! `back-office-server`: see `--help`.

use clap::Parser;
use std::process::ExitCode;

// Every push keeps its store's stock in its transaction (issue 13): a server built with the ingest
// bench's switch that skips it must not exist.
const _: () = assert!(
    !back_office_server::storage::stock::STOCK_CAN_BE_SKIPPED,
    "back-office-server's `bench-baseline` feature is for benchmarks only; the server cannot be built with it"
);

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,tower_http=info,pos_terminal=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = back_office_server::cli::Cli::parse();
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(back_office_server::cli::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
