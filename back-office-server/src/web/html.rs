//! HTML building blocks of the dashboard as maud functions: the page layout with its navigation
//! and the ES | EN switch, notices and badges, and the server-rendered SVG bar chart.
//!
//! Text goes into markup as a `String`/`&str` splice, which maud escapes; only [`Markup`] is
//! written as it is. [`money`] is the Spanish amount (what `Tr::es().money` writes), kept for tests
//! that compare pages with exact Spanish figures.

use super::Viewer;
use super::i18n::{Lang, Tr};
use crate::key;
use crate::storage::dashboard::DashboardRole;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use maud::{Markup, PreEscaped, html};
use sync_protocol::Money;

const CSS: &str = include_str!("../../../assets/dashboard/dashboard.css");

pub async fn stylesheet() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "max-age=300"),
        ],
        CSS,
    )
        .into_response()
}

/// Percent-encodes a query-string value.
pub fn url(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            o.push(char::from(b));
        } else {
            o.push_str(&format!("%{b:02X}"));
        }
    }
    o
}

/// The role's name in `t`'s language.
pub fn role_name(t: &Tr, r: DashboardRole) -> String {
    t.msg(match r {
        DashboardRole::Admin => "role-admin",
        DashboardRole::Analyst => "role-analyst",
        DashboardRole::Manager => "role-manager",
        DashboardRole::Franchisee => "role-franchisee",
    })
}

/// The navigation: id, link, message key.
const NAV: &[(&str, &str, &str)] = &[
    ("overview", "/dashboard", "nav-overview"),
    ("catalog", "/dashboard/catalog", "nav-catalog"),
    (
        "barcode-rules",
        "/dashboard/barcode-rules",
        "nav-barcode-rules",
    ),
    ("quick-keys", "/dashboard/quick-keys", "nav-quick-keys"),
    ("promotions", "/dashboard/promotions", "nav-promotions"),
    ("stores", "/dashboard/stores", "nav-stores"),
    ("customers", "/dashboard/customers", "nav-customers"),
    ("deliveries", "/dashboard/deliveries", "nav-deliveries"),
    ("stock", "/dashboard/stock", "nav-stock"),
    (
        "replenishment",
        "/dashboard/replenishment",
        "nav-replenishment",
    ),
    (
        "purchasing",
        "/dashboard/purchase-orders",
        "nav-purchase-orders",
    ),
    ("tills", "/dashboard/tills", "nav-tills"),
    ("staff", "/dashboard/staff", "nav-staff"),
    ("reports", "/dashboard/reports", "nav-reports"),
    ("alerts", "/dashboard/alerts", "nav-alerts"),
];

/// HQ's catalogue pages a franchisee user is not shown in the menu (nothing of its own there: the
/// catalogue and the scales' barcode rules are HQ's, the same for every franchisee).
const HQ_CATALOG: &[&str] = &["catalog", "barcode-rules", "quick-keys", "replenishment"];

/// The ES | EN switch: links to `/dashboard/lang`, which sets the cookie and comes back to `back`.
pub fn lang_switch(t: &Tr, back: &str) -> Markup {
    let back = url(super::safe_back(back));
    html! {
        nav class="lang" aria-label=(t.msg(key!("lang-switch-label"))) {
            @for (i, l) in Lang::ALL.iter().enumerate() {
                @if i > 0 { " | " }
                a href={ "/dashboard/lang?to=" (l.code()) "&back=" (back) } lang=(l.code())
                    hreflang=(l.code()) id={ "lang-" (l.code()) }
                    aria-current=[(*l == t.lang()).then_some("true")] { (l.code().to_uppercase()) }
            }
        }
    }
}

fn shell(t: &Tr, title: &str, head_extra: Markup, header: Markup, body: Markup) -> Markup {
    html! {
        (PreEscaped("<!doctype html>"))
        html lang=(t.lang().code()) {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) " · Trastienda" }
                link rel="stylesheet" href="/dashboard/style.css";
                (head_extra)
            }
            body { (header) main { (body) } }
        }
    }
}

/// A page of the signed-in dashboard in the viewer's language: navigation (with `active`
/// marked), the language switch, who is signed in, sign-out.
pub fn page(v: &Viewer, active: &str, title: &str, body: Markup) -> Markup {
    page_with_head(v, active, title, html! {}, body)
}

