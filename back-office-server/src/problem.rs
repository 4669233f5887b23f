//! Why something was refused, as a stable code and its arguments (`nif_taken` with the NIF and
//! the franchisee that has it). The words live in `locales/*/problems.ftl` as `problem-<code>`, in
//! every language: the JSON API answers `{"error": code, "message": …}` in English, the dashboard
//! shows the same problem in the viewer's language.

use crate::i18n::{Lang, Tr};
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Stable, snake_case: what API clients match on.
    pub code: &'static str,
    /// Named arguments of the message, already written as text.
    pub args: Vec<(&'static str, String)>,
}

impl Problem {
    pub fn new(code: &'static str) -> Self {
        Self {
            code,
            args: Vec::new(),
        }
    }

    /// Adds an argument of the message.
    pub fn with(mut self, name: &'static str, value: impl fmt::Display) -> Self {
        self.args.push((name, value.to_string()));
        self
    }

    /// The message in `lang`.
    pub fn message(&self, lang: Lang) -> String {
        let args: Vec<(&str, &dyn fmt::Display)> = self
            .args
            .iter()
            .map(|(k, v)| (*k, v as &dyn fmt::Display))
            .collect();
        Tr::get(lang).msg_with(&format!("problem-{}", self.code), &args)
    }
}

/// The English message (logs, the JSON API).
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message(Lang::En))
    }
}

impl std::error::Error for Problem {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_problem_in_both_languages() {
        let p = Problem::new("nif_taken")
            .with("nif", "B12345674")
            .with("franchisee", 3);
        assert_eq!(
            p.to_string(),
            "NIF B12345674 already belongs to franchisee 3"
        );
        assert_eq!(
            p.message(Lang::Es),
            "El NIF B12345674 ya pertenece al franquiciado 3."
        );
    }

    /// Every code the code uses has its message in both languages (a missing one would show
    /// `problem-…` to a person).
    #[test]
    fn every_problem_code_has_its_messages() {
        let mut stack = vec![std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src")];
        let (es, en) = (crate::i18n::PROBLEMS_ES, crate::i18n::PROBLEMS_EN);
        let mut seen = 0;
        while let Some(dir) = stack.pop() {
            for e in std::fs::read_dir(&dir).unwrap() {
                let p = e.unwrap().path();
                if p.is_dir() {
                    stack.push(p);
                    continue;
                }
                if p.extension().is_none_or(|x| x != "rs") {
                    continue;
                }
                let code = std::fs::read_to_string(&p).unwrap();
                for (at, _) in code.match_indices("Problem::new(\"") {
                    let rest = &code[at + 14..];
                    let name = &rest[..rest.find('"').unwrap()];
                    let key = format!("\nproblem-{name} =");
                    assert!(
                        es.contains(&key),
                        "{}: problem {name} has no Spanish message",
                        p.display()
                    );
                    assert!(
                        en.contains(&key),
                        "{}: problem {name} has no English message",
                        p.display()
                    );
                    seen += 1;
                }
            }
        }
        assert!(seen > 20, "only {seen} problems found");
    }
}
