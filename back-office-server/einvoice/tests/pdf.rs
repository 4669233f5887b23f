//! The PDF carries every field RD 1619/2012 art. 6 asks of a full invoice (read back with pdftotext from
//! poppler-utils), the VERI*FACTU QR legends before anything else, both languages, and page breaks.

mod common;

use common::*;
use std::process::Command;
use trastienda_einvoice::*;

/// The PDF's text in drawing order (`-raw`, so side-by-side boxes do not interleave), whitespace collapsed; `None` (and "skipped") without pdftotext.
fn pdf_text(inv: &Invoice, lang: Language) -> Option<String> {
    let bytes = pdf::render(inv, lang).unwrap();
    assert!(bytes.starts_with(b"%PDF-"));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("invoice.pdf");
    std::fs::write(&path, &bytes).unwrap();
    let out = match Command::new("pdftotext")
        .arg("-raw")
        .arg(&path)
        .arg("-")
        .output()
    {
        Ok(o) => o,
        Err(_) => {
            println!("skipped: pdftotext is not installed (apt poppler-utils)");
            return None;
        }
    };
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn assert_has(text: &str, needles: &[String]) {
    let missing: Vec<_> = needles
        .iter()
        .filter(|n| !text.contains(n.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "missing from the PDF text: {missing:#?}\n--- text ---\n{text}"
    );
}

/// Every legal field of art. 6 for this invoice, as the PDF must print it in `lang`.
fn legal_fields(inv: &Invoice, lang: Language) -> Vec<String> {
    let d = inv.draft();
    let mut f = vec![
        "QR tributario:".to_string(),
        "VERI*FACTU".to_string(),
        inv.full_number(),
        i18n::date(d.issue_date),
        i18n::date(d.payment.due_date),
    ];
    for p in [&d.issuer, &d.customer] {
        f.push(p.legal_name.clone());
        f.push(p.tax_id.clone());
        f.push(p.address.street.clone());
        f.push(format!("{} {}", p.address.postal_code, p.address.city));
    }
    let sign = |m: sync_protocol::Money| if inv.is_credit_note() { -m } else { m };
    for l in inv.lines() {
        f.push(l.draft.description.clone());
        f.push(i18n::amount(l.draft.unit_price, lang));
        f.push(i18n::amount(sign(l.net), lang));
        if let Some(disc) = &l.draft.discount {
            f.push(disc.reason.clone());
        }
    }
    for b in inv.breakdown() {
        f.push(i18n::amount(sign(b.base), lang));
        f.push(match b.category {
            VatCategory::Standard => format!("{} %", i18n::rate(b.rate, lang)),
            other => i18n::category(other, lang).to_string(),
        });
        f.push(i18n::amount(sign(b.vat), lang));
        if let Some(reason) = &b.exemption_reason {
            f.push(reason.clone());
        }
        if let Some(r) = b.surcharge_rate {
            f.push(format!("{} %", i18n::rate(r, lang)));
            f.push(i18n::amount(sign(b.surcharge), lang));
        }
    }
    f.push(i18n::money(sign(inv.totals().total), lang));
    match &d.payment.means {
        PaymentMeans::DirectDebit {
            mandate_reference, ..
        } => f.push(mandate_reference.clone()),
        PaymentMeans::Transfer { .. } => {}
    }
    if let Some(c) = inv.correction() {
        f.push(c.corrected_number.clone());
        f.push(i18n::date(c.corrected_issue_date));
        f.push(c.description.clone());
    }
    f
}

fn iban_of(d: &InvoiceDraft) -> String {
    match &d.payment.means {
        PaymentMeans::DirectDebit { debtor_iban, .. } => debtor_iban.clone(),
        PaymentMeans::Transfer { payee_iban, .. } => payee_iban.clone(),
    }
}

fn check(draft: InvoiceDraft, lang: Language, extra: &[&str]) {
    let iban = iban_of(&draft);
    let inv = Invoice::new(draft).unwrap();
    let Some(text) = pdf_text(&inv, lang) else {
        return;
    };
    let mut needles = legal_fields(&inv, lang);
    needles.extend(extra.iter().map(|s| s.to_string()));
    assert_has(&text, &needles);
    assert!(
        text.replace(' ', "").contains(&iban),
        "IBAN {iban} missing:\n{text}"
    );
    // The QR legend comes before the invoice's content (Orden HAC/1177/2024 art. 21).
    let qr = text.find("QR tributario:").unwrap();
    assert!(qr < text.find(&inv.draft().issuer.legal_name).unwrap());
    assert!(qr < text.find(&inv.full_number()).unwrap());
}

#[test]
fn royalty_invoice_by_direct_debit_in_spanish() {
    check(
        royalty_draft(),
        Language::Es,
        &[
            "FACTURA",
            "Base imponible",
            "Cuota IVA",
            "Adeudo directo SEPA",
            "ES11000B12345674",
            "1.278,66 €",
            "noviembre 2026",
        ],
    );
}

#[test]
fn goods_with_recargo_de_equivalencia() {
    check(
        goods_draft(),
        Language::Es,
        &[
            "Recargo de equivalencia",
            "Rec. equiv. 5,2 %",
            "466,47 €",
            "4,10 €",
        ],
    );
}

#[test]
fn credit_note_names_the_corrected_invoice_and_reason() {
    check(
        credit_note_draft(),
        Language::Es,
        &[
            "FACTURA RECTIFICATIVA",
            "Rectifica la factura FQ-2026-000043 de fecha 01/12/2026",
            "-30,25 €",
            "TOTAL RECTIFICADO",
        ],
    );
}

#[test]
fn english_invoice_by_transfer() {
    let mut d = royalty_draft();
    d.language = Language::En;
    d.payment = transfer();
    check(
        d,
        Language::En,
        &[
            "INVOICE",
            "Taxable",
            "Bank transfer",
            "Due date",
            "€1,278.66",
            "CAIXESBBXXX",
            "November 2026",
        ],
    );
}

#[test]
fn long_invoices_break_pages_and_number_them() {
    let mut d = goods_draft();
    let template = d.lines[1].clone();
    d.lines = (1..=90)
        .map(|i| {
            let mut l = template.clone();
            l.description = format!("Albarán DN-{i:03} (03/11/2026): Café en grano 1 kg, lote {i}");
            l
        })
        .collect();
    let inv = Invoice::new(d).unwrap();
    let Some(text) = pdf_text(&inv, Language::Es) else {
        return;
    };
    assert!(
        text.contains("Página 1 de 3") || text.contains("Página 1 de 4"),
        "{text}"
    );
    assert!(
        text.contains("FACTURA FQ-2026-000043"),
        "continuation header missing"
    );
    for i in 1..=90 {
        assert!(text.contains(&format!("lote {i}")), "line {i} lost");
    }
    assert!(text.contains(&i18n::money(inv.totals().total, Language::Es)));
}

#[test]
fn qr_code_scans_back_to_the_verifactu_url() {
    let inv = Invoice::new(royalty_draft()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pdf_path = dir.path().join("invoice.pdf");
    std::fs::write(&pdf_path, pdf::render(&inv, Language::Es).unwrap()).unwrap();
    let png = dir.path().join("page");
    let rendered = Command::new("pdftoppm")
        .args(["-png", "-r", "150", "-singlefile"])
        .arg(&pdf_path)
        .arg(&png)
        .status();
    if !rendered.is_ok_and(|s| s.success()) {
        println!("skipped: pdftoppm is not installed (apt poppler-utils)");
        return;
    }
    let Ok(out) = Command::new("zbarimg")
        .args(["--raw", "-q"])
        .arg(dir.path().join("page.png"))
        .output()
    else {
        println!("skipped: zbarimg is not installed (apt zbar-tools)");
        return;
    };
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(text.trim(), inv.draft().verifactu_qr_url);
}

#[test]
fn longest_texts_wrap_and_every_field_is_still_there() {
    let d = long_texts_draft();
    check(
        d,
        Language::Es,
        &[
            "Exenta art. 20.Uno.9 LIVA",
            "el abono se compensará con la próxima factura mensual",
        ],
    );
}
