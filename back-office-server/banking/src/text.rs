//! The SEPA Latin character set (EPC: a–z A–Z 0–9 / - ? : ( ) . , ' + and space): free text is
//! transliterated into it, identifiers are checked against it, and names are compared through it.

/// Whether a character belongs to the basic SEPA Latin set every bank accepts.
pub fn is_sepa_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || " /-?:().,'+".contains(c)
}

/// Free text (names, remittance information) in the SEPA Latin set: accents dropped (`á`→`a`,
/// `ñ`→`n`, `ç`→`c`), symbols spelled out where there is a usual form (`&`→`+`, `€`→`EUR`), anything
/// else becomes a space; runs of spaces are collapsed and the ends trimmed. Then cut to `max` characters.
pub fn to_sepa_text(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len());
    let push = |c: char, out: &mut String| {
        let c = if is_sepa_char(c) { c } else { ' ' };
        if c == ' ' && (out.is_empty() || out.ends_with(' ')) {
            return;
        }
        out.push(c);
    };
    for c in s.chars() {
        if is_sepa_char(c) {
            push(c, &mut out);
            continue;
        }
        match c {
            '&' => push('+', &mut out),
            '—' | '–' => push('-', &mut out),
            c if c.is_whitespace() || c.is_control() => push(' ', &mut out),
            '_' => push('-', &mut out),
            ';' => push(',', &mut out),
            '"' | '`' | '´' | '‘' | '’' | '“' | '”' | '«' | '»' => push('\'', &mut out),
            // Ordinals: 1º → 1o, 2ª → 2a (deunicode gives the same, said here so it is not a surprise).
            _ => {
                let ascii = deunicode::deunicode_char(c).unwrap_or(" ");
                for a in ascii.chars() {
                    push(a, &mut out);
                }
            }
        }
    }
    let trimmed = out.trim_end();
    trimmed
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// Why an identifier (message, payment, end-to-end or mandate id) cannot go into a SEPA file.
/// Identifiers are never rewritten: a mandate reference must match the one the debtor signed.
pub fn check_identifier(value: &str, max: usize) -> Result<(), String> {
    if value.is_empty() {
        return Err("is empty".into());
    }
    if value.chars().count() > max {
        return Err(format!("is longer than {max} characters"));
    }
    if let Some(c) = value.chars().find(|c| !is_sepa_char(*c) || *c == ' ') {
        return Err(format!(
            "contains '{c}': only letters, digits and / - ? : ( ) . , ' + are allowed, no spaces"
        ));
    }
    if value.starts_with('/') || value.ends_with('/') || value.contains("//") {
        return Err("must not start or end with '/' nor contain '//'".into());
    }
    Ok(())
}

/// A name reduced for comparison: SEPA text, upper case, dots dropped (`S.L.` → `SL`), other
/// punctuation as spaces, and the legal form left out, as words.
pub fn name_words(name: &str) -> Vec<String> {
    const LEGAL_FORMS: &[&str] = &[
        "SL", "SA", "SLU", "SAU", "SLL", "SLNE", "SC", "SCOOP", "CB", "SCP", "SCA", "SRL", "SAS",
        "GMBH", "LTD", "BV", "NV",
    ];
    let text = to_sepa_text(name, usize::MAX)
        .to_uppercase()
        .replace('.', "");
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty() && !LEGAL_FORMS.contains(w))
        .map(str::to_string)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spanish_text_is_transliterated() {
        assert_eq!(
            to_sepa_text("Cañas & Tapas, S.L. — Camión nº 3 «urgente»", 140),
            "Canas + Tapas, S.L. - Camion no 3 'urgente'"
        );
        assert_eq!(
            to_sepa_text("Ça coûte 5 €; ¡vale!", 140),
            "Ca coute 5 EUR, vale"
        );
        assert_eq!(to_sepa_text("  a\tb\n  ", 140), "a b");
        assert_eq!(to_sepa_text("Señor Muñoz Ibáñez", 10), "Senor Muno");
        assert_eq!(to_sepa_text("abc def", 4), "abc");
        assert!(
            to_sepa_text("日本 Ωmega ÄÖÜß", 140)
                .chars()
                .all(is_sepa_char)
        );
    }

    #[test]
    fn identifiers_are_checked_not_rewritten() {
        assert!(check_identifier("FRQ-0001", 35).is_ok());
        assert!(check_identifier("A-2025/0042", 35).is_ok());
        assert!(
            check_identifier("MANDATO Ñ1", 35)
                .unwrap_err()
                .contains("' '")
        );
        assert!(
            check_identifier("MANDATOÑ1", 35)
                .unwrap_err()
                .contains("'Ñ'")
        );
        assert!(check_identifier("/X", 35).is_err());
        assert!(check_identifier("A//B", 35).is_err());
        assert!(check_identifier(&"X".repeat(36), 35).is_err());
        assert!(check_identifier("", 35).is_err());
    }

    #[test]
    fn names_compare_without_legal_form() {
        assert_eq!(
            name_words("Franquiciado Uno, S.L."),
            vec!["FRANQUICIADO", "UNO"]
        );
        assert_eq!(
            name_words("FRANQUICIADO UNO SL"),
            vec!["FRANQUICIADO", "UNO"]
        );
        assert_eq!(name_words("Peña Martínez S.L.U."), vec!["PENA", "MARTINEZ"]);
    }
}
