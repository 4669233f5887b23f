//! Property test of the bank identifiers against python-stdnum (`stdnum.iban`, `stdnum.es.ccc`,
//! `stdnum.eu.at_02`) on a generated corpus. Python comes from `TRASTIENDA_PYTHON` (else `python3`); skipped when stdnum is missing.
#![allow(clippy::unwrap_used)]

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use sync_protocol::bank::{
    CreditorId, Iban, ccc_control_digits, ccc_to_iban, iban_check_digits, iban_countries,
    iban_layout, validate_ccc,
};

/// Runs the oracle over the requests; `None` (after printing "skipped: …") when it cannot run.
fn oracle(requests: &[String]) -> Option<HashMap<String, String>> {
    let python = std::env::var("TRASTIENDA_PYTHON").unwrap_or_else(|_| "python3".into());
    let script = format!(
        "{}/tests/oracles/bank_oracle.py",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = match Command::new(&python)
        .arg(&script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
    {
        Ok(c) => c,
        Err(e) => {
            println!("skipped: {python} not available ({e})");
            return None;
        }
    };
    let input = requests.join("\n");
    let mut stdin = child.stdin.take().unwrap();
    // A write error means the oracle stopped early (stdnum missing); its exit code says so.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()).is_ok());
    let out = child.wait_with_output().unwrap();
    let written = writer.join().unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    if out.status.code() == Some(3) {
        println!("{} (python: {python})", text.trim());
        return None;
    }
    assert!(
        out.status.success() && written,
        "bank_oracle.py failed: {text}"
    );
    let answers: HashMap<String, String> = text
        .lines()
        .map(|l| {
            let (req, ans) = l.rsplit_once('\t').unwrap();
            (req.to_string(), ans.to_string())
        })
        .collect();
    assert_eq!(answers.len(), requests.len(), "the oracle skipped requests");
    Some(answers)
}

/// xorshift64: a fixed seed so a failure reproduces.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn digit(&mut self) -> char {
        char::from(b'0' + self.below(10) as u8)
    }
    fn letter(&mut self) -> char {
        char::from(b'A' + self.below(26) as u8)
    }
    fn alnum(&mut self) -> char {
        if self.below(3) == 0 {
            self.letter()
        } else {
            self.digit()
        }
    }
}

/// A random BBAN that follows a registry layout such as `4!a6!n8!n`.
fn random_bban(rng: &mut Rng, layout: &str) -> String {
    let mut out = String::new();
    for part in layout.split_inclusive(['n', 'a', 'c']) {
        let class = part.chars().last().unwrap();
        let n: usize = part.trim_end_matches(['n', 'a', 'c', '!']).parse().unwrap();
        for _ in 0..n {
            out.push(match class {
                'n' => rng.digit(),
                'a' => rng.letter(),
                _ => rng.alnum(),
            });
        }
    }
    out
}

/// Typical mistakes: a changed character, two swapped, one dropped, one added.
fn mutate(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    let i = rng.below(c.len());
    match rng.below(5) {
        0 | 1 => {
            c[i] = if c[i].is_ascii_digit() {
                char::from(b'0' + ((c[i] as u8 - b'0' + 1 + rng.below(9) as u8) % 10))
            } else {
                rng.letter()
            }
        }
        2 => {
            let j = (i + 1) % c.len();
            c.swap(i, j);
        }
        3 => {
            c.remove(i);
        }
        _ => c.insert(i, rng.alnum()),
    }
    c.into_iter().collect()
}

