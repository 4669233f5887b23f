//! The AEAT's VERI*FACTU web service as HQ reaches it: SOAP over HTTPS with the taxpayer's (or
//! HQ's) certificate as the TLS client identity, and the `RespuestaSuministro` it answers with.

use super::certificates::ClientIdentity;
use quick_xml::Reader;
use quick_xml::events::Event;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use std::sync::Arc;
use std::time::Duration;

/// The AEAT's test environment (`prewww1`, personal and entity certificates).
pub const ENDPOINT_TEST: &str =
    "https://prewww1.aeat.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP";
/// Production (`www1`, personal and entity certificates; `www10` is for seal certificates).
pub const ENDPOINT_PRODUCTION: &str =
    "https://www1.agenciatributaria.gob.es/wlpl/TIKE-CONT/ws/SistemaFacturacion/VerifactuSOAP";
/// Environment variable with the endpoint the sender posts to (default: [`ENDPOINT_TEST`]).
pub const ENDPOINT_ENV: &str = "TRASTIENDA_AEAT_ENDPOINT";
/// Environment variable naming a PEM file of extra CA certificates to trust for the endpoint.
pub const CA_ENV: &str = "TRASTIENDA_AEAT_CA";

/// Where and how the sender reaches the AEAT.
#[derive(Debug, Clone)]
pub struct AeatConfig {
    pub endpoint: String,
    /// Trusted besides the system's roots (a test AEAT's own CA).
    pub extra_roots: Vec<CertificateDer<'static>>,
    pub timeout: Duration,
}

impl AeatConfig {
    pub fn new(endpoint: &str) -> Self {
        AeatConfig {
            endpoint: endpoint.to_string(),
            extra_roots: Vec::new(),
            timeout: Duration::from_secs(120),
        }
    }

    /// `TRASTIENDA_AEAT_ENDPOINT` (default: the AEAT's test environment, so nothing reaches
    /// production by accident) and `TRASTIENDA_AEAT_CA`.
    pub fn from_env() -> Result<Self, String> {
        let endpoint = std::env::var(ENDPOINT_ENV).unwrap_or_else(|_| ENDPOINT_TEST.to_string());
        let mut c = AeatConfig::new(&endpoint);
        if let Ok(path) = std::env::var(CA_ENV) {
            c.extra_roots = read_pem_certs(std::path::Path::new(&path))?;
        }
        Ok(c)
    }
}

/// The certificates of a PEM file.
pub fn read_pem_certs(path: &std::path::Path) -> Result<Vec<CertificateDer<'static>>, String> {
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_file_iter(path)
        .and_then(|i| i.collect::<Result<Vec<_>, _>>())
        .map_err(|e| format!("reading CA certificates from {}: {e}", path.display()))
}

/// An HTTPS client presenting `identity` to the AEAT.
pub fn client(cfg: &AeatConfig, identity: &ClientIdentity) -> Result<reqwest::Client, String> {
    let mut roots = rustls::RootCertStore::empty();
    for c in rustls_native_certs::load_native_certs().certs {
        let _ = roots.add(c);
    }
    for c in &cfg.extra_roots {
        roots
            .add(c.clone())
            .map_err(|e| format!("extra CA certificate: {e}"))?;
    }
    let chain: Vec<CertificateDer<'static>> = identity
        .chain
        .iter()
        .map(|c| CertificateDer::from(c.clone()))
        .collect();
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(identity.key.clone()));
    let provider = Arc::new(rustls::crypto::aws_lc_rs::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| e.to_string())?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)
        .map_err(|e| format!("the certificate's key does not fit it: {e}"))?;
    reqwest::Client::builder()
        .tls_backend_preconfigured(tls)
        .timeout(cfg.timeout)
        .connect_timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())
}

/// What came back from one POST.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// An HTTP answer (any status) with its body.
    Answered { status: u16, body: String },
    /// No answer: the connection failed, dropped or timed out.
    NoAnswer(String),
}

/// Posts a SOAP request.
pub async fn post(client: &reqwest::Client, endpoint: &str, soap: String) -> Delivery {
    let sent = client
        .post(endpoint)
        .header("Content-Type", "text/xml; charset=utf-8")
        .header("SOAPAction", "\"\"")
        .body(soap)
        .send()
        .await;
    match sent {
        Ok(r) => {
            let status = r.status().as_u16();
            match r.text().await {
                Ok(body) => Delivery::Answered { status, body },
                Err(e) => Delivery::NoAnswer(format!("reading the answer: {e}")),
            }
        }
        Err(e) => Delivery::NoAnswer(error_chain(&e)),
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(": ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    s
}

/// `EstadoRegistro` of one record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EstadoRegistro {
    Correcto,
    AceptadoConErrores,
    Incorrecto,
}

/// One `RespuestaLinea`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RespuestaLinea {
    pub nif: String,
    pub num_serie: String,
    /// `dd-mm-yyyy`, as the AEAT writes it.
    pub fecha: String,
    pub estado: EstadoRegistro,
    pub codigo: Option<String>,
    pub descripcion: Option<String>,
}

