//! Fixtures shared by the integration tests and the bench: HQ, two franchisees, a royalty invoice,
//! an invoice with goods under recargo de equivalencia, and a credit note.
#![allow(dead_code)]

use chrono::NaiveDate;
use sync_protocol::{Money, Quantity, TaxRate};
use trastienda_einvoice::*;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).expect("valid date")
}

pub fn m(s: &str) -> Money {
    s.parse().expect("money")
}

pub fn hq() -> Party {
    Party {
        legal_name: "Franquicia Central SL".into(),
        tax_id: "B12345674".into(),
        kind: PartyKind::Company,
        address: Address {
            street: "Calle Mayor 1".into(),
            postal_code: "28013".into(),
            city: "Madrid".into(),
            province: "Madrid".into(),
            country: "ES".into(),
        },
        equivalence_surcharge: false,
    }
}

pub fn franchisee_company() -> Party {
    Party {
        legal_name: "Franquiciado Uno SA".into(),
        tax_id: "A58818501".into(),
        kind: PartyKind::Company,
        address: Address {
            street: "Plaza del Ayuntamiento 1".into(),
            postal_code: "46002".into(),
            city: "Valencia".into(),
            province: "Valencia".into(),
            country: "ES".into(),
        },
        equivalence_surcharge: false,
    }
}

/// A self-employed franchisee under recargo de equivalencia.
pub fn franchisee_person() -> Party {
    Party {
        legal_name: "María López García".into(),
        tax_id: "12345678Z".into(),
        kind: PartyKind::Individual {
            first_name: "María".into(),
            first_surname: "López".into(),
            second_surname: Some("García".into()),
        },
        address: Address {
            street: "Calle de la Paz 7, bajo".into(),
            postal_code: "41001".into(),
            city: "Sevilla".into(),
            province: "Sevilla".into(),
            country: "ES".into(),
        },
        equivalence_surcharge: true,
    }
}

pub fn qr_url(number: &str, date: &str, total: &str) -> String {
    format!(
        "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=B12345674&numserie={}&fecha={date}&importe={total}",
        number.replace('/', "%2F")
    )
}

pub fn service_line(description: &str, qty: i64, price: &str) -> LineDraft {
    LineDraft {
        description: description.into(),
        quantity: Quantity::units(qty),
        unit: Unit::Each,
        unit_price: m(price),
        discount: None,
        vat_category: VatCategory::Standard,
        vat_rate: TaxRate::percent(21),
        exemption_reason: None,
        surcharge_rate: None,
        period: None,
        revenue: Revenue::Services,
    }
}

pub fn direct_debit() -> PaymentTerms {
    PaymentTerms {
        due_date: d(2026, 12, 10),
        means: PaymentMeans::DirectDebit {
            mandate_reference: "FRQ-0001".into(),
            debtor_iban: "ES7921000813610123456789".into(),
            creditor_identifier: Some("ES11000B12345674".into()),
        },
    }
}

pub fn transfer() -> PaymentTerms {
    PaymentTerms {
        due_date: d(2026, 12, 15),
        means: PaymentMeans::Transfer {
            payee_iban: "ES9121000418450200051332".into(),
            bic: Some("CAIXESBBXXX".into()),
        },
    }
}

