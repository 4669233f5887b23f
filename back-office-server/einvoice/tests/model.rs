//! The invoice model: amounts computed by hand under the documented rounding rule, and every bad
//! input refused with its own error.

mod common;

use common::*;
use sync_protocol::{Money, Quantity, TaxRate};
use trastienda_einvoice::*;

#[test]
fn royalty_invoice_totals_match_hand_computation() {
    let inv = Invoice::new(royalty_draft()).unwrap();
    // 600.00 + 93.83 + 246.91 + (3 × 25.00 − 10.00) + 51.00
    assert_eq!(inv.totals().lines_net, m("1056.74"));
    assert_eq!(inv.lines()[3].gross, m("75.00"));
    assert_eq!(inv.lines()[3].net, m("65.00"));
    // 1056.74 × 21 % = 221.9154 → 221.92, rounded once for the rate (BR-CO-17)
    assert_eq!(inv.totals().vat, m("221.92"));
    assert_eq!(inv.totals().surcharge, Money::ZERO);
    assert_eq!(inv.totals().total, m("1278.66"));
    assert_eq!(inv.breakdown().len(), 1);
    assert_eq!(inv.full_number(), "FQ-2026-000042");
    assert_eq!(inv.verifactu_type(), "F1");
}

#[test]
fn recargo_de_equivalencia_is_a_breakdown_row_per_vat_and_surcharge_rate() {
    let inv = Invoice::new(goods_draft()).unwrap();
    let rows: Vec<_> = inv
        .breakdown()
        .iter()
        .map(|b| {
            (
                b.rate.to_string(),
                b.surcharge_rate.map(|r| r.to_string()),
                b.base.to_string(),
                b.vat.to_string(),
                b.surcharge.to_string(),
            )
        })
        .collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        rows,
        vec![
            (s("21.00"), None, s("200.00"), s("42.00"), s("0.00")),
            // 39.95 × 21 % = 8.3895 → 8.39; × 5.2 % = 2.0774 → 2.08
            (
                s("21.00"),
                Some(s("5.20")),
                s("39.95"),
                s("8.39"),
                s("2.08")
            ),
            // 136.20 × 10 % = 13.62; × 1.4 % = 1.9068 → 1.91
            (
                s("10.00"),
                Some(s("1.40")),
                s("136.20"),
                s("13.62"),
                s("1.91")
            ),
            // 21.36 × 4 % = 0.8544 → 0.85; × 0.5 % = 0.1068 → 0.11
            (s("4.00"), Some(s("0.50")), s("21.36"), s("0.85"), s("0.11")),
        ]
    );
    assert_eq!(inv.totals().lines_net, m("397.51"));
    assert_eq!(inv.totals().vat, m("64.86"));
    assert_eq!(inv.totals().surcharge, m("4.10"));
    assert_eq!(inv.totals().total, m("466.47"));
    assert_eq!(inv.net_by_revenue(Revenue::Goods), m("197.51"));
    assert_eq!(inv.net_by_revenue(Revenue::Services), m("200.00"));
}

#[test]
fn credit_note_amounts_and_type() {
    let inv = Invoice::new(credit_note_draft()).unwrap();
    assert!(inv.is_credit_note());
    // 3 × 7.99 = 23.97; VAT 5.0337 → 5.03; RE 1.24644 → 1.25
    assert_eq!(inv.totals().total, m("30.25"));
    assert_eq!(inv.verifactu_type(), "R1");
    assert_eq!(inv.full_number(), "RQ-2026-000007");
}

fn refused(draft: InvoiceDraft) -> InvoiceError {
    Invoice::new(draft).expect_err("must be refused")
}

