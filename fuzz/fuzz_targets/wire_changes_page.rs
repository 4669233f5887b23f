//! A changes page as a till decodes it (protocol growth included: unknown kinds become
//! `CatalogChange::Unknown`): no panic, and what parsed round-trips through JSON.
#![no_main]

use libfuzzer_sys::fuzz_target;
use sync_protocol::{CatalogChange, ChangesPage, is_reportable_kind};

fuzz_target!(|data: &[u8]| {
    let Ok(page) = serde_json::from_slice::<ChangesPage>(data) else {
        return;
    };
    for c in &page.changes {
        let kind = c.change.kind();
        if let CatalogChange::Unknown { kind } = &c.change {
            assert!(!CatalogChange::is_known_kind(kind));
        }
        let _ = is_reportable_kind(kind);
        if let CatalogChange::BarcodeRule(r) = &c.change {
            let _ = r.rule().validate();
        }
    }
    let text = serde_json::to_string(&page).expect("a parsed page serialises");
    let back: ChangesPage = serde_json::from_str(&text).expect("what we wrote parses");
    assert_eq!(back, page, "changes page does not round-trip");
});