/// November 2026 royalty invoice to a company franchisee, paid by direct debit.
pub fn royalty_draft() -> InvoiceDraft {
    let mut late = service_line(
        "Royalty ventas tardías de octubre 2026 (6 % de 850,00 €)",
        1,
        "51.00",
    );
    late.period = Period::month(2026, 10);
    let mut fee = service_line("Cuota mensual por caja registradora", 3, "25.00");
    fee.discount = Some(Discount {
        amount: m("10.00"),
        reason: "Bonificación caja nueva".into(),
    });
    InvoiceDraft {
        kind: DocumentKind::Invoice,
        series: "FQ-2026".into(),
        number: 42,
        issue_date: d(2026, 12, 1),
        period: Period::month(2026, 11),
        issuer: hq(),
        customer: franchisee_company(),
        buyer_reference: Some("FRANQ-0007".into()),
        lines: vec![
            service_line("Royalty noviembre 2026: 6 % de 10.000,00 €", 1, "600.00"),
            service_line("Royalty noviembre 2026: 4 % de 2.345,67 €", 1, "93.83"),
            service_line(
                "Fondo de marketing noviembre 2026: 2 % de 12.345,67 €",
                1,
                "246.91",
            ),
            fee,
            late,
        ],
        payment: direct_debit(),
        notes: vec!["Contrato de franquicia FQ-7, versión 2".into()],
        verifactu_qr_url: qr_url("FQ-2026-000042", "01-12-2026", "1278.66"),
        language: Language::Es,
    }
}

/// Goods from the central warehouse to a franchisee under recargo de equivalencia, plus a royalty.
pub fn goods_draft() -> InvoiceDraft {
    let goods = |desc: &str, qty: i64, price: &str, vat: i64, re: i64| LineDraft {
        description: desc.into(),
        quantity: Quantity::units(qty),
        unit: Unit::Each,
        unit_price: m(price),
        discount: None,
        vat_category: VatCategory::Standard,
        vat_rate: TaxRate::percent(vat),
        exemption_reason: None,
        surcharge_rate: Some(TaxRate::from_hundredths(re)),
        period: None,
        revenue: Revenue::Goods,
    };
    InvoiceDraft {
        kind: DocumentKind::Invoice,
        series: "FQ-2026".into(),
        number: 43,
        issue_date: d(2026, 12, 1),
        period: Period::month(2026, 11),
        issuer: hq(),
        customer: franchisee_person(),
        buyer_reference: Some("FRANQ-0012".into()),
        lines: vec![
            service_line("Royalty noviembre 2026: 5 % de 4.000,00 €", 1, "200.00"),
            goods(
                "Albarán DN-118 (03/11/2026): Café en grano 1 kg",
                12,
                "11.35",
                10,
                140,
            ),
            goods(
                "Albarán DN-118 (03/11/2026): Vasos compostables (caja 100)",
                5,
                "7.99",
                21,
                520,
            ),
            goods(
                "Albarán DN-131 (17/11/2026): Leche entera 1 l",
                24,
                "0.89",
                4,
                50,
            ),
        ],
        payment: transfer(),
        notes: vec![],
        verifactu_qr_url: qr_url("FQ-2026-000043", "01-12-2026", "466.47"),
        language: Language::Es,
    }
}

/// Credits 3 returned boxes of cups and a 50.00 royalty error on invoice 43.
pub fn credit_note_draft() -> InvoiceDraft {
    let mut draft = goods_draft();
    draft.kind = DocumentKind::CreditNote(Correction {
        corrected_number: "FQ-2026-000043".into(),
        corrected_issue_date: d(2026, 12, 1),
        corrected_period: Period::month(2026, 11),
        reason: CorrectionReason::DiscountsAndReturns,
        description: "Devolución de 3 cajas de vasos del albarán DN-118".into(),
    });
    draft.series = "RQ-2026".into();
    draft.number = 7;
    draft.issue_date = d(2026, 12, 9);
    draft.payment.due_date = d(2026, 12, 20);
    let mut cups = draft.lines[2].clone();
    cups.quantity = Quantity::units(3);
    draft.lines = vec![cups];
    draft.verifactu_qr_url = qr_url("RQ-2026-000007", "09-12-2026", "30.25");
    draft
}

/// The Python that runs the XML oracles: `TRASTIENDA_PYTHON`, else the shared venv; `None` prints "skipped".
pub fn oracle_python() -> Option<std::path::PathBuf> {
    if let Ok(p) = std::env::var("TRASTIENDA_PYTHON") {
        return Some(p.into());
    }
    let venv = std::path::PathBuf::from("/work/venv/bin/python");
    venv.exists().then_some(venv)
}

