//! Exact money, quantities and tax rates on `rust_decimal`.
//! Money has two decimals, quantities three, rates two; each serialises as a fixed-scale string so hashes are stable.

use rust_decimal::{Decimal, RoundingStrategy};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::iter::Sum;
use std::ops::{Add, AddAssign, Neg, Sub, SubAssign};
use std::str::FromStr;

/// Why a string or number could not become money, a quantity or a rate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("'{0}' is not a decimal number")]
    NotANumber(String),
    #[error("'{value}' has more than {max} decimals")]
    TooPrecise { value: String, max: u32 },
    #[error("'{0}' is out of range")]
    OutOfRange(String),
}

/// The one rounding rule of Trastienda: half away from zero, to the cent (Spanish commercial practice).
pub const ROUNDING: RoundingStrategy = RoundingStrategy::MidpointAwayFromZero;

fn parse_fixed(s: &str, scale: u32) -> Result<Decimal, MoneyError> {
    let d = Decimal::from_str(s.trim()).map_err(|_| MoneyError::NotANumber(s.to_string()))?;
    if d.normalize().scale() > scale {
        return Err(MoneyError::TooPrecise {
            value: s.to_string(),
            max: scale,
        });
    }
    // Bound everything to what fits comfortably in i64 minor units.
    if d.abs() > Decimal::from(1_000_000_000_000i64) {
        return Err(MoneyError::OutOfRange(s.to_string()));
    }
    let mut d = d;
    d.rescale(scale);
    Ok(d)
}

fn fixed_string(d: Decimal, scale: u32) -> String {
    let mut d = d;
    d.rescale(scale);
    if d.is_zero() {
        d.set_sign_positive(true);
    }
    d.to_string()
}

macro_rules! fixed_type {
    ($(#[$m:meta])* $name:ident, $scale:expr, $minor:ident, $from_minor:ident) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
        pub struct $name(Decimal);

        impl $name {
            /// Decimals kept.
            pub const SCALE: u32 = $scale;
            /// Zero.
            pub const ZERO: Self = Self(Decimal::ZERO);

            /// From a decimal; rounds half away from zero to the type's scale.
            pub fn new(d: Decimal) -> Self {
                Self(d.round_dp_with_strategy($scale, ROUNDING))
            }
            /// From integer minor units (cents for money, thousandths for quantities, hundredths for rates).
            pub fn $from_minor(units: i64) -> Self {
                Self(Decimal::new(units, $scale))
            }
            /// Integer minor units, as stored in databases so that SUMs stay exact.
            pub fn $minor(self) -> i64 {
                let mut d = self.0;
                d.rescale($scale);
                i64::try_from(d.mantissa()).unwrap_or(if d.is_sign_negative() { i64::MIN } else { i64::MAX })
            }
            /// The underlying decimal.
            pub fn as_decimal(self) -> Decimal {
                self.0
            }
            pub fn is_zero(self) -> bool {
                self.0.is_zero()
            }
            pub fn is_negative(self) -> bool {
                self.0.is_sign_negative() && !self.0.is_zero()
            }
            pub fn abs(self) -> Self {
                Self(self.0.abs())
            }
        }

        // The wire carries it as a string of at most `$scale` decimals (a JSON number would
        // already have lost exactness), and the OpenAPI document says so.
        #[cfg(feature = "utoipa")]
        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .pattern(Some(format!("^-?[0-9]+(\\.[0-9]{{1,{}}})?$", $scale)))
                    .description(Some(format!("A decimal with at most {} decimals, as a string", $scale)))
                    .into()
            }
        }
        #[cfg(feature = "utoipa")]
        impl utoipa::ToSchema for $name {}

        impl FromStr for $name {
            type Err = MoneyError;
            fn from_str(s: &str) -> Result<Self, MoneyError> {
                parse_fixed(s, $scale).map(Self)
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&fixed_string(self.0, $scale))
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(&fixed_string(self.0, $scale))
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                // Strings only: a JSON float would already have lost exactness.
                let s = String::deserialize(d)?;
                s.parse().map_err(serde::de::Error::custom)
            }
        }

        impl Add for $name {
            type Output = Self;
            fn add(self, o: Self) -> Self {
                Self(self.0 + o.0)
            }
        }
        impl Sub for $name {
            type Output = Self;
            fn sub(self, o: Self) -> Self {
                Self(self.0 - o.0)
            }
        }
        impl Neg for $name {
            type Output = Self;
            fn neg(self) -> Self {
                Self(-self.0)
            }
        }
        impl AddAssign for $name {
            fn add_assign(&mut self, o: Self) {
                self.0 += o.0;
            }
        }
        impl SubAssign for $name {
            fn sub_assign(&mut self, o: Self) {
                self.0 -= o.0;
            }
        }
        impl Sum for $name {
            fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
                iter.fold(Self::ZERO, |a, b| a + b)
            }
        }
    };
}

