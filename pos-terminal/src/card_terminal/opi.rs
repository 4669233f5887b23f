//! OPI — the Open Payment Initiative of IFSF (POS–EPS interface, version 1.3 message shapes):
//! XML messages over TCP, each framed by a 4-byte big-endian length.
//!
//! **Why OPI.** It is an open, published standard (IFSF, after the NRF-ARTS IXRetail schemas)
//! spoken by the terminals European retail actually has at the counter — CCV, Worldline,
//! Diebold Nixdorf, Verifone and Ingenico integrations, Wincor's EPS — on the shop's LAN with no
//! cloud account, no per-vendor SDK and no TLS/key set-up at the till. Adyen's Terminal API
//! (nexo JSON) was the other candidate; its local mode needs Adyen-specific key derivation and
//! encryption, and it ties the store to one acquirer. OPI's `RepeatLastMessage` is also exactly
//! the "what became of my last request?" a till needs after a crash.
//!
//! The subset a till needs, on channel 0 (POS → EPS):
//! * `CardServiceRequest RequestType="CardPayment"` with `TotalAmount Currency="EUR"` and the
//!   till's `RequestID`; the `CardServiceResponse`'s `OverallResult` says `Success` (with
//!   `Tender/Authorisation@ApprovalCode` and `Terminal@STAN`), `Failure` (declined, with the
//!   `ActionCode`), `Aborted` (cancelled at the terminal or by an abort) or `TimedOut`;
//! * `ServiceRequest RequestType="AbortRequest"`, on a second connection while a payment waits;
//! * `CardServiceRequest RequestType="RepeatLastMessage"`: the EPS repeats its last
//!   `CardServiceResponse`; if that response is not for the request asked about, the terminal has
//!   no outcome for it (it never processed it).
//!
//! Channel 1 (EPS → POS device requests: show this on the till's display, print that) is not
//! used: the terminal prints its own slip and the till prints the reference on its receipt.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::str::FromStr;
use std::time::Duration;

use quick_xml::escape::escape;
use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use sync_protocol::Money;
use uuid::Uuid;

use super::{Lookup, Outcome, PaymentRequest, PaymentTerminal, TerminalError};

/// The IXRetail namespace OPI messages live in.
pub const NAMESPACE: &str = "http://www.nrf-arts.org/IXRetail/namespace";
/// OPI's usual channel-0 port.
pub const DEFAULT_PORT: u16 = 20002;
/// The largest message accepted (a response is a few kilobytes).
pub const MAX_FRAME: usize = 1 << 20;
/// How long the customer has at the terminal (card, PIN, bank) before the till gives up waiting.
pub const DEFAULT_ANSWER_TIMEOUT: Duration = Duration::from_secs(180);

/// Writes one OPI frame: the length of `xml` in 4 bytes, big-endian, then `xml`.
pub fn write_frame(w: &mut impl Write, xml: &str) -> io::Result<()> {
    let len = u32::try_from(xml.len())
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "message too long"))?;
    let mut buf = Vec::with_capacity(4 + xml.len());
    buf.extend_from_slice(&len.to_be_bytes());
    buf.extend_from_slice(xml.as_bytes());
    w.write_all(&buf)?;
    w.flush()
}

/// Reads one OPI frame (see [`write_frame`]).
pub fn read_frame(r: &mut impl Read) -> io::Result<String> {
    let mut len = [0u8; 4];
    r.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("a frame of {len} bytes is too long"),
        ));
    }
    let mut body = vec![0u8; len];
    r.read_exact(&mut body)?;
    String::from_utf8(body).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))
}

/// An XML element as OPI uses them: attributes, children and text (namespaces dropped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    pub name: String,
    pub attrs: Vec<(String, String)>,
    pub children: Vec<Element>,
    pub text: String,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    /// Parses one message into its root element.
    pub fn parse(xml: &str) -> Result<Element, String> {
        let mut reader = Reader::from_str(xml);
        let mut stack: Vec<Element> = Vec::new();
        loop {
            let event = reader.read_event().map_err(|e| e.to_string())?;
            match event {
                Event::Start(e) => stack.push(start(&e)?),
                Event::Empty(e) => {
                    let el = start(&e)?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::End(_) => {
                    let el = stack.pop().ok_or("closing tag without an opening one")?;
                    match stack.last_mut() {
                        Some(parent) => parent.children.push(el),
                        None => return Ok(el),
                    }
                }
                Event::Text(t) => {
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(&t.decode().map_err(|e| e.to_string())?);
                    }
                }
                Event::GeneralRef(g) => {
                    let c = match g.resolve_char_ref() {
                        Ok(Some(c)) => c.to_string(),
                        _ => {
                            let name = String::from_utf8_lossy(&g).into_owned();
                            quick_xml::escape::resolve_predefined_entity(&name)
                                .ok_or_else(|| format!("unknown entity &{name};"))?
                                .to_string()
                        }
                    };
                    if let Some(el) = stack.last_mut() {
                        el.text.push_str(&c);
                    }
                }
                Event::Eof => return Err("the message ends before its root element".into()),
                _ => {}
            }
        }
    }
}

