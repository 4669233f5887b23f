//! The invoice HQ issues to a franchisee, shaped after EN 16931 (the European semantic model).
//! An [`InvoiceDraft`] is what the caller fills in; [`Invoice::new`] validates it and computes every amount.
//!
//! Rounding rule (one rule, applied in this order, half away from zero to the cent):
//! 1. line net amount (BT-131) = round(quantity × unit price) − line discount;
//! 2. the lines are grouped by VAT category, VAT rate and recargo rate; per group the taxable base is the
//!    sum of its line nets (exact), VAT = round(base × rate / 100) and recargo = round(base × RE rate / 100);
//! 3. total VAT = Σ group VAT, total = Σ line nets + total VAT + total recargo.
//!
//! This is EN 16931's BR-CO-17 (tax per rate, rounded once) and the per-rate breakdown Facturae and
//! VERI*FACTU (`DetalleDesglose`) use. A rate group only splits in two when one invoice mixes lines with
//! and without recargo at the same VAT rate; UBL then adds the two VAT amounts under one rate, which
//! BR-CO-17 accepts (it allows one unit of difference).

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use sync_protocol::{Money, Quantity, TaxRate};

/// The only currency HQ invoices in (BT-5).
pub const CURRENCY: &str = "EUR";

/// Most lines on one invoice; a month of one franchisee fits in a few dozen.
pub const MAX_LINES: usize = 500;

/// VAT rates the AEAT accepts (error 1124): 2 and 7.5 only in Q4 2024, 5 only Jul 2022–Sep 2024.
const VAT_RATES_HUNDREDTHS: [i64; 6] = [200, 400, 500, 750, 1000, 2100];
/// Recargo de equivalencia rates the AEAT accepts (error 1127), besides 0.
const SURCHARGE_RATES_HUNDREDTHS: [i64; 7] = [26, 50, 62, 100, 140, 175, 520];

/// Language of the printed invoice and of the line descriptions HQ writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    Es,
    En,
}

impl Language {
    /// ISO 639-1 code.
    pub fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
        }
    }
}

impl std::str::FromStr for Language {
    type Err = InvoiceError;
    fn from_str(s: &str) -> Result<Self, InvoiceError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "es" | "es-es" => Ok(Language::Es),
            "en" | "en-gb" | "en-us" => Ok(Language::En),
            _ => Err(InvoiceError::UnknownLanguage(s.to_string())),
        }
    }
}

/// A postal address (BG-5 / BG-8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub street: String,
    pub postal_code: String,
    pub city: String,
    /// Required by Facturae; for Spain the province name ("Madrid", "Valencia").
    pub province: String,
    /// ISO 3166-1 alpha-2 ("ES").
    pub country: String,
}

/// Whether a party is a company or a natural person (Facturae `PersonTypeCode` J / F).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PartyKind {
    Company,
    /// A self-employed franchisee (autónomo); Facturae needs the name split in parts.
    Individual {
        first_name: String,
        first_surname: String,
        second_surname: Option<String>,
    },
}

/// The issuer (HQ) or the customer (a franchisee).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    /// Registered name (razón social) or full name of a person.
    pub legal_name: String,
    /// Tax identifier without country prefix: a Spanish NIF/CIF/NIE when the country is ES.
    pub tax_id: String,
    pub kind: PartyKind,
    pub address: Address,
    /// The customer is under recargo de equivalencia (a retailer who is a natural person): goods sold to
    /// it carry the surcharge. Ignored for the issuer.
    #[serde(default)]
    pub equivalence_surcharge: bool,
}

impl Party {
    /// The VAT identifier with its ISO country prefix, as EN 16931 wants it (BR-CO-9): `ESB12345674`.
    pub fn vat_id(&self) -> String {
        if self.tax_id.starts_with(&self.address.country) && self.address.country != "ES" {
            self.tax_id.clone()
        } else {
            format!("{}{}", self.address.country, self.tax_id)
        }
    }
}

/// A span of dates, both ends included (BG-14 invoicing period, BG-26 line period).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl Period {
    /// The calendar month `year-month`, or `None` for a month that does not exist.
    pub fn month(year: i32, month: u32) -> Option<Period> {
        let start = NaiveDate::from_ymd_opt(year, month, 1)?;
        let next = if month == 12 {
            NaiveDate::from_ymd_opt(year + 1, 1, 1)?
        } else {
            NaiveDate::from_ymd_opt(year, month + 1, 1)?
        };
        Some(Period {
            start,
            end: next.pred_opt()?,
        })
    }

    /// `(year, month)` when the period is exactly one calendar month.
    pub fn as_month(&self) -> Option<(i32, u32)> {
        let m = Period::month(self.start.year(), self.start.month())?;
        (m == *self).then_some((self.start.year(), self.start.month()))
    }
}

/// VAT category (BT-151, UNTDID 5305 as EN 16931 restricts it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum VatCategory {
    /// S: standard or reduced rate (21, 10, 4 % …).
    #[serde(rename = "S")]
    Standard,
    /// Z: zero rated.
    #[serde(rename = "Z")]
    ZeroRated,
    /// E: exempt (LIVA art. 20); needs the legal reason printed.
    #[serde(rename = "E")]
    Exempt,
    /// AE: reverse charge (inversión del sujeto pasivo); needs the legal mention printed.
    #[serde(rename = "AE")]
    ReverseCharge,
}

