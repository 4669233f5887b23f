//! What the till and HQ share to speak to people: the two languages, Fluent messages embedded in
//! the binary with a Spanish fallback, money and numbers as each language writes them, and the time
//! zone a store trades in with the business day and local hour of an instant there.

pub mod format;
pub mod language;
pub mod messages;
pub mod time;

pub use language::Language;
pub use messages::Messages;
pub use time::{DEFAULT_TIME_ZONE, TimeZone, TimeZoneError, business_day, local_hour};
/// `key!("message-id")`: a message id checked at compile time (see `trastienda-l10n-macros`).
pub use trastienda_l10n_macros::key;
