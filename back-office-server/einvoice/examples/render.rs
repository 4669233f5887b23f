//! Renders the test fixtures (a royalty invoice, goods under recargo, a credit note, an English
//! invoice) as PDF, UBL and Facturae into a folder, to look at them:
//! `cargo run -p trastienda-einvoice --example render -- /tmp/invoices`.

#[path = "../tests/common/mod.rs"]
mod common;

use trastienda_einvoice::*;

fn main() -> std::process::ExitCode {
    let dir =
        std::path::PathBuf::from(std::env::args().nth(1).unwrap_or_else(|| "invoices".into()));
    if let Err(e) = std::fs::create_dir_all(&dir) {
        eprintln!("cannot create {}: {e}", dir.display());
        return std::process::ExitCode::FAILURE;
    }
    let mut english = common::royalty_draft();
    english.language = Language::En;
    english.payment = common::transfer();
    for (name, draft) in [
        ("royalty", common::royalty_draft()),
        ("goods-recargo", common::goods_draft()),
        ("credit-note", common::credit_note_draft()),
        ("royalty-en", english),
        ("long-texts", common::long_texts_draft()),
    ] {
        let lang = draft.language;
        let inv = match Invoice::new(draft) {
            Ok(i) => i,
            Err(e) => {
                eprintln!("{name}: {e}");
                return std::process::ExitCode::FAILURE;
            }
        };
        let outputs: [(&str, Result<Vec<u8>, String>); 3] = [
            ("pdf", pdf::render(&inv, lang).map_err(|e| e.to_string())),
            ("ubl.xml", ubl::to_xml(&inv).map_err(|e| e.to_string())),
            (
                "facturae.xml",
                facturae::to_xml(&inv).map_err(|e| e.to_string()),
            ),
        ];
        for (ext, bytes) in outputs {
            let path = dir.join(format!("{name}.{ext}"));
            match bytes.map(|b| std::fs::write(&path, b)) {
                Ok(Ok(())) => println!("{}", path.display()),
                Ok(Err(e)) => eprintln!("{}: {e}", path.display()),
                Err(e) => eprintln!("{name}.{ext}: {e}"),
            }
        }
    }
    std::process::ExitCode::SUCCESS
}
