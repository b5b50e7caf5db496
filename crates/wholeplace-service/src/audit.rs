//! The audit log: read by administrators (and that reading is itself recorded), exported as CSV.

use crate::{Actor, Service, ServiceResult};
use wholeplace_store::{AuditEntry, AuditEvent, AuditFilter};

impl Service {
    /// Lists audit entries (administrators only); the look is recorded.
    pub async fn list_audit(
        &self,
        actor: &Actor,
        filter: &AuditFilter,
    ) -> ServiceResult<(Vec<AuditEntry>, i64)> {
        self.require_admin(actor, "audit.view", "audit_log", None)
            .await?;
        let ev = self.event(actor, "audit.view", "audit_log", None, true, "");
        self.store().append_audit(&ev).await?;
        Ok(self.store().list_audit(filter).await?)
    }

    /// Records a read of restricted data, or any other event that is not itself a change.
    pub async fn record(
        &self,
        actor: &Actor,
        action: &str,
        record_type: &str,
        record_id: Option<String>,
    ) -> ServiceResult<()> {
        let ev = self.event(actor, action, record_type, record_id, true, "");
        Ok(self.store().append_audit(&ev).await?)
    }
}

/// Guards a CSV cell against formula injection: a cell starting with `=`, `+`, `-`, `@`, tab or
/// carriage return is prefixed with an apostrophe so spreadsheet programs show it as text.
pub fn csv_safe(cell: &str) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell.to_owned()
    }
}

/// The audit entries as CSV, with a header row, every cell guarded.
pub fn audit_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from(
        "id,time_utc,actor,actor_user_id,action,record_type,record_id,address,allowed,detail\n",
    );
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
        ];
        let line: Vec<String> = cells.iter().map(|c| quote(&csv_safe(c))).collect();
        out.push_str(&line.join(","));
        out.push('\n');
    }
    out
}

fn quote(cell: &str) -> String {
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_cells_cannot_become_formulas() {
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("-1"), "'-1");
        assert_eq!(csv_safe("plain"), "plain");
        let e = AuditEntry {
            id: 7,
            event: AuditEvent {
                at: 0,
                actor_user_id: Some(1),
                actor: "=cmd".to_owned(),
                action: "user.create".to_owned(),
                record_type: "user".to_owned(),
                record_id: Some("2".to_owned()),
                address: "127.0.0.1".to_owned(),
                allowed: true,
                detail: "a, \"b\"".to_owned(),
            },
        };
        let csv = audit_csv(&[e]);
        assert!(csv.contains(",'=cmd,"), "{csv}");
        assert!(csv.contains("\"a, \"\"b\"\"\""), "{csv}");
    }
}
