//! GS1 variable-measure barcode rules (scale labels with prefixes 20–29): one table for the whole
//! franchise. Everyone signed in may read it; only HQ admins add or remove rules. Writes go through
//! the same storage calls as the admin API, so each one gets its change-log row and reaches every till.

use super::html::{self, esc, url};
use super::stores::DoneQuery;
use super::{Lang, Tr, Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
use crate::http::AppState;
use crate::http::admin::{BarcodeRuleIn, validate_barcode_rule};
use axum::extract::State;
use serde::Deserialize;
use sync_protocol::BarcodeRuleRecord;
use sync_protocol::barcode::MeasureKind;

/// How a label of this rule looks: `21 IIIII VVVVV C`.
pub fn layout(r: &BarcodeRuleRecord) -> String {
    let mut s = format!("{} {}", r.prefix, "I".repeat(r.item_digits));
    if r.verifier {
        s.push_str(" V");
    }
    let v = match r.kind {
        MeasureKind::Weight => "P",
        MeasureKind::Price => "€",
    };
    s.push_str(&format!(" {} C", v.repeat(r.value_digits)));
    s
}

fn kind_name(t: &Tr, k: MeasureKind) -> String {
    t.msg(match k {
        MeasureKind::Weight => "rules-kind-weight",
        MeasureKind::Price => "rules-kind-price",
    })
}

/// What the value field means, e.g. "gramos (kg con 3 decimales)".
fn value_meaning(t: &Tr, r: &BarcodeRuleRecord) -> String {
    match (r.kind, r.decimals) {
        (MeasureKind::Weight, 3) => t.msg("rules-meaning-grams"),
        (MeasureKind::Price, 2) => t.msg("rules-meaning-cents"),
        (MeasureKind::Weight, d) => t.msg_with("rules-meaning-quantity", &[("decimals", &d)]),
        (MeasureKind::Price, d) => t.msg_with("rules-meaning-amount", &[("decimals", &d)]),
    }
}

/// A rule the API refused, in `t`'s language (`Display` is the API's English sentence).
fn rule_error(t: &Tr, e: &sync_protocol::barcode::RuleError) -> String {
    match t.lang() {
        Lang::Es => e.es(),
        Lang::En => {
            let s = e.to_string();
            let mut c = s.chars();
            match c.next() {
                Some(f) => format!("{}{}.", f.to_uppercase(), c.as_str()),
                None => s,
            }
        }
    }
}

/// `GET /dashboard/barcode-rules`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let t = v.t();
    let m = |k: &str| esc(&t.msg(k));
    let rules = st.storage.list_barcode_rules().await?;
    let rows: String = rules
        .iter()
        .map(|r| {
            let remove = if v.can_write() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/dashboard/barcode-rules/{id}/delete\">{csrf}\
                     <button type=\"submit\" class=\"secondary\">{remove}</button></form>",
                    id = r.id,
                    csrf = v.csrf_field(),
                    remove = m("rules-remove"),
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-rule=\"{id}\"><td><b>{prefix}</b></td><td>{kind}</td><td><code>{layout}</code></td>\
                 <td class=\"num\">{item}</td><td>{verifier}</td><td class=\"num\">{value}</td><td>{meaning}</td><td>{remove}</td></tr>",
                id = r.id,
                prefix = esc(&r.prefix),
                kind = esc(&kind_name(t, r.kind)),
                layout = esc(&layout(r)),
                item = r.item_digits,
                verifier = esc(&t.yes_no(r.verifier)),
                value = r.value_digits,
                meaning = esc(&value_meaning(t, r)),
            )
        })
        .collect();
    let empty = if rules.is_empty() {
        format!("<p class=\"muted\">{}</p>", m("rules-empty"))
    } else {
        String::new()
    };
    let form = if v.can_write() {
        format!(
            "<section class=\"card\"><h2>{h_new}</h2>\
             <p class=\"muted\">{help1} \
             {help2} <code>21 IIIII PPPPP C</code> {help3} \
             <code>23 IIIII €€€€€ C</code> {help4}</p>\
             <form class=\"row\" method=\"post\" action=\"/dashboard/barcode-rules\">{csrf}\
             <label>{l_prefix} <input name=\"prefix\" id=\"rule-prefix\" size=\"3\" required></label>\
             <label>{l_kind} <select name=\"kind\" id=\"rule-kind\"><option value=\"weight\">{weight}</option><option value=\"price\">{price}</option></select></label>\
             <label>{l_item} <input name=\"item_digits\" id=\"rule-item\" value=\"5\" size=\"3\" required></label>\
             <label>{l_value} <input name=\"value_digits\" id=\"rule-value\" value=\"5\" size=\"3\" required></label>\
             <label>{l_decimals} <input name=\"decimals\" id=\"rule-decimals\" value=\"3\" size=\"3\" required></label>\
             <label><input type=\"checkbox\" name=\"verifier\" value=\"on\"> {l_verifier}</label>\
             <button type=\"submit\" id=\"rule-save\">{add}</button></form></section>",
            csrf = v.csrf_field(),
            h_new = m("rules-new"),
            help1 = m("rules-new-help-1"),
            help2 = m("rules-new-help-2"),
            help3 = m("rules-new-help-3"),
            help4 = m("rules-new-help-4"),
            l_prefix = m("rules-prefix-label"),
            l_kind = m("rules-kind-label"),
            weight = m("rules-kind-weight"),
            price = m("rules-kind-price"),
            l_item = m("rules-item-digits"),
            l_value = m("rules-value-digits"),
            l_decimals = m("rules-decimals"),
            l_verifier = m("rules-verifier-digit"),
            add = m("rules-add"),
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>{title}</h1>{done}\
         <p class=\"muted\">{intro1} <code>2100001015251</code> \
         ({weight}) {intro2} <code>2100001000004</code>.</p>\
         <section class=\"card\"><table id=\"barcode-rules\"><thead><tr><th>{c_prefix}</th><th>{c_kind}</th><th>{c_format}</th>\
         <th class=\"num\">{c_item}</th><th>{c_verifier}</th><th class=\"num\">{c_value}</th><th>{c_meaning}</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table>{empty}</section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
        title = m("rules-title"),
        intro1 = m("rules-intro-1"),
        weight = esc(&format!("{} kg", t.quantity(1525))),
        intro2 = m("rules-intro-2"),
        c_prefix = m("rules-col-prefix"),
        c_kind = m("rules-kind-label"),
        c_format = m("rules-col-format"),
        c_item = m("rules-col-item"),
        c_verifier = m("rules-col-verifier"),
        c_value = m("rules-col-value"),
        c_meaning = m("rules-col-meaning"),
    );
    Ok(ok(html::page_t(
        &v,
        "barcode-rules",
        &t.msg("rules-title"),
        &body,
    )))
}

