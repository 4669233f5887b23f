//! Franchise invoicing rules: what a valid contract and issuer are, what a franchisee's monthly
//! invoice and a credit note say (built on `trastienda_einvoice`), and the monthly run.
//! The JSON API, the dashboard, the CLI and the monthly job all call these.

use crate::problem::Problem;
use crate::storage::invoicing::{
    Composed, ContractIn, ContractVersion, CreditFacts, InvoiceRecord, IssueOutcome, IssuerIn,
    PaymentIn, PeriodFacts, Rendered,
};
use crate::storage::{Storage, StorageError, StorageResult};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use std::sync::Arc;
use sync_protocol::verifactu::{
    AltaData, Calificacion, ClaveRegimen, Destinatario, DetalleDesglose, Entorno, IdFactura,
    Impuesto, RegistroAlta, RegistroFacturacion, SistemaInformatico, Timestamp, TipoFactura,
    TipoRectificativa,
};
use sync_protocol::{FranchiseeId, Money, TaxRate};
use trastienda_einvoice::royalty::{
    self, ContractTerms, FeeBasis, FixedFee, TermsError, TierError,
};
use trastienda_einvoice::{
    Address, Correction, CorrectionReason, DocumentKind, Invoice, InvoiceDraft, Language, Party,
    PartyKind, PaymentMeans, PaymentTerms, Period,
};

/// VAT on royalties and fees between Spanish businesses.
pub const SERVICES_VAT_HUNDREDTHS: i64 = 2100;
/// Longest payment term a contract may set.
pub const MAX_PAYMENT_DAYS: u32 = 120;

fn invalid(code: &'static str) -> Problem {
    Problem::new(code)
}

/// `YYYY-MM` as the first day of that month.
pub fn parse_month(text: &str) -> Result<NaiveDate, Problem> {
    let t = text.trim();
    if t.len() == 7
        && let Ok(d) = NaiveDate::parse_from_str(&format!("{t}-01"), "%Y-%m-%d")
    {
        return Ok(d);
    }
    Err(Problem::new("bad_month").with("month", t))
}

/// A plausible mailbox: one `@`, a local part, a domain with a dot, no spaces or angle brackets.
pub fn email_ok(e: &str) -> bool {
    let e = e.trim();
    let Some((local, domain)) = e.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && e.len() <= 254
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && e.chars()
            .all(|c| c.is_ascii_graphic() && c != '<' && c != '>')
}

fn address_ok(a: &Address) -> Result<(), Problem> {
    let bad = |what: &str| Problem::new("bad_billing_address").with("detail", what);
    for (name, v) in [
        ("street", &a.street),
        ("city", &a.city),
        ("province", &a.province),
    ] {
        if v.trim().is_empty() {
            return Err(bad(name));
        }
    }
    if a.country != "ES" {
        return Err(bad("country (only ES)"));
    }
    if a.postal_code.len() != 5 || !a.postal_code.chars().all(|c| c.is_ascii_digit()) {
        return Err(bad("postal_code"));
    }
    Ok(())
}

fn terms_problem(e: TermsError) -> Problem {
    match e {
        TermsError::Tiers(TierError::Gap {
            band,
            to,
            next_from,
        }) => Problem::new("contract_tier_gap")
            .with("band", band)
            .with("to", to)
            .with("next", next_from),
        TermsError::Tiers(TierError::Overlap {
            band,
            to,
            next_from,
        }) => Problem::new("contract_tier_overlap")
            .with("band", band)
            .with("to", to)
            .with("next", next_from),
        TermsError::Tiers(TierError::BadPercent { band, percent }) => {
            Problem::new("contract_bad_percent")
                .with("what", format!("band {band}"))
                .with("percent", percent)
        }
        TermsError::BadMarketingPercent(p) => Problem::new("contract_bad_percent")
            .with("what", "marketing fund")
            .with("percent", p),
        TermsError::NegativeMinimum(m) => Problem::new("contract_negative_amount")
            .with("what", "minimum royalty")
            .with("amount", m),
        TermsError::NegativeFee { name, amount } => Problem::new("contract_negative_amount")
            .with("what", name)
            .with("amount", amount),
        TermsError::NegativeEntryFee(m) => Problem::new("contract_negative_amount")
            .with("what", "entry fee")
            .with("amount", m),
        other => Problem::new("contract_terms").with("detail", other),
    }
}

/// The money terms of a contract version, fee names in the invoice's language.
pub fn terms_of(c: &ContractIn) -> Result<ContractTerms, Problem> {
    let (till, store) = match c.language {
        Language::Es => (
            "Licencia de software por caja",
            "Cuota de servicio por tienda",
        ),
        Language::En => ("Software licence per till", "Service fee per store"),
    };
    ContractTerms::new(
        c.royalty_tiers.clone(),
        c.minimum_royalty,
        c.marketing_fund_percent,
        vec![
            FixedFee {
                name: till.into(),
                basis: FeeBasis::PerTill,
                amount: c.fee_per_till,
            },
            FixedFee {
                name: store.into(),
                basis: FeeBasis::PerStore,
                amount: c.fee_per_store,
            },
        ],
        c.entry_fee,
        TaxRate::from_hundredths(SERVICES_VAT_HUNDREDTHS),
    )
    .map_err(terms_problem)
}

