//! The languages the till and the dashboard speak, and how a request or a setting names them.

use serde::{Deserialize, Serialize};
use unic_langid::LanguageIdentifier;

/// Spanish (the default, and the fallback for a message a language lacks) or English.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    Es,
    En,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::Es, Language::En];

    /// `es` or `en`: settings files, cookies, links, `<html lang>`.
    pub fn code(self) -> &'static str {
        match self {
            Language::Es => "es",
            Language::En => "en",
        }
    }

    /// `es` or `en` exactly; anything else is `None`.
    pub fn from_code(s: &str) -> Option<Language> {
        match s {
            "es" => Some(Language::Es),
            "en" => Some(Language::En),
            _ => None,
        }
    }

    /// The Fluent locale: Spain's Spanish, British English (`€1,234.56`, dates day first).
    pub fn tag(self) -> LanguageIdentifier {
        let tag = match self {
            Language::Es => "es-ES",
            Language::En => "en-GB",
        };
        tag.parse().unwrap_or_default()
    }

    /// The best of Spanish and English in an `Accept-Language` header by q-value (first wins a
    /// tie; q=0 means "not this one"), or `None` when it names neither:
    /// `en-GB,en;q=0.9,es;q=0.8` is English. (fluent-langneg's parser ignores q-values, so it is
    /// not used here.)
    pub fn from_accept_language(h: &str) -> Option<Language> {
        let mut best: Option<(Language, u32)> = None;
        for part in h.split(',') {
            let mut it = part.split(';');
            let tag = it.next().unwrap_or("").trim();
            let primary = tag.split(['-', '_']).next().unwrap_or("");
            let lang = if primary.eq_ignore_ascii_case("es") {
                Language::Es
            } else if primary.eq_ignore_ascii_case("en") {
                Language::En
            } else {
                continue;
            };
            // q in thousandths; a malformed q counts as 0 (not acceptable).
            let mut q = 1000;
            for p in it {
                if let Some(v) = p.trim().strip_prefix("q=") {
                    q = v
                        .trim()
                        .parse::<f32>()
                        .ok()
                        .filter(|x| (0.0..=1.0).contains(x))
                        .map_or(0, |x| (x * 1000.0).round() as u32);
                }
            }
            if q > 0 && best.is_none_or(|(_, b)| q > b) {
                best = Some((lang, q));
            }
        }
        best.map(|(l, _)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language() {
        let l = Language::from_accept_language;
        assert_eq!(l("en-GB,en;q=0.9,es;q=0.8"), Some(Language::En));
        assert_eq!(l("es-ES,es;q=0.9,en;q=0.8"), Some(Language::Es));
        assert_eq!(l("fr-FR,fr;q=0.9,en;q=0.5"), Some(Language::En));
        assert_eq!(l("es;q=0.5,en;q=0.9"), Some(Language::En));
        assert_eq!(l("en;q=0,es"), Some(Language::Es));
        assert_eq!(l("es-MX"), Some(Language::Es));
        assert_eq!(l("de-DE,fr"), None);
        assert_eq!(l(""), None);
        assert_eq!(Language::from_code("en"), Some(Language::En));
        assert_eq!(Language::from_code("EN"), None);
    }
}
