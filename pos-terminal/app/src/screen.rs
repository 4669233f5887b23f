//! One module per screen, each with its own `Message` and an `Action` for the parent.

pub mod about;
pub mod enrol;
pub mod invoice;
pub mod login;
pub mod pay;
pub mod recall;
pub mod refund;
pub mod sell;
pub mod settings;
// The store manager's screens (issue 5).
pub mod close;
pub mod count;
pub mod manager;
pub mod stock;
