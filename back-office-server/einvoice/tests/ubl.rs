//! UBL 2.1 output: the shape Peppol BIS 3 expects, and the oracle (UBL XSD + CEN EN 16931 schematron,
//! run by tests/check_ubl.py) finding no XSD error and no fatal assertion; a wrong total must fire BR-CO-16.

mod common;

use common::*;
use std::path::PathBuf;
use trastienda_einvoice::*;

fn xml(draft: InvoiceDraft) -> String {
    String::from_utf8(ubl::to_xml(&Invoice::new(draft).unwrap()).unwrap()).unwrap()
}

fn english_transfer() -> InvoiceDraft {
    let mut d = royalty_draft();
    d.language = Language::En;
    d.payment = transfer();
    d.number = 44;
    d
}

#[test]
fn invoice_carries_peppol_identifiers_mandate_and_totals() {
    let x = xml(royalty_draft());
    for needle in [
        "<cbc:CustomizationID>urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0</cbc:CustomizationID>",
        "<cbc:ProfileID>urn:fdc:peppol.eu:2017:poacc:billing:01:1.0</cbc:ProfileID>",
        "<cbc:ID>FQ-2026-000042</cbc:ID>",
        "<cbc:InvoiceTypeCode>380</cbc:InvoiceTypeCode>",
        "<cbc:EndpointID schemeID=\"9920\">ESB12345674</cbc:EndpointID>",
        "<cbc:EndpointID schemeID=\"9920\">ESA58818501</cbc:EndpointID>",
        "<cbc:PaymentMeansCode name=\"SEPA direct debit\">59</cbc:PaymentMeansCode>",
        "<cbc:ID>FRQ-0001</cbc:ID>",
        "<cbc:ID>ES7921000813610123456789</cbc:ID>",
        "<cbc:ID schemeID=\"SEPA\">ES11000B12345674</cbc:ID>",
        "<cbc:PayableAmount currencyID=\"EUR\">1278.66</cbc:PayableAmount>",
        "<cbc:TaxAmount currencyID=\"EUR\">221.92</cbc:TaxAmount>",
        "<cbc:StartDate>2026-10-01</cbc:StartDate>",
    ] {
        assert!(x.contains(needle), "missing {needle} in\n{x}");
    }
    let t = xml(english_transfer());
    assert!(t.contains("<cbc:PaymentMeansCode>58</cbc:PaymentMeansCode>"));
    assert!(t.contains("<cbc:ID>CAIXESBBXXX</cbc:ID>"));
}

#[test]
fn credit_note_cites_the_corrected_invoice() {
    let x = xml(credit_note_draft());
    assert!(x.contains(
        "<CreditNote xmlns=\"urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2\""
    ));
    assert!(x.contains("<cbc:CreditNoteTypeCode>381</cbc:CreditNoteTypeCode>"));
    assert!(x.contains("<cac:BillingReference>"));
    assert!(x.contains("<cbc:ID>FQ-2026-000043</cbc:ID>"));
    assert!(x.contains("<cbc:CreditedQuantity unitCode=\"C62\">3.000</cbc:CreditedQuantity>"));
    assert!(x.contains("Devolución de 3 cajas de vasos del albarán DN-118"));
    assert!(x.contains("<cbc:PayableAmount currencyID=\"EUR\">30.25</cbc:PayableAmount>"));
}

fn write_all(dir: &std::path::Path, docs: &[(&str, String)]) -> Vec<PathBuf> {
    docs.iter()
        .map(|(name, body)| {
            let p = dir.join(name);
            std::fs::write(&p, body).unwrap();
            p
        })
        .collect()
}

#[test]
fn xsd_valid_and_en16931_schematron_clean() {
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(
        dir.path(),
        &[
            ("royalty.xml", xml(royalty_draft())),
            ("goods-recargo.xml", xml(goods_draft())),
            ("credit-note.xml", xml(credit_note_draft())),
            ("transfer-en.xml", xml(english_transfer())),
            ("exempt.xml", xml(exempt_and_reverse_charge())),
        ],
    );
    let Some(verdicts) = check_ubl(&files) else {
        return;
    };
    for v in &verdicts {
        assert!(
            v.xsd_errors.is_empty(),
            "{}: XSD errors {:?}",
            v.file,
            v.xsd_errors
        );
        let fatal: Vec<_> = v
            .failed
            .iter()
            .filter(|f| f.flag.as_deref() == Some("fatal"))
            .collect();
        assert!(
            fatal.is_empty(),
            "{}: fatal schematron failures {fatal:#?}",
            v.file
        );
        for w in &v.failed {
            println!("{}: warning {:?}: {}", v.file, w.id, w.text);
        }
    }
    assert_eq!(verdicts[2].root, "CreditNote");
}

#[test]
fn a_wrong_total_fires_br_co_16_and_a_wrong_vat_fires_br_co_14() {
    let good = xml(royalty_draft());
    let wrong_payable = good.replace(
        "<cbc:PayableAmount currencyID=\"EUR\">1278.66</cbc:PayableAmount>",
        "<cbc:PayableAmount currencyID=\"EUR\">1278.67</cbc:PayableAmount>",
    );
    assert_ne!(wrong_payable, good);
    let wrong_vat = good.replacen(
        "<cbc:TaxAmount currencyID=\"EUR\">221.92</cbc:TaxAmount>",
        "<cbc:TaxAmount currencyID=\"EUR\">221.90</cbc:TaxAmount>",
        1,
    );
    let dir = tempfile::tempdir().unwrap();
    let files = write_all(
        dir.path(),
        &[("payable.xml", wrong_payable), ("vat.xml", wrong_vat)],
    );
    let Some(verdicts) = check_ubl(&files) else {
        return;
    };
    let fired = |v: &UblVerdict, id: &str| {
        v.failed
            .iter()
            .any(|f| f.id.as_deref() == Some(id) && f.flag.as_deref() == Some("fatal"))
    };
    assert!(fired(&verdicts[0], "BR-CO-16"), "{:#?}", verdicts[0]);
    assert!(fired(&verdicts[1], "BR-CO-14"), "{:#?}", verdicts[1]);
}

#[test]
fn same_values_as_the_reference_sample() {
    let Some(sample) = reference_sample("ubl-invoice.xml") else {
        return;
    };
    let mut draft = sample_draft();
    // The UBL sample gives the customer's postal zone as 46001 (the Facturae one says 46002).
    draft.customer.address.postal_code = "46001".into();
    let ours = xml(draft);
    let missing = missing_from(&sample, &ours, &[]);
    assert!(
        missing.is_empty(),
        "sample values missing from ours: {missing:#?}\n{ours}"
    );
}
