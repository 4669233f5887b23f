//! Spanish tax ids (NIF, NIE, CIF): validation never panics, normalising is idempotent, a valid
//! id is already normalised, and an id made by `make_cif` validates.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::nif::{cif_control_digit, make_cif, normalise, validate};

fuzz_target!(|data: (String, char)| {
    let (s, kind) = data;
    // `validate` takes a normalised id (callers normalise first): a valid one is its own
    // normal form, and normalising is idempotent.
    let n = normalise(&s);
    assert_eq!(normalise(&n), n, "normalise is not idempotent");
    if validate(&s).is_ok() {
        assert_eq!(n, s, "{s:?} validated but is not normalised");
    }
    let _ = validate(&n);
    let _ = cif_control_digit(&s);
    if let Some(cif) = make_cif(kind, &s) {
        assert!(validate(&cif).is_ok(), "make_cif({kind:?}, {s:?}) = {cif:?} does not validate");
    }
});
