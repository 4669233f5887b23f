//! Bank identifiers: IBAN (ISO 13616, check digits ISO 7064 mod 97-10), the Spanish CCC, the SEPA
//! Creditor Identifier (EPC AT-02) and the shape of a BIC. Each parses into a validated newtype.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Why a bank identifier was refused. Every message names the value and says what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BankIdError {
    #[error("the {what} is empty")]
    Empty { what: &'static str },
    #[error("'{value}' is not a valid {what}: '{ch}' is not allowed (only letters and digits)")]
    InvalidCharacter {
        what: &'static str,
        value: String,
        ch: char,
    },
    #[error("'{value}' is not a valid {what}: it must start with a two-letter country code")]
    NoCountry { what: &'static str, value: String },
    #[error("'{value}' is not a valid IBAN: there are no IBANs for country code '{country}'")]
    UnknownCountry { value: String, country: String },
    #[error("'{value}' is not a valid {what}: it has {found} characters, it must have {expected}")]
    WrongLength {
        what: &'static str,
        value: String,
        expected: String,
        found: usize,
    },
    #[error(
        "'{value}' is not a valid IBAN: after the check digits a {country} IBAN must be {layout}"
    )]
    WrongLayout {
        value: String,
        country: String,
        layout: String,
    },
    #[error("'{value}' is not a valid {what}: the check digits do not match (a typing error?)")]
    CheckDigits { what: &'static str, value: String },
    #[error(
        "'{value}' is not a valid Spanish account: its control digits are {found}, for this entity, office and account they must be {expected}"
    )]
    CccControlDigits {
        value: String,
        found: String,
        expected: String,
    },
    #[error(
        "'{value}' is not a valid creditor identifier: it must be a country code, 2 check digits, a 3-character business code and the national identifier"
    )]
    CreditorIdLayout { value: String },
    #[error("cannot make a creditor identifier: {0}")]
    Nif(String),
    #[error(
        "'{value}' is not a valid BIC: it must be 8 or 11 letters and digits (bank 4, country 2 letters, location 2, branch 3)"
    )]
    BicLayout { value: String },
}

