//! About this till: its VERI*FACTU identity (the `SistemaInformatico` every record carries), the
//! taxpayer it issues invoices for, and the producer's declaración responsable (RD 1007/2023 art. 13).

use std::sync::Mutex;

use iced::widget::{button, column, container, scrollable, text};
use iced::{Element, Length};
use pos_terminal::{Ledger, fiscal};
use sync_protocol::verifactu::SistemaInformatico;

use crate::i18n::I18n;

#[derive(Debug, Clone)]
pub enum Message {
    Back,
}

pub enum Action {
    Back,
}

pub struct State {
    sistema: SistemaInformatico,
    /// The franchisee's legal name and NIF, once HQ has sent the store.
    taxpayer: Option<(String, String)>,
}

impl State {
    pub fn new(ledger: &Mutex<Ledger>) -> Self {
        let (ident, store) = ledger
            .lock()
            .map(|l| (l.identity().ok().flatten(), l.store_info().ok().flatten()))
            .unwrap_or((None, None));
        let (store_id, till_id) = ident
            .map(|i| (i.store_id, i.till_id))
            .unwrap_or((sync_protocol::StoreId(0), sync_protocol::TillId(0)));
        State {
            sistema: fiscal::sistema_informatico(store_id, till_id),
            taxpayer: store.map(|s| (s.franchisee_legal_name, s.franchisee_nif)),
        }
    }

    pub fn update(&mut self, message: Message) -> Action {
        match message {
            Message::Back => Action::Back,
        }
    }

    pub fn view<'a>(&'a self, tr: &I18n) -> Element<'a, Message> {
        let s = &self.sistema;
        let yes_no = |b: bool| tr.t(if b { "about-yes" } else { "about-no" });
        let field = |label: &str, value: String| text(format!("{}: {value}", tr.t(label))).size(18);
        let mut col = column![
            text(tr.t("about-title")).size(30),
            text(tr.t("about-system")).size(22),
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
                None => text(tr.t("about-no-taxpayer")).size(18),
            },
        ]
        .spacing(8)
        .max_width(900);
        if !fiscal::producer_declared() {
            col = col.push(text(tr.t("about-undeclared")).size(18));
        }
        let address = fiscal::producer_address()
            .map(str::to_string)
            .unwrap_or_else(|| tr.t("about-not-given"));
        let (place, date) = fiscal::declaration_signed()
            .map(|(p, d)| (p.to_string(), d.to_string()))
            .unwrap_or_else(|| (tr.t("about-not-given"), tr.t("about-not-given")));
        col = col.push(text(tr.t("about-declaration")).size(22));
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
            .push(text(tr.t("about-licence")).size(17));
        // The way back stays on screen however long the declaration is.
        let back = button(text(tr.t("back-esc")).size(22))
            .padding(14)
            .on_press(Message::Back);
        container(column![scrollable(col).height(Length::Fill), back].spacing(12))
            .center_x(Length::Fill)
            .padding(24)
            .into()
    }
}
