//! The access gate against an independent reading of the rule, over 10,000 generated cases of
//! (reader, agencies working with the person, record holder, class of data, purpose, day) and
//! fixture agreements: a read is allowed if and only if the record is the reader's agency's own,
//! or the reader's agency works with the person and an agreement in force that day has both
//! agencies as parties and covers the class and the purpose, and, when that agreement's basis is
//! consent, the person's consent to it for that purpose is in force that day.

use proptest::prelude::*;
use wholeplace_domain::AgencyId;
use wholeplace_domain::sharing::{
    AccessRequest, AgreementTerms, ConsentTerms, DATA_CLASSES, DataClass, PURPOSES, Purpose, decide,
};

/// Days 0.. from 2025-12-20, across a month's and a year's end, as the text the gate reads.
/// Classes and purposes are drawn from the first few of each vocabulary and agencies from four,
/// so that most cases meet an agreement that nearly covers them.
fn day_text(n: u32) -> String {
    let (mut y, mut m, mut d) = (2025, 12, 20 + n);
    loop {
        let len = match m {
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
        if d <= len {
            break;
        }
        d -= len;
        m += 1;
        if m == 13 {
            m = 1;
            y += 1;
        }
    }
    format!("{y:04}-{m:02}-{d:02}")
}

#[derive(Clone, Debug)]
struct Fixture {
    id: i64,
    parties: Vec<i64>,
    classes: Vec<usize>,
    purposes: Vec<usize>,
    start: u32,
    end: u32,
    withdrawn: Option<u32>,
    by_consent: bool,
}

/// A person's consent: to which of the fixtures (by position), which purposes, from and until.
#[derive(Clone, Debug)]
struct Given {
    agreement: usize,
    purposes: Vec<usize>,
    from: u32,
    withdrawn: Option<u32>,
}

fn given() -> impl Strategy<Value = Given> {
    (
        0..5_usize,
        prop::collection::vec(0..2_usize, 1..3),
        0..50_u32,
        prop::option::of(0..70_u32),
    )
        .prop_map(|(agreement, purposes, from, withdrawn)| Given {
            agreement,
            purposes,
            from,
            withdrawn,
        })
}

fn fixture() -> impl Strategy<Value = Fixture> {
    (
        1..1000_i64,
        prop::collection::vec(1..5_i64, 1..5),
        prop::collection::vec(0..3_usize, 1..4),
        prop::collection::vec(0..2_usize, 1..3),
        0..45_u32,
        0..20_u32,
        prop::option::of(0..70_u32),
        prop::bool::weighted(0.3),
    )
        .prop_map(
            |(id, parties, classes, purposes, start, len, withdrawn, by_consent)| Fixture {
                id,
                parties,
                classes,
                purposes,
                start,
                end: start + len,
                withdrawn,
                by_consent,
            },
        )
}

/// The rule as written in the issue, on whole numbers: nothing shared with the gate's code.
#[expect(
    clippy::too_many_arguments,
    reason = "the rule's facts, each named as the issue names them"
)]
fn expected(
    readers: &[i64],
    involved: &[i64],
    holder: i64,
    class: usize,
    purpose: usize,
    day: u32,
    fixtures: &[Fixture],
    consents: &[Given],
) -> bool {
    if readers.contains(&holder) {
        return true;
    }
    readers.iter().any(|r| {
        involved.contains(r)
            && fixtures.iter().any(|f| {
                f.start <= day
                    && day <= f.end
                    && f.withdrawn.is_none_or(|w| day < w)
                    && f.parties.contains(r)
                    && f.parties.contains(&holder)
                    && f.classes.contains(&class)
                    && f.purposes.contains(&purpose)
                    && (!f.by_consent
                        || consents.iter().any(|c| {
                            fixtures.get(c.agreement).is_some_and(|g| g.id == f.id)
                                && c.purposes.contains(&purpose)
                                && c.from <= day
                                && c.withdrawn.is_none_or(|w| day < w)
                        }))
            })
    })
}

fn ids(raw: &[i64]) -> Vec<AgencyId> {
    raw.iter().copied().map(AgencyId::new).collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(10_000))]

    #[test]
    fn a_read_is_allowed_exactly_when_the_rule_allows_it(
        readers in prop::collection::vec(1..5_i64, 0..3),
        involved in prop::collection::vec(1..5_i64, 0..5),
        holder in 1..5_i64,
        class in 0..3_usize,
        purpose in 0..2_usize,
        consents in prop::collection::vec(given(), 0..3),
        (fixtures, day) in prop::collection::vec(fixture(), 0..5).prop_flat_map(|f| {
            // Half the days fall on an agreement's first, last or withdrawal day, where a rule
            // is most easily wrong.
            let edges: Vec<u32> = f
                .iter()
                .flat_map(|x| [x.start, x.end, x.end + 1, x.withdrawn.unwrap_or(x.start)])
                .collect();
            let day = if edges.is_empty() {
                (0..70_u32).boxed()
            } else {
                prop_oneof![0..70_u32, prop::sample::select(edges)].boxed()
            };
            (Just(f), day)
        }),
    ) {
        let agreements: Vec<AgreementTerms> = fixtures
            .iter()
            .map(|f| AgreementTerms {
                id: f.id,
                parties: ids(&f.parties),
                classes: f.classes.iter().map(|c| DataClass::of(DATA_CLASSES[*c].0)).collect(),
                purposes: f
                    .purposes
                    .iter()
                    .map(|p| Purpose::parse(PURPOSES[*p].0).expect("purpose"))
                    .collect(),
                starts_on: day_text(f.start),
                expires_on: day_text(f.end),
                withdrawn_on: f.withdrawn.map(day_text),
                needs_consent: f.by_consent,
            })
            .collect();
        let consent_terms: Vec<ConsentTerms> = consents
            .iter()
            .filter_map(|c| {
                Some(ConsentTerms {
                    agreement: fixtures.get(c.agreement)?.id,
                    purposes: c
                        .purposes
                        .iter()
                        .map(|p| Purpose::parse(PURPOSES[*p].0).expect("purpose"))
                        .collect(),
                    given_on: day_text(c.from),
                    withdrawn_on: c.withdrawn.map(day_text),
                })
            })
            .collect();
        let (reader_ids, involved_ids) = (ids(&readers), ids(&involved));
        let on = day_text(day);
        let req = AccessRequest {
            reader_agencies: &reader_ids,
            involved_agencies: &involved_ids,
            holder: AgencyId::new(holder),
            class: DataClass::of(DATA_CLASSES[class].0),
            purpose: Purpose::parse(PURPOSES[purpose].0).expect("purpose"),
            on: &on,
            consents: &consent_terms,
        };
        let decision = decide(&req, &agreements);

        prop_assert_eq!(
            decision.allowed(),
            expected(&readers, &involved, holder, class, purpose, day, &fixtures, &consents),
            "decision {:?}", decision
        );
        if let wholeplace_domain::Decision::Agreement(id) = decision {
            prop_assert!(
                fixtures.iter().any(|f| f.id == id),
                "the decision names an agreement that was given"
            );
        }
    }
}

#[test]
fn day_text_crosses_months_and_years() {
    assert_eq!(day_text(0), "2025-12-20");
    assert_eq!(day_text(12), "2026-01-01");
    assert_eq!(day_text(43), "2026-02-01");
    assert_eq!(day_text(71), "2026-03-01");
}