/// Largest amount a contract may name (fees, minimum, band limits): far above any franchise's month,
/// far below where invoice arithmetic could overflow.
pub const MAX_CONTRACT_AMOUNT_CENTS: i64 = 10_000_000_000;

/// Checks a contract version; returns the first day it is in force. Nothing is stored on a refusal.
pub fn check_contract(c: &ContractIn) -> Result<NaiveDate, Problem> {
    let from = parse_month(&c.effective_from)?;
    let max = Money::from_cents(MAX_CONTRACT_AMOUNT_CENTS);
    let amounts = [
        c.minimum_royalty,
        c.fee_per_till,
        c.fee_per_store,
        c.entry_fee,
    ]
    .into_iter()
    .chain(
        c.royalty_tiers
            .iter()
            .flat_map(|t| [Some(t.from), t.to])
            .flatten(),
    );
    for a in amounts {
        if a.abs() > max {
            return Err(Problem::new("contract_amount_too_large").with("max", max));
        }
    }
    if c.royalty_tiers.len() > 20 {
        return Err(Problem::new("contract_terms").with("detail", "at most 20 royalty bands"));
    }
    terms_of(c)?;
    if c.prenotification_days
        .is_some_and(|d| !(1..=crate::storage::invoicing::SEPA_PRENOTIFICATION_DAYS).contains(&d))
    {
        return Err(Problem::new("contract_prenotification_days")
            .with("max", crate::storage::invoicing::SEPA_PRENOTIFICATION_DAYS));
    }
    if c.payment_days > MAX_PAYMENT_DAYS {
        return Err(Problem::new("contract_payment_days").with("max", MAX_PAYMENT_DAYS));
    }
    if !email_ok(&c.billing_email) {
        return Err(Problem::new("bad_email").with("email", c.billing_email.trim()));
    }
    address_ok(&c.billing_address)?;
    if let PaymentIn::DirectDebit {
        mandate_reference,
        debtor_iban,
    } = &c.payment
    {
        let m = mandate_reference.trim();
        if m.is_empty() || m.len() > 35 {
            return Err(invalid("bad_mandate_reference"));
        }
        trastienda_einvoice::model::validate_iban(debtor_iban)
            .map_err(|_| Problem::new("bad_iban").with("iban", debtor_iban.trim()))?;
    }
    Ok(from)
}

/// Checks HQ's issuer details.
pub fn check_issuer(i: &IssuerIn) -> Result<(), Problem> {
    if i.legal_name.trim().is_empty() {
        return Err(Problem::new("bad_issuer").with("detail", "legal_name"));
    }
    crate::nif::validate(i.nif.trim()).map_err(|e| Problem::new("bad_issuer").with("detail", e))?;
    address_ok(&i.address)?;
    trastienda_einvoice::model::validate_iban(&i.iban)
        .map_err(|_| Problem::new("bad_iban").with("iban", i.iban.trim()))?;
    if let Some(c) = i.creditor_id.as_deref().filter(|c| !c.trim().is_empty())
        && !trastienda_einvoice::model::valid_creditor_id(c.trim())
    {
        return Err(Problem::new("bad_issuer").with("detail", "creditor_id"));
    }
    Ok(())
}

/// Checks and stores a contract version.
pub async fn create_contract(
    storage: &dyn Storage,
    franchisee: FranchiseeId,
    c: &ContractIn,
    created_by: &str,
    now: DateTime<Utc>,
) -> StorageResult<ContractVersion> {
    let from = check_contract(c).map_err(StorageError::Invalid)?;
    storage
        .invoicing()
        .create_contract_version(franchisee, from, c, created_by, now)
        .await
}

/// Checks and stores HQ's issuer details.
pub async fn set_issuer(
    storage: &dyn Storage,
    i: &IssuerIn,
    now: DateTime<Utc>,
) -> StorageResult<()> {
    check_issuer(i).map_err(StorageError::Invalid)?;
    storage.invoicing().set_issuer(i, now).await
}

// --- composing documents ---------------------------------------------------------------------

/// `NombreSistemaInformatico` and id of HQ's records (the tills' records use the same).
pub const SYSTEM_NAME: &str = "Trastienda";
pub const SYSTEM_ID: &str = "TS";
/// The producer when the build names none (a NIF that names nobody, as on the tills).
const UNDECLARED_PRODUCER_NIF: &str = "00000000T";

/// The `SistemaInformatico` of HQ's own records: the server installation of `nif`.
pub fn sistema_informatico(nif: &str) -> SistemaInformatico {
    SistemaInformatico {
        nombre_razon: option_env!("TRASTIENDA_PRODUCER_NAME")
            .unwrap_or("Trastienda (build without a declared producer)")
            .chars()
            .take(120)
            .collect(),
        nif: option_env!("TRASTIENDA_PRODUCER_NIF")
            .unwrap_or(UNDECLARED_PRODUCER_NIF)
            .to_string(),
        nombre_sistema_informatico: SYSTEM_NAME.into(),
        id_sistema_informatico: SYSTEM_ID.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        numero_instalacion: format!("SEDE-{nif}"),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    }
}

