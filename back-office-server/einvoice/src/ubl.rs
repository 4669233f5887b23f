//! The invoice as UBL 2.1 (`Invoice` 380 or `CreditNote` 381) under the EN 16931 / Peppol BIS Billing 3.0
//! customisation, valid against the UBL XSD and the CEN EN 16931 schematron.
//!
//! Spanish specifics, and why:
//! - Parties carry `EndpointID schemeID="9920"` (Spanish VAT number in the Peppol EAS list) and their VAT
//!   identifier with the `ES` prefix (BR-CO-9). Non-Spanish parties get no EndpointID (optional in EN 16931).
//! - EN 16931 has no recargo de equivalencia. It goes in as one document-level charge per recargo rate,
//!   VAT category E with the legal mention as exemption reason: that is the only place where it can add
//!   to the amount payable and still satisfy BR-CO-13/15/16 (a VAT breakdown at 5.2 % would need lines at
//!   5.2 %, BR-S-08). The PDF and Facturae show it as what it is, a surcharge per VAT rate.
//! - The VERI*FACTU QR URL is an `AdditionalDocumentReference` (BG-24) with the URL as external reference,
//!   the structured field Orden HAC/1177/2024 art. 20.2 asks e-invoices to carry.
//! - A credit note's reason is a `Note` and the corrected invoice a `BillingReference` (BG-3).

use crate::model::{Invoice, Party, PaymentMeans, Period, VatCategory, is_eu};
use crate::xml::{Xml, XmlError};
use std::collections::BTreeMap;
use sync_protocol::{Money, TaxRate};

pub const CUSTOMIZATION_ID: &str =
    "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0";
pub const PROFILE_ID: &str = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0";
const NS_INVOICE: &str = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2";
const NS_CREDIT_NOTE: &str = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2";
const NS_CAC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2";
const NS_CBC: &str = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2";
const EUR: (&str, &str) = ("currencyID", "EUR");
const SURCHARGE_MENTION: &str = "Recargo de equivalencia (arts. 154-163 LIVA)";

fn amount(x: &mut Xml, name: &str, m: Money) -> Result<(), XmlError> {
    x.leaf_with(name, &[EUR], &m.to_string())?;
    Ok(())
}

fn period(x: &mut Xml, p: &Period) -> Result<(), XmlError> {
    x.open("cac:InvoicePeriod")?
        .leaf("cbc:StartDate", &p.start.to_string())?
        .leaf("cbc:EndDate", &p.end.to_string())?
        .close("cac:InvoicePeriod")?;
    Ok(())
}

fn vat_scheme(x: &mut Xml) -> Result<(), XmlError> {
    x.open("cac:TaxScheme")?
        .leaf("cbc:ID", "VAT")?
        .close("cac:TaxScheme")?;
    Ok(())
}

fn party(x: &mut Xml, p: &Party, creditor_id: Option<&str>) -> Result<(), XmlError> {
    x.open("cac:Party")?;
    if p.address.country == "ES" {
        x.leaf_with("cbc:EndpointID", &[("schemeID", "9920")], &p.vat_id())?;
    }
    if let Some(ci) = creditor_id {
        x.open("cac:PartyIdentification")?
            .leaf_with("cbc:ID", &[("schemeID", "SEPA")], ci)?
            .close("cac:PartyIdentification")?;
    }
    x.open("cac:PartyName")?
        .leaf("cbc:Name", &p.legal_name)?
        .close("cac:PartyName")?;
    x.open("cac:PostalAddress")?
        .leaf("cbc:StreetName", &p.address.street)?
        .leaf("cbc:CityName", &p.address.city)?
        .leaf("cbc:PostalZone", &p.address.postal_code)?
        .leaf("cbc:CountrySubentity", &p.address.province)?
        .open("cac:Country")?
        .leaf("cbc:IdentificationCode", &p.address.country)?
        .close("cac:Country")?
        .close("cac:PostalAddress")?;
    x.open("cac:PartyTaxScheme")?
        .leaf("cbc:CompanyID", &p.vat_id())?;
    vat_scheme(x)?;
    x.close("cac:PartyTaxScheme")?;
    x.open("cac:PartyLegalEntity")?
        .leaf("cbc:RegistrationName", &p.legal_name)?
        .leaf("cbc:CompanyID", &p.tax_id)?
        .close("cac:PartyLegalEntity")?;
    x.close("cac:Party")?;
    Ok(())
}

