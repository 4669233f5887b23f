//! VERI*FACTU (RD 1007/2023, Orden HAC/1177/2024): invoice records (alta, anulación), their SHA-256
//! chain (the *huella*), the AEAT QR URL, the XML of the official XSDs and the AEAT's pre-flight checks.
//!
//! The till creates records and HQ checks and forwards them with this one module, so both ends agree
//! byte for byte. Values are normalised when a record is made (two-decimal amounts that are never
//! `-0.00`, timestamps to the second with their offset, trimmed identifiers) and then written the
//! same way into the hash, the XML and the QR: they cannot disagree.

use crate::money::{Money, TaxRate};
use crate::totals::TaxBreakdown;
use chrono::{DateTime, FixedOffset, NaiveDate, SubsecRound, TimeZone, Utc};
use chrono_tz::Tz;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, percent_decode_str, utf8_percent_encode};
use quick_xml::Writer;
use quick_xml::events::{BytesDecl, BytesText, Event};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fmt;
use std::io;

/// `IDVersion` of every record: the layout of Orden HAC/1177/2024.
pub const ID_VERSION: &str = "1.0";
/// Namespace of the envelope (`SuministroLR.xsd`), written with the prefix `sum`.
pub const NS_SUMINISTRO_LR: &str = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/SuministroLR.xsd";
/// Namespace of the records (`SuministroInformacion.xsd`), written with the prefix `sum1`.
pub const NS_SUMINISTRO_INFORMACION: &str = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/SuministroInformacion.xsd";
/// Most records one `RegFactuSistemaFacturacion` may carry (Orden art. 16).
pub const MAX_RECORDS_PER_ENVELOPE: usize = 1000;
/// Most `DetalleDesglose` lines of one record (the XSD's `maxOccurs`).
pub const MAX_DESGLOSE: usize = 12;
/// A simplified invoice (F2) may not exceed 3,000 €; the AEAT allows 10 € more (error 1150).
pub const F2_LIMIT_CENTS: i64 = 300_000 + 1_000;
/// Tolerance of the AEAT between a rate's tax and base × rate (error 1142).
pub const CUOTA_TOLERANCE_CENTS: i64 = 1_000;
/// How far the previous record may be timestamped after a new one (Orden art. 7.i).
pub const MAX_CLOCK_STEP_BACK_SECONDS: i64 = 60;
/// The time zone of the Spanish mainland and Balearic Islands, where a store is unless told otherwise.
pub const DEFAULT_TIME_ZONE: Tz = chrono_tz::Europe::Madrid;

/// AEAT's QR service in production (Orden art. 21).
pub const QR_BASE_PRODUCTION: &str =
    "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR";
/// AEAT's QR service in its test environment.
pub const QR_BASE_TEST: &str = "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR";

/// Why a record, a QR or an envelope cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VerifactuError {
    #[error("{field} must be a 9-character NIF, not '{value}'")]
    BadNif { field: &'static str, value: String },
    #[error("invoice number '{number}' is not acceptable to the AEAT: {reason}")]
    BadNumber {
        number: String,
        reason: &'static str,
    },
    #[error("{field} is empty")]
    Empty { field: &'static str },
    #[error("{field} has {len} characters, at most {max} are allowed")]
    TooLong {
        field: &'static str,
        len: usize,
        max: usize,
    },
    #[error("a record needs 1 to {MAX_DESGLOSE} tax breakdown lines, this one has {0}")]
    Desglose(usize),
    #[error("amount {0} does not fit the AEAT's 12 integer digits")]
    AmountTooLarge(Money),
    #[error("an envelope carries 1 to {MAX_RECORDS_PER_ENVELOPE} records, not {0}")]
    EnvelopeSize(usize),
    #[error("record {number} belongs to NIF {record_nif}, not to the envelope's taxpayer {nif}")]
    WrongTaxpayer {
        number: String,
        record_nif: String,
        nif: String,
    },
    #[error("timestamp '{0}' is not of the form 2024-01-01T19:20:30+01:00")]
    BadTimestamp(String),
    #[error("writing the XML failed: {0}")]
    Xml(String),
}

impl From<io::Error> for VerifactuError {
    fn from(e: io::Error) -> Self {
        VerifactuError::Xml(e.to_string())
    }
}

/// Why a record does not follow the one before it in its chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordChainError {
    #[error("record {number}: its huella {stored} does not match its content ({computed})")]
    BadHash {
        number: String,
        stored: String,
        computed: String,
    },
    #[error(
        "record {number} starts a new chain (PrimerRegistro) but record {previous} came before it"
    )]
    UnexpectedFirst { number: String, previous: String },
    #[error("record {number} names a previous record but it is the first of its chain")]
    MissingPrevious { number: String },
    #[error(
        "record {number} is chained to {linked} with huella {linked_huella}, but the previous record is {previous} with huella {previous_huella}"
    )]
    Broken {
        number: String,
        linked: String,
        linked_huella: String,
        previous: String,
        previous_huella: String,
    },
    #[error(
        "record {number} is generated at {at}, more than a minute before the previous record ({previous_at}): check the clock"
    )]
    ClockBehind {
        number: String,
        at: String,
        previous_at: String,
    },
}

// ----- normalised values -------------------------------------------------------------------

/// `FechaHoraHusoGenRegistro`: a moment to the second with the UTC offset of where the invoice is
/// issued (Orden art. 7.e). Written `2024-01-01T19:20:30+01:00` in the XML, the hash and JSON.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Timestamp(DateTime<FixedOffset>);

const TIMESTAMP_FORMAT: &str = "%Y-%m-%dT%H:%M:%S%:z";

impl Timestamp {
    /// A moment with its offset; fractions of a second are dropped.
    pub fn new(t: DateTime<FixedOffset>) -> Self {
        Timestamp(t.trunc_subsecs(0))
    }

    /// `utc` as the wall clock of `zone` (summer time included), to the second.
    pub fn in_zone(utc: DateTime<Utc>, zone: Tz) -> Self {
        Self::new(zone.from_utc_datetime(&utc.naive_utc()).fixed_offset())
    }

    pub fn as_datetime(self) -> DateTime<FixedOffset> {
        self.0
    }

    /// The local calendar day: an invoice's `FechaExpedicionFactura`.
    pub fn date(self) -> NaiveDate {
        self.0.date_naive()
    }

    /// Parses exactly the form this module writes.
    pub fn parse(s: &str) -> Result<Self, VerifactuError> {
        DateTime::parse_from_str(s, TIMESTAMP_FORMAT)
            .map(Timestamp)
            .map_err(|_| VerifactuError::BadTimestamp(s.to_string()))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format(TIMESTAMP_FORMAT))
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Timestamp::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// `dd-mm-yyyy`, the AEAT's date form (JSON keeps ISO dates).
pub fn fecha(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// An amount as the XSD, the hash and the QR want it: a point and exactly two decimals, `0.00`
/// never `-0.00` ([`Money`]'s own form).
pub fn importe(m: Money) -> String {
    m.to_string()
}

fn check_nif(field: &'static str, value: &str) -> Result<String, VerifactuError> {
    let v = value.trim().to_uppercase();
    if v.chars().count() != 9 || !v.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(VerifactuError::BadNif {
            field,
            value: value.to_string(),
        });
    }
    Ok(v)
}

/// The AEAT's rules for `NumSerieFactura` (errors 1104, 1130, 1287; 1–60 characters).
pub fn check_invoice_number(n: &str) -> Result<(), VerifactuError> {
    let bad = |reason| {
        Err(VerifactuError::BadNumber {
            number: n.to_string(),
            reason,
        })
    };
    if n.is_empty() {
        return bad("it is empty");
    }
    if n.chars().count() > 60 {
        return bad("it is longer than 60 characters");
    }
    if n.trim() != n {
        return bad("it starts or ends with a space");
    }
    if !n.bytes().all(|b| (32..=126).contains(&b)) {
        return bad("only printable ASCII characters are allowed");
    }
    if n.contains(['"', '\'', '<', '>', '=']) {
        return bad("the characters \" ' < > = are not allowed");
    }
    Ok(())
}

/// Trims `s` and cuts it to `max` characters: names and descriptions are informative, and a long
/// legal name must not stop a till from selling.
fn text(s: &str, max: usize) -> String {
    s.trim().chars().take(max).collect()
}

fn required(field: &'static str, s: &str, max: usize) -> Result<String, VerifactuError> {
    let t = text(s, max);
    if t.is_empty() {
        return Err(VerifactuError::Empty { field });
    }
    Ok(t)
}

fn check_amount(m: Money) -> Result<(), VerifactuError> {
    if m.abs() >= Money::from_cents(100_000_000_000_000) {
        return Err(VerifactuError::AmountTooLarge(m));
    }
    Ok(())
}

// ----- the record model --------------------------------------------------------------------

/// `IDFactura`: an invoice's key at the AEAT (issuer NIF, series and number, issue date).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct IdFactura {
    pub id_emisor_factura: String,
    pub num_serie_factura: String,
    pub fecha_expedicion_factura: NaiveDate,
}

