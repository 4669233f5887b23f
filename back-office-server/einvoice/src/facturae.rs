//! The invoice as Facturae 3.2.2 (the Spanish e-invoice format, FACe), unsigned: valid against
//! `Facturaev3_2_2.xsd`. Signing (XAdES) is left to whoever sends it to a public administration.
//!
//! A credit note is an `OR` (original rectificativa) by differences (`CorrectionMethod` 02) with negative
//! quantities and amounts, as Spanish accounting reads a rectificativa. Recargo de equivalencia sits in
//! each `Tax` row next to its VAT rate, and counts in `TotalTaxOutputs`, as Facturae defines it.

use crate::model::{
    Invoice, Party, PartyKind, PaymentMeans, Period, VatCategory, is_eu, nif_is_person,
};
use crate::xml::{Xml, XmlError};
use rust_decimal::Decimal;
use sync_protocol::{Money, TaxRate};

const NS: &str = "http://www.facturae.gob.es/formato/Versiones/Facturaev3_2_2.xml";
const NS_DS: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Why an invoice cannot be written as Facturae.
#[derive(Debug, thiserror::Error)]
pub enum FacturaeError {
    #[error(transparent)]
    Xml(#[from] XmlError),
    #[error(
        "the corrected invoice number '{0}' does not fit Facturae (series and number of at most 20 characters each)"
    )]
    CorrectedNumberTooLong(String),
    #[error("the {field} '{value}' is longer than Facturae's {max} characters")]
    TooLong {
        field: &'static str,
        value: String,
        max: usize,
    },
    #[error("country '{0}' has no ISO 3166 alpha-3 code")]
    UnknownCountry(String),
}

fn tax_rows(
    x: &mut Xml,
    rate: TaxRate,
    base: Money,
    vat: Money,
    surcharge: Option<(TaxRate, Money)>,
) -> Result<(), XmlError> {
    x.open("Tax")?
        .leaf("TaxTypeCode", "01")?
        .leaf("TaxRate", &rate.to_string())?
        .open("TaxableBase")?
        .leaf("TotalAmount", &base.to_string())?
        .close("TaxableBase")?
        .open("TaxAmount")?
        .leaf("TotalAmount", &vat.to_string())?
        .close("TaxAmount")?;
    if let Some((r, amount)) = surcharge {
        x.leaf("EquivalenceSurcharge", &r.to_string())?
            .open("EquivalenceSurchargeAmount")?
            .leaf("TotalAmount", &amount.to_string())?
            .close("EquivalenceSurchargeAmount")?;
    }
    x.close("Tax")?;
    Ok(())
}

fn period(x: &mut Xml, name: &str, p: &Period) -> Result<(), XmlError> {
    x.open(name)?
        .leaf("StartDate", &p.start.to_string())?
        .leaf("EndDate", &p.end.to_string())?
        .close(name)?;
    Ok(())
}

fn address(x: &mut Xml, p: &Party) -> Result<(), FacturaeError> {
    let a = &p.address;
    let alpha3 = crate::model::country_alpha3(&a.country)
        .ok_or_else(|| FacturaeError::UnknownCountry(a.country.clone()))?;
    if a.country == "ES" {
        x.open("AddressInSpain")?
            .leaf("Address", &a.street)?
            .leaf("PostCode", &a.postal_code)?
            .leaf("Town", &a.city)?
            .leaf("Province", &a.province)?
            .leaf("CountryCode", alpha3)?
            .close("AddressInSpain")?;
    } else {
        let town = format!("{} {}", a.postal_code, a.city);
        if town.chars().count() > 50 {
            return Err(FacturaeError::TooLong {
                field: "postcode and town",
                value: town,
                max: 50,
            });
        }
        x.open("OverseasAddress")?
            .leaf("Address", &a.street)?
            .leaf("PostCodeAndTown", &town)?
            .leaf("Province", &a.province)?
            .leaf("CountryCode", alpha3)?
            .close("OverseasAddress")?;
    }
    Ok(())
}

fn party(x: &mut Xml, element: &str, p: &Party) -> Result<(), FacturaeError> {
    let person = matches!(p.kind, PartyKind::Individual { .. })
        || (p.address.country == "ES" && nif_is_person(&p.tax_id));
    let residence = if p.address.country == "ES" {
        "R"
    } else if is_eu(&p.address.country) {
        "U"
    } else {
        "E"
    };
    x.open(element)?
        .open("TaxIdentification")?
        .leaf("PersonTypeCode", if person { "F" } else { "J" })?
        .leaf("ResidenceTypeCode", residence)?
        .leaf("TaxIdentificationNumber", &p.vat_id())?
        .close("TaxIdentification")?;
    match &p.kind {
        PartyKind::Individual {
            first_name,
            first_surname,
            second_surname,
        } => {
            x.open("Individual")?
                .leaf("Name", first_name)?
                .leaf("FirstSurname", first_surname)?;
            if let Some(s) = second_surname.as_deref().filter(|s| !s.trim().is_empty()) {
                x.leaf("SecondSurname", s)?;
            }
            address(x, p)?;
            x.close("Individual")?;
        }
        PartyKind::Company => {
            x.open("LegalEntity")?
                .leaf("CorporateName", &p.legal_name)?;
            address(x, p)?;
            x.close("LegalEntity")?;
        }
    }
    x.close(element)?;
    Ok(())
}

