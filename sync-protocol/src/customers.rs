//! Customers (issue 17): a franchisee's customer directory, kept at HQ and synced to its stores'
//! tills, and the e-mail requests a till queues (e-mail this receipt or invoice to this address).
//!
//! Customers are not fiscal documents: nothing here goes into a hash-chained document. A full
//! invoice keeps the name, NIF and address it was issued with whatever happens to the customer
//! later (erasure on request removes the customer, never the invoice). A customer made at a till
//! and an e-mail request travel to HQ as optional fields of the push ([`crate::PushRequest`]),
//! each with a till-made UUID so a retried push stores and sends once.

use crate::ids::DocumentId;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// Longest customer name.
pub const MAX_NAME_CHARS: usize = 120;
/// Longest customer address.
pub const MAX_ADDRESS_CHARS: usize = 300;
/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Most customers and most e-mail requests one push may carry.
pub const MAX_PUSH_EXTRAS: usize = 500;

/// A customer as HQ and the tills keep it. `id` is a UUID made where the customer was created
/// (HQ or a till). `nif` is empty or a normalised, valid NIF/NIE/CIF.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct CustomerRecord {
    pub id: Uuid,
    pub name: String,
    #[serde(default)]
    pub nif: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub email: String,
    /// The customer agreed to receive receipts and invoices by e-mail.
    #[serde(default)]
    pub email_consent: bool,
}

/// What is wrong with a customer (the server names it in the reader's language).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerError {
    #[error("a customer needs a name")]
    NameEmpty,
    #[error("a customer's name is at most {MAX_NAME_CHARS} characters")]
    NameTooLong,
    #[error("an address is at most {MAX_ADDRESS_CHARS} characters")]
    AddressTooLong,
    #[error("{0}")]
    Nif(crate::nif::NifError),
    #[error("'{0}' is not an e-mail address")]
    Email(String),
    #[error("consent to e-mail needs an e-mail address")]
    ConsentWithoutEmail,
}

/// Whether `s` reads as an e-mail address: one `@`, something before it, a dotted domain after
/// it, no spaces or angle brackets, at most [`MAX_EMAIL_CHARS`].
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    s.chars().count() <= MAX_EMAIL_CHARS
        && !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
}

impl CustomerRecord {
    /// The record tidied as it is stored: texts trimmed, the NIF normalised, the e-mail in lower
    /// case. Then [`Self::check`] it.
    pub fn tidy(mut self) -> Self {
        self.name = self.name.trim().to_string();
        self.address = self.address.trim().to_string();
        self.nif = crate::nif::normalise(&self.nif);
        self.email = self.email.trim().to_lowercase();
        self
    }

    /// Checks a tidied record.
    pub fn check(&self) -> Result<(), CustomerError> {
        if self.name.trim().is_empty() {
            return Err(CustomerError::NameEmpty);
        }
        if self.name.chars().count() > MAX_NAME_CHARS {
            return Err(CustomerError::NameTooLong);
        }
        if self.address.chars().count() > MAX_ADDRESS_CHARS {
            return Err(CustomerError::AddressTooLong);
        }
        if !self.nif.is_empty() {
            crate::nif::check(&self.nif).map_err(CustomerError::Nif)?;
        }
        if !self.email.is_empty() && !is_email(&self.email) {
            return Err(CustomerError::Email(self.email.clone()));
        }
        if self.email_consent && self.email.is_empty() {
            return Err(CustomerError::ConsentWithoutEmail);
        }
        Ok(())
    }
}

/// "E-mail this document to this address", made at a till: a sale's receipt, a full invoice (its
/// own document), or a Z/X close. HQ renders the document it stores and sends it as a PDF.
/// `to` is the customer's consented address or one the cashier typed for this receipt.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct MailRequest {
    pub id: Uuid,
    pub document_id: DocumentId,
    pub to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_id: Option<Uuid>,
}

impl MailRequest {
    /// Checks the address.
    pub fn check(&self) -> Result<(), CustomerError> {
        if is_email(self.to.trim()) {
            Ok(())
        } else {
            Err(CustomerError::Email(self.to.clone()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(nif: &str, email: &str, consent: bool) -> CustomerRecord {
        CustomerRecord {
            id: Uuid::nil(),
            name: " Ana Pérez ".into(),
            nif: nif.into(),
            address: String::new(),
            email: email.into(),
            email_consent: consent,
        }
        .tidy()
    }

    #[test]
    fn a_customer_is_checked() {
        assert_eq!(c("12345678-z", "Ana@Example.COM ", true).check(), Ok(()));
        assert_eq!(c("12345678z", "", false).nif, "12345678Z");
        assert!(matches!(
            c("12345678A", "", false).check(),
            Err(CustomerError::Nif(_))
        ));
        assert_eq!(
            c("", "", true).check(),
            Err(CustomerError::ConsentWithoutEmail)
        );
        assert!(matches!(
            c("", "ana@", false).check(),
            Err(CustomerError::Email(_))
        ));
        let mut x = c("", "", false);
        x.name = "  ".into();
        assert_eq!(x.tidy().check(), Err(CustomerError::NameEmpty));
    }

    #[test]
    fn addresses() {
        assert!(is_email("ana@example.com"));
        assert!(!is_email("ana example@example.com"));
        assert!(!is_email("ana@example"));
        assert!(!is_email("a@b@example.com"));
        assert!(!is_email("<ana@example.com>"));
    }
}