impl VatCategory {
    /// The UNTDID 5305 code used in UBL.
    pub fn code(self) -> &'static str {
        match self {
            VatCategory::Standard => "S",
            VatCategory::ZeroRated => "Z",
            VatCategory::Exempt => "E",
            VatCategory::ReverseCharge => "AE",
        }
    }
}

/// Unit of the invoiced quantity (UN/ECE rec. 20 in UBL, Facturae `UnitOfMeasure`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[default]
    Each,
    Hour,
    Kilogram,
    Litre,
}

impl Unit {
    pub fn unece(self) -> &'static str {
        match self {
            Unit::Each => "C62",
            Unit::Hour => "HUR",
            Unit::Kilogram => "KGM",
            Unit::Litre => "LTR",
        }
    }
    pub fn facturae(self) -> &'static str {
        match self {
            Unit::Each => "01",
            Unit::Hour => "02",
            Unit::Kilogram => "03",
            Unit::Litre => "04",
        }
    }
}

/// What a line earns HQ, for the accounting export: services (705) or goods (700).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Revenue {
    #[default]
    Services,
    Goods,
}

/// A discount on one line (BG-27 line allowance).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Discount {
    pub amount: Money,
    pub reason: String,
}

/// One invoice line as the caller describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineDraft {
    pub description: String,
    /// Negative only to take back something on the same invoice (a late refund); never on a credit note.
    pub quantity: Quantity,
    #[serde(default)]
    pub unit: Unit,
    /// Unit price before tax (BT-146); never negative (BR-27).
    pub unit_price: Money,
    #[serde(default)]
    pub discount: Option<Discount>,
    pub vat_category: VatCategory,
    /// 0 for every category but `Standard`.
    pub vat_rate: TaxRate,
    /// Legal mention for exempt or reverse-charge lines ("Exenta art. 20.Uno.9 LIVA").
    #[serde(default)]
    pub exemption_reason: Option<String>,
    /// Recargo de equivalencia rate when the customer is under that regime (5.2 on 21 %, 1.4 on 10 %, 0.5 on 4 %).
    #[serde(default)]
    pub surcharge_rate: Option<TaxRate>,
    /// When the line belongs to another period than the invoice's (late sales of an earlier month).
    #[serde(default)]
    pub period: Option<Period>,
    #[serde(default)]
    pub revenue: Revenue,
}

/// Why a rectificativa is issued; picks Facturae's `ReasonCode` and the VERI*FACTU type (R1–R4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionReason {
    /// The taxable base was wrong (an error in law or fact, RD 1619/2012 art. 15): R1.
    TaxableBaseError,
    /// The VAT rate was wrong: R1.
    TaxRateError,
    /// Discounts or rebates after the invoice, goods returned (LIVA art. 80.2): R1.
    DiscountsAndReturns,
    /// The customer is in insolvency proceedings (LIVA art. 80.3): R2.
    Insolvency,
    /// Unrecoverable debt (LIVA art. 80.4): R3.
    BadDebt,
    /// Anything else (R4).
    Other,
}

impl CorrectionReason {
    /// VERI*FACTU `TipoFactura` of the credit note.
    pub fn verifactu_type(self) -> &'static str {
        match self {
            CorrectionReason::TaxableBaseError
            | CorrectionReason::TaxRateError
            | CorrectionReason::DiscountsAndReturns => "R1",
            CorrectionReason::Insolvency => "R2",
            CorrectionReason::BadDebt => "R3",
            CorrectionReason::Other => "R4",
        }
    }
    /// Facturae 3.2.2 `ReasonCode` (ReasonCodeType).
    pub fn facturae_code(self) -> &'static str {
        match self {
            CorrectionReason::TaxableBaseError => "16",
            CorrectionReason::TaxRateError => "11",
            CorrectionReason::DiscountsAndReturns => "83",
            CorrectionReason::Insolvency | CorrectionReason::BadDebt => "85",
            CorrectionReason::Other => "10",
        }
    }
    /// Facturae's fixed wording for that code (ReasonDescriptionType is an enumeration).
    pub fn facturae_description(self) -> &'static str {
        match self {
            CorrectionReason::TaxableBaseError => "Base imponible",
            CorrectionReason::TaxRateError => "Porcentaje impositivo a aplicar",
            CorrectionReason::DiscountsAndReturns => {
                "Base imponible modificada por descuentos y bonificaciones"
            }
            CorrectionReason::Insolvency | CorrectionReason::BadDebt => {
                "Base imponible modificada cuotas repercutidas no satisfechas. Auto de declaración de concurso"
            }
            CorrectionReason::Other => "Detalle Operación",
        }
    }
}

/// What a credit note (factura rectificativa, by differences) corrects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// Series and number of the corrected invoice as printed on it (`FQ-2026-000042`).
    pub corrected_number: String,
    pub corrected_issue_date: NaiveDate,
    /// The corrected invoice's operation period (Facturae `TaxPeriod`); its issue date when it had none.
    #[serde(default)]
    pub corrected_period: Option<Period>,
    pub reason: CorrectionReason,
    /// Free text printed on the document ("Devolución de 3 cajas del albarán DN-112").
    pub description: String,
}