/// [`page`] with more in its `<head>` (the overview's automatic reload).
pub fn page_with_head(
    v: &Viewer,
    active: &str,
    title: &str,
    head_extra: Markup,
    body: Markup,
) -> Markup {
    let t = v.t();
    let header = html! {
        header class="top" {
            a class="brand" href="/dashboard" { "Trastienda" }
            nav {
                @for (id, href, key) in NAV {
                    @if v.franchisee().is_none() || !HQ_CATALOG.contains(id) {
                        a href=(href) aria-current=[(*id == active).then_some("page")] { (t.msg(key)) }
                    }
                }
                @if v.franchisee().is_some() {
                    a href="/dashboard/franchise" id="nav-franchise" aria-current=[("franchise" == active).then_some("page")] { (t.msg(key!("nav-franchise"))) }
                    a href="/dashboard/franchise/contract" id="nav-franchise-contract" aria-current=[("franchise-contract" == active).then_some("page")] { (t.msg(key!("nav-franchise-contract"))) }
                    a href="/dashboard/archive" id="nav-archive" aria-current=[("franchise-archive" == active).then_some("page")] { (t.msg(key!("nav-archive"))) }
                }
                @if v.scope().is_none() {
                    a href="/dashboard/invoicing" aria-current=[("invoicing" == active).then_some("page")] { (t.msg(key!("nav-invoicing"))) }
                    a href="/dashboard/jobs" aria-current=[("jobs" == active).then_some("page")] { (t.msg(key!("nav-jobs"))) }
                    a href="/dashboard/verifactu" aria-current=[("verifactu" == active).then_some("page")] { "VERI*FACTU" }
                    a href="/dashboard/users" aria-current=[("people" == active).then_some("page")] { (t.msg(key!("nav-people"))) }
                    a href="/dashboard/audit" aria-current=[("audit" == active).then_some("page")] { (t.msg(key!("nav-audit"))) }
                    a href="/dashboard/collections" aria-current=[("collections" == active).then_some("page")] { (t.msg(key!("nav-collections"))) }
                    a href="/dashboard/archive" aria-current=[("archive" == active).then_some("page")] { (t.msg(key!("nav-archive"))) }
                }
            }
            (lang_switch(t, &v.here))
            form class="who" method="post" action="/dashboard/logout" {
                (v.csrf_field())
                span id="who" { a href="/dashboard/account" title=(t.msg(key!("account-title"))) { (v.user.display_name) } " · " (role_name(t, v.user.role)) }
                button type="submit" class="link" { (t.msg(key!("sign-out"))) }
            }
        }
    };
    shell(t, title, head_extra, header, body)
}

/// A page without navigation in `t`'s language, with the language switch (coming back to `back`).
pub fn bare_page(t: &Tr, title: &str, body: Markup, back: &str) -> Markup {
    let header = html! {
        header class="top" {
            a class="brand" href="/dashboard" { "Trastienda" }
            (lang_switch(t, back))
        }
    };
    shell(t, title, html! {}, header, body)
}

/// `1.234,56 €`: Spanish grouping and decimal comma.
pub fn money(m: Money) -> String {
    let cents = m.cents();
    let neg = cents < 0;
    let abs = cents.unsigned_abs();
    let (euros, c) = (abs / 100, abs % 100);
    let digits = euros.to_string();
    let mut grouped = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    format!("{}{grouped},{c:02} €", if neg { "−" } else { "" })
}

/// A price as typed in a form field: `12.34` (the form also accepts `12,34`).
pub fn price_field(m: Money) -> String {
    m.to_string()
}

/// A notice under a heading (after a save, an import…).
pub fn notice(text: &str) -> Markup {
    html! { p class="notice" role="status" { (text) } }
}

/// The `?done=` notice of a page, if any.
pub fn done(text: Option<&str>) -> Markup {
    html! { @if let Some(d) = text { (notice(d)) } }
}

/// `<p class="muted">…</p>`: an empty state or a hint.
pub fn muted(text: &str) -> Markup {
    html! { p class="muted" { (text) } }
}

/// A coloured label: `class` is `ok`, `warn`, `bad` or empty.
pub fn badge(class: &str, text: &str) -> Markup {
    html! {
        @if class.is_empty() { span class="badge" { (text) } }
        @else { span class={ "badge " (class) } { (text) } }
    }
}