impl IdFactura {
    /// Normalises the NIF (trimmed, upper case) and checks both against the XSD and the AEAT's rules.
    pub fn new(nif: &str, number: &str, date: NaiveDate) -> Result<Self, VerifactuError> {
        check_invoice_number(number)?;
        Ok(IdFactura {
            id_emisor_factura: check_nif("IDEmisorFactura", nif)?,
            num_serie_factura: number.to_string(),
            fecha_expedicion_factura: date,
        })
    }

    fn check(&self) -> Result<(), VerifactuError> {
        check_nif("IDEmisorFactura", &self.id_emisor_factura)?;
        check_invoice_number(&self.num_serie_factura)
    }
}

/// `TipoFactura`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum TipoFactura {
    /// Invoice (art. 6, 7.2 and 7.3 RD 1619/2012).
    F1,
    /// Simplified invoice (ticket) and invoice without an identified recipient.
    F2,
    /// Invoice that replaces simplified invoices already issued.
    F3,
    /// Rectifying: error in law and LIVA art. 80.1, 80.2 and 80.6 (returns of goods among them).
    R1,
    /// Rectifying: LIVA art. 80.3 (insolvency).
    R2,
    /// Rectifying: LIVA art. 80.4 (bad debts).
    R3,
    /// Rectifying: any other cause.
    R4,
    /// Rectifying a simplified invoice.
    R5,
}

impl TipoFactura {
    pub fn code(self) -> &'static str {
        match self {
            Self::F1 => "F1",
            Self::F2 => "F2",
            Self::F3 => "F3",
            Self::R1 => "R1",
            Self::R2 => "R2",
            Self::R3 => "R3",
            Self::R4 => "R4",
            Self::R5 => "R5",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            Self::F1,
            Self::F2,
            Self::F3,
            Self::R1,
            Self::R2,
            Self::R3,
            Self::R4,
            Self::R5,
        ]
        .into_iter()
        .find(|t| t.code() == s)
    }

    pub fn is_rectificativa(self) -> bool {
        matches!(self, Self::R1 | Self::R2 | Self::R3 | Self::R4 | Self::R5)
    }

    /// F1, F3 and R1–R4 name their recipient (error 1189); F2 and R5 never do (1190).
    pub fn needs_recipient(self) -> bool {
        !matches!(self, Self::F2 | Self::R5)
    }
}

/// `TipoRectificativa`: by substitution (needs `ImporteRectificacion`) or by differences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TipoRectificativa {
    /// Sustitutiva.
    S,
    /// Por diferencias: the rectifying record carries the difference (negative for a return).
    I,
}

/// `ImporteRectificacion`, for a rectificativa by substitution.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImporteRectificacion {
    pub base_rectificada: Money,
    pub cuota_rectificada: Money,
}

/// `IDDestinatario` with a Spanish NIF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Destinatario {
    pub nombre_razon: String,
    pub nif: String,
}

impl Destinatario {
    pub fn new(name: &str, nif: &str) -> Result<Self, VerifactuError> {
        Ok(Destinatario {
            nombre_razon: required("NombreRazon", name, 120)?,
            nif: check_nif("NIF", nif)?,
        })
    }
}

/// `Impuesto`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Impuesto {
    /// 01: IVA.
    #[serde(rename = "01")]
    Iva,
    /// 02: IPSI (Ceuta and Melilla).
    #[serde(rename = "02")]
    Ipsi,
    /// 03: IGIC (Canary Islands).
    #[serde(rename = "03")]
    Igic,
    /// 05: other.
    #[serde(rename = "05")]
    Otros,
}

impl Impuesto {
    pub fn code(self) -> &'static str {
        match self {
            Self::Iva => "01",
            Self::Ipsi => "02",
            Self::Igic => "03",
            Self::Otros => "05",
        }
    }
}

/// `ClaveRegimen`: the VAT scheme of the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClaveRegimen {
    /// 01: general.
    #[serde(rename = "01")]
    General,
    /// 18: recargo de equivalencia.
    #[serde(rename = "18")]
    RecargoEquivalencia,
}

impl ClaveRegimen {
    pub fn code(self) -> &'static str {
        match self {
            Self::General => "01",
            Self::RecargoEquivalencia => "18",
        }
    }
}

/// `CalificacionOperacion` (S1, S2, N1, N2) or `OperacionExenta` (E1–E6).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Calificacion {
    /// Subject and not exempt, no reverse charge.
    S1,
    /// Subject and not exempt, reverse charge.
    S2,
    N1,
    N2,
    /// Exempt under LIVA art. 20.
    E1,
    E2,
    E3,
    E4,
    E5,
    E6,
}

impl Calificacion {
    pub fn code(self) -> &'static str {
        match self {
            Self::S1 => "S1",
            Self::S2 => "S2",
            Self::N1 => "N1",
            Self::N2 => "N2",
            Self::E1 => "E1",
            Self::E2 => "E2",
            Self::E3 => "E3",
            Self::E4 => "E4",
            Self::E5 => "E5",
            Self::E6 => "E6",
        }
    }

    /// Exempt operations go in `OperacionExenta` and carry no rate or tax (error 1238).
    pub fn is_exempt(self) -> bool {
        matches!(
            self,
            Self::E1 | Self::E2 | Self::E3 | Self::E4 | Self::E5 | Self::E6
        )
    }
}

/// `DetalleDesglose`: one rate's base and tax.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DetalleDesglose {
    pub impuesto: Impuesto,
    pub clave_regimen: ClaveRegimen,
    pub calificacion: Calificacion,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_impositivo: Option<TaxRate>,
    pub base_imponible: Money,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuota_repercutida: Option<Money>,
    /// `TipoRecargoEquivalencia`: only on an S1 line of a customer under recargo de equivalencia
    /// (`ClaveRegimen` 18), always with its amount (AEAT errors 1281, 1284).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_recargo_equivalencia: Option<TaxRate>,
    /// `CuotaRecargoEquivalencia`, part of `CuotaTotal`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cuota_recargo_equivalencia: Option<Money>,
}

impl DetalleDesglose {
    /// Subject to IVA at `rate` under the general scheme (S1, 01, 01): every till sale.
    pub fn iva(rate: TaxRate, base: Money, cuota: Money) -> Self {
        DetalleDesglose {
            impuesto: Impuesto::Iva,
            clave_regimen: ClaveRegimen::General,
            calificacion: Calificacion::S1,
            tipo_impositivo: Some(rate),
            base_imponible: base,
            cuota_repercutida: Some(cuota),
            tipo_recargo_equivalencia: None,
            cuota_recargo_equivalencia: None,
        }
    }

    /// The tax of the line (0 for an exempt one).
    pub fn cuota(&self) -> Money {
        self.cuota_repercutida.unwrap_or(Money::ZERO)
    }

    /// The recargo de equivalencia of the line (0 without one).
    pub fn recargo(&self) -> Money {
        self.cuota_recargo_equivalencia.unwrap_or(Money::ZERO)
    }
}

/// The breakdown of a ticket's totals per rate, as the receipt prints it: S1 IVA per rate,
/// base and tax signed by `negative` (a return is recorded with negative amounts).
pub fn desglose_iva(taxes: &[TaxBreakdown], negative: bool) -> Vec<DetalleDesglose> {
    let sign = |m: Money| if negative { -m } else { m };
    taxes
        .iter()
        .map(|t| DetalleDesglose::iva(t.rate, sign(t.base), sign(t.tax)))
        .collect()
}

/// `RegistroAnterior`: what the next record of the chain names (for an anulación, the cancelled
/// invoice's id with the anulación's own huella).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistroAnterior {
    pub id_emisor_factura: String,
    pub num_serie_factura: String,
    pub fecha_expedicion_factura: NaiveDate,
    pub huella: String,
}

/// `Encadenamiento`: the first record of a chain, or a link to the one before.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Encadenamiento {
    PrimerRegistro,
    RegistroAnterior(RegistroAnterior),
}

impl Encadenamiento {
    fn from_previous(previous: Option<RegistroAnterior>) -> Self {
        previous.map_or(Self::PrimerRegistro, Self::RegistroAnterior)
    }

    /// The previous huella as the hash takes it: empty for the first record.
    pub fn huella_anterior(&self) -> &str {
        match self {
            Self::PrimerRegistro => "",
            Self::RegistroAnterior(r) => &r.huella,
        }
    }
}

