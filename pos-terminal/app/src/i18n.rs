//! The till's words in Spanish and English: Fluent messages (`locales/*/till.ftl`) embedded in
//! the binary so a till works offline, looked up by key, plus money and numbers in the language.

use std::fmt;

use fluent_bundle::{FluentArgs, FluentValue};
use sync_protocol::{Money, Quantity, TaxRate};
use trastienda_l10n::Messages;

use crate::format;
use crate::settings::Language;

/// The Spanish messages: the till's reference text and the fallback for any missing key.
pub const ES: &str = include_str!("../locales/es/till.ftl");
pub const EN: &str = include_str!("../locales/en/till.ftl");

fn sources(language: Language) -> &'static [&'static str] {
    match language {
        Language::Es => &[ES],
        Language::En => &[EN],
    }
}

/// The translator for the till's current language (held by `Till`, passed to every screen).
pub struct I18n {
    messages: Messages,
}

impl fmt::Debug for I18n {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("I18n")
            .field("language", &self.language())
            .finish_non_exhaustive()
    }
}

impl Default for I18n {
    fn default() -> Self {
        Self::new(Language::default())
    }
}

impl I18n {
    pub fn new(language: Language) -> Self {
        Self {
            messages: Messages::new(language, sources),
        }
    }

    pub fn language(&self) -> Language {
        self.messages.language()
    }

    /// The message `key` with no arguments.
    pub fn t(&self, key: &str) -> String {
        self.messages.format(key, None)
    }

    /// The message `key` with named arguments, e.g. `("amount", tr.money(m).into())`.
    pub fn args(&self, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
        let mut a = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            a.set(*name, value.clone());
        }
        self.messages.format(key, Some(&a))
    }

    /// Money as this language writes it: `1.234,56 €` or `€1,234.56`.
    pub fn money(&self, m: Money) -> String {
        format::money_in(self.language(), m)
    }

    /// An amount without the currency sign, as a cashier would type it: `20,00` or `20.00`.
    pub fn amount(&self, m: Money) -> String {
        format::amount_in(self.language(), m)
    }

    pub fn quantity(&self, q: Quantity) -> String {
        format::quantity_in(self.language(), q)
    }

    pub fn tax_rate(&self, r: TaxRate) -> String {
        format::tax_rate_in(self.language(), r)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use fluent_bundle::FluentResource;

    use super::*;

    fn keys(source: &str, name: &str) -> BTreeSet<String> {
        trastienda_l10n::messages::message_keys(source).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_spanish_message_has_an_english_one_and_back() {
        let es = keys(ES, "es/till.ftl");
        let en = keys(EN, "en/till.ftl");
        let only_es: Vec<_> = es.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&es).collect();
        assert!(only_es.is_empty(), "missing in English: {only_es:?}");
        assert!(only_en.is_empty(), "missing in Spanish: {only_en:?}");
        assert!(es.len() > 100, "only {} messages", es.len());
    }

    /// Every key the code looks up (`.t("…")`, `.args("…"`) exists, so a typo cannot show a
    /// bare key to a cashier.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let es = keys(ES, "es/till.ftl");
        let mut used = BTreeSet::new();
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                    let code = std::fs::read_to_string(&p).unwrap();
                    for call in [".t(", ".args("] {
                        for (at, _) in code.match_indices(call) {
                            let rest = code[at + call.len()..].trim_start();
                            if let Some(rest) = rest.strip_prefix('"')
                                && let Some(end) = rest.find('"')
                                && rest[..end].chars().all(|c| {
                                    c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'
                                })
                            {
                                used.insert((rest[..end].to_string(), p.clone()));
                            }
                        }
                    }
                }
            }
        }
        assert!(used.len() > 100, "only {} lookups found", used.len());
        let missing: Vec<_> = used.iter().filter(|(k, _)| !es.contains(k)).collect();
        assert!(missing.is_empty(), "keys not in es/till.ftl: {missing:?}");
    }

    /// The `$variables` of each message, read from the file text (a new entry starts at
    /// `key =` in the first column; anything else continues the entry above).
    fn variables(source: &str) -> BTreeMap<String, BTreeSet<String>> {
        let mut out: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut current = None;
        for line in source.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            if let Some((key, _)) = line.split_once(" = ")
                && !key.starts_with(char::is_whitespace)
                && !key.contains(['{', '}'])
            {
                current = Some(key.to_string());
            }
            let Some(key) = &current else { continue };
            let vars = out.entry(key.clone()).or_default();
            for (at, _) in line.match_indices('$') {
                let name: String = line[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                vars.insert(name);
            }
        }
        out
    }

    /// A translation that drops or misspells an argument would show a gap or `{$x}`.
    #[test]
    fn both_languages_use_the_same_arguments_in_each_message() {
        let es = variables(ES);
        let en = variables(EN);
        assert_eq!(es.len(), keys(ES, "es/till.ftl").len());
        for (key, vars) in &es {
            assert_eq!(Some(vars), en.get(key), "arguments of {key}");
        }
    }

    #[test]
    fn english_with_arguments_and_spanish_fallback() {
        let en = I18n::new(Language::En);
        let es = I18n::new(Language::Es);
        assert_eq!(en.t("sell-pay"), "Pay (F2)");
        assert_eq!(es.t("sell-pay"), "Cobrar (F2)");
        assert_eq!(
            en.args(
                "sell-total",
                &[("amount", en.money(Money::from_cents(123456)).into())]
            ),
            "Total: €1,234.56"
        );
        assert_eq!(
            es.args(
                "sell-total",
                &[("amount", es.money(Money::from_cents(123456)).into())]
            ),
            "Total: 1.234,56 €"
        );
        assert_eq!(en.t("no-such-key"), "no-such-key");
    }

    #[test]
    fn every_message_formats_without_errors_in_both_languages() {
        for (language, source) in [(Language::Es, ES), (Language::En, EN)] {
            let mut b = fluent_bundle::FluentBundle::new(vec![language.tag()]);
            b.add_resource(FluentResource::try_new(source.to_string()).unwrap())
                .unwrap();
            for key in keys(source, "till.ftl") {
                let Some(pattern) = b.get_message(&key).and_then(|m| m.value()) else {
                    panic!("{key} has no value");
                };
                // Arguments are missing here on purpose; only references to other messages and
                // syntax count, so resolver errors about absent variables are ignored.
                let mut errors = Vec::new();
                let _ = b.format_pattern(pattern, None, &mut errors);
                let bad: Vec<_> = errors
                    .iter()
                    .filter(|e| !format!("{e:?}").contains("Variable {"))
                    .collect();
                assert!(bad.is_empty(), "{language:?} {key}: {bad:?}");
            }
        }
    }
}
