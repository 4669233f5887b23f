//! What the till and HQ share to speak to people: the time zone a store trades in, the business
//! day and local hour of an instant there, so both ends count a sale on the same day.

pub mod time;

pub use time::{DEFAULT_TIME_ZONE, TimeZone, TimeZoneError, business_day, local_hour};