fixed_type!(
    /// An amount in euros with exactly two decimals. Never an `f64`.
    Money, 2, cents, from_cents
);
fixed_type!(
    /// A quantity with three decimals (units, or kilograms for weighed goods).
    Quantity, 3, milli, from_milli
);
fixed_type!(
    /// A tax rate in percent with two decimals: `21.00` is IVA general.
    TaxRate, 2, hundredths, from_hundredths
);
fixed_type!(
    /// A percentage with two decimals (`12.50` is 12.5 %), for promotions.
    Percent, 2, hundredths, from_hundredths
);

impl Percent {
    /// Whole percent.
    pub fn whole(n: i64) -> Self {
        Self::from_hundredths(n * 100)
    }
}

impl Money {
    /// `self × percent / 100`, rounded to the cent (half away from zero).
    pub fn percent_of(self, p: Percent) -> Money {
        Money::new(self.0 * p.0 / Decimal::ONE_HUNDRED)
    }

    /// `self × quantity`, rounded to the cent.
    pub fn times(self, q: Quantity) -> Money {
        Money::new(self.0 * q.0)
    }
}

impl Quantity {
    /// One unit.
    pub fn one() -> Self {
        Self::from_milli(1000)
    }
    /// Whole units.
    pub fn units(n: i64) -> Self {
        Self::from_milli(n * 1000)
    }
}

impl TaxRate {
    /// Spanish IVA: general 21 %.
    pub const IVA_GENERAL: TaxRate = TaxRate(Decimal::from_parts(2100, 0, 0, false, 2));
    /// Spanish IVA: reduced 10 %.
    pub const IVA_REDUCED: TaxRate = TaxRate(Decimal::from_parts(1000, 0, 0, false, 2));
    /// Spanish IVA: super-reduced 4 %.
    pub const IVA_SUPER_REDUCED: TaxRate = TaxRate(Decimal::from_parts(400, 0, 0, false, 2));
    /// Exempt / zero rated.
    pub const IVA_ZERO: TaxRate = TaxRate(Decimal::from_parts(0, 0, 0, false, 2));

    /// Whole percent.
    pub fn percent(n: i64) -> Self {
        Self::from_hundredths(n * 100)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_round_trips_as_fixed_strings() {
        let m: Money = "13.4".parse().unwrap();
        assert_eq!(m.to_string(), "13.40");
        assert_eq!(m.cents(), 1340);
        assert_eq!(serde_json::to_string(&m).unwrap(), "\"13.40\"");
        assert_eq!(Money::from_cents(-5).to_string(), "-0.05");
        assert_eq!(
            (Money::from_cents(5) - Money::from_cents(5)).to_string(),
            "0.00"
        );
    }

    #[test]
    fn too_many_decimals_and_floats_are_refused() {
        assert!("1.234".parse::<Money>().is_err());
        assert!(serde_json::from_str::<Money>("1.5").is_err());
        assert!("abc".parse::<Money>().is_err());
        assert!("1.2345".parse::<Quantity>().is_err());
        assert!("99999999999999".parse::<Money>().is_err());
    }

    #[test]
    fn times_rounds_half_away_from_zero() {
        // 0.99 × 0.505 kg = 0.49995 → 0.50
        let m = Money::from_cents(99).times(Quantity::from_milli(505));
        assert_eq!(m.cents(), 50);
        let m = Money::from_cents(-99).times(Quantity::from_milli(505));
        assert_eq!(m.cents(), -50);
    }
}