/// Countries with IBANs and the layout of their BBAN (the part after the check digits), in the
/// SWIFT IBAN registry notation: `n` digits, `a` upper-case letters, `c` letters or digits.
/// Source: SWIFT IBAN registry release 101 (the same data python-stdnum ships as `iban.dat`).
const IBAN_LAYOUTS: &[(&str, &str)] = &[
    ("AD", "4!n4!n12!c"),
    ("AE", "3!n16!n"),
    ("AL", "8!n16!c"),
    ("AT", "5!n11!n"),
    ("AZ", "4!a20!c"),
    ("BA", "3!n3!n8!n2!n"),
    ("BE", "3!n7!n2!n"),
    ("BG", "4!a4!n2!n8!c"),
    ("BH", "4!a14!c"),
    ("BI", "5!n5!n11!n2!n"),
    ("BR", "8!n5!n10!n1!a1!c"),
    ("BY", "4!c4!n16!c"),
    ("CH", "5!n12!c"),
    ("CR", "4!n14!n"),
    ("CY", "3!n5!n16!c"),
    ("CZ", "4!n16!n"),
    ("DE", "8!n10!n"),
    ("DJ", "5!n5!n11!n2!n"),
    ("DK", "4!n9!n1!n"),
    ("DO", "4!c20!n"),
    ("EE", "2!n14!n"),
    ("EG", "4!n4!n17!n"),
    ("ES", "4!n4!n1!n1!n10!n"),
    ("FI", "3!n11!n"),
    ("FK", "2!a12!n"),
    ("FO", "4!n9!n1!n"),
    ("FR", "5!n5!n11!c2!n"),
    ("GB", "4!a6!n8!n"),
    ("GE", "2!a16!n"),
    ("GI", "4!a15!c"),
    ("GL", "4!n9!n1!n"),
    ("GR", "3!n4!n16!c"),
    ("GT", "4!c20!c"),
    ("HN", "4!a20!n"),
    ("HR", "7!n10!n"),
    ("HU", "3!n4!n1!n15!n1!n"),
    ("IE", "4!a6!n8!n"),
    ("IL", "3!n3!n13!n"),
    ("IQ", "4!a3!n12!n"),
    ("IS", "4!n2!n6!n10!n"),
    ("IT", "1!a5!n5!n12!c"),
    ("JO", "4!a4!n18!c"),
    ("KW", "4!a22!c"),
    ("KZ", "3!n13!c"),
    ("LB", "4!n20!c"),
    ("LC", "4!a24!c"),
    ("LI", "5!n12!c"),
    ("LT", "5!n11!n"),
    ("LU", "3!n13!c"),
    ("LV", "4!a13!c"),
    ("LY", "3!n3!n15!n"),
    ("MC", "5!n5!n11!c2!n"),
    ("MD", "2!c18!c"),
    ("ME", "3!n13!n2!n"),
    ("MK", "3!n10!c2!n"),
    ("MN", "4!n12!n"),
    ("MR", "5!n5!n11!n2!n"),
    ("MT", "4!a5!n18!c"),
    ("MU", "4!a2!n2!n12!n3!n3!a"),
    ("NI", "4!a20!n"),
    ("NL", "4!a10!n"),
    ("NO", "4!n6!n1!n"),
    ("OM", "3!n16!c"),
    ("PK", "4!a16!c"),
    ("PL", "8!n16!n"),
    ("PS", "4!a21!c"),
    ("PT", "4!n4!n11!n2!n"),
    ("QA", "4!a21!c"),
    ("RO", "4!a16!c"),
    ("RS", "3!n13!n2!n"),
    ("RU", "9!n5!n15!c"),
    ("SA", "2!n18!c"),
    ("SC", "4!a2!n2!n16!n3!a"),
    ("SD", "2!n12!n"),
    ("SE", "3!n16!n1!n"),
    ("SI", "5!n8!n2!n"),
    ("SK", "4!n6!n10!n"),
    ("SM", "1!a5!n5!n12!c"),
    ("SO", "4!n3!n12!n"),
    ("ST", "4!n4!n11!n2!n"),
    ("SV", "4!a20!n"),
    ("TL", "3!n14!n2!n"),
    ("TN", "2!n3!n13!n2!n"),
    ("TR", "5!n1!n16!c"),
    ("UA", "6!n19!c"),
    ("VA", "3!n15!n"),
    ("VG", "4!a16!n"),
    ("XK", "4!n10!n2!n"),
    ("YE", "4!a4!n18!c"),
];

/// Countries in the SEPA schemes' geographical scope (EU, EEA, and the others the EPC admitted).
/// A SEPA direct debit can only be drawn on an account in one of these.
const SEPA_COUNTRIES: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", // EU
    "IS", "LI", "NO", // EEA
    "CH", "GB", "MC", "SM", "VA", "AD", "GI", "AL", "MD", "ME", "MK",
];

/// Strips the separators people type or paste (spaces, dashes, dots) and upper-cases.
fn compact(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .flat_map(char::to_uppercase)
        .collect()
}

fn check_alphanumeric(what: &'static str, value: &str) -> Result<(), BankIdError> {
    if value.is_empty() {
        return Err(BankIdError::Empty { what });
    }
    match value.chars().find(|c| !c.is_ascii_alphanumeric()) {
        Some(ch) => Err(BankIdError::InvalidCharacter {
            what,
            value: value.to_string(),
            ch,
        }),
        None => Ok(()),
    }
}

/// ISO 7064 mod 97-10 remainder of an alphanumeric string, letters counting A=10 … Z=35.
/// Callers pass only ASCII letters and digits.
fn mod97(s: &str) -> u32 {
    s.bytes().fold(0u32, |r, b| match b {
        b'0'..=b'9' => (r * 10 + u32::from(b - b'0')) % 97,
        b'A'..=b'Z' => (r * 100 + u32::from(b - b'A') + 10) % 97,
        b'a'..=b'z' => (r * 100 + u32::from(b - b'a') + 10) % 97,
        _ => r,
    })
}