fn compose_problem(e: impl std::fmt::Display) -> Problem {
    Problem::new("invoice_compose").with("detail", e)
}

fn party_kind(nif: &str, name: &str) -> PartyKind {
    if !trastienda_einvoice::model::nif_is_person(nif) {
        return PartyKind::Company;
    }
    let mut words = name.split_whitespace();
    let first = words.next().unwrap_or(name).to_string();
    let surname = words.next().unwrap_or("-").to_string();
    let rest: Vec<&str> = words.collect();
    PartyKind::Individual {
        first_name: first,
        first_surname: surname,
        second_surname: (!rest.is_empty()).then(|| rest.join(" ")),
    }
}

fn issuer_party(i: &IssuerIn) -> Party {
    Party {
        legal_name: i.legal_name.trim().into(),
        tax_id: i.nif.trim().into(),
        kind: party_kind(i.nif.trim(), i.legal_name.trim()),
        address: i.address.clone(),
        equivalence_surcharge: false,
    }
}

fn customer_party(f: &crate::storage::Franchisee, c: &ContractIn) -> Party {
    Party {
        legal_name: f.legal_name.clone(),
        tax_id: f.nif.clone(),
        kind: party_kind(&f.nif, &f.legal_name),
        address: c.billing_address.clone(),
        equivalence_surcharge: c.equivalence_surcharge,
    }
}

fn previous_link(
    previous: Option<&str>,
) -> Result<Option<sync_protocol::verifactu::RegistroAnterior>, Problem> {
    previous
        .map(|j| {
            serde_json::from_str::<RegistroFacturacion>(j)
                .map(|r| r.link())
                .map_err(compose_problem)
        })
        .transpose()
}

/// Validates the draft twice (the QR URL needs the total), makes its VERI*FACTU record chained
/// after `previous`, and renders the PDF, UBL and Facturae.
fn finish(
    mut draft: InvoiceDraft,
    issuer: &IssuerIn,
    corrected: Option<IdFactura>,
    previous: Option<&str>,
    now: DateTime<Utc>,
    entorno: Entorno,
) -> Result<Composed, Problem> {
    let number = format!("{}-{:06}", draft.series, draft.number);
    let id =
        IdFactura::new(issuer.nif.trim(), &number, draft.issue_date).map_err(compose_problem)?;
    draft.verifactu_qr_url = sync_protocol::verifactu::qr_url(entorno, &id, Money::ZERO);
    let first = Invoice::new(draft.clone()).map_err(compose_problem)?;
    let summary = first.fiscal_summary();
    draft.verifactu_qr_url = sync_protocol::verifactu::qr_url(entorno, &id, summary.total);
    let inv = Invoice::new(draft.clone()).map_err(compose_problem)?;
    let desglose = summary
        .rows
        .iter()
        .map(|r| {
            Ok(DetalleDesglose {
                impuesto: Impuesto::Iva,
                clave_regimen: if r.regime == "18" {
                    ClaveRegimen::RecargoEquivalencia
                } else {
                    ClaveRegimen::General
                },
                calificacion: match r.qualification {
                    "S1" => Calificacion::S1,
                    "S2" => Calificacion::S2,
                    "E1" => Calificacion::E1,
                    other => return Err(compose_problem(format!("qualification {other}"))),
                },
                tipo_impositivo: r.rate,
                base_imponible: r.base,
                cuota_repercutida: r.vat,
                tipo_recargo_equivalencia: r.surcharge_rate,
                cuota_recargo_equivalencia: r.surcharge,
            })
        })
        .collect::<Result<Vec<_>, Problem>>()?;
    let tipo = TipoFactura::parse(summary.invoice_type)
        .ok_or_else(|| compose_problem(summary.invoice_type))?;
    let data = AltaData {
        id_factura: id,
        nombre_razon_emisor: issuer.legal_name.trim().chars().take(120).collect(),
        tipo_factura: tipo,
        tipo_rectificativa: summary.rectification_type.map(|_| TipoRectificativa::I),
        facturas_rectificadas: corrected.into_iter().collect(),
        facturas_sustituidas: Vec::new(),
        importe_rectificacion: None,
        fecha_operacion: summary.operation_date,
        descripcion_operacion: summary.description.clone(),
        destinatarios: vec![
            Destinatario::new(&draft.customer.legal_name, &draft.customer.tax_id)
                .map_err(compose_problem)?,
        ],
        desglose,
        cuota_total: summary.total_tax,
        importe_total: summary.total,
    };
    let prev = previous_link(previous)?;
    let prev_huella = prev.as_ref().map(|p| p.huella.clone());
    let generated = Timestamp::in_zone(now, crate::jobs::HQ_TIME_ZONE);
    let record = RegistroAlta::generate(
        data,
        prev,
        sistema_informatico(issuer.nif.trim()),
        generated,
    )
    .map_err(compose_problem)?;
    let lang = draft.language;
    let pdf = trastienda_einvoice::pdf::render(&inv, lang).map_err(compose_problem)?;
    let ubl = trastienda_einvoice::ubl::to_xml(&inv).map_err(compose_problem)?;
    let facturae = trastienda_einvoice::facturae::to_xml(&inv).map_err(compose_problem)?;
    let totals = inv.totals();
    let record = RegistroFacturacion::Alta(record);
    Ok(Composed {
        issue_date: draft.issue_date,
        net: totals.lines_net,
        tax: totals.vat + totals.surcharge,
        total: totals.total,
        draft: serde_json::to_string(&draft).map_err(compose_problem)?,
        documents: vec![
            Rendered {
                format: "pdf",
                content: pdf,
            },
            Rendered {
                format: "ubl",
                content: ubl,
            },
            Rendered {
                format: "facturae",
                content: facturae,
            },
        ],
        record_json: serde_json::to_string(&record).map_err(compose_problem)?,
        record_nif: record.id_factura().id_emisor_factura.clone(),
        record_tipo: tipo.code().into(),
        record_huella: record.huella().to_string(),
        record_prev_huella: prev_huella,
        record_generated_at: generated.to_string(),
        record_cuota_cents: summary.total_tax.cents(),
        record_importe_cents: summary.total.cents(),
        credited_lines: Vec::new(),
    })
}

