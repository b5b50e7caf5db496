//! The storage port. The service layer speaks to a database only through [`Store`]; the adapter
//! (SQLite or PostgreSQL) implements it. Every method is one transaction. Every method that
//! changes data takes the [`AuditEvent`] that records it, so a change and its audit entry are
//! written together or not at all.

pub mod appraisals;
pub mod audit_chain;
pub mod dataset;
pub mod places;

pub use appraisals::{AppraisalStore, NewAppraisal, StoredAppraisal};
pub use audit_chain::{AuditHead, ChainBreak, ChainVerified};
pub use dataset::{
    Contact, Dataset, DatasetBudgetLine, DatasetGrant, DatasetPartnership, ImportCounts,
    PartnerStore, PartnershipChange, PlaceKey, Project,
};

pub use places::{
    BudgetLine, BudgetTotals, Grant, GrantChange, LaProfile, NewBudgetLine, NewGrant, NewPlace,
    Partnership, Place, PlaceStore, Related,
};

use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::Role;

/// Seconds since the Unix epoch, UTC. The service reads the clock; the store only keeps times.
pub type Timestamp = i64;

/// A failure of the storage layer.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique value (such as a username) is already taken.
    #[error("{0} already exists")]
    Conflict(String),
    /// The record asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The database refused or failed; the text is for the operator's log, not for users.
    #[error("database error: {0}")]
    Backend(String),
}

/// Shorthand for results of the port.
pub type StoreResult<T> = Result<T, StoreError>;

/// One line of the audit log: who did what, to which record, from where, and whether it was allowed.
/// It never holds passwords, tokens or personal details beyond record ids.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEvent {
    /// When it happened.
    pub at: Timestamp,
    /// The signed-in user, if any.
    pub actor_user_id: Option<i64>,
    /// The actor's username at the time (an account name, not a person's details).
    pub actor: String,
    /// A dotted verb, such as `user.create` or `session.sign_in`.
    pub action: String,
    /// The kind of record acted on, such as `user`.
    pub record_type: String,
    /// The record's id, when there is one.
    pub record_id: Option<String>,
    /// The client's network address.
    pub address: String,
    /// Whether the action was allowed.
    pub allowed: bool,
    /// A short non-personal note, such as the reason for a refusal.
    pub detail: String,
}

/// A stored audit entry with its place in the hash chain (see [`audit_chain`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AuditEntry {
    /// Sequence number, increasing.
    pub id: i64,
    /// The event.
    #[serde(flatten)]
    pub event: AuditEvent,
    /// The chain hash of the entry before it ([`audit_chain::GENESIS_HASH`] for the first);
    /// `None` only if it was removed in the database, which verification reports.
    pub prev_hash: Option<String>,
    /// This entry's chain hash: SHA-256 over its content and `prev_hash`, lower-case hex.
    pub hash: Option<String>,
}

/// Which audit entries to list. Empty fields do not filter.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Exact actor username.
    pub actor: Option<String>,
    /// Action prefix, such as `user.` or `session.sign_in`.
    pub action_prefix: Option<String>,
    /// Only allowed or only refused actions.
    pub allowed: Option<bool>,
    /// From this time (inclusive).
    pub from: Option<Timestamp>,
    /// Before this time (exclusive).
    pub until: Option<Timestamp>,
    /// Newest first, at most this many (the adapter caps it).
    pub limit: i64,
    /// Skip this many.
    pub offset: i64,
}

/// A partner agency (the places-and-partners capability extends it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Agency {
    /// Id.
    pub id: i64,
    /// Name, such as "Kent County Council".
    pub name: String,
    /// Kind, such as `county_council`.
    pub kind: String,
}

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Sign-in name, lower case.
    pub username: String,
    /// Name shown in the interface.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// The argon2id hash (never serialised).
    #[serde(skip)]
    pub password_hash: String,
    /// Must choose a new password at next sign-in.
    pub must_change_password: bool,
    /// Cannot sign in.
    pub disabled: bool,
    /// The agencies they belong to.
    pub agencies: Vec<Agency>,
    /// When the account was made.
    pub created_at: Timestamp,
}

/// What is needed to make an account.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Sign-in name, lower case.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// argon2id hash.
    pub password_hash: String,
    /// Force a change at first sign-in.
    pub must_change_password: bool,
    /// Agencies (at least one).
    pub agency_ids: Vec<i64>,
}

/// A signed-in browser session. The token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value, hex.
    pub token_hash: String,
    /// Whose session.
    pub user_id: i64,
    /// The token forms must echo back.
    pub csrf_token: String,
    /// Created.
    pub created_at: Timestamp,
    /// Ends.
    pub expires_at: Timestamp,
    /// Last request seen (updated at most every few minutes).
    pub last_seen_at: Timestamp,
}

