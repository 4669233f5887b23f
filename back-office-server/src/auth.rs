//! Secrets: random bearer tokens, one-time enrolment codes, and PIN hashing.
//!
//! Device tokens and HQ API tokens are 32 random bytes (256 bits) shown once and stored only as their
//! SHA-256. Because they are high-entropy random values, a fast hash is the right choice: there is no
//! dictionary to brute-force, and a slow hash on every request would only cost CPU. PINs are the
//! opposite (4–8 digits, tiny space), so they get argon2id with a random salt, stored as a PHC string.
//! Enrolment codes are short enough to type; they are single-use, expire after
//! [`ENROLMENT_CODE_DAYS`] days and are stored as SHA-256 of their normalised form.

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use rand::rngs::OsRng;
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};

/// Characters of enrolment codes: no 0/O, 1/I/L, so a code read aloud or off a screen is unambiguous.
pub const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
/// Length of an enrolment code.
pub const CODE_LEN: usize = 10;
/// How long an enrolment code stays valid.
pub const ENROLMENT_CODE_DAYS: i64 = 7;

/// A new random bearer token: 32 bytes from the OS generator, lower-case hex (64 characters).
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// SHA-256 (lower-case hex) of a token or normalised code, the form kept in the database.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new one-time enrolment code of [`CODE_LEN`] characters from [`CODE_ALPHABET`].
pub fn new_enrolment_code() -> String {
    let mut rng = OsRng;
    (0..CODE_LEN)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect()
}

/// The canonical form of a typed code: upper case, spaces and dashes removed.
pub fn normalise_code(code: &str) -> String {
    code.chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .flat_map(char::to_uppercase)
        .collect()
}

/// Checks a PIN is 4 to 8 ASCII digits.
pub fn validate_pin(pin: &str) -> Result<(), String> {
    if !(4..=8).contains(&pin.len()) || !pin.bytes().all(|b| b.is_ascii_digit()) {
        return Err("a PIN must be 4 to 8 digits".into());
    }
    Ok(())
}

/// argon2id PHC string of a PIN (random salt). Slow on purpose; call from a blocking thread.
pub fn hash_pin(pin: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(pin.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| format!("could not hash the PIN: {e}"))
}

/// True when `pin` matches the PHC string.
pub fn verify_pin(pin: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| {
            Argon2::default()
                .verify_password(pin.as_bytes(), &h)
                .is_ok()
        })
        .unwrap_or(false)
}

/// Shortest dashboard password accepted.
pub const MIN_PASSWORD_LEN: usize = 10;

/// Checks a dashboard password is long enough (length beats composition rules).
pub fn validate_password(password: &str) -> Result<(), String> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(format!(
            "a password must be at least {MIN_PASSWORD_LEN} characters"
        ));
    }
    Ok(())
}

/// argon2id PHC string of a dashboard password, like [`hash_pin`]. Call from a blocking thread.
pub fn hash_password(password: &str) -> Result<String, String> {
    hash_pin(password).map_err(|e| e.replace("PIN", "password"))
}

/// True when `password` matches the PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    verify_pin(password, phc)
}

/// A random password for demo users: 14 characters from [`CODE_ALPHABET`], printed once.
pub fn new_password() -> String {
    let mut rng = OsRng;
    (0..14)
        .map(|_| char::from(CODE_ALPHABET[rng.gen_range(0..CODE_ALPHABET.len())]))
        .collect::<String>()
        .to_lowercase()
}

/// Compares two secrets in time independent of where they differ (CSRF tokens).
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_hex_and_hash_is_sha256() {
        let a = new_token();
        let b = new_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit()));
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn codes_use_the_unambiguous_alphabet() {
        let c = new_enrolment_code();
        assert_eq!(c.len(), CODE_LEN);
        assert!(c.bytes().all(|b| CODE_ALPHABET.contains(&b)));
        assert_eq!(normalise_code(" abcde-fghjk "), "ABCDEFGHJK");
    }

    #[test]
    fn pins_hash_with_argon2_and_verify() {
        assert!(validate_pin("1234").is_ok());
        assert!(validate_pin("12345678").is_ok());
        assert!(validate_pin("123").is_err());
        assert!(validate_pin("123456789").is_err());
        assert!(validate_pin("12a4").is_err());
        let h = hash_pin("4321").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_pin("4321", &h));
        assert!(!verify_pin("4322", &h));
    }

    #[test]
    fn passwords_need_ten_characters_and_verify() {
        assert!(validate_password("short").is_err());
        assert!(validate_password("long enough!").is_ok());
        let h = hash_password("correct horse").unwrap();
        assert!(verify_password("correct horse", &h));
        assert!(!verify_password("correct horsf", &h));
        assert!(same_secret("abc", "abc"));
        assert!(!same_secret("abc", "abd"));
        assert!(!same_secret("abc", "abcd"));
        assert_eq!(new_password().len(), 14);
    }
}
