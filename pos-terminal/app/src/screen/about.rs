//! About this till: its VERI*FACTU identity (the `SistemaInformatico` every record carries), the
//! taxpayer it issues invoices for, and the producer's declaración responsable (RD 1007/2023 art. 13).

use crate::key;
use iced::widget::{button, column, container, scrollable, text};
use iced::{Element, Length, Task};
use pos_terminal::{LedgerHandle, fiscal};
use sync_protocol::verifactu::SistemaInformatico;

use crate::i18n::I18n;

#[derive(Debug, Clone)]
pub enum Message {
    Back,
    /// The till's identity and the franchisee (legal name, NIF), read from the ledger.
    Loaded(
        Option<(sync_protocol::StoreId, sync_protocol::TillId)>,
        Option<(String, String)>,
    ),
}

pub enum Action {
    None,
    Back,
}

pub struct State {
    /// `None` until the ledger has answered (a moment after the screen opens).
    sistema: Option<SistemaInformatico>,
    /// The franchisee's legal name and NIF, once HQ has sent the store.
    taxpayer: Option<(String, String)>,
}

/// Reads what the screen shows from the ledger, off the UI thread.
pub fn load(ledger: &LedgerHandle) -> Task<Message> {
    crate::ledger_task::ask(
        ledger,
        |l| {
            let ident = l.identity().ok().flatten().map(|i| (i.store_id, i.till_id));
            let store = l
                .store_info()
                .ok()
                .flatten()
                .map(|s| (s.franchisee_legal_name, s.franchisee_nif));
            (ident, store)
        },
        |r| {
            let (ident, store) = r.unwrap_or((None, None));
            Message::Loaded(ident, store)
        },
    )
}

impl State {
    /// The screen before the ledger's answer (see [`load`]).
    pub fn loading() -> Self {
        State {
            sistema: None,
            taxpayer: None,
        }
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Back => Action::Back,
            Message::Loaded(ident, store) => {
                let (store_id, till_id) =
                    ident.unwrap_or((sync_protocol::StoreId(0), sync_protocol::TillId(0)));
                self.sistema = Some(fiscal::sistema_informatico(store_id, till_id));
                self.taxpayer = store;
                Action::None
            }
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let Some(s) = &self.sistema else {
            let back = button(text(tr.t(key!("back-esc"))).size(22))
                .padding(14)
                .on_press(Message::Back);
            return container(column![text(tr.t(key!("about-title"))).size(30), back].spacing(12))
                .center_x(Length::Fill)
                .padding(24)
                .into();
        };
        let yes_no = |b: bool| tr.t(if b { "about-yes" } else { "about-no" });
        let field = |label: &str, value: String| text(format!("{}: {value}", tr.t(label))).size(18);
        let mut col = column![
            text(tr.t(key!("about-title"))).size(30),
            text(tr.t(key!("about-system"))).size(22),
            field("about-system-name", s.nombre_sistema_informatico.clone()),
            field("about-system-id", s.id_sistema_informatico.clone()),
            field("about-version", s.version.clone()),
            field("about-installation", s.numero_instalacion.clone()),
            field("about-producer", format!("{} ({})", s.nombre_razon, s.nif)),
            field(
                "about-only-verifactu",
                yes_no(s.tipo_uso_posible_solo_verifactu)
            ),
            field("about-multi-taxpayer", yes_no(s.tipo_uso_posible_multi_ot)),
            match &self.taxpayer {
                Some((name, nif)) => field("about-taxpayer", format!("{name} ({nif})")),
                None => text(tr.t(key!("about-no-taxpayer"))).size(18),
            },
        ]
        .spacing(8)
        .max_width(900);
        if !fiscal::producer_declared() {
            col = col.push(text(tr.t(key!("about-undeclared"))).size(18));
        }
        let address = fiscal::producer_address()
            .map(str::to_string)
            .unwrap_or_else(|| tr.t(key!("about-not-given")));
        let (place, date) = fiscal::declaration_signed()
            .map(|(p, d)| (p.to_string(), d.to_string()))
            .unwrap_or_else(|| (tr.t(key!("about-not-given")), tr.t(key!("about-not-given"))));
        col = col.push(text(tr.t(key!("about-declaration"))).size(22));
        let letter = |key: &'static str, args: &[(&'static str, String)]| {
            let args: Vec<(&str, fluent_bundle::FluentValue<'_>)> =
                args.iter().map(|(k, v)| (*k, v.clone().into())).collect();
            text(tr.args(key, &args)).size(17)
        };
        col = col
            .push(letter(
                "about-declaration-a",
                &[("name", s.nombre_sistema_informatico.clone())],
            ))
            .push(letter(
                "about-declaration-b",
                &[("id", s.id_sistema_informatico.clone())],
            ))
            .push(letter(
                "about-declaration-c",
                &[("version", s.version.clone())],
            ))
            .push(letter("about-declaration-d", &[]))
            .push(letter("about-declaration-e", &[]))
            .push(letter("about-declaration-f", &[]))
            .push(letter("about-declaration-g", &[]))
            .push(letter(
                "about-declaration-h",
                &[("producer", s.nombre_razon.clone())],
            ))
            .push(letter("about-declaration-i", &[("nif", s.nif.clone())]))
            .push(letter("about-declaration-j", &[("address", address)]))
            .push(letter("about-declaration-k", &[]))
            .push(letter(
                "about-declaration-l",
                &[("place", place), ("date", date)],
            ))
            .push(text(tr.t(key!("about-licence"))).size(17));
        // The way back stays on screen however long the declaration is.
        let back = button(text(tr.t(key!("back-esc"))).size(22))
            .padding(14)
            .on_press(Message::Back);
        container(column![scrollable(col).height(Length::Fill), back].spacing(12))
            .center_x(Length::Fill)
            .padding(24)
            .into()
    }
}