/// Invoice (380) or credit note (381).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocumentKind {
    Invoice,
    /// Amounts on a credit note's lines are what is credited, as positive numbers (as UBL writes them);
    /// the PDF and Facturae show them negative.
    CreditNote(Correction),
}

/// How the franchisee pays (BG-16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentMeans {
    /// SEPA direct debit from the franchisee's account under a signed mandate (UBL 59).
    DirectDebit {
        /// Unique mandate reference (UMR, ≤ 35 characters).
        mandate_reference: String,
        debtor_iban: String,
        /// HQ's SEPA creditor identifier (AT-02, `ES11000B12345674`), when known.
        #[serde(default)]
        creditor_identifier: Option<String>,
    },
    /// Transfer to HQ's account (UBL 58 within SEPA, 30 otherwise).
    Transfer {
        payee_iban: String,
        #[serde(default)]
        bic: Option<String>,
    },
}

/// Payment terms (BT-9, BT-20, BG-16).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentTerms {
    pub due_date: NaiveDate,
    pub means: PaymentMeans,
}

/// Everything the caller decides about an invoice; amounts are computed by [`Invoice::new`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvoiceDraft {
    pub kind: DocumentKind,
    /// Series code (`FQ-2026`; rectificativas in their own series, `RQ-2026`).
    pub series: String,
    /// Number within the series, gapless per series (the caller's storage guarantees it).
    pub number: u64,
    pub issue_date: NaiveDate,
    /// The month invoiced (BG-14); operation date for VERI*FACTU when it differs from the issue date.
    #[serde(default)]
    pub period: Option<Period>,
    pub issuer: Party,
    pub customer: Party,
    /// The franchisee's code at HQ (BT-10, Peppol wants it).
    #[serde(default)]
    pub buyer_reference: Option<String>,
    pub lines: Vec<LineDraft>,
    pub payment: PaymentTerms,
    #[serde(default)]
    pub notes: Vec<String>,
    /// The VERI*FACTU QR URL of this invoice's record, built by the fiscal chain code.
    pub verifactu_qr_url: String,
    #[serde(default)]
    pub language: Language,
}

/// A line with its amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub draft: LineDraft,
    /// round(quantity × unit price), before the discount.
    pub gross: Money,
    /// `gross − discount` (BT-131).
    pub net: Money,
}

/// One row of the VAT breakdown (BG-23, Facturae `Tax`, VERI*FACTU `DetalleDesglose`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VatBreakdown {
    pub category: VatCategory,
    pub rate: TaxRate,
    pub surcharge_rate: Option<TaxRate>,
    /// Sum of the line nets in this row.
    pub base: Money,
    /// Cuota de IVA: round(base × rate / 100).
    pub vat: Money,
    /// Cuota de recargo: round(base × surcharge rate / 100), zero without recargo.
    pub surcharge: Money,
    /// The legal mention for exempt or reverse-charge rows.
    pub exemption_reason: Option<String>,
}

/// The document totals (BG-22).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Totals {
    /// Σ line nets (BT-106); also the taxable total (BT-109) since HQ puts no document-level discounts.
    pub lines_net: Money,
    /// Σ VAT (BT-110).
    pub vat: Money,
    /// Σ recargo de equivalencia.
    pub surcharge: Money,
    /// What the franchisee pays (BT-112 = BT-115): lines + VAT + recargo.
    pub total: Money,
}

/// A validated invoice or credit note with every amount computed. Immutable once built.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invoice {
    draft: InvoiceDraft,
    lines: Vec<Line>,
    breakdown: Vec<VatBreakdown>,
    totals: Totals,
}

/// Why a party is not acceptable on an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PartyError {
    #[error("the {0} is missing")]
    Missing(&'static str),
    #[error("the {field} '{value}' is longer than {max} characters")]
    TooLong {
        field: &'static str,
        value: String,
        max: usize,
    },
    #[error("tax identifier: {0}")]
    BadNif(String),
    #[error("country '{0}' is not an ISO 3166 code HQ invoices to")]
    BadCountry(String),
    #[error("postal code '{0}' is not a Spanish postal code (5 digits, 01–52)")]
    BadPostalCode(String),
    #[error(
        "'{0}' is a natural person's NIF: the party must be an individual with first name and surname"
    )]
    PersonNifOnCompany(String),
    #[error("'{0}' is a company's CIF: the party cannot be an individual")]
    CompanyNifOnIndividual(String),
}

