//! Accounts: users, their sign-in throttling, sessions and API tokens.

use crate::*;
use async_trait::async_trait;
use serde::Serialize;
use wholeplace_domain::Role;
use wholeplace_domain::{AgencyId, ApiTokenId, UserId};

/// A person's account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: UserId,
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
    pub agency_ids: Vec<AgencyId>,
}

/// A signed-in browser session. The token itself is never stored, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    /// SHA-256 of the cookie value, hex.
    pub token_hash: String,
    /// Whose session.
    pub user_id: UserId,
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
    pub id: UserId,
    /// Owner.
    pub user_id: UserId,
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

/// The storage port for accounts: users, their sign-in throttling, sessions and API tokens.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// How many accounts exist (including disabled ones).
    async fn count_users(&self) -> StoreResult<i64>;
    /// Make an account.
    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<UserId>;
    /// One account by id.
    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>>;
    /// One account by sign-in name (lower case).
    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>>;
    /// All accounts, by username.
    async fn list_users(&self) -> StoreResult<Vec<User>>;
    /// Set a new password hash; `must_change` forces another change at next sign-in (a reset by
    /// an administrator), and then also revokes the user's API tokens. Ends every session of
    /// that user except `keep_session` (the hash of the session making the change).
    async fn set_password(
        &self,
        user_id: UserId,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Enable or disable an account; disabling ends its sessions and revokes its API tokens.
    async fn set_user_disabled(
        &self,
        user_id: UserId,
        disabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Change role and agencies.
    async fn update_user(
        &self,
        user_id: UserId,
        display_name: &str,
        role: Role,
        agency_ids: &[AgencyId],
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// Record a failed sign-in for an account name.
    async fn record_login_failure(&self, username: &str, at: Timestamp) -> StoreResult<()>;
    /// Failed sign-ins for an account name since a time.
    async fn count_login_failures(&self, username: &str, since: Timestamp) -> StoreResult<i64>;
    /// Forget failures after a successful sign-in.
    async fn clear_login_failures(&self, username: &str) -> StoreResult<()>;
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
    async fn list_sessions(&self, user_id: UserId, now: Timestamp) -> StoreResult<Vec<Session>>;
    /// Remove expired sessions; returns how many.
    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64>;
    /// Store a new token; it stops working at `expires_at`, if given.
    async fn create_api_token(
        &self,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> StoreResult<ApiTokenId>;
    /// A user's tokens, newest first.
    async fn list_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<ApiToken>>;
    /// Revoke one of a user's tokens.
    async fn revoke_api_token(
        &self,
        user_id: UserId,
        token_id: ApiTokenId,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()>;
    /// A live (not revoked, not expired) token and its user; records its use.
    async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<User>>;
}
