//! GS1 variable-measure barcode rules (scale labels with prefixes 20–29): one table for the whole
//! franchise. Everyone signed in may read it; only HQ admins add or remove rules. Writes go through
//! the same storage calls as the admin API, so each one gets its change-log row and reaches every till.

use super::html::{self, esc, url};
use super::stores::DoneQuery;
use super::{Viewer, WebError, WebForm, WebPath, WebQuery, WebResult, ok, see_other};
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

fn kind_name(k: MeasureKind) -> &'static str {
    match k {
        MeasureKind::Weight => "peso",
        MeasureKind::Price => "precio",
    }
}

/// What the value field means, e.g. "gramos → kg (3 decimales)".
fn value_meaning(r: &BarcodeRuleRecord) -> String {
    match (r.kind, r.decimals) {
        (MeasureKind::Weight, 3) => "gramos (kg con 3 decimales)".into(),
        (MeasureKind::Price, 2) => "céntimos (€ con 2 decimales)".into(),
        (MeasureKind::Weight, d) => format!("cantidad con {d} decimales"),
        (MeasureKind::Price, d) => format!("importe en € con {d} decimales"),
    }
}

/// `GET /dashboard/barcode-rules`.
pub async fn list(
    State(st): State<AppState>,
    v: Viewer,
    WebQuery(q): WebQuery<DoneQuery>,
) -> WebResult {
    let rules = st.storage.list_barcode_rules().await?;
    let rows: String = rules
        .iter()
        .map(|r| {
            let remove = if v.can_write() {
                format!(
                    "<form class=\"inline\" method=\"post\" action=\"/dashboard/barcode-rules/{id}/delete\">{csrf}\
                     <button type=\"submit\" class=\"secondary\">Quitar</button></form>",
                    id = r.id,
                    csrf = v.csrf_field()
                )
            } else {
                String::new()
            };
            format!(
                "<tr data-rule=\"{id}\"><td><b>{prefix}</b></td><td>{kind}</td><td><code>{layout}</code></td>\
                 <td class=\"num\">{item}</td><td>{verifier}</td><td class=\"num\">{value}</td><td>{meaning}</td><td>{remove}</td></tr>",
                id = r.id,
                prefix = esc(&r.prefix),
                kind = kind_name(r.kind),
                layout = esc(&layout(r)),
                item = r.item_digits,
                verifier = if r.verifier { "sí" } else { "no" },
                value = r.value_digits,
                meaning = esc(&value_meaning(r)),
            )
        })
        .collect();
    let empty = if rules.is_empty() {
        "<p class=\"muted\">No hay reglas: las cajas leen los códigos 20–29 como códigos normales.</p>"
    } else {
        ""
    };
    let form = if v.can_write() {
        format!(
            "<section class=\"card\"><h2>Nueva regla</h2>\
             <p class=\"muted\">Prefijo + artículo + verificador (opcional) + valor + dígito de control = 13 cifras. \
             Las habituales: peso <code>21 IIIII PPPPP C</code> (5 + 5, 3 decimales, gramos) y precio \
             <code>23 IIIII €€€€€ C</code> (5 + 5, 2 decimales, céntimos).</p>\
             <form class=\"row\" method=\"post\" action=\"/dashboard/barcode-rules\">{csrf}\
             <label>Prefijo (20–29) <input name=\"prefix\" id=\"rule-prefix\" size=\"3\" required></label>\
             <label>Tipo <select name=\"kind\" id=\"rule-kind\"><option value=\"weight\">peso</option><option value=\"price\">precio</option></select></label>\
             <label>Cifras de artículo <input name=\"item_digits\" id=\"rule-item\" value=\"5\" size=\"3\" required></label>\
             <label>Cifras de valor <input name=\"value_digits\" id=\"rule-value\" value=\"5\" size=\"3\" required></label>\
             <label>Decimales <input name=\"decimals\" id=\"rule-decimals\" value=\"3\" size=\"3\" required></label>\
             <label><input type=\"checkbox\" name=\"verifier\" value=\"on\"> Dígito verificador</label>\
             <button type=\"submit\" id=\"rule-save\">Añadir</button></form></section>",
            csrf = v.csrf_field()
        )
    } else {
        String::new()
    };
    let body = format!(
        "<h1>Códigos de balanza</h1>{done}\
         <p class=\"muted\">Etiquetas EAN-13 de peso o precio variable (prefijos GS1 20–29), iguales en todas las tiendas. \
         El producto se busca por su código con el valor a ceros: por ejemplo, la etiqueta <code>2100001015251</code> \
         (1,525 kg) es del producto que tiene el código <code>2100001000004</code>.</p>\
         <section class=\"card\"><table id=\"barcode-rules\"><thead><tr><th>Prefijo</th><th>Tipo</th><th>Formato</th>\
         <th class=\"num\">Artículo</th><th>Verificador</th><th class=\"num\">Valor</th><th>Significado</th><th></th></tr></thead>\
         <tbody>{rows}</tbody></table>{empty}</section>{form}",
        done = q.done.as_deref().map(html::notice).unwrap_or_default(),
    );
    Ok(ok(html::page(
        &v,
        "barcode-rules",
        "Códigos de balanza",
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

fn number<T: std::str::FromStr>(field: &str, s: &str) -> Result<T, WebError> {
    s.trim().parse::<T>().map_err(|_| {
        WebError::invalid(format!(
            "{field}: «{}» no es un número entero válido.",
            s.trim()
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
    let kind = match f.kind.as_str() {
        "weight" => MeasureKind::Weight,
        "price" => MeasureKind::Price,
        _ => return Err(WebError::invalid("Elige el tipo: peso o precio.")),
    };
    let rule = validate_barcode_rule(BarcodeRuleIn {
        prefix: f.prefix,
        kind,
        item_digits: number("Cifras de artículo", &f.item_digits)?,
        value_digits: number("Cifras de valor", &f.value_digits)?,
        decimals: number("Decimales", &f.decimals)?,
        verifier: f.verifier.is_some_and(|v| !v.is_empty()),
    })
    .map_err(|e| WebError::invalid(e.es()))?;
    let r = st
        .storage
        .create_barcode_rule(&rule)
        .await
        .map_err(|e| match e {
            crate::storage::StorageError::Conflict(_) => WebError::new(
                axum::http::StatusCode::CONFLICT,
                format!(
                    "Ya hay una regla con el prefijo {}: quítala antes de añadir otra.",
                    rule.prefix
                ),
            ),
            other => other.into(),
        })?;
    Ok(see_other(&format!(
        "/dashboard/barcode-rules?done={}",
        url(&format!(
            "Regla del prefijo {} guardada; las cajas la recibirán en su próxima sincronización",
            r.prefix
        ))
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
        url("Regla quitada")
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