fn payment_means(c: &ContractIn, issuer: &IssuerIn) -> PaymentMeans {
    match &c.payment {
        PaymentIn::Transfer => PaymentMeans::Transfer {
            payee_iban: issuer.iban.clone(),
            bic: issuer.bic.clone().filter(|b| !b.trim().is_empty()),
        },
        PaymentIn::DirectDebit {
            mandate_reference,
            debtor_iban,
        } => PaymentMeans::DirectDebit {
            mandate_reference: mandate_reference.trim().into(),
            debtor_iban: debtor_iban.clone(),
            creditor_identifier: issuer.creditor_id.clone().filter(|c| !c.trim().is_empty()),
        },
    }
}

/// A delivery note as the invoice charges it: one line per product (and VAT rate) of the note,
/// with its quantity and HQ's unit price before tax, as RD 1619/2012 art. 6.1.f asks of a full
/// invoice ("descripción de las operaciones … incluyendo el precio unitario sin impuesto"); the
/// line names the note and its date (`royalty::period_lines`), so each goods line traces to its
/// note. The same product listed twice in a note in whole units at the same price and rate is one
/// line (the quantities added: the base is exactly the sum); otherwise it stays its own line.
/// Each line's base is its quantity × unit price rounded to the cent, as the note's own total is.
pub fn delivery_by_product(n: &royalty::DeliveryNote) -> royalty::DeliveryNote {
    let mut lines: Vec<royalty::DeliveryLine> = Vec::with_capacity(n.lines.len());
    for l in &n.lines {
        match lines.iter_mut().find(|m| {
            m.description == l.description
                && m.unit == l.unit
                && m.unit_price == l.unit_price
                && m.vat_rate == l.vat_rate
                && m.surcharge_rate_override == l.surcharge_rate_override
                && m.quantity.milli() % 1000 == 0
                && l.quantity.milli() % 1000 == 0
        }) {
            Some(m) => m.quantity += l.quantity,
            None => lines.push(l.clone()),
        }
    }
    royalty::DeliveryNote {
        number: n.number.clone(),
        date: n.date,
        lines,
    }
}

/// One franchisee's invoice for a month, from the facts read in its issuing transaction.
pub fn compose_period(f: &PeriodFacts, entorno: Entorno) -> Result<Composed, Problem> {
    let c = &f.contract.terms;
    let lang = c.language;
    let start = parse_month(&f.period)?;
    let period =
        Period::month(start.year(), start.month()).ok_or_else(|| compose_problem(&f.period))?;
    let terms = terms_of(c)?;
    let mut late_sales = Vec::new();
    for (month, already, late, then) in &f.late {
        let s = parse_month(month)?;
        late_sales.push(royalty::LateSales {
            period: Period::month(s.year(), s.month()).ok_or_else(|| compose_problem(month))?,
            already_invoiced: *already,
            late: *late,
            terms: terms_of(&then.terms)?,
        });
    }
    let activity = royalty::MonthActivity {
        period,
        net_sales: f.net_sales,
        tills: f.tills,
        stores: f.stores,
        bill_entry_fee: f.first_invoice,
        deliveries: f.deliveries.iter().map(delivery_by_product).collect(),
        late_sales,
    };
    let lines = royalty::period_lines(&terms, &activity, c.equivalence_surcharge, lang)
        .map_err(compose_problem)?;
    if lines.is_empty() {
        return Err(Problem::new("invoice_nothing_to_invoice")
            .with("franchisee", f.franchisee.id)
            .with("period", &f.period));
    }
    let issue_date = crate::storage::sql::business_day(f.now);
    let draft = InvoiceDraft {
        kind: DocumentKind::Invoice,
        series: f.series.clone(),
        number: f.number,
        issue_date,
        period: Some(period),
        issuer: issuer_party(&f.issuer),
        customer: customer_party(&f.franchisee, c),
        buyer_reference: Some(format!("F{:05}", f.franchisee.id.0)),
        lines,
        payment: PaymentTerms {
            due_date: issue_date + Duration::days(i64::from(c.payment_days)),
            means: payment_means(c, &f.issuer),
        },
        notes: Vec::new(),
        verifactu_qr_url: String::new(),
        language: lang,
    };
    finish(
        draft,
        &f.issuer,
        None,
        f.previous_record.as_deref(),
        f.now,
        entorno,
    )
}

