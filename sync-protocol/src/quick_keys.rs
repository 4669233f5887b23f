//! Quick keys: the grid of product buttons a till shows beside the ticket (touch-first selling).
//!
//! HQ keeps one franchise-wide layout and, where a store sells differently, a layout of that store
//! that replaces it. A layout is a list of keys in order, each on a named page (the tabs above the
//! grid, e.g. one per family); a key sells one product. Tills receive a whole layout at a time
//! ([`crate::CatalogChange::QuickKeys`]) and drop a store's own layout on
//! [`crate::CatalogChange::QuickKeysCleared`], going back to the franchise's.

use crate::ids::{ProductId, StoreId};
use serde::{Deserialize, Serialize};

/// Most keys one layout holds.
pub const MAX_KEYS: usize = 240;
/// Most pages one layout holds.
pub const MAX_PAGES: usize = 12;
/// Longest page name or key label, in characters (what fits on a key at 1024×768).
pub const MAX_LABEL_CHARS: usize = 24;

/// A key's colour, from a fixed palette that reads well with dark text on a till's screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub enum KeyColour {
    Red,
    Orange,
    Yellow,
    Green,
    Teal,
    Blue,
    Purple,
    #[default]
    Grey,
}

impl KeyColour {
    pub const ALL: [KeyColour; 8] = [
        Self::Red,
        Self::Orange,
        Self::Yellow,
        Self::Green,
        Self::Teal,
        Self::Blue,
        Self::Purple,
        Self::Grey,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Red => "red",
            Self::Orange => "orange",
            Self::Yellow => "yellow",
            Self::Green => "green",
            Self::Teal => "teal",
            Self::Blue => "blue",
            Self::Purple => "purple",
            Self::Grey => "grey",
        }
    }

    /// The colour by its name (`red`…), case-insensitive; Spanish names too (`rojo`…).
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim().to_lowercase();
        Some(match s.as_str() {
            "red" | "rojo" => Self::Red,
            "orange" | "naranja" => Self::Orange,
            "yellow" | "amarillo" => Self::Yellow,
            "green" | "verde" => Self::Green,
            "teal" | "turquesa" => Self::Teal,
            "blue" | "azul" => Self::Blue,
            "purple" | "morado" => Self::Purple,
            "grey" | "gray" | "gris" | "" => Self::Grey,
            _ => return None,
        })
    }

    /// The key's background as `0xRRGGBB` (light tints: dark text stays readable on every one).
    pub fn rgb(self) -> u32 {
        match self {
            Self::Red => 0xF4_B4_B4,
            Self::Orange => 0xF8_CF_A0,
            Self::Yellow => 0xF6_E7_9A,
            Self::Green => 0xB9_E4_B0,
            Self::Teal => 0xA8_E0_DA,
            Self::Blue => 0xB3_CF_F2,
            Self::Purple => 0xD5_C1_EE,
            Self::Grey => 0xDD_DF_E3,
        }
    }

    /// As a CSS colour (`#rrggbb`).
    pub fn css(self) -> String {
        format!("#{:06x}", self.rgb())
    }
}

/// One key: a product on a page.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct QuickKey {
    pub page: String,
    pub product_id: ProductId,
    /// What the key says; empty: the product's name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub label: String,
    #[serde(default)]
    pub colour: KeyColour,
}

/// A layout: the franchise's (`store_id` `None`) or one store's.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "utoipa", derive(utoipa::ToSchema))]
pub struct QuickKeyLayout {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub store_id: Option<StoreId>,
    pub keys: Vec<QuickKey>,
}

/// Why a layout is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("a layout holds at most {MAX_KEYS} keys, this one has {0}")]
    TooManyKeys(usize),
    #[error("a layout holds at most {MAX_PAGES} pages, this one has {0}")]
    TooManyPages(usize),
    #[error("key {0}: the page name is empty")]
    EmptyPage(usize),
    #[error("key {0}: a page name or label is at most {MAX_LABEL_CHARS} characters")]
    TooLong(usize),
    #[error("key {0}: product {1} is on page {2:?} twice")]
    Twice(usize, ProductId, String),
}