/// Horizontal bar chart in `t`'s language (amounts and the legend): one bar per row for this
/// period and a thin one for the previous period. Values are cents; negatives draw as empty bars
/// (refund-heavy rows).
pub fn bar_chart(t: &Tr, title: &str, rows: &[(String, i64, i64)]) -> Markup {
    chart(t, title, rows, true, false, &|c| {
        t.money(Money::from_cents(c))
    })
}

/// The same chart with one bar per row (no previous period), values written by `value`.
pub fn bar_chart_single(
    t: &Tr,
    title: &str,
    rows: &[(String, i64)],
    value: &dyn Fn(i64) -> String,
) -> Markup {
    let rows: Vec<(String, i64, i64)> = rows.iter().map(|(l, v)| (l.clone(), *v, 0)).collect();
    chart(t, title, &rows, false, false, value)
}

/// One bar per row for amounts that may be negative (a cash shortage): the bar's length is the
/// amount's size, a negative bar is drawn in the warning colour, and the amount is written with
/// its sign (`−7,00 €`, `+3,00 €`).
pub fn bar_chart_signed(t: &Tr, title: &str, rows: &[(String, i64)]) -> Markup {
    let rows: Vec<(String, i64, i64)> = rows.iter().map(|(l, v)| (l.clone(), *v, 0)).collect();
    chart(t, title, &rows, false, true, &|c| {
        let m = t.money(Money::from_cents(c));
        if c > 0 { format!("+{m}") } else { m }
    })
}

/// How many characters of a row's label the chart shows.
const LABEL_CHARS: usize = 32;

/// A label cut to [`LABEL_CHARS`], ending in "…" when cut (the full label is in the tooltip).
fn short_label(label: &str) -> String {
    if label.chars().count() > LABEL_CHARS {
        let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
        let mut s = cut.trim_end().to_string();
        s.push('…');
        s
    } else {
        label.to_string()
    }
}