/// One line of an invoice to credit: its number as printed (1-based) and the net (before tax) to
/// take off it; no net credits what is left of the line.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreditLineIn {
    pub line: u32,
    #[serde(default)]
    pub net: Option<Money>,
}

/// Why and how a credit note corrects an invoice.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct CreditNoteIn {
    #[schema(value_type = String)]
    pub reason: CorrectionReason,
    /// Printed on the credit note.
    pub description: String,
    /// The lines credited, each at most what is left of it; empty: everything left on the invoice.
    #[serde(default)]
    pub lines: Vec<CreditLineIn>,
}

/// What is left to credit on each line of an invoice, given what earlier credit notes took.
pub fn left_to_credit(original: &InvoiceDraft, credited: &[Money]) -> Result<Vec<Money>, Problem> {
    let inv = Invoice::new(original.clone()).map_err(compose_problem)?;
    Ok(inv
        .lines()
        .iter()
        .enumerate()
        .map(|(i, l)| {
            if l.net.is_negative() {
                Money::ZERO
            } else {
                (l.net - credited.get(i).copied().unwrap_or(Money::ZERO)).max(Money::ZERO)
            }
        })
        .collect())
}

/// A credit note (a rectificativa by differences) for the chosen lines of `f.original`, or for
/// everything left on it; never more than is left of a line.
pub fn compose_credit(
    f: &CreditFacts,
    why: &CreditNoteIn,
    entorno: Entorno,
) -> Result<Composed, Problem> {
    let description = why.description.trim();
    if description.is_empty() || description.chars().count() > 200 {
        return Err(Problem::new("credit_note_description"));
    }
    let original: InvoiceDraft =
        serde_json::from_str(&f.original.draft).map_err(compose_problem)?;
    let number = &f.original.full_number;
    let inv = Invoice::new(original.clone()).map_err(compose_problem)?;
    let left = left_to_credit(&original, &f.credited)?;
    let chosen: Vec<(usize, Option<Money>)> = if why.lines.is_empty() {
        if original.lines.iter().any(|l| l.quantity.is_negative()) {
            return Err(Problem::new("credit_note_negative_line").with("number", number));
        }
        (0..left.len())
            .filter(|i| left[*i] > Money::ZERO)
            .map(|i| (i, None))
            .collect()
    } else {
        let mut seen = std::collections::BTreeSet::new();
        let mut out = Vec::new();
        for c in &why.lines {
            let i = (c.line as usize).wrapping_sub(1);
            if i >= original.lines.len() || !seen.insert(i) {
                return Err(Problem::new("credit_note_bad_line")
                    .with("line", c.line)
                    .with("number", number));
            }
            if original.lines[i].quantity.is_negative() {
                return Err(Problem::new("credit_note_negative_line").with("number", number));
            }
            out.push((i, c.net));
        }
        out
    };
    if chosen.is_empty() {
        return Err(Problem::new("credit_note_nothing_left").with("number", number));
    }
    let mut lines = Vec::new();
    let mut credited_lines = Vec::new();
    for (i, net) in chosen {
        let amount = net.unwrap_or(left[i]);
        if amount <= Money::ZERO {
            return Err(Problem::new("credit_note_bad_amount")
                .with("line", i + 1)
                .with("amount", amount));
        }
        if amount > left[i] {
            return Err(Problem::new("credit_note_exceeds")
                .with("line", i + 1)
                .with("amount", amount)
                .with("left", left[i]));
        }
        let full = &inv.lines()[i];
        // A credit note lists what it credits as positive quantities (the model's convention);
        // a whole line is repeated as it was, part of one is one unit at the amount credited.
        let mut l = full.draft.clone();
        if amount != full.net {
            l.quantity = sync_protocol::Quantity::one();
            l.unit = trastienda_einvoice::Unit::Each;
            l.unit_price = amount;
            l.discount = None;
        }
        if l.period.is_none() {
            l.period = original.period;
        }
        lines.push(l);
        credited_lines.push((u32::try_from(i + 1).unwrap_or(u32::MAX), amount));
    }
    let corrected = IdFactura::new(f.issuer.nif.trim(), number, f.original.issue_date)
        .map_err(compose_problem)?;
    let issue_date = crate::storage::sql::business_day(f.now);
    let draft = InvoiceDraft {
        kind: DocumentKind::CreditNote(Correction {
            corrected_number: number.clone(),
            corrected_issue_date: f.original.issue_date,
            corrected_period: original.period,
            reason: why.reason,
            description: description.to_string(),
        }),
        series: f.series.clone(),
        number: f.number,
        issue_date,
        period: original.period,
        issuer: issuer_party(&f.issuer),
        customer: original.customer.clone(),
        buyer_reference: original.buyer_reference.clone(),
        lines,
        payment: PaymentTerms {
            due_date: issue_date,
            means: original.payment.means.clone(),
        },
        notes: Vec::new(),
        verifactu_qr_url: String::new(),
        language: original.language,
    };
    let mut composed = finish(
        draft,
        &f.issuer,
        Some(corrected),
        f.previous_record.as_deref(),
        f.now,
        entorno,
    )?;
    composed.credited_lines = credited_lines;
    Ok(composed)
}