/// Countries that have IBANs, in the registry's order.
pub fn iban_countries() -> impl Iterator<Item = &'static str> {
    IBAN_LAYOUTS.iter().map(|(c, _)| *c)
}

/// Length of a country's IBANs (for form hints): `iban_length("ES") == Some(24)`.
pub fn iban_length(country: &str) -> Option<usize> {
    layout_of(country).map(|l| 4 + layout_length(l))
}

/// The registry layout of a country's BBAN, e.g. `4!a6!n8!n` for GB (`n` digit, `a` capital
/// letter, `c` either, `4!` exactly four).
pub fn iban_layout(country: &str) -> Option<&'static str> {
    layout_of(country)
}

fn layout_of(country: &str) -> Option<&'static str> {
    IBAN_LAYOUTS
        .iter()
        .find(|(c, _)| *c == country)
        .map(|(_, l)| *l)
}

/// The parts of a registry layout: (count, class) pairs, e.g. `4!n4!n12!c` → [(4,'n'),(4,'n'),(12,'c')].
fn layout_parts(layout: &str) -> Vec<(usize, char)> {
    layout
        .split_inclusive(['n', 'a', 'c'])
        .filter_map(|part| {
            let class = part.chars().last()?;
            let count = part.trim_end_matches(['n', 'a', 'c', '!']).parse().ok()?;
            Some((count, class))
        })
        .collect()
}

fn layout_length(layout: &str) -> usize {
    layout_parts(layout).iter().map(|(n, _)| n).sum()
}

fn matches_layout(bban: &str, layout: &str) -> bool {
    let mut chars = bban.bytes();
    for (count, class) in layout_parts(layout) {
        for _ in 0..count {
            let ok = match (chars.next(), class) {
                (Some(b), 'n') => b.is_ascii_digit(),
                (Some(b), 'a') => b.is_ascii_uppercase(),
                (Some(b), 'c') => b.is_ascii_uppercase() || b.is_ascii_digit(),
                _ => false,
            };
            if !ok {
                return false;
            }
        }
    }
    chars.next().is_none()
}

/// A layout in words for error messages: "20 digits", or "4 letters, then 14 letters or digits".
fn describe_layout(layout: &str) -> String {
    let mut merged: Vec<(usize, char)> = Vec::new();
    for (n, class) in layout_parts(layout) {
        match merged.last_mut() {
            Some((m, c)) if *c == class => *m += n,
            _ => merged.push((n, class)),
        }
    }
    merged
        .iter()
        .map(|(n, class)| {
            let kind = match class {
                'n' => "digits",
                'a' => "capital letters",
                _ => "letters or digits",
            };
            format!("{n} {kind}")
        })
        .collect::<Vec<_>>()
        .join(", then ")
}

/// The two IBAN check digits for a country and BBAN: `98 − (BBAN + country + "00") mod 97`.
pub fn iban_check_digits(country: &str, bban: &str) -> Result<String, BankIdError> {
    let country = country.to_ascii_uppercase();
    let bban = compact(bban);
    check_alphanumeric("IBAN", &format!("{country}{bban}"))?;
    if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(BankIdError::NoCountry {
            what: "IBAN",
            value: format!("{country}{bban}"),
        });
    }
    Ok(format!("{:02}", 98 - mod97(&format!("{bban}{country}00"))))
}

/// An International Bank Account Number, validated: known country, the registry's length and
/// layout, the mod 97 check digits, and for Spain also the CCC control digits.
/// Held in the electronic format (no spaces, upper case); [`Iban::paper`] groups it by four.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Iban(String);

