//! A fake OPI payment terminal for the tests: it listens on 127.0.0.1 on a random port and speaks
//! OPI channel 0 (4-byte big-endian length, then XML) over real TCP, answering each
//! `CardPayment` as scripted. It keeps what a real terminal's journal would: the charges made,
//! the requests received, its last response (for `RepeatLastMessage`), the aborts.
//! Shared by the library's tests and the till app's (`#[path]`-included).
#![allow(dead_code, clippy::unwrap_used)]

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::str::FromStr;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use pos_terminal::card_terminal::opi::{Element, OpiTerminal};
use sync_protocol::Money;

/// How the terminal answers the next payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Script {
    /// The customer pays: approved with this authorisation code.
    Approve(&'static str),
    /// The card's bank refuses, with this ISO action code.
    Decline(&'static str),
    /// The terminal never answers (until the till aborts; then it answers `Aborted`).
    NoAnswer,
    /// The customer presses Cancel on the terminal.
    CancelAtTerminal,
    /// The terminal approves and charges, but the till never reads the answer (it died, or the
    /// connection dropped): the connection is closed without a response.
    ApproveThenTillDies(&'static str),
}

#[derive(Default)]
struct Journal {
    script: VecDeque<Script>,
    /// (request id, amount) of every payment charged.
    charges: Vec<(String, Money)>,
    /// Request ids of every CardPayment received.
    payments: Vec<String>,
    last_response: Option<String>,
    /// The payment waiting for the customer (scripted `NoAnswer`) and its abort response, once
    /// the till aborted it.
    pending: Option<String>,
    aborted: Option<String>,
    aborts: usize,
    repeats: usize,
    stan: u32,
}

pub struct FakeTerminal {
    pub address: String,
    journal: Arc<(Mutex<Journal>, Condvar)>,
}

fn read_frame(s: &mut TcpStream) -> Option<String> {
    let mut len = [0u8; 4];
    s.read_exact(&mut len).ok()?;
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    s.read_exact(&mut body).ok()?;
    String::from_utf8(body).ok()
}

fn write_frame(s: &mut TcpStream, xml: &str) {
    let mut out = (xml.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(xml.as_bytes());
    let _ = s.write_all(&out);
}

fn response(kind: &str, id: &str, ws: &str, result: &str, inner: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<CardServiceResponse xmlns="http://www.nrf-arts.org/IXRetail/namespace" RequestType="{kind}" ApplicationSender="FakeEPS" WorkstationID="{ws}" RequestID="{id}" OverallResult="{result}">{inner}</CardServiceResponse>"#
    )
}

fn approved(id: &str, ws: &str, amount: &str, code: &str, stan: u32) -> String {
    let inner = format!(
        r#"
  <Terminal TerminalID="FAKE0001" STAN="{stan:06}"/>
  <Tender>
    <TotalAmount Currency="EUR">{amount}</TotalAmount>
    <Authorisation AcquirerID="12345" CardCircuit="VISA" CardPAN="476173******0010" ApprovalCode="{code}" ActionCode="000" TimeStamp="2026-12-05T10:00:00Z"/>
  </Tender>
"#
    );
    response("CardPayment", id, ws, "Success", &inner)
}

impl FakeTerminal {
    /// Starts the terminal; each payment takes the next `script` entry (none left: declined).
    pub fn start(script: Vec<Script>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap().to_string();
        let journal = Arc::new((
            Mutex::new(Journal {
                script: script.into(),
                ..Journal::default()
            }),
            Condvar::new(),
        ));
        let j = Arc::clone(&journal);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let j = Arc::clone(&j);
                std::thread::spawn(move || serve(stream, &j));
            }
        });
        Self { address, journal }
    }

    /// A client for this terminal, giving the customer `answer` to pay.
    pub fn client(&self, answer: Duration) -> OpiTerminal {
        let mut t = OpiTerminal::new(self.address.clone(), "T0007");
        t.answer_timeout = answer;
        t.service_timeout = Duration::from_secs(5);
        t
    }

    pub fn push(&self, s: Script) {
        self.journal.0.lock().unwrap().script.push_back(s);
    }

    /// Every payment charged: (request id, amount).
    pub fn charges(&self) -> Vec<(String, Money)> {
        self.journal.0.lock().unwrap().charges.clone()
    }

    /// Request ids of every CardPayment received.
    pub fn payment_requests(&self) -> Vec<String> {
        self.journal.0.lock().unwrap().payments.clone()
    }

    pub fn aborts(&self) -> usize {
        self.journal.0.lock().unwrap().aborts
    }

    pub fn repeats(&self) -> usize {
        self.journal.0.lock().unwrap().repeats
    }
}

