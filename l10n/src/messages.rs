//! Fluent messages embedded in the binary (the till works offline; the server needs no files),
//! looked up by key in one language with Spanish as the fallback: one loader for the till and HQ.

use crate::Language;
use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource};
use std::collections::BTreeSet;
use std::fmt;

type Bundle = FluentBundle<FluentResource>;

fn bundle(language: Language, sources: &[&str]) -> Bundle {
    let mut b = FluentBundle::new_concurrent(vec![language.tag()]);
    // No Unicode isolation marks around arguments: Spanish and English do not need them, and they
    // would end up in labels, attribute values and in what tests read.
    b.set_use_isolating(false);
    for source in sources {
        // Our own files, checked by each crate's tests; Fluent recovers per entry, so a typo costs
        // one message (shown as its key), never a screen or a page.
        let resource = FluentResource::try_new(source.to_string()).unwrap_or_else(|(r, e)| {
            tracing::error!(?language, errors = ?e, "bad messages file");
            r
        });
        if let Err(e) = b.add_resource(resource) {
            tracing::error!(?language, errors = ?e, "duplicate messages");
        }
    }
    b
}

/// The messages of one language, with the Spanish ones behind for a key it lacks.
pub struct Messages {
    language: Language,
    bundle: Bundle,
    fallback: Option<Bundle>,
}

impl fmt::Debug for Messages {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Messages")
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl Messages {
    /// `sources(language)` gives the FTL files of a language (e.g. `[pages, problems]`).
    pub fn new(language: Language, sources: fn(Language) -> &'static [&'static str]) -> Self {
        Self {
            language,
            bundle: bundle(language, sources(language)),
            fallback: (language != Language::Es)
                .then(|| bundle(Language::Es, sources(Language::Es))),
        }
    }

    pub fn language(&self) -> Language {
        self.language
    }

    /// The message `key` in this language, then in Spanish, then the key itself (so a gap shows,
    /// never panics).
    pub fn format(&self, key: &str, args: Option<&FluentArgs<'_>>) -> String {
        for b in std::iter::once(&self.bundle).chain(self.fallback.as_ref()) {
            if let Some(pattern) = b.get_message(key).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                let s = b.format_pattern(pattern, args, &mut errors);
                if !errors.is_empty() {
                    tracing::warn!(key, ?errors, "message formatted with errors");
                }
                return s.into_owned();
            }
        }
        tracing::warn!(key, language = ?self.language, "missing message");
        key.to_string()
    }

    /// The message `key` with arguments written as text (`("amount", &"2,50 €")`).
    pub fn format_with(&self, key: &str, args: &[(&str, &dyn fmt::Display)]) -> String {
        let mut a = FluentArgs::with_capacity(args.len());
        for (name, value) in args {
            a.set(*name, value.to_string());
        }
        self.format(key, Some(&a))
    }
}

/// The message ids of an FTL file, for the checks each crate runs over its own files (both languages
/// have the same keys, every key used in code exists). An error names a parse error or an id
/// defined twice.
pub fn message_keys(source: &str) -> Result<BTreeSet<String>, String> {
    let r = FluentResource::try_new(source.to_string())
        .map_err(|(_, e)| format!("does not parse: {e:?}"))?;
    let mut keys = BTreeSet::new();
    for entry in r.entries() {
        if let fluent_syntax::ast::Entry::Message(m) = entry
            && !keys.insert(m.id.name.to_string())
        {
            return Err(format!("{} twice", m.id.name));
        }
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    const ES: &str = "hello = Hola, { $name }\nonly-es = Solo en español\n";
    const EN: &str = "hello = Hello, { $name }\n";

    fn sources(l: Language) -> &'static [&'static str] {
        match l {
            Language::Es => &[ES],
            Language::En => &[EN],
        }
    }

    #[test]
    fn lookup_fallback_and_missing() {
        let en = Messages::new(Language::En, sources);
        assert_eq!(en.format_with("hello", &[("name", &"Ana")]), "Hello, Ana");
        assert_eq!(en.format("only-es", None), "Solo en español");
        assert_eq!(en.format("nope", None), "nope");
        let es = Messages::new(Language::Es, sources);
        assert_eq!(es.format_with("hello", &[("name", &"Ana")]), "Hola, Ana");
        assert_eq!(
            message_keys(ES).unwrap().into_iter().collect::<Vec<_>>(),
            ["hello", "only-es"]
        );
        assert_eq!(message_keys("a = 1\na = 2\n").unwrap_err(), "a twice");
    }
}