/// Issues a credit note for invoice `id`.
pub async fn issue_credit_note(
    storage: &dyn Storage,
    id: i64,
    why: CreditNoteIn,
    now: DateTime<Utc>,
) -> StorageResult<InvoiceRecord> {
    let entorno = Entorno::from_env();
    storage
        .invoicing()
        .issue_credit_note(id, now, Arc::new(move |f| compose_credit(f, &why, entorno)))
        .await
}

/// The media type and file extension of a stored document format (`pdf`, `ubl`, `facturae`).
pub fn document_format(format: &str) -> Option<(&'static str, &'static str)> {
    match format {
        "pdf" => Some(("application/pdf", "pdf")),
        "ubl" => Some(("application/xml", "ubl.xml")),
        "facturae" => Some(("application/xml", "xsig.xml")),
        _ => None,
    }
}

/// The media type and file name of an invoice's document as downloaded.
pub fn document_file(number: &str, format: &str) -> (&'static str, String) {
    let (mime, ext) = document_format(format).unwrap_or(("application/octet-stream", "bin"));
    (mime, format!("{number}.{ext}"))
}

// --- the monthly run --------------------------------------------------------------------------

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct RunSummary {
    pub period: String,
    /// Invoices issued by this run.
    pub issued: Vec<InvoiceRecord>,
    /// Franchisees whose month was invoiced before.
    pub already: u64,
    /// Franchisees whose invoice could not be written: (franchisee, why). Nothing was stored for them.
    pub failed: Vec<(FranchiseeId, String)>,
}

impl RunSummary {
    pub fn outcome(&self) -> crate::jobs::Outcome {
        vec![
            ("issued".into(), self.issued.len() as u64),
            ("already_issued".into(), self.already),
            ("failed".into(), self.failed.len() as u64),
        ]
    }
}

/// Refuses a month that has not ended yet in HQ's time zone (its sales are still coming).
pub fn check_period_closed(period: &str, now: DateTime<Utc>) -> Result<NaiveDate, Problem> {
    let start = parse_month(period)?;
    let p = Period::month(start.year(), start.month())
        .ok_or_else(|| Problem::new("bad_month").with("month", period))?;
    if crate::storage::sql::business_day(now) <= p.end {
        return Err(Problem::new("period_not_closed").with("period", period.trim()));
    }
    Ok(start)
}

