//! Spanish tax identifiers: NIF of a person (DNI), NIE of a foreigner, CIF of a company.
//! Checks the format and the check character; [`normalise`] first strips spaces, dots and dashes.

/// Letters of the DNI/NIE check character, indexed by the number mod 23.
const DNI_LETTERS: &[u8; 23] = b"TRWAGMYFPDXBNJZSQVHLCKE";
/// Letters a CIF control may be, indexed by the control digit.
const CIF_CONTROL_LETTERS: &[u8; 10] = b"JABCDEFGHI";
/// First letters of a CIF (legal entity type).
const CIF_TYPES: &str = "ABCDEFGHJNPQRSUVW";

/// Upper case without spaces, dots or dashes.
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_whitespace() && *c != '-' && *c != '.')
        .flat_map(char::to_uppercase)
        .collect()
}

fn dni_letter(n: u32) -> char {
    char::from(DNI_LETTERS[(n % 23) as usize])
}

/// The CIF control digit (0–9) of the 7 digits after the type letter.
pub fn cif_control_digit(digits: &str) -> Option<u32> {
    if digits.len() != 7 {
        return None;
    }
    let mut sum = 0;
    for (i, c) in digits.chars().enumerate() {
        let d = c.to_digit(10)?;
        if i % 2 == 0 {
            let x = d * 2;
            sum += x / 10 + x % 10;
        } else {
            sum += d;
        }
    }
    Some((10 - sum % 10) % 10)
}

/// What is wrong with a NIF/NIE/CIF, as a kind and the character it should end in. `Display` is
/// an English sentence; the server turns the kind into a message in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NifError {
    #[error("'{0}' is not a Spanish NIF/CIF/NIE: it must be 9 characters")]
    Length(String),
    #[error("'{0}' is not a valid DNI: it must be 8 digits and a letter")]
    DniFormat(String),
    #[error("'{nif}' has a wrong check letter: a DNI with these digits ends in {want}")]
    DniLetter { nif: String, want: char },
    #[error("'{0}' is not a valid NIE: it must be X, Y or Z, 7 digits and a letter")]
    NieFormat(String),
    #[error("'{nif}' has a wrong check letter: a NIE with these digits ends in {want}")]
    NieLetter { nif: String, want: char },
    #[error("'{0}' is not a valid NIF")]
    SpecialFormat(String),
    #[error("'{nif}' has a wrong check letter: it should end in {want}")]
    SpecialLetter { nif: String, want: char },
    #[error("'{0}' is not a valid CIF: it must be a letter, 7 digits and a control character")]
    CifFormat(String),
    #[error("'{nif}' has a wrong control character: a CIF with these digits ends in {want}")]
    CifControl { nif: String, want: String },
    #[error(
        "'{0}' is not a Spanish NIF/CIF/NIE: it must start with a digit, X/Y/Z, K/L/M or a company letter"
    )]
    Kind(String),
}

impl NifError {
    /// A stable name of the kind (`length`, `dni_letter`, …).
    pub fn reason(&self) -> &'static str {
        match self {
            Self::Length(_) => "length",
            Self::DniFormat(_) => "dni_format",
            Self::DniLetter { .. } => "dni_letter",
            Self::NieFormat(_) => "nie_format",
            Self::NieLetter { .. } => "nie_letter",
            Self::SpecialFormat(_) => "special_format",
            Self::SpecialLetter { .. } => "special_letter",
            Self::CifFormat(_) => "cif_format",
            Self::CifControl { .. } => "cif_control",
            Self::Kind(_) => "kind",
        }
    }

    /// The character (or characters) the identifier should end in, for the kinds that know it.
    pub fn want(&self) -> Option<String> {
        match self {
            Self::DniLetter { want, .. }
            | Self::NieLetter { want, .. }
            | Self::SpecialLetter { want, .. } => Some(want.to_string()),
            Self::CifControl { want, .. } => Some(want.clone()),
            _ => None,
        }
    }
}

/// Validates a normalised NIF/NIE/CIF; the error says what is wrong in English.
pub fn validate(nif: &str) -> Result<(), String> {
    check(nif).map_err(|e| e.to_string())
}