#[test]
fn bad_parties_are_refused() {
    let mut d = royalty_draft();
    d.customer.tax_id = "A58818502".into();
    assert!(matches!(
        refused(d),
        InvoiceError::Customer(PartyError::BadNif(_))
    ));

    let mut d = royalty_draft();
    d.customer.address.postal_code = "4600".into();
    assert!(matches!(
        refused(d),
        InvoiceError::Customer(PartyError::BadPostalCode(_))
    ));

    let mut d = royalty_draft();
    d.issuer.legal_name = "  ".into();
    assert_eq!(
        refused(d),
        InvoiceError::Issuer(PartyError::Missing("legal name"))
    );

    let mut d = royalty_draft();
    d.customer.tax_id = "12345678Z".into(); // a person's DNI on a company
    assert!(matches!(
        refused(d),
        InvoiceError::Customer(PartyError::PersonNifOnCompany(_))
    ));

    let mut d = royalty_draft();
    d.customer.address.country = "XX".into();
    assert!(matches!(
        refused(d),
        InvoiceError::Customer(PartyError::BadCountry(_))
    ));
}

#[test]
fn bad_header_fields_are_refused() {
    let mut d = royalty_draft();
    d.series = "FQ\"2026".into();
    assert!(matches!(refused(d), InvoiceError::BadSeries(_)));

    let mut d = royalty_draft();
    d.number = 0;
    assert_eq!(refused(d), InvoiceError::BadNumber(0));

    let mut d = royalty_draft();
    d.payment.due_date = d.issue_date.pred_opt().unwrap();
    assert!(matches!(refused(d), InvoiceError::DueBeforeIssue { .. }));

    let mut d = royalty_draft();
    d.payment.means = PaymentMeans::DirectDebit {
        mandate_reference: "FRQ-0001".into(),
        debtor_iban: "ES9121000418450200051333".into(),
        creditor_identifier: None,
    };
    assert!(matches!(refused(d), InvoiceError::BadIban { .. }));

    let mut d = royalty_draft();
    d.payment.means = PaymentMeans::DirectDebit {
        mandate_reference: "FRQ_0001#".into(),
        debtor_iban: "ES7921000813610123456789".into(),
        creditor_identifier: None,
    };
    assert!(matches!(refused(d), InvoiceError::BadMandate(_)));

    let mut d = royalty_draft();
    d.payment.means = PaymentMeans::DirectDebit {
        mandate_reference: "FRQ-0001".into(),
        debtor_iban: "ES7921000813610123456789".into(),
        creditor_identifier: Some("ES12000B12345674".into()),
    };
    assert!(matches!(refused(d), InvoiceError::BadCreditorId(_)));

    let mut d = royalty_draft();
    d.verifactu_qr_url = "http://example.com/?nif=1".into();
    assert!(matches!(refused(d), InvoiceError::BadQrUrl(_)));

    let mut d = royalty_draft();
    d.lines.clear();
    assert_eq!(refused(d), InvoiceError::NoLines);

    let mut d = royalty_draft();
    d.period = Some(Period {
        start: d.issue_date,
        end: d.issue_date.pred_opt().unwrap(),
    });
    assert!(matches!(refused(d), InvoiceError::BadPeriod { .. }));
}

fn line_error(draft: InvoiceDraft) -> LineError {
    match refused(draft) {
        InvoiceError::Line { error, .. } => error,
        other => panic!("expected a line error, got {other}"),
    }
}

#[test]
fn bad_lines_are_refused_with_their_number() {
    let mut d = royalty_draft();
    d.lines[1].vat_rate = TaxRate::percent(19);
    assert_eq!(
        refused(d),
        InvoiceError::Line {
            line: 2,
            error: LineError::UnknownVatRate(TaxRate::percent(19))
        }
    );

    let mut d = royalty_draft();
    d.lines[0].description = " ".into();
    assert_eq!(line_error(d), LineError::EmptyDescription);

    let mut d = royalty_draft();
    d.lines[0].quantity = Quantity::ZERO;
    assert_eq!(line_error(d), LineError::ZeroQuantity);

    let mut d = royalty_draft();
    d.lines[0].unit_price = -m("1.00");
    assert!(matches!(line_error(d), LineError::NegativePrice(_)));

    let mut d = royalty_draft();
    d.lines[3].discount.as_mut().unwrap().amount = m("75.01");
    assert!(matches!(line_error(d), LineError::DiscountTooLarge { .. }));

    let mut d = royalty_draft();
    d.lines[0].vat_category = VatCategory::Exempt;
    d.lines[0].vat_rate = TaxRate::ZERO;
    assert_eq!(line_error(d), LineError::MissingExemptionReason);

    let mut d = royalty_draft();
    d.lines[0].vat_category = VatCategory::Exempt;
    assert!(matches!(line_error(d), LineError::RateOnNonStandard { .. }));

    // Recargo only for a customer under the regime, and always on its goods.
    let mut d = royalty_draft();
    d.lines[0].surcharge_rate = Some(TaxRate::from_hundredths(520));
    assert_eq!(line_error(d), LineError::SurchargeWithoutRegime);

    let mut d = goods_draft();
    d.lines[1].surcharge_rate = None;
    assert_eq!(line_error(d), LineError::GoodsWithoutSurcharge);

    let mut d = goods_draft();
    d.lines[1].surcharge_rate = Some(TaxRate::from_hundredths(300));
    assert!(matches!(line_error(d), LineError::UnknownSurchargeRate(_)));
}

