//! HTML building blocks of the dashboard: escaping, the page layout with its navigation and the
//! ES | EN switch, number and date formats (Europe/Madrid), and the server-rendered SVG bar chart.
//!
//! The `*_t` functions take the viewer's language (a [`Tr`]). [`money`] is the Spanish amount
//! (what `Tr::es().money` writes), kept for tests that compare pages with exact Spanish figures.

use super::Viewer;
use super::i18n::{Lang, Tr};
use crate::storage::dashboard::DashboardRole;
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
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

/// Escapes text for HTML element content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
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
pub fn role_name_t(t: &Tr, r: DashboardRole) -> String {
    t.msg(match r {
        DashboardRole::Admin => "role-admin",
        DashboardRole::Analyst => "role-analyst",
        DashboardRole::Manager => "role-manager",
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
    ("stores", "/dashboard/stores", "nav-stores"),
    ("deliveries", "/dashboard/deliveries", "nav-deliveries"),
    ("tills", "/dashboard/tills", "nav-tills"),
    ("staff", "/dashboard/staff", "nav-staff"),
    ("reports", "/dashboard/reports", "nav-reports"),
];

/// The ES | EN switch: links to `/dashboard/lang`, which sets the cookie and comes back to `back`.
pub fn lang_switch(t: &Tr, back: &str) -> String {
    let back = url(super::safe_back(back));
    let links: Vec<String> = Lang::ALL
        .iter()
        .map(|l| {
            let cur = if *l == t.lang() {
                " aria-current=\"true\""
            } else {
                ""
            };
            format!(
                "<a href=\"/dashboard/lang?to={code}&amp;back={back}\" lang=\"{code}\" hreflang=\"{code}\" id=\"lang-{code}\"{cur}>{upper}</a>",
                code = l.code(),
                upper = l.code().to_uppercase(),
            )
        })
        .collect();
    format!(
        "<nav class=\"lang\" aria-label=\"{}\">{}</nav>",
        esc(&t.msg("lang-switch-label")),
        links.join(" | ")
    )
}

fn shell(t: &Tr, title: &str, head_extra: &str, header_html: &str, body: &str) -> Html<String> {
    Html(format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{} · Trastienda</title><link rel=\"stylesheet\" href=\"/dashboard/style.css\">{head_extra}</head>\
         <body>{header_html}<main>{body}</main></body></html>",
        esc(title),
        lang = t.lang().code(),
    ))
}

/// A page of the signed-in dashboard in the viewer's language: navigation (with `active`
/// marked), the language switch, who is signed in, sign-out.
pub fn page_t(v: &Viewer, active: &str, title: &str, body: &str) -> Html<String> {
    page_with_head_t(v, active, title, "", body)
}

pub fn page_with_head_t(
    v: &Viewer,
    active: &str,
    title: &str,
    head_extra: &str,
    body: &str,
) -> Html<String> {
    layout(v.t(), v, active, title, head_extra, body)
}

fn layout(
    t: &Tr,
    v: &Viewer,
    active: &str,
    title: &str,
    head_extra: &str,
    body: &str,
) -> Html<String> {
    let nav: String = NAV
        .iter()
        .map(|(id, href, key)| {
            let cur = if *id == active {
                " aria-current=\"page\""
            } else {
                ""
            };
            format!("<a href=\"{href}\"{cur}>{}</a>", esc(&t.msg(key)))
        })
        .collect();
    let header_html = format!(
        "<header class=\"top\"><a class=\"brand\" href=\"/dashboard\">Trastienda</a><nav>{nav}</nav>{switch}\
         <form class=\"who\" method=\"post\" action=\"/dashboard/logout\">{csrf}\
         <span id=\"who\">{name} · {role}</span><button type=\"submit\" class=\"link\">{out}</button></form></header>",
        switch = lang_switch(t, &v.here),
        csrf = v.csrf_field(),
        name = esc(&v.user.display_name),
        role = esc(&role_name_t(t, v.user.role)),
        out = esc(&t.msg("sign-out")),
    );
    shell(t, title, head_extra, &header_html, body)
}

/// A page without navigation in `t`'s language, with the language switch (coming back to `back`).
pub fn bare_page_t(t: &Tr, title: &str, body: &str, back: &str) -> Html<String> {
    shell(
        t,
        title,
        "",
        &format!(
            "<header class=\"top\"><a class=\"brand\" href=\"/dashboard\">Trastienda</a>{}</header>",
            lang_switch(t, back)
        ),
        body,
    )
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
pub fn notice(text: &str) -> String {
    format!("<p class=\"notice\" role=\"status\">{}</p>", esc(text))
}

/// Horizontal bar chart in `t`'s language (amounts and the legend): one bar per row for this
/// period and a thin one for the previous period. Values are cents; negatives draw as empty bars
/// (refund-heavy rows).
pub fn bar_chart_t(t: &Tr, title: &str, rows: &[(String, i64, i64)]) -> String {
    chart(t, title, rows, true, &|c| t.money(Money::from_cents(c)))
}

/// The same chart with one bar per row (no previous period), values written by `value`.
pub fn bar_chart_single_t(
    t: &Tr,
    title: &str,
    rows: &[(String, i64)],
    value: &dyn Fn(i64) -> String,
) -> String {
    let rows: Vec<(String, i64, i64)> = rows.iter().map(|(l, v)| (l.clone(), *v, 0)).collect();
    chart(t, title, &rows, false, value)
}

/// How many characters of a row's label the chart shows.
const LABEL_CHARS: usize = 32;

fn chart(
    t: &Tr,
    title: &str,
    rows: &[(String, i64, i64)],
    with_prev: bool,
    value: &dyn Fn(i64) -> String,
) -> String {
    let max = rows
        .iter()
        .flat_map(|r| [r.1, r.2])
        .max()
        .unwrap_or(0)
        .max(1);
    // Labels up to LABEL_CHARS characters fit the label column; longer ones end in "…" (the
    // full label is in the bar's tooltip and in the table below the chart).
    let (label_w, bar_w, row_h) = (270i64, 460i64, 30i64);
    let h = row_h * rows.len() as i64 + 30;
    let mut svg = format!(
        "<svg class=\"chart\" role=\"img\" aria-label=\"{t}\" viewBox=\"0 0 {w} {h}\" width=\"100%\" xmlns=\"http://www.w3.org/2000/svg\">\
         <title>{t}</title>",
        t = esc(title),
        w = label_w + bar_w + 120,
    );
    for (i, (label, now, prev)) in rows.iter().enumerate() {
        let y = i as i64 * row_h + 4;
        let wn = (now.max(&0) * bar_w) / max;
        let wp = (prev.max(&0) * bar_w) / max;
        let short: String = if label.chars().count() > LABEL_CHARS {
            let cut: String = label.chars().take(LABEL_CHARS - 1).collect();
            format!("{}…", cut.trim_end())
        } else {
            label.clone()
        };
        svg.push_str(&format!(
            "<text x=\"{lx}\" y=\"{ty}\" text-anchor=\"end\" class=\"lbl\">{l}</text>\
             <rect x=\"{label_w}\" y=\"{y}\" width=\"{wn}\" height=\"16\" class=\"now\"><title>{full}: {m}</title></rect>\
             {prev_bar}<text x=\"{vx}\" y=\"{ty}\" class=\"val\">{m}</text>",
            prev_bar = if with_prev {
                format!(
                    "<rect x=\"{label_w}\" y=\"{y2}\" width=\"{wp}\" height=\"5\" class=\"prev\"></rect>",
                    y2 = y + 19
                )
            } else {
                String::new()
            },
            lx = label_w - 8,
            ty = y + 13,
            l = esc(&short),
            full = esc(label),
            m = esc(&value(*now)),
            vx = label_w + wn + 6,
        ));
    }
    let ly = h - 8;
    if !with_prev {
        svg.push_str("</svg>");
        return svg;
    }
    svg.push_str(&format!(
        "<rect x=\"{label_w}\" y=\"{ry}\" width=\"14\" height=\"8\" class=\"now\"></rect>\
         <text x=\"{tx}\" y=\"{ly}\" class=\"lbl\">{this}</text>\
         <rect x=\"{px}\" y=\"{ry}\" width=\"14\" height=\"4\" class=\"prev\"></rect>\
         <text x=\"{ptx}\" y=\"{ly}\" class=\"lbl\">{prev}</text></svg>",
        this = esc(&t.msg("chart-this-period")),
        prev = esc(&t.msg("chart-previous-period")),
        ry = ly - 8,
        tx = label_w + 20,
        px = label_w + 130,
        ptx = label_w + 150,
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_quotes() {
        assert_eq!(
            esc("<a href=\"x\">O'Neil & co</a>"),
            "&lt;a href=&quot;x&quot;&gt;O&#39;Neil &amp; co&lt;/a&gt;"
        );
        assert_eq!(url("leche & pan/ñ"), "leche%20%26%20pan%2F%C3%B1");
    }

    #[test]
    fn money_is_spanish() {
        assert_eq!(money(Money::from_cents(123456)), "1.234,56 €");
        assert_eq!(money(Money::from_cents(5)), "0,05 €");
        assert_eq!(money(Money::from_cents(-100000)), "−1.000,00 €");
        assert_eq!(Tr::es().quantity(2500), "2,500");
        assert_eq!(Tr::es().quantity(3000), "3");
    }

    #[test]
    fn chart_has_a_bar_per_row_scaled_to_the_largest() {
        let svg = bar_chart_t(
            Tr::es(),
            "Ventas",
            &[("A".into(), 1000, 500), ("B <x>".into(), 500, 0)],
        );
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
        let svg = bar_chart_t(Tr::es(), "Ventas", &[(long.into(), 100, 0)]);
        let shown: String = long.chars().take(LABEL_CHARS - 1).collect();
        assert!(svg.contains(&format!(">{}…<", shown.trim_end())), "{svg}");
        assert!(svg.contains(&format!("<title>{long}: ")), "{svg}");
        let short = bar_chart_t(Tr::es(), "Ventas", &[("Efectivo".into(), 100, 0)]);
        assert!(
            short.contains(">Efectivo<") && !short.contains('…'),
            "{short}"
        );
    }

    #[test]
    fn chart_legend_and_amounts_in_english() {
        let svg = bar_chart_t(
            Tr::get(Lang::En),
            "Sales",
            &[("A".into(), 123456, 100), ("B".into(), 500, 0)],
        );
        assert!(
            svg.contains(">this period<") && svg.contains(">previous period<"),
            "{svg}"
        );
        assert!(svg.contains(">€1,234.56<"), "{svg}");
        assert!(!svg.contains("periodo"), "{svg}");
    }

    #[test]
    fn layout_helpers_per_language() {
        assert!(
            bare_page_t(Tr::es(), "Entrar", "<p>x</p>", "/dashboard")
                .0
                .contains("<html lang=\"es\">")
        );
        assert_eq!(role_name_t(Tr::es(), DashboardRole::Analyst), "analista");
        assert_eq!(
            role_name_t(Tr::get(Lang::En), DashboardRole::Analyst),
            "analyst"
        );
        let sw = lang_switch(Tr::get(Lang::En), "https://evil.example/");
        assert!(sw.contains("back=%2Fdashboard\""), "{sw}");
        assert!(
            sw.contains("id=\"lang-en\" aria-current=\"true\">EN</a>"),
            "{sw}"
        );
    }
}
