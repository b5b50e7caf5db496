//! The audit log: read by administrators (and that reading is itself recorded), exported as CSV.

use crate::audit_action::AuditAction;
use crate::{Access, Actor, DataClass, Service, ServiceResult};
use wholeplace_store::audit_chain::verify_chain;
use wholeplace_store::{AuditEntry, AuditEvent, AuditFilter, AuditHead, ChainBreak, ChainVerified};
use wholeplace_tabular::Table;

impl Service {
    /// Refuses (and records the refusal) unless the actor's role may read the audit log.
    async fn may_read_audit(&self, actor: &Actor, action: AuditAction) -> ServiceResult<()> {
        self.authorize(
            actor,
            DataClass::AuditLog,
            Access::Read,
            action,
            "audit_log",
            None,
        )
        .await
    }

    /// Lists audit entries (administrators only); the look is recorded.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> ServiceResult<(Vec<AuditEntry>, i64)> {
        self.may_read_audit(actor, AuditAction::AuditView).await?;
        let ev = self.event(actor, AuditAction::AuditView, "audit_log", None, true, "");
        self.store().append_audit(&ev).await?;
        Ok(self.store().list_audit(filter).await?)
    }

    /// The newest entry and its chain hash, to be recorded outside the system (administrators
    /// only; shown with a listing, whose look is already recorded).
    pub async fn audit_head(&self, actor: &Actor) -> ServiceResult<Option<AuditHead>> {
        self.may_read_audit(actor, AuditAction::AuditView).await?;
        Ok(self.store().audit_head().await?)
    }

    /// Verifies the whole hash chain, page by page (administrators only). `expect` is a chain
    /// hash recorded earlier, which must still be in the chain. The check and its outcome are
    /// recorded, after the entries it checked.
    pub async fn verify_audit_chain(
        &self,
        actor: &Actor,
        expect: Option<String>,
    ) -> ServiceResult<Result<ChainVerified, ChainBreak>> {
        self.may_read_audit(actor, AuditAction::AuditVerify).await?;
        let outcome = verify_chain(self.store(), expect).await?;
        let detail = match &outcome {
            Ok(v) => format!("{} entries verified", v.entries),
            Err(b) => format!("failed: {b}"),
        };
        let ev = self.event(
            actor,
            AuditAction::AuditVerify,
            "audit_log",
            None,
            true,
            &detail,
        );
        self.store().append_audit(&ev).await?;
        Ok(outcome)
    }

    /// Records a read of restricted data, or any other event that is not itself a change.
    pub async fn record(
        &self,
        actor: &Actor,
        action: AuditAction,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        let ev = self.event(actor, action, record_type, record_id, true, "");
        Ok(self.store().append_audit(&ev).await?)
    }
}

/// The `action` of the CSV export's last row, which carries the whole log's chain head.
pub const CSV_CHAIN_HEAD_ACTION: &str = "audit.chain_head";

/// The audit entries as CSV, with a header row, every cell guarded. Each row carries its entry's
/// chain hash; a last row, with no id and the action [`CSV_CHAIN_HEAD_ACTION`], gives the newest
/// entry of the whole log (in `record_id`) and its chain hash at the time of the export, as a
/// plain row a spreadsheet opens like the others, to be recorded outside the system.
pub fn audit_csv(entries: &[AuditEntry], head: Option<&AuditHead>, exported_at: i64) -> String {
    let headers = [
        "id",
        "time_utc",
        "actor",
        "actor_user_id",
        "action",
        "record_type",
        "record_id",
        "address",
        "allowed",
        "detail",
        "chain_hash",
    ];
    let mut table = Table {
        headers: headers.iter().map(|h| (*h).to_owned()).collect(),
        rows: Vec::with_capacity(entries.len() + 1),
    };
    for e in entries {
        let AuditEvent {
            at,
            actor_user_id,
            actor,
            action,
            record_type,
            record_id,
            address,
            allowed,
            detail,
        } = &e.event;
        let cells = [
            e.id.to_string(),
            crate::clock::format_rfc3339(*at),
            actor.clone(),
            actor_user_id.map(|i| i.to_string()).unwrap_or_default(),
            action.clone(),
            record_type.clone(),
            record_id.clone().unwrap_or_default(),
            address.clone(),
            allowed.to_string(),
            detail.clone(),
            e.hash.clone().unwrap_or_default(),
        ];
        table.rows.push(cells.to_vec());
    }
    if let Some(h) = head {
        let cells = [
            String::new(),
            crate::clock::format_rfc3339(exported_at),
            String::new(),
            String::new(),
            CSV_CHAIN_HEAD_ACTION.to_owned(),
            "audit_log".to_owned(),
            h.id.to_string(),
            String::new(),
            String::new(),
            "the newest entry of the whole log when exported and its chain hash: record it outside wholeplace and check it with `wholeplace audit verify --expect`".to_owned(),
            h.hash.clone(),
        ];
        table.rows.push(cells.to_vec());
    }
    wholeplace_tabular::write_text_csv(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        let e = AuditEntry {
            id: 7,
            event: AuditEvent {
                at: 0,
                actor_user_id: Some(wholeplace_domain::UserId::new(1)),
                actor: "=cmd".to_owned(),
                action: AuditAction::UserCreate.as_str().to_owned(),
                record_type: "user".to_owned(),
                record_id: Some("2".to_owned()),
                address: "127.0.0.1".to_owned(),
                allowed: true,
                detail: "a, \"b\"".to_owned(),
            },
            prev_hash: Some("0".repeat(64)),
            hash: Some("ab".repeat(32)),
        };
        let head = AuditHead {
            id: 9,
            hash: "cd".repeat(32),
        };
        let csv = audit_csv(&[e], Some(&head), 0);
        assert!(csv.contains(",'=cmd,"), "{csv}");
        assert!(csv.contains("\"a, \"\"b\"\"\""), "{csv}");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(
            lines[1].ends_with(&format!(",{}", "ab".repeat(32))),
            "{csv}"
        );
        assert!(
            lines[2].starts_with(",1970-01-01T00:00:00Z,,,audit.chain_head,audit_log,9,")
                && lines[2].ends_with(&format!(",{}", "cd".repeat(32))),
            "{csv}"
        );
        assert_eq!(lines[2].split(',').count(), lines[0].split(',').count());
    }
}
