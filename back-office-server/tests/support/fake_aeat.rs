//! A local stand-in for the AEAT's VerifactuSOAP service: HTTPS on 127.0.0.1 that requires a
//! client certificate from its own CA (rcgen), checks every envelope against the official XSD
//! (xmllint, when `TRASTIENDA_VERIFACTU_XSD_DIR` is set) and answers as a scenario says.
#![allow(dead_code)]

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use quick_xml::Reader;
use quick_xml::events::Event;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

pub const NS_RESPUESTA: &str = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/RespuestaSuministro.xsd";
pub const NS_INFO: &str = "https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/SuministroInformacion.xsd";

/// A CA, the fake AEAT's server certificate, and client certificates as PKCS#12.
pub struct Pki {
    pub ca_pem: String,
    pub ca_der: rustls::pki_types::CertificateDer<'static>,
    pub server_chain: Vec<rustls::pki_types::CertificateDer<'static>>,
    pub server_key_der: Vec<u8>,
    /// A taxpayer's certificate the CA issued, as PKCS#12 with [`P12_PASSWORD`].
    pub client_p12: Vec<u8>,
    /// One from a CA the fake AEAT does not trust.
    pub stranger_p12: Vec<u8>,
    /// The taxpayer certificate of `client_p12`, DER.
    pub client_der: Vec<u8>,
    /// HQ's own certificate (another holder, the same CA), as PKCS#12 with [`P12_PASSWORD`].
    pub hq_p12: Vec<u8>,
    pub hq_der: Vec<u8>,
}

pub const P12_PASSWORD: &str = "contraseña 1234";

fn p12(cert: &rcgen::Certificate, key: &rcgen::KeyPair, extra: &[&rcgen::Certificate]) -> Vec<u8> {
    let mut certs = vec![p12_keystore::Certificate::from_der(cert.der()).unwrap()];
    for c in extra {
        certs.push(p12_keystore::Certificate::from_der(c.der()).unwrap());
    }
    let chain = p12_keystore::PrivateKeyChain::new(
        b"key1".to_vec(),
        p12_keystore::PrivateKey::from_der(&key.serialize_der()).unwrap(),
        certs,
    );
    let mut store = p12_keystore::KeyStore::new();
    store.add_entry(
        "client",
        p12_keystore::KeyStoreEntry::PrivateKeyChain(chain),
    );
    store
        .writer(P12_PASSWORD)
        .encryption_iterations(1000)
        .mac_iterations(1000)
        .write()
        .unwrap()
}

fn issuer(name: &str) -> (rcgen::Certificate, rcgen::Issuer<'static, rcgen::KeyPair>) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, name);
    let cert = params.self_signed(&key).unwrap();
    (cert, rcgen::Issuer::new(params, key))
}

fn client_cert(
    issuer: &rcgen::Issuer<'_, rcgen::KeyPair>,
    cn: &str,
    days: i64,
) -> (rcgen::Certificate, rcgen::KeyPair) {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, cn);
    let now = time::OffsetDateTime::now_utc();
    params.not_before = now - time::Duration::days(1);
    params.not_after = now + time::Duration::days(days);
    params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
    (params.signed_by(&key, issuer).unwrap(), key)
}

impl Pki {
    pub fn new() -> Self {
        Self::with_client_days(365)
    }

    /// Client certificates valid for `days` more days.
    pub fn with_client_days(days: i64) -> Self {
        let (ca, ca_issuer) = issuer("Fake AEAT test CA");
        let server_key = rcgen::KeyPair::generate().unwrap();
        let server = rcgen::CertificateParams::new(vec!["localhost".into(), "127.0.0.1".into()])
            .unwrap()
            .signed_by(&server_key, &ca_issuer)
            .unwrap();
        let (client, client_key) =
            client_cert(&ca_issuer, "ULTRAMARINOS CENTRO SL - B12345674", days);
        let (hq, hq_key) = client_cert(&ca_issuer, "FRANQUICIAS CENTRALES SA - A58818501", days);
        let (_, other_issuer) = issuer("Some other CA");
        let (stranger, stranger_key) = client_cert(&other_issuer, "STRANGER", days);
        Pki {
            ca_pem: ca.pem(),
            ca_der: ca.der().clone(),
            server_chain: vec![server.der().clone()],
            server_key_der: server_key.serialize_der(),
            client_p12: p12(&client, &client_key, &[&ca]),
            stranger_p12: p12(&stranger, &stranger_key, &[]),
            client_der: client.der().to_vec(),
            hq_p12: p12(&hq, &hq_key, &[&ca]),
            hq_der: hq.der().to_vec(),
        }
    }
}