/// Why one line is not acceptable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error("the description is empty")]
    EmptyDescription,
    #[error("the description is longer than {0} characters")]
    DescriptionTooLong(usize),
    #[error("the quantity is zero")]
    ZeroQuantity,
    #[error("a credit note line cannot have a negative quantity ({0})")]
    NegativeOnCreditNote(Quantity),
    #[error("the unit price {0} is negative (put a negative quantity instead)")]
    NegativePrice(Money),
    #[error("the discount {0} is not positive")]
    BadDiscount(Money),
    #[error("the discount {discount} is larger than the line amount {gross}")]
    DiscountTooLarge { discount: Money, gross: Money },
    #[error("the discount needs a reason")]
    DiscountWithoutReason,
    #[error("a line with a negative quantity cannot also carry a discount")]
    DiscountOnNegativeLine,
    #[error("VAT rate {0} % is not a Spanish VAT rate (21, 10, 4; 2, 5, 7.5 in their years)")]
    UnknownVatRate(TaxRate),
    #[error("a {category:?} line must have VAT rate 0, not {rate}")]
    RateOnNonStandard {
        category: VatCategory,
        rate: TaxRate,
    },
    #[error("an exempt or reverse-charge line needs its legal reason")]
    MissingExemptionReason,
    #[error("recargo de equivalencia applies only to standard-rated lines")]
    SurchargeOnNonStandard,
    #[error("recargo rate {0} % is not one the AEAT accepts (5.2, 1.75, 1.4, 0.5 …)")]
    UnknownSurchargeRate(TaxRate),
    #[error("recargo de equivalencia on a customer that is not under that regime")]
    SurchargeWithoutRegime,
    #[error("goods sold to a customer under recargo de equivalencia must carry the surcharge")]
    GoodsWithoutSurcharge,
    #[error("the line period ends ({end}) before it starts ({start})")]
    BadPeriod { start: NaiveDate, end: NaiveDate },
    #[error("the amount is out of range")]
    OutOfRange,
}

/// Why an invoice draft cannot become an invoice.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvoiceError {
    #[error("an invoice needs at least one line")]
    NoLines,
    #[error("an invoice may have at most {MAX_LINES} lines, this one has {0}")]
    TooManyLines(usize),
    #[error("line {line}: {error}")]
    Line { line: usize, error: LineError },
    #[error("issuer: {0}")]
    Issuer(PartyError),
    #[error("customer: {0}")]
    Customer(PartyError),
    #[error(
        "series '{0}' must be 1–20 printable ASCII characters without spaces at the ends or \" ' < > ="
    )]
    BadSeries(String),
    #[error("invoice number must be between 1 and 99999999999, not {0}")]
    BadNumber(u64),
    #[error("the invoice period ends ({end}) before it starts ({start})")]
    BadPeriod { start: NaiveDate, end: NaiveDate },
    #[error("the due date {due} is before the issue date {issued}")]
    DueBeforeIssue { due: NaiveDate, issued: NaiveDate },
    #[error("IBAN '{iban}' is not valid: {reason}")]
    BadIban { iban: String, reason: String },
    #[error(
        "mandate reference '{0}' must be 1–35 characters of the SEPA set (letters, digits, / - ? : ( ) . , ' + space)"
    )]
    BadMandate(String),
    #[error("SEPA creditor identifier '{0}' is not valid")]
    BadCreditorId(String),
    #[error("BIC '{0}' must be 8 or 11 letters and digits")]
    BadBic(String),
    #[error("the VERI*FACTU QR URL '{0}' must be an https URL of the AEAT's ValidarQR service")]
    BadQrUrl(String),
    #[error("the invoice total {0} is negative: issue a credit note instead")]
    NegativeTotal(Money),
    #[error("a credit note must credit something: its total is {0}")]
    EmptyCreditNote(Money),
    #[error("the corrected invoice number is missing")]
    MissingCorrectedNumber,
    #[error("the corrected invoice number '{0}' must be at most 40 printable characters")]
    BadCorrectedNumber(String),
    #[error("the corrected invoice's date {corrected} is after the credit note's date {issued}")]
    CorrectsLaterInvoice {
        corrected: NaiveDate,
        issued: NaiveDate,
    },
    #[error("a credit note needs a reason to print")]
    MissingCorrectionReason,
    #[error("a note is longer than 1000 characters")]
    NoteTooLong,
    #[error("language '{0}' is not supported (es, en)")]
    UnknownLanguage(String),
}

fn check_text(
    value: &str,
    field: &'static str,
    max: usize,
    required: bool,
) -> Result<(), PartyError> {
    if required && value.trim().is_empty() {
        return Err(PartyError::Missing(field));
    }
    if value.chars().count() > max {
        return Err(PartyError::TooLong {
            field,
            value: value.to_string(),
            max,
        });
    }
    Ok(())
}

/// ISO 3166-1 alpha-2 → alpha-3 for the countries a Spanish franchise invoices (EU, EEA, neighbours).
pub fn country_alpha3(alpha2: &str) -> Option<&'static str> {
    const TABLE: &[(&str, &str)] = &[
        ("AD", "AND"),
        ("AT", "AUT"),
        ("BE", "BEL"),
        ("BG", "BGR"),
        ("CH", "CHE"),
        ("CY", "CYP"),
        ("CZ", "CZE"),
        ("DE", "DEU"),
        ("DK", "DNK"),
        ("EE", "EST"),
        ("ES", "ESP"),
        ("FI", "FIN"),
        ("FR", "FRA"),
        ("GB", "GBR"),
        ("GR", "GRC"),
        ("HR", "HRV"),
        ("HU", "HUN"),
        ("IE", "IRL"),
        ("IS", "ISL"),
        ("IT", "ITA"),
        ("LI", "LIE"),
        ("LT", "LTU"),
        ("LU", "LUX"),
        ("LV", "LVA"),
        ("MA", "MAR"),
        ("MC", "MCO"),
        ("MT", "MLT"),
        ("NL", "NLD"),
        ("NO", "NOR"),
        ("PL", "POL"),
        ("PT", "PRT"),
        ("RO", "ROU"),
        ("SE", "SWE"),
        ("SI", "SVN"),
        ("SK", "SVK"),
    ];
    TABLE
        .iter()
        .find(|(a2, _)| *a2 == alpha2)
        .map(|(_, a3)| *a3)
}