fn tax_category(
    x: &mut Xml,
    element: &str,
    category: VatCategory,
    rate: TaxRate,
    reason: Option<&str>,
) -> Result<(), XmlError> {
    x.open(element)?
        .leaf("cbc:ID", category.code())?
        .leaf("cbc:Percent", &rate.to_string())?;
    if let Some(r) = reason {
        x.leaf("cbc:TaxExemptionReason", r)?;
    }
    vat_scheme(x)?;
    x.close(element)?;
    Ok(())
}

/// One VAT breakdown group as EN 16931 wants it: per category and rate.
struct Group {
    base: Money,
    vat: Money,
    reasons: Vec<String>,
}

/// Writes the invoice as a UBL 2.1 `Invoice`, or a `CreditNote` when it is one.
pub fn to_xml(inv: &Invoice) -> Result<Vec<u8>, XmlError> {
    let d = inv.draft();
    let credit = inv.correction();
    let (root, ns, line_el, qty_el) = match credit {
        None => (
            "Invoice",
            NS_INVOICE,
            "cac:InvoiceLine",
            "cbc:InvoicedQuantity",
        ),
        Some(_) => (
            "CreditNote",
            NS_CREDIT_NOTE,
            "cac:CreditNoteLine",
            "cbc:CreditedQuantity",
        ),
    };
    let mut x = Xml::new()?;
    x.open_with(
        root,
        &[("xmlns", ns), ("xmlns:cac", NS_CAC), ("xmlns:cbc", NS_CBC)],
    )?;
    x.leaf("cbc:CustomizationID", CUSTOMIZATION_ID)?
        .leaf("cbc:ProfileID", PROFILE_ID)?
        .leaf("cbc:ID", &inv.full_number())?
        .leaf("cbc:IssueDate", &d.issue_date.to_string())?;
    match credit {
        None => {
            x.leaf("cbc:DueDate", &d.payment.due_date.to_string())?
                .leaf("cbc:InvoiceTypeCode", "380")?;
        }
        Some(_) => {
            x.leaf("cbc:CreditNoteTypeCode", "381")?;
        }
    }
    if let Some(c) = credit {
        x.leaf(
            "cbc:Note",
            &format!(
                "Factura rectificativa por diferencias ({}): {}",
                c.reason.verifactu_type(),
                c.description
            ),
        )?;
    }
    for n in &d.notes {
        x.leaf("cbc:Note", n)?;
    }
    x.leaf("cbc:DocumentCurrencyCode", crate::model::CURRENCY)?;
    if let Some(r) = &d.buyer_reference {
        x.leaf("cbc:BuyerReference", r)?;
    }
    if let Some(p) = &d.period {
        period(&mut x, p)?;
    }
    if let Some(c) = credit {
        x.open("cac:BillingReference")?
            .open("cac:InvoiceDocumentReference")?
            .leaf("cbc:ID", &c.corrected_number)?
            .leaf("cbc:IssueDate", &c.corrected_issue_date.to_string())?
            .close("cac:InvoiceDocumentReference")?
            .close("cac:BillingReference")?;
    }
    x.open("cac:AdditionalDocumentReference")?
        .leaf("cbc:ID", "VERI*FACTU")?
        .leaf("cbc:DocumentDescription", "QR tributario VERI*FACTU")?
        .open("cac:Attachment")?
        .open("cac:ExternalReference")?
        .leaf("cbc:URI", &d.verifactu_qr_url)?
        .close("cac:ExternalReference")?
        .close("cac:Attachment")?
        .close("cac:AdditionalDocumentReference")?;

    let creditor_id = match &d.payment.means {
        PaymentMeans::DirectDebit {
            creditor_identifier,
            ..
        } => creditor_identifier.as_deref(),
        PaymentMeans::Transfer { .. } => None,
    };
    x.open("cac:AccountingSupplierParty")?;
    party(&mut x, &d.issuer, creditor_id)?;
    x.close("cac:AccountingSupplierParty")?;
    x.open("cac:AccountingCustomerParty")?;
    party(&mut x, &d.customer, None)?;
    x.close("cac:AccountingCustomerParty")?;

    x.open("cac:PaymentMeans")?;
    match &d.payment.means {
        PaymentMeans::DirectDebit {
            mandate_reference,
            debtor_iban,
            ..
        } => {
            x.leaf_with(
                "cbc:PaymentMeansCode",
                &[("name", "SEPA direct debit")],
                "59",
            )?;
            if credit.is_some() {
                x.leaf("cbc:PaymentDueDate", &d.payment.due_date.to_string())?;
            }
            x.leaf("cbc:PaymentID", &inv.full_number())?
                .open("cac:PaymentMandate")?
                .leaf("cbc:ID", mandate_reference)?
                .open("cac:PayerFinancialAccount")?
                .leaf(
                    "cbc:ID",
                    &crate::model::validate_iban(debtor_iban)
                        .unwrap_or_else(|_| debtor_iban.clone()),
                )?
                .close("cac:PayerFinancialAccount")?
                .close("cac:PaymentMandate")?;
        }
        PaymentMeans::Transfer { payee_iban, bic } => {
            // 58 is a SEPA credit transfer; an account outside the SEPA zone falls back to 30.
            let sepa = payee_iban.get(..2).is_some_and(|c| {
                is_eu(c) || ["IS", "LI", "NO", "CH", "GB", "MC", "AD", "SM", "VA"].contains(&c)
            });
            x.leaf("cbc:PaymentMeansCode", if sepa { "58" } else { "30" })?;
            if credit.is_some() {
                x.leaf("cbc:PaymentDueDate", &d.payment.due_date.to_string())?;
            }
            x.leaf("cbc:PaymentID", &inv.full_number())?
                .open("cac:PayeeFinancialAccount")?
                .leaf(
                    "cbc:ID",
                    &crate::model::validate_iban(payee_iban).unwrap_or_else(|_| payee_iban.clone()),
                )?;
            if let Some(b) = bic {
                x.open("cac:FinancialInstitutionBranch")?
                    .leaf("cbc:ID", b)?
                    .close("cac:FinancialInstitutionBranch")?;
            }
            x.close("cac:PayeeFinancialAccount")?;
        }
    }
    x.close("cac:PaymentMeans")?;
    x.open("cac:PaymentTerms")?
        .leaf(
            "cbc:Note",
            &format!("Vencimiento {}", d.payment.due_date.format("%d/%m/%Y")),
        )?
        .close("cac:PaymentTerms")?;

    // Recargo de equivalencia: one charge per recargo rate (see the module doc).
    let mut surcharges: BTreeMap<TaxRate, Money> = BTreeMap::new();
    for b in inv.breakdown() {
        if let Some(r) = b.surcharge_rate {
            *surcharges.entry(r).or_default() += b.surcharge;
        }
    }
    let mut charges = Money::ZERO;
    for (rate, sum) in surcharges.iter().rev() {
        charges += *sum;
        x.open("cac:AllowanceCharge")?
            .leaf("cbc:ChargeIndicator", "true")?
            .leaf(
                "cbc:AllowanceChargeReason",
                &format!("Recargo de equivalencia {} %", rate),
            )?;
        amount(&mut x, "cbc:Amount", *sum)?;
        tax_category(
            &mut x,
            "cac:TaxCategory",
            VatCategory::Exempt,
            TaxRate::ZERO,
            None,
        )?;
        x.close("cac:AllowanceCharge")?;
    }

    // VAT breakdown per (category, rate), E gathering exempt lines and the recargo charges.
    let mut groups: BTreeMap<(VatCategory, TaxRate), Group> = BTreeMap::new();
    for b in inv.breakdown() {
        let g = groups.entry((b.category, b.rate)).or_insert(Group {
            base: Money::ZERO,
            vat: Money::ZERO,
            reasons: vec![],
        });
        g.base += b.base;
        g.vat += b.vat;
        if let Some(r) = &b.exemption_reason
            && !g.reasons.contains(r)
        {
            g.reasons.push(r.clone());
        }
    }
    if !charges.is_zero() {
        let g = groups
            .entry((VatCategory::Exempt, TaxRate::ZERO))
            .or_insert(Group {
                base: Money::ZERO,
                vat: Money::ZERO,
                reasons: vec![],
            });
        g.base += charges;
        g.reasons.push(SURCHARGE_MENTION.to_string());
    }
    x.open("cac:TaxTotal")?;
    amount(&mut x, "cbc:TaxAmount", inv.totals().vat)?;
    for ((category, rate), g) in groups.iter().rev() {
        x.open("cac:TaxSubtotal")?;
        amount(&mut x, "cbc:TaxableAmount", g.base)?;
        amount(&mut x, "cbc:TaxAmount", g.vat)?;
        let reason = (!g.reasons.is_empty()).then(|| g.reasons.join("; "));
        tax_category(
            &mut x,
            "cac:TaxCategory",
            *category,
            *rate,
            reason.as_deref(),
        )?;
        x.close("cac:TaxSubtotal")?;
    }
    x.close("cac:TaxTotal")?;

    let t = inv.totals();
    x.open("cac:LegalMonetaryTotal")?;
    amount(&mut x, "cbc:LineExtensionAmount", t.lines_net)?;
    amount(&mut x, "cbc:TaxExclusiveAmount", t.lines_net + charges)?;
    amount(&mut x, "cbc:TaxInclusiveAmount", t.total)?;
    if !charges.is_zero() {
        amount(&mut x, "cbc:ChargeTotalAmount", charges)?;
    }
    amount(&mut x, "cbc:PayableAmount", t.total)?;
    x.close("cac:LegalMonetaryTotal")?;

    for (i, line) in inv.lines().iter().enumerate() {
        let l = &line.draft;
        x.open(line_el)?.leaf("cbc:ID", &(i + 1).to_string())?;
        x.leaf_with(
            qty_el,
            &[("unitCode", l.unit.unece())],
            &l.quantity.to_string(),
        )?;
        amount(&mut x, "cbc:LineExtensionAmount", line.net)?;
        if let Some(p) = &l.period {
            period(&mut x, p)?;
        }
        if let Some(disc) = &l.discount {
            x.open("cac:AllowanceCharge")?
                .leaf("cbc:ChargeIndicator", "false")?
                .leaf("cbc:AllowanceChargeReason", &disc.reason)?;
            amount(&mut x, "cbc:Amount", disc.amount)?;
            x.close("cac:AllowanceCharge")?;
        }
        x.open("cac:Item")?.leaf("cbc:Name", &l.description)?;
        tax_category(
            &mut x,
            "cac:ClassifiedTaxCategory",
            l.vat_category,
            l.vat_rate,
            None,
        )?;
        x.close("cac:Item")?;
        x.open("cac:Price")?;
        amount(&mut x, "cbc:PriceAmount", l.unit_price)?;
        x.close("cac:Price")?;
        x.close(line_el)?;
    }
    x.close(root)?;
    Ok(x.finish())
}
