//! Keyboard-wedge scans told from typing by timing, serial scanner streams, check digits and
//! variable-measure codes as the till's scan path sees them.
#![allow(clippy::unwrap_used)]

use pos_terminal::scanner::{
    Key, Scanned, SerialScanner, WedgeConfig, WedgeDetector, WedgeEvent, classify,
};
use std::time::{Duration, Instant};
use sync_protocol::barcode::{BarcodeError, VariableMeasureRule, VariableValue};
use sync_protocol::{Money, Quantity};

fn type_keys(
    d: &mut WedgeDetector,
    text: &str,
    per_key: Duration,
    start: Instant,
) -> (Vec<WedgeEvent>, Instant) {
    let mut t = start;
    let mut out = Vec::new();
    for c in text.chars() {
        out.extend(d.feed(Key::Char(c), t));
        t += per_key;
    }
    out.extend(d.feed(Key::Enter, t));
    (out, t)
}

#[test]
fn fast_bursts_are_scans_slow_typing_is_not() {
    let mut d = WedgeDetector::new(WedgeConfig::default());
    let t0 = Instant::now();
    for ms in [5, 7, 10] {
        let (ev, _) = type_keys(&mut d, "8412345678905", Duration::from_millis(ms), t0);
        assert_eq!(
            ev,
            vec![WedgeEvent::Scan("8412345678905".into())],
            "{ms} ms/key"
        );
    }
    // Tab suffix works too.
    let mut t = t0;
    let mut ev = Vec::new();
    for c in "96385074".chars() {
        ev.extend(d.feed(Key::Char(c), t));
        t += Duration::from_millis(8);
    }
    ev.extend(d.feed(Key::Tab, t));
    assert_eq!(ev, vec![WedgeEvent::Scan("96385074".into())]);

    // A person typing a quantity at 150 ms per key: every key passes through as typing.
    let (ev, _) = type_keys(&mut d, "8412345678905", Duration::from_millis(150), t0);
    assert!(
        ev.iter().all(|e| !matches!(e, WedgeEvent::Scan(_))),
        "{ev:?}"
    );
    let typed: String = ev
        .iter()
        .filter_map(|e| match e {
            WedgeEvent::Typing(s) => Some(s.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(typed, "8412345678905");
    assert_eq!(ev.last(), Some(&WedgeEvent::Key(Key::Enter)));

    // Too short a burst is typing, however fast.
    let (ev, _) = type_keys(&mut d, "12", Duration::from_millis(5), t0);
    assert_eq!(
        ev,
        vec![WedgeEvent::Typing("12".into()), WedgeEvent::Key(Key::Enter)]
    );

    // Held-back typing is released by poll after a pause.
    let mut d = WedgeDetector::new(WedgeConfig {
        min_length: 4,
        ..WedgeConfig::default()
    });
    assert!(d.feed(Key::Char('3'), t0).is_empty());
    assert_eq!(
        d.poll(t0 + Duration::from_millis(200)),
        vec![WedgeEvent::Typing("3".into())]
    );
}

#[test]
fn configurable_thresholds() {
    let mut d = WedgeDetector::new(WedgeConfig {
        min_length: 8,
        avg_time_per_char: Duration::from_millis(60),
        max_gap: Duration::from_millis(200),
    });
    let (ev, _) = type_keys(
        &mut d,
        "96385074",
        Duration::from_millis(50),
        Instant::now(),
    );
    assert_eq!(ev, vec![WedgeEvent::Scan("96385074".into())]);
}

#[test]
fn bad_check_digit_is_refused_with_a_clear_message() {
    let rules = [
        VariableMeasureRule::odoo_weight(),
        VariableMeasureRule::odoo_price(),
    ];
    let e = classify("8412345678906", &rules).unwrap_err();
    assert!(matches!(e, BarcodeError::CheckDigit { expected: 5, .. }));
    assert!(e.to_string().starts_with("invalid barcode"), "{e}");
    assert!(e.to_string().contains("check digit should be 5"), "{e}");
    assert_eq!(
        classify("8412345678905", &rules).unwrap(),
        Scanned::Gtin("8412345678905".into())
    );
    assert_eq!(
        classify("036000291452", &rules).unwrap(),
        Scanned::Gtin("036000291452".into())
    );
    assert_eq!(
        classify("T0007-000001", &rules).unwrap(),
        Scanned::Other("T0007-000001".into())
    );
}

#[test]
fn variable_measure_weight_and_price() {
    let rules = [
        VariableMeasureRule::odoo_weight(),
        VariableMeasureRule::odoo_price(),
    ];
    match classify("2100005080002", &rules).unwrap() {
        Scanned::VariableMeasure(v) => {
            assert_eq!(v.item, "00005");
            assert_eq!(v.value, VariableValue::Quantity(Quantity::from_milli(8000)));
        }
        other => panic!("{other:?}"),
    }
    match classify("2305000123451", &rules).unwrap() {
        Scanned::VariableMeasure(v) => {
            assert_eq!(v.value, VariableValue::Price(Money::from_cents(12345)));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn serial_scanner_lines() {
    let stream: &[u8] = b"8412345678905\r\n96385074\r\rT0007-000001\n\n";
    let codes: Vec<_> = SerialScanner::new(stream).map(|e| e.unwrap()).collect();
    assert_eq!(
        codes,
        vec![
            WedgeEvent::Scan("8412345678905".into()),
            WedgeEvent::Scan("96385074".into()),
            WedgeEvent::Scan("T0007-000001".into()),
        ]
    );
}

/// A serial scanner on a pseudo-terminal: codes arrive CR- or CRLF-terminated, in pieces.
#[cfg(all(feature = "serial", unix))]
#[test]
fn serial_scanner_reads_codes_from_a_port() {
    use serialport::{SerialPort, TTYPort};
    use std::io::Write;
    let (mut master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
    let path = slave.name().expect("pty name");
    drop(slave);
    let mut scanner = pos_terminal::scanner::open_serial(&path, 9600).expect("open the port");
    master.write_all(b"84123").unwrap();
    master.flush().unwrap();
    std::thread::sleep(Duration::from_millis(20));
    master.write_all(b"45678905\r\n4006381333931\r").unwrap();
    master.flush().unwrap();
    let first = scanner.next().unwrap().unwrap();
    assert_eq!(first, WedgeEvent::Scan("8412345678905".into()));
    let second = scanner.next().unwrap().unwrap();
    assert_eq!(second, WedgeEvent::Scan("4006381333931".into()));
    let _ = master.name();
}
