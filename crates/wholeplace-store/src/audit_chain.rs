//! The audit log's hash chain. Every entry stores the SHA-256 of its own content and of the entry
//! before it, so an entry changed, removed or inserted directly in the database (by someone who
//! can drop the append-only triggers) no longer verifies, and the first entry that does not is
//! named. Deleting the newest entries, or rewriting the whole chain, is found by comparing with a
//! chain hash recorded outside the system (shown on `/audit`, in the CSV export and by
//! `wholeplace audit verify`).
//!
//! The hashed bytes are a fixed, unambiguous encoding: a version tag, then every stored column in
//! a fixed order, each as a type byte and, for text, its length before its bytes:
//! `0x00` (no value), `0x01` + 8-byte big-endian integer, `0x02` + 8-byte big-endian length + UTF-8.
//! The columns: id, at, actor_user_id, actor, action, record_type, record_id, address, allowed
//! (0 or 1), detail, and last the previous entry's hash (hex text; [`GENESIS_HASH`] for the first).

use crate::{AuditEntry, AuditEvent, Store, StoreResult};
use sha2::{Digest, Sha256};

/// What the first entry chains from: 64 zeros.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

const VERSION_TAG: &str = "wholeplace.audit_log.v1";

/// Entries read at a time when the chain is verified.
pub const VERIFY_PAGE: i64 = 1_000;

fn put_int(h: &mut Sha256, v: i64) {
    h.update([1_u8]);
    h.update(v.to_be_bytes());
}

fn put_text(h: &mut Sha256, v: &str) {
    h.update([2_u8]);
    h.update((v.len() as u64).to_be_bytes());
    h.update(v.as_bytes());
}

/// The chain hash of an entry with this id and event, chained from `prev_hash` (lower-case hex).
pub fn entry_hash(id: i64, e: &AuditEvent, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    put_text(&mut h, VERSION_TAG);
    put_int(&mut h, id);
    put_int(&mut h, e.at);
    match e.actor_user_id {
        Some(u) => put_int(&mut h, u.get()),
        None => h.update([0_u8]),
    }
    put_text(&mut h, &e.actor);
    put_text(&mut h, &e.action);
    put_text(&mut h, &e.record_type);
    match &e.record_id {
        Some(r) => put_text(&mut h, r),
        None => h.update([0_u8]),
    }
    put_text(&mut h, &e.address);
    put_int(&mut h, i64::from(e.allowed));
    put_text(&mut h, &e.detail);
    put_text(&mut h, prev_hash);
    hex::encode(h.finalize())
}

/// The newest entry and its chain hash: the value to record outside the system.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AuditHead {
    /// The newest entry's id.
    pub id: i64,
    /// Its chain hash (empty if it was stored without one, which verification reports).
    pub hash: String,
}

/// The first entry that does not verify, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The entry carries no chain hash.
    #[error("entry {id} does not verify: it has no chain hash")]
    Unchained {
        /// The entry.
        id: i64,
    },
    /// The entry's stored previous hash is not the hash of the entry before it.
    #[error(
        "entry {id} does not verify: it does not chain from {}, so an entry before it was changed, removed or inserted",
        match after { Some(p) => format!("entry {p}"), None => "the start of the log".to_owned() }
    )]
    Broken {
        /// The entry.
        id: i64,
        /// The entry before it as stored now (`None` at the start of the log).
        after: Option<i64>,
    },
    /// The entry's content does not give its stored hash.
    #[error(
        "entry {id} does not verify: its content does not match its chain hash, so it was changed after it was written"
    )]
    Changed {
        /// The entry.
        id: i64,
    },
    /// A hash recorded earlier is not in the chain.
    #[error(
        "the recorded chain hash {0} is not in the log: entries were removed from its end or the log was rewritten since it was recorded"
    )]
    ExpectedMissing(String),
}

/// A chain that verified.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainVerified {
    /// How many entries.
    pub entries: u64,
    /// The newest entry, if there is one.
    pub head: Option<AuditHead>,
}

/// Walks the chain in id order, one entry at a time (so a log of any size is checked page by page).
#[derive(Clone, Debug)]
pub struct ChainWalk {
    prev_id: Option<i64>,
    prev_hash: String,
    entries: u64,
    expect: Option<String>,
    expect_seen: bool,
}

impl Default for ChainWalk {
    fn default() -> Self {
        Self::new(None)
    }
}

impl ChainWalk {
    /// A walk from the start; `expect` is a chain hash recorded earlier that must appear.
    pub fn new(expect: Option<String>) -> Self {
        Self {
            prev_id: None,
            prev_hash: GENESIS_HASH.to_owned(),
            entries: 0,
            expect: expect.map(|h| h.trim().to_ascii_lowercase()),
            expect_seen: false,
        }
    }

