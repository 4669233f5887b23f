//! Settings: receipt printer (network host:port or file/device path, 80/58 mm paper), scanner
//! thresholds, a test page, and the manager's "open drawer" (approved by PIN and logged).

use std::path::PathBuf;
use std::sync::Mutex;

use iced::widget::{button, column, container, row, text, text_input};
use iced::{Alignment, Element, Length};
use pos_terminal::{Ledger, Staff};

use crate::manager;
use crate::settings::{Paper, Printer, Scanner, Settings};

pub const HOST_ID: &str = "settings-host";
pub const PORT_ID: &str = "settings-port";
pub const PATH_ID: &str = "settings-path";
pub const MIN_LEN_ID: &str = "settings-scan-min";
pub const AVG_ID: &str = "settings-scan-avg";
pub const GAP_ID: &str = "settings-scan-gap";
pub const PIN_ID: &str = "settings-pin";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    None,
    Network,
    File,
}

#[derive(Debug, Clone)]
pub enum Message {
    Kind(Kind),
    Host(String),
    Port(String),
    Path(String),
    Paper(Paper),
    MinLen(String),
    Avg(String),
    Gap(String),
    Pin(String),
    Save,
    TestPage,
    OpenDrawer,
    Back,
}

pub enum Action {
    None,
    Focus(&'static str),
    Back,
    Saved(Settings),
    /// Print the test page with these (saved) settings.
    TestPage(Settings),
    /// Kick the drawer; the manager approved.
    OpenDrawer(Staff),
}

#[derive(Debug)]
pub struct State {
    kind: Kind,
    host: String,
    port: String,
    path: String,
    paper: Paper,
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
            // TODO(this session): serial and USB in the form.
            Printer::Serial { .. } | Printer::Usb { .. } => {
                (Kind::None, String::new(), "9100".into(), String::new())
            }
        };
        Self {
            kind,
            host,
            port,
            path,
            paper: s.paper,
            min_len: s.scanner.min_length.to_string(),
            avg: s.scanner.avg_ms_per_char.to_string(),
            gap: s.scanner.max_gap_ms.to_string(),
            pin: String::new(),
            base: s.clone(),
            notice: None,
        }
    }

    /// The settings as typed, or what is wrong with them.
    fn parsed(&self) -> Result<Settings, String> {
        let printer = match self.kind {
            Kind::None => Printer::None,
            Kind::Network => {
                let host = self.host.trim().to_string();
                if host.is_empty() {
                    return Err("Escriba la dirección de la impresora.".into());
                }
                let port = self
                    .port
                    .trim()
                    .parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or("El puerto debe ser un número entre 1 y 65535.")?;
                Printer::Network { host, port }
            }
            Kind::File => {
                if self.path.trim().is_empty() {
                    return Err("Escriba la ruta del archivo o dispositivo.".into());
                }
                Printer::File {
                    path: PathBuf::from(self.path.trim()),
                }
            }
        };
        let num = |s: &str, what: &str, range: std::ops::RangeInclusive<u64>| {
            s.trim()
                .parse::<u64>()
                .ok()
                .filter(|n| range.contains(n))
                .ok_or_else(|| {
                    format!(
                        "{what}: un número entre {} y {}.",
                        range.start(),
                        range.end()
                    )
                })
        };
        let scanner = Scanner {
            min_length: num(&self.min_len, "Longitud mínima del código", 3..=64)? as usize,
            avg_ms_per_char: num(&self.avg, "Milisegundos por carácter", 1..=200)?,
            max_gap_ms: num(&self.gap, "Pausa máxima entre teclas", 10..=1000)?,
            serial: self.base.scanner.serial.clone(),
        };
        Ok(Settings {
            printer,
            paper: self.paper,
            scanner,
            ..self.base.clone()
        })
    }

    pub fn update(&mut self, message: Message, ledger: &Mutex<Ledger>) -> Action {
        let focus = match message {
            Message::Kind(k) => {
                self.kind = k;
                return Action::None;
            }
            Message::Paper(p) => {
                self.paper = p;
                return Action::None;
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
            Message::Save => {
                return match self.parsed() {
                    Ok(s) => {
                        self.base = s.clone();
                        self.notice = Some("Ajustes guardados.".into());
                        Action::Saved(s)
                    }
                    Err(e) => {
                        self.notice = Some(e);
                        Action::None
                    }
                };
            }
            Message::TestPage => {
                return match self.parsed() {
                    Ok(s) if s.printer == Printer::None => {
                        self.notice = Some("No hay impresora configurada.".into());
                        Action::None
                    }
                    Ok(s) => {
                        self.notice = Some("Imprimiendo la página de prueba…".into());
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
                return match manager::authorise(ledger, &pin) {
                    Ok(m) => {
                        self.notice = Some(format!("Abriendo el cajón (autoriza {}).", m.name));
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

    pub fn view(&self) -> Element<'_, Message> {
        let choice = |label: &'static str, on: bool, m: Message| {
            button(text(label).size(20))
                .padding(12)
                .style(if on {
                    button::primary
                } else {
                    button::secondary
                })
                .on_press(m)
        };
        let input = |placeholder: &'static str,
                     value: &str,
                     id: &'static str,
                     on: fn(String) -> Message| {
            text_input(placeholder, value)
                .id(id)
                .on_input(on)
                .on_submit(Message::Save)
                .padding(10)
                .size(20)
        };
        let mut col = column![
            text("Ajustes").size(30),
            text("Impresora de tickets").size(22),
            row![
                choice(
                    "Ninguna",
                    self.kind == Kind::None,
                    Message::Kind(Kind::None)
                ),
                choice(
                    "En red",
                    self.kind == Kind::Network,
                    Message::Kind(Kind::Network)
                ),
                choice(
                    "Archivo o dispositivo",
                    self.kind == Kind::File,
                    Message::Kind(Kind::File)
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
                            "Dirección (p. ej. 192.168.1.50)",
                            &self.host,
                            HOST_ID,
                            Message::Host
                        ),
                        input("Puerto", &self.port, PORT_ID, Message::Port)
                            .width(Length::Fixed(120.0)),
                    ]
                    .spacing(10),
                )
            }
            Kind::File => col = col.push(input("/dev/usb/lp0", &self.path, PATH_ID, Message::Path)),
            Kind::None => {}
        }
        col = col
            .push(
                row![
                    text("Papel").size(20),
                    choice(
                        "80 mm",
                        self.paper == Paper::Mm80,
                        Message::Paper(Paper::Mm80)
                    ),
                    choice(
                        "58 mm",
                        self.paper == Paper::Mm58,
                        Message::Paper(Paper::Mm58)
                    ),
                ]
                .spacing(10)
                .align_y(Alignment::Center),
            )
            .push(text("Lector de códigos (teclado)").size(22))
            .push(
                row![
                    text("Longitud mínima").width(Length::Fixed(170.0)),
                    input("6", &self.min_len, MIN_LEN_ID, Message::MinLen),
                    text("ms por carácter").width(Length::Fixed(150.0)),
                    input("30", &self.avg, AVG_ID, Message::Avg),
                    text("pausa máx. (ms)").width(Length::Fixed(150.0)),
                    input("100", &self.gap, GAP_ID, Message::Gap),
                ]
                .spacing(8)
                .align_y(Alignment::Center),
            )
            .push(
                row![
                    button(text("Guardar").size(22))
                        .padding(14)
                        .on_press(Message::Save),
                    button(text("Imprimir página de prueba").size(22))
                        .padding(14)
                        .on_press(Message::TestPage),
                ]
                .spacing(12),
            )
            .push(text("Cajón").size(22))
            .push(
                row![
                    text_input("PIN del encargado", &self.pin)
                        .id(PIN_ID)
                        .secure(true)
                        .on_input(Message::Pin)
                        .on_submit(Message::OpenDrawer)
                        .padding(10)
                        .size(20),
                    button(text("Abrir cajón").size(22))
                        .padding(14)
                        .on_press(Message::OpenDrawer),
                ]
                .spacing(12),
            );
        if let Some(n) = &self.notice {
            col = col.push(text(n.clone()).size(20));
        }
        col = col.push(
            button(text("Volver (Esc)").size(22))
                .padding(14)
                .on_press(Message::Back),
        );
        container(col).center_x(Length::Fill).padding(24).into()
    }
}