impl Iban {
    /// Parses an IBAN as typed or pasted: spaces, dashes and dots are ignored, so is a leading
    /// "IBAN" (the paper format prints it), and lower case is accepted.
    pub fn parse(s: &str) -> Result<Iban, BankIdError> {
        let mut v = compact(s);
        if v.len() > 6
            && v.starts_with("IBAN")
            && v.as_bytes()[4..6].iter().all(u8::is_ascii_alphabetic)
        {
            v.drain(..4);
        }
        check_alphanumeric("IBAN", &v)?;
        let country = v.get(..2).unwrap_or("");
        if country.len() != 2 || !country.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(BankIdError::NoCountry {
                what: "IBAN",
                value: v.clone(),
            });
        }
        let layout = layout_of(country).ok_or_else(|| BankIdError::UnknownCountry {
            value: v.clone(),
            country: country.to_string(),
        })?;
        let expected = 4 + layout_length(layout);
        if v.len() != expected {
            return Err(BankIdError::WrongLength {
                what: "IBAN",
                value: v.clone(),
                expected: format!("{expected} for {country}"),
                found: v.len(),
            });
        }
        if !v.as_bytes()[2..4].iter().all(u8::is_ascii_digit) {
            return Err(BankIdError::CheckDigits {
                what: "IBAN",
                value: v.clone(),
            });
        }
        if !matches_layout(&v[4..], layout) {
            return Err(BankIdError::WrongLayout {
                value: v.clone(),
                country: country.to_string(),
                layout: describe_layout(layout),
            });
        }
        if mod97(&format!("{}{}", &v[4..], &v[..4])) != 1 {
            return Err(BankIdError::CheckDigits {
                what: "IBAN",
                value: v.clone(),
            });
        }
        if country == "ES" {
            // The CCC control digits catch what the mod 97 might let through and say more precisely what is wrong.
            validate_ccc(&v[4..]).map_err(|e| match e {
                BankIdError::CccControlDigits {
                    found, expected, ..
                } => BankIdError::CccControlDigits {
                    value: v.clone(),
                    found,
                    expected,
                },
                other => other,
            })?;
        }
        Ok(Iban(v))
    }

    /// Builds an IBAN from a country and a BBAN (the national account number), computing the
    /// check digits, then validates the whole.
    pub fn from_bban(country: &str, bban: &str) -> Result<Iban, BankIdError> {
        let check = iban_check_digits(country, bban)?;
        Iban::parse(&format!(
            "{}{check}{}",
            country.to_ascii_uppercase(),
            compact(bban)
        ))
    }

    /// Electronic format: `ES9121000418450200051332`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// ISO 3166 country code: `ES`.
    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    /// The two check digits: `91`.
    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }

    /// The national account number after the check digits (for Spain, the 20-digit CCC).
    pub fn bban(&self) -> &str {
        &self.0[4..]
    }

    /// Paper format, groups of four: `ES91 2100 0418 4502 0005 1332`.
    pub fn paper(&self) -> String {
        group_by_four(&self.0)
    }

    /// For letters and pages where the whole number should not be shown: `ES91 **** … 1332`,
    /// country, check digits and the last four characters kept.
    pub fn masked(&self) -> String {
        let n = self.0.len();
        let masked: String = self
            .0
            .char_indices()
            .map(|(i, c)| if i < 4 || i + 4 >= n { c } else { '*' })
            .collect();
        group_by_four(&masked)
    }

    /// Whether a SEPA direct debit or credit transfer can reach this account.
    pub fn is_sepa(&self) -> bool {
        SEPA_COUNTRIES.contains(&self.country())
    }
}

fn group_by_four(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + s.len() / 4);
    for (i, c) in s.chars().enumerate() {
        if i > 0 && i % 4 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

impl fmt::Display for Iban {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Iban {
    type Err = BankIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Iban::parse(s)
    }
}

impl TryFrom<String> for Iban {
    type Error = BankIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Iban::parse(&s)
    }
}

impl From<Iban> for String {
    fn from(i: Iban) -> String {
        i.0
    }
}

/// Weights of the CCC control digits, position by position (2^i mod 11).
const CCC_WEIGHTS: [u32; 10] = [1, 2, 4, 8, 5, 10, 9, 7, 3, 6];

fn ccc_digit(ten_digits: &[u8]) -> u8 {
    let sum: u32 = ten_digits
        .iter()
        .zip(CCC_WEIGHTS)
        .map(|(d, w)| u32::from(d - b'0') * w)
        .sum();
    match 11 - sum % 11 {
        11 => 0,
        10 => 1,
        d => d as u8,
    }
}