    /// Checks the next entry (entries must come in increasing id order).
    pub fn check(&mut self, e: &AuditEntry) -> Result<(), ChainBreak> {
        let (Some(prev), Some(hash)) = (&e.prev_hash, &e.hash) else {
            return Err(ChainBreak::Unchained { id: e.id });
        };
        if *prev != self.prev_hash {
            return Err(ChainBreak::Broken {
                id: e.id,
                after: self.prev_id,
            });
        }
        if entry_hash(e.id, &e.event, prev) != *hash {
            return Err(ChainBreak::Changed { id: e.id });
        }
        if self.expect.as_deref() == Some(hash.as_str()) {
            self.expect_seen = true;
        }
        self.prev_id = Some(e.id);
        self.prev_hash.clone_from(hash);
        self.entries += 1;
        Ok(())
    }

    /// The result once every entry has been checked.
    pub fn finish(self) -> Result<ChainVerified, ChainBreak> {
        if let Some(expect) = self.expect
            && !self.expect_seen
        {
            return Err(ChainBreak::ExpectedMissing(expect));
        }
        Ok(ChainVerified {
            entries: self.entries,
            head: self.prev_id.map(|id| AuditHead {
                id,
                hash: self.prev_hash,
            }),
        })
    }
}

/// Verifies the whole chain through the port, [`VERIFY_PAGE`] entries at a time.
pub async fn verify_chain<S: Store + ?Sized>(
    store: &S,
    expect: Option<String>,
) -> StoreResult<Result<ChainVerified, ChainBreak>> {
    let mut walk = ChainWalk::new(expect);
    let mut after = 0_i64;
    loop {
        let page = store.audit_chain_page(after, VERIFY_PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            if let Err(b) = walk.check(e) {
                return Ok(Err(b));
            }
        }
    }
    Ok(walk.finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: i64, prev: &str) -> AuditEntry {
        let event = AuditEvent {
            at: 1_700_000_000 + id,
            actor_user_id: Some(wholeplace_domain::UserId::new(1)),
            actor: "admin".to_owned(),
            action: "user.create".to_owned(),
            record_type: "user".to_owned(),
            record_id: Some(id.to_string()),
            address: "127.0.0.1".to_owned(),
            allowed: true,
            detail: String::new(),
        };
        let hash = entry_hash(id, &event, prev);
        AuditEntry {
            id,
            event,
            prev_hash: Some(prev.to_owned()),
            hash: Some(hash),
        }
    }

    fn chain(n: i64) -> Vec<AuditEntry> {
        let mut out: Vec<AuditEntry> = Vec::new();
        for id in 1..=n {
            let prev = out
                .last()
                .and_then(|e| e.hash.clone())
                .unwrap_or_else(|| GENESIS_HASH.to_owned());
            out.push(entry(id, &prev));
        }
        out
    }

    fn walk(entries: &[AuditEntry], expect: Option<&str>) -> Result<ChainVerified, ChainBreak> {
        let mut w = ChainWalk::new(expect.map(str::to_owned));
        for e in entries {
            w.check(e)?;
        }
        w.finish()
    }

    #[test]
    fn fields_are_length_prefixed_so_moving_text_between_them_changes_the_hash() {
        let a = entry(1, GENESIS_HASH);
        let mut b = a.clone();
        b.event.actor = "admi".to_owned();
        b.event.action = "nuser.create".to_owned();
        assert_ne!(
            entry_hash(1, &a.event, GENESIS_HASH),
            entry_hash(1, &b.event, GENESIS_HASH)
        );
        let mut c = a.clone();
        c.event.record_id = Some(String::new());
        let mut d = a.clone();
        d.event.record_id = None;
        assert_ne!(
            entry_hash(1, &c.event, GENESIS_HASH),
            entry_hash(1, &d.event, GENESIS_HASH)
        );
        assert_ne!(
            entry_hash(1, &a.event, GENESIS_HASH),
            entry_hash(2, &a.event, GENESIS_HASH)
        );
    }

    #[test]
    fn a_chain_verifies_and_any_single_change_is_named() {
        let good = chain(5);
        let head = walk(&good, None).expect("verifies");
        assert_eq!(head.entries, 5);
        assert_eq!(head.head.as_ref().map(|h| h.id), Some(5));

        let mut changed = good.clone();
        changed[2].event.detail = "edited".to_owned();
        assert_eq!(walk(&changed, None), Err(ChainBreak::Changed { id: 3 }));

        let mut rehashed = good.clone();
        rehashed[2].event.detail = "edited".to_owned();
        rehashed[2].hash = Some(entry_hash(3, &rehashed[2].event, GENESIS_HASH));
        assert!(matches!(
            walk(&rehashed, None),
            Err(ChainBreak::Broken { id: 3, .. } | ChainBreak::Changed { id: 3 })
        ));

        let mut removed = good.clone();
        removed.remove(1);
        assert_eq!(
            walk(&removed, None),
            Err(ChainBreak::Broken {
                id: 3,
                after: Some(1)
            })
        );

        let mut unchained = good.clone();
        unchained[0].hash = None;
        assert_eq!(walk(&unchained, None), Err(ChainBreak::Unchained { id: 1 }));

        let recorded = good[3].hash.clone();
        assert!(walk(&good, recorded.as_deref()).is_ok());
        assert!(matches!(
            walk(&good[..3], recorded.as_deref()),
            Err(ChainBreak::ExpectedMissing(_))
        ));
    }
}
