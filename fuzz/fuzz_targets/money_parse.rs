//! Money, quantities and rates from text (wire strings, CSV, forms): no panic; what parses prints
//! back to a string that parses to the same value; arithmetic within the parse bounds is safe.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::{Money, Quantity, TaxRate};

fuzz_target!(|data: (&str, &str)| {
    let (a, b) = data;
    if let Ok(m) = a.parse::<Money>() {
        assert_eq!(m.to_string().parse::<Money>(), Ok(m));
        assert_eq!(Money::from_cents(m.cents()), m);
        if let Ok(q) = b.parse::<Quantity>() {
            let _ = m.times(q);
            assert_eq!(q.to_string().parse::<Quantity>(), Ok(q));
        }
        if let Ok(n) = b.parse::<Money>() {
            let _ = m + n;
            let _ = m - n;
        }
    }
    if let Ok(r) = a.parse::<TaxRate>() {
        assert_eq!(r.to_string().parse::<TaxRate>(), Ok(r));
    }
});
