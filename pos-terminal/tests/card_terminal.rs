//! Card payments against a fake OPI terminal over real TCP (tests/support/fake_terminal.rs):
//! approved, declined, cancelled at the terminal, no answer, unreachable, and the till dying
//! between the terminal's approval and the sale's commit — never charged twice, never a paid sale
//! lost.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "support/fake_terminal.rs"]
mod fake_terminal;

use std::sync::Mutex;
use std::time::Duration;

use common::*;
use fake_terminal::{FakeTerminal, Script};
use pos_terminal::card_terminal::opi::OpiTerminal;
use pos_terminal::card_terminal::{
    CardSale, Charge, Lookup, Outcome, PaymentRequest, PaymentTerminal, Recovery, charge, recover,
};
use pos_terminal::ledger::CardAttemptState;
use pos_terminal::{Ledger, LedgerError, cash_payment};
use sync_protocol::{DocumentBody, Money, StaffId, Tender};

const ANSWER: Duration = Duration::from_secs(5);

fn selling(dir: &tempfile::TempDir) -> Mutex<Ledger> {
    let mut l = open_selling(dir, "https://central.example");
    open_shift(&mut l);
    Mutex::new(l)
}

fn reopen(dir: &tempfile::TempDir) -> Mutex<Ledger> {
    Mutex::new(Ledger::open(dir.path().join("till.db")).unwrap())
}

/// Oil and bread, 13,45 € in all.
fn sale() -> CardSale {
    CardSale {
        cashier: Some(StaffId(10)),
        lines: vec![line(1, 1200, 1), line(2, 145, 1)],
        ticket_discount: Money::ZERO,
        other_payments: Vec::new(),
    }
}

fn eur(cents: i64) -> Money {
    Money::from_cents(cents)
}

fn sales(l: &Mutex<Ledger>) -> Vec<sync_protocol::Sale> {
    let l = l.lock().unwrap();
    (1..=l.last_seq().unwrap())
        .filter_map(|seq| match l.document(seq).unwrap().unwrap().body {
            DocumentBody::Sale(s) => Some(s),
            _ => None,
        })
        .collect()
}

fn in_state(l: &Mutex<Ledger>, s: CardAttemptState) -> u64 {
    l.lock().unwrap().card_attempts_in(s).unwrap()
}

#[test]
fn approved_commits_the_sale_with_the_terminal_reference() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::Approve("A1B2C3")]);
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    let Charge::Paid(doc) = got else {
        panic!("not paid: {got:?}")
    };
    let DocumentBody::Sale(s) = &doc.body else {
        panic!("not a sale")
    };
    assert_eq!(s.totals.total, eur(1345));
    assert_eq!(s.payments.len(), 1);
    assert_eq!(s.payments[0].tender, Tender::Card);
    assert_eq!(s.payments[0].amount, eur(1345));
    assert_eq!(
        s.payments[0].reference.as_deref(),
        Some("A1B2C3 STAN 000001")
    );
    // One request, one charge, for exactly the amount (decimal text, no float).
    let charges = fake.charges();
    assert_eq!(charges.len(), 1);
    assert_eq!(charges[0].1, eur(1345));
    let attempt = ledger
        .lock()
        .unwrap()
        .card_attempt(&charges[0].0)
        .unwrap()
        .unwrap();
    assert_eq!(attempt.state, CardAttemptState::Committed);
    assert_eq!(attempt.sale_seq, Some(doc.seq));
    assert!(
        ledger
            .lock()
            .unwrap()
            .unresolved_card_attempt()
            .unwrap()
            .is_none()
    );
    assert_eq!(sales(&ledger).len(), 1);
}

#[test]
fn cash_first_then_the_card_for_the_rest_is_one_sale_with_both_tenders() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::Approve("778812")]);
    let mut s = sale();
    s.other_payments = vec![cash_payment(eur(500), eur(500))];
    let got = charge(&ledger, &fake.client(ANSWER), &s, eur(845));
    assert!(matches!(got, Charge::Paid(_)), "{got:?}");
    let sold = sales(&ledger);
    assert_eq!(sold.len(), 1);
    let tenders: Vec<_> = sold[0]
        .payments
        .iter()
        .map(|p| (p.tender, p.amount))
        .collect();
    assert_eq!(
        tenders,
        vec![(Tender::Cash, eur(500)), (Tender::Card, eur(845))]
    );
    assert_eq!(fake.charges()[0].1, eur(845));
}

#[test]
fn declined_records_nothing_and_closes_the_attempt() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::Decline("116")]);
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    let Charge::Declined(reason) = got else {
        panic!("not declined: {got:?}")
    };
    assert!(reason.contains("116"), "{reason}");
    assert!(sales(&ledger).is_empty());
    assert!(fake.charges().is_empty());
    assert_eq!(in_state(&ledger, CardAttemptState::Declined), 1);
    // The cashier may try another card at once: a new request.
    fake.push(Script::Approve("OK1"));
    let again = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    assert!(matches!(again, Charge::Paid(_)), "{again:?}");
    assert_eq!(fake.payment_requests().len(), 2);
    assert_eq!(fake.charges().len(), 1);
}