/// `SistemaInformatico`: the software that made the record and where it is installed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SistemaInformatico {
    /// The producer who signs the declaración responsable.
    pub nombre_razon: String,
    pub nif: String,
    pub nombre_sistema_informatico: String,
    pub id_sistema_informatico: String,
    pub version: String,
    pub numero_instalacion: String,
    pub tipo_uso_posible_solo_verifactu: bool,
    pub tipo_uso_posible_multi_ot: bool,
    pub indicador_multiples_ot: bool,
}

impl SistemaInformatico {
    /// Checks the XSD limits (names ≤ 120/30, id ≤ 2, version ≤ 50, installation ≤ 100, NIF).
    pub fn check(&self) -> Result<(), VerifactuError> {
        check_nif("SistemaInformatico NIF", &self.nif)?;
        for (field, value, max) in [
            ("SistemaInformatico NombreRazon", &self.nombre_razon, 120),
            (
                "NombreSistemaInformatico",
                &self.nombre_sistema_informatico,
                30,
            ),
            ("IdSistemaInformatico", &self.id_sistema_informatico, 2),
            ("Version", &self.version, 50),
            ("NumeroInstalacion", &self.numero_instalacion, 100),
        ] {
            let len = value.chars().count();
            if value.trim().is_empty() {
                return Err(VerifactuError::Empty { field });
            }
            if len > max {
                return Err(VerifactuError::TooLong { field, len, max });
            }
        }
        Ok(())
    }
}

/// What an invoice says, before it is chained, timestamped and hashed into a [`RegistroAlta`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AltaData {
    pub id_factura: IdFactura,
    pub nombre_razon_emisor: String,
    pub tipo_factura: TipoFactura,
    pub tipo_rectificativa: Option<TipoRectificativa>,
    pub facturas_rectificadas: Vec<IdFactura>,
    pub facturas_sustituidas: Vec<IdFactura>,
    pub importe_rectificacion: Option<ImporteRectificacion>,
    /// Only when the operation happened on another day than the invoice's.
    pub fecha_operacion: Option<NaiveDate>,
    pub descripcion_operacion: String,
    pub destinatarios: Vec<Destinatario>,
    pub desglose: Vec<DetalleDesglose>,
    pub cuota_total: Money,
    pub importe_total: Money,
}

/// `RegistroAlta`: the record of an issued invoice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistroAlta {
    pub id_factura: IdFactura,
    pub nombre_razon_emisor: String,
    pub tipo_factura: TipoFactura,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tipo_rectificativa: Option<TipoRectificativa>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facturas_rectificadas: Vec<IdFactura>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub facturas_sustituidas: Vec<IdFactura>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub importe_rectificacion: Option<ImporteRectificacion>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fecha_operacion: Option<NaiveDate>,
    pub descripcion_operacion: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub destinatarios: Vec<Destinatario>,
    pub desglose: Vec<DetalleDesglose>,
    pub cuota_total: Money,
    pub importe_total: Money,
    pub encadenamiento: Encadenamiento,
    pub sistema_informatico: SistemaInformatico,
    pub fecha_hora_huso_gen_registro: Timestamp,
    /// `TipoHuella` is always 01 (SHA-256); the huella is 64 upper-case hex characters.
    pub huella: String,
}

/// `RegistroAnulacion`: the record cancelling an invoice that should never have been issued.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegistroAnulacion {
    /// The cancelled invoice (`IDEmisorFacturaAnulada`, `NumSerieFacturaAnulada`, `FechaExpedicionFacturaAnulada`).
    pub id_factura: IdFactura,
    pub encadenamiento: Encadenamiento,
    pub sistema_informatico: SistemaInformatico,
    pub fecha_hora_huso_gen_registro: Timestamp,
    pub huella: String,
}

/// One record of a taxpayer's chain, as the till stores it, the push carries it and HQ keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "registro", rename_all = "snake_case")]
// Both variants are a few hundred bytes and altas are nearly all records: boxing would buy nothing.
#[allow(clippy::large_enum_variant)]
pub enum RegistroFacturacion {
    Alta(RegistroAlta),
    Anulacion(RegistroAnulacion),
}

/// SHA-256 of `input` as 64 upper-case hex characters.
pub fn sha256_upper(input: &str) -> String {
    hex::encode_upper(Sha256::digest(input.as_bytes()))
}

impl RegistroAlta {
    /// Chains `data` after `previous` (`None`: the first record of the chain), stamps it with
    /// `generated` and computes its huella. Formats are checked (NIFs, number, lengths, 1–12
    /// breakdown lines, amounts within 12 digits); the AEAT's business rules are [`preflight`].
    pub fn generate(
        data: AltaData,
        previous: Option<RegistroAnterior>,
        sistema: SistemaInformatico,
        generated: Timestamp,
    ) -> Result<Self, VerifactuError> {
        let mut r = RegistroAlta {
            nombre_razon_emisor: required("NombreRazonEmisor", &data.nombre_razon_emisor, 120)?,
            descripcion_operacion: required(
                "DescripcionOperacion",
                &data.descripcion_operacion,
                500,
            )?,
            id_factura: data.id_factura,
            tipo_factura: data.tipo_factura,
            tipo_rectificativa: data.tipo_rectificativa,
            facturas_rectificadas: data.facturas_rectificadas,
            facturas_sustituidas: data.facturas_sustituidas,
            importe_rectificacion: data.importe_rectificacion,
            fecha_operacion: data.fecha_operacion,
            destinatarios: data.destinatarios,
            desglose: data.desglose,
            cuota_total: data.cuota_total,
            importe_total: data.importe_total,
            encadenamiento: Encadenamiento::from_previous(previous),
            sistema_informatico: sistema,
            fecha_hora_huso_gen_registro: generated,
            huella: String::new(),
        };
        r.check_formats()?;
        r.huella = sha256_upper(&r.hash_input());
        Ok(r)
    }

    /// The XSD-level checks, also run by HQ on a record that arrived over the wire.
    pub fn check_formats(&self) -> Result<(), VerifactuError> {
        self.id_factura.check()?;
        for id in self
            .facturas_rectificadas
            .iter()
            .chain(&self.facturas_sustituidas)
        {
            id.check()?;
        }
        for d in &self.destinatarios {
            check_nif("Destinatario NIF", &d.nif)?;
            if d.nombre_razon.trim().is_empty() {
                return Err(VerifactuError::Empty {
                    field: "Destinatario NombreRazon",
                });
            }
        }
        for (field, value, max) in [
            ("NombreRazonEmisor", &self.nombre_razon_emisor, 120),
            ("DescripcionOperacion", &self.descripcion_operacion, 500),
        ] {
            let len = value.chars().count();
            if len > max {
                return Err(VerifactuError::TooLong { field, len, max });
            }
        }
        if self.desglose.is_empty() || self.desglose.len() > MAX_DESGLOSE {
            return Err(VerifactuError::Desglose(self.desglose.len()));
        }
        for d in &self.desglose {
            check_amount(d.base_imponible)?;
            check_amount(d.cuota())?;
        }
        check_amount(self.cuota_total)?;
        check_amount(self.importe_total)?;
        if let Encadenamiento::RegistroAnterior(p) = &self.encadenamiento {
            check_nif("RegistroAnterior IDEmisorFactura", &p.id_emisor_factura)?;
        }
        self.sistema_informatico.check()
    }

    /// The string the huella is taken over (AEAT hash specification v0.1.2): eight `name=value`
    /// pairs joined by `&`, values as written in the XML, trimmed, never URL-encoded.
    pub fn hash_input(&self) -> String {
        format!(
            "IDEmisorFactura={}&NumSerieFactura={}&FechaExpedicionFactura={}&TipoFactura={}&CuotaTotal={}&ImporteTotal={}&Huella={}&FechaHoraHusoGenRegistro={}",
            self.id_factura.id_emisor_factura.trim(),
            self.id_factura.num_serie_factura.trim(),
            fecha(self.id_factura.fecha_expedicion_factura),
            self.tipo_factura.code(),
            importe(self.cuota_total),
            importe(self.importe_total),
            self.encadenamiento.huella_anterior().trim(),
            self.fecha_hora_huso_gen_registro,
        )
    }
}

impl RegistroAnulacion {
    /// Cancels invoice `anulada`, chained after `previous` (the chain's last record, whatever it
    /// is, not the cancelled invoice's record).
    pub fn generate(
        anulada: IdFactura,
        previous: Option<RegistroAnterior>,
        sistema: SistemaInformatico,
        generated: Timestamp,
    ) -> Result<Self, VerifactuError> {
        let mut r = RegistroAnulacion {
            id_factura: anulada,
            encadenamiento: Encadenamiento::from_previous(previous),
            sistema_informatico: sistema,
            fecha_hora_huso_gen_registro: generated,
            huella: String::new(),
        };
        r.check_formats()?;
        r.huella = sha256_upper(&r.hash_input());
        Ok(r)
    }