fn serve(mut stream: TcpStream, journal: &(Mutex<Journal>, Condvar)) {
    let (lock, cvar) = journal;
    while let Some(xml) = read_frame(&mut stream) {
        let req = Element::parse(&xml).expect("the till sent XML");
        let id = req.attr("RequestID").unwrap_or("").to_string();
        let ws = req.attr("WorkstationID").unwrap_or("").to_string();
        let kind = req.attr("RequestType").unwrap_or("");
        match (req.name.as_str(), kind) {
            ("CardServiceRequest", "CardPayment") => {
                let total = req.child("TotalAmount").expect("TotalAmount");
                assert_eq!(total.attr("Currency"), Some("EUR"));
                let amount = Money::from_str(total.text.trim()).expect("an exact amount");
                let step = {
                    let mut j = lock.lock().unwrap();
                    j.payments.push(id.clone());
                    let step = j.script.pop_front().unwrap_or(Script::Decline("05"));
                    if step == Script::NoAnswer {
                        // Set with the request's arrival, so an abort right after finds it.
                        j.pending = Some(id.clone());
                    }
                    step
                };
                let answer = match step {
                    Script::Approve(code) | Script::ApproveThenTillDies(code) => {
                        let mut j = lock.lock().unwrap();
                        j.stan += 1;
                        j.charges.push((id.clone(), amount));
                        let r = approved(&id, &ws, &total.text, code, j.stan);
                        j.last_response = Some(r.clone());
                        if matches!(step, Script::ApproveThenTillDies(_)) {
                            let _ = stream.shutdown(Shutdown::Both);
                            return;
                        }
                        r
                    }
                    Script::Decline(code) => {
                        let inner = format!(
                            r#"<Tender><TotalAmount Currency="EUR">{}</TotalAmount><Authorisation ActionCode="{code}"/></Tender>"#,
                            total.text
                        );
                        let r = response("CardPayment", &id, &ws, "Failure", &inner);
                        lock.lock().unwrap().last_response = Some(r.clone());
                        r
                    }
                    Script::CancelAtTerminal => {
                        let r = response("CardPayment", &id, &ws, "Aborted", "");
                        lock.lock().unwrap().last_response = Some(r.clone());
                        r
                    }
                    Script::NoAnswer => {
                        let j = lock.lock().unwrap();
                        let (mut j, _) = cvar
                            .wait_timeout_while(j, Duration::from_secs(60), |j| j.aborted.is_none())
                            .unwrap();
                        match j.aborted.take() {
                            Some(r) => r,
                            None => return,
                        }
                    }
                };
                write_frame(&mut stream, &answer);
            }
            ("CardServiceRequest", "RepeatLastMessage") => {
                let r = {
                    let mut j = lock.lock().unwrap();
                    j.repeats += 1;
                    j.last_response.clone()
                };
                let r = r.unwrap_or_else(|| response("RepeatLastMessage", &id, &ws, "Failure", ""));
                write_frame(&mut stream, &r);
            }
            ("ServiceRequest", "AbortRequest") => {
                let result = {
                    let mut j = lock.lock().unwrap();
                    j.aborts += 1;
                    match j.pending.take() {
                        Some(pid) => {
                            let r = response("CardPayment", &pid, &ws, "Aborted", "");
                            j.last_response = Some(r.clone());
                            j.aborted = Some(r);
                            cvar.notify_all();
                            "Success"
                        }
                        None => "Failure",
                    }
                };
                let r = format!(
                    r#"<?xml version="1.0" encoding="UTF-8"?>
<ServiceResponse xmlns="http://www.nrf-arts.org/IXRetail/namespace" RequestType="AbortRequest" ApplicationSender="FakeEPS" WorkstationID="{ws}" RequestID="{id}" OverallResult="{result}"/>"#
                );
                write_frame(&mut stream, &r);
            }
            (name, kind) => panic!("the fake terminal does not know {name} {kind}"),
        }
    }
}