fn start(e: &BytesStart<'_>) -> Result<Element, String> {
    let mut attrs = Vec::new();
    for a in e.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        let key = String::from_utf8_lossy(a.key.local_name().as_ref()).into_owned();
        let value = a
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|e| e.to_string())?
            .into_owned();
        attrs.push((key, value));
    }
    Ok(Element {
        name: String::from_utf8_lossy(e.local_name().as_ref()).into_owned(),
        attrs,
        ..Element::default()
    })
}

/// The root element's opening tag with OPI's common attributes.
fn header(root: &str, request_type: &str, sender: &str, workstation: &str, id: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<{root} xmlns="{NAMESPACE}" RequestType="{}" ApplicationSender="{}" WorkstationID="{}" RequestID="{}">"#,
        escape(request_type),
        escape(sender),
        escape(workstation),
        escape(id),
    )
}

fn pos_data() -> String {
    format!(
        "<POSdata><POSTimeStamp>{}</POSTimeStamp></POSdata>",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    )
}

/// `CardServiceRequest RequestType="CardPayment"` for `request`.
pub fn card_payment_request(sender: &str, workstation: &str, request: &PaymentRequest) -> String {
    format!(
        r#"{}{}<TotalAmount Currency="{}">{}</TotalAmount></CardServiceRequest>"#,
        header(
            "CardServiceRequest",
            "CardPayment",
            sender,
            workstation,
            &request.request_id
        ),
        pos_data(),
        escape(&request.currency),
        request.amount,
    )
}

/// `CardServiceRequest RequestType="RepeatLastMessage"` asking about `request_id`.
pub fn repeat_last_message_request(sender: &str, workstation: &str, request_id: &str) -> String {
    format!(
        "{}{}</CardServiceRequest>",
        header(
            "CardServiceRequest",
            "RepeatLastMessage",
            sender,
            workstation,
            request_id
        ),
        pos_data(),
    )
}

/// `ServiceRequest RequestType="AbortRequest"`.
pub fn abort_request(sender: &str, workstation: &str, request_id: &str) -> String {
    format!(
        "{}{}</ServiceRequest>",
        header(
            "ServiceRequest",
            "AbortRequest",
            sender,
            workstation,
            request_id
        ),
        pos_data(),
    )
}

/// What a `CardServiceResponse` says about a payment of `expected` (when known).
pub fn outcome(response: &Element, expected: Option<Money>) -> Result<Outcome, TerminalError> {
    let result = response.attr("OverallResult").unwrap_or("");
    match result {
        "Success" => {
            let tender = response.child("Tender");
            let auth = tender.and_then(|t| t.child("Authorisation"));
            let approval_code = auth
                .and_then(|a| a.attr("ApprovalCode"))
                .filter(|c| !c.trim().is_empty())
                .ok_or_else(|| {
                    TerminalError::Protocol("an approval without an ApprovalCode".into())
                })?;
            if let (Some(expected), Some(amount)) =
                (expected, tender.and_then(|t| t.child("TotalAmount")))
            {
                let charged = Money::from_str(amount.text.trim()).map_err(|e| {
                    TerminalError::Protocol(format!("approved amount unreadable: {e}"))
                })?;
                if charged != expected {
                    return Err(TerminalError::Protocol(format!(
                        "the terminal approved {charged} instead of {expected}"
                    )));
                }
            }
            Ok(Outcome::Approved {
                approval_code: approval_code.trim().to_string(),
                stan: response
                    .child("Terminal")
                    .and_then(|t| t.attr("STAN"))
                    .map(str::to_string),
                card: auth.and_then(|a| a.attr("CardCircuit")).map(str::to_string),
            })
        }
        // Stopped at the terminal, by the customer or by the till's AbortRequest; `TimedOut`:
        // the terminal gave up waiting for the card. Nothing was charged either way.
        "Aborted" | "TimedOut" => Ok(Outcome::Cancelled),
        "" => Err(TerminalError::Protocol(
            "a response without OverallResult".into(),
        )),
        other => {
            let code = response
                .child("Tender")
                .and_then(|t| t.child("Authorisation"))
                .and_then(|a| a.attr("ActionCode"));
            Ok(Outcome::Declined {
                reason: match code {
                    Some(c) => format!("{other} ({c})"),
                    None => other.to_string(),
                },
            })
        }
    }
}