    pub fn check_formats(&self) -> Result<(), VerifactuError> {
        self.id_factura.check()?;
        if let Encadenamiento::RegistroAnterior(p) = &self.encadenamiento {
            check_nif("RegistroAnterior IDEmisorFactura", &p.id_emisor_factura)?;
        }
        self.sistema_informatico.check()
    }

    /// Five `name=value` pairs (AEAT hash specification v0.1.2).
    pub fn hash_input(&self) -> String {
        format!(
            "IDEmisorFacturaAnulada={}&NumSerieFacturaAnulada={}&FechaExpedicionFacturaAnulada={}&Huella={}&FechaHoraHusoGenRegistro={}",
            self.id_factura.id_emisor_factura.trim(),
            self.id_factura.num_serie_factura.trim(),
            fecha(self.id_factura.fecha_expedicion_factura),
            self.encadenamiento.huella_anterior().trim(),
            self.fecha_hora_huso_gen_registro,
        )
    }
}

impl RegistroFacturacion {
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Alta(_) => "alta",
            Self::Anulacion(_) => "anulacion",
        }
    }

    /// The invoice the record is about (for an anulación, the cancelled one).
    pub fn id_factura(&self) -> &IdFactura {
        match self {
            Self::Alta(a) => &a.id_factura,
            Self::Anulacion(a) => &a.id_factura,
        }
    }

    pub fn huella(&self) -> &str {
        match self {
            Self::Alta(a) => &a.huella,
            Self::Anulacion(a) => &a.huella,
        }
    }

    pub fn encadenamiento(&self) -> &Encadenamiento {
        match self {
            Self::Alta(a) => &a.encadenamiento,
            Self::Anulacion(a) => &a.encadenamiento,
        }
    }

    pub fn sistema_informatico(&self) -> &SistemaInformatico {
        match self {
            Self::Alta(a) => &a.sistema_informatico,
            Self::Anulacion(a) => &a.sistema_informatico,
        }
    }

    pub fn generated_at(&self) -> Timestamp {
        match self {
            Self::Alta(a) => a.fecha_hora_huso_gen_registro,
            Self::Anulacion(a) => a.fecha_hora_huso_gen_registro,
        }
    }

    pub fn tipo_factura(&self) -> Option<TipoFactura> {
        match self {
            Self::Alta(a) => Some(a.tipo_factura),
            Self::Anulacion(_) => None,
        }
    }

    pub fn hash_input(&self) -> String {
        match self {
            Self::Alta(a) => a.hash_input(),
            Self::Anulacion(a) => a.hash_input(),
        }
    }

    pub fn compute_huella(&self) -> String {
        sha256_upper(&self.hash_input())
    }

    pub fn huella_is_valid(&self) -> bool {
        self.huella() == self.compute_huella()
    }

    pub fn check_formats(&self) -> Result<(), VerifactuError> {
        match self {
            Self::Alta(a) => a.check_formats(),
            Self::Anulacion(a) => a.check_formats(),
        }
    }

    /// What the next record of the chain puts in its `RegistroAnterior`.
    pub fn link(&self) -> RegistroAnterior {
        let id = self.id_factura();
        RegistroAnterior {
            id_emisor_factura: id.id_emisor_factura.clone(),
            num_serie_factura: id.num_serie_factura.clone(),
            fecha_expedicion_factura: id.fecha_expedicion_factura,
            huella: self.huella().to_string(),
        }
    }

    /// Checks the huella and that the record is chained to `previous` (`None`: it must be the
    /// first of its chain).
    pub fn check_follows(
        &self,
        previous: Option<&RegistroFacturacion>,
    ) -> Result<(), RecordChainError> {
        let number = self.id_factura().num_serie_factura.clone();
        let computed = self.compute_huella();
        if computed != self.huella() {
            return Err(RecordChainError::BadHash {
                number,
                stored: self.huella().to_string(),
                computed,
            });
        }
        match (self.encadenamiento(), previous) {
            (Encadenamiento::PrimerRegistro, None) => Ok(()),
            (Encadenamiento::PrimerRegistro, Some(p)) => Err(RecordChainError::UnexpectedFirst {
                number,
                previous: p.id_factura().num_serie_factura.clone(),
            }),
            (Encadenamiento::RegistroAnterior(_), None) => {
                Err(RecordChainError::MissingPrevious { number })
            }
            (Encadenamiento::RegistroAnterior(linked), Some(p)) => {
                let want = p.link();
                if *linked == want {
                    Ok(())
                } else {
                    Err(RecordChainError::Broken {
                        number,
                        linked: linked.num_serie_factura.clone(),
                        linked_huella: linked.huella.clone(),
                        previous: want.num_serie_factura,
                        previous_huella: want.huella,
                    })
                }
            }
        }
    }

    /// Orden art. 7.i: the previous record may not be timestamped more than a minute after this one.
    pub fn check_clock(&self, previous: &RegistroFacturacion) -> Result<(), RecordChainError> {
        let (at, prev) = (self.generated_at(), previous.generated_at());
        if prev.as_datetime() - at.as_datetime()
            > chrono::Duration::seconds(MAX_CLOCK_STEP_BACK_SECONDS)
        {
            return Err(RecordChainError::ClockBehind {
                number: self.id_factura().num_serie_factura.clone(),
                at: at.to_string(),
                previous_at: prev.to_string(),
            });
        }
        Ok(())
    }
}

// ----- pre-flight: the AEAT's business rules -----------------------------------------------

/// A rule of the AEAT the record would break; `code` is the AEAT's error number where known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preflight {
    pub code: Option<u16>,
    pub message: String,
}

