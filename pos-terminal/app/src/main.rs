//! `pos-terminal [--kiosk] [LEDGER_PATH]`: runs the till on the ledger at LEDGER_PATH, or
//! `$TRASTIENDA_TILL_DATA`, or `./till-data/ledger.db`. `--kiosk` (or `TRASTIENDA_TILL_KIOSK=1`):
//! full screen, no title bar, not closed by the window manager.

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
    let mut kiosk = std::env::var_os("TRASTIENDA_TILL_KIOSK").is_some_and(|v| v == "1");
    let mut path = None;
    for arg in std::env::args_os().skip(1) {
        if arg == "--kiosk" {
            kiosk = true;
        } else {
            path = Some(std::path::PathBuf::from(arg));
        }
    }
    let path = path.unwrap_or_else(pos_terminal_app::default_ledger_path);
    let app = pos_terminal_app::application(path);
    if kiosk {
        app.window(pos_terminal_app::kiosk_window()).run()
    } else {
        app.run()
    }
}
