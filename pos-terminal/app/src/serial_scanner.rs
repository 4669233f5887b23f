//! A serial barcode scanner (RS-232, or USB in CDC-ACM mode) as a subscription: a blocking reader
//! thread turns the port's lines into codes, and the port is reopened after a failure (a scanner
//! unplugged and plugged back in comes back on its own).

use std::time::Duration;

use iced::Subscription;
use iced::futures::SinkExt;
use pos_terminal::scanner::WedgeEvent;

use crate::settings::SerialPort;

/// Pause before reopening a port that failed.
pub const REOPEN_AFTER: Duration = Duration::from_secs(5);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// A code, as the scanner sent it (checked by the sell screen like any scan).
    Code(String),
    /// The port could not be opened or read; retried every [`REOPEN_AFTER`].
    Failed(String),
}

/// Reads `port` until it fails, sending each code; returns the failure.
fn read_port(port: &SerialPort, tx: &tokio::sync::mpsc::Sender<Event>) -> String {
    let scanner = match pos_terminal::scanner::open_serial(&port.path, port.baud) {
        Ok(s) => s,
        Err(e) => return format!("{}: {e}", port.path),
    };
    for event in scanner {
        match event {
            Ok(WedgeEvent::Scan(code)) => {
                if tx.blocking_send(Event::Code(code)).is_err() {
                    return String::new();
                }
            }
            Ok(_) => {}
            // An hour without a scan: keep waiting.
            Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
            Err(e) => return format!("{}: {e}", port.path),
        }
    }
    format!("{}: the port closed", port.path)
}

fn run(port: &SerialPort) -> impl iced::futures::Stream<Item = Event> + use<> {
    let port = port.clone();
    iced::stream::channel(8, async move |mut out| {
        loop {
            let (tx, mut rx) = tokio::sync::mpsc::channel(8);
            let p = port.clone();
            let reader = tokio::task::spawn_blocking(move || {
                let error = read_port(&p, &tx);
                if !error.is_empty() {
                    let _ = tx.blocking_send(Event::Failed(error));
                }
            });
            while let Some(event) = rx.recv().await {
                if out.send(event).await.is_err() {
                    return;
                }
            }
            let _ = reader.await;
            tokio::time::sleep(REOPEN_AFTER).await;
        }
    })
}

/// Codes from the serial scanner at `port`, for as long as the settings name it.
pub fn subscription(port: SerialPort) -> Subscription<Event> {
    Subscription::run_with(port, run)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serialport::{SerialPort as _, TTYPort};
    use std::io::Write;

    /// A scanner on a pseudo-terminal: its codes come through, and when the port goes away the
    /// reader returns the failure (the subscription then reopens it after a pause).
    #[test]
    fn codes_from_the_port_then_the_failure() {
        let (mut master, slave) = TTYPort::pair().expect("pseudo-terminal pair");
        let path = slave.name().expect("pty name");
        drop(slave);
        let port = SerialPort { path, baud: 9600 };
        let (tx, mut rx) = tokio::sync::mpsc::channel(8);
        let reader = std::thread::spawn(move || read_port(&port, &tx));
        std::thread::sleep(Duration::from_millis(100));
        master.write_all(b"8412345678905\r\n").unwrap();
        master.flush().unwrap();
        assert_eq!(
            rx.blocking_recv(),
            Some(Event::Code("8412345678905".into()))
        );
        drop(master);
        let failure = reader.join().unwrap();
        assert!(!failure.is_empty(), "a closed port is reported");
    }

    #[test]
    fn a_port_that_does_not_exist_is_reported() {
        let port = SerialPort {
            path: "/dev/does-not-exist-ttyACM9".into(),
            baud: 9600,
        };
        let (tx, _rx) = tokio::sync::mpsc::channel(1);
        assert!(read_port(&port, &tx).contains("/dev/does-not-exist-ttyACM9"));
    }
}