/// How the fake AEAT answers the next requests.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scenario {
    /// Every record `Correcto`.
    Accept,
    /// Every record `AceptadoConErrores` with this code and text.
    AcceptWithErrors(u32, String),
    /// Every record `Incorrecto` with this code and text.
    Reject(u32, String),
    /// The record with this number `Incorrecto`, the others `Correcto`.
    RejectNumber(String, u32, String),
    /// Every record `Correcto`, and `TiempoEsperaEnvio` raised to this many seconds.
    Wait(u32),
    /// The connection is dropped before any answer.
    Drop,
    /// HTTP 503 with an HTML page (a load balancer in trouble).
    Unavailable,
}

/// One request as the fake AEAT saw it.
#[derive(Debug, Clone)]
pub struct Received {
    /// The request body exactly as it arrived.
    pub body: Vec<u8>,
    /// The `RegFactuSistemaFacturacion`, out of its SOAP envelope.
    pub xml: String,
    /// xmllint's verdict (`None`: no XSD to check against).
    pub valid: Option<Result<(), String>>,
    /// (NIF, number, date) of each record, in order.
    pub records: Vec<(String, String, String)>,
    pub incidencia: bool,
    pub subsanaciones: usize,
    pub scenario: Scenario,
}

#[derive(Clone)]
pub struct FakeAeat {
    pub url: String,
    pub scenario: Arc<Mutex<Scenario>>,
    pub received: Arc<Mutex<Vec<Received>>>,
    pub xsd_dir: Option<PathBuf>,
    /// The client certificate (DER) of every TLS handshake the fake accepted, in order.
    pub handshakes: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl FakeAeat {
    pub fn set(&self, s: Scenario) {
        *self.scenario.lock().unwrap() = s;
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    pub fn handshakes(&self) -> Vec<Vec<u8>> {
        self.handshakes.lock().unwrap().clone()
    }
}

/// The CA's client verifier, noting each client certificate it accepts.
#[derive(Debug)]
struct Recording {
    inner: Arc<dyn rustls::server::danger::ClientCertVerifier>,
    seen: Arc<Mutex<Vec<Vec<u8>>>>,
}

impl rustls::server::danger::ClientCertVerifier for Recording {
    fn offer_client_auth(&self) -> bool {
        self.inner.offer_client_auth()
    }
    fn client_auth_mandatory(&self) -> bool {
        self.inner.client_auth_mandatory()
    }
    fn root_hint_subjects(&self) -> &[rustls::DistinguishedName] {
        self.inner.root_hint_subjects()
    }
    fn verify_client_cert(
        &self,
        end_entity: &rustls::pki_types::CertificateDer<'_>,
        intermediates: &[rustls::pki_types::CertificateDer<'_>],
        now: rustls::pki_types::UnixTime,
    ) -> Result<rustls::server::danger::ClientCertVerified, rustls::Error> {
        let ok = self
            .inner
            .verify_client_cert(end_entity, intermediates, now)?;
        self.seen.lock().unwrap().push(end_entity.to_vec());
        Ok(ok)
    }
    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }
    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &rustls::pki_types::CertificateDer<'_>,
        dss: &rustls::DigitallySignedStruct,
    ) -> Result<rustls::client::danger::HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }
    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

/// `TRASTIENDA_VERIFACTU_XSD_DIR`, or `None` after printing "skipped".
pub fn xsd_dir(what: &str) -> Option<PathBuf> {
    match std::env::var_os("TRASTIENDA_VERIFACTU_XSD_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(
                d.join("SuministroLR.xsd").exists(),
                "{} has no SuministroLR.xsd",
                d.display()
            );
            Some(d)
        }
        None => {
            println!(
                "skipped: {what}: set TRASTIENDA_VERIFACTU_XSD_DIR to verifactu-sdk's schemas directory"
            );
            None
        }
    }
}

