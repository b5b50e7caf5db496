//! Sensible defaults for person records: given which of the usual columns a file has, the
//! column kinds, blocking rules and comparisons a first run needs.

use serde::{Deserialize, Serialize};

use crate::blocking::{BlockingRule, KeyPart, KeyTransform};
use crate::compare::Template;
use crate::model::{LinkType, Settings, Training};
use crate::records::{ColumnKind, ColumnSpec};

/// The usual person columns, each the name of a column in the data when present.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PersonColumns {
    /// Forename.
    pub first_name: Option<String>,
    /// Middle names.
    pub middle_name: Option<String>,
    /// Surname.
    pub surname: Option<String>,
    /// Date of birth.
    pub dob: Option<String>,
    /// Sex or gender.
    pub sex: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// House number or name.
    pub house_number: Option<String>,
    /// First address line (street).
    pub address: Option<String>,
    /// Second address line (locality).
    pub address2: Option<String>,
    /// Town or suburb.
    pub town: Option<String>,
    /// County or state.
    pub county: Option<String>,
    /// NHS number.
    pub nhs_number: Option<String>,
    /// National Insurance number.
    pub ni_number: Option<String>,
    /// Other identifiers compared exactly or within one edit.
    pub identifiers: Vec<String>,
}

impl PersonColumns {
    /// Recognises the usual header names (case-insensitive; `given_name`, `forename`,
    /// `last_name`, `date_of_birth`, `postcode`, `soc_sec_id` ...).
    #[must_use]
    pub fn detect(headers: &[&str]) -> Self {
        let mut p = Self::default();
        for &h in headers {
            let k: String = h
                .trim()
                .to_ascii_lowercase()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .collect();
            let name = Some(h.trim().to_owned());
            match k.as_str() {
                "firstname" | "forename" | "givenname" | "forenames" | "first" | "fname" => {
                    p.first_name = name
                }
                "middlename" | "middlenames" | "othernames" => p.middle_name = name,
                "surname" | "lastname" | "familyname" | "last" | "lname" => p.surname = name,
                "dob" | "dateofbirth" | "birthdate" | "birthdt" | "dobdate" => p.dob = name,
                "sex" | "gender" => p.sex = name,
                "postcode" | "postalcode" | "zip" | "zipcode" | "pcode" => p.postcode = name,
                "streetnumber" | "housenumber" | "houseno" | "housename" | "number"
                | "buildingnumber" => p.house_number = name,
                "address" | "address1" | "addressline1" | "street" | "addr1" => p.address = name,
                "address2" | "addressline2" | "locality" | "addr2" => p.address2 = name,
                "town" | "city" | "suburb" | "posttown" | "address3" => p.town = name,
                "county" | "state" | "region" => p.county = name,
                "nhsnumber" | "nhsno" | "nhs" => p.nhs_number = name,
                "ninumber" | "nino" | "nationalinsurancenumber" | "ni" => p.ni_number = name,
                "socsecid" | "ssn" | "socialsecurity" | "upn" | "pupilnumber"
                | "uniquepupilnumber" | "pncid" | "crn" => p.identifiers.push(h.trim().to_owned()),
                _ => {}
            }
        }
        p
    }

    /// Column specs for the columns present.
    #[must_use]
    pub fn column_specs(&self) -> Vec<ColumnSpec> {
        let mut v = Vec::new();
        let mut add = |c: &Option<String>, k: ColumnKind| {
            if let Some(c) = c {
                v.push(ColumnSpec::new(c, k));
            }
        };
        add(&self.first_name, ColumnKind::Name);
        add(&self.middle_name, ColumnKind::Name);
        add(&self.surname, ColumnKind::Name);
        add(&self.dob, ColumnKind::Date { formats: vec![] });
        add(&self.sex, ColumnKind::Text);
        add(&self.postcode, ColumnKind::Postcode);
        add(&self.house_number, ColumnKind::Text);
        add(&self.address, ColumnKind::Text);
        add(&self.address2, ColumnKind::Text);
        add(&self.town, ColumnKind::Text);
        add(&self.county, ColumnKind::Text);
        add(&self.nhs_number, ColumnKind::NhsNumber);
        add(&self.ni_number, ColumnKind::NiNumber);
        for i in &self.identifiers {
            v.push(ColumnSpec::new(i, ColumnKind::Identifier));
        }
        v
    }

    /// The address columns that identify a dwelling (for households).
    #[must_use]
    pub fn address_columns(&self) -> Vec<String> {
        [&self.house_number, &self.address, &self.postcode]
            .into_iter()
            .flatten()
            .cloned()
            .collect()
    }
}