#[test]
fn totals_below_zero_need_a_credit_note() {
    let mut d = royalty_draft();
    d.lines.truncate(1);
    let mut refund = service_line("Devolución tardía", -1, "700.00");
    refund.period = Period::month(2026, 10);
    d.lines.push(refund);
    assert!(matches!(refused(d), InvoiceError::NegativeTotal(_)));

    let mut d = credit_note_draft();
    d.lines[0].quantity = Quantity::units(-3);
    assert!(matches!(line_error(d), LineError::NegativeOnCreditNote(_)));

    let mut d = credit_note_draft();
    if let DocumentKind::CreditNote(c) = &mut d.kind {
        c.corrected_issue_date = d.issue_date.succ_opt().unwrap();
    }
    assert!(matches!(
        refused(d),
        InvoiceError::CorrectsLaterInvoice { .. }
    ));

    let mut d = credit_note_draft();
    if let DocumentKind::CreditNote(c) = &mut d.kind {
        c.description.clear();
    }
    assert_eq!(refused(d), InvoiceError::MissingCorrectionReason);
}

#[test]
fn drafts_round_trip_through_json_for_storage() {
    let draft = goods_draft();
    let json = serde_json::to_string(&draft).unwrap();
    let back: InvoiceDraft = serde_json::from_str(&json).unwrap();
    assert_eq!(back, draft);
    assert_eq!(Invoice::new(back).unwrap(), Invoice::new(draft).unwrap());
}

#[test]
fn fiscal_summary_for_the_verifactu_record() {
    let inv = Invoice::new(goods_draft()).unwrap();
    let f = inv.fiscal_summary();
    assert_eq!(f.invoice_type, "F1");
    assert_eq!(f.rectification_type, None);
    assert_eq!(f.number, "FQ-2026-000043");
    assert_eq!(f.operation_date, Some(d(2026, 11, 30)));
    // CuotaTotal = VAT 64.86 + recargo 4.10
    assert_eq!(f.total_tax, m("68.96"));
    assert_eq!(f.total, m("466.47"));
    assert_eq!(f.rows[0].regime, "01");
    assert_eq!(f.rows[1].regime, "18");
    assert_eq!(f.rows[1].surcharge, Some(m("2.08")));

    let c = Invoice::new(credit_note_draft()).unwrap().fiscal_summary();
    assert_eq!((c.invoice_type, c.rectification_type), ("R1", Some("I")));
    assert_eq!(c.total, m("-30.25"));
    assert_eq!(c.total_tax, m("-6.28"));
    assert_eq!(c.rows[0].base, m("-23.97"));
    assert!(
        c.description
            .starts_with("Rectificación de la factura FQ-2026-000043")
    );

    let mut d = royalty_draft();
    d.lines[0].vat_category = VatCategory::Exempt;
    d.lines[0].vat_rate = TaxRate::ZERO;
    d.lines[0].exemption_reason = Some("Exenta art. 20 LIVA".into());
    let e = Invoice::new(d).unwrap().fiscal_summary();
    let exempt = e.rows.iter().find(|r| r.exempt).unwrap();
    assert_eq!(
        (exempt.qualification, exempt.rate, exempt.vat),
        ("E1", None, None)
    );
}
