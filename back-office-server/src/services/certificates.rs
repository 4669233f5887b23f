//! Certificates HQ uses to send VERI*FACTU records to the AEAT over mutual TLS: a franchisee's
//! own, or HQ's as representative. Uploaded as PKCS#12, kept sealed at rest under the server's key.
//!
//! The key comes from `TRASTIENDA_SECRET_KEY` (64 hex characters: 32 bytes) or from the file
//! `TRASTIENDA_SECRET_KEY_FILE` names (the same hex, e.g. a mounted secret). What is sealed is the
//! private key and its chain (DER) only; the PKCS#12 password is used once and forgotten.

use crate::problem::Problem;
use crate::storage::verifactu::{HQ_CERTIFICATE_OWNER, StoredCertificate};
use crate::storage::{Storage, StorageError};
use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use chrono::{DateTime, Utc};
use rand::RngCore;
use serde::{Deserialize, Serialize};

/// Environment variable holding the server's secret key (64 hex characters).
pub const SECRET_KEY_ENV: &str = "TRASTIENDA_SECRET_KEY";
/// Environment variable naming a file that holds the key instead.
pub const SECRET_KEY_FILE_ENV: &str = "TRASTIENDA_SECRET_KEY_FILE";
/// Largest PKCS#12 file accepted (real ones are a few kilobytes).
pub const MAX_PKCS12_BYTES: usize = 64 * 1024;
/// A certificate expiring within this many days raises an alert.
pub const EXPIRY_WARNING_DAYS: i64 = 30;

/// The server's 32-byte key for sealing secrets at rest (AES-256-GCM).
#[derive(Clone)]
pub struct SecretKey([u8; 32]);

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey(…)")
    }
}

impl SecretKey {
    /// From 64 hex characters (surrounding white space ignored).
    pub fn from_hex(s: &str) -> Result<Self, Problem> {
        let bytes = hex::decode(s.trim()).map_err(|_| Problem::new("secret_key_invalid"))?;
        let key: [u8; 32] = bytes
            .try_into()
            .map_err(|_| Problem::new("secret_key_invalid"))?;
        Ok(SecretKey(key))
    }

    /// `TRASTIENDA_SECRET_KEY`, else the file `TRASTIENDA_SECRET_KEY_FILE` names.
    pub fn from_env() -> Result<Self, Problem> {
        if let Ok(v) = std::env::var(SECRET_KEY_ENV) {
            return Self::from_hex(&v);
        }
        if let Ok(path) = std::env::var(SECRET_KEY_FILE_ENV) {
            let v = std::fs::read_to_string(&path)
                .map_err(|e| Problem::new("secret_key_unreadable").with("detail", e))?;
            return Self::from_hex(&v);
        }
        Err(Problem::new("secret_key_missing"))
    }

    /// A fresh random key as hex (what `TRASTIENDA_SECRET_KEY` should hold).
    pub fn generate_hex() -> String {
        let mut k = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut k);
        hex::encode(k)
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new((&self.0).into())
    }

    /// Hex of a random 96-bit nonce followed by the ciphertext and its tag.
    pub fn seal(&self, plain: &[u8]) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        // Encryption with a valid key and nonce cannot fail for inputs of this size.
        let ct = self
            .cipher()
            .encrypt(Nonce::from_slice(&nonce), plain)
            .unwrap_or_default();
        let mut out = nonce.to_vec();
        out.extend(ct);
        hex::encode(out)
    }

    /// Opens what [`seal`](Self::seal) made; a wrong key or altered data is an error.
    pub fn open(&self, sealed: &str) -> Result<Vec<u8>, Problem> {
        let bytes = hex::decode(sealed).map_err(|_| Problem::new("certificate_unsealable"))?;
        if bytes.len() < 12 + 16 {
            return Err(Problem::new("certificate_unsealable"));
        }
        let (nonce, ct) = bytes.split_at(12);
        self.cipher()
            .decrypt(Nonce::from_slice(nonce), ct)
            .map_err(|_| Problem::new("certificate_unsealable"))
    }
}

/// A private key (PKCS#8 DER) and its certificate chain (DER, the holder's first): what mutual
/// TLS needs.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientIdentity {
    #[serde(with = "hex_vecs")]
    pub chain: Vec<Vec<u8>>,
    #[serde(with = "hex_bytes")]
    pub key: Vec<u8>,
}

impl std::fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ClientIdentity({} certificates, key …)",
            self.chain.len()
        )
    }
}