impl QuickKeyLayout {
    /// The page names in the order their first key comes.
    pub fn pages(&self) -> Vec<&str> {
        let mut pages: Vec<&str> = Vec::new();
        for k in &self.keys {
            if !pages.contains(&k.page.as_str()) {
                pages.push(&k.page);
            }
        }
        pages
    }

    /// The keys of `page`, in order.
    pub fn page<'a>(&'a self, page: &'a str) -> impl Iterator<Item = &'a QuickKey> + 'a {
        self.keys.iter().filter(move |k| k.page == page)
    }

    /// Checks the limits (numbers are 1-based key positions, as a person counts lines).
    pub fn check(&self) -> Result<(), LayoutError> {
        if self.keys.len() > MAX_KEYS {
            return Err(LayoutError::TooManyKeys(self.keys.len()));
        }
        for (i, k) in self.keys.iter().enumerate() {
            let n = i + 1;
            if k.page.trim().is_empty() {
                return Err(LayoutError::EmptyPage(n));
            }
            if k.page.chars().count() > MAX_LABEL_CHARS || k.label.chars().count() > MAX_LABEL_CHARS
            {
                return Err(LayoutError::TooLong(n));
            }
            if self.keys[..i]
                .iter()
                .any(|o| o.page == k.page && o.product_id == k.product_id)
            {
                return Err(LayoutError::Twice(n, k.product_id, k.page.clone()));
            }
        }
        let pages = self.pages().len();
        if pages > MAX_PAGES {
            return Err(LayoutError::TooManyPages(pages));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(page: &str, p: i64) -> QuickKey {
        QuickKey {
            page: page.into(),
            product_id: ProductId(p),
            label: String::new(),
            colour: KeyColour::Grey,
        }
    }

    #[test]
    fn pages_come_in_the_order_of_their_first_key() {
        let l = QuickKeyLayout {
            store_id: None,
            keys: vec![key("Café", 1), key("Bollería", 2), key("Café", 3)],
        };
        assert_eq!(l.pages(), vec!["Café", "Bollería"]);
        assert_eq!(
            l.page("Café").map(|k| k.product_id.0).collect::<Vec<_>>(),
            vec![1, 3]
        );
        assert_eq!(l.check(), Ok(()));
    }

    #[test]
    fn limits_are_checked() {
        let twice = QuickKeyLayout {
            store_id: None,
            keys: vec![key("A", 1), key("B", 1), key("A", 1)],
        };
        assert_eq!(
            twice.check(),
            Err(LayoutError::Twice(3, ProductId(1), "A".into()))
        );
        let long = QuickKeyLayout {
            store_id: None,
            keys: vec![key(&"x".repeat(MAX_LABEL_CHARS + 1), 1)],
        };
        assert_eq!(long.check(), Err(LayoutError::TooLong(1)));
        let pages = QuickKeyLayout {
            store_id: None,
            keys: (0..=MAX_PAGES as i64)
                .map(|i| key(&i.to_string(), i))
                .collect(),
        };
        assert_eq!(pages.check(), Err(LayoutError::TooManyPages(MAX_PAGES + 1)));
        assert_eq!(
            QuickKeyLayout {
                store_id: None,
                keys: vec![key(" ", 1)]
            }
            .check(),
            Err(LayoutError::EmptyPage(1))
        );
    }

    #[test]
    fn colours_read_in_both_languages_and_round_trip() {
        for c in KeyColour::ALL {
            assert_eq!(KeyColour::parse(c.as_str()), Some(c));
            assert_eq!(
                serde_json::to_string(&c).unwrap(),
                format!("\"{}\"", c.as_str())
            );
        }
        assert_eq!(KeyColour::parse("Verde"), Some(KeyColour::Green));
        assert_eq!(KeyColour::parse("fucsia"), None);
        assert_eq!(KeyColour::Blue.css(), "#b3cff2");
    }
}
