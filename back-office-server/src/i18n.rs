//! HQ's words in Spanish and English: Fluent messages (`locales/*/dashboard.ftl` for the pages,
//! `locales/*/problems.ftl` for why something was refused) embedded in the binary, the language a
//! request asks for (the `trastienda_lang` cookie set by the ES | EN switch, else the browser's
//! `Accept-Language`, else Spanish), and money, numbers and dates written as that language writes
//! them. Times are shown in HQ's zone (Europe/Madrid).

use crate::key;
use std::fmt;
use std::sync::OnceLock;

use axum::http::{HeaderMap, header};
use chrono::{DateTime, NaiveDate, Utc};
use sync_protocol::{Money, TaxRate};
use trastienda_l10n::{Messages, format};

/// The languages of the dashboard (shared with the till): Spanish, the default, and English.
pub use trastienda_l10n::Language as Lang;

/// The Spanish messages: the reference text and the fallback for any missing key.
pub const ES: &str = include_str!("../locales/es/dashboard.ftl");
pub const EN: &str = include_str!("../locales/en/dashboard.ftl");
/// Why a request was refused (`problem-<code>`), see [`crate::problem::Problem`].
pub const PROBLEMS_ES: &str = include_str!("../locales/es/problems.ftl");
pub const PROBLEMS_EN: &str = include_str!("../locales/en/problems.ftl");

/// The cookie that remembers the language chosen with the switch in the page header.
pub const LANG_COOKIE: &str = "trastienda_lang";

/// The language of a request: the cookie when it holds `es` or `en`, else `Accept-Language`,
/// else Spanish.
pub fn lang_of(h: &HeaderMap) -> Lang {
    if let Some(l) = crate::web::cookie(h, LANG_COOKIE).and_then(|c| Lang::from_code(&c)) {
        return l;
    }
    h.get_all(header::ACCEPT_LANGUAGE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(Lang::from_accept_language)
        .unwrap_or_default()
}

/// The message files of a language: the pages' and the problems'.
fn sources(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::Es => &[ES, PROBLEMS_ES],
        Lang::En => &[EN, PROBLEMS_EN],
    }
}

/// The translator of one language: messages by key, and numbers, money and dates in that language.
/// Built once per language and shared (`Tr::get`).
pub struct Tr {
    messages: Messages,
}

impl fmt::Debug for Tr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tr")
            .field("lang", &self.lang())
            .finish_non_exhaustive()
    }
}

impl Tr {
    fn new(lang: Lang) -> Self {
        Self {
            messages: Messages::new(lang, sources),
        }
    }