/// The two control digits (DC) of a Spanish CCC from the 4-digit entity, 4-digit office and
/// 10-digit account: the first over `"00" + entity + office`, the second over the account.
pub fn ccc_control_digits(
    entity: &str,
    office: &str,
    account: &str,
) -> Result<String, BankIdError> {
    let all = format!("{entity}{office}00{account}");
    check_ccc_shape(&all)?;
    let b = all.as_bytes();
    let first = ccc_digit(&[b"00".as_slice(), &b[..8]].concat());
    let second = ccc_digit(&b[10..]);
    Ok(format!("{first}{second}"))
}

fn check_ccc_shape(v: &str) -> Result<(), BankIdError> {
    check_alphanumeric("Spanish account number (CCC)", v)?;
    if let Some(ch) = v.chars().find(|c| !c.is_ascii_digit()) {
        return Err(BankIdError::InvalidCharacter {
            what: "Spanish account number (CCC)",
            value: v.to_string(),
            ch,
        });
    }
    if v.len() != 20 {
        return Err(BankIdError::WrongLength {
            what: "Spanish account number (CCC)",
            value: v.to_string(),
            expected: "20 (entity 4, office 4, control 2, account 10)".into(),
            found: v.len(),
        });
    }
    Ok(())
}

/// Validates a Spanish CCC (entity, office, control digits, account: 20 digits; spaces and dashes
/// ignored). Returns the compact form.
pub fn validate_ccc(ccc: &str) -> Result<String, BankIdError> {
    let v = compact(ccc);
    check_ccc_shape(&v)?;
    let expected = ccc_control_digits(&v[..4], &v[4..8], &v[10..])?;
    if v[8..10] != expected {
        return Err(BankIdError::CccControlDigits {
            found: v[8..10].to_string(),
            value: v,
            expected,
        });
    }
    Ok(v)
}

/// The IBAN of a Spanish CCC: validates the CCC, then adds `ES` and the check digits.
pub fn ccc_to_iban(ccc: &str) -> Result<Iban, BankIdError> {
    let v = validate_ccc(ccc)?;
    Iban::from_bban("ES", &v)
}

/// A SEPA Creditor Identifier (EPC AT-02): country, 2 check digits, a 3-character business code
/// that the check digits ignore (Spain uses `000`), and the national identifier (in Spain the NIF).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditorId(String);

/// Longest creditor identifier the EPC allows (Max35Text).
const CREDITOR_ID_MAX: usize = 35;

impl CreditorId {
    /// Parses and checks a creditor identifier (spaces, dashes and dots ignored, lower case accepted).
    pub fn parse(s: &str) -> Result<CreditorId, BankIdError> {
        let v = compact(s);
        check_alphanumeric("creditor identifier", &v)?;
        let b = v.as_bytes();
        if v.len() < 8
            || v.len() > CREDITOR_ID_MAX
            || !b[..2].iter().all(u8::is_ascii_uppercase)
            || !b[2..4].iter().all(u8::is_ascii_digit)
        {
            return Err(BankIdError::CreditorIdLayout { value: v });
        }
        if mod97(&format!("{}{}", &v[7..], &v[..4])) != 1 {
            return Err(BankIdError::CheckDigits {
                what: "creditor identifier",
                value: v,
            });
        }
        Ok(CreditorId(v))
    }

    /// Builds a creditor identifier from its parts, computing the check digits over the national
    /// identifier and country: `98 − (national_id + country + "00") mod 97`.
    pub fn build(
        country: &str,
        business_code: &str,
        national_id: &str,
    ) -> Result<CreditorId, BankIdError> {
        let country = country.to_ascii_uppercase();
        let business_code = compact(business_code);
        let national_id = compact(national_id);
        check_alphanumeric(
            "creditor identifier",
            &format!("{country}{business_code}{national_id}"),
        )?;
        if country.len() != 2 || business_code.len() != 3 {
            return Err(BankIdError::CreditorIdLayout {
                value: format!("{country}??{business_code}{national_id}"),
            });
        }
        let check = 98 - mod97(&format!("{national_id}{country}00"));
        CreditorId::parse(&format!("{country}{check:02}{business_code}{national_id}"))
    }

