//! HQ's catalog CSV import parser (`web::catalog::parse_csv`, what `POST /dashboard/catalog/import`
//! calls): no panic on any text; an error names a line; prices in the fields parse or are refused.
#![no_main]

use back_office_server::web::catalog::parse_csv;
use libfuzzer_sys::fuzz_target;
use sync_protocol::Money;

fuzz_target!(|text: &str| {
    match parse_csv(text) {
        Ok(rows) => {
            for row in &rows {
                assert!(!row.is_empty());
                for field in row {
                    let _ = field.parse::<Money>();
                }
            }
        }
        Err(e) => assert!(e.starts_with("line "), "{e}"),
    }
});
