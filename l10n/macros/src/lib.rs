//! `key!("message-id")` checks at compile time that a Fluent message exists in every language of
//! the calling crate (`<crate>/locales/<language>/*.ftl`) and expands to the id as a `&'static str`,
//! so a mistyped or removed key stops the build instead of showing its id on a page or the till.
//!
//! Why not i18n-embed-fl's `fl!`: it checks keys only together with i18n-embed's own loader and an
//! `i18n.toml`, while the till and HQ share one small Fluent loader (`trastienda-l10n`) that looks
//! messages up by id at run time; this macro adds the compile-time check to that loader's calls and
//! leaves loading, fallback and formatting where they are.

use proc_macro::{Literal, Span, TokenStream, TokenTree};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::OnceLock;

/// The message ids of each language directory under `locales`.
type Catalogue = BTreeMap<String, BTreeSet<String>>;

fn ids_of(source: &str) -> impl Iterator<Item = String> + '_ {
    source.lines().filter_map(|line| {
        let (id, _) = line.split_once('=')?;
        let id = id.trim_end();
        let mut chars = id.chars();
        (chars.next()?.is_ascii_alphabetic()
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
        .then(|| id.to_string())
    })
}

fn read(locales: &Path) -> Result<Catalogue, String> {
    let mut out = Catalogue::new();
    let dirs = std::fs::read_dir(locales)
        .map_err(|e| format!("key!: cannot read {}: {e}", locales.display()))?;
    for dir in dirs.flatten().filter(|d| d.path().is_dir()) {
        let mut ids = BTreeSet::new();
        let files = std::fs::read_dir(dir.path())
            .map_err(|e| format!("key!: cannot read {}: {e}", dir.path().display()))?;
        for f in files.flatten() {
            let p = f.path();
            if p.extension().is_some_and(|e| e == "ftl") {
                let text = std::fs::read_to_string(&p)
                    .map_err(|e| format!("key!: cannot read {}: {e}", p.display()))?;
                ids.extend(ids_of(&text));
            }
        }
        out.insert(dir.file_name().to_string_lossy().into_owned(), ids);
    }
    if out.is_empty() {
        return Err(format!(
            "key!: no language directories in {}",
            locales.display()
        ));
    }
    Ok(out)
}

fn catalogue() -> &'static Result<Catalogue, String> {
    // One compilation is one crate: read its locales once.
    static CATALOGUE: OnceLock<Result<Catalogue, String>> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let dir = std::env::var("CARGO_MANIFEST_DIR")
            .map_err(|_| "key!: CARGO_MANIFEST_DIR is not set".to_string())?;
        read(&Path::new(&dir).join("locales"))
    })
}

/// Whether every language holds `id`; if not, which ones lack it.
fn check(catalogue: &Catalogue, id: &str) -> Result<(), String> {
    let missing: Vec<String> = catalogue
        .iter()
        .filter(|(_, ids)| !ids.contains(id))
        .map(|(language, _)| format!("locales/{language}/*.ftl"))
        .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!("message `{id}` is not in {}", missing.join(", ")))
    }
}

fn error(message: &str, span: Span) -> TokenStream {
    let mut ts: TokenStream = format!("::core::compile_error!({message:?})")
        .parse()
        .unwrap_or_default();
    ts = ts
        .into_iter()
        .map(|mut t| {
            t.set_span(span);
            t
        })
        .collect();
    ts
}

/// `key!("alert-job-failed")`: the message id, checked to exist in every language of the crate.
#[proc_macro]
pub fn key(input: TokenStream) -> TokenStream {
    let mut tokens = input.into_iter();
    let (literal, span) = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Literal(l)), None) => (l.to_string(), l.span()),
        (first, _) => {
            let span = first.map_or(Span::call_site(), |t| t.span());
            return error("key! takes one string literal: key!(\"message-id\")", span);
        }
    };
    let Some(id) = literal
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .filter(|s| !s.contains('\\'))
    else {
        return error("key! takes a plain string literal", span);
    };
    let catalogue = match catalogue() {
        Ok(c) => c,
        Err(e) => return error(e, span),
    };
    if let Err(e) = check(catalogue, id) {
        return error(&e, span);
    }
    let mut lit = Literal::string(id);
    lit.set_span(span);
    TokenTree::Literal(lit).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    const ES: &str = "# comentario\nalert-job-failed = Tarea fallida\ntitle =\n    Varias\n    .attr = no\n-brand = Trastienda\nwith_underscore = x\n";
    const EN: &str = "alert-job-failed = Job failed\ntitle = Many\n";

    fn catalogue() -> Catalogue {
        let mut c = Catalogue::new();
        c.insert("es".into(), ids_of(ES).collect());
        c.insert("en".into(), ids_of(EN).collect());
        c
    }

    #[test]
    fn message_ids_are_read_and_terms_attributes_and_comments_are_not() {
        let es: Vec<String> = ids_of(ES).collect();
        assert_eq!(es, ["alert-job-failed", "title", "with_underscore"]);
    }

    #[test]
    fn a_key_must_be_in_every_language() {
        let c = catalogue();
        assert_eq!(check(&c, "alert-job-failed"), Ok(()));
        assert_eq!(check(&c, "title"), Ok(()));
        assert_eq!(
            check(&c, "with_underscore"),
            Err("message `with_underscore` is not in locales/en/*.ftl".into())
        );
        assert_eq!(
            check(&c, "no-such-key"),
            Err("message `no-such-key` is not in locales/en/*.ftl, locales/es/*.ftl".into())
        );
        assert!(check(&c, "brand").is_err() && check(&c, "attr").is_err());
    }

    #[test]
    fn the_real_locales_are_read() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        for crate_dir in ["back-office-server", "pos-terminal/app"] {
            let c = read(&root.join(crate_dir).join("locales")).unwrap();
            assert_eq!(c.keys().collect::<Vec<_>>(), ["en", "es"], "{crate_dir}");
            assert!(c.values().all(|ids| ids.len() > 100), "{crate_dir}");
        }
    }
}