/// xmllint's verdict on `xml` against `xsd`.
pub fn xmllint(xml: &str, xsd: &Path) -> Result<(), String> {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), xml).unwrap();
    let out = std::process::Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(xsd)
        .arg(file.path())
        .output()
        .expect("xmllint must be installed to check the XSDs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

/// The records of an envelope: (NIF, number, date) from each `IDFactura`, the `Incidencia` mark
/// and how many go as subsanación.
pub fn read_envelope(xml: &str) -> (Vec<(String, String, String)>, bool, usize) {
    let mut r = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut out = Vec::new();
    let mut cur = (String::new(), String::new(), String::new());
    let (mut incidencia, mut subs) = (false, 0);
    let mut text = String::new();
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => {
                path.push(String::from_utf8_lossy(e.local_name().as_ref()).into_owned());
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.decode().unwrap()),
            Event::End(_) => {
                let leaf = path.pop().unwrap();
                let parent = path.last().cloned().unwrap_or_default();
                let in_record = path
                    .iter()
                    .any(|p| p == "RegistroAlta" || p == "RegistroAnulacion");
                match (parent.as_str(), leaf.as_str()) {
                    ("IDFactura", "IDEmisorFactura" | "IDEmisorFacturaAnulada") if in_record => {
                        cur.0 = text.clone()
                    }
                    ("IDFactura", "NumSerieFactura" | "NumSerieFacturaAnulada") if in_record => {
                        cur.1 = text.clone()
                    }
                    ("IDFactura", "FechaExpedicionFactura" | "FechaExpedicionFacturaAnulada")
                        if in_record =>
                    {
                        cur.2 = text.clone();
                        out.push(std::mem::take(&mut cur));
                    }
                    ("RemisionVoluntaria", "Incidencia") => incidencia = text == "S",
                    (_, "Subsanacion") if text == "S" => subs += 1,
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (out, incidencia, subs)
}

fn answer_xml(records: &[(String, String, String)], nif: &str, scenario: &Scenario) -> String {
    let wait = match scenario {
        Scenario::Wait(w) => *w,
        _ => 60,
    };
    let mut lines = String::new();
    let (mut ok, mut bad) = (0, 0);
    for (n, num, date) in records {
        let (estado, err) = match scenario {
            Scenario::AcceptWithErrors(c, t) => ("AceptadoConErrores", Some((c, t))),
            Scenario::Reject(c, t) => ("Incorrecto", Some((c, t))),
            Scenario::RejectNumber(x, c, t) if x == num => ("Incorrecto", Some((c, t))),
            _ => ("Correcto", None),
        };
        if estado == "Incorrecto" {
            bad += 1
        } else {
            ok += 1
        }
        let err = err
            .map(|(c, t)| {
                format!(
                    "<tikR:CodigoErrorRegistro>{c}</tikR:CodigoErrorRegistro><tikR:DescripcionErrorRegistro>{}</tikR:DescripcionErrorRegistro>",
                    quick_xml::escape::escape(t.as_str())
                )
            })
            .unwrap_or_default();
        lines.push_str(&format!(
            "<tikR:RespuestaLinea><tikR:IDFactura><tik:IDEmisorFactura>{n}</tik:IDEmisorFactura><tik:NumSerieFactura>{}</tik:NumSerieFactura><tik:FechaExpedicionFactura>{date}</tik:FechaExpedicionFactura></tikR:IDFactura><tikR:Operacion><tik:TipoOperacion>Alta</tik:TipoOperacion></tikR:Operacion><tikR:EstadoRegistro>{estado}</tikR:EstadoRegistro>{err}</tikR:RespuestaLinea>",
            quick_xml::escape::escape(num.as_str())
        ));
    }
    let estado_envio = match (ok, bad) {
        (_, 0) => "Correcto",
        (0, _) => "Incorrecto",
        _ => "ParcialmenteCorrecto",
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header/><env:Body>{}</env:Body></env:Envelope>"#,
        respuesta(nif, wait, estado_envio, &lines)
    )
}

/// The `RespuestaRegFactuSistemaFacturacion` alone (what `RespuestaSuministro.xsd` describes).
pub fn respuesta(nif: &str, wait: u32, estado_envio: &str, lines: &str) -> String {
    format!(
        r#"<tikR:RespuestaRegFactuSistemaFacturacion xmlns:tikR="{NS_RESPUESTA}" xmlns:tik="{NS_INFO}"><tikR:CSV>A-FAKE{wait}{}</tikR:CSV><tikR:Cabecera><tik:ObligadoEmision><tik:NombreRazon>OBLIGADO</tik:NombreRazon><tik:NIF>{nif}</tik:NIF></tik:ObligadoEmision></tikR:Cabecera><tikR:TiempoEsperaEnvio>{wait}</tikR:TiempoEsperaEnvio><tikR:EstadoEnvio>{estado_envio}</tikR:EstadoEnvio>{lines}</tikR:RespuestaRegFactuSistemaFacturacion>"#,
        lines.len()
    )
}

async fn handle(State(f): State<FakeAeat>, body: Bytes) -> Response {
    let soap = String::from_utf8_lossy(&body).into_owned();
    let scenario = f.scenario.lock().unwrap().clone();
    if scenario == Scenario::Drop {
        // Abandons the connection: the client sees it close with no answer.
        std::panic::resume_unwind(Box::new("fake AEAT drops the connection"));
    }
    let start = soap.find("<sum:RegFactuSistemaFacturacion").unwrap_or(0);
    let end = soap.find("</soapenv:Body>").unwrap_or(soap.len());
    let xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{}",
        soap[start..end].trim()
    );
    let valid = f
        .xsd_dir
        .as_ref()
        .map(|d| xmllint(&xml, &d.join("SuministroLR.xsd")));
    let (records, incidencia, subsanaciones) = read_envelope(&xml);
    f.received.lock().unwrap().push(Received {
        body: body.to_vec(),
        xml: xml.clone(),
        valid: valid.clone(),
        records: records.clone(),
        incidencia,
        subsanaciones,
        scenario: scenario.clone(),
    });
    if let Some(Err(e)) = valid {
        let fault = format!(
            r#"<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault><faultcode>env:Client</faultcode><faultstring>Codigo[4102].El XML no cumple el esquema. {}</faultstring></env:Fault></env:Body></env:Envelope>"#,
            quick_xml::escape::escape(e.as_str())
        );
        return (StatusCode::INTERNAL_SERVER_ERROR, fault).into_response();
    }
    if scenario == Scenario::Unavailable {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            "<html><body>Service Unavailable</body></html>",
        )
            .into_response();
    }
    let nif = records.first().map(|r| r.0.clone()).unwrap_or_default();
    (
        StatusCode::OK,
        [("content-type", "text/xml; charset=utf-8")],
        answer_xml(&records, &nif, &scenario),
    )
        .into_response()
}

/// Starts the fake AEAT on 127.0.0.1 with a random port.
pub async fn start(pki: &Pki) -> FakeAeat {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots.add(pki.ca_der.clone()).unwrap();
    let handshakes = Arc::new(Mutex::new(Vec::new()));
    let verifier = Arc::new(Recording {
        inner: rustls::server::WebPkiClientVerifier::builder(Arc::new(roots))
            .build()
            .unwrap(),
        seen: handshakes.clone(),
    });
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(pki.server_key_der.clone().into());
    let config = rustls::ServerConfig::builder()
        .with_client_cert_verifier(verifier)
        .with_single_cert(pki.server_chain.clone(), key)
        .unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let addr = listener.local_addr().unwrap();
    let fake = FakeAeat {
        url: format!(
            "https://localhost:{}/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
            addr.port()
        ),
        scenario: Arc::new(Mutex::new(Scenario::Accept)),
        received: Arc::new(Mutex::new(Vec::new())),
        xsd_dir: std::env::var_os("TRASTIENDA_VERIFACTU_XSD_DIR").map(PathBuf::from),
        handshakes,
    };
    let app = Router::new()
        .route(
            "/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP",
            axum::routing::post(handle),
        )
        // A full envelope of 1,000 records is some 2.5 MB, over axum's default limit.
        .layer(axum::extract::DefaultBodyLimit::max(64 * 1024 * 1024))
        .with_state(fake.clone());
    let tls = axum_server::tls_rustls::RustlsConfig::from_config(Arc::new(config));
    tokio::spawn(async move {
        axum_server::tls_rustls::from_tcp_rustls(listener, tls)
            .unwrap()
            .serve(app.into_make_service())
            .await
            .unwrap();
    });
    fake
}