    /// The Spanish creditor identifier of a company or person from its NIF, with business code `000`
    /// (what Spanish banks assign unless the creditor asks for another suffix).
    pub fn from_nif(nif: &str) -> Result<CreditorId, BankIdError> {
        let n = crate::nif::normalise(nif);
        crate::nif::validate(&n).map_err(BankIdError::Nif)?;
        CreditorId::build("ES", "000", &n)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn country(&self) -> &str {
        &self.0[..2]
    }

    pub fn check_digits(&self) -> &str {
        &self.0[2..4]
    }

    /// The creditor business code (`000`, `ZZZ`…), free for the creditor, not covered by the check digits.
    pub fn business_code(&self) -> &str {
        &self.0[4..7]
    }

    /// The national identifier (in Spain the NIF).
    pub fn national_id(&self) -> &str {
        &self.0[7..]
    }
}

impl fmt::Display for CreditorId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for CreditorId {
    type Err = BankIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CreditorId::parse(s)
    }
}

impl TryFrom<String> for CreditorId {
    type Error = BankIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CreditorId::parse(&s)
    }
}

impl From<CreditorId> for String {
    fn from(c: CreditorId) -> String {
        c.0
    }
}

/// A BIC (ISO 9362 business identifier code) of the shape the SEPA schemas accept:
/// 4 letters or digits (institution), 2 letters (country), 2 letters or digits (location),
/// optionally 3 letters or digits (branch). Only the shape is checked: there is no check digit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Bic(String);

impl Bic {
    pub fn parse(s: &str) -> Result<Bic, BankIdError> {
        let v = compact(s);
        check_alphanumeric("BIC", &v)?;
        let b = v.as_bytes();
        if (v.len() != 8 && v.len() != 11) || !b[4..6].iter().all(u8::is_ascii_uppercase) {
            return Err(BankIdError::BicLayout { value: v });
        }
        Ok(Bic(v))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The country of the bank (characters 5–6).
    pub fn country(&self) -> &str {
        &self.0[4..6]
    }
}

impl fmt::Display for Bic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Bic {
    type Err = BankIdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Bic::parse(s)
    }
}

impl TryFrom<String> for Bic {
    type Error = BankIdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Bic::parse(&s)
    }
}