impl fmt::Display for Preflight {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.code {
            Some(c) => write!(f, "AEAT {c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

/// The IVA rates the AEAT accepts for an invoice issued on `date` (error 1124): 0, 4, 10 and 21
/// always; 5 from July 2022 to September 2024; 2 and 7.5 in the last quarter of 2024.
/// Recargo de equivalencia rates the AEAT accepts (error 1127), in hundredths of a percent.
pub const RECARGO_RATES_HUNDREDTHS: [i64; 8] = [0, 26, 50, 62, 100, 140, 175, 520];

pub fn iva_rate_allowed(rate: TaxRate, date: NaiveDate) -> bool {
    let h = rate.hundredths();
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN);
    match h {
        0 | 400 | 1000 | 2100 => true,
        500 => date >= day(2022, 7, 1) && date <= day(2024, 9, 30),
        200 | 750 => date >= day(2024, 10, 1) && date <= day(2024, 12, 31),
        _ => false,
    }
}

/// The checks the AEAT applies on arrival that a record can fail although its XML is valid
/// (numbers from its validation rules). Empty when the record passes.
pub fn preflight(r: &RegistroAlta) -> Vec<Preflight> {
    let mut out = Vec::new();
    let mut fail = |code: Option<u16>, message: String| out.push(Preflight { code, message });
    let tipo = r.tipo_factura;
    if let Err(e) = check_invoice_number(&r.id_factura.num_serie_factura) {
        fail(Some(1130), e.to_string());
    }
    if tipo == TipoFactura::F2 && r.importe_total.abs().cents() > F2_LIMIT_CENTS {
        fail(
            Some(1150),
            format!(
                "a simplified invoice (F2) may not exceed 3000.00 € (10.00 € tolerance); this one is {}",
                importe(r.importe_total)
            ),
        );
    }
    if tipo.needs_recipient() && r.destinatarios.is_empty() {
        fail(
            Some(1189),
            format!("a {} invoice must name its recipient", tipo.code()),
        );
    }
    if !tipo.needs_recipient() && !r.destinatarios.is_empty() {
        fail(
            Some(1190),
            format!("a {} invoice may not name a recipient", tipo.code()),
        );
    }
    match (tipo.is_rectificativa(), r.tipo_rectificativa) {
        (true, None) => fail(
            None,
            format!(
                "a rectifying {} invoice needs TipoRectificativa",
                tipo.code()
            ),
        ),
        (false, Some(_)) => fail(
            None,
            "only rectifying invoices carry TipoRectificativa".to_string(),
        ),
        _ => {}
    }
    match (r.tipo_rectificativa, r.importe_rectificacion) {
        (Some(TipoRectificativa::S), None) => fail(
            None,
            "a rectification by substitution needs ImporteRectificacion".to_string(),
        ),
        (Some(TipoRectificativa::I) | None, Some(_)) => fail(
            None,
            "ImporteRectificacion goes only with a rectification by substitution".to_string(),
        ),
        _ => {}
    }
    if !r.facturas_rectificadas.is_empty() && !tipo.is_rectificativa() {
        fail(
            None,
            "only rectifying invoices name FacturasRectificadas".to_string(),
        );
    }
    if !r.facturas_sustituidas.is_empty() && tipo != TipoFactura::F3 {
        fail(
            None,
            "only an F3 invoice names FacturasSustituidas".to_string(),
        );
    }
    if tipo == TipoFactura::F3 && r.facturas_sustituidas.is_empty() {
        fail(
            None,
            "an F3 invoice names the simplified invoices it replaces".to_string(),
        );
    }
    let mut cuota_sum = Money::ZERO;
    let mut total_sum = Money::ZERO;
    for (i, d) in r.desglose.iter().enumerate() {
        let n = i + 1;
        let cuota = d.cuota();
        cuota_sum += cuota + d.recargo();
        total_sum += d.base_imponible + cuota + d.recargo();
        if d.tipo_recargo_equivalencia.is_some() != d.cuota_recargo_equivalencia.is_some() {
            fail(
                Some(1284),
                format!("breakdown line {n}: recargo rate and amount go together"),
            );
        }
        if let Some(re) = d.tipo_recargo_equivalencia {
            if d.calificacion != Calificacion::S1 {
                fail(
                    Some(1281),
                    format!("breakdown line {n}: recargo de equivalencia only on an S1 line"),
                );
            }
            if !RECARGO_RATES_HUNDREDTHS.contains(&re.hundredths()) {
                fail(
                    Some(1127),
                    format!("breakdown line {n}: recargo rate {re} % is not accepted"),
                );
            }
        }
        if d.calificacion.is_exempt() {
            if d.tipo_impositivo.is_some() || d.cuota_repercutida.is_some() {
                fail(
                    Some(1238),
                    format!("breakdown line {n}: an exempt line carries no rate or tax"),
                );
            }
            continue;
        }
        let Some(rate) = d.tipo_impositivo else {
            fail(
                None,
                format!("breakdown line {n}: a subject line needs its rate"),
            );
            continue;
        };
        if d.impuesto == Impuesto::Iva
            && !iva_rate_allowed(rate, r.id_factura.fecha_expedicion_factura)
        {
            fail(
                Some(1124),
                format!(
                    "breakdown line {n}: IVA rate {rate} % is not accepted on {}",
                    fecha(r.id_factura.fecha_expedicion_factura)
                ),
            );
        }
        if (d.base_imponible.is_negative() && cuota > Money::ZERO)
            || (cuota.is_negative() && d.base_imponible > Money::ZERO)
        {
            fail(
                Some(1143),
                format!(
                    "breakdown line {n}: base {} and tax {} have opposite signs",
                    importe(d.base_imponible),
                    importe(cuota)
                ),
            );
        }
        let expected =
            d.base_imponible.as_decimal() * rate.as_decimal() / rust_decimal::Decimal::ONE_HUNDRED;
        let diff = (cuota.as_decimal() - expected).abs();
        if diff > Money::from_cents(CUOTA_TOLERANCE_CENTS).as_decimal() {
            fail(
                Some(1142),
                format!(
                    "breakdown line {n}: tax {} is more than 10.00 € away from base {} × {rate} %",
                    importe(cuota),
                    importe(d.base_imponible)
                ),
            );
        }
    }
    if cuota_sum != r.cuota_total {
        fail(
            None,
            format!(
                "CuotaTotal {} is not the sum of the breakdown's taxes {}",
                importe(r.cuota_total),
                importe(cuota_sum)
            ),
        );
    }
    if total_sum != r.importe_total {
        fail(
            None,
            format!(
                "ImporteTotal {} is not the breakdown's bases plus taxes {}",
                importe(r.importe_total),
                importe(total_sum)
            ),
        );
    }
    out
}

// ----- QR ------------------------------------------------------------------------------------

/// Which AEAT the QR (and later the sender) points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Entorno {
    #[default]
    Produccion,
    Pruebas,
}

impl Entorno {
    pub fn qr_base(self) -> &'static str {
        match self {
            Self::Produccion => QR_BASE_PRODUCTION,
            Self::Pruebas => QR_BASE_TEST,
        }
    }

    /// `TRASTIENDA_AEAT_ENV=pruebas` (or `test`) selects the AEAT's test environment;
    /// anything else, or nothing, production.
    pub fn from_env() -> Self {
        match std::env::var("TRASTIENDA_AEAT_ENV").as_deref() {
            Ok("pruebas" | "test") => Self::Pruebas,
            _ => Self::Produccion,
        }
    }
}

/// URL query values: everything but RFC 3986's unreserved characters is percent-encoded, so `&`
/// becomes `%26` and `/` becomes `%2F` (QR specification v0.5.0).
const QR_VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The `ValidarQR` URL printed as the receipt's QR (Orden art. 21): `nif`, `numserie`, `fecha`
/// (dd-mm-yyyy) and `importe` (ImporteTotal as in the record), URL-encoded.
pub fn qr_url(entorno: Entorno, id: &IdFactura, importe_total: Money) -> String {
    let enc = |s: &str| utf8_percent_encode(s, QR_VALUE).to_string();
    format!(
        "{}?nif={}&numserie={}&fecha={}&importe={}",
        entorno.qr_base(),
        enc(&id.id_emisor_factura),
        enc(&id.num_serie_factura),
        enc(&fecha(id.fecha_expedicion_factura)),
        enc(&importe(importe_total)),
    )
}

/// What a scanned `ValidarQR` URL says (from either AEAT host).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QrData {
    pub nif: String,
    pub numserie: String,
    pub fecha: String,
    pub importe: String,
}

/// Reads a `ValidarQR` URL back (the refund screen finds the ticket by `numserie`). `None` when
/// `text` is not such a URL.
pub fn parse_qr_url(text: &str) -> Option<QrData> {
    let text = text.trim();
    let query = [QR_BASE_PRODUCTION, QR_BASE_TEST]
        .iter()
        .find_map(|base| text.strip_prefix(base)?.strip_prefix('?'))?;
    let (mut nif, mut numserie, mut fecha, mut importe) = (None, None, None, None);
    for pair in query.split('&') {
        let (k, v) = pair.split_once('=')?;
        let v = percent_decode_str(&v.replace('+', " "))
            .decode_utf8()
            .ok()?
            .into_owned();
        match k {
            "nif" => nif = Some(v),
            "numserie" => numserie = Some(v),
            "fecha" => fecha = Some(v),
            "importe" => importe = Some(v),
            _ => {}
        }
    }
    Some(QrData {
        nif: nif?,
        numserie: numserie?,
        fecha: fecha?,
        importe: importe?,
    })
}

// ----- XML -----------------------------------------------------------------------------------

/// `ObligadoEmision`: the taxpayer whose records an envelope carries.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObligadoEmision {
    pub nombre_razon: String,
    pub nif: String,
}

type W = Writer<Vec<u8>>;

fn leaf(w: &mut W, name: &str, value: &str) -> io::Result<()> {
    w.create_element(name)
        .write_text_content(BytesText::new(value))?;
    Ok(())
}

fn node(w: &mut W, name: &str, inner: impl FnOnce(&mut W) -> io::Result<()>) -> io::Result<()> {
    w.create_element(name).write_inner_content(inner)?;
    Ok(())
}

fn sn(b: bool) -> &'static str {
    if b { "S" } else { "N" }
}

fn write_id(w: &mut W, id: &IdFactura) -> io::Result<()> {
    leaf(w, "sum1:IDEmisorFactura", &id.id_emisor_factura)?;
    leaf(w, "sum1:NumSerieFactura", &id.num_serie_factura)?;
    leaf(
        w,
        "sum1:FechaExpedicionFactura",
        &fecha(id.fecha_expedicion_factura),
    )
}

fn write_chain(w: &mut W, e: &Encadenamiento) -> io::Result<()> {
    node(w, "sum1:Encadenamiento", |w| match e {
        Encadenamiento::PrimerRegistro => leaf(w, "sum1:PrimerRegistro", "S"),
        Encadenamiento::RegistroAnterior(p) => node(w, "sum1:RegistroAnterior", |w| {
            leaf(w, "sum1:IDEmisorFactura", &p.id_emisor_factura)?;
            leaf(w, "sum1:NumSerieFactura", &p.num_serie_factura)?;
            leaf(
                w,
                "sum1:FechaExpedicionFactura",
                &fecha(p.fecha_expedicion_factura),
            )?;
            leaf(w, "sum1:Huella", &p.huella)
        }),
    })
}

fn write_system(w: &mut W, s: &SistemaInformatico) -> io::Result<()> {
    node(w, "sum1:SistemaInformatico", |w| {
        leaf(w, "sum1:NombreRazon", &s.nombre_razon)?;
        leaf(w, "sum1:NIF", &s.nif)?;
        leaf(
            w,
            "sum1:NombreSistemaInformatico",
            &s.nombre_sistema_informatico,
        )?;
        leaf(w, "sum1:IdSistemaInformatico", &s.id_sistema_informatico)?;
        leaf(w, "sum1:Version", &s.version)?;
        leaf(w, "sum1:NumeroInstalacion", &s.numero_instalacion)?;
        leaf(
            w,
            "sum1:TipoUsoPosibleSoloVerifactu",
            sn(s.tipo_uso_posible_solo_verifactu),
        )?;
        leaf(
            w,
            "sum1:TipoUsoPosibleMultiOT",
            sn(s.tipo_uso_posible_multi_ot),
        )?;
        leaf(w, "sum1:IndicadorMultiplesOT", sn(s.indicador_multiples_ot))
    })
}

