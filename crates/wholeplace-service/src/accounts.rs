//! Accounts: the first administrator, signing in and out, sessions, passwords, users and API tokens.

use crate::audit_action::AuditAction;
use crate::secret::{
    constant_time_eq, hash_password, one_time_password, random_token, token_hash, verify_password,
};
use crate::{Actor, FieldError, Service, ServiceError, ServiceResult};
use wholeplace_domain::AgencyKind;
use wholeplace_domain::Role;
use wholeplace_domain::{AgencyId, ApiTokenId, UserId};
use wholeplace_store::{ApiToken, NewUser, Session, User};

/// Sessions are touched at most this often, so that reading a page does not write (and at least
/// ten times within the idle timeout, so a session in use is never taken for an idle one).
const TOUCH_EVERY_SECS: i64 = 300;
/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// A successful sign-in: the cookie value (shown to nobody else) and the session.
#[derive(Clone, Debug)]
pub struct SignedIn {
    /// The session token for the cookie.
    pub token: String,
    /// The session.
    pub session: Session,
    /// Who signed in.
    pub user: User,
}

/// One of a person's own sessions, as their account page lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionView {
    /// A short reference (the start of the session's hash): enough to name it, useless to use it.
    pub reference: String,
    /// Started.
    pub created_at: i64,
    /// Last used (to within a few minutes).
    pub last_seen_at: i64,
    /// Ends at the latest.
    pub expires_at: i64,
    /// Is it the session asking?
    pub current: bool,
}

/// How many characters of a session's hash name it.
const SESSION_REFERENCE_LEN: usize = 12;

/// The fields of the new-user form.
/// Read from a submitted form by name; a field the form did not send is empty.
#[derive(Clone, Debug, Default, serde::Deserialize)]
#[serde(default)]
pub struct NewUserForm {
    /// Sign-in name.
    pub username: String,
    /// Name shown.
    pub display_name: String,
    /// Role name.
    pub role: String,
    /// Agency ids.
    #[serde(skip)]
    pub agency_ids: Vec<AgencyId>,
}

/// What makes a password acceptable; every problem is returned.
pub fn check_new_password(
    field: &str,
    username: &str,
    password: &str,
    confirm: &str,
) -> Vec<FieldError> {
    let mut errors = Vec::new();
    if password.chars().count() < MIN_PASSWORD_LEN {
        errors.push(FieldError::new(
            field,
            format!("Password must be at least {MIN_PASSWORD_LEN} characters long"),
        ));
    } else if password.eq_ignore_ascii_case(username) {
        errors.push(FieldError::new(field, "Password must not be your username"));
    } else if password.chars().count() > 1024 {
        errors.push(FieldError::new(
            field,
            "Password must be 1,024 characters or fewer",
        ));
    }
    if password != confirm {
        errors.push(FieldError::new(
            "confirm_password",
            "The two new passwords do not match: type the same password twice",
        ));
    }
    errors
}

fn normalise_username(raw: &str) -> String {
    raw.trim().to_lowercase()
}

fn check_username(username: &str) -> Option<FieldError> {
    let ok_chars = username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'));
    if username.is_empty() {
        Some(FieldError::new("username", "Enter a username"))
    } else if !ok_chars || username.len() > 64 {
        Some(FieldError::new(
            "username",
            "Username must be up to 64 letters, digits, dots, hyphens or underscores",
        ))
    } else {
        None
    }
}

async fn hash_blocking(password: String) -> ServiceResult<String> {
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))?
        .map_err(ServiceError::Internal)
}

async fn verify_blocking(password: String, hash: String) -> ServiceResult<bool> {
    tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| ServiceError::Internal(e.to_string()))
}