#[test]
fn cancelled_at_the_terminal_records_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::CancelAtTerminal]);
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    assert_eq!(got, Charge::Cancelled);
    assert!(sales(&ledger).is_empty());
    assert_eq!(in_state(&ledger, CardAttemptState::Cancelled), 1);
    assert!(
        ledger
            .lock()
            .unwrap()
            .unresolved_card_attempt()
            .unwrap()
            .is_none()
    );
}

#[test]
fn no_answer_is_aborted_and_confirmed_uncharged() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::NoAnswer]);
    let got = charge(
        &ledger,
        &fake.client(Duration::from_millis(600)),
        &sale(),
        eur(1345),
    );
    assert_eq!(got, Charge::TimedOut);
    assert_eq!(fake.aborts(), 1);
    assert_eq!(fake.repeats(), 1);
    assert!(fake.charges().is_empty());
    assert!(sales(&ledger).is_empty());
    assert_eq!(in_state(&ledger, CardAttemptState::Cancelled), 1);
}

#[test]
fn the_tills_cancel_aborts_a_waiting_payment() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let fake = FakeTerminal::start(vec![Script::NoAnswer]);
    let client = fake.client(ANSWER);
    let got = std::thread::scope(|s| {
        let waiting = s.spawn(|| charge(&ledger, &client, &sale(), eur(1345)));
        while fake.payment_requests().is_empty() {
            std::thread::sleep(Duration::from_millis(10));
        }
        client.abort().unwrap();
        waiting.join().unwrap()
    });
    assert_eq!(got, Charge::Cancelled);
    assert!(sales(&ledger).is_empty());
    assert!(fake.charges().is_empty());
}

#[test]
fn an_unreachable_terminal_charges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    // A port nobody listens on.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = dead.local_addr().unwrap().to_string();
    drop(dead);
    let got = charge(
        &ledger,
        &OpiTerminal::new(address, "T0007"),
        &sale(),
        eur(1345),
    );
    assert!(matches!(got, Charge::Unreachable(_)), "{got:?}");
    assert!(sales(&ledger).is_empty());
    assert!(
        ledger
            .lock()
            .unwrap()
            .unresolved_card_attempt()
            .unwrap()
            .is_none()
    );
}

/// The crash: the attempt is written, the terminal approves and charges, and the till dies before
/// it commits (the ledger is dropped). At the next start the till asks the terminal and commits
/// the sale: exactly one sale, one charge. Recovering again changes nothing.
#[test]
fn approved_then_the_till_dies_is_recovered_as_exactly_one_sale() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::Approve("CR4SH1")]);
    let request_id = {
        let ledger = selling(&dir);
        let attempt = ledger
            .lock()
            .unwrap()
            .begin_card_attempt(&sale(), eur(1345))
            .unwrap();
        let answer = fake
            .client(ANSWER)
            .pay(&PaymentRequest {
                request_id: attempt.request_id.clone(),
                amount: eur(1345),
                currency: "EUR".into(),
            })
            .unwrap();
        assert!(matches!(answer, Outcome::Approved { .. }));
        attempt.request_id
        // The till dies here: nothing after the terminal's answer ran.
    };
    assert_eq!(fake.charges().len(), 1);
    let ledger = reopen(&dir);
    assert!(sales(&ledger).is_empty());
    let open = ledger.lock().unwrap().unresolved_card_attempt().unwrap();
    assert_eq!(open.map(|a| a.state), Some(CardAttemptState::Open));
    let Recovery::Committed(doc) = recover(&ledger, &fake.client(ANSWER)) else {
        panic!("not recovered")
    };
    let DocumentBody::Sale(s) = &doc.body else {
        panic!("not a sale")
    };
    assert_eq!(
        s.payments[0].reference.as_deref(),
        Some("CR4SH1 STAN 000001")
    );
    assert_eq!(s.cashier_id, Some(StaffId(10)));
    assert_eq!(s.lines.len(), 2);
    assert_eq!(
        ledger
            .lock()
            .unwrap()
            .card_attempt(&request_id)
            .unwrap()
            .unwrap()
            .state,
        CardAttemptState::Committed
    );
    // Again (another restart): nothing more.
    assert_eq!(recover(&ledger, &fake.client(ANSWER)), Recovery::Nothing);
    drop(ledger);
    let ledger = reopen(&dir);
    assert_eq!(recover(&ledger, &fake.client(ANSWER)), Recovery::Nothing);
    assert_eq!(sales(&ledger).len(), 1);
    assert_eq!(fake.charges().len(), 1);
    assert_eq!(fake.payment_requests().len(), 1);
    ledger.lock().unwrap().verify_chain().unwrap();
}

