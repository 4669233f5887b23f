//! Why a direct debit was rejected or returned (ISO 20022 external reason codes as the EPC uses
//! them: AC04, AM04, MD01, MS02…), and the returned debit as both camt.054 and pain.002 report it.

use chrono::NaiveDate;
use serde::Serialize;
use sync_protocol::Money;

/// A status or return reason: an ISO code (`AM04`) or a bank's proprietary one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Reason {
    pub code: String,
    /// True when the bank sent it as `<Prtry>` rather than an ISO `<Cd>`.
    pub proprietary: bool,
}

/// (code, English, Spanish) for the codes the EPC direct-debit guidelines list for R-transactions.
const REASONS: &[(&str, &str, &str)] = &[
    (
        "AC01",
        "Account number incorrect",
        "Número de cuenta incorrecto",
    ),
    ("AC04", "Account closed", "Cuenta cancelada"),
    ("AC06", "Account blocked", "Cuenta bloqueada"),
    (
        "AC13",
        "Debtor account is a consumer account (B2B not allowed)",
        "La cuenta del deudor es de consumidor (B2B no permitido)",
    ),
    (
        "AG01",
        "Direct debits not allowed on this account",
        "Adeudos no permitidos en esta cuenta",
    ),
    (
        "AG02",
        "Operation code incorrect",
        "Código de operación incorrecto",
    ),
    ("AM04", "Insufficient funds", "Saldo insuficiente"),
    ("AM05", "Duplicate collection", "Cobro duplicado"),
    (
        "BE05",
        "Creditor identifier not recognised",
        "Identificador del acreedor no reconocido",
    ),
    (
        "CNOR",
        "Creditor bank not reachable for direct debits",
        "Banco del acreedor no adherido a adeudos SEPA",
    ),
    (
        "CUST",
        "Cancelled at the debtor's request",
        "Anulado a petición del deudor",
    ),
    (
        "DNOR",
        "Debtor bank not reachable for direct debits",
        "Banco del deudor no adherido a adeudos SEPA",
    ),
    ("ED05", "Settlement failed", "Fallo en la liquidación"),
    (
        "FF01",
        "Invalid file format",
        "Formato de fichero no válido",
    ),
    (
        "FOCR",
        "Returned after a cancellation request",
        "Devuelto tras una solicitud de anulación",
    ),
    ("MD01", "No valid mandate", "Sin mandato válido"),
    (
        "MD02",
        "Mandate data missing or incorrect",
        "Faltan datos del mandato o son incorrectos",
    ),
    (
        "MD06",
        "Refund requested by the debtor",
        "Reembolso solicitado por el deudor",
    ),
    ("MD07", "Debtor deceased", "Deudor fallecido"),
    ("MS02", "Refused by the debtor", "Rechazado por el deudor"),
    (
        "MS03",
        "Refused by the bank (no reason given)",
        "Rechazado por el banco (sin motivo)",
    ),
    ("RC01", "Bank identifier (BIC) incorrect", "BIC incorrecto"),
    (
        "RR01",
        "Debtor account or identification missing (regulatory reason)",
        "Falta la cuenta o identificación del deudor (motivo regulatorio)",
    ),
    (
        "RR02",
        "Debtor name or address missing (regulatory reason)",
        "Falta el nombre o la dirección del deudor (motivo regulatorio)",
    ),
    (
        "RR03",
        "Creditor name or address missing (regulatory reason)",
        "Falta el nombre o la dirección del acreedor (motivo regulatorio)",
    ),
    ("RR04", "Regulatory reason", "Motivo regulatorio"),
    (
        "SL01",
        "Refused by a service of the debtor's bank (e.g. a block on direct debits)",
        "Rechazado por un servicio del banco del deudor (p. ej. bloqueo de adeudos)",
    ),
];

impl Reason {
    pub fn iso(code: &str) -> Reason {
        Reason {
            code: code.to_string(),
            proprietary: false,
        }
    }

    fn entry(&self) -> Option<&'static (&'static str, &'static str, &'static str)> {
        if self.proprietary {
            return None;
        }
        REASONS.iter().find(|(c, _, _)| *c == self.code)
    }

    /// What the code means, in English; `None` for proprietary or unknown codes.
    pub fn description_en(&self) -> Option<&'static str> {
        self.entry().map(|e| e.1)
    }

    /// What the code means, in Spanish; `None` for proprietary or unknown codes.
    pub fn description_es(&self) -> Option<&'static str> {
        self.entry().map(|e| e.2)
    }

    /// Codes after which the same mandate and account will fail again: the account is closed,
    /// blocked or wrong, the mandate is missing or the debtor died. Collecting again needs the
    /// franchisee to act (a new mandate or account). Insufficient funds (AM04) is not one.
    pub fn mandate_unusable(&self) -> bool {
        !self.proprietary
            && matches!(
                self.code.as_str(),
                "AC01" | "AC04" | "AC06" | "AC13" | "AG01" | "MD01" | "MD02" | "MD07" | "SL01"
            )
    }
}

impl std::fmt::Display for Reason {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.description_en() {
            Some(d) => write!(f, "{} ({d})", self.code),
            None => f.write_str(&self.code),
        }
    }
}

/// A direct debit that came back: rejected before settlement (pain.002) or returned after it
/// (camt.054 / camt.053 R-transaction). The end-to-end id is the one our pain.008 gave it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReturnedDebit {
    /// Line of the element in the file that reported it.
    pub line: usize,
    pub end_to_end_id: Option<String>,
    pub mandate_id: Option<String>,
    pub amount: Option<Money>,
    pub reason: Option<Reason>,
    pub additional_info: Vec<String>,
    /// Booking date of the return (camt) or requested collection date (pain.002).
    pub date: Option<NaiveDate>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_codes_are_described_in_both_languages() {
        let r = Reason::iso("AM04");
        assert_eq!(r.description_en(), Some("Insufficient funds"));
        assert_eq!(r.description_es(), Some("Saldo insuficiente"));
        assert_eq!(r.to_string(), "AM04 (Insufficient funds)");
        assert!(!r.mandate_unusable());
        assert!(Reason::iso("MD01").mandate_unusable());
        assert!(Reason::iso("AC04").mandate_unusable());
        let p = Reason {
            code: "AC04".into(),
            proprietary: true,
        };
        assert_eq!(p.description_en(), None);
        assert_eq!(Reason::iso("ZZ99").to_string(), "ZZ99");
    }
}