impl Service {
    /// On an empty database, creates the partnership's office agency and an administrator called
    /// `admin` with a one-time password, which is returned (to be shown once). Otherwise `None`.
    pub async fn bootstrap_admin(&self) -> ServiceResult<Option<String>> {
        if self.store().count_users().await? > 0 {
            return Ok(None);
        }
        let operator = Actor::operator();
        let agency_id = match self.store().list_agencies().await?.first() {
            Some(a) => a.id,
            None => {
                let ev = self.event(
                    &operator,
                    AuditAction::AgencyCreate,
                    "agency",
                    None,
                    true,
                    "first start",
                );
                self.store()
                    .create_agency(
                        "Partnership office",
                        AgencyKind::parse("partnership")
                            .map_err(|e| ServiceError::Internal(e.to_string()))?,
                        &ev,
                    )
                    .await?
            }
        };
        let password = one_time_password();
        let hash = hash_blocking(password.clone()).await?;
        let new = NewUser {
            username: "admin".to_owned(),
            display_name: "Administrator".to_owned(),
            role: Role::Administrator,
            password_hash: hash,
            must_change_password: true,
            agency_ids: vec![agency_id],
        };
        let ev = self.event(
            &operator,
            AuditAction::UserCreate,
            "user",
            None,
            true,
            "first administrator",
        );
        self.store().create_user(&new, &ev).await?;
        Ok(Some(password))
    }

