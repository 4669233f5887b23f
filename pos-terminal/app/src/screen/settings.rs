//! Settings: the language, receipt printer (network host:port or file/device path, 80/58 mm paper), scanner
//! thresholds, the card terminal (protocol and host:port), a test page, and the manager's "open
//! drawer" (approved by PIN and logged).

use crate::key;
use std::path::PathBuf;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length, Task};
use pos_terminal::{LedgerHandle, Staff};

use crate::i18n::I18n;
use crate::manager;
use crate::settings::{
    CardTerminal, Language, Paper, Printer, Scanner, SerialPort, Settings, TerminalProtocol,
};

/// A serial speed as typed, or why not.
fn baud(s: &str, tr: &I18n) -> Result<u32, String> {
    s.trim()
        .parse::<u64>()
        .ok()
        .filter(|b| BAUDS.contains(b))
        .and_then(|b| u32::try_from(b).ok())
        .ok_or_else(|| {
            tr.args(
                "settings-number-range",
                &[
                    ("what", tr.t(key!("settings-baud")).into()),
                    ("min", (*BAUDS.start()).into()),
                    ("max", (*BAUDS.end()).into()),
                ],
            )
        })
}

pub const HOST_ID: &str = "settings-host";
pub const PORT_ID: &str = "settings-port";
pub const PATH_ID: &str = "settings-path";
pub const MIN_LEN_ID: &str = "settings-scan-min";
pub const AVG_ID: &str = "settings-scan-avg";
pub const GAP_ID: &str = "settings-scan-gap";
pub const PIN_ID: &str = "settings-pin";
pub const BAUD_ID: &str = "settings-baud";
pub const VENDOR_ID: &str = "settings-usb-vendor";
pub const PRODUCT_ID: &str = "settings-usb-product";
pub const SCANNER_PORT_ID: &str = "settings-scanner-port";
pub const SCANNER_BAUD_ID: &str = "settings-scanner-baud";
pub const TERMINAL_ID: &str = "settings-card-terminal";

/// Serial speeds a receipt printer or scanner may be set to.
const BAUDS: std::ops::RangeInclusive<u64> = 1_200..=921_600;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    None,
    Network,
    File,
    Serial,
    Usb,
}

#[derive(Debug, Clone)]
pub enum Message {
    Language(Language),
    Kind(Kind),
    Host(String),
    Port(String),
    Path(String),
    Baud(String),
    Vendor(String),
    Product(String),
    ScannerPort(String),
    ScannerBaud(String),
    /// The card terminal's protocol (`None`: no terminal, card references typed by hand).
    TerminalProtocol(Option<TerminalProtocol>),
    /// The card terminal's `host:port`.
    TerminalAddress(String),
    Paper(Paper),
    /// Whether a weighed label adds to the line of the same product already weighed.
    MergeWeighed(bool),
    MinLen(String),
    Avg(String),
    Gap(String),
    Pin(String),
    Save,
    TestPage,
    OpenDrawer,
    /// The ledger's answer to the "open drawer" manager PIN.
    DrawerPin(manager::Lookup),
    /// The About screen (VERI*FACTU identity and declaración responsable).
    About,
    Back,
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    /// Work for the ledger's thread (the manager's PIN); its answer comes back as a message.
    Run(Task<Message>),
    Saved(Settings),
    /// Switch to this language now and keep it (the parent saves it).
    Language(Language),
    /// Print the test page with these (saved) settings.
    TestPage(Settings),
    /// Kick the drawer; the manager approved.
    OpenDrawer(Staff),
    About,
}

#[derive(Debug)]
pub struct State {
    language: Language,
    kind: Kind,
    host: String,
    port: String,
    path: String,
    baud: String,
    vendor: String,
    product: String,
    scanner_port: String,
    scanner_baud: String,
    terminal_protocol: Option<TerminalProtocol>,
    terminal_address: String,
    paper: Paper,
    merge_weighed: bool,
    min_len: String,
    avg: String,
    gap: String,
    pin: String,
    base: Settings,
    pub notice: Option<String>,
}