fn part(c: &str, t: KeyTransform) -> KeyPart {
    KeyPart {
        column: c.to_owned(),
        transform: t,
    }
}

/// Default blocking rules and comparisons for the columns present.
#[must_use]
pub fn person_settings(p: &PersonColumns, link_type: LinkType) -> Settings {
    Settings {
        link_type,
        blocking: person_blocking(p),
        comparisons: person_comparisons(p),
        training: person_training(p),
        max_block_size: 3000,
    }
}

/// The identifier columns: NHS number, NI number and the others.
fn identifier_columns(p: &PersonColumns) -> impl Iterator<Item = &String> {
    [&p.nhs_number, &p.ni_number]
        .into_iter()
        .flatten()
        .chain(p.identifiers.iter())
}

/// Default blocking rules for the columns present.
fn person_blocking(p: &PersonColumns) -> Vec<BlockingRule> {
    use KeyTransform::{Exact, Initial, Phonetic};
    let mut blocking = Vec::new();
    let mut rule = |parts: Vec<Option<KeyPart>>| {
        if parts.iter().all(Option::is_some) {
            blocking.push(BlockingRule(parts.into_iter().flatten().collect()));
        }
    };
    let f = p.first_name.as_deref();
    let s = p.surname.as_deref();
    let d = p.dob.as_deref();
    let pc = p.postcode.as_deref();
    // The same full name alone makes blocks that grow with the square of the population (every
    // John Smith against every other); within one postcode district (or among records without
    // a postcode) it stays local. Without a postcode column, the name alone.
    if pc.is_some() {
        rule(vec![
            f.map(|c| part(c, Exact)),
            s.map(|c| part(c, Exact)),
            pc.map(|c| part(c, KeyTransform::PostcodeDistrictOrMissing)),
        ]);
    } else {
        rule(vec![f.map(|c| part(c, Exact)), s.map(|c| part(c, Exact))]);
    }
    rule(vec![s.map(|c| part(c, Exact)), d.map(|c| part(c, Exact))]);
    rule(vec![f.map(|c| part(c, Exact)), d.map(|c| part(c, Exact))]);
    rule(vec![
        pc.map(|c| part(c, Exact)),
        s.map(|c| part(c, Initial)),
    ]);
    rule(vec![pc.map(|c| part(c, Exact)), d.map(|c| part(c, Exact))]);
    rule(vec![
        f.map(|c| part(c, Phonetic)),
        s.map(|c| part(c, Phonetic)),
        d.map(|c| part(c, KeyTransform::Year)),
    ]);
    rule(vec![
        d.map(|c| part(c, KeyTransform::DayMonthUnordered)),
        d.map(|c| part(c, KeyTransform::Year)),
        s.map(|c| part(c, Initial)),
    ]);
    for id in identifier_columns(p) {
        rule(vec![Some(part(id, Exact))]);
    }
    rule(vec![
        p.house_number.as_deref().map(|c| part(c, Exact)),
        p.address.as_deref().map(|c| part(c, Exact)),
        f.map(|c| part(c, Initial)),
    ]);
    blocking
}

/// Default comparisons for the columns present (at most 16).
fn person_comparisons(p: &PersonColumns) -> Vec<crate::compare::ComparisonSpec> {
    let f = p.first_name.as_deref();
    let s = p.surname.as_deref();
    let pc = p.postcode.as_deref();
    let mut comparisons = Vec::new();
    if let Some(c) = f {
        comparisons.push(
            Template::Name {
                column: c.to_owned(),
                swap_with: s.map(ToOwned::to_owned),
                nicknames: true,
                tf: true,
            }
            .expand(),
        );
    }
    if let Some(c) = s {
        comparisons.push(
            Template::Name {
                column: c.to_owned(),
                swap_with: f.map(ToOwned::to_owned),
                nicknames: false,
                tf: true,
            }
            .expand(),
        );
    }
    if let Some(c) = &p.dob {
        comparisons.push(Template::Date { column: c.clone() }.expand());
    }
    if let Some(c) = &p.sex {
        comparisons.push(
            Template::Exact {
                column: c.clone(),
                tf: false,
            }
            .expand(),
        );
    }
    if let Some(c) = address_comparison(p) {
        comparisons.push(c);
    }
    // The town and county add evidence only when no postcode says the same thing.
    let extra: Vec<&String> = if pc.is_some() {
        [&p.address2].into_iter().flatten().collect()
    } else {
        [&p.address2, &p.town].into_iter().flatten().collect()
    };
    for c in extra {
        comparisons.push(
            Template::Text {
                column: c.clone(),
                tf: true,
            }
            .expand(),
        );
    }
    if let (Some(c), None) = (&p.county, pc) {
        comparisons.push(
            Template::Exact {
                column: c.clone(),
                tf: true,
            }
            .expand(),
        );
    }
    for c in identifier_columns(p) {
        comparisons.push(Template::Identifier { column: c.clone() }.expand());
    }
    comparisons.truncate(16);
    comparisons
}