fn percent_of(base: Money, rate: TaxRate) -> Money {
    Money::new(base.as_decimal() * rate.as_decimal() / Decimal::ONE_HUNDRED)
}

/// Series and number of a corrected invoice as Facturae splits them: `FQ-2026-000043` → (`FQ-2026`, `000043`).
fn split_number(full: &str) -> Result<(Option<&str>, &str), FacturaeError> {
    let (series, number) = match full.rsplit_once('-') {
        Some((s, n)) if !s.is_empty() && !n.is_empty() => (Some(s), n),
        _ => (None, full),
    };
    if number.chars().count() > 20 || series.is_some_and(|s| s.chars().count() > 20) {
        return Err(FacturaeError::CorrectedNumberTooLong(full.to_string()));
    }
    Ok((series, number))
}

/// Writes the invoice or credit note as one unsigned Facturae 3.2.2 file (a batch of one invoice).
pub fn to_xml(inv: &Invoice) -> Result<Vec<u8>, FacturaeError> {
    let d = inv.draft();
    let credit = inv.correction();
    // Facturae writes a rectificativa by differences with negative amounts.
    let sign = |m: Money| if credit.is_some() { -m } else { m };
    let t = inv.totals();
    let total = sign(t.total).to_string();

    let mut x = Xml::new()?;
    x.open_with("fe:Facturae", &[("xmlns:fe", NS), ("xmlns:ds", NS_DS)])?;
    x.open("FileHeader")?
        .leaf("SchemaVersion", "3.2.2")?
        .leaf("Modality", "I")?
        .leaf("InvoiceIssuerType", "EM")?
        .open("Batch")?
        .leaf(
            "BatchIdentifier",
            &format!("{}{}", d.issuer.tax_id, inv.full_number()),
        )?
        .leaf("InvoicesCount", "1")?;
    for name in [
        "TotalInvoicesAmount",
        "TotalOutstandingAmount",
        "TotalExecutableAmount",
    ] {
        x.open(name)?.leaf("TotalAmount", &total)?.close(name)?;
    }
    x.leaf("InvoiceCurrencyCode", crate::model::CURRENCY)?
        .close("Batch")?
        .close("FileHeader")?;

    x.open("Parties")?;
    party(&mut x, "SellerParty", &d.issuer)?;
    party(&mut x, "BuyerParty", &d.customer)?;
    x.close("Parties")?;

    x.open("Invoices")?.open("Invoice")?;
    x.open("InvoiceHeader")?
        .leaf("InvoiceNumber", &inv.padded_number())?
        .leaf("InvoiceSeriesCode", &d.series)?
        .leaf("InvoiceDocumentType", "FC")?
        .leaf("InvoiceClass", if credit.is_some() { "OR" } else { "OO" })?;
    if let Some(c) = credit {
        let (series, number) = split_number(&c.corrected_number)?;
        x.open("Corrective")?.leaf("InvoiceNumber", number)?;
        if let Some(s) = series {
            x.leaf("InvoiceSeriesCode", s)?;
        }
        x.leaf("ReasonCode", c.reason.facturae_code())?
            .leaf("ReasonDescription", c.reason.facturae_description())?;
        let tax_period = c.corrected_period.unwrap_or(Period {
            start: c.corrected_issue_date,
            end: c.corrected_issue_date,
        });
        period(&mut x, "TaxPeriod", &tax_period)?;
        x.leaf("CorrectionMethod", "02")?
            .leaf(
                "CorrectionMethodDescription",
                "Rectificación por diferencias",
            )?
            .leaf("AdditionalReasonDescription", &c.description)?
            .leaf("InvoiceIssueDate", &c.corrected_issue_date.to_string())?
            .close("Corrective")?;
    }
    x.close("InvoiceHeader")?;

    x.open("InvoiceIssueData")?
        .leaf("IssueDate", &d.issue_date.to_string())?;
    if let Some(p) = &d.period {
        period(&mut x, "InvoicingPeriod", p)?;
    }
    x.leaf("InvoiceCurrencyCode", crate::model::CURRENCY)?
        .leaf("TaxCurrencyCode", crate::model::CURRENCY)?
        .leaf("LanguageName", d.language.code())?
        .close("InvoiceIssueData")?;

    x.open("TaxesOutputs")?;
    for b in inv.breakdown() {
        tax_rows(
            &mut x,
            b.rate,
            sign(b.base),
            sign(b.vat),
            b.surcharge_rate.map(|r| (r, sign(b.surcharge))),
        )?;
    }
    x.close("TaxesOutputs")?;

    x.open("InvoiceTotals")?
        .leaf("TotalGrossAmount", &sign(t.lines_net).to_string())?
        .leaf(
            "TotalGrossAmountBeforeTaxes",
            &sign(t.lines_net).to_string(),
        )?
        .leaf("TotalTaxOutputs", &sign(t.vat + t.surcharge).to_string())?
        .leaf("TotalTaxesWithheld", "0.00")?
        .leaf("InvoiceTotal", &total)?
        .leaf("TotalOutstandingAmount", &total)?
        .leaf("TotalExecutableAmount", &total)?
        .close("InvoiceTotals")?;

    x.open("Items")?;
    for line in inv.lines() {
        let l = &line.draft;
        let qty = if credit.is_some() {
            -l.quantity
        } else {
            l.quantity
        };
        x.open("InvoiceLine")?
            .leaf("ItemDescription", &l.description)?
            .leaf("Quantity", &qty.to_string())?
            .leaf("UnitOfMeasure", l.unit.facturae())?
            .leaf("UnitPriceWithoutTax", &l.unit_price.to_string())?
            .leaf("TotalCost", &sign(line.gross).to_string())?;
        if let Some(disc) = &l.discount {
            x.open("DiscountsAndRebates")?
                .open("Discount")?
                .leaf("DiscountReason", &disc.reason)?
                .leaf("DiscountAmount", &sign(disc.amount).to_string())?
                .close("Discount")?
                .close("DiscountsAndRebates")?;
        }
        x.leaf("GrossAmount", &sign(line.net).to_string())?;
        x.open("TaxesOutputs")?;
        let re = l.surcharge_rate.filter(|r| !r.is_zero());
        tax_rows(
            &mut x,
            l.vat_rate,
            sign(line.net),
            sign(percent_of(line.net, l.vat_rate)),
            re.map(|r| (r, sign(percent_of(line.net, r)))),
        )?;
        x.close("TaxesOutputs")?;
        if let Some(p) = &l.period {
            period(&mut x, "LineItemPeriod", p)?;
        }
        x.close("InvoiceLine")?;
    }
    x.close("Items")?;

    if credit.is_none() {
        x.open("PaymentDetails")?
            .open("Installment")?
            .leaf("InstallmentDueDate", &d.payment.due_date.to_string())?
            .leaf("InstallmentAmount", &total)?;
        match &d.payment.means {
            PaymentMeans::DirectDebit { debtor_iban, .. } => {
                x.leaf("PaymentMeans", "02")?
                    .open("AccountToBeDebited")?
                    .leaf(
                        "IBAN",
                        &crate::model::validate_iban(debtor_iban)
                            .unwrap_or_else(|_| debtor_iban.clone()),
                    )?
                    .close("AccountToBeDebited")?;
            }
            PaymentMeans::Transfer { payee_iban, bic } => {
                x.leaf("PaymentMeans", "04")?
                    .open("AccountToBeCredited")?
                    .leaf(
                        "IBAN",
                        &crate::model::validate_iban(payee_iban)
                            .unwrap_or_else(|_| payee_iban.clone()),
                    )?;
                if let Some(b) = bic {
                    x.leaf("BIC", b)?;
                }
                x.close("AccountToBeCredited")?;
            }
        }
        x.close("Installment")?.close("PaymentDetails")?;
    }

    // Legal mentions: exemptions and recargo de equivalencia (RD 1619/2012 art. 6.1.j).
    let mut literals: Vec<String> = inv
        .breakdown()
        .iter()
        .filter(|b| b.category != VatCategory::Standard)
        .filter_map(|b| b.exemption_reason.clone())
        .collect();
    if inv.breakdown().iter().any(|b| b.surcharge_rate.is_some()) {
        literals.push("Recargo de equivalencia (arts. 154-163 LIVA)".into());
    }
    literals.dedup();
    if !literals.is_empty() {
        x.open("LegalLiterals")?;
        for l in &literals {
            let text: String = l.chars().take(250).collect();
            x.leaf("LegalReference", &text)?;
        }
        x.close("LegalLiterals")?;
    }

    x.open("AdditionalData")?;
    if let Some(c) = credit {
        x.leaf("RelatedInvoice", &c.corrected_number)?;
    }
    let mut info = d.notes.join("\n");
    if !info.is_empty() {
        info.push('\n');
    }
    info.push_str("QR tributario VERI*FACTU: ");
    info.push_str(&d.verifactu_qr_url);
    x.leaf("InvoiceAdditionalInformation", &info)?;
    x.close("AdditionalData")?;

    x.close("Invoice")?.close("Invoices")?;
    x.close("fe:Facturae")?;
    Ok(x.finish())
}