    /// The shared translator of `lang`.
    pub fn get(lang: Lang) -> &'static Tr {
        static ES_TR: OnceLock<Tr> = OnceLock::new();
        static EN_TR: OnceLock<Tr> = OnceLock::new();
        match lang {
            Lang::Es => ES_TR.get_or_init(|| Tr::new(Lang::Es)),
            Lang::En => EN_TR.get_or_init(|| Tr::new(Lang::En)),
        }
    }

    /// The Spanish translator (the report CSVs' labels, whatever the viewer reads).
    pub fn es() -> &'static Tr {
        Tr::get(Lang::Es)
    }

    pub fn lang(&self) -> Lang {
        self.messages.language()
    }

    /// The message `key` with no arguments.
    pub fn msg(&self, key: &str) -> String {
        self.messages.format(key, None)
    }

    /// The message `key` with named arguments, each written with `Display` (money and dates are
    /// formatted by the caller with [`Tr::money`], [`Tr::datetime`]…, so Fluent never formats a
    /// number itself): `t.msg_with(key!("catalog-saved"), &[("price", &t.money(p))])`.
    pub fn msg_with(&self, key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
        self.messages.format_with(key, args)
    }

    /// `1.234,56 €` in Spanish, `€1,234.56` in English; negatives with a real minus sign.
    pub fn money(&self, m: Money) -> String {
        money_in(self.lang(), m)
    }

    /// A whole number with grouping: `12.345` / `12,345`.
    pub fn int(&self, n: i64) -> String {
        format::int(self.lang(), n)
    }

    /// A quantity in thousandths: `12`, `1,25` in Spanish, `1.25` in English.
    pub fn quantity(&self, milli: i64) -> String {
        format::quantity(self.lang(), milli)
    }

    /// A VAT rate: `21 %` / `5,5 %` in Spanish, `21%` / `5.5%` in English.
    pub fn rate(&self, r: TaxRate) -> String {
        format::rate(self.lang(), r.hundredths())
    }

    /// A moment in Europe/Madrid: `30/11/2026 14:05` or `2026-11-30 14:05`.
    pub fn datetime(&self, t: DateTime<Utc>) -> String {
        let local = t.with_timezone(&chrono_tz::Europe::Madrid);
        match self.lang() {
            Lang::Es => local.format("%d/%m/%Y %H:%M"),
            Lang::En => local.format("%Y-%m-%d %H:%M"),
        }
        .to_string()
    }

    /// A day: `30/11/2026` or `2026-11-30`.
    pub fn day(&self, d: NaiveDate) -> String {
        match self.lang() {
            Lang::Es => d.format("%d/%m/%Y"),
            Lang::En => d.format("%Y-%m-%d"),
        }
        .to_string()
    }

    /// How long ago: "hace 5 min" / "5 min ago".
    pub fn ago(&self, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
        let s = (now - t).num_seconds().max(0);
        if s < 60 {
            self.msg(key!("ago-now"))
        } else if s < 3600 {
            self.msg_with(key!("ago-min"), &[("min", &(s / 60))])
        } else if s < 86_400 {
            self.msg_with(
                "ago-hours",
                &[("h", &(s / 3600)), ("min", &((s % 3600) / 60))],
            )
        } else {
            self.msg_with(
                "ago-days",
                &[("d", &(s / 86_400)), ("h", &((s % 86_400) / 3600))],
            )
        }
    }

    /// "sí" / "yes", "no" / "no".
    pub fn yes_no(&self, b: bool) -> String {
        self.msg(if b { "yes" } else { "no" })
    }
}

