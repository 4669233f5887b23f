//! `pos-terminal [LEDGER_PATH]`: runs the till on the ledger at LEDGER_PATH, or
//! `$TRASTIENDA_TILL_DATA`, or `./till-data/ledger.db`.

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
