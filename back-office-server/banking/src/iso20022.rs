//! A small element tree over quick-xml for the ISO 20022 messages we read (camt.05x, pain.002),
//! with line numbers on every element so that each error can say where the file is wrong.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::fmt;
use sync_protocol::Money;

/// Why an ISO 20022 file (camt.053, camt.054, pain.002) was refused. Each names the line and,
/// where there is one, the element.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Iso20022Error {
    #[error("the file is empty")]
    Empty,
    #[error("line {line}: the file is not well-formed XML: {message}")]
    Malformed { line: usize, message: String },
    #[error("line {line}: elements are nested more than {max} deep")]
    TooDeep { line: usize, max: usize },
    #[error("line {line}: this is a {found} file, expected {expected}")]
    WrongMessage {
        line: usize,
        found: String,
        expected: &'static str,
    },
    #[error("line {line}: <{parent}> has no <{element}>")]
    Missing {
        line: usize,
        parent: String,
        element: String,
    },
    #[error("line {line}: <{element}> '{value}' {reason}")]
    Invalid {
        line: usize,
        element: String,
        value: String,
        reason: String,
    },
}

/// Deeper than any ISO 20022 message; stops a hostile file from exhausting the stack.
const MAX_DEPTH: usize = 64;

/// One XML element: local name (namespace prefix dropped), attributes, text, children, line.
#[derive(Debug, Clone, Default)]
pub(crate) struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub text: String,
    pub children: Vec<Element>,
    pub line: usize,
}

/// The root element and the namespace it declares (which names the message and its version).
#[derive(Debug)]
pub(crate) struct Document {
    pub root: Element,
    pub namespace: String,
}

/// Counts lines incrementally as the reader moves forward, so finding a line stays linear.
struct LineCounter<'a> {
    input: &'a [u8],
    pos: usize,
    line: usize,
}

impl LineCounter<'_> {
    /// The line of the first non-blank byte at or after `pos`.
    fn line_at(&mut self, pos: usize) -> usize {
        let mut pos = pos.min(self.input.len());
        while pos < self.input.len() && self.input[pos].is_ascii_whitespace() {
            pos += 1;
        }
        if pos < self.pos {
            // The reader never goes back; recount from the start if asked about an earlier position.
            self.pos = 0;
            self.line = 1;
        }
        self.line += self.input[self.pos..pos]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        self.pos = pos;
        self.line
    }
}

fn start_element(e: &BytesStart<'_>, line: usize) -> Result<Element, Iso20022Error> {
    let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|err| Iso20022Error::Malformed {
            line,
            message: err.to_string(),
        })?;
        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| Iso20022Error::Malformed {
                line,
                message: err.to_string(),
            })?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name,
        attrs,
        line,
        ..Element::default()
    })
}