/// Issues every franchisee's invoice for `period` (`YYYY-MM`), each in its own transaction; an
/// invoice already issued is left alone, a failing one stores nothing and the run goes on.
/// `progress(done, total)` is called after each franchisee.
pub async fn run(
    storage: &dyn Storage,
    period: &str,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> StorageResult<RunSummary> {
    run_tracked(storage, period, now, progress, None).await
}

/// [`run`], also writing its progress on the dashboard run `tracked` after each franchisee.
async fn run_tracked(
    storage: &dyn Storage,
    period: &str,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
    tracked: Option<i64>,
) -> StorageResult<RunSummary> {
    let start = check_period_closed(period, now).map_err(StorageError::Invalid)?;
    let period = format!("{:04}-{:02}", start.year(), start.month());
    if storage.invoicing().issuer().await?.is_none() {
        return Err(StorageError::Invalid(Problem::new(
            "invoicing_issuer_missing",
        )));
    }
    let entorno = Entorno::from_env();
    let compose: crate::storage::invoicing::PeriodComposer =
        Arc::new(move |f| compose_period(f, entorno));
    let franchisees = storage
        .invoicing()
        .franchisees_under_contract(&period)
        .await?;
    let mut summary = RunSummary {
        period: period.clone(),
        ..Default::default()
    };
    if let Some(id) = tracked {
        storage
            .invoicing()
            .run_progress(id, 0, franchisees.len() as u64)
            .await?;
    }
    for (i, f) in franchisees.iter().enumerate() {
        match storage
            .invoicing()
            .issue_period_invoice(*f, &period, now, compose.clone())
            .await
        {
            Ok(IssueOutcome::Issued(r)) => summary.issued.push(r),
            Ok(IssueOutcome::AlreadyIssued(_)) => summary.already += 1,
            Ok(IssueOutcome::NoContract) => {}
            Err(StorageError::Backend(e)) => return Err(StorageError::Backend(e)),
            Err(e) => {
                tracing::warn!(franchisee = %f, error = %e, "invoice not issued");
                summary.failed.push((*f, e.to_string()));
            }
        }
        progress(i + 1, franchisees.len());
        if let Some(id) = tracked {
            storage
                .invoicing()
                .run_progress(id, i as u64 + 1, franchisees.len() as u64)
                .await?;
        }
    }
    Ok(summary)
}

/// Starts a run from the dashboard: checks the month and HQ's details now (a refusal starts
/// nothing), then runs and e-mails in the background, its progress readable with `get_run`.
pub async fn start_run(
    storage: Arc<dyn Storage>,
    mail: super::mail::MailSettings,
    period: &str,
    by: &str,
    now: DateTime<Utc>,
) -> StorageResult<i64> {
    let start = check_period_closed(period, now).map_err(StorageError::Invalid)?;
    let period = format!("{:04}-{:02}", start.year(), start.month());
    if storage.invoicing().issuer().await?.is_none() {
        return Err(StorageError::Invalid(Problem::new(
            "invoicing_issuer_missing",
        )));
    }
    let id = storage.invoicing().start_run(&period, by, now).await?;
    tokio::spawn(async move {
        // The worker's heartbeat, while it works: a run whose heartbeat stops (the process died)
        // is found interrupted by `interrupt_stale_runs` and can be run again.
        let beat = {
            let storage = storage.clone();
            tokio::spawn(async move {
                let mut every = tokio::time::interval(RUN_HEARTBEAT);
                loop {
                    every.tick().await;
                    if let Err(e) = storage.invoicing().run_heartbeat(id, Utc::now()).await {
                        tracing::warn!(run = id, error = %e, "invoicing run heartbeat");
                    }
                }
            })
        };
        let result = run_tracked(storage.as_ref(), &period, now, &|_, _| {}, Some(id)).await;
        let result = match result {
            Ok(s) => {
                if let Some(config) = mail.get()
                    && !s.issued.is_empty()
                    && let Err(e) =
                        super::mail::send_pending(storage.as_ref(), &config, Utc::now(), SEND_BATCH)
                            .await
                {
                    tracing::warn!(error = %e, "sending the run's invoices");
                }
                Ok(s)
            }
            Err(e) => Err(e.to_string()),
        };
        let (counts, error) = match &result {
            Ok(s) => (
                (s.issued.len() as u64, s.already, s.failed.len() as u64),
                (!s.failed.is_empty()).then(|| {
                    s.failed
                        .iter()
                        .map(|(f, e)| format!("{f}: {e}"))
                        .collect::<Vec<_>>()
                        .join(" · ")
                }),
            ),
            Err(e) => ((0, 0, 0), Some(e.clone())),
        };
        beat.abort();
        if let Err(e) = storage
            .invoicing()
            .finish_run(id, counts, error.as_deref(), Utc::now())
            .await
        {
            tracing::warn!(run = id, error = %e, "recording the end of an invoicing run");
        }
    });
    Ok(id)
}

/// How often a dashboard run's worker says it is alive.
pub const RUN_HEARTBEAT: std::time::Duration = std::time::Duration::from_secs(10);
/// A run with no heartbeat for this long has no worker any more (six missed beats).
pub const RUN_LEASE: chrono::TimeDelta = chrono::TimeDelta::seconds(60);

/// Marks interrupted every dashboard run whose worker is gone (no heartbeat within
/// [`RUN_LEASE`]): called when a run's page is read and when a server starts. Safe with several
/// instances: a live run elsewhere keeps beating and is left alone.
pub async fn interrupt_stale_runs(storage: &dyn Storage, now: DateTime<Utc>) -> StorageResult<u64> {
    let n = storage
        .invoicing()
        .interrupt_stale_runs(now - RUN_LEASE, now)
        .await?;
    if n > 0 {
        tracing::warn!(
            runs = n,
            "invoicing runs without a worker marked interrupted"
        );
    }
    Ok(n)
}

// --- accounting export ------------------------------------------------------------------------

/// The invoices and credit notes issued in `month` (`YYYY-MM`, by issue date) as the journal CSV of
/// `trastienda_einvoice::accounting` (430 + franchisee number, 705 services, 700 goods, 477 VAT and
/// 4775 recargo per rate; `;`, decimal comma, dd/mm/yyyy), entries numbered from 1.
pub async fn journal_csv(storage: &dyn Storage, month: &str) -> StorageResult<Vec<u8>> {
    let start = parse_month(month).map_err(StorageError::Invalid)?;
    let p = Period::month(start.year(), start.month())
        .ok_or_else(|| StorageError::Invalid(Problem::new("bad_month").with("month", month)))?;
    let records = storage
        .invoicing()
        .invoices_issued_between(p.start, p.end)
        .await?;
    let mut invoices = Vec::with_capacity(records.len());
    for r in &records {
        let draft: InvoiceDraft = serde_json::from_str(&r.draft)
            .map_err(|e| StorageError::Backend(format!("invoice {}: {e}", r.id)))?;
        let inv = Invoice::new(draft)
            .map_err(|e| StorageError::Backend(format!("invoice {}: {e}", r.id)))?;
        invoices.push((inv, sync_protocol_id(r.franchisee_id)));
    }
    let bookings: Vec<trastienda_einvoice::accounting::Booking<'_>> = invoices
        .iter()
        .map(|(inv, f)| trastienda_einvoice::accounting::Booking {
            invoice: inv,
            customer_account: *f,
        })
        .collect();
    trastienda_einvoice::accounting::journal_csv(
        &bookings,
        &trastienda_einvoice::accounting::ChartOfAccounts::default(),
        1,
    )
    .map_err(|e| StorageError::Invalid(Problem::new("journal_export").with("detail", e)))
}

fn sync_protocol_id(f: FranchiseeId) -> u64 {
    u64::try_from(f.0).unwrap_or(0)
}

/// [`run`], then e-mails what is not sent yet when SMTP is configured (failures are recorded on
/// each invoice and retried by the `send-invoices` job).
pub async fn run_and_send(
    storage: &dyn Storage,
    mail: Option<&super::mail::MailConfig>,
    period: &str,
    now: DateTime<Utc>,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> StorageResult<RunSummary> {
    let summary = run(storage, period, now, progress).await?;
    if let Some(config) = mail
        && !summary.issued.is_empty()
    {
        super::mail::send_pending(storage, config, now, SEND_BATCH).await?;
    }
    Ok(summary)
}

/// Invoices e-mailed per round.
pub const SEND_BATCH: u32 = 1000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn goods_lines_are_per_product_with_unit_prices() {
        use sync_protocol::Quantity;
        let line = |d: &str, q: i64, cents: i64, rate: i64| royalty::DeliveryLine {
            description: d.into(),
            quantity: Quantity::from_milli(q),
            unit: if q % 1000 == 0 {
                trastienda_einvoice::Unit::Each
            } else {
                trastienda_einvoice::Unit::Kilogram
            },
            unit_price: Money::from_cents(cents),
            vat_rate: TaxRate::percent(rate),
            surcharge_rate_override: None,
        };
        let note = royalty::DeliveryNote {
            number: "ALB-7".into(),
            date: NaiveDate::from_ymd_opt(2026, 10, 9).unwrap(),
            lines: vec![
                line("Aceite 1 l (ACE-1L)", 10_000, 300, 21),
                line("Arroz 1 kg (ARROZ-1K)", 20_000, 125, 10),
                line("Aceite 1 l (ACE-1L)", 2_000, 300, 21),
                line("Aceite 1 l (ACE-1L)", 1_000, 290, 21),
                line("Queso (QUESO)", 1_250, 1_199, 10),
                line("Queso (QUESO)", 750, 1_199, 10),
            ],
        };
        let out = delivery_by_product(&note);
        assert_eq!(out.number, "ALB-7");
        let got: Vec<(String, i64, i64)> = out
            .lines
            .iter()
            .map(|l| {
                (
                    l.description.clone(),
                    l.quantity.milli(),
                    l.unit_price.cents(),
                )
            })
            .collect();
        assert_eq!(
            got,
            vec![
                ("Aceite 1 l (ACE-1L)".into(), 12_000, 300),
                ("Arroz 1 kg (ARROZ-1K)".into(), 20_000, 125),
                ("Aceite 1 l (ACE-1L)".into(), 1_000, 290),
                ("Queso (QUESO)".into(), 1_250, 1_199),
                ("Queso (QUESO)".into(), 750, 1_199),
            ]
        );
        // The bases add up to the note's, cent for cent.
        let sum = |n: &royalty::DeliveryNote| -> Money {
            n.lines.iter().map(|l| l.unit_price.times(l.quantity)).sum()
        };
        assert_eq!(sum(&out), sum(&note));
    }

    #[test]
    fn mailboxes() {
        assert!(email_ok("facturas@franquicia.es"));
        assert!(!email_ok("facturas.franquicia.es"));
        assert!(!email_ok("a@b"));
        assert!(!email_ok("a b@c.es"));
        assert!(!email_ok("a@@c.es"));
    }

    #[test]
    fn months_close_in_madrid() {
        let t: DateTime<Utc> = "2026-11-30T23:30:00Z".parse().unwrap();
        // Already 1 December in Madrid: November is closed.
        assert!(check_period_closed("2026-11", t).is_ok());
        let t: DateTime<Utc> = "2026-11-30T22:30:00Z".parse().unwrap();
        assert_eq!(
            check_period_closed("2026-11", t).unwrap_err().code,
            "period_not_closed"
        );
        assert_eq!(
            check_period_closed("2026-13", t).unwrap_err().code,
            "bad_month"
        );
    }
}