/// True for the EU member states (Facturae `ResidenceTypeCode` U).
pub fn is_eu(alpha2: &str) -> bool {
    const EU: &[&str] = &[
        "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
    ];
    EU.contains(&alpha2)
}

/// True when a Spanish NIF belongs to a natural person (DNI, NIE or K/L/M).
pub fn nif_is_person(nif: &str) -> bool {
    nif.chars()
        .next()
        .is_some_and(|c| c.is_ascii_digit() || "XYZKLM".contains(c))
}

fn validate_party(p: &Party) -> Result<(), PartyError> {
    // The tightest limits of the formats we write (Facturae: name 80, street 80, town 50, province 20).
    check_text(&p.legal_name, "legal name", 80, true)?;
    check_text(&p.address.street, "street address", 80, true)?;
    check_text(&p.address.city, "town", 50, true)?;
    check_text(&p.address.province, "province", 20, true)?;
    check_text(&p.address.postal_code, "postal code", 10, true)?;
    if p.address.country.len() != 2 || country_alpha3(&p.address.country).is_none() {
        return Err(PartyError::BadCountry(p.address.country.clone()));
    }
    if p.tax_id.trim().is_empty() {
        return Err(PartyError::Missing("tax identifier"));
    }
    if p.address.country == "ES" {
        sync_protocol::nif::validate(&p.tax_id).map_err(PartyError::BadNif)?;
        let pc = &p.address.postal_code;
        let province: u32 = pc.get(..2).and_then(|s| s.parse().ok()).unwrap_or(0);
        if pc.len() != 5 || !pc.bytes().all(|b| b.is_ascii_digit()) || !(1..=52).contains(&province)
        {
            return Err(PartyError::BadPostalCode(pc.clone()));
        }
        let person = nif_is_person(&p.tax_id);
        match (&p.kind, person) {
            (PartyKind::Company, true) => {
                return Err(PartyError::PersonNifOnCompany(p.tax_id.clone()));
            }
            (PartyKind::Individual { .. }, false) => {
                return Err(PartyError::CompanyNifOnIndividual(p.tax_id.clone()));
            }
            _ => {}
        }
    } else {
        check_text(&p.tax_id, "tax identifier", 30, true)?;
    }
    if let PartyKind::Individual {
        first_name,
        first_surname,
        second_surname,
    } = &p.kind
    {
        check_text(first_name, "first name", 40, true)?;
        check_text(first_surname, "first surname", 40, true)?;
        if let Some(s) = second_surname {
            check_text(s, "second surname", 40, false)?;
        }
    }
    Ok(())
}

fn valid_series(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.trim() == s
        && s.bytes()
            .all(|b| (32..=126).contains(&b) && !b"\"'<>=".contains(&b))
}

/// IBAN check (ISO 13616, mod 97) with the crate that tracks the national formats; returns the electronic form.
pub fn validate_iban(iban: &str) -> Result<String, InvoiceError> {
    let parsed: iban::Iban = iban.parse().map_err(|e| InvoiceError::BadIban {
        iban: iban.to_string(),
        reason: format!("{e}"),
    })?;
    use iban::IbanLike;
    Ok(parsed.electronic_str().to_string())
}

fn mod97(digits: &str) -> u32 {
    digits
        .chars()
        .fold(0u32, |acc, c| (acc * 10 + c.to_digit(10).unwrap_or(0)) % 97)
}

fn letters_to_digits(s: &str) -> Option<String> {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_digit() {
            out.push(c);
        } else if c.is_ascii_uppercase() {
            out.push_str(&(c as u32 - 'A' as u32 + 10).to_string());
        } else {
            return None;
        }
    }
    Some(out)
}

/// SEPA creditor identifier (AT-02): country, 2 check digits, 3-character business code (not checked),
/// national id; check digits over national id + country + "00", mod 97 = 1.
pub fn valid_creditor_id(id: &str) -> bool {
    if id.len() < 8 || id.len() > 35 || !id.is_ascii() {
        return false;
    }
    let (country, check, national) = (&id[..2], &id[2..4], &id[7..]);
    let Some(digits) = letters_to_digits(&format!("{national}{country}{check}")) else {
        return false;
    };
    mod97(&digits) == 1
}

fn valid_mandate(m: &str) -> bool {
    // The SEPA character set (EPC guidance); the UMR is at most 35 characters.
    !m.trim().is_empty()
        && m.len() <= 35
        && m.chars()
            .all(|c| c.is_ascii_alphanumeric() || "/-?:().,'+ ".contains(c))
}

fn valid_bic(b: &str) -> bool {
    (b.len() == 8 || b.len() == 11) && b.chars().all(|c| c.is_ascii_alphanumeric())
}

