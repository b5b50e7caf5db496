//! The need taxonomy a family's involvements are recorded against: the shipped needs
//! (`wholeplace_domain::taxonomy::NEEDS`) in the partnership's own words where it renamed them,
//! and the needs it added. Reference data: read by anyone signed in, changed as the partnership's
//! other reference data is.

use crate::audit_action::AuditAction;
use crate::fields::*;
use crate::*;
use wholeplace_domain::taxonomy::NEEDS;
use wholeplace_store::NeedTerm;

/// The "add or rename a need" form.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NeedForm {
    /// The need to rename (a key), or empty to add one.
    pub key: String,
    /// What the partnership calls it.
    pub label: String,
}

/// A need in the taxonomy.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct NeedView {
    /// The key involvements store.
    pub key: String,
    /// What the partnership calls it.
    pub label: String,
    /// The shipped wording, when it is a shipped need.
    pub shipped: Option<&'static str>,
}

/// A key for a new need from its label: lower case words joined by `_`.
pub fn need_key(label: &str) -> String {
    let mut key = String::new();
    for word in label
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !key.is_empty() {
            key.push('_');
        }
        key.push_str(&word.to_ascii_lowercase());
    }
    key.chars().take(60).collect()
}

/// The shipped needs in their order, relabelled where the partnership did, then its own needs
/// by label.
pub fn merge_needs(terms: &[NeedTerm]) -> Vec<NeedView> {
    let mut out: Vec<NeedView> = NEEDS
        .iter()
        .map(|(k, l)| NeedView {
            key: (*k).to_owned(),
            label: terms
                .iter()
                .find(|t| t.key == *k)
                .map_or_else(|| (*l).to_owned(), |t| t.label.clone()),
            shipped: Some(*l),
        })
        .collect();
    let mut local: Vec<NeedView> = terms
        .iter()
        .filter(|t| !NEEDS.iter().any(|(k, _)| *k == t.key))
        .map(|t| NeedView {
            key: t.key.clone(),
            label: t.label.clone(),
            shipped: None,
        })
        .collect();
    local.sort_by(|a, b| a.label.cmp(&b.label));
    out.extend(local);
    out
}

impl Service {
    /// The need taxonomy, for forms and pages (no personal data: not audited).
    pub async fn needs(&self) -> ServiceResult<Vec<NeedView>> {
        Ok(merge_needs(&self.store().list_need_terms().await?))
    }

    /// The need taxonomy, for a signed-in reader.
    pub async fn list_needs(&self, actor: &Actor) -> ServiceResult<Vec<NeedView>> {
        self.may_read(actor).await?;
        self.needs().await
    }

    /// Renames a need, or adds one.
    pub async fn set_need(&self, actor: &Actor, f: &NeedForm) -> ServiceResult<String> {
        self.authorize(
            actor,
            DataClass::Reference,
            Access::Change,
            AuditAction::NeedSet,
            "need",
            None,
        )
        .await?;
        let needs = self.needs().await?;
        let mut errors = Vec::new();
        let label = text(
            &mut errors,
            "label",
            &f.label,
            120,
            Some("Enter what the partnership calls the need, such as 'Food poverty'"),
        );
        let key = if f.key.trim().is_empty() {
            let key = need_key(&label);
            if key.is_empty() && errors.is_empty() {
                errors.push(FieldError::new(
                    "label",
                    "Use letters or numbers in the need's name",
                ));
            } else if needs.iter().any(|n| n.key == key) {
                errors.push(FieldError::conflict(
                    "label",
                    "There is already a need of that name: rename it instead",
                ));
            }
            key
        } else if needs.iter().any(|n| n.key == f.key.trim()) {
            f.key.trim().to_owned()
        } else {
            errors.push(FieldError::new("key", "Select the need to rename"));
            String::new()
        };
        if needs.iter().any(|n| n.label == label && n.key != key) {
            errors.push(FieldError::conflict(
                "label",
                "Another need is already called that",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let mut ev = self.event(actor, AuditAction::NeedSet, "need", None, true, "");
        ev.record_id = Some(key.clone());
        self.store()
            .set_need_term(
                &NeedTerm {
                    key: key.clone(),
                    label,
                },
                &ev,
            )
            .await
            .map_err(in_use)?;
        Ok(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_labels_and_local_needs_follow_the_shipped_ones() {
        assert_eq!(need_key("  Food poverty (local) "), "food_poverty_local");
        let merged = merge_needs(&[
            NeedTerm {
                key: "parenting".into(),
                label: "Parenting support".into(),
            },
            NeedTerm {
                key: "food_poverty".into(),
                label: "Food poverty".into(),
            },
        ]);
        assert_eq!(merged.len(), NEEDS.len() + 1);
        let parenting = merged
            .iter()
            .find(|n| n.key == "parenting")
            .expect("shipped");
        assert_eq!(parenting.label, "Parenting support");
        assert!(parenting.shipped.is_some());
        assert_eq!(merged.last().map(|n| n.key.as_str()), Some("food_poverty"));
    }
}