/// A personal API token. Only its hash is stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    /// Id.
    pub id: i64,
    /// Owner.
    pub user_id: i64,
    /// The owner's label for it.
    pub name: String,
    /// SHA-256 of the token, hex (never serialised).
    #[serde(skip)]
    pub token_hash: String,
    /// Created.
    pub created_at: Timestamp,
    /// Last used.
    pub last_used_at: Option<Timestamp>,
    /// When it stops working, if it has an end.
    pub expires_at: Option<Timestamp>,
    /// Revoked, if it was.
    pub revoked_at: Option<Timestamp>,
}

/// Counts for the home page.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Overview {
    /// Active users.
    pub users: i64,
    /// Agencies.
    pub agencies: i64,
    /// Audit entries.
    pub audit_entries: i64,
}

/// The storage port.
#[async_trait]
pub trait Store: PlaceStore + AppraisalStore + PartnerStore + Send + Sync + 'static {
    /// Which backend, for the start-up message: `sqlite` or `postgres`.
    fn backend(&self) -> &'static str;

    /// Is the database reachable?
    async fn ping(&self) -> StoreResult<()>;

    // --- agencies (minimal; the places-and-partners capability extends them) ---
    /// All agencies, by name.
    async fn list_agencies(&self) -> StoreResult<Vec<Agency>>;
    /// Make an agency.
    async fn create_agency(&self, name: &str, kind: &str, audit: &AuditEvent) -> StoreResult<i64>;

    // --- users ---
    /// How many accounts exist (including disabled ones).
    async fn count_users(&self) -> StoreResult<i64>;
    /// Make an account.
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<i64>;
    /// One account by id.
    async fn user_by_id(&self, id: i64) -> StoreResult<Option<User>>;
    /// One account by sign-in name (lower case).
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// All accounts, by username.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Set a new password hash; `must_change` forces another change at next sign-in (a reset by
    /// an administrator), and then also revokes the user's API tokens. Ends every session of
    /// that user except `keep_session` (the hash of the session making the change).
    async fn set_password(
        &self,
        user_id: i64,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Enable or disable an account; disabling ends its sessions and revokes its API tokens.
    async fn set_user_disabled(
        &self,
        user_id: i64,
        disabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Change role and agencies.
    async fn update_user(
        &self,
        user_id: i64,
        display_name: &str,
        role: Role,
        agency_ids: &[i64],
        audit: &AuditEvent,
    ) -> StoreResult<()>;

    // --- sign-in throttling ---
    /// Record a failed sign-in for an account name.
    async fn record_login_failure(&self, username: &str, at: Timestamp) -> StoreResult<()>;
    /// Failed sign-ins for an account name since a time.
    async fn count_login_failures(&self, username: &str, since: Timestamp) -> StoreResult<i64>;
    /// Forget failures after a successful sign-in.
    async fn clear_login_failures(&self, username: &str) -> StoreResult<()>;

    // --- sessions ---
    /// Start a session (the sign-in is audited with it).
    async fn create_session(&self, session: &Session, audit: &AuditEvent) -> StoreResult<()>;
    /// A live session and its user.
    async fn session_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(Session, User)>>;
    /// Note activity.
    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()>;
    /// End a session.
    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> StoreResult<()>;
    /// A user's live sessions, most recently used first (not written: a read of one's own
    /// sessions is not personal data about anyone else).
    async fn list_sessions(&self, user_id: i64, now: Timestamp) -> StoreResult<Vec<Session>>;
    /// Remove expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64>;

    // --- API tokens ---
    /// Store a new token; it stops working at `expires_at`, if given.
    async fn create_api_token(
        &self,
        user_id: i64,
        name: &str,
        token_hash: &str,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> StoreResult<i64>;
    /// A user's tokens, newest first.
    async fn list_api_tokens(&self, user_id: i64) -> StoreResult<Vec<ApiToken>>;
    /// Revoke one of a user's tokens.
    async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A live (not revoked, not expired) token and its user; records its use.
    async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<User>>;

    // --- audit ---
    /// Append an entry that is not part of a change (a read of restricted data, a refusal).
    async fn append_audit(&self, event: &AuditEvent) -> StoreResult<()>;
    /// List entries, newest first, and the total matching the filter.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<(Vec<AuditEntry>, i64)>;
    /// Entries with ids above `after_id`, oldest first, at most `limit`: the chain read a page at
    /// a time for verification ([`audit_chain::verify_chain`]).
    async fn audit_chain_page(&self, after_id: i64, limit: i64) -> StoreResult<Vec<AuditEntry>>;
    /// The newest entry and its chain hash, if there is any entry.
    async fn audit_head(&self) -> StoreResult<Option<AuditHead>>;

    // --- overview ---
    /// Counts for the home page.
    async fn overview(&self) -> StoreResult<Overview>;
}
