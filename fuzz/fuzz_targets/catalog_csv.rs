//! The reader behind HQ's CSV imports (`web::csv_file::read_rows`: catalog, costs, replenishment
//! rules): no panic on any text; every row it keeps has something in it and the line it starts on,
//! in order; prices in the fields parse or are refused.
#![no_main]

use back_office_server::web::csv_file::read_rows;
use libfuzzer_sys::fuzz_target;
use sync_protocol::Money;

fuzz_target!(|text: &str| {
    if let Ok(rows) = read_rows(text) {
        let mut last = 0;
        for row in &rows {
            assert!(row.fields.iter().any(|f| !f.trim().is_empty()));
            assert!(row.line >= 1 && row.line >= last, "{last} then {}", row.line);
            last = row.line;
            for field in &row.fields {
                let _ = field.parse::<Money>();
            }
        }
    }
});
