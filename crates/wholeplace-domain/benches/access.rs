//! The access gate's cost per read (target: under 50 µs): a reader of two agencies, a family
//! worked with by eight, and twenty agreements of eight parties each, most not covering the read.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use wholeplace_domain::AgencyId;
use wholeplace_domain::sharing::{
    AccessRequest, AgreementTerms, ConsentTerms, DATA_CLASSES, DataClass, Purpose, decide,
};

fn agreements() -> Vec<AgreementTerms> {
    (0..20_i64)
        .map(|i| AgreementTerms {
            id: i,
            parties: (0..8).map(|p| AgencyId::new(1 + (i + p) % 30)).collect(),
            classes: DATA_CLASSES
                .iter()
                .skip((i % 3) as usize)
                .take(4)
                .map(|(k, _)| DataClass::of(k))
                .collect(),
            purposes: vec![
                Purpose::parse(if i % 2 == 0 {
                    "early_help"
                } else {
                    "safeguarding"
                })
                .expect("purpose"),
            ],
            starts_on: "2025-04-01".into(),
            expires_on: "2027-03-31".into(),
            withdrawn_on: (i % 5 == 0).then(|| "2026-06-30".to_owned()),
            // Every fourth rests on consent, so the consent check is in the measured path.
            needs_consent: i % 4 == 0,
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let terms = agreements();
    let readers = [AgencyId::new(3), AgencyId::new(17)];
    let involved: Vec<AgencyId> = (10..18).map(AgencyId::new).collect();
    let purpose = Purpose::parse("early_help").expect("purpose");
    let classes: Vec<DataClass> = DATA_CLASSES.iter().map(|(k, _)| DataClass::of(k)).collect();
    let consents: Vec<ConsentTerms> = (0..3)
        .map(|i| ConsentTerms {
            agreement: i * 4,
            purposes: vec![purpose],
            given_on: "2026-01-01".into(),
            withdrawn_on: None,
        })
        .collect();
    c.bench_function("access decision, 20 agreements (one read)", |b| {
        let mut n = 0_usize;
        b.iter(|| {
            n += 1;
            let req = AccessRequest {
                reader_agencies: &readers,
                involved_agencies: &involved,
                holder: AgencyId::new(10 + (n % 8) as i64),
                class: classes[n % classes.len()],
                purpose,
                on: "2026-12-07",
                consents: &consents,
            };
            black_box(decide(black_box(&req), black_box(&terms)))
        });
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