fn write_id_list(w: &mut W, outer: &str, inner: &str, ids: &[IdFactura]) -> io::Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    node(w, outer, |w| {
        for id in ids {
            node(w, inner, |w| write_id(w, id))?;
        }
        Ok(())
    })
}

fn write_alta(w: &mut W, r: &RegistroAlta, ns: bool, subsanacion: bool) -> io::Result<()> {
    let mut el = w.create_element("sum1:RegistroAlta");
    if ns {
        el = el.with_attribute(("xmlns:sum1", NS_SUMINISTRO_INFORMACION));
    }
    el.write_inner_content(|w| {
        leaf(w, "sum1:IDVersion", ID_VERSION)?;
        node(w, "sum1:IDFactura", |w| write_id(w, &r.id_factura))?;
        leaf(w, "sum1:NombreRazonEmisor", &r.nombre_razon_emisor)?;
        if subsanacion {
            // Neither mark is hashed: the record re-sent after a rejection keeps its huella.
            //
            // We only ever re-send an alta the AEAT answered `Incorrecto` for, so it was never
            // registered there: the AEAT's case "alta por rechazo", `Subsanacion=S` with
            // `RechazoPrevio=X`. SuministroInformacion.xsd (RechazoPrevioType) defines `X` as
            // "el registro de facturación no existe en la AEAT" whatever earlier rejections
            // there were, and `S` as a previous rejection of a record that does exist there
            // (a rejected subsanación of a registered record), which the AEAT refuses (3002)
            // for a record it never registered; the XSD also says (N, X) is not admitted, so
            // `X` always goes with `Subsanacion=S`. shared/reference/fiscal-spain.md §1.8
            // (developer FAQ §17) says the same: `RechazoPrevio=X` if the original was rejected.
            leaf(w, "sum1:Subsanacion", "S")?;
            leaf(w, "sum1:RechazoPrevio", "X")?;
        }
        leaf(w, "sum1:TipoFactura", r.tipo_factura.code())?;
        if let Some(t) = r.tipo_rectificativa {
            leaf(
                w,
                "sum1:TipoRectificativa",
                match t {
                    TipoRectificativa::S => "S",
                    TipoRectificativa::I => "I",
                },
            )?;
        }
        write_id_list(
            w,
            "sum1:FacturasRectificadas",
            "sum1:IDFacturaRectificada",
            &r.facturas_rectificadas,
        )?;
        write_id_list(
            w,
            "sum1:FacturasSustituidas",
            "sum1:IDFacturaSustituida",
            &r.facturas_sustituidas,
        )?;
        if let Some(i) = &r.importe_rectificacion {
            node(w, "sum1:ImporteRectificacion", |w| {
                leaf(w, "sum1:BaseRectificada", &importe(i.base_rectificada))?;
                leaf(w, "sum1:CuotaRectificada", &importe(i.cuota_rectificada))
            })?;
        }
        if let Some(d) = r.fecha_operacion {
            leaf(w, "sum1:FechaOperacion", &fecha(d))?;
        }
        leaf(w, "sum1:DescripcionOperacion", &r.descripcion_operacion)?;
        if !r.destinatarios.is_empty() {
            node(w, "sum1:Destinatarios", |w| {
                for d in &r.destinatarios {
                    node(w, "sum1:IDDestinatario", |w| {
                        leaf(w, "sum1:NombreRazon", &d.nombre_razon)?;
                        leaf(w, "sum1:NIF", &d.nif)
                    })?;
                }
                Ok(())
            })?;
        }
        node(w, "sum1:Desglose", |w| {
            for d in &r.desglose {
                node(w, "sum1:DetalleDesglose", |w| {
                    leaf(w, "sum1:Impuesto", d.impuesto.code())?;
                    leaf(w, "sum1:ClaveRegimen", d.clave_regimen.code())?;
                    if d.calificacion.is_exempt() {
                        leaf(w, "sum1:OperacionExenta", d.calificacion.code())?;
                    } else {
                        leaf(w, "sum1:CalificacionOperacion", d.calificacion.code())?;
                    }
                    if let Some(rate) = d.tipo_impositivo {
                        leaf(w, "sum1:TipoImpositivo", &rate.to_string())?;
                    }
                    leaf(
                        w,
                        "sum1:BaseImponibleOimporteNoSujeto",
                        &importe(d.base_imponible),
                    )?;
                    if let Some(c) = d.cuota_repercutida {
                        leaf(w, "sum1:CuotaRepercutida", &importe(c))?;
                    }
                    if let Some(rate) = d.tipo_recargo_equivalencia {
                        leaf(w, "sum1:TipoRecargoEquivalencia", &rate.to_string())?;
                    }
                    if let Some(c) = d.cuota_recargo_equivalencia {
                        leaf(w, "sum1:CuotaRecargoEquivalencia", &importe(c))?;
                    }
                    Ok(())
                })?;
            }
            Ok(())
        })?;
        leaf(w, "sum1:CuotaTotal", &importe(r.cuota_total))?;
        leaf(w, "sum1:ImporteTotal", &importe(r.importe_total))?;
        write_chain(w, &r.encadenamiento)?;
        write_system(w, &r.sistema_informatico)?;
        leaf(
            w,
            "sum1:FechaHoraHusoGenRegistro",
            &r.fecha_hora_huso_gen_registro.to_string(),
        )?;
        leaf(w, "sum1:TipoHuella", "01")?;
        leaf(w, "sum1:Huella", &r.huella)
    })?;
    Ok(())
}

fn write_anulacion(w: &mut W, r: &RegistroAnulacion, ns: bool) -> io::Result<()> {
    let mut el = w.create_element("sum1:RegistroAnulacion");
    if ns {
        el = el.with_attribute(("xmlns:sum1", NS_SUMINISTRO_INFORMACION));
    }
    el.write_inner_content(|w| {
        leaf(w, "sum1:IDVersion", ID_VERSION)?;
        node(w, "sum1:IDFactura", |w| {
            let id = &r.id_factura;
            leaf(w, "sum1:IDEmisorFacturaAnulada", &id.id_emisor_factura)?;
            leaf(w, "sum1:NumSerieFacturaAnulada", &id.num_serie_factura)?;
            leaf(
                w,
                "sum1:FechaExpedicionFacturaAnulada",
                &fecha(id.fecha_expedicion_factura),
            )
        })?;
        write_chain(w, &r.encadenamiento)?;
        write_system(w, &r.sistema_informatico)?;
        leaf(
            w,
            "sum1:FechaHoraHusoGenRegistro",
            &r.fecha_hora_huso_gen_registro.to_string(),
        )?;
        leaf(w, "sum1:TipoHuella", "01")?;
        leaf(w, "sum1:Huella", &r.huella)
    })?;
    Ok(())
}

fn write_record(w: &mut W, r: &RegistroFacturacion, ns: bool, subsanacion: bool) -> io::Result<()> {
    match r {
        RegistroFacturacion::Alta(a) => write_alta(w, a, ns, subsanacion),
        RegistroFacturacion::Anulacion(a) => write_anulacion(w, a, ns),
    }
}

fn new_writer() -> io::Result<W> {
    let mut w = Writer::new_with_indent(Vec::new(), b' ', 2);
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    Ok(w)
}

fn finish(w: W) -> Result<String, VerifactuError> {
    String::from_utf8(w.into_inner()).map_err(|e| VerifactuError::Xml(e.to_string()))
}

/// One record as a standalone `sum1:RegistroAlta` / `sum1:RegistroAnulacion` document (valid
/// against `SuministroInformacion.xsd`), for audits and exports of a single record.
pub fn record_xml(r: &RegistroFacturacion) -> Result<String, VerifactuError> {
    let mut w = new_writer()?;
    write_record(&mut w, r, true, false)?;
    finish(w)
}

/// A `RegFactuSistemaFacturacion` envelope (valid against `SuministroLR.xsd`) for one taxpayer:
/// its `Cabecera` with `RemisionVoluntaria/Incidencia=S` when `incidencia` (records sent late,
/// e.g. from a till that was offline), then 1 to 1,000 records, all of that taxpayer.
pub fn envelope_xml(
    obligado: &ObligadoEmision,
    incidencia: bool,
    records: &[RegistroFacturacion],
) -> Result<String, VerifactuError> {
    let entries: Vec<Remision<'_>> = records.iter().map(Remision::new).collect();
    Envio {
        obligado,
        representante: None,
        incidencia,
        records: &entries,
    }
    .xml()
}