/// Reads a whole document into a tree.
pub(crate) fn parse_document(input: &[u8]) -> Result<Document, Iso20022Error> {
    if input.iter().all(u8::is_ascii_whitespace) {
        return Err(Iso20022Error::Empty);
    }
    let mut reader = Reader::from_reader(input);
    reader.config_mut().trim_text(false);
    let mut lines = LineCounter {
        input,
        pos: 0,
        line: 1,
    };
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<(Element, Vec<u8>)> = None;
    let mut root_qname: Vec<u8> = Vec::new();
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(e) => e,
            Err(err) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                return Err(Iso20022Error::Malformed {
                    line: lines.line_at(at),
                    message: err.to_string(),
                });
            }
        };
        match event {
            Event::Start(e) | Event::Empty(e) if root.is_some() => {
                return Err(Iso20022Error::Malformed {
                    line: lines.line_at(before),
                    message: format!(
                        "<{}> after the end of the document",
                        String::from_utf8_lossy(e.name().as_ref())
                    ),
                });
            }
            Event::Start(e) => {
                let line = lines.line_at(before);
                if stack.len() >= MAX_DEPTH {
                    return Err(Iso20022Error::TooDeep {
                        line,
                        max: MAX_DEPTH,
                    });
                }
                if stack.is_empty() {
                    root_qname = e.name().as_ref().to_vec();
                }
                stack.push(start_element(&e, line)?);
            }
            Event::Empty(e) => {
                let line = lines.line_at(before);
                let el = start_element(&e, line)?;
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => {
                        root_qname = e.name().as_ref().to_vec();
                        root = Some((el, root_qname.clone()));
                    }
                }
            }
            Event::End(_) => {
                // quick-xml checks that end names match their start.
                let Some(el) = stack.pop() else {
                    return Err(Iso20022Error::Malformed {
                        line: lines.line_at(before),
                        message: "closing tag without an opening one".into(),
                    });
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(el),
                    None => root = Some((el, root_qname.clone())),
                }
            }
            Event::Text(t) => {
                let text = t.xml_content(XmlVersion::Implicit1_0).map_err(|err| {
                    Iso20022Error::Malformed {
                        line: lines.line_at(before),
                        message: err.to_string(),
                    }
                })?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => {
                        return Err(Iso20022Error::Malformed {
                            line: lines.line_at(before),
                            message: "text outside the root element".into(),
                        });
                    }
                }
            }
            Event::CData(t) => {
                let text = t.decode().map_err(|err| Iso20022Error::Malformed {
                    line: lines.line_at(before),
                    message: err.to_string(),
                })?;
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&text);
                }
            }
            Event::GeneralRef(r) => {
                let line = lines.line_at(before);
                let resolved = if r.is_char_ref() {
                    r.resolve_char_ref()
                        .map_err(|err| Iso20022Error::Malformed {
                            line,
                            message: err.to_string(),
                        })?
                        .map(String::from)
                } else {
                    let name = r.decode().map_err(|err| Iso20022Error::Malformed {
                        line,
                        message: err.to_string(),
                    })?;
                    quick_xml::escape::resolve_predefined_entity(&name).map(String::from)
                };
                let Some(s) = resolved else {
                    return Err(Iso20022Error::Malformed {
                        line,
                        message: "unknown entity reference".into(),
                    });
                };
                if let Some(el) = stack.last_mut() {
                    el.text.push_str(&s);
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if let Some(open) = stack.last() {
        return Err(Iso20022Error::Malformed {
            line: lines.line_at(input.len()),
            message: format!(
                "the file ends inside <{}> opened on line {}",
                open.name, open.line
            ),
        });
    }
    let Some((root, qname)) = root else {
        return Err(Iso20022Error::Malformed {
            line: lines.line_at(input.len()),
            message: "no root element".into(),
        });
    };
    // The message namespace: xmlns, or xmlns:prefix when the root is prefixed.
    let wanted = match qname.iter().position(|b| *b == b':') {
        Some(i) => format!("xmlns:{}", String::from_utf8_lossy(&qname[..i])),
        None => "xmlns".to_string(),
    };
    let namespace = root
        .attrs
        .iter()
        .find(|(k, _)| *k == wanted)
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    Ok(Document { root, namespace })
}

impl Element {
    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// The element at a path of child names, e.g. `["Amt"]` or `["Refs", "EndToEndId"]`.
    pub fn at(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |el, name| el.child(name))
    }

    /// Trimmed text at a path, `None` when absent or blank.
    pub fn text_at(&self, path: &[&str]) -> Option<String> {
        self.at(path)
            .map(|e| e.text.trim().to_string())
            .filter(|t| !t.is_empty())
    }

    /// The element at a path, or an error naming the parent's line and what is missing.
    pub fn require(&self, path: &[&str]) -> Result<&Element, Iso20022Error> {
        let mut el = self;
        for name in path {
            el = el.child(name).ok_or_else(|| Iso20022Error::Missing {
                line: el.line,
                parent: el.name.clone(),
                element: (*name).to_string(),
            })?;
        }
        Ok(el)
    }

    /// Non-blank text at a path, or an error naming where it is missing.
    pub fn require_text(&self, path: &[&str]) -> Result<String, Iso20022Error> {
        let el = self.require(path)?;
        let t = el.text.trim();
        if t.is_empty() {
            return Err(Iso20022Error::Invalid {
                line: el.line,
                element: el.name.clone(),
                value: String::new(),
                reason: "is empty".into(),
            });
        }
        Ok(t.to_string())
    }

    pub fn attr(&self, key: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn invalid(&self, value: &str, reason: impl fmt::Display) -> Iso20022Error {
        Iso20022Error::Invalid {
            line: self.line,
            element: self.name.clone(),
            value: value.to_string(),
            reason: reason.to_string(),
        }
    }

    /// An amount element such as `<Amt Ccy="EUR">123.45</Amt>`: exact, positive or zero, at most
    /// two decimals. Returns the amount and the currency.
    pub fn amount(&self) -> Result<(Money, Option<String>), Iso20022Error> {
        let t = self.text.trim();
        if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(self.invalid(t, "is not an amount (digits and a decimal point)"));
        }
        let m: Money = t
            .parse()
            .map_err(|e| self.invalid(t, format!("is not an amount: {e}")))?;
        Ok((m, self.attr("Ccy").map(str::to_string)))
    }

    /// An ISO date (`2026-01-05`), or the date part of a date-time.
    pub fn date(&self) -> Result<chrono::NaiveDate, Iso20022Error> {
        let t = self.text.trim();
        let day = t.get(..10).unwrap_or(t);
        chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d")
            .map_err(|_| self.invalid(t, "is not a date (YYYY-MM-DD)"))
    }
}

