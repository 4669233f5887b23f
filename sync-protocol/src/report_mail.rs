//! An X or Z report e-mailed through HQ (issue 17), for a store whose printer does not work: the
//! till draws the report's PDF itself and sends it with the address in the push.
//!
//! An X report is no document (nothing in the hash chain holds it), so HQ could not render it;
//! the till's PDF is the one it would have saved or printed. A Z takes the same path, so both are
//! the very PDF the manager saw. Each mail has a till-made UUID: a retried push sends it once.

use crate::customers::is_email;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Largest report PDF a till may send (a shift report is a few kilobytes; this bounds a push).
pub const MAX_REPORT_PDF_BYTES: usize = 2 * 1024 * 1024;
/// Most report e-mails one push may carry (so a push stays well under HQ's body limit).
pub const MAX_PUSH_REPORT_MAILS: usize = 4;
/// Longest attachment file name.
pub const MAX_FILE_NAME_CHARS: usize = 100;
/// Longest subject.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// Which report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum ReportKind {
    /// A mid-shift X report (no close).
    X,
    /// A Z close.
    Z,
}

impl ReportKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ReportKind::X => "x",
            ReportKind::Z => "z",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "x" => Some(ReportKind::X),
            "z" => Some(ReportKind::Z),
            _ => None,
        }
    }
}

/// "E-mail this report to this address", made at a till with the report's PDF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct ReportMail {
    pub id: Uuid,
    pub kind: ReportKind,
    pub to: String,
    #[cfg_attr(feature = "utoipa", schema(max_length = 200))]
    pub subject: String,
    /// The attachment's name, e.g. `X-2026-12-05-1742.pdf`.
    #[cfg_attr(feature = "utoipa", schema(max_length = 100))]
    pub file_name: String,
    /// The PDF, base64 in JSON (at most 2 MiB decoded).
    #[cfg_attr(feature = "utoipa", schema(value_type = String, format = Byte))]
    #[serde(with = "base64_bytes")]
    pub pdf: Vec<u8>,
}

/// What is wrong with a report e-mail (HQ names it in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReportMailError {
    #[error("'{0}' is not an e-mail address")]
    Email(String),
    #[error("the report's PDF is {bytes} bytes, more than the {max} a report e-mail may carry")]
    TooLarge { bytes: usize, max: usize },
    #[error("the attachment is not a PDF")]
    NotPdf,
    #[error("'{0}' is not a PDF file name (letters, digits, '-', '_', '.', ending in .pdf)")]
    FileName(String),
    #[error("a report e-mail needs a subject of at most {MAX_SUBJECT_CHARS} characters")]
    Subject,
}

/// Whether `name` is a plain PDF file name: no folders, nothing a mail client could misread.
pub fn is_pdf_file_name(name: &str) -> bool {
    let n = name.chars().count();
    n > 4
        && n <= MAX_FILE_NAME_CHARS
        && name.to_ascii_lowercase().ends_with(".pdf")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl ReportMail {
    /// Checks the address, the subject, the file name and the PDF (size, and that it is one).
    pub fn check(&self) -> Result<(), ReportMailError> {
        if !is_email(self.to.trim()) {
            return Err(ReportMailError::Email(self.to.clone()));
        }
        if self.pdf.len() > MAX_REPORT_PDF_BYTES {
            return Err(ReportMailError::TooLarge {
                bytes: self.pdf.len(),
                max: MAX_REPORT_PDF_BYTES,
            });
        }
        if !self.pdf.starts_with(b"%PDF-") {
            return Err(ReportMailError::NotPdf);
        }
        if !is_pdf_file_name(&self.file_name) {
            return Err(ReportMailError::FileName(self.file_name.clone()));
        }
        let subject = self.subject.trim();
        if subject.is_empty()
            || subject.chars().count() > MAX_SUBJECT_CHARS
            || subject.chars().any(char::is_control)
        {
            return Err(ReportMailError::Subject);
        }
        Ok(())
    }
}

mod base64_bytes {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(|e| serde::de::Error::custom(format!("the PDF is not base64: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail() -> ReportMail {
        ReportMail {
            id: Uuid::nil(),
            kind: ReportKind::X,
            to: "tienda@example.es".into(),
            subject: "Informe X".into(),
            file_name: "X-2026-12-05-1742.pdf".into(),
            pdf: b"%PDF-1.7 test".to_vec(),
        }
    }

    #[test]
    fn a_report_mail_is_checked() {
        assert_eq!(mail().check(), Ok(()));
        let m = ReportMail {
            to: "tienda@".into(),
            ..mail()
        };
        assert!(matches!(m.check(), Err(ReportMailError::Email(_))));
        let mut big = b"%PDF-".to_vec();
        big.resize(MAX_REPORT_PDF_BYTES + 1, b' ');
        let m = ReportMail { pdf: big, ..mail() };
        assert!(matches!(m.check(), Err(ReportMailError::TooLarge { .. })));
        let m = ReportMail {
            pdf: b"<html>".to_vec(),
            ..mail()
        };
        assert_eq!(m.check(), Err(ReportMailError::NotPdf));
        for bad in ["../x.pdf", "x.exe", ".pdf", "a b.pdf"] {
            let m = ReportMail {
                file_name: bad.into(),
                ..mail()
            };
            assert!(
                matches!(m.check(), Err(ReportMailError::FileName(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn the_pdf_travels_as_base64() {
        let json = serde_json::to_value(mail()).unwrap();
        assert_eq!(json["pdf"], "JVBERi0xLjcgdGVzdA==");
        assert_eq!(json["kind"], "x");
        let back: ReportMail = serde_json::from_value(json).unwrap();
        assert_eq!(back, mail());
    }
}