/// One record as an envelope carries it: as it was made, or re-sent as a *subsanación* after the
/// AEAT rejected it (`Subsanacion=S`, `RechazoPrevio=X`; altas only, the marks are not hashed).
#[derive(Debug, Clone, Copy)]
pub struct Remision<'a> {
    pub record: &'a RegistroFacturacion,
    pub subsanacion: bool,
}

impl<'a> Remision<'a> {
    pub fn new(record: &'a RegistroFacturacion) -> Self {
        Remision {
            record,
            subsanacion: false,
        }
    }
}

/// A whole `RegFactuSistemaFacturacion`: the taxpayer, who sends for it when that is not the
/// taxpayer itself (`Representante`: e.g. HQ with its own certificate), whether the records go
/// late (`Incidencia=S`), and the records.
#[derive(Debug, Clone, Copy)]
pub struct Envio<'a> {
    pub obligado: &'a ObligadoEmision,
    pub representante: Option<&'a ObligadoEmision>,
    pub incidencia: bool,
    pub records: &'a [Remision<'a>],
}

impl Envio<'_> {
    /// The envelope as XML (with its declaration), checked: 1 to 1,000 records, all of the
    /// taxpayer's NIF, names and NIFs of the header well formed.
    pub fn xml(&self) -> Result<String, VerifactuError> {
        let records = self.records;
        if records.is_empty() || records.len() > MAX_RECORDS_PER_ENVELOPE {
            return Err(VerifactuError::EnvelopeSize(records.len()));
        }
        let nif = check_nif("ObligadoEmision NIF", &self.obligado.nif)?;
        let name = required(
            "ObligadoEmision NombreRazon",
            &self.obligado.nombre_razon,
            120,
        )?;
        let representante = match self.representante {
            Some(r) => Some((
                required("Representante NombreRazon", &r.nombre_razon, 120)?,
                check_nif("Representante NIF", &r.nif)?,
            )),
            None => None,
        };
        for r in records {
            let id = r.record.id_factura();
            if id.id_emisor_factura != nif {
                return Err(VerifactuError::WrongTaxpayer {
                    number: id.num_serie_factura.clone(),
                    record_nif: id.id_emisor_factura.clone(),
                    nif,
                });
            }
        }
        let mut w = new_writer()?;
        w.create_element("sum:RegFactuSistemaFacturacion")
            .with_attribute(("xmlns:sum", NS_SUMINISTRO_LR))
            .with_attribute(("xmlns:sum1", NS_SUMINISTRO_INFORMACION))
            .write_inner_content(|w| {
                node(w, "sum:Cabecera", |w| {
                    node(w, "sum1:ObligadoEmision", |w| {
                        leaf(w, "sum1:NombreRazon", &name)?;
                        leaf(w, "sum1:NIF", &nif)
                    })?;
                    if let Some((rname, rnif)) = &representante {
                        node(w, "sum1:Representante", |w| {
                            leaf(w, "sum1:NombreRazon", rname)?;
                            leaf(w, "sum1:NIF", rnif)
                        })?;
                    }
                    if self.incidencia {
                        node(w, "sum1:RemisionVoluntaria", |w| {
                            leaf(w, "sum1:Incidencia", "S")
                        })?;
                    }
                    Ok(())
                })?;
                for r in records {
                    node(w, "sum:RegistroFactura", |w| {
                        write_record(w, r.record, false, r.subsanacion)
                    })?;
                }
                Ok(())
            })?;
        finish(w)
    }
}

/// SOAP 1.1 namespace of the AEAT's `SistemaFacturacion.wsdl` service.
pub const NS_SOAP_ENVELOPE: &str = "http://schemas.xmlsoap.org/soap/envelope/";