/// A payment terminal spoken to in OPI over TCP (channel 0 at `address`).
#[derive(Debug, Clone)]
pub struct OpiTerminal {
    /// `host:port` of the terminal's (or EPS's) channel 0.
    pub address: String,
    /// This till as the terminal knows it (OPI `WorkstationID`).
    pub workstation_id: String,
    /// OPI `ApplicationSender`.
    pub application_sender: String,
    pub connect_timeout: Duration,
    /// How long a payment may take at the terminal.
    pub answer_timeout: Duration,
    /// How long an abort or a repeat may take.
    pub service_timeout: Duration,
}

impl OpiTerminal {
    pub fn new(address: impl Into<String>, workstation_id: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            workstation_id: workstation_id.into(),
            application_sender: "Trastienda".to_string(),
            connect_timeout: Duration::from_secs(3),
            answer_timeout: DEFAULT_ANSWER_TIMEOUT,
            service_timeout: Duration::from_secs(10),
        }
    }

    fn connect(&self) -> Result<TcpStream, TerminalError> {
        let unreachable = |reason: String| TerminalError::Unreachable {
            address: self.address.clone(),
            reason,
        };
        let addrs: Vec<SocketAddr> = self
            .address
            .to_socket_addrs()
            .map_err(|e| unreachable(e.to_string()))?
            .collect();
        let mut last = "no address".to_string();
        for a in addrs {
            match TcpStream::connect_timeout(&a, self.connect_timeout) {
                Ok(s) => {
                    let _ = s.set_nodelay(true);
                    return Ok(s);
                }
                Err(e) => last = e.to_string(),
            }
        }
        Err(unreachable(last))
    }

    /// Sends `xml` on a new connection and reads the answer within `timeout`. Once the request
    /// is written, every failure is `NoAnswer`: the terminal may have acted on it.
    fn exchange(&self, xml: &str, timeout: Duration) -> Result<Element, TerminalError> {
        let mut stream = self.connect()?;
        stream
            .set_read_timeout(Some(timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.connect_timeout)))
            .map_err(|e| TerminalError::Unreachable {
                address: self.address.clone(),
                reason: e.to_string(),
            })?;
        write_frame(&mut stream, xml).map_err(|e| TerminalError::NoAnswer(e.to_string()))?;
        let answer = read_frame(&mut stream).map_err(|e| match e.kind() {
            io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut => {
                TerminalError::NoAnswer(format!("no answer within {} s", timeout.as_secs_f32()))
            }
            io::ErrorKind::UnexpectedEof => {
                TerminalError::NoAnswer("the terminal closed the connection".into())
            }
            io::ErrorKind::InvalidData => TerminalError::Protocol(e.to_string()),
            _ => TerminalError::NoAnswer(e.to_string()),
        })?;
        Element::parse(&answer).map_err(TerminalError::Protocol)
    }
}

impl PaymentTerminal for OpiTerminal {
    fn pay(&self, request: &PaymentRequest) -> Result<Outcome, TerminalError> {
        let xml = card_payment_request(&self.application_sender, &self.workstation_id, request);
        let response = self.exchange(&xml, self.answer_timeout)?;
        if response.name != "CardServiceResponse" {
            return Err(TerminalError::Protocol(format!(
                "expected a CardServiceResponse, got {}",
                response.name
            )));
        }
        if response.attr("RequestID") != Some(request.request_id.as_str()) {
            return Err(TerminalError::Protocol(format!(
                "the answer is for request {:?}, not {}",
                response.attr("RequestID").unwrap_or(""),
                request.request_id
            )));
        }
        outcome(&response, Some(request.amount))
    }

    fn abort(&self) -> Result<(), TerminalError> {
        let id = Uuid::now_v7().simple().to_string();
        let xml = abort_request(&self.application_sender, &self.workstation_id, &id);
        // Whatever it says (an idle terminal answers that there was nothing to abort), the
        // payment's own response tells what became of it.
        self.exchange(&xml, self.service_timeout).map(|_| ())
    }

    fn outcome_of(&self, request_id: &str, amount: Money) -> Result<Lookup, TerminalError> {
        let xml =
            repeat_last_message_request(&self.application_sender, &self.workstation_id, request_id);
        let response = self.exchange(&xml, self.service_timeout)?;
        if response.name != "CardServiceResponse" {
            return Err(TerminalError::Protocol(format!(
                "expected a CardServiceResponse, got {}",
                response.name
            )));
        }
        // The repeated message is the last payment's response; anything else (another request's
        // response, or a Failure to the repeat itself) means this request was never processed.
        if response.attr("RequestID") != Some(request_id)
            || response.attr("RequestType") == Some("RepeatLastMessage")
        {
            return Ok(Lookup::NotFound);
        }
        outcome(&response, Some(amount)).map(Lookup::Found)
    }
}