impl State {
    pub fn new(s: &Settings) -> Self {
        let (kind, host, port, path) = match &s.printer {
            Printer::None => (Kind::None, String::new(), "9100".into(), String::new()),
            Printer::Network { host, port } => {
                (Kind::Network, host.clone(), port.to_string(), String::new())
            }
            Printer::File { path } => (
                Kind::File,
                String::new(),
                "9100".into(),
                path.display().to_string(),
            ),
            Printer::Serial { path, .. } => {
                (Kind::Serial, String::new(), "9100".into(), path.clone())
            }
            Printer::Usb { .. } => (Kind::Usb, String::new(), "9100".into(), String::new()),
        };
        let baud = match &s.printer {
            Printer::Serial { baud, .. } => baud.to_string(),
            _ => "9600".into(),
        };
        let (vendor, product) = match &s.printer {
            Printer::Usb {
                vendor_id,
                product_id,
            } => (format!("{vendor_id:04x}"), format!("{product_id:04x}")),
            _ => (String::new(), String::new()),
        };
        let (scanner_port, scanner_baud) = match &s.scanner.serial {
            Some(p) => (p.path.clone(), p.baud.to_string()),
            None => (String::new(), "9600".into()),
        };
        let (terminal_protocol, terminal_address) = match &s.card_terminal {
            Some(t) => (Some(t.protocol), t.address.clone()),
            None => (None, String::new()),
        };
        Self {
            language: s.language,
            terminal_protocol,
            terminal_address,
            kind,
            host,
            port,
            path,
            baud,
            vendor,
            product,
            scanner_port,
            scanner_baud,
            paper: s.paper,
            merge_weighed: s.merge_weighed,
            min_len: s.scanner.min_length.to_string(),
            avg: s.scanner.avg_ms_per_char.to_string(),
            gap: s.scanner.max_gap_ms.to_string(),
            pin: String::new(),
            base: s.clone(),
            notice: None,
        }
    }

    /// The parent saved the new language: show it chosen, and keep it when the rest is saved.
    pub fn language_saved(&mut self, language: Language, tr: &I18n) {
        self.language = language;
        self.base.language = language;
        self.notice = Some(tr.t(key!("settings-language-saved")));
    }