/// One file's verdict from tests/check_ubl.py.
#[derive(Debug, serde::Deserialize)]
pub struct UblVerdict {
    pub file: String,
    pub root: String,
    pub xsd_errors: Vec<String>,
    pub failed: Vec<FailedAssert>,
}

#[derive(Debug, serde::Deserialize)]
pub struct FailedAssert {
    pub id: Option<String>,
    pub flag: Option<String>,
    pub text: String,
}

/// Runs the UBL oracle (XSD + EN 16931 schematron) on files; `None` when it is not installed.
pub fn check_ubl(files: &[std::path::PathBuf]) -> Option<Vec<UblVerdict>> {
    let Some(python) = oracle_python() else {
        println!("skipped: no Python for the UBL oracle (set TRASTIENDA_PYTHON)");
        return None;
    };
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/check_ubl.py");
    let out = std::process::Command::new(&python)
        .arg(script)
        .args(files)
        .output()
        .unwrap_or_else(|e| {
            // Set explicitly but not runnable: a broken CI set-up must fail, not skip.
            panic!("cannot run the UBL oracle with {}: {e}", python.display())
        });
    if out.status.code() == Some(3) {
        println!(
            "skipped: {} lacks factur-x/saxonche/lxml: {}",
            python.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let verdicts: Vec<UblVerdict> = stdout
        .lines()
        .map(|l| serde_json::from_str(l).expect("oracle JSON"))
        .collect();
    assert_eq!(
        verdicts.len(),
        files.len(),
        "oracle output: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(verdicts)
}

/// Every text leaf of an XML document as (path of local names, text), in document order.
pub fn leaves(xml: &str) -> Vec<(String, String)> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut text = String::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                text.clear();
                path.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
            }
            Event::End(_) => {
                let t = text.trim();
                if !t.is_empty() {
                    out.push((path.join("/"), t.to_string()));
                }
                text.clear();
                path.pop();
            }
            Event::Text(t) => text.push_str(&t.decode().expect("UTF-8")),
            Event::GeneralRef(r) => {
                let name = r.decode().expect("UTF-8");
                text.push_str(match name.as_ref() {
                    "amp" => "&",
                    "lt" => "<",
                    "gt" => ">",
                    "quot" => "\"",
                    "apos" => "'",
                    other => panic!("unexpected entity &{other};"),
                });
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

/// Checks that every leaf of `sample` appears in `ours` with the same path and value (numbers compared
/// as numbers: `21` = `21.00`), except the paths listed in `differ`; returns what is missing.
pub fn missing_from(sample: &str, ours: &str, differ: &[&str]) -> Vec<(String, String)> {
    use std::str::FromStr;
    let same = |a: &str, b: &str| {
        a == b
            || matches!((rust_decimal::Decimal::from_str(a), rust_decimal::Decimal::from_str(b)),
                (Ok(x), Ok(y)) if x == y)
    };
    let mut ours = leaves(ours);
    let mut missing = Vec::new();
    for (path, value) in leaves(sample) {
        if differ.iter().any(|d| path.ends_with(d)) {
            continue;
        }
        match ours.iter().position(|(p, v)| *p == path && same(v, &value)) {
            Some(i) => {
                ours.remove(i);
            }
            None => missing.push((path, value)),
        }
    }
    missing
}

/// The invoice of shared/reference/samples (royalty January 2026, 1000.00 + 21 %, mandate FRQ-0001).
pub fn sample_draft() -> InvoiceDraft {
    let mut line = service_line("Royalty enero 2026 (5% ventas netas)", 1, "1000.00");
    line.period = None;
    InvoiceDraft {
        kind: DocumentKind::Invoice,
        series: "FQ-2026".into(),
        number: 42,
        issue_date: d(2026, 1, 31),
        period: None,
        issuer: hq(),
        customer: franchisee_company(),
        buyer_reference: Some("FRANQ-0007".into()),
        lines: vec![line],
        payment: PaymentTerms {
            due_date: d(2026, 2, 10),
            means: PaymentMeans::DirectDebit {
                mandate_reference: "FRQ-0001".into(),
                debtor_iban: "ES7921000813610123456789".into(),
                creditor_identifier: None,
            },
        },
        notes: vec![],
        verifactu_qr_url: qr_url("FQ-2026-000042", "31-01-2026", "1210.00"),
        language: Language::Es,
    }
}

/// A reference sample from `docs/samples` (`TRASTIENDA_SAMPLES_DIR` overrides where it is).
pub fn reference_sample(name: &str) -> Option<String> {
    let dir = std::env::var("TRASTIENDA_SAMPLES_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/samples").to_string());
    let path = std::path::Path::new(&dir).join(name);
    match std::fs::read_to_string(&path) {
        Ok(s) => Some(s),
        Err(_) => {
            println!("skipped: no reference sample at {}", path.display());
            None
        }
    }
}

/// Every text at its longest: names, street, a 500-character description, an exempt line, long notes.
pub fn long_texts_draft() -> InvoiceDraft {
    let mut d = credit_note_draft();
    d.issuer.legal_name =
        "Compañía Internacional de Franquicias de Hostelería y Restauración del Mediterráneo S.L."
            .chars()
            .take(80)
            .collect();
    d.customer.address.street =
        "Avenida del Doctor Fleming número 123, escalera B, planta 4, puerta 12, local interior"
            .chars()
            .take(80)
            .collect();
    d.customer.legal_name = "María de las Mercedes López-García y Fernández de Córdoba".into();
    if let DocumentKind::CreditNote(c) = &mut d.kind {
        c.description = "Devolución de mercancía defectuosa entregada con el albarán DN-118: 3 cajas de vasos compostables con la base despegada, retiradas por el transportista el 5 de diciembre".into();
    }
    let mut long = d.lines[0].clone();
    long.description = "Vasos compostables de 350 ml con tapa, "
        .repeat(12)
        .chars()
        .take(500)
        .collect();
    d.lines.push(long);
    let mut exempt = service_line("Formación homologada del personal de tienda", 1, "90.00");
    exempt.vat_category = VatCategory::Exempt;
    exempt.vat_rate = sync_protocol::TaxRate::ZERO;
    exempt.exemption_reason = Some("Exenta art. 20.Uno.9 LIVA".into());
    d.lines.push(exempt);
    d.notes = vec![
        "Nota larga: ".to_string()
            + &"el abono se compensará con la próxima factura mensual; ".repeat(6),
    ];
    d
}

/// Goods under recargo plus an exempt, a reverse-charge and a zero-rated line.
pub fn exempt_and_reverse_charge() -> InvoiceDraft {
    let mut d = goods_draft();
    d.number = 45;
    let mut training = service_line("Curso de formación homologado", 2, "150.00");
    training.vat_category = VatCategory::Exempt;
    training.vat_rate = TaxRate::ZERO;
    training.exemption_reason = Some("Exenta art. 20.Uno.9 LIVA".into());
    d.lines.push(training);
    let mut reverse = service_line(
        "Asesoría técnica de obra (inversión del sujeto pasivo)",
        1,
        "400.00",
    );
    reverse.vat_category = VatCategory::ReverseCharge;
    reverse.vat_rate = TaxRate::ZERO;
    reverse.exemption_reason = Some("Inversión del sujeto pasivo, art. 84.Uno.2º f) LIVA".into());
    d.lines.push(reverse);
    let mut zero = service_line("Material impreso de campaña (tipo cero)", 10, "2.50");
    zero.vat_category = VatCategory::ZeroRated;
    zero.vat_rate = TaxRate::ZERO;
    d.lines.push(zero);
    d
}