fn valid_qr_url(url: &str) -> bool {
    let hosts = [
        "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?",
        "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?",
    ];
    url.len() <= 500
        && hosts.iter().any(|h| url.starts_with(h))
        && url.contains("nif=")
        && url.contains("numserie=")
        && !url.chars().any(char::is_whitespace)
}

fn period_ok(p: &Period) -> bool {
    p.end >= p.start
}

fn validate_line(l: &LineDraft, credit_note: bool, customer: &Party) -> Result<(), LineError> {
    if l.description.trim().is_empty() {
        return Err(LineError::EmptyDescription);
    }
    if l.description.chars().count() > 500 {
        return Err(LineError::DescriptionTooLong(500));
    }
    if l.quantity.is_zero() {
        return Err(LineError::ZeroQuantity);
    }
    if credit_note && l.quantity.is_negative() {
        return Err(LineError::NegativeOnCreditNote(l.quantity));
    }
    if l.unit_price.is_negative() {
        return Err(LineError::NegativePrice(l.unit_price));
    }
    if l.quantity.abs().as_decimal() > Decimal::from(10_000_000)
        || l.unit_price.as_decimal() > Decimal::from(100_000_000)
    {
        return Err(LineError::OutOfRange);
    }
    if let Some(d) = &l.discount {
        if d.amount.is_negative() || d.amount.is_zero() {
            return Err(LineError::BadDiscount(d.amount));
        }
        if d.reason.trim().is_empty() {
            return Err(LineError::DiscountWithoutReason);
        }
        if l.quantity.is_negative() {
            return Err(LineError::DiscountOnNegativeLine);
        }
        let gross = l.unit_price.times(l.quantity);
        if d.amount > gross {
            return Err(LineError::DiscountTooLarge {
                discount: d.amount,
                gross,
            });
        }
    }
    match l.vat_category {
        VatCategory::Standard => {
            if !VAT_RATES_HUNDREDTHS.contains(&l.vat_rate.hundredths()) {
                return Err(LineError::UnknownVatRate(l.vat_rate));
            }
        }
        category => {
            if !l.vat_rate.is_zero() {
                return Err(LineError::RateOnNonStandard {
                    category,
                    rate: l.vat_rate,
                });
            }
            if matches!(category, VatCategory::Exempt | VatCategory::ReverseCharge)
                && l.exemption_reason
                    .as_deref()
                    .is_none_or(|r| r.trim().is_empty())
            {
                return Err(LineError::MissingExemptionReason);
            }
        }
    }
    match l.surcharge_rate {
        Some(re) if !re.is_zero() => {
            if l.vat_category != VatCategory::Standard {
                return Err(LineError::SurchargeOnNonStandard);
            }
            if !SURCHARGE_RATES_HUNDREDTHS.contains(&re.hundredths()) {
                return Err(LineError::UnknownSurchargeRate(re));
            }
            if !customer.equivalence_surcharge {
                return Err(LineError::SurchargeWithoutRegime);
            }
        }
        _ => {
            if customer.equivalence_surcharge
                && l.revenue == Revenue::Goods
                && l.vat_category == VatCategory::Standard
            {
                return Err(LineError::GoodsWithoutSurcharge);
            }
        }
    }
    if let Some(p) = &l.period
        && !period_ok(p)
    {
        return Err(LineError::BadPeriod {
            start: p.start,
            end: p.end,
        });
    }
    Ok(())
}

fn percent_of(base: Money, rate: TaxRate) -> Money {
    Money::new(base.as_decimal() * rate.as_decimal() / Decimal::ONE_HUNDRED)
}

/// The recargo de equivalencia rate that goes with a VAT rate (LIVA art. 161), for goods sold to a
/// retailer under that regime; `None` for a rate with no recargo (0 %).
pub fn surcharge_rate_for(vat_rate: TaxRate) -> Option<TaxRate> {
    match vat_rate.hundredths() {
        2100 => Some(TaxRate::from_hundredths(520)),
        1000 => Some(TaxRate::from_hundredths(140)),
        500 => Some(TaxRate::from_hundredths(62)),
        400 => Some(TaxRate::from_hundredths(50)),
        200 => Some(TaxRate::from_hundredths(26)),
        750 => Some(TaxRate::from_hundredths(100)),
        _ => None,
    }
}