fn chart(
    t: &Tr,
    title: &str,
    rows: &[(String, i64, i64)],
    with_prev: bool,
    signed: bool,
    value: &dyn Fn(i64) -> String,
) -> Markup {
    // Signed charts draw a bar as long as the amount's size; the others draw negatives empty.
    let size = |v: i64| if signed { v.abs() } else { v.max(0) };
    let max = rows
        .iter()
        .flat_map(|r| [size(r.1), size(r.2)])
        .max()
        .unwrap_or(0)
        .max(1);
    // Labels up to LABEL_CHARS characters fit the label column; longer ones end in "…" (the
    // full label is in the bar's tooltip and in the table below the chart).
    let (label_w, bar_w, row_h) = (270i64, 460i64, 30i64);
    let h = row_h * rows.len() as i64 + 30;
    let ly = h - 8;
    html! {
        svg class="chart" role="img" aria-label=(title) viewBox={ "0 0 " (label_w + bar_w + 120) " " (h) }
            width="100%" xmlns="http://www.w3.org/2000/svg" {
            title { (title) }
            @for (i, (label, now, prev)) in rows.iter().enumerate() {
                @let y = i as i64 * row_h + 4;
                @let wn = (size(*now) * bar_w) / max;
                @let wp = (size(*prev) * bar_w) / max;
                @let m = value(*now);
                text x=(label_w - 8) y=(y + 13) text-anchor="end" class="lbl" { (short_label(label)) }
                rect x=(label_w) y=(y) width=(wn) height="16" class=(if signed && *now < 0 { "now neg" } else { "now" }) { title { (label) ": " (m) } }
                @if with_prev {
                    rect x=(label_w) y=(y + 19) width=(wp) height="5" class="prev" {}
                }
                text x=(label_w + wn + 6) y=(y + 13) class="val" { (m) }
            }
            @if with_prev {
                rect x=(label_w) y=(ly - 8) width="14" height="8" class="now" {}
                text x=(label_w + 20) y=(ly) class="lbl" { (t.msg(key!("chart-this-period"))) }
                rect x=(label_w + 130) y=(ly - 8) width="14" height="4" class="prev" {}
                text x=(label_w + 150) y=(ly) class="lbl" { (t.msg(key!("chart-previous-period"))) }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_by_type_and_urls_are_encoded() {
        assert_eq!(
            notice("<a href=\"x\">O'Neil & co</a>").into_string(),
            "<p class=\"notice\" role=\"status\">&lt;a href=&quot;x&quot;&gt;O'Neil &amp; co&lt;/a&gt;</p>"
        );
        assert_eq!(url("leche & pan/ñ"), "leche%20%26%20pan%2F%C3%B1");
    }

    #[test]
    fn money_is_spanish() {
        assert_eq!(money(Money::from_cents(123456)), "1.234,56 €");
        assert_eq!(money(Money::from_cents(5)), "0,05 €");
        assert_eq!(money(Money::from_cents(-100000)), "−1.000,00 €");
        assert_eq!(Tr::es().quantity(2500), "2,5");
        assert_eq!(Tr::es().quantity(3000), "3");
    }

    #[test]
    fn chart_has_a_bar_per_row_scaled_to_the_largest() {
        let svg = bar_chart(
            Tr::es(),
            "Ventas",
            &[("A".into(), 1000, 500), ("B <x>".into(), 500, 0)],
        )
        .into_string();
        assert!(svg.contains("width=\"460\""), "{svg}");
        assert!(svg.contains("width=\"230\""), "{svg}");
        assert!(svg.contains("B &lt;x&gt;"));
        assert!(
            svg.contains("periodo anterior") && svg.contains("10,00 €"),
            "{svg}"
        );
    }

    #[test]
    fn long_chart_labels_end_in_an_ellipsis_and_keep_the_full_text_in_the_tooltip() {
        let long = "DEMO-00209 Leche semidesnatada Casa Pepa 1 l";
        let svg = bar_chart(Tr::es(), "Ventas", &[(long.into(), 100, 0)]).into_string();
        let shown: String = long.chars().take(LABEL_CHARS - 1).collect();
        assert!(svg.contains(&format!(">{}…<", shown.trim_end())), "{svg}");
        assert!(svg.contains(&format!("<title>{long}: ")), "{svg}");
        let short = bar_chart(Tr::es(), "Ventas", &[("Efectivo".into(), 100, 0)]).into_string();
        assert!(
            short.contains(">Efectivo<") && !short.contains('…'),
            "{short}"
        );
    }

    #[test]
    fn chart_legend_and_amounts_in_english() {
        let svg = bar_chart(
            Tr::get(Lang::En),
            "Sales",
            &[("A".into(), 123456, 100), ("B".into(), 500, 0)],
        )
        .into_string();
        assert!(
            svg.contains(">this period<") && svg.contains(">previous period<"),
            "{svg}"
        );
        assert!(svg.contains(">€1,234.56<"), "{svg}");
        assert!(!svg.contains("periodo"), "{svg}");
    }

    #[test]
    fn a_shortage_is_drawn_with_its_sign() {
        let svg = bar_chart_signed(
            Tr::es(),
            "Descuadre",
            &[("Centro".into(), -700), ("Norte".into(), 350)],
        )
        .into_string();
        assert!(svg.contains(">−7,00 €<"), "{svg}");
        assert!(svg.contains(">+3,50 €<"), "{svg}");
        assert!(!svg.contains(">7,00 €<"), "{svg}");
        // The shortage is the longest bar, drawn as a shortage.
        assert!(
            svg.contains("width=\"460\" height=\"16\" class=\"now neg\""),
            "{svg}"
        );
        assert!(
            svg.contains("width=\"230\" height=\"16\" class=\"now\""),
            "{svg}"
        );
    }

    #[test]
    fn layout_helpers_per_language() {
        assert!(
            bare_page(Tr::es(), "Entrar", html! { p { "x" } }, "/dashboard")
                .into_string()
                .contains("<html lang=\"es\">")
        );
        assert_eq!(role_name(Tr::es(), DashboardRole::Analyst), "analista");
        assert_eq!(
            role_name(Tr::get(Lang::En), DashboardRole::Analyst),
            "analyst"
        );
        let sw = lang_switch(Tr::get(Lang::En), "https://evil.example/").into_string();
        assert!(sw.contains("back=%2Fdashboard\""), "{sw}");
        assert!(
            sw.contains("id=\"lang-en\" aria-current=\"true\">EN</a>"),
            "{sw}"
        );
    }
}