#[test]
fn bank_identifiers_agree_with_python_stdnum() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let countries: Vec<&str> = iban_countries().collect();
    let mut requests = Vec::new();
    let mut ibans = Vec::new();
    let mut cccs = Vec::new();
    let mut creditor_ids = Vec::new();

    for round in 0..600 {
        // IBANs: Spain often (its CCC is checked too), every registry country in turn.
        let country = if round % 3 == 0 {
            "ES"
        } else {
            countries[round % countries.len()]
        };
        let mut bban = random_bban(&mut rng, iban_layout(country).unwrap());
        if country == "ES" && rng.below(2) == 0 {
            let dc = ccc_control_digits(&bban[..4], &bban[4..8], &bban[10..]).unwrap();
            bban.replace_range(8..10, &dc);
        }
        requests.push(format!("ibancheck\t{country}\t{bban}"));
        let check = iban_check_digits(country, &bban).unwrap();
        let valid = format!("{country}{check}{bban}");
        ibans.push(valid.clone());
        ibans.push(mutate(&mut rng, &valid));
        ibans.push(mutate(&mut rng, &valid).to_lowercase());
        // Paper format with spaces.
        let paper: String = valid
            .chars()
            .enumerate()
            .flat_map(|(i, c)| (i > 0 && i % 4 == 0).then_some(' ').into_iter().chain([c]))
            .collect();
        ibans.push(paper);
        // Wrong check digits.
        ibans.push(format!(
            "{country}{:02}{bban}",
            (check.parse::<u32>().unwrap() + 1 + rng.below(90) as u32) % 100
        ));

        // CCCs: random, with correct control digits, and mistyped.
        let mut ccc: String = (0..20).map(|_| rng.digit()).collect();
        cccs.push(ccc.clone());
        let dc = ccc_control_digits(&ccc[..4], &ccc[4..8], &ccc[10..]).unwrap();
        ccc.replace_range(8..10, &dc);
        cccs.push(ccc.clone());
        cccs.push(mutate(&mut rng, &ccc));
        requests.push(format!("ccciban\t{ccc}"));

        // Creditor identifiers: from a random national id, then mistyped (shape kept).
        let cc = if round % 2 == 0 {
            "ES".to_string()
        } else {
            format!("{}{}", rng.letter(), rng.letter())
        };
        let business: String = (0..3).map(|_| rng.alnum()).collect();
        let national: String = (0..(1 + rng.below(20))).map(|_| rng.alnum()).collect();
        // stdnum strips a lower-case 'm' in at_02.compact; the corpus is upper case anyway.
        let id = CreditorId::build(&cc, &business, &national).unwrap();
        requests.push(format!("at02check\t{id}"));
        creditor_ids.push(id.to_string());
        let s = id.to_string();
        let mut chars: Vec<char> = s.chars().collect();
        let i = 7 + rng.below(chars.len() - 7);
        chars[i] = if chars[i].is_ascii_digit() {
            rng.letter()
        } else {
            rng.digit()
        };
        creditor_ids.push(chars.into_iter().collect());
        creditor_ids.push(format!("{cc}{:02}{business}{national}", rng.below(100)));
    }
    for i in &ibans {
        requests.push(format!("iban\t{i}"));
    }
    for c in &cccs {
        requests.push(format!("ccc\t{c}"));
        if c.len() == 20 && c.bytes().all(|b| b.is_ascii_digit()) {
            requests.push(format!("cccdc\t{c}"));
        }
    }
    for c in &creditor_ids {
        requests.push(format!("at02\t{c}"));
    }
    requests.sort();
    requests.dedup();

    let Some(answers) = oracle(&requests) else {
        return;
    };
    let mut counts: HashMap<&str, (usize, usize)> = HashMap::new();
    for req in &requests {
        let want = &answers[req];
        let parts: Vec<&str> = req.split('\t').collect();
        let (ours, kind) = match parts[0] {
            "iban" => (verdict(Iban::parse(parts[1]).is_ok()), "iban"),
            "ibancheck" => (iban_check_digits(parts[1], parts[2]).unwrap(), "ibancheck"),
            "ccc" => (verdict(validate_ccc(parts[1]).is_ok()), "ccc"),
            "cccdc" => {
                let c = parts[1];
                (
                    ccc_control_digits(&c[..4], &c[4..8], &c[10..]).unwrap(),
                    "cccdc",
                )
            }
            "ccciban" => (ccc_to_iban(parts[1]).unwrap().to_string(), "ccciban"),
            "at02" => (verdict(CreditorId::parse(parts[1]).is_ok()), "at02"),
            "at02check" => (
                CreditorId::parse(parts[1])
                    .unwrap()
                    .check_digits()
                    .to_string(),
                "at02check",
            ),
            other => panic!("unknown request {other}"),
        };
        assert_eq!(&ours, want, "{req}: stdnum says {want}, we say {ours}");
        let e = counts.entry(kind).or_default();
        e.0 += 1;
        if ours == "valid" {
            e.1 += 1;
        }
    }
    // The corpus must exercise both answers, or the comparison proves little.
    for kind in ["iban", "ccc", "at02"] {
        let (n, valid) = counts[kind];
        assert!(
            valid > n / 10 && valid < n * 9 / 10,
            "{kind}: {valid} of {n} valid"
        );
    }
    println!(
        "compared {} answers with python-stdnum: {counts:?}",
        requests.len()
    );
}

fn verdict(ok: bool) -> String {
    if ok { "valid" } else { "invalid" }.to_string()
}
