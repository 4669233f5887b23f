//! The Trastienda till: an iced 0.14 app on top of the `pos-terminal` library.
//! One module per screen, each with its own `Message`; domain code stays in `pos_terminal`.
//! Strings are Spanish for now (Fluent i18n comes later).

mod app;
pub mod format;
pub mod screen;
pub mod status;

pub use app::{Message, Screen, Till, application, default_ledger_path};