impl Invoice {
    /// Validates the draft and computes lines, VAT breakdown and totals under the rule in the module doc.
    pub fn new(draft: InvoiceDraft) -> Result<Invoice, InvoiceError> {
        if draft.lines.is_empty() {
            return Err(InvoiceError::NoLines);
        }
        if draft.lines.len() > MAX_LINES {
            return Err(InvoiceError::TooManyLines(draft.lines.len()));
        }
        if draft.series.len() > 20 || !valid_series(&draft.series) {
            return Err(InvoiceError::BadSeries(draft.series.clone()));
        }
        if draft.number == 0 || draft.number > 99_999_999_999 {
            return Err(InvoiceError::BadNumber(draft.number));
        }
        validate_party(&draft.issuer).map_err(InvoiceError::Issuer)?;
        validate_party(&draft.customer).map_err(InvoiceError::Customer)?;
        if let Some(p) = &draft.period
            && !period_ok(p)
        {
            return Err(InvoiceError::BadPeriod {
                start: p.start,
                end: p.end,
            });
        }
        if draft.payment.due_date < draft.issue_date {
            return Err(InvoiceError::DueBeforeIssue {
                due: draft.payment.due_date,
                issued: draft.issue_date,
            });
        }
        match &draft.payment.means {
            PaymentMeans::DirectDebit {
                mandate_reference,
                debtor_iban,
                creditor_identifier,
            } => {
                validate_iban(debtor_iban)?;
                if !valid_mandate(mandate_reference) {
                    return Err(InvoiceError::BadMandate(mandate_reference.clone()));
                }
                if let Some(ci) = creditor_identifier
                    && !valid_creditor_id(ci)
                {
                    return Err(InvoiceError::BadCreditorId(ci.clone()));
                }
            }
            PaymentMeans::Transfer { payee_iban, bic } => {
                validate_iban(payee_iban)?;
                if let Some(b) = bic
                    && !valid_bic(b)
                {
                    return Err(InvoiceError::BadBic(b.clone()));
                }
            }
        }
        if !valid_qr_url(&draft.verifactu_qr_url) {
            return Err(InvoiceError::BadQrUrl(draft.verifactu_qr_url.clone()));
        }
        if draft.notes.iter().any(|n| n.chars().count() > 1000) {
            return Err(InvoiceError::NoteTooLong);
        }
        let credit_note = matches!(draft.kind, DocumentKind::CreditNote(_));
        if let DocumentKind::CreditNote(c) = &draft.kind {
            if c.corrected_number.trim().is_empty() {
                return Err(InvoiceError::MissingCorrectedNumber);
            }
            if c.corrected_number.len() > 40 || !valid_series(&c.corrected_number) {
                return Err(InvoiceError::BadCorrectedNumber(c.corrected_number.clone()));
            }
            if c.corrected_issue_date > draft.issue_date {
                return Err(InvoiceError::CorrectsLaterInvoice {
                    corrected: c.corrected_issue_date,
                    issued: draft.issue_date,
                });
            }
            if c.description.trim().is_empty() {
                return Err(InvoiceError::MissingCorrectionReason);
            }
        }

        let mut lines = Vec::with_capacity(draft.lines.len());
        for (i, l) in draft.lines.iter().enumerate() {
            validate_line(l, credit_note, &draft.customer)
                .map_err(|error| InvoiceError::Line { line: i + 1, error })?;
            let gross = l.unit_price.times(l.quantity);
            let net = gross - l.discount.as_ref().map_or(Money::ZERO, |d| d.amount);
            lines.push(Line {
                draft: l.clone(),
                gross,
                net,
            });
        }

        // Group by (category, rate, recargo rate), in a stable order: highest rate first, as invoices print.
        let mut breakdown: Vec<VatBreakdown> = Vec::new();
        for line in &lines {
            let l = &line.draft;
            let re = l.surcharge_rate.filter(|r| !r.is_zero());
            match breakdown.iter_mut().find(|b| {
                b.category == l.vat_category && b.rate == l.vat_rate && b.surcharge_rate == re
            }) {
                Some(b) => {
                    b.base += line.net;
                    if let Some(reason) = &l.exemption_reason
                        && !b
                            .exemption_reason
                            .as_deref()
                            .is_some_and(|r| r.contains(reason.as_str()))
                    {
                        b.exemption_reason = Some(match b.exemption_reason.take() {
                            Some(r) => format!("{r}; {reason}"),
                            None => reason.clone(),
                        });
                    }
                }
                None => breakdown.push(VatBreakdown {
                    category: l.vat_category,
                    rate: l.vat_rate,
                    surcharge_rate: re,
                    base: line.net,
                    vat: Money::ZERO,
                    surcharge: Money::ZERO,
                    exemption_reason: l
                        .exemption_reason
                        .clone()
                        .filter(|_| l.vat_category != VatCategory::Standard),
                }),
            }
        }
        for b in &mut breakdown {
            b.vat = percent_of(b.base, b.rate);
            b.surcharge = b
                .surcharge_rate
                .map_or(Money::ZERO, |r| percent_of(b.base, r));
        }
        breakdown.sort_by(|a, b| {
            b.rate
                .cmp(&a.rate)
                .then(a.category.cmp(&b.category))
                .then(a.surcharge_rate.cmp(&b.surcharge_rate))
        });
        let lines_net: Money = lines.iter().map(|l| l.net).sum();
        let vat: Money = breakdown.iter().map(|b| b.vat).sum();
        let surcharge: Money = breakdown.iter().map(|b| b.surcharge).sum();
        let total = lines_net + vat + surcharge;
        if credit_note {
            if !total.as_decimal().is_sign_positive() || total.is_zero() {
                return Err(InvoiceError::EmptyCreditNote(total));
            }
        } else if total.is_negative() {
            return Err(InvoiceError::NegativeTotal(total));
        }
        Ok(Invoice {
            draft,
            lines,
            breakdown,
            totals: Totals {
                lines_net,
                vat,
                surcharge,
                total,
            },
        })
    }

