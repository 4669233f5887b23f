//! Reaching an HQ server on a shop's network that has no certificate a public CA signed: HQ makes
//! its own (`back-office-server serve --tls-self-signed`) and the enrolment link the dashboard shows
//! (text and QR) carries that certificate's SHA-256. The till keeps the fingerprint in its ledger
//! and from then on talks to HQ only if HQ presents exactly that certificate (the TLS handshake is
//! still verified: HQ proves it holds the certificate's key). Any other certificate is refused,
//! whoever signed it.
//!
//! An enrolment link: `https://192.168.1.10:8443/#code=7K4WR6SJ5N&sha256=9F86D0…` (64 hex digits).

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use sha2::{Digest, Sha256};
use std::fmt;
use std::sync::Arc;

/// The SHA-256 of HQ's certificate (its DER encoding), as the till pins it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct CertificatePin([u8; 32]);

impl CertificatePin {
    /// The fingerprint of a DER-encoded certificate.
    pub fn of_der(der: &[u8]) -> Self {
        Self(Sha256::digest(der).into())
    }

    /// 64 hex digits, upper or lower case; `:` separators (as browsers show them) are allowed.
    pub fn parse(text: &str) -> Option<Self> {
        let clean: String = text
            .trim()
            .chars()
            .filter(|c| *c != ':' && !c.is_whitespace())
            .collect();
        let bytes = hex::decode(clean).ok()?;
        Some(Self(bytes.try_into().ok()?))
    }

    /// Upper-case hex, as the server prints it.
    pub fn hex(&self) -> String {
        hex::encode_upper(self.0)
    }
}

impl fmt::Debug for CertificatePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CertificatePin({})", self.hex())
    }
}

impl fmt::Display for CertificatePin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.hex())
    }
}

/// What an enrolment link (or a plain server address) says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrolmentLink {
    /// The server's address without the fragment.
    pub server_url: String,
    pub code: Option<String>,
    pub pin: Option<CertificatePin>,
}

/// Reads a server address, or an enrolment link with `#code=…&sha256=…`.
pub fn parse_link(text: &str) -> Result<EnrolmentLink, String> {
    let text = text.trim();
    let (url, fragment) = match text.split_once('#') {
        Some((u, f)) => (u, f),
        None => (text, ""),
    };
    let mut link = EnrolmentLink {
        server_url: url.trim_end_matches('/').to_string(),
        code: None,
        pin: None,
    };
    for pair in fragment.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        match k {
            "code" => link.code = Some(v.trim().to_string()).filter(|c| !c.is_empty()),
            "sha256" => {
                link.pin = Some(CertificatePin::parse(v).ok_or_else(|| {
                    format!("the link's certificate fingerprint '{v}' is not 64 hex digits")
                })?)
            }
            _ => {}
        }
    }
    Ok(link)
}

/// Accepts exactly the pinned certificate; handshake signatures are checked as usual.
#[derive(Debug)]
struct PinnedVerifier {
    pin: CertificatePin,
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for PinnedVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        if CertificatePin::of_der(end_entity.as_ref()) == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::InvalidCertificate(
                rustls::CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.provider.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider
            .signature_verification_algorithms
            .supported_schemes()
    }
}

/// A TLS client configuration that trusts only the pinned certificate.
pub(crate) fn pinned_config(pin: CertificatePin) -> Result<rustls::ClientConfig, rustls::Error> {
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    Ok(
        rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(PinnedVerifier { pin, provider }))
            .with_no_client_auth(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_carry_code_and_fingerprint() {
        let hex = "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08";
        let l = parse_link(&format!(
            " https://192.168.1.10:8443/#code=7K4WR6SJ5N&sha256={hex} "
        ))
        .unwrap();
        assert_eq!(l.server_url, "https://192.168.1.10:8443");
        assert_eq!(l.code.as_deref(), Some("7K4WR6SJ5N"));
        assert_eq!(l.pin.unwrap().hex(), hex);
        // Browser-style fingerprints with colons, lower case.
        let colons: Vec<String> = hex
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).to_lowercase())
            .collect();
        assert_eq!(CertificatePin::parse(&colons.join(":")).unwrap().hex(), hex);
        // A plain address is a link without code or pin.
        let plain = parse_link("https://hq.example.es").unwrap();
        assert_eq!((plain.code, plain.pin), (None, None));
        assert!(parse_link("https://x/#sha256=ABC").is_err());
        assert_eq!(
            CertificatePin::of_der(b"abc").hex(),
            "BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"
        );
    }
}