/// Default training: EM sessions on the names, the date of birth and each identifier.
fn person_training(p: &PersonColumns) -> Training {
    use KeyTransform::Exact;
    let mut training = Training::default();
    // Train m on pairs sharing a name, then on pairs sharing a date of birth: within those
    // blocks the other fields of non-matches behave as in random pairs, so u can stay fixed and
    // EM cannot mistake "same household" for "same person".
    if let (Some(f), Some(s)) = (&p.first_name, &p.surname) {
        training
            .em_sessions
            .push(BlockingRule(vec![part(f, Exact), part(s, Exact)]));
    }
    if let Some(d) = &p.dob {
        training
            .em_sessions
            .push(BlockingRule(vec![part(d, Exact)]));
    }
    // And on pairs sharing an identifier (NHS number, NI number ...): nearly all are matches,
    // and nothing about a household makes them agree, so they show what a match's names,
    // date of birth and address look like without the confusion of household members who
    // share a surname and an address.
    for id in identifier_columns(p) {
        training
            .em_sessions
            .push(BlockingRule(vec![part(id, Exact)]));
    }
    training
}

/// One comparison for where a person lives, from postcode, house number and street together:
/// these describe one dwelling, so counting them as independent comparisons would count the
/// same evidence several times (and make household members look like the same person).
#[must_use]
pub fn address_comparison(p: &PersonColumns) -> Option<crate::compare::ComparisonSpec> {
    use crate::compare::{ComparisonSpec, LevelSpec, Pred};
    let pc = p.postcode.clone();
    let h = p.house_number.clone();
    let st = p.address.clone();
    let present: Vec<String> = [&pc, &h, &st].into_iter().flatten().cloned().collect();
    if present.is_empty() {
        return None;
    }
    let lvl = |label: &str, when: Pred<String>| LevelSpec {
        label: label.to_owned(),
        when,
        null: false,
        tf_column: None,
        tf_weight: 1.0,
        m: None,
        u: None,
    };
    let mut levels = vec![LevelSpec {
        null: true,
        ..lvl(
            "null",
            Pred::And(present.iter().map(|c| Pred::Null(c.clone())).collect()),
        )
    }];
    let house_street = match (&h, &st) {
        (Some(h), Some(st)) => Some(Pred::And(vec![
            Pred::Exact(h.clone()),
            Pred::JaroWinkler(st.clone(), 0.9),
        ])),
        (Some(h), None) => Some(Pred::Exact(h.clone())),
        (None, Some(st)) => Some(Pred::JaroWinkler(st.clone(), 0.9)),
        (None, None) => None,
    };
    if let Some(pc) = &pc {
        if let Some(hs) = &house_street {
            levels.push(lvl(
                "same postcode and house",
                Pred::And(vec![Pred::Exact(pc.clone()), hs.clone()]),
            ));
        }
        levels.push(lvl("same postcode", Pred::Exact(pc.clone())));
        if let Some(hs) = &house_street {
            levels.push(lvl(
                "same house, postcode one edit or same sector",
                Pred::And(vec![
                    Pred::Or(vec![
                        Pred::Damerau(pc.clone(), 1),
                        Pred::PostcodeSector(pc.clone()),
                    ]),
                    hs.clone(),
                ]),
            ));
            levels.push(lvl("same house and street", hs.clone()));
        }
        levels.push(lvl("postcode one edit", Pred::Damerau(pc.clone(), 1)));
        levels.push(lvl("same sector", Pred::PostcodeSector(pc.clone())));
        levels.push(lvl("same district", Pred::PostcodeDistrict(pc.clone())));
    } else if let Some(hs) = house_street {
        levels.push(lvl("same house and street", hs));
        if let Some(st) = &st {
            levels.push(lvl("street similar", Pred::JaroWinkler(st.clone(), 0.8)));
        }
    }
    levels.push(lvl("else", Pred::Else));
    Some(ComparisonSpec {
        name: "address".into(),
        levels,
    })
}