impl From<Bic> for String {
    fn from(b: Bic) -> String {
        b.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Vectors from shared/reference/fiscal-spain.md §6.
    #[test]
    fn reference_ibans_are_valid() {
        for ok in [
            "ES9121000418450200051332",
            "ES7921000813610123456789",
            "ES6621000418401234567891",
            "DE89370400440532013000",
            "FR1420041010050500013M02606",
            "GB82WEST12345698765432",
        ] {
            let iban = Iban::parse(ok).unwrap_or_else(|e| panic!("{ok}: {e}"));
            assert_eq!(iban.as_str(), ok);
        }
    }

    #[test]
    fn reference_invalid_iban_is_refused_with_the_reason() {
        let e = Iban::parse("ES9121000418450200051333").unwrap_err();
        assert!(matches!(e, BankIdError::CheckDigits { .. }), "{e}");
        assert!(e.to_string().contains("check digits"), "{e}");
    }

    #[test]
    fn reference_ccc_gives_its_control_digits_and_iban() {
        assert_eq!(
            ccc_control_digits("2100", "0418", "0200051332").unwrap(),
            "45"
        );
        assert_eq!(
            ccc_to_iban("2100 0418 45 0200051332").unwrap().as_str(),
            "ES9121000418450200051332"
        );
        let e = validate_ccc("21000418460200051332").unwrap_err();
        assert_eq!(
            e,
            BankIdError::CccControlDigits {
                value: "21000418460200051332".into(),
                found: "46".into(),
                expected: "45".into()
            }
        );
    }

    #[test]
    fn reference_creditor_ids() {
        assert_eq!(
            CreditorId::from_nif("B12345674").unwrap().as_str(),
            "ES11000B12345674"
        );
        for ok in ["ES11ZZZB12345674", "DE98ZZZ09999999999", "ES11000B12345674"] {
            assert!(CreditorId::parse(ok).is_ok(), "{ok}");
        }
        let e = CreditorId::parse("ES12000B12345674").unwrap_err();
        assert!(matches!(e, BankIdError::CheckDigits { .. }), "{e}");
        let c = CreditorId::parse("es11 zzz b12345674").unwrap();
        assert_eq!(
            (
                c.country(),
                c.check_digits(),
                c.business_code(),
                c.national_id()
            ),
            ("ES", "11", "ZZZ", "B12345674")
        );
        // A NIF with a wrong control character cannot become a creditor identifier.
        assert!(matches!(
            CreditorId::from_nif("B12345675"),
            Err(BankIdError::Nif(_))
        ));
    }

    #[test]
    fn iban_accepts_paper_format_and_says_what_is_wrong() {
        let i = Iban::parse("IBAN es91 2100-0418 4502 0005 1332").unwrap();
        assert_eq!(i.as_str(), "ES9121000418450200051332");
        assert_eq!(i.paper(), "ES91 2100 0418 4502 0005 1332");
        assert_eq!(i.masked(), "ES91 **** **** **** **** 1332");
        assert_eq!((i.country(), i.check_digits()), ("ES", "91"));
        assert_eq!(i.bban(), "21000418450200051332");
        assert!(i.is_sepa());

        let e = Iban::parse("ES912100041845020005133").unwrap_err();
        assert!(e.to_string().contains("it must have 24 for ES"), "{e}");
        let e = Iban::parse("XX9121000418450200051332").unwrap_err();
        assert!(matches!(e, BankIdError::UnknownCountry { .. }), "{e}");
        let e = Iban::parse("ES91 2100 0418 4502 0005 133€").unwrap_err();
        assert!(
            matches!(e, BankIdError::InvalidCharacter { ch: '€', .. }),
            "{e}"
        );
        let e = Iban::parse("").unwrap_err();
        assert_eq!(e, BankIdError::Empty { what: "IBAN" });
        // A letter where Spain has digits: refused by the layout before the checksum.
        let e = Iban::parse("ES91A1000418450200051332").unwrap_err();
        assert!(
            e.to_string().contains("24 digits") || e.to_string().contains("20 digits"),
            "{e}"
        );
        // Valid mod 97 but wrong CCC control digits.
        let bban = "21000418460200051332";
        let forged = format!("ES{}{bban}", iban_check_digits("ES", bban).unwrap());
        let e = Iban::parse(&forged).unwrap_err();
        assert!(matches!(e, BankIdError::CccControlDigits { .. }), "{e}");
    }

    #[test]
    fn iban_from_bban_and_serde_round_trip() {
        let i = Iban::from_bban("de", "370400440532013000").unwrap();
        assert_eq!(i.as_str(), "DE89370400440532013000");
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(json, "\"DE89370400440532013000\"");
        let back: Iban = serde_json::from_str(&json).unwrap();
        assert_eq!(back, i);
        assert!(serde_json::from_str::<Iban>("\"DE89370400440532013001\"").is_err());
        assert!(!Iban::parse("SA0380000000608010167519").unwrap().is_sepa());
    }

    #[test]
    fn bic_shape() {
        for ok in ["CAIXESBBXXX", "CAIXESBB", "deutdeff500", "1234ESBB"] {
            assert!(Bic::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["CAIXESB", "CAIX1SBBXXX", "CAIXESBBXX", "CAIXES-BB-XXX!", ""] {
            assert!(Bic::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(Bic::parse("caix es bb").unwrap().country(), "ES");
    }

    #[test]
    fn layout_descriptions_read_well() {
        assert_eq!(describe_layout("4!n4!n1!n1!n10!n"), "20 digits");
        assert_eq!(
            describe_layout("4!a6!n8!n"),
            "4 capital letters, then 14 digits"
        );
        assert_eq!(layout_length("5!n5!n11!c2!n"), 23);
    }
}
