//! One module per screen, each with its own `Message` and an `Action` for the parent.

pub mod enrol;
pub mod login;
pub mod pay;
pub mod sell;
// The store manager's screens (issue 5).
pub mod close;
pub mod count;
pub mod manager;
pub mod stock;