/// Money as `lang` writes it.
pub fn money_in(lang: Lang, m: Money) -> String {
    format::money(lang, m.cents())
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, BTreeSet};
    use std::path::Path;

    use super::*;
    use axum::http::HeaderValue;
    use chrono::TimeZone;
    use fluent_bundle::FluentResource;

    fn keys(source: &str, name: &str) -> BTreeSet<String> {
        trastienda_l10n::messages::message_keys(source).unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    #[test]
    fn every_spanish_message_has_an_english_one_and_back() {
        for (es, en, name, at_least) in [
            (ES, EN, "dashboard.ftl", 100),
            (PROBLEMS_ES, PROBLEMS_EN, "problems.ftl", 40),
        ] {
            let es = keys(es, &format!("es/{name}"));
            let en = keys(en, &format!("en/{name}"));
            let only_es: Vec<_> = es.difference(&en).collect();
            let only_en: Vec<_> = en.difference(&es).collect();
            assert!(
                only_es.is_empty(),
                "{name}: missing in English: {only_es:?}"
            );
            assert!(
                only_en.is_empty(),
                "{name}: missing in Spanish: {only_en:?}"
            );
            assert!(es.len() > at_least, "{name}: only {} messages", es.len());
        }
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
            if let Some((key, _)) = line.split_once(" =")
                && !key.starts_with(char::is_whitespace)
                && !key.contains(['{', '}', '$'])
            {
                current = Some(key.to_string());
            }
            let Some(key) = &current else { continue };
            let vars = out.entry(key.clone()).or_default();
            for (at, _) in line.match_indices('$') {
                let name: String = line[at + 1..]
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                    .collect();
                vars.insert(name);
            }
        }
        out
    }

    /// A translation that drops or misspells an argument would show a gap or `{$x}`.
    #[test]
    fn both_languages_use_the_same_arguments_in_each_message() {
        for (es_src, en_src) in [(ES, EN), (PROBLEMS_ES, PROBLEMS_EN)] {
            let es = variables(es_src);
            let en = variables(en_src);
            assert_eq!(es.len(), keys(es_src, "es").len());
            assert_eq!(en.len(), keys(en_src, "en").len());
            for (key, vars) in &es {
                assert_eq!(Some(vars), en.get(key), "arguments of {key}");
            }
        }
    }

    #[test]
    fn every_message_formats_without_errors_in_both_languages() {
        for lang in Lang::ALL {
            let mut b = fluent_bundle::FluentBundle::new(vec![lang.tag()]);
            for src in sources(lang) {
                b.add_resource(FluentResource::try_new(src.to_string()).unwrap())
                    .unwrap();
            }
            for key in keys(sources(lang)[0], "dashboard.ftl") {
                let Some(pattern) = b.get_message(&key).and_then(|m| m.value()) else {
                    panic!("{key} has no value");
                };
                let mut errors = Vec::new();
                let _ = b.format_pattern(pattern, None, &mut errors);
                let bad: Vec<_> = errors
                    .iter()
                    .filter(|e| !format!("{e:?}").contains("Variable {"))
                    .collect();
                assert!(bad.is_empty(), "{lang:?} {key}: {bad:?}");
            }
        }
    }

    /// Key prefixes that are never HTML ids or routes, so any literal starting with one is a key.
    const FAMILIES: &[&str] = &[
        "error",
        "role",
        "nav",
        "stores",
        "rules",
        "tills",
        "staff",
        "catalog",
        "overview",
        "alert",
        "login",
        "price",
        "ago",
        "chart",
        "report",
        "tender",
        "control",
        "loss",
        "cash",
        "hours",
        "deliveries",
        "stock",
        "replenish",
    ];

    /// Every key the code looks up (`.msg("…")`, `.msg_with("…"`) exists, so a typo cannot show
    /// a bare key on a page.
    #[test]
    fn every_key_used_in_the_code_exists() {
        let es = keys(ES, "es/dashboard.ftl");
        let mut used = BTreeSet::new();
        let mut stack = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") && !p.ends_with("i18n.rs") {
                    let code = std::fs::read_to_string(&p).unwrap();
                    // Keys chosen in a `match` and looked up later (`"error-title-…"`, `"nav-…"`):
                    // every literal that looks like a key of one of the dashboard's families.
                    for lit in code.split('"').skip(1).step_by(2) {
                        if let Some((family, _)) = lit.split_once('-')
                            && FAMILIES.contains(&family)
                            && lit
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        {
                            used.insert((lit.to_string(), p.clone()));
                        }
                    }
                    // `.msg("k")`, `.msg_with("k", …)`, and the pages' `m("k")` shorthand.
                    for call in [".msg(", ".msg_with(", "m("] {
                        for (at, _) in code.match_indices(call) {
                            if call == "m("
                                && code[..at]
                                    .chars()
                                    .next_back()
                                    .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.')
                            {
                                continue;
                            }
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
        assert!(
            missing.is_empty(),
            "keys not in es/dashboard.ftl: {missing:?}"
        );
    }

    #[test]
    fn money_per_language() {
        let (es, en) = (Tr::get(Lang::Es), Tr::get(Lang::En));
        assert_eq!(es.money(Money::from_cents(123456)), "1.234,56 €");
        assert_eq!(en.money(Money::from_cents(123456)), "€1,234.56");
        assert_eq!(es.money(Money::from_cents(5)), "0,05 €");
        assert_eq!(en.money(Money::from_cents(5)), "€0.05");
        assert_eq!(es.money(Money::from_cents(-100000)), "−1.000,00 €");
        assert_eq!(en.money(Money::from_cents(-100000)), "−€1,000.00");
        assert_eq!(
            en.money(Money::from_cents(12_345_678_901)),
            "€123,456,789.01"
        );
        // The Spanish translator writes exactly what the old Spanish helper wrote.
        for c in [0, 1, 99, 100, 99_999, 100_000, -5, 1_234_567_890] {
            assert_eq!(
                es.money(Money::from_cents(c)),
                crate::web::html::money(Money::from_cents(c))
            );
        }
    }

    #[test]
    fn numbers_rates_and_quantities_per_language() {
        let (es, en) = (Tr::get(Lang::Es), Tr::get(Lang::En));
        assert_eq!(es.int(1234567), "1.234.567");
        assert_eq!(en.int(1234567), "1,234,567");
        assert_eq!(es.int(-12), "−12");
        assert_eq!(es.quantity(2500), "2,5");
        assert_eq!(en.quantity(2500), "2.5");
        assert_eq!(en.quantity(1_234_000), "1,234");
        assert_eq!(es.quantity(3000), "3");
        assert_eq!(es.rate(TaxRate::percent(21)), "21 %");
        assert_eq!(en.rate(TaxRate::percent(21)), "21%");
        let r: TaxRate = "5.5".parse().unwrap();
        assert_eq!(es.rate(r), "5,5 %");
        assert_eq!(en.rate(r), "5.5%");
    }

    #[test]
    fn dates_per_language_in_madrid() {
        let (es, en) = (Tr::get(Lang::Es), Tr::get(Lang::En));
        let d = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!(es.day(d), "30/11/2026");
        assert_eq!(en.day(d), "2026-11-30");
        // 23:30 UTC on 30 November is 00:30 on 1 December in Madrid (UTC+1 in winter).
        let t = Utc.with_ymd_and_hms(2026, 11, 30, 23, 30, 0).unwrap();
        assert_eq!(es.datetime(t), "01/12/2026 00:30");
        assert_eq!(en.datetime(t), "2026-12-01 00:30");
        // Summer time: UTC+2.
        let s = Utc.with_ymd_and_hms(2026, 7, 1, 10, 0, 0).unwrap();
        assert_eq!(en.datetime(s), "2026-07-01 12:00");
        let later = t + chrono::Duration::seconds(2 * 86_400 + 3 * 3600 + 59);
        assert_eq!(es.ago(t, later), "hace 2 d 3 h");
        assert_eq!(en.ago(t, later), "2 d 3 h ago");
        assert_eq!(en.ago(t, t + chrono::Duration::minutes(5)), "5 min ago");
        assert_eq!(
            es.ago(t, t + chrono::Duration::seconds(10)),
            "hace menos de 1 min"
        );
    }

    #[test]
    fn messages_with_arguments_and_fallback() {
        let (es, en) = (Tr::get(Lang::Es), Tr::get(Lang::En));
        assert_eq!(es.msg(key!("nav-catalog")), "Catálogo");
        assert_eq!(en.msg(key!("nav-catalog")), "Catalogue");
        assert_eq!(en.msg("no-such-key"), "no-such-key");
        assert_eq!(en.msg_with(key!("ago-min"), &[("min", &7)]), "7 min ago");
    }

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn language_from_cookie_then_accept_language_then_spanish() {
        assert_eq!(lang_of(&headers(&[])), Lang::Es);
        assert_eq!(
            lang_of(&headers(&[("accept-language", "en-GB,en;q=0.9")])),
            Lang::En
        );
        assert_eq!(
            lang_of(&headers(&[("accept-language", "fr-FR,fr;q=0.9")])),
            Lang::Es
        );
        assert_eq!(
            lang_of(&headers(&[
                ("accept-language", "en"),
                ("cookie", "a=1; trastienda_lang=es")
            ])),
            Lang::Es
        );
        assert_eq!(
            lang_of(&headers(&[("cookie", "trastienda_lang=en")])),
            Lang::En
        );
        // A bogus cookie is ignored: the browser's language, else Spanish.
        assert_eq!(
            lang_of(&headers(&[("cookie", "trastienda_lang=de")])),
            Lang::Es
        );
        assert_eq!(
            lang_of(&headers(&[
                ("cookie", "trastienda_lang=EN%0d%0aX"),
                ("accept-language", "en-US")
            ])),
            Lang::En
        );
        assert_eq!(
            Lang::from_accept_language("es;q=0.5, en;q=0.8"),
            Some(Lang::En)
        );
        assert_eq!(Lang::from_accept_language("en;q=0, es"), Some(Lang::Es));
        assert_eq!(Lang::from_accept_language("*"), None);
        assert_eq!(Lang::from_accept_language("en;q=bogus"), None);
    }
}
