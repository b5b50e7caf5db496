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
    rule(vec![f.map(|c| part(c, Exact)), s.map(|c| part(c, Exact))]);
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
    for id in [&p.nhs_number, &p.ni_number]
        .into_iter()
        .flatten()
        .chain(p.identifiers.iter())
    {
        rule(vec![Some(part(id, Exact))]);
    }
    rule(vec![
        p.house_number.as_deref().map(|c| part(c, Exact)),
        p.address.as_deref().map(|c| part(c, Exact)),
        f.map(|c| part(c, Initial)),
    ]);
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
    if let Some(c) = d {
        comparisons.push(
            Template::Date {
                column: c.to_owned(),
            }
            .expand(),
        );
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
    if let Some(c) = pc {
        comparisons.push(
            Template::Postcode {
                column: c.to_owned(),
                tf: true,
            }
            .expand(),
        );
    }
    if let Some(c) = &p.house_number {
        comparisons.push(Template::Identifier { column: c.clone() }.expand());
    }
    for c in [&p.address, &p.address2, &p.town].into_iter().flatten() {
        comparisons.push(
            Template::Text {
                column: c.clone(),
                tf: true,
            }
            .expand(),
        );
    }
    if let Some(c) = &p.county {
        comparisons.push(
            Template::Exact {
                column: c.clone(),
                tf: true,
            }
            .expand(),
        );
    }
    for c in [&p.nhs_number, &p.ni_number]
        .into_iter()
        .flatten()
        .chain(p.identifiers.iter())
    {
        comparisons.push(Template::Identifier { column: c.clone() }.expand());
    }
    comparisons.truncate(16);
    Settings {
        link_type,
        blocking,
        comparisons,
        training: Training::default(),
        max_block_size: 3000,
    }
}