/// The terminal approved another amount than the till asked for (a terminal fault, or a partial
/// approval) and the till died before reading it: recovery does not record the sale as paid; the
/// attempt stays open, with the reason, for the manager to settle by hand.
#[test]
fn an_approval_of_another_amount_is_never_recorded_as_paid() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::ApproveThenTillDies("PART01")]);
    let request_id = {
        let ledger = selling(&dir);
        let attempt = ledger
            .lock()
            .unwrap()
            .begin_card_attempt(&sale(), eur(1345))
            .unwrap();
        // The terminal charges 12,00 € under that request.
        let lost = fake.client(ANSWER).pay(&PaymentRequest {
            request_id: attempt.request_id.clone(),
            amount: eur(1200),
            currency: "EUR".into(),
        });
        assert!(lost.is_err(), "{lost:?}");
        attempt.request_id
    };
    let ledger = reopen(&dir);
    let got = recover(&ledger, &fake.client(ANSWER));
    let Recovery::StillOpen {
        request_id: r,
        reason,
    } = &got
    else {
        panic!("{got:?}")
    };
    assert_eq!(r, &request_id);
    assert!(
        reason.contains("12.00") && reason.contains("13.45"),
        "{reason}"
    );
    assert!(sales(&ledger).is_empty(), "not recorded as paid");
    assert_eq!(in_state(&ledger, CardAttemptState::Open), 1);
}

/// The terminal approves but the answer never reaches the till (it died with the connection).
/// After the restart the cashier presses the card button again for the same cart: the till asks
/// about the open request first, finds it paid, and commits it — no second request is sent.
#[test]
fn a_lost_approval_then_a_retry_of_the_same_cart_never_charges_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fake = FakeTerminal::start(vec![Script::ApproveThenTillDies("L0ST01")]);
    {
        let ledger = selling(&dir);
        let attempt = ledger
            .lock()
            .unwrap()
            .begin_card_attempt(&sale(), eur(1345))
            .unwrap();
        let answer = fake.client(ANSWER).pay(&PaymentRequest {
            request_id: attempt.request_id,
            amount: eur(1345),
            currency: "EUR".into(),
        });
        assert!(answer.is_err(), "{answer:?}");
    }
    let ledger = reopen(&dir);
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    assert!(matches!(got, Charge::Paid(_)), "{got:?}");
    assert_eq!(fake.payment_requests().len(), 1);
    assert_eq!(fake.charges().len(), 1);
    assert_eq!(sales(&ledger).len(), 1);
}

/// While the outcome of a request is unknown (the terminal cannot be asked), no other request is
/// sent, for this cart or any; once the terminal answers that it never saw it, the attempt is
/// closed and the next charge goes through.
#[test]
fn an_unresolved_attempt_blocks_any_second_request_until_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = selling(&dir);
    let first = ledger
        .lock()
        .unwrap()
        .begin_card_attempt(&sale(), eur(1345))
        .unwrap();
    // The ledger itself refuses a second open attempt.
    let again = ledger
        .lock()
        .unwrap()
        .begin_card_attempt(&sale(), eur(1345));
    assert!(
        matches!(&again, Err(LedgerError::CardAttemptUnresolved { request_id }) if *request_id == first.request_id),
        "{again:?}"
    );
    // The terminal is down: nothing is sent, the attempt stays open.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = dead.local_addr().unwrap().to_string();
    drop(dead);
    let got = charge(
        &ledger,
        &OpiTerminal::new(address, "T0007"),
        &sale(),
        eur(1345),
    );
    assert!(
        matches!(&got, Charge::Outstanding { request_id, .. } if *request_id == first.request_id),
        "{got:?}"
    );
    // Back up: it never saw that request, so nothing was charged; the new one goes through.
    let fake = FakeTerminal::start(vec![Script::Approve("NEW001")]);
    assert_eq!(
        fake.client(ANSWER)
            .outcome_of(&first.request_id, eur(1345))
            .unwrap(),
        Lookup::NotFound
    );
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    assert!(matches!(got, Charge::Paid(_)), "{got:?}");
    assert_eq!(
        ledger
            .lock()
            .unwrap()
            .card_attempt(&first.request_id)
            .unwrap()
            .unwrap()
            .state,
        CardAttemptState::Failed
    );
    assert_eq!(fake.payment_requests().len(), 1);
    assert_eq!(sales(&ledger).len(), 1);
}

/// Approved while the ledger cannot take the sale (no shift open): the approval is kept, and the
/// sale committed once it can be — the customer's money is never without its ticket.
#[test]
fn an_approval_the_ledger_cannot_record_yet_is_kept_and_committed_later() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Mutex::new(open_selling(&dir, "https://central.example"));
    let fake = FakeTerminal::start(vec![Script::Approve("KEPT01")]);
    let got = charge(&ledger, &fake.client(ANSWER), &sale(), eur(1345));
    assert!(matches!(got, Charge::NotRecorded { .. }), "{got:?}");
    assert_eq!(in_state(&ledger, CardAttemptState::Approved), 1);
    open_shift(&mut ledger.lock().unwrap());
    let got = recover(&ledger, &fake.client(ANSWER));
    assert!(matches!(got, Recovery::Committed(_)), "{got:?}");
    // The approved attempt was committed without asking the terminal again.
    assert_eq!(fake.repeats(), 0);
    assert_eq!(sales(&ledger).len(), 1);
    assert_eq!(fake.charges().len(), 1);
}