#[derive(Debug, Deserialize)]
pub struct RuleForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub prefix: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub item_digits: String,
    #[serde(default)]
    pub value_digits: String,
    #[serde(default)]
    pub decimals: String,
    pub verifier: Option<String>,
}

fn number<T: std::str::FromStr>(t: &Tr, field: &str, s: &str) -> Result<T, WebError> {
    s.trim().parse::<T>().map_err(|_| {
        WebError::invalid(t.msg_with(
            "rules-not-a-number",
            &[("field", &field), ("value", &s.trim())],
        ))
    })
}

/// `POST /dashboard/barcode-rules`: a new rule; bad input is refused with the reason and nothing is saved.
pub async fn create(
    State(st): State<AppState>,
    v: Viewer,
    WebForm(f): WebForm<RuleForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    let t = v.t();
    let kind = match f.kind.as_str() {
        "weight" => MeasureKind::Weight,
        "price" => MeasureKind::Price,
        _ => return Err(WebError::invalid(t.msg("rules-choose-kind"))),
    };
    let rule = validate_barcode_rule(BarcodeRuleIn {
        prefix: f.prefix,
        kind,
        item_digits: number(t, &t.msg("rules-item-digits"), &f.item_digits)?,
        value_digits: number(t, &t.msg("rules-value-digits"), &f.value_digits)?,
        decimals: number(t, &t.msg("rules-decimals"), &f.decimals)?,
        verifier: f.verifier.is_some_and(|v| !v.is_empty()),
    })
    .map_err(|e| WebError::invalid(rule_error(t, &e)))?;
    let r = st
        .storage
        .create_barcode_rule(&rule)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict(_) => WebError::new(
                axum::http::StatusCode::CONFLICT,
                t.msg_with("rules-prefix-taken", &[("prefix", &rule.prefix)]),
            ),
            other => other.into(),
        })?;
    Ok(see_other(&format!(
        "/dashboard/barcode-rules?done={}",
        url(&t.msg_with("rules-saved", &[("prefix", &r.prefix)]))
    )))
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    pub csrf: String,
}

/// `POST /dashboard/barcode-rules/{id}/delete`.
pub async fn delete(
    State(st): State<AppState>,
    v: Viewer,
    WebPath(id): WebPath<i64>,
    WebForm(f): WebForm<CsrfForm>,
) -> WebResult {
    v.check_write(&f.csrf)?;
    st.storage.delete_barcode_rule(id).await?;
    Ok(see_other(&format!(
        "/dashboard/barcode-rules?done={}",
        url(&v.t().msg("rules-removed"))
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use sync_protocol::barcode::VariableMeasureRule;

    #[test]
    fn layouts() {
        let w = BarcodeRuleRecord::new(1, &VariableMeasureRule::odoo_weight());
        assert_eq!(layout(&w), "21 IIIII PPPPP C");
        let mut p = BarcodeRuleRecord::new(2, &VariableMeasureRule::odoo_price());
        p.item_digits = 4;
        p.verifier = true;
        assert_eq!(layout(&p), "23 IIII V €€€€€ C");
    }
}