mod hex_bytes {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(v))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        hex::decode(String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

mod hex_vecs {
    use serde::{Deserialize, Deserializer, Serializer};
    pub fn serialize<S: Serializer>(v: &[Vec<u8>], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(v.iter().map(hex::encode))
    }
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<u8>>, D::Error> {
        Vec::<String>::deserialize(d)?
            .into_iter()
            .map(|h| hex::decode(h).map_err(serde::de::Error::custom))
            .collect()
    }
}

/// What a PKCS#12 file holds, read.
#[derive(Debug, Clone)]
pub struct ParsedCertificate {
    pub identity: ClientIdentity,
    pub subject: String,
    pub not_before: DateTime<Utc>,
    pub not_after: DateTime<Utc>,
}

/// Reads a PKCS#12 file: it must open with `password` and hold one private key with its
/// certificate (the holder's certificate first in the chain).
pub fn parse_pkcs12(data: &[u8], password: &str) -> Result<ParsedCertificate, Problem> {
    if data.is_empty() || data.len() > MAX_PKCS12_BYTES {
        return Err(Problem::new("certificate_size").with("max", MAX_PKCS12_BYTES));
    }
    let store = p12_keystore::KeyStore::from_pkcs12(
        data,
        password,
        p12_keystore::Pkcs12ImportPolicy::default(),
    )
    .map_err(|e| Problem::new("certificate_unreadable").with("detail", e))?;
    let (_, chain) = store
        .private_key_chain()
        .ok_or_else(|| Problem::new("certificate_no_key"))?;
    let leaf = chain
        .certs()
        .first()
        .ok_or_else(|| Problem::new("certificate_no_key"))?;
    let (_, x509) = x509_parser::parse_x509_certificate(leaf.as_der())
        .map_err(|e| Problem::new("certificate_unreadable").with("detail", e))?;
    let time = |t: x509_parser::time::ASN1Time| {
        DateTime::<Utc>::from_timestamp(t.timestamp(), 0).unwrap_or(DateTime::<Utc>::MIN_UTC)
    };
    Ok(ParsedCertificate {
        identity: ClientIdentity {
            chain: chain.certs().iter().map(|c| c.as_der().to_vec()).collect(),
            key: chain.key().as_der().to_vec(),
        },
        subject: leaf.subject().to_string(),
        not_before: time(x509.validity().not_before),
        not_after: time(x509.validity().not_after),
    })
}

/// Who a certificate belongs to, as the uploader names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Owner {
    Franchisee(sync_protocol::FranchiseeId),
    /// HQ's own: sends for every franchisee without a certificate, as their representative.
    Hq {
        name: String,
        nif: String,
    },
}

/// Who a certificate is for, from the API's or the dashboard's `owner`.
pub fn owner_of(
    owner: &str,
    hq_name: Option<String>,
    hq_nif: Option<String>,
) -> Result<Owner, Problem> {
    let owner = owner.trim();
    if owner.eq_ignore_ascii_case("hq") {
        return Ok(Owner::Hq {
            name: hq_name.unwrap_or_default(),
            nif: hq_nif.unwrap_or_default(),
        });
    }
    owner
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .map(|id| Owner::Franchisee(sync_protocol::FranchiseeId(id)))
        .ok_or_else(|| Problem::new("certificate_owner"))
}

/// Reads, checks and stores a certificate: it must open, not be expired, and belong to a known
/// franchisee (or be HQ's with HQ's name and NIF). Replaces the owner's previous one.
pub async fn upload(
    storage: &dyn Storage,
    key: &SecretKey,
    owner: Owner,
    pkcs12: &[u8],
    password: &str,
    now: DateTime<Utc>,
) -> Result<StoredCertificate, StorageError> {
    let parsed = parse_pkcs12(pkcs12, password).map_err(StorageError::Invalid)?;
    if parsed.not_after <= now {
        return Err(StorageError::Invalid(
            Problem::new("certificate_expired").with("date", parsed.not_after.format("%Y-%m-%d")),
        ));
    }
    let (owner_id, holder_name, holder_nif) = match owner {
        Owner::Franchisee(id) => {
            let f = storage.get_franchisee(id).await?;
            (id.0, f.legal_name, f.nif)
        }
        Owner::Hq { name, nif } => {
            let nif = crate::nif::normalise(&nif);
            crate::nif::validate(&nif).map_err(|_| {
                StorageError::Invalid(Problem::new("certificate_hq_nif").with("nif", &nif))
            })?;
            let name = name.trim().to_string();
            if name.is_empty() {
                return Err(StorageError::Invalid(Problem::new("certificate_hq_name")));
            }
            (HQ_CERTIFICATE_OWNER, name, nif)
        }
    };
    let plain = serde_json::to_vec(&parsed.identity)
        .map_err(|e| StorageError::Backend(format!("certificate to JSON: {e}")))?;
    let cert = StoredCertificate {
        owner_id,
        holder_name,
        holder_nif,
        subject: parsed.subject,
        not_after: parsed.not_after,
        sealed: key.seal(&plain),
        uploaded_at: now,
    };
    storage.verifactu().put_certificate(&cert).await?;
    Ok(cert)
}

/// The key and chain of a stored certificate.
pub fn identity(key: &SecretKey, c: &StoredCertificate) -> Result<ClientIdentity, Problem> {
    let plain = key.open(&c.sealed)?;
    serde_json::from_slice(&plain).map_err(|_| Problem::new("certificate_unsealable"))
}

/// Whether `c` expires within [`EXPIRY_WARNING_DAYS`] of `now` (or has expired).
pub fn expiring(c: &StoredCertificate, now: DateTime<Utc>) -> bool {
    c.not_after - now <= chrono::Duration::days(EXPIRY_WARNING_DAYS)
}