/// `urn:iso:std:iso:20022:tech:xsd:camt.053.001.08` → (`camt.053`, `001.08`).
pub(crate) fn message_name(namespace: &str) -> Option<(String, String)> {
    let last = namespace.rsplit(':').next()?;
    let mut parts = last.splitn(3, '.');
    let (area, number, rest) = (parts.next()?, parts.next()?, parts.next()?);
    Some((format!("{area}.{number}"), rest.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_keeps_lines_text_and_entities() {
        let doc = parse_document(
            b"<?xml version=\"1.0\"?>\n<p:Document xmlns:p=\"urn:iso:std:iso:20022:tech:xsd:camt.054.001.02\">\n  <A>\n    <B Ccy=\"EUR\">1.50</B>\n    <C>Pan &amp; vino &#241;</C><D/>\n  </A>\n</p:Document>\n",
        )
        .unwrap();
        assert_eq!(
            doc.namespace,
            "urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"
        );
        assert_eq!(
            message_name(&doc.namespace),
            Some(("camt.054".into(), "001.02".into()))
        );
        let a = doc.root.child("A").unwrap();
        assert_eq!(a.line, 3);
        assert_eq!(a.child("B").unwrap().line, 4);
        assert_eq!(a.text_at(&["C"]).unwrap(), "Pan & vino ñ");
        assert_eq!(a.child("D").unwrap().line, 5);
        let (m, ccy) = a.child("B").unwrap().amount().unwrap();
        assert_eq!((m.cents(), ccy.as_deref()), (150, Some("EUR")));
        let e = doc.root.require(&["A", "E"]).unwrap_err();
        assert_eq!(e.to_string(), "line 3: <A> has no <E>");
    }

    #[test]
    fn malformed_xml_names_the_line() {
        let e = parse_document(b"<Document>\n<A>\n<B>1</C>\n</A></Document>").unwrap_err();
        assert!(matches!(e, Iso20022Error::Malformed { line: 3, .. }), "{e}");
        let e = parse_document(b"<Document>\n<A>\n").unwrap_err();
        assert!(e.to_string().contains("ends inside <A>"), "{e}");
        let deep = "<a>".repeat(100);
        assert!(matches!(
            parse_document(deep.as_bytes()),
            Err(Iso20022Error::TooDeep { .. })
        ));
        assert_eq!(parse_document(b"  \n").unwrap_err(), Iso20022Error::Empty);
    }
}
