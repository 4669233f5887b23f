//! Facturae 3.2.2 output: valid against the official XSD (xmllint, schema from PyPI
//! odoo-addon-l10n-es-facturae) for an invoice, goods with recargo, a person customer and a credit note,
//! and the same values as the hand-checked sample for the same invoice.

mod common;

use common::*;
use std::path::PathBuf;
use std::process::Command;
use trastienda_einvoice::*;

fn xml(draft: InvoiceDraft) -> String {
    String::from_utf8(facturae::to_xml(&Invoice::new(draft).unwrap()).unwrap()).unwrap()
}

fn xsd() -> Option<PathBuf> {
    let dir = std::env::var("TRASTIENDA_FACTURAE_XSD_DIR")
        .unwrap_or_else(|_| "/work/venv/share/facturae-xsd".into());
    let xsd = PathBuf::from(dir).join("Facturaev3_2_2.xsd");
    if !xsd.exists() {
        println!(
            "skipped: no {} (set TRASTIENDA_FACTURAE_XSD_DIR)",
            xsd.display()
        );
        return None;
    }
    if Command::new("xmllint").arg("--version").output().is_err() {
        println!("skipped: xmllint is not installed (apt libxml2-utils)");
        return None;
    }
    Some(xsd)
}

#[test]
fn xsd_valid_invoices_and_credit_note() {
    let Some(xsd) = xsd() else { return };
    let dir = tempfile::tempdir().unwrap();
    let mut english = royalty_draft();
    english.language = Language::En;
    english.payment = transfer();
    for (name, body) in [
        ("royalty.xml", xml(royalty_draft())),
        ("goods-recargo.xml", xml(goods_draft())),
        ("credit-note.xml", xml(credit_note_draft())),
        ("transfer-en.xml", xml(english)),
        ("exempt.xml", xml(exempt_and_reverse_charge())),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &body).unwrap();
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} is not valid Facturae 3.2.2:\n{}\n{body}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn an_invalid_document_is_caught_by_the_same_check() {
    let Some(xsd) = xsd() else { return };
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("bad.xml");
    std::fs::write(
        &path,
        xml(royalty_draft()).replace(
            "<InvoiceClass>OO</InvoiceClass>",
            "<InvoiceClass>XX</InvoiceClass>",
        ),
    )
    .unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&xsd)
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
}

#[test]
fn recargo_and_credit_note_fields() {
    let x = xml(goods_draft());
    assert!(x.contains("<PersonTypeCode>F</PersonTypeCode>"));
    assert!(x.contains("<FirstSurname>López</FirstSurname>"));
    assert!(x.contains("<EquivalenceSurcharge>5.20</EquivalenceSurcharge>"));
    // VAT 64.86 + recargo 4.10
    assert!(x.contains("<TotalTaxOutputs>68.96</TotalTaxOutputs>"));
    assert!(x.contains("<InvoiceTotal>466.47</InvoiceTotal>"));
    assert!(x.contains("<AccountToBeCredited>"));
    assert!(x.contains("<PaymentMeans>04</PaymentMeans>"));

    let c = xml(credit_note_draft());
    assert!(c.contains("<InvoiceClass>OR</InvoiceClass>"));
    assert!(c.contains("<InvoiceSeriesCode>FQ-2026</InvoiceSeriesCode>"));
    assert!(c.contains("<InvoiceNumber>000043</InvoiceNumber>"));
    assert!(c.contains("<ReasonCode>83</ReasonCode>"));
    assert!(c.contains("<CorrectionMethod>02</CorrectionMethod>"));
    assert!(c.contains("<InvoiceTotal>-30.25</InvoiceTotal>"));
    assert!(c.contains("<Quantity>-3.000</Quantity>"));
}

#[test]
fn same_values_as_the_reference_sample() {
    let Some(sample) = reference_sample("facturae-3.2.2.xml") else {
        return;
    };
    let ours = xml(sample_draft());
    let missing = missing_from(&sample, &ours, &[]);
    assert!(
        missing.is_empty(),
        "sample values missing from ours: {missing:#?}\n{ours}"
    );
}