/// `xml` (an envelope from [`Envio::xml`]) as the body of the SOAP request the AEAT's
/// `VerifactuSOAP` endpoint takes.
pub fn soap_request(xml: &str) -> String {
    let body = xml
        .strip_prefix(r#"<?xml version="1.0" encoding="UTF-8"?>"#)
        .unwrap_or(xml)
        .trim_start();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<soapenv:Envelope xmlns:soapenv=\"{NS_SOAP_ENVELOPE}\">\n<soapenv:Header/>\n<soapenv:Body>\n{body}\n</soapenv:Body>\n</soapenv:Envelope>\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    pub(crate) fn sistema() -> SistemaInformatico {
        SistemaInformatico {
            nombre_razon: "PRODUCTOR SOFTWARE SL".into(),
            nif: "B12345674".into(),
            nombre_sistema_informatico: "FRANQPOS".into(),
            id_sistema_informatico: "FP".into(),
            version: "0.1.0".into(),
            numero_instalacion: "TIENDA-0001-CAJA-01".into(),
            tipo_uso_posible_solo_verifactu: true,
            tipo_uso_posible_multi_ot: true,
            indicador_multiples_ot: false,
        }
    }

    fn ts(s: &str) -> Timestamp {
        Timestamp::parse(s).unwrap()
    }

    /// AEAT vector 1's invoice, with the breakdown of `samples/verifactu-alta.xml`.
    pub(crate) fn vector1_data(number: &str) -> AltaData {
        AltaData {
            id_factura: IdFactura::new("89890001K", number, day(2024, 1, 1)).unwrap(),
            nombre_razon_emisor: "EMPRESA EMISORA SL".into(),
            tipo_factura: TipoFactura::F1,
            tipo_rectificativa: None,
            facturas_rectificadas: vec![],
            facturas_sustituidas: vec![],
            importe_rectificacion: None,
            fecha_operacion: None,
            descripcion_operacion: "Venta de mercaderias".into(),
            destinatarios: vec![Destinatario::new("CLIENTE SA", "A58818501").unwrap()],
            desglose: vec![
                DetalleDesglose::iva(
                    TaxRate::percent(21),
                    Money::from_cents(5881),
                    Money::from_cents(1235),
                ),
                DetalleDesglose {
                    impuesto: Impuesto::Iva,
                    clave_regimen: ClaveRegimen::General,
                    calificacion: Calificacion::E1,
                    tipo_impositivo: None,
                    base_imponible: Money::from_cents(5229),
                    cuota_repercutida: None,
                    tipo_recargo_equivalencia: None,
                    cuota_recargo_equivalencia: None,
                },
            ],
            cuota_total: Money::from_cents(1235),
            importe_total: Money::from_cents(12345),
        }
    }

    #[test]
    fn official_aeat_hash_vectors() {
        let r1 = RegistroAlta::generate(
            vector1_data("12345678/G33"),
            None,
            sistema(),
            ts("2024-01-01T19:20:30+01:00"),
        )
        .unwrap();
        assert_eq!(
            r1.hash_input(),
            "IDEmisorFactura=89890001K&NumSerieFactura=12345678/G33&FechaExpedicionFactura=01-01-2024&TipoFactura=F1&CuotaTotal=12.35&ImporteTotal=123.45&Huella=&FechaHoraHusoGenRegistro=2024-01-01T19:20:30+01:00"
        );
        assert_eq!(
            r1.huella,
            "3C464DAF61ACB827C65FDA19F352A4E3BDC2C640E9E9FC4CC058073F38F12F60"
        );
        let r1 = RegistroFacturacion::Alta(r1);
        let r2 = RegistroAlta::generate(
            vector1_data("12345679/G34"),
            Some(r1.link()),
            sistema(),
            ts("2024-01-01T19:20:35+01:00"),
        )
        .unwrap();
        assert_eq!(
            r2.huella,
            "F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97"
        );
        let r2 = RegistroFacturacion::Alta(r2);
        let r3 = RegistroAnulacion::generate(
            r2.id_factura().clone(),
            Some(r2.link()),
            sistema(),
            ts("2024-01-01T19:20:40+01:00"),
        )
        .unwrap();
        assert_eq!(
            r3.hash_input(),
            "IDEmisorFacturaAnulada=89890001K&NumSerieFacturaAnulada=12345679/G34&FechaExpedicionFacturaAnulada=01-01-2024&Huella=F7B94CFD8924EDFF273501B01EE5153E4CE8F259766F88CF6ACB8935802A2B97&FechaHoraHusoGenRegistro=2024-01-01T19:20:40+01:00"
        );
        assert_eq!(
            r3.huella,
            "177547C0D57AC74748561D054A9CEC14B4C4EA23D1BEFD6F2E69E3A388F90C68"
        );
        let r3 = RegistroFacturacion::Anulacion(r3);
        // The chain verifies, and survives a JSON round trip (the wire and HQ's copy).
        assert_eq!(r1.check_follows(None), Ok(()));
        assert_eq!(r2.check_follows(Some(&r1)), Ok(()));
        assert_eq!(r3.check_follows(Some(&r2)), Ok(()));
        for r in [&r1, &r2, &r3] {
            let back: RegistroFacturacion =
                serde_json::from_str(&serde_json::to_string(r).unwrap()).unwrap();
            assert_eq!(&back, r);
            assert!(back.huella_is_valid());
        }
        // Out of order, skipped or tampered, it does not.
        assert!(matches!(
            r3.check_follows(Some(&r1)),
            Err(RecordChainError::Broken { .. })
        ));
        assert!(matches!(
            r1.check_follows(Some(&r2)),
            Err(RecordChainError::UnexpectedFirst { .. })
        ));
        assert!(matches!(
            r2.check_follows(None),
            Err(RecordChainError::MissingPrevious { .. })
        ));
        let mut bad = r2.clone();
        if let RegistroFacturacion::Alta(a) = &mut bad {
            a.importe_total = Money::from_cents(12346);
        }
        assert!(matches!(
            bad.check_follows(Some(&r1)),
            Err(RecordChainError::BadHash { .. })
        ));
    }

    #[test]
    fn amounts_and_times_are_normalised_at_entry() {
        assert_eq!(importe(Money::from_cents(0)), "0.00");
        assert_eq!(importe(-Money::from_cents(0)), "0.00");
        assert_eq!(importe(Money::from_cents(-5)), "-0.05");
        assert_eq!(importe("12.3".parse().unwrap()), "12.30");
        // Madrid winter and summer time; fractions of a second dropped.
        let winter: DateTime<Utc> = "2026-01-15T08:00:00.987Z".parse().unwrap();
        let summer: DateTime<Utc> = "2026-07-15T22:30:00Z".parse().unwrap();
        assert_eq!(
            Timestamp::in_zone(winter, DEFAULT_TIME_ZONE).to_string(),
            "2026-01-15T09:00:00+01:00"
        );
        let s = Timestamp::in_zone(summer, DEFAULT_TIME_ZONE);
        assert_eq!(s.to_string(), "2026-07-16T00:30:00+02:00");
        // The issue date is the local day, not the UTC one.
        assert_eq!(s.date(), day(2026, 7, 16));
        assert_eq!(
            Timestamp::in_zone(winter, chrono_tz::Atlantic::Canary).to_string(),
            "2026-01-15T08:00:00+00:00"
        );
        assert!(Timestamp::parse("2024-01-01T19:20:30.5+01:00").is_err());
        assert!(Timestamp::parse("2024-01-01 19:20:30").is_err());
        // Identifiers: NIF trimmed and upper-cased; numbers refused rather than changed.
        let id = IdFactura::new(" 89890001k ", "T0001-000001", day(2026, 1, 1)).unwrap();
        assert_eq!(id.id_emisor_factura, "89890001K");
        for bad in [" T1", "T1 ", "T<1", "T=1", "Tñ1", "", &"9".repeat(61)] {
            assert!(
                IdFactura::new("89890001K", bad, day(2026, 1, 1)).is_err(),
                "{bad:?}"
            );
        }
        assert!(IdFactura::new("8989", "T1", day(2026, 1, 1)).is_err());
    }

    #[test]
    fn qr_urls_match_the_aeat_examples() {
        let id = IdFactura::new("89890001K", "12345678/G33", day(2024, 1, 1)).unwrap();
        assert_eq!(
            qr_url(Entorno::Produccion, &id, Money::from_cents(12345)),
            "https://www2.agenciatributaria.gob.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K&numserie=12345678%2FG33&fecha=01-01-2024&importe=123.45"
        );
        // The QR specification's own example (test host, `&` in the number). The example writes
        // the amount as 241.4; the record's ImporteTotal, and so our QR, always has 2 decimals.
        let id = IdFactura::new("89890001K", "12345678&G33", day(2024, 1, 1)).unwrap();
        let url = qr_url(Entorno::Pruebas, &id, Money::from_cents(24140));
        assert_eq!(
            url,
            "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.40"
        );
        let back = parse_qr_url(&url).unwrap();
        assert_eq!(back.numserie, "12345678&G33");
        assert_eq!(back.nif, "89890001K");
        assert_eq!(back.importe, "241.40");
        assert_eq!(
            parse_qr_url(
                "https://prewww2.aeat.es/wlpl/TIKE-CONT/ValidarQR?nif=89890001K&numserie=12345678%26G33&fecha=01-01-2024&importe=241.4"
            )
            .unwrap()
            .importe,
            "241.4"
        );
        assert_eq!(parse_qr_url("T0001-000001"), None);
        assert_eq!(parse_qr_url("https://example.com/ValidarQR?nif=1"), None);
    }

    fn f2(lines: &[(i64, i64, i64)], total: i64) -> RegistroAlta {
        let desglose = lines
            .iter()
            .map(|&(rate, base, cuota)| {
                DetalleDesglose::iva(
                    TaxRate::percent(rate),
                    Money::from_cents(base),
                    Money::from_cents(cuota),
                )
            })
            .collect::<Vec<_>>();
        let cuota: Money = desglose.iter().map(DetalleDesglose::cuota).sum();
        RegistroAlta::generate(
            AltaData {
                id_factura: IdFactura::new("B12345674", "T0001-000001", day(2026, 11, 22)).unwrap(),
                nombre_razon_emisor: "Ultramarinos Centro S.L.".into(),
                tipo_factura: TipoFactura::F2,
                tipo_rectificativa: None,
                facturas_rectificadas: vec![],
                facturas_sustituidas: vec![],
                importe_rectificacion: None,
                fecha_operacion: None,
                descripcion_operacion: "Venta".into(),
                destinatarios: vec![],
                desglose,
                cuota_total: cuota,
                importe_total: Money::from_cents(total),
            },
            None,
            sistema(),
            ts("2026-11-22T10:00:00+01:00"),
        )
        .unwrap()
    }

    #[test]
    fn preflight_catches_what_the_aeat_would_reject() {
        // base 22.25 at 10 % with tax 2.22 (the receipt's own figures) passes.
        assert_eq!(preflight(&f2(&[(10, 2225, 222)], 2447)), vec![]);
        let codes = |r: &RegistroAlta| -> Vec<Option<u16>> {
            preflight(r).into_iter().map(|p| p.code).collect()
        };
        assert_eq!(codes(&f2(&[(21, 300_000, 63_000)], 363_000)), [Some(1150)]);
        assert_eq!(codes(&f2(&[(21, 10_000, 3_200)], 13_200)), [Some(1142)]);
        assert_eq!(codes(&f2(&[(21, -1_000, 210)], -790)), [Some(1143)]);
        assert_eq!(codes(&f2(&[(15, 1_000, 150)], 1_150)), [Some(1124)]);
        assert_eq!(codes(&f2(&[(21, 1_000, 210)], 1_300)), [None]);
        let mut r = f2(&[(21, 1_000, 210)], 1_210);
        r.destinatarios = vec![Destinatario::new("Cliente", "A58818501").unwrap()];
        assert_eq!(codes(&r), [Some(1190)]);
        r.tipo_factura = TipoFactura::F1;
        assert_eq!(codes(&r), []);
        r.destinatarios.clear();
        assert_eq!(codes(&r), [Some(1189)]);
        // Dated rates: 5 % was accepted in 2023, not in 2026.
        assert!(iva_rate_allowed(TaxRate::percent(5), day(2023, 3, 1)));
        assert!(!iva_rate_allowed(TaxRate::percent(5), day(2026, 3, 1)));
        assert!(iva_rate_allowed(
            TaxRate::from_hundredths(750),
            day(2024, 11, 1)
        ));
    }

    #[test]
    fn envelope_refuses_the_wrong_size_and_other_taxpayers() {
        let r = RegistroFacturacion::Alta(f2(&[(21, 1_000, 210)], 1_210));
        let ob = ObligadoEmision {
            nombre_razon: "Ultramarinos Centro S.L.".into(),
            nif: "B12345674".into(),
        };
        assert_eq!(
            envelope_xml(&ob, false, &[]),
            Err(VerifactuError::EnvelopeSize(0))
        );
        assert!(matches!(
            envelope_xml(&ob, false, &vec![r.clone(); 1001]),
            Err(VerifactuError::EnvelopeSize(1001))
        ));
        assert!(envelope_xml(&ob, false, &vec![r.clone(); 1000]).is_ok());
        let other = ObligadoEmision {
            nif: "A58818501".into(),
            ..ob.clone()
        };
        assert!(matches!(
            envelope_xml(&other, false, std::slice::from_ref(&r)),
            Err(VerifactuError::WrongTaxpayer { .. })
        ));
        let late = envelope_xml(&ob, true, std::slice::from_ref(&r)).unwrap();
        assert!(
            late.contains("<sum1:RemisionVoluntaria>\n      <sum1:Incidencia>S</sum1:Incidencia>")
        );
        assert!(
            !envelope_xml(&ob, false, &[r])
                .unwrap()
                .contains("Incidencia")
        );
    }
}
