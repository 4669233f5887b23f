//! HQ's own certificate for a shop network where no public CA can sign one (a server at
//! `https://192.168.1.10:8443`): `serve --tls-self-signed DIR` makes it once, keeps it in `DIR`
//! (`cert.pem`, `key.pem`) and reuses it on every start, because tills pin its SHA-256 at
//! enrolment (the enrolment link and QR on the dashboard carry it). A new certificate means
//! enrolling the tills again, so it is never replaced silently: delete `DIR` to make another.

use anyhow::{Context, Result, anyhow};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The certificate files and the fingerprint tills pin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelfSigned {
    pub cert: PathBuf,
    pub key: PathBuf,
    /// SHA-256 of the certificate's DER, 64 upper-case hex digits.
    pub sha256: String,
    /// Whether this start made it (else it was read from `DIR`).
    pub created: bool,
}

/// The names a new certificate is made for when none are given: `localhost`, this machine's host
/// name, the loopback addresses, and the address the machine reaches other hosts from.
pub fn default_names() -> Vec<String> {
    let mut names = vec!["localhost".to_string(), "127.0.0.1".into(), "::1".into()];
    if let Ok(h) = std::fs::read_to_string("/etc/hostname") {
        let h = h.trim();
        if !h.is_empty() {
            names.push(h.to_string());
        }
    }
    // The LAN address: the local end of a UDP "connection" (nothing is sent).
    if let Ok(s) = std::net::UdpSocket::bind("0.0.0.0:0")
        && s.connect("192.0.2.1:9").is_ok()
        && let Ok(a) = s.local_addr()
        && !a.ip().is_unspecified()
    {
        names.push(a.ip().to_string());
    }
    names.dedup();
    names
}

/// SHA-256 of the first certificate in a PEM file.
pub fn fingerprint_of_pem(pem: &str) -> Result<String> {
    let der = rustls_pemfile_first_cert(pem)?;
    Ok(hex::encode_upper(Sha256::digest(&der)))
}

fn rustls_pemfile_first_cert(pem: &str) -> Result<Vec<u8>> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    let cert = CertificateDer::pem_slice_iter(pem.as_bytes())
        .next()
        .ok_or_else(|| anyhow!("no certificate in the PEM file"))?
        .map_err(|e| anyhow!("reading the certificate: {e}"))?;
    Ok(cert.to_vec())
}

/// The certificate in `dir`, made for `names` if `dir` holds none yet.
pub fn self_signed(dir: &Path, names: &[String]) -> Result<SelfSigned> {
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    let created = !cert.exists();
    if created {
        if key.exists() {
            return Err(anyhow!(
                "{} exists without {}: remove the directory to make a new certificate",
                key.display(),
                cert.display()
            ));
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let made = rcgen::generate_simple_self_signed(names.to_vec())
            .map_err(|e| anyhow!("making the certificate: {e}"))?;
        write_private(&key, &made.signing_key.serialize_pem())?;
        std::fs::write(&cert, made.cert.pem())
            .with_context(|| format!("writing {}", cert.display()))?;
    }
    let pem =
        std::fs::read_to_string(&cert).with_context(|| format!("reading {}", cert.display()))?;
    Ok(SelfSigned {
        sha256: fingerprint_of_pem(&pem)?,
        cert,
        key,
        created,
    })
}

/// Writes the key readable by its owner only.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts
        .open(path)
        .with_context(|| format!("writing {}", path.display()))?;
    f.write_all(text.as_bytes())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

/// The link a till enrols with: the server's address as the dashboard was reached, the one-time
/// code, and the certificate's fingerprint when HQ uses its own certificate.
pub fn enrolment_link(scheme: &str, host: &str, code: &str, sha256: Option<&str>) -> String {
    let mut link = format!("{scheme}://{host}/#code={code}");
    if let Some(fp) = sha256 {
        link.push_str("&sha256=");
        link.push_str(fp);
    }
    link
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn made_once_then_reused() {
        let dir = tempfile::tempdir().unwrap();
        let names = vec!["localhost".to_string(), "127.0.0.1".to_string()];
        let a = self_signed(&dir.path().join("tls"), &names).unwrap();
        assert!(a.created);
        assert_eq!(a.sha256.len(), 64);
        let b = self_signed(&dir.path().join("tls"), &names).unwrap();
        assert!(!b.created);
        assert_eq!(a.sha256, b.sha256, "the same certificate on every start");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&a.key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "{mode:o}");
        }
        assert_eq!(
            enrolment_link("https", "192.168.1.10:8443", "ABC", Some(&a.sha256)),
            format!("https://192.168.1.10:8443/#code=ABC&sha256={}", a.sha256)
        );
    }
}
