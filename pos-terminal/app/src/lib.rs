//! The Trastienda till: an iced 0.14 app on top of the `pos-terminal` library.
//! One module per screen, each with its own `Message`; domain code stays in `pos_terminal`.

mod app;
/// `key!("message-id")`: a Fluent message id checked at compile time against `locales/*/*.ftl`.
pub use trastienda_l10n::key;

pub mod format;
pub mod i18n;
pub mod keypad;
pub mod ledger_task;
pub mod manager;
pub mod printing;
pub mod screen;
pub mod serial_scanner;
pub mod settings;
pub mod status;
pub mod theme;
pub mod wedge;
pub mod worker;

pub use app::{
    AppReply, Hardware, Key, Message, Queued, Screen, Till, application, default_ledger_path,
    key_message, kiosk_window,
};