    /// The settings as typed, or what is wrong with them.
    fn parsed(&self, tr: &I18n) -> Result<Settings, String> {
        let printer = match self.kind {
            Kind::None => Printer::None,
            Kind::Network => {
                let host = self.host.trim().to_string();
                if host.is_empty() {
                    return Err(tr.t(key!("settings-host-missing")));
                }
                let port = self
                    .port
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| tr.t(key!("settings-port-invalid")))?;
                Printer::Network { host, port }
            }
            Kind::File => {
                if self.path.trim().is_empty() {
                    return Err(tr.t(key!("settings-path-missing")));
                }
                Printer::File {
                    path: PathBuf::from(self.path.trim()),
                }
            }
            Kind::Serial => {
                if self.path.trim().is_empty() {
                    return Err(tr.t(key!("settings-path-missing")));
                }
                Printer::Serial {
                    path: self.path.trim().to_string(),
                    baud: baud(&self.baud, tr)?,
                }
            }
            Kind::Usb => {
                let id = |s: &str| {
                    u16::from_str_radix(s.trim().trim_start_matches("0x"), 16)
                        .map_err(|_| tr.t(key!("settings-usb-id-invalid")))
                };
                Printer::Usb {
                    vendor_id: id(&self.vendor)?,
                    product_id: id(&self.product)?,
                }
            }
        };
        let num = |s: &str, what: &str, range: std::ops::RangeInclusive<u64>| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    tr.args(
                        "settings-number-range",
                        &[
                            ("what", tr.t(what).into()),
                            ("min", (*range.start()).into()),
                            ("max", (*range.end()).into()),
                        ],
                    )
                })
        };
        let scanner = Scanner {
            min_length: num(&self.min_len, "settings-min-length-what", 3..=64)? as usize,
            avg_ms_per_char: num(&self.avg, "settings-avg-what", 1..=200)?,
            max_gap_ms: num(&self.gap, "settings-gap-what", 10..=1000)?,
            serial: if self.scanner_port.trim().is_empty() {
                None
            } else {
                Some(SerialPort {
                    path: self.scanner_port.trim().to_string(),
                    baud: baud(&self.scanner_baud, tr)?,
                })
            },
        };
        let card_terminal = match self.terminal_protocol {
            None => None,
            Some(protocol) => {
                let address = self.terminal_address.trim().to_string();
                let valid = address.rsplit_once(':').is_some_and(|(host, port)| {
                    !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0)
                });
                if !valid {
                    return Err(tr.t(key!("settings-terminal-address-invalid")));
                }
                let answer_timeout_secs = self
                    .base
                    .card_terminal
                    .as_ref()
                    .map(|t| t.answer_timeout_secs)
                    .unwrap_or(pos_terminal::card_terminal::opi::DEFAULT_ANSWER_TIMEOUT.as_secs());
                Some(CardTerminal {
                    protocol,
                    address,
                    answer_timeout_secs,
                })
            }
        };
        // The language comes from `base`, which `language_saved` keeps current.
        Ok(Settings {
            card_terminal,
            printer,
            paper: self.paper,
            scanner,
            merge_weighed: self.merge_weighed,
            ..self.base.clone()
        })
    }

    pub fn update(&mut self, message: Message, ledger: &LedgerHandle, tr: &I18n) -> Action {
        let focus = match message {
            Message::Language(l) => {
                if l == self.language {
                    return Action::None;
                }
                return Action::Language(l);
            }
            Message::Kind(k) => {
                self.kind = k;
                return Action::None;
            }
            Message::Paper(p) => {
                self.paper = p;
                return Action::None;
            }
            Message::MergeWeighed(on) => {
                self.merge_weighed = on;
                return Action::None;
            }
            Message::TerminalProtocol(p) => {
                self.terminal_protocol = p;
                return Action::None;
            }
            Message::TerminalAddress(s) => {
                self.terminal_address = s;
                TERMINAL_ID
            }
            Message::Host(s) => {
                self.host = s;
                HOST_ID
            }
            Message::Port(s) => {
                self.port = s;
                PORT_ID
            }
            Message::Path(s) => {
                self.path = s;
                PATH_ID
            }
            Message::Baud(s) => {
                self.baud = s;
                BAUD_ID
            }
            Message::Vendor(s) => {
                self.vendor = s;
                VENDOR_ID
            }
            Message::Product(s) => {
                self.product = s;
                PRODUCT_ID
            }
            Message::ScannerPort(s) => {
                self.scanner_port = s;
                SCANNER_PORT_ID
            }
            Message::ScannerBaud(s) => {
                self.scanner_baud = s;
                SCANNER_BAUD_ID
            }
            Message::MinLen(s) => {
                self.min_len = s;
                MIN_LEN_ID
            }
            Message::Avg(s) => {
                self.avg = s;
                AVG_ID
            }
            Message::Gap(s) => {
                self.gap = s;
                GAP_ID
            }
            Message::Pin(p) => {
                self.pin = manager::pin_digits(&p);
                PIN_ID
            }
            Message::Back => return Action::Back,
            Message::About => return Action::About,
            Message::Save => {
                return match self.parsed(tr) {
                    Ok(s) => {
                        self.base = s.clone();
                        self.notice = Some(tr.t(key!("settings-saved")));
                        Action::Saved(s)
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        Action::None
                    }
                };
            }
            Message::TestPage => {
                return match self.parsed(tr) {
                    Ok(s) if s.printer == Printer::None => {
                        self.notice = Some(tr.t(key!("settings-no-printer")));
                        Action::None
                    }
                    Ok(s) => {
                        self.notice = Some(tr.t(key!("settings-printing-test")));
                        Action::TestPage(s)
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        Action::None
                    }
                };
            }
            Message::OpenDrawer => {
                let pin = std::mem::take(&mut self.pin);
                return match manager::lookup(ledger, &pin, tr, Message::DrawerPin) {
                    Ok(t) => {
                        self.notice = Some(tr.t(key!("pin-checking")));
                        Action::Run(t)
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        Action::Focus(PIN_ID)
                    }
                };
            }
            Message::DrawerPin(found) => {
                return match manager::verdict(found, tr) {
                    Ok(m) => {
                        self.notice = Some(tr.args(
                            "settings-opening-drawer",
                            &[("manager", m.name.clone().into())],
                        ));
                        Action::OpenDrawer(m)
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        Action::Focus(PIN_ID)
                    }
                };
            }
        };
        Action::Focus(focus)
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let choice = |label: String, on: bool, m: Message| {
            button(text(label).size(20))
                .padding(12)
                .style(if on {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press(m)
        };
        let input =
            |placeholder: &str, value: &'a str, id: &'static str, on: fn(String) -> Message| {
                text_input(placeholder, value)
                    .id(id)
                    .on_input(on)
                    .on_submit(Message::Save)
                    .padding(10)
                    .size(20)
            };
        // The card terminal shares the language's row: a 1024×768 screen has no room for another.
        let mut language_and_terminal = row![
            text(tr.t(key!("settings-language"))).size(22),
            choice(
                tr.t(key!("language-es")),
                self.language == Language::Es,
                Message::Language(Language::Es)
            ),
            choice(
                tr.t(key!("language-en")),
                self.language == Language::En,
                Message::Language(Language::En)
            ),
            text(tr.t(key!("settings-card-terminal"))).size(22),
            choice(
                tr.t(key!("settings-terminal-none")),
                self.terminal_protocol.is_none(),
                Message::TerminalProtocol(None)
            ),
            choice(
                "OPI (IFSF)".into(),
                self.terminal_protocol == Some(TerminalProtocol::Opi),
                Message::TerminalProtocol(Some(TerminalProtocol::Opi))
            ),
        ]
        .spacing(10)
        .align_y(Alignment::Center);
        if self.terminal_protocol.is_some() {
            language_and_terminal = language_and_terminal.push(input(
                "192.168.1.50:20002",
                &self.terminal_address,
                TERMINAL_ID,
                Message::TerminalAddress,
            ));
        }
        let mut col = column![
            text(tr.t(key!("settings-title"))).size(30),
            language_and_terminal,
            text(tr.t(key!("settings-printer"))).size(22),
            row![
                choice(
                    tr.t(key!("settings-printer-none")),
                    self.kind == Kind::None,
                    Message::Kind(Kind::None)
                ),
                choice(
                    tr.t(key!("settings-printer-network")),
                    self.kind == Kind::Network,
                    Message::Kind(Kind::Network)
                ),
                choice(
                    tr.t(key!("settings-printer-file")),
                    self.kind == Kind::File,
                    Message::Kind(Kind::File)
                ),
                choice(
                    tr.t(key!("settings-printer-serial")),
                    self.kind == Kind::Serial,
                    Message::Kind(Kind::Serial)
                ),
                choice(
                    "USB".into(),
                    self.kind == Kind::Usb,
                    Message::Kind(Kind::Usb)
                ),
            ]
            .spacing(10),
        ]
        .spacing(12)
        .max_width(820);
        match self.kind {
            Kind::Network => {
                col = col.push(
                    row![
                        input(
                            &tr.t(key!("settings-host-placeholder")),
                            &self.host,
                            HOST_ID,
                            Message::Host
                        ),
                        input(
                            &tr.t(key!("settings-port")),
                            &self.port,
                            PORT_ID,
                            Message::Port
                        )
                        .width(Length::Fixed(120.0)),
                    ]
                    .spacing(10),
                )
            }
            Kind::File => col = col.push(input("/dev/usb/lp0", &self.path, PATH_ID, Message::Path)),
            Kind::Serial => {
                col = col.push(
                    row![
                        input("/dev/ttyS0", &self.path, PATH_ID, Message::Path),
                        text(tr.t(key!("settings-baud"))).size(20),
                        input("9600", &self.baud, BAUD_ID, Message::Baud)
                            .width(Length::Fixed(120.0)),
                    ]
                    .spacing(10)
                    .align_y(Alignment::Center),
                )
            }
            Kind::Usb => {
                col = col.push(
                    row![
                        text(tr.t(key!("settings-usb-vendor"))).size(20),
                        input("04b8", &self.vendor, VENDOR_ID, Message::Vendor)
                            .width(Length::Fixed(110.0)),
                        text(tr.t(key!("settings-usb-product"))).size(20),
                        input("0202", &self.product, PRODUCT_ID, Message::Product)
                            .width(Length::Fixed(110.0)),
                    ]
                    .spacing(10)
                    .align_y(Alignment::Center),
                )
            }
            Kind::None => {}
        }
        col = col
            .push(
                row![
                    text(tr.t(key!("settings-paper"))).size(20),
                    choice(
                        "80 mm".into(),
                        self.paper == Paper::Mm80,
                        Message::Paper(Paper::Mm80)
                    ),
                    choice(
                        "58 mm".into(),
                        self.paper == Paper::Mm58,
                        Message::Paper(Paper::Mm58)
                    ),
                    // On the paper's row: the screen has no room for another at 1024×768.
                    text(tr.t(key!("settings-weighed"))).size(20),
                    choice(
                        tr.t(key!("settings-weighed-own-line")),
                        !self.merge_weighed,
                        Message::MergeWeighed(false)
                    ),
                    choice(
                        tr.t(key!("settings-weighed-merge")),
                        self.merge_weighed,
                        Message::MergeWeighed(true)
                    ),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            )
            .push(text(tr.t(key!("settings-scanner"))).size(22))
            .push(
                row![
                    text(tr.t(key!("settings-min-length"))).width(Length::Fixed(170.0)),
                    input("6", &self.min_len, MIN_LEN_ID, Message::MinLen),
                    text(tr.t(key!("settings-avg"))).width(Length::Fixed(150.0)),
                    input("30", &self.avg, AVG_ID, Message::Avg),
                    text(tr.t(key!("settings-gap"))).width(Length::Fixed(150.0)),
                    input("100", &self.gap, GAP_ID, Message::Gap),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            )
            .push(
                row![
                    text(tr.t(key!("settings-scanner-serial"))).width(Length::Fixed(170.0)),
                    input(
                        "/dev/ttyACM0",
                        &self.scanner_port,
                        SCANNER_PORT_ID,
                        Message::ScannerPort
                    ),
                    text(tr.t(key!("settings-baud"))).width(Length::Fixed(80.0)),
                    input(
                        "9600",
                        &self.scanner_baud,
                        SCANNER_BAUD_ID,
                        Message::ScannerBaud
                    )
                    .width(Length::Fixed(110.0)),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            )
            .push(
                row![
                    button(text(tr.t(key!("settings-save"))).size(22))
                        .padding(14)
                        .on_press(Message::Save),
                    button(text(tr.t(key!("settings-test-page"))).size(22))
                        .padding(14)
                        .on_press(Message::TestPage),
                ]
                .spacing(12),
            )
            .push(text(tr.t(key!("settings-drawer"))).size(22))
            .push(
                row![
                    text_input(&tr.t(key!("manager-pin")), &self.pin)
                        .id(PIN_ID)
                        .secure(true)
                        .on_input(Message::Pin)
                        .on_submit(Message::OpenDrawer)
                        .padding(10)
                        .size(20),
                    button(text(tr.t(key!("settings-open-drawer"))).size(22))
                        .padding(14)
                        .on_press(Message::OpenDrawer),
                ]
                .spacing(12),
            );
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(20));
        }
        col = col.push(
            row![
                button(text(tr.t(key!("back-esc"))).size(22))
                    .padding(14)
                    .on_press(Message::Back),
                button(text(tr.t(key!("settings-about"))).size(22))
                    .padding(14)
                    .style(button::secondary)
                    .on_press(Message::About),
            ]
            .spacing(12),
        );
        container(col).center_x(Length::Fill).padding(24).into()
    }
}