    pub fn draft(&self) -> &InvoiceDraft {
        &self.draft
    }
    pub fn lines(&self) -> &[Line] {
        &self.lines
    }
    pub fn breakdown(&self) -> &[VatBreakdown] {
        &self.breakdown
    }
    pub fn totals(&self) -> Totals {
        self.totals
    }
    pub fn is_credit_note(&self) -> bool {
        matches!(self.draft.kind, DocumentKind::CreditNote(_))
    }
    pub fn correction(&self) -> Option<&Correction> {
        match &self.draft.kind {
            DocumentKind::CreditNote(c) => Some(c),
            DocumentKind::Invoice => None,
        }
    }
    /// Series and number as printed and as the VERI*FACTU `NumSerieFactura`: `FQ-2026-000042`.
    pub fn full_number(&self) -> String {
        format!("{}-{:06}", self.draft.series, self.draft.number)
    }
    /// The number within its series, zero-padded as printed (`000042`).
    pub fn padded_number(&self) -> String {
        format!("{:06}", self.draft.number)
    }
    /// VERI*FACTU `TipoFactura`: F1 for an invoice, R1–R4 for a credit note.
    pub fn verifactu_type(&self) -> &'static str {
        self.correction()
            .map_or("F1", |c| c.reason.verifactu_type())
    }
    /// Base, VAT and surcharge by revenue kind, for the accounting export: Σ nets per [`Revenue`].
    pub fn net_by_revenue(&self, revenue: Revenue) -> Money {
        self.lines
            .iter()
            .filter(|l| l.draft.revenue == revenue)
            .map(|l| l.net)
            .sum()
    }
}

/// One `DetalleDesglose` of the VERI*FACTU record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiscalRow {
    /// `ClaveRegimen`: 18 with recargo de equivalencia, else 01 (general).
    pub regime: &'static str,
    /// `CalificacionOperacion` (S1 subject, S2 reverse charge) or, for exempt rows, `OperacionExenta` E1.
    pub qualification: &'static str,
    pub exempt: bool,
    /// `TipoImpositivo`; none on exempt rows (AEAT error 1238).
    pub rate: Option<TaxRate>,
    /// `BaseImponibleOimporteNoSujeto`.
    pub base: Money,
    /// `CuotaRepercutida`; none on exempt rows.
    pub vat: Option<Money>,
    pub surcharge_rate: Option<TaxRate>,
    pub surcharge: Option<Money>,
}

/// What this invoice's VERI*FACTU `RegistroAlta` declares, with the AEAT's signs: a credit note by
/// differences (`TipoRectificativa` I) declares negative amounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FiscalSummary {
    /// `TipoFactura`: F1, or R1–R4 for a credit note.
    pub invoice_type: &'static str,
    /// `TipoRectificativa`: I (by differences) for a credit note.
    pub rectification_type: Option<&'static str>,
    /// `NumSerieFactura`.
    pub number: String,
    /// `FechaOperacion`: the end of the invoiced period when it differs from the issue date.
    pub operation_date: Option<NaiveDate>,
    /// `DescripcionOperacion` (≤ 500 characters).
    pub description: String,
    pub rows: Vec<FiscalRow>,
    /// `CuotaTotal`: VAT plus recargo.
    pub total_tax: Money,
    /// `ImporteTotal`.
    pub total: Money,
}

impl Invoice {
    /// The figures of this invoice's VERI*FACTU record (the chain code adds hash, chaining and timestamps).
    pub fn fiscal_summary(&self) -> FiscalSummary {
        let credit = self.correction();
        let sign = |m: Money| if credit.is_some() { -m } else { m };
        let rows = self
            .breakdown
            .iter()
            .map(|b| {
                let exempt = b.category == VatCategory::Exempt;
                FiscalRow {
                    regime: if b.surcharge_rate.is_some() {
                        "18"
                    } else {
                        "01"
                    },
                    qualification: match b.category {
                        VatCategory::Exempt => "E1",
                        VatCategory::ReverseCharge => "S2",
                        VatCategory::Standard | VatCategory::ZeroRated => "S1",
                    },
                    exempt,
                    rate: (!exempt).then_some(b.rate),
                    base: sign(b.base),
                    vat: (!exempt).then_some(sign(b.vat)),
                    surcharge_rate: b.surcharge_rate,
                    surcharge: b.surcharge_rate.map(|_| sign(b.surcharge)),
                }
            })
            .collect();
        let d = &self.draft;
        let period = d.period.map(|p| crate::i18n::period(&p, Language::Es));
        let description = match (credit, period) {
            (Some(c), _) => format!(
                "Rectificación de la factura {}: {}",
                c.corrected_number, c.description
            ),
            (None, Some(p)) => format!("Royalties, cuotas y suministros de franquicia, {p}"),
            (None, None) => "Royalties, cuotas y suministros de franquicia".to_string(),
        };
        FiscalSummary {
            invoice_type: self.verifactu_type(),
            rectification_type: credit.map(|_| "I"),
            number: self.full_number(),
            operation_date: d.period.map(|p| p.end).filter(|end| *end != d.issue_date),
            description: description.chars().take(500).collect(),
            rows,
            total_tax: sign(self.totals.vat + self.totals.surcharge),
            total: sign(self.totals.total),
        }
    }
}
