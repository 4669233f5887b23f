//! `pos-terminal [LEDGER_PATH]`: runs the till on the ledger at LEDGER_PATH, or
//! `$TRASTIENDA_TILL_DATA`, or `./till-data/ledger.db`.

// Every sale, refund and full invoice gets its VERI*FACTU record (RD 1007/2023): a till built with
// the ledger's benchmark-only switch must not exist.
const _: () = assert!(
    !pos_terminal::ledger::RECORDS_CAN_BE_SKIPPED,
    "pos-terminal's `bench-baseline` feature is for benchmarks only; a till cannot be built with it"
);

fn main() -> iced::Result {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let path = std::env::args_os()
        .nth(1)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(pos_terminal_app::default_ledger_path);
    pos_terminal_app::application(path).run()
}