    /// Signs in. Refuses after too many recent failures for the same account name, without
    /// checking the password, and says when to try again. Wrong name and wrong password give
    /// the same answer.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
        address: &str,
    ) -> ServiceResult<SignedIn> {
        let username = normalise_username(username);
        let mut errors = Vec::new();
        if username.is_empty() {
            errors.push(FieldError::new("username", "Enter your username"));
        }
        if password.is_empty() {
            errors.push(FieldError::new("password", "Enter your password"));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let now = self.now();
        let anonymous = Actor {
            user: None,
            address: address.to_owned(),
            session_hash: None,
        };
        let window = self.config().throttle_window_secs;
        let failures = self
            .store()
            .count_login_failures(&username, now - window)
            .await?;
        if failures >= self.config().throttle_failures {
            let mut ev = self.event(
                &anonymous,
                AuditAction::SessionSignIn,
                "user",
                None,
                false,
                "throttled after repeated failures",
            );
            ev.actor = username.clone();
            self.store().append_audit(&ev).await?;
            return Err(ServiceError::Throttled {
                retry_after_mins: (window + 59) / 60,
            });
        }
        let user = self.store().user_by_username(&username).await?;
        // Verify against a real hash even for unknown names, so timing does not reveal accounts.
        let (hash, known) = match &user {
            Some(u) => (u.password_hash.clone(), true),
            None => (dummy_hash(), false),
        };
        let ok = verify_blocking(password.to_owned(), hash).await? && known;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            other => {
                self.store().record_login_failure(&username, now).await?;
                let reason = match other {
                    Some(u) if u.disabled && ok => "account disabled",
                    _ => "wrong username or password",
                };
                let mut ev = self.event(
                    &anonymous,
                    AuditAction::SessionSignIn,
                    "user",
                    None,
                    false,
                    reason,
                );
                ev.actor = username.clone();
                self.store().append_audit(&ev).await?;
                return Err(ServiceError::Unauthenticated(
                    "The username or password is not right. Check them and try again.".to_owned(),
                ));
            }
        };
        self.store().clear_login_failures(&username).await?;
        let token = random_token("");
        let session = Session {
            token_hash: token_hash(&token),
            user_id: user.id,
            csrf_token: random_token(""),
            created_at: now,
            expires_at: now + self.config().session_ttl_secs,
            last_seen_at: now,
        };
        let actor = Actor::user(user.clone(), address, Some(session.token_hash.clone()));
        let ev = self.event(
            &actor,
            AuditAction::SessionSignIn,
            "user",
            Some(user.id.to_string()),
            true,
            "",
        );
        self.store().create_session(&session, &ev).await?;
        Ok(SignedIn {
            token,
            session,
            user,
        })
    }

    /// The live session a cookie names, with its user; refreshes its last-seen time now and then.
    pub async fn session(&self, token: &str) -> ServiceResult<Option<(Session, User)>> {
        if token.is_empty() || token.len() > 128 {
            return Ok(None);
        }
        let now = self.now();
        let hash = token_hash(token);
        let found = self.store().session_with_user(&hash, now).await?;
        let idle = self.config().session_idle_secs;
        if let Some((s, u)) = &found {
            if now - s.last_seen_at > idle {
                let actor = Actor::user(u.clone(), "", Some(hash.clone()));
                let ev = self.event(
                    &actor,
                    AuditAction::SessionIdleTimeout,
                    "user",
                    Some(u.id.to_string()),
                    true,
                    &format!("unused for over {} minutes", idle / 60),
                );
                self.store().delete_session(&hash, &ev).await?;
                return Ok(None);
            }
            if now - s.last_seen_at > TOUCH_EVERY_SECS.min(idle / 10) {
                self.store().touch_session(&hash, now).await?;
            }
        }
        Ok(found)
    }

    /// Does a submitted form token match the session's?
    pub fn csrf_ok(session: &Session, submitted: &str) -> bool {
        constant_time_eq(&session.csrf_token, submitted)
    }

    /// Signs out the actor's session.
    pub async fn sign_out(&self, actor: &Actor) -> ServiceResult<()> {
        let Some(hash) = &actor.session_hash else {
            return Ok(());
        };
        let ev = self.event(
            actor,
            AuditAction::SessionSignOut,
            "user",
            actor.user_id().map(|i| i.to_string()),
            true,
            "",
        );
        Ok(self.store().delete_session(hash, &ev).await?)
    }

    /// Ends the session a browser presented when it signed in again, so signing in twice does
    /// not leave the older session alive.
    pub async fn end_replaced_session(&self, old_token: &str) -> ServiceResult<()> {
        if old_token.is_empty() || old_token.len() > 128 {
            return Ok(());
        }
        let hash = token_hash(old_token);
        let Some((_, user)) = self.store().session_with_user(&hash, self.now()).await? else {
            return Ok(());
        };
        let actor = Actor::user(user.clone(), "", Some(hash.clone()));
        let ev = self.event(
            &actor,
            AuditAction::SessionSignOut,
            "user",
            Some(user.id.to_string()),
            true,
            "replaced by a new sign-in",
        );
        Ok(self.store().delete_session(&hash, &ev).await?)
    }

    /// The actor's own live sessions, most recently used first.
    pub async fn list_own_sessions(&self, actor: &Actor) -> ServiceResult<Vec<SessionView>> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        let sessions = self.store().list_sessions(user.id, self.now()).await?;
        Ok(sessions
            .into_iter()
            .map(|s| SessionView {
                reference: s.token_hash.chars().take(SESSION_REFERENCE_LEN).collect(),
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
                current: actor.session_hash.as_deref() == Some(s.token_hash.as_str()),
            })
            .collect())
    }

    /// Ends one of the actor's own sessions, named by its reference, or every other one when
    /// `reference` is "others". Returns how many ended.
    pub async fn revoke_own_session(&self, actor: &Actor, reference: &str) -> ServiceResult<usize> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        let reference = reference.trim();
        let sessions = self.store().list_sessions(user.id, self.now()).await?;
        let chosen: Vec<&Session> = sessions
            .iter()
            .filter(|s| {
                if reference == "others" {
                    actor.session_hash.as_deref() != Some(s.token_hash.as_str())
                } else {
                    reference.len() == SESSION_REFERENCE_LEN && s.token_hash.starts_with(reference)
                }
            })
            .collect();
        if chosen.is_empty() && reference != "others" {
            return Err(ServiceError::NotFound);
        }
        for s in &chosen {
            let ev = self.event(
                actor,
                AuditAction::SessionRevoke,
                "user",
                Some(user.id.to_string()),
                true,
                &format!(
                    "session {}",
                    &s.token_hash[..SESSION_REFERENCE_LEN.min(s.token_hash.len())]
                ),
            );
            self.store().delete_session(&s.token_hash, &ev).await?;
        }
        Ok(chosen.len())
    }

    /// Changes the actor's own password after checking the current one. Other sessions end.
    pub async fn change_password(
        &self,
        actor: &Actor,
        current: &str,
        new: &str,
        confirm: &str,
    ) -> ServiceResult<()> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        let fresh = self
            .store()
            .get_user(user.id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        let mut errors = Vec::new();
        if current.is_empty() {
            errors.push(FieldError::new(
                "current_password",
                "Enter your current password",
            ));
        } else if !verify_blocking(current.to_owned(), fresh.password_hash.clone()).await? {
            errors.push(FieldError::new(
                "current_password",
                "Your current password is not right",
            ));
        }
        errors.extend(check_new_password(
            "new_password",
            &fresh.username,
            new,
            confirm,
        ));
        if errors.is_empty() && new == current {
            errors.push(FieldError::new(
                "new_password",
                "Choose a password different from your current one",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let hash = hash_blocking(new.to_owned()).await?;
        let ev = self.event(
            actor,
            AuditAction::UserChangePassword,
            "user",
            Some(user.id.to_string()),
            true,
            "",
        );
        Ok(self
            .store()
            .set_password(user.id, &hash, false, actor.session_hash.as_deref(), &ev)
            .await?)
    }

    /// All accounts (administrators only).
    pub async fn list_users(&self, actor: &Actor) -> ServiceResult<Vec<User>> {
        self.authorize(
            actor,
            crate::DataClass::Accounts,
            crate::Access::Read,
            AuditAction::UserList,
            "user",
            None,
        )
        .await?;
        Ok(self.store().list_users().await?)
    }

    /// One account (administrators, or the user themself).
    pub async fn get_user(&self, actor: &Actor, id: UserId) -> ServiceResult<User> {
        let class = if actor.user_id() == Some(id) {
            crate::DataClass::OwnAccount
        } else {
            crate::DataClass::Accounts
        };
        self.authorize(
            actor,
            class,
            crate::Access::Read,
            AuditAction::UserView,
            "user",
            Some(id.to_string()),
        )
        .await?;
        self.store()
            .get_user(id)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Finds an account by name (administrators only), for the command line.
    pub async fn find_user(&self, actor: &Actor, username: &str) -> ServiceResult<User> {
        self.authorize(
            actor,
            crate::DataClass::Accounts,
            crate::Access::Read,
            AuditAction::UserView,
            "user",
            None,
        )
        .await?;
        let name = normalise_username(username);
        self.store()
            .user_by_username(&name)
            .await?
            .ok_or(ServiceError::NotFound)
    }

    /// Creates an account with a one-time password, which is returned to be passed on once.
    pub async fn create_user(
        &self,
        actor: &Actor,
        form: &NewUserForm,
    ) -> ServiceResult<(User, String)> {
        self.require_admin(actor, AuditAction::UserCreate, "user", None)
            .await?;
        let username = normalise_username(&form.username);
        let mut errors = Vec::new();
        if let Some(e) = check_username(&username) {
            errors.push(e);
        }
        let display_name = form.display_name.trim();
        if display_name.is_empty() {
            errors.push(FieldError::new(
                "display_name",
                "Enter the person's name as it should be shown",
            ));
        } else if display_name.chars().count() > 200 {
            errors.push(FieldError::new(
                "display_name",
                "Name must be 200 characters or fewer",
            ));
        }
        let role = form.role.parse::<Role>();
        if let Err(e) = &role {
            errors.push(FieldError::new(
                "role",
                if form.role.trim().is_empty() {
                    "Select a role".to_owned()
                } else {
                    e.to_string()
                },
            ));
        }
        let agencies = self.store().list_agencies().await?;
        if form.agency_ids.is_empty() {
            errors.push(FieldError::new(
                "agencies",
                "Select at least one agency the person works for",
            ));
        } else if form
            .agency_ids
            .iter()
            .any(|id| !agencies.iter().any(|a| a.id == *id))
        {
            errors.push(FieldError::new("agencies", "Select agencies from the list"));
        }
        if errors.is_empty() && self.store().user_by_username(&username).await?.is_some() {
            errors.push(FieldError::new(
                "username",
                format!("There is already a user called '{username}': choose another username"),
            ));
        }
        let Ok(role) = role else {
            return Err(ServiceError::Validation(errors));
        };
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let password = one_time_password();
        let new = NewUser {
            username: username.clone(),
            display_name: display_name.to_owned(),
            role,
            password_hash: hash_blocking(password.clone()).await?,
            must_change_password: true,
            agency_ids: form.agency_ids.clone(),
        };
        let ev = self.event(actor, AuditAction::UserCreate, "user", None, true, "");
        let id = self.store().create_user(&new, &ev).await?;
        let user = self
            .store()
            .get_user(id)
            .await?
            .ok_or(ServiceError::NotFound)?;
        Ok((user, password))
    }

    /// Disables or enables an account (administrators only; not their own).
    pub async fn set_user_disabled(
        &self,
        actor: &Actor,
        id: UserId,
        disabled: bool,
    ) -> ServiceResult<()> {
        let action = if disabled {
            AuditAction::UserDisable
        } else {
            AuditAction::UserEnable
        };
        self.require_admin(actor, action, "user", Some(id.to_string()))
            .await?;
        if disabled && actor.user_id() == Some(id) {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "user",
                "You cannot disable your own account: ask another administrator",
            )]));
        }
        let ev = self.event(actor, action, "user", Some(id.to_string()), true, "");
        Ok(self.store().set_user_disabled(id, disabled, &ev).await?)
    }

    /// Sets a new one-time password for an account and ends its sessions (administrators only).
    pub async fn reset_password(&self, actor: &Actor, id: UserId) -> ServiceResult<String> {
        self.require_admin(
            actor,
            AuditAction::UserResetPassword,
            "user",
            Some(id.to_string()),
        )
        .await?;
        let password = one_time_password();
        let hash = hash_blocking(password.clone()).await?;
        let ev = self.event(
            actor,
            AuditAction::UserResetPassword,
            "user",
            Some(id.to_string()),
            true,
            "",
        );
        self.store()
            .set_password(id, &hash, true, None, &ev)
            .await?;
        self.store()
            .clear_login_failures(
                &self
                    .store()
                    .get_user(id)
                    .await?
                    .ok_or(ServiceError::NotFound)?
                    .username,
            )
            .await?;
        Ok(password)
    }

    /// Creates a personal API token; the token is returned once and stored only as a hash.
    pub async fn create_api_token(&self, actor: &Actor, name: &str) -> ServiceResult<String> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(ServiceError::Validation(vec![FieldError::new(
                "token_name",
                "Enter a name for the token of up to 100 characters, such as 'quarterly report script'",
            )]));
        }
        let token = random_token("wp_");
        let ev = self.event(
            actor,
            AuditAction::ApiTokenCreate,
            "api_token",
            None,
            true,
            "",
        );
        self.store()
            .create_api_token(user.id, name, &token_hash(&token), self.now(), None, &ev)
            .await?;
        Ok(token)
    }

    /// The actor's API tokens.
    pub async fn list_api_tokens(&self, actor: &Actor) -> ServiceResult<Vec<ApiToken>> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        Ok(self.store().list_api_tokens(user.id).await?)
    }

    /// Revokes one of the actor's API tokens.
    pub async fn revoke_api_token(&self, actor: &Actor, token_id: ApiTokenId) -> ServiceResult<()> {
        let user = actor
            .user
            .as_ref()
            .ok_or_else(|| ServiceError::Unauthenticated("Sign in first.".to_owned()))?;
        let ev = self.event(
            actor,
            AuditAction::ApiTokenRevoke,
            "api_token",
            Some(token_id.to_string()),
            true,
            "",
        );
        Ok(self
            .store()
            .revoke_api_token(user.id, token_id, self.now(), &ev)
            .await?)
    }

    /// The user an API token belongs to, if it is live.
    pub async fn authenticate_api_token(&self, token: &str) -> ServiceResult<Option<User>> {
        if !token.starts_with("wp_") || token.len() > 128 {
            return Ok(None);
        }
        Ok(self
            .store()
            .user_by_api_token(&token_hash(token), self.now())
            .await?)
    }

    /// Counts for the home page.
    pub async fn overview(&self, actor: &Actor) -> ServiceResult<wholeplace_store::Overview> {
        self.may_read(actor).await?;
        Ok(self.store().overview().await?)
    }
}