/// `RespuestaRegFactuSistemaFacturacion`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Respuesta {
    pub csv: Option<String>,
    pub tiempo_espera_envio: Option<u64>,
    /// Correcto, ParcialmenteCorrecto, Incorrecto.
    pub estado_envio: String,
    pub lineas: Vec<RespuestaLinea>,
}

/// What a SOAP answer body says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Answer {
    Respuesta(Respuesta),
    /// A SOAP fault: the AEAT refused the whole request (schema, certificate, server trouble).
    Fault {
        code: String,
        text: String,
    },
}

/// Reads a SOAP answer. Elements are matched by local name (the AEAT's prefixes vary).
pub fn parse_answer(xml: &str) -> Result<Answer, String> {
    let mut r = Reader::from_str(xml);
    let mut path: Vec<String> = Vec::new();
    let mut fault: Option<(String, String)> = None;
    let mut resp: Option<Respuesta> = None;
    let mut linea: Option<RespuestaLinea> = None;
    let mut estado_linea: Option<String> = None;
    // Text of the element being read: quick-xml hands entity references (`&lt;`) over apart.
    let mut text = String::new();
    loop {
        match r
            .read_event()
            .map_err(|e| format!("the answer is not XML: {e}"))?
        {
            Event::Start(e) => {
                let name = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                match name.as_str() {
                    "Fault" => fault = Some((String::new(), String::new())),
                    "RespuestaRegFactuSistemaFacturacion" => {
                        resp = Some(Respuesta {
                            csv: None,
                            tiempo_espera_envio: None,
                            estado_envio: String::new(),
                            lineas: Vec::new(),
                        })
                    }
                    "RespuestaLinea" => {
                        linea = Some(RespuestaLinea {
                            nif: String::new(),
                            num_serie: String::new(),
                            fecha: String::new(),
                            estado: EstadoRegistro::Incorrecto,
                            codigo: None,
                            descripcion: None,
                        });
                        estado_linea = None;
                    }
                    _ => {}
                }
                path.push(name);
                text.clear();
            }
            Event::Text(t) => text.push_str(
                &t.decode()
                    .map_err(|e| format!("the answer is not UTF-8: {e}"))?,
            ),
            Event::CData(t) => text.push_str(&String::from_utf8_lossy(&t)),
            Event::GeneralRef(g) => {
                if let Ok(Some(c)) = g.resolve_char_ref() {
                    text.push(c);
                } else {
                    let name = String::from_utf8_lossy(&g).into_owned();
                    let c = quick_xml::escape::resolve_predefined_entity(&name)
                        .ok_or_else(|| format!("unknown entity &{name}; in the answer"))?;
                    text.push_str(c);
                }
            }
            Event::End(_) => {
                let leaf = path.pop().unwrap_or_default();
                let parent = path.last().map(String::as_str).unwrap_or("");
                let value = std::mem::take(&mut text).trim().to_string();
                if let Some((code, msg)) = fault.as_mut() {
                    match leaf.as_str() {
                        "faultcode" => *code = value,
                        "faultstring" => *msg = value,
                        _ => {}
                    }
                    continue;
                }
                if leaf == "RespuestaLinea" {
                    if let (Some(mut l), Some(rs)) = (linea.take(), resp.as_mut()) {
                        l.estado = match estado_linea.as_deref() {
                            Some("Correcto") => EstadoRegistro::Correcto,
                            Some("AceptadoConErrores") => EstadoRegistro::AceptadoConErrores,
                            Some("Incorrecto") => EstadoRegistro::Incorrecto,
                            other => {
                                return Err(format!(
                                    "record {} has no known EstadoRegistro ({other:?})",
                                    l.num_serie
                                ));
                            }
                        };
                        rs.lineas.push(l);
                    }
                } else if let Some(l) = linea.as_mut() {
                    match (parent, leaf.as_str()) {
                        ("IDFactura", "IDEmisorFactura") => l.nif = value,
                        ("IDFactura", "NumSerieFactura") => l.num_serie = value,
                        ("IDFactura", "FechaExpedicionFactura") => l.fecha = value,
                        ("RespuestaLinea", "EstadoRegistro") => estado_linea = Some(value),
                        ("RespuestaLinea", "CodigoErrorRegistro") => l.codigo = Some(value),
                        ("RespuestaLinea", "DescripcionErrorRegistro") => {
                            l.descripcion = Some(value)
                        }
                        _ => {}
                    }
                } else if let Some(rs) = resp.as_mut()
                    && parent == "RespuestaRegFactuSistemaFacturacion"
                {
                    match leaf.as_str() {
                        "CSV" => rs.csv = Some(value),
                        "TiempoEsperaEnvio" => {
                            rs.tiempo_espera_envio = Some(value.parse().map_err(|_| {
                                format!("TiempoEsperaEnvio {value:?} is not a number of seconds")
                            })?)
                        }
                        "EstadoEnvio" => rs.estado_envio = value,
                        _ => {}
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if let Some((code, text)) = fault {
        return Ok(Answer::Fault { code, text });
    }
    match resp {
        Some(r) if !r.estado_envio.is_empty() => Ok(Answer::Respuesta(r)),
        Some(_) => Err("the answer has no EstadoEnvio".into()),
        None => Err(
            "the answer is neither a RespuestaRegFactuSistemaFacturacion nor a SOAP fault".into(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_partly_correct_answer_and_a_fault() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Header/><env:Body>
<tikR:RespuestaRegFactuSistemaFacturacion xmlns:tikR="https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/RespuestaSuministro.xsd" xmlns:tik="https://www2.agenciatributaria.gob.es/static_files/common/internet/dep/aplicaciones/es/aeat/tike/cont/ws/SuministroInformacion.xsd">
<tikR:CSV>A-YDSW8NLFLANWPM</tikR:CSV>
<tikR:Cabecera><tik:ObligadoEmision><tik:NombreRazon>X</tik:NombreRazon><tik:NIF>B12345674</tik:NIF></tik:ObligadoEmision></tikR:Cabecera>
<tikR:TiempoEsperaEnvio>120</tikR:TiempoEsperaEnvio>
<tikR:EstadoEnvio>ParcialmenteCorrecto</tikR:EstadoEnvio>
<tikR:RespuestaLinea><tikR:IDFactura><tik:IDEmisorFactura>B12345674</tik:IDEmisorFactura><tik:NumSerieFactura>T1</tik:NumSerieFactura><tik:FechaExpedicionFactura>01-12-2026</tik:FechaExpedicionFactura></tikR:IDFactura>
<tikR:Operacion><tik:TipoOperacion>Alta</tik:TipoOperacion></tikR:Operacion><tikR:EstadoRegistro>Correcto</tikR:EstadoRegistro></tikR:RespuestaLinea>
<tikR:RespuestaLinea><tikR:IDFactura><tik:IDEmisorFactura>B12345674</tik:IDEmisorFactura><tik:NumSerieFactura>T2</tik:NumSerieFactura><tik:FechaExpedicionFactura>01-12-2026</tik:FechaExpedicionFactura></tikR:IDFactura>
<tikR:Operacion><tik:TipoOperacion>Alta</tik:TipoOperacion></tikR:Operacion><tikR:EstadoRegistro>Incorrecto</tikR:EstadoRegistro>
<tikR:CodigoErrorRegistro>1239</tikR:CodigoErrorRegistro><tikR:DescripcionErrorRegistro>Error en el bloque &lt;NombreRazon&gt;</tikR:DescripcionErrorRegistro></tikR:RespuestaLinea>
</tikR:RespuestaRegFactuSistemaFacturacion></env:Body></env:Envelope>"#;
        let Answer::Respuesta(r) = parse_answer(xml).unwrap() else {
            panic!("a respuesta")
        };
        assert_eq!(r.csv.as_deref(), Some("A-YDSW8NLFLANWPM"));
        assert_eq!(r.tiempo_espera_envio, Some(120));
        assert_eq!(r.estado_envio, "ParcialmenteCorrecto");
        assert_eq!(r.lineas.len(), 2);
        assert_eq!(r.lineas[0].estado, EstadoRegistro::Correcto);
        assert_eq!(r.lineas[1].num_serie, "T2");
        assert_eq!(r.lineas[1].fecha, "01-12-2026");
        assert_eq!(r.lineas[1].codigo.as_deref(), Some("1239"));
        assert_eq!(
            r.lineas[1].descripcion.as_deref(),
            Some("Error en el bloque <NombreRazon>")
        );
        let fault = r#"<env:Envelope xmlns:env="http://schemas.xmlsoap.org/soap/envelope/"><env:Body><env:Fault><faultcode>env:Client</faultcode><faultstring>Codigo[4102].El XML no cumple el esquema.</faultstring></env:Fault></env:Body></env:Envelope>"#;
        assert_eq!(
            parse_answer(fault).unwrap(),
            Answer::Fault {
                code: "env:Client".into(),
                text: "Codigo[4102].El XML no cumple el esquema.".into()
            }
        );
        assert!(parse_answer("<html>Service Unavailable</html>").is_err());
        assert!(parse_answer("not xml <").is_err());
    }
}