/// Validates a normalised NIF/NIE/CIF; the error says what is wrong as a kind.
pub fn check(nif: &str) -> Result<(), NifError> {
    let s = nif;
    let owned = || s.to_string();
    if s.len() != 9 || !s.is_ascii() {
        return Err(NifError::Length(owned()));
    }
    let bytes = s.as_bytes();
    let first = char::from(bytes[0]);
    let last = char::from(bytes[8]);
    let middle = &s[1..8];
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());

    // DNI: 8 digits and a letter.
    if first.is_ascii_digit() {
        if !all_digits(&s[..8]) {
            return Err(NifError::DniFormat(owned()));
        }
        let n: u32 = s[..8].parse().map_err(|_| NifError::DniFormat(owned()))?;
        let want = dni_letter(n);
        if last != want {
            return Err(NifError::DniLetter { nif: owned(), want });
        }
        return Ok(());
    }
    // NIE: X/Y/Z, 7 digits and a letter; X, Y, Z count as 0, 1, 2.
    if let Some(prefix) = "XYZ".find(first) {
        if !all_digits(middle) {
            return Err(NifError::NieFormat(owned()));
        }
        let n: u32 = format!("{prefix}{middle}")
            .parse()
            .map_err(|_| NifError::NieFormat(owned()))?;
        let want = dni_letter(n);
        if last != want {
            return Err(NifError::NieLetter { nif: owned(), want });
        }
        return Ok(());
    }
    // K, L, M: special NIFs of persons, checked like a DNI on the 7 digits.
    if "KLM".contains(first) {
        if !all_digits(middle) {
            return Err(NifError::SpecialFormat(owned()));
        }
        let n: u32 = middle
            .parse()
            .map_err(|_| NifError::SpecialFormat(owned()))?;
        let want = dni_letter(n);
        if last != want {
            return Err(NifError::SpecialLetter { nif: owned(), want });
        }
        return Ok(());
    }
    // CIF: entity letter, 7 digits, a control digit or letter.
    if CIF_TYPES.contains(first) {
        if !all_digits(middle) {
            return Err(NifError::CifFormat(owned()));
        }
        let d = cif_control_digit(middle).ok_or_else(|| NifError::CifFormat(owned()))?;
        let want_digit = char::from_digit(d, 10).unwrap_or('0');
        let want_letter = char::from(CIF_CONTROL_LETTERS[d as usize]);
        let ok = match first {
            // Entities whose control is always a letter.
            'P' | 'Q' | 'R' | 'S' | 'N' | 'W' => last == want_letter,
            // Companies whose control is always a digit.
            'A' | 'B' | 'E' | 'H' => last == want_digit,
            _ => last == want_digit || last == want_letter,
        };
        if !ok {
            return Err(NifError::CifControl {
                nif: owned(),
                want: match first {
                    'P' | 'Q' | 'R' | 'S' | 'N' | 'W' => want_letter.to_string(),
                    'A' | 'B' | 'E' | 'H' => want_digit.to_string(),
                    _ => format!("{want_digit} or {want_letter}"),
                },
            });
        }
        return Ok(());
    }
    Err(NifError::Kind(owned()))
}

/// A valid CIF from an entity letter and 7 digits (used by the demo seed and tests); `None` when
/// `kind` is not a CIF entity letter or the digits are not 7 digits.
pub fn make_cif(kind: char, digits: &str) -> Option<String> {
    if !CIF_TYPES.contains(kind) {
        return None;
    }
    let d = cif_control_digit(digits)?;
    let control = match kind {
        'P' | 'Q' | 'R' | 'S' | 'N' | 'W' => char::from(CIF_CONTROL_LETTERS[d as usize]),
        _ => char::from_digit(d, 10)?,
    };
    Some(format!("{kind}{digits}{control}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn valid_identifiers() {
        for ok in [
            "12345678Z", // DNI textbook example
            "00000000T",
            "X1234567L", // NIE
            "Y0000000Z",
            "Z7654321H",
            "A28015865", // Telefónica, S.A.
            "A46103834", // Mercadona, S.A.
            "B12345674",
            "Q2826000H", // a public body: control letter
            "G28029643",
            "G2802964C", // G may end in digit or letter
        ] {
            assert_eq!(validate(ok), Ok(()), "{ok}");
        }
        assert_eq!(normalise(" b-1234.5674 "), "B12345674");
    }

    #[test]
    fn invalid_identifiers() {
        for bad in [
            "12345678A", // wrong letter
            "1234567Z",  // too short
            "X1234567A",
            "A28015866", // wrong control digit
            "A2801586E", // A must end in a digit
            "Q2826000A",
            "I12345674", // I is not an entity letter
            "B1234567",
            "",
            "ABCDEFGHI",
            "12345678Ñ",
        ] {
            assert!(validate(bad).is_err(), "{bad}");
        }
        assert!(validate("12345678A").unwrap_err().contains("ends in Z"));
        assert_eq!(
            check("12345678A"),
            Err(NifError::DniLetter {
                nif: "12345678A".into(),
                want: 'Z'
            })
        );
        assert_eq!(check("A28015866").unwrap_err().reason(), "cif_control");
        assert_eq!(check("A28015866").unwrap_err().want().as_deref(), Some("5"));
    }

    #[test]
    fn make_cif_round_trips() {
        let c = make_cif('B', "8412345").unwrap();
        assert_eq!(validate(&c), Ok(()));
        let q = make_cif('Q', "2826000").unwrap();
        assert_eq!(q, "Q2826000H");
    }

    /// Found by the nif fuzz target (fuzz/corpus/nif/make_cif_bad_kind): make_cif built a "CIF"
    /// from a letter that is no entity type, which `validate` then refused.
    #[test]
    fn make_cif_refuses_letters_that_are_no_entity_type() {
        for kind in ['I', 'O', 'T', 'X', '0', 'ñ', '\u{e0bb0}'] {
            assert_eq!(make_cif(kind, "0000000"), None, "{kind:?}");
        }
        for kind in CIF_TYPES.chars() {
            let c = make_cif(kind, "0000000").unwrap();
            assert_eq!(validate(&c), Ok(()), "{c}");
        }
    }
}
