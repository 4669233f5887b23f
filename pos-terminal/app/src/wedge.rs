//! Keyboard-wedge scanners in the app: every key press is stamped and fed to the library's
//! [`WedgeDetector`]; a burst at scanner speed ending in Enter/Tab is a scan, and the app routes it
//! to the ticket whichever widget has (or has not) the focus.
//!
//! iced delivers each key to the focused widget before the app sees it, so the app cannot hold
//! keys back. Instead each key carries whether a widget *captured* it, and the app decides per
//! screen: a scan nobody captured goes to the ticket (or to the refund's ticket field); a scan the
//! sell screen's own scan field captured was already handled by that field; a scan typed into
//! another field (the manager PIN, the amount tendered) is taken back out of it.

use std::time::{Duration, Instant};

use iced::keyboard::{self, key::Named};
use iced::{Subscription, event};
use pos_terminal::scanner::{Key, WedgeConfig, WedgeDetector, WedgeEvent};

/// How often held-back keys are checked while a burst is pending.
pub const POLL: Duration = Duration::from_millis(50);

/// The detector plus whether any key of the current burst was captured by a widget.
#[derive(Debug, Clone, Default)]
pub struct Wedge {
    detector: WedgeDetector,
    captured: bool,
}

/// What the detector decided, with whether a widget already received those keys.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Routed {
    pub event: WedgeEvent,
    pub captured: bool,
}

impl Wedge {
    pub fn new(config: WedgeConfig) -> Self {
        Self {
            detector: WedgeDetector::new(config),
            captured: false,
        }
    }

    pub fn set_config(&mut self, config: WedgeConfig) {
        self.detector.config = config;
    }

    /// Whether keys are held back (the app polls only then).
    pub fn pending(&self) -> bool {
        self.detector.pending()
    }

    fn tag(&mut self, events: Vec<WedgeEvent>) -> Vec<Routed> {
        let captured = self.captured;
        if !events.is_empty() {
            self.captured = false;
        }
        events
            .into_iter()
            .map(|event| Routed { event, captured })
            .collect()
    }

    /// One key pressed at `at`; `captured` when a widget (a focused text field) took it.
    pub fn feed(&mut self, key: Key, captured: bool, at: Instant) -> Vec<Routed> {
        // Keys held back from before are released with their own flag first.
        let mut out = {
            let released = self.detector.poll(at);
            self.tag(released)
        };
        self.captured |= captured;
        let events = self.detector.feed(key, at);
        out.extend(self.tag(events));
        out
    }

    /// Timer tick: typing held back as a possible scan is released after a pause.
    pub fn tick(&mut self, at: Instant) -> Vec<Routed> {
        let events = self.detector.poll(at);
        self.tag(events)
    }
}

/// Maps an iced key press to a wedge key: printable characters, Enter and Tab. Modifier chords
/// (Ctrl/Alt/Logo) and key repeat are not scanner output.
pub fn key_of(event: &keyboard::Event) -> Option<Key> {
    let keyboard::Event::KeyPressed {
        key,
        text,
        modifiers,
        repeat,
        ..
    } = event
    else {
        return None;
    };
    if *repeat || modifiers.control() || modifiers.alt() || modifiers.logo() {
        return None;
    }
    match key {
        keyboard::Key::Named(Named::Enter) => Some(Key::Enter),
        keyboard::Key::Named(Named::Tab) => Some(Key::Tab),
        _ => {
            let mut chars = text.as_deref()?.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) if !c.is_control() => Some(Key::Char(c)),
                _ => None,
            }
        }
    }
}

/// Every key press, stamped when it arrives, with whether a widget captured it.
pub fn keys() -> Subscription<(Key, bool, Instant)> {
    event::listen_with(|event, status, _window| match event {
        iced::Event::Keyboard(k) => key_of(&k).map(|key| {
            (
                key,
                matches!(status, event::Status::Captured),
                Instant::now(),
            )
        }),
        _ => None,
    })
}