/// A fixed argon2id hash of a random string, so unknown names cost as much as known ones.
fn dummy_hash() -> String {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY
        .get_or_init(|| hash_password(&random_token("")).unwrap_or_default())
        .clone()
}

impl Service {
    /// Removes expired sessions (run periodically by the server).
    pub async fn sweep_sessions(&self) -> ServiceResult<u64> {
        Ok(self.store().delete_expired_sessions(self.now()).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_passwords_are_checked_all_at_once() {
        let errs = check_new_password("new_password", "amy", "short", "other");
        assert_eq!(errs.len(), 2, "{errs:?}");
        assert!(
            check_new_password(
                "new_password",
                "amy",
                "a long enough password",
                "a long enough password"
            )
            .is_empty()
        );
        assert_eq!(
            check_new_password("p", "averylongname", "AVERYLONGNAME", "AVERYLONGNAME").len(),
            1
        );
    }

    #[test]
    fn usernames_are_plain() {
        assert!(check_username("jo.bloggs-2").is_none());
        assert!(check_username("").is_some());
        assert!(check_username("jo bloggs").is_some());
        assert!(check_username("<script>").is_some());
    }
}

/// The days an API token made at the command line may last: 1 to 365.
pub const TOKEN_DAYS: std::ops::RangeInclusive<i64> = 1..=365;

/// An API token made for an account by an administrator (`wholeplace user token`).
#[derive(Clone, Debug)]
pub struct IssuedToken {
    /// The account it acts as.
    pub user: User,
    /// The token itself, shown once.
    pub token: String,
    /// Its label on the account page.
    pub name: String,
    /// When it stops working.
    pub expires_at: i64,
}

impl Service {
    /// Makes an API token for a named, enabled account that stops working after `days` days
    /// (administrators only, such as the operator at the command line, for scripts, CI and
    /// checks). The token is returned once and stored only as a hash; the making is audited as
    /// on the account page, naming the owner's id and the expiry.
    pub async fn issue_api_token(
        &self,
        actor: &Actor,
        username: &str,
        name: &str,
        days: i64,
    ) -> ServiceResult<IssuedToken> {
        self.require_admin(actor, AuditAction::ApiTokenCreate, "api_token", None)
            .await?;
        let mut errors = Vec::new();
        if !TOKEN_DAYS.contains(&days) {
            errors.push(FieldError::new(
                "expires",
                format!(
                    "Enter the days the token lasts as a whole number from {} to {} (you entered {days})",
                    TOKEN_DAYS.start(),
                    TOKEN_DAYS.end()
                ),
            ));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            errors.push(FieldError::new(
                "name",
                "Enter a name for the token of up to 100 characters, such as 'nightly export'",
            ));
        }
        if !errors.is_empty() {
            return Err(ServiceError::Validation(errors));
        }
        let user = self
            .store()
            .user_by_username(&normalise_username(username))
            .await?
            .ok_or(ServiceError::NotFound)?;
        if user.disabled {
            return Err(ServiceError::Forbidden(format!(
                "The account '{}' is disabled, so it cannot have an API token. Enable it first.",
                user.username
            )));
        }
        let token = random_token("wp_");
        let now = self.now();
        let expires_at = now + days * 86_400;
        let ev = self.event(
            actor,
            AuditAction::ApiTokenCreate,
            "api_token",
            None,
            true,
            &format!("for user {}, expires after {days} days", user.id),
        );
        self.store()
            .create_api_token(
                user.id,
                name,
                &token_hash(&token),
                now,
                Some(expires_at),
                &ev,
            )
            .await?;
        Ok(IssuedToken {
            user,
            token,
            name: name.to_owned(),
            expires_at,
        })
    }
}
