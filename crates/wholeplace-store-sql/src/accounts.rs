//! [`AccountStore`] for [`SqlStore`]: accounts: users, sign-in throttling, sessions and API tokens.

use crate::SqlStore;
use crate::audit::*;
use crate::store::*;
use async_trait::async_trait;
use sqlx::any::AnyRow;
use sqlx::{Any, AssertSqlSafe, Row, Transaction};
use wholeplace_domain::Role;
use wholeplace_domain::{AgencyId, ApiTokenId, UserId};
use wholeplace_store::*;

pub(crate) const USER_COLUMNS: &str =
    "id, username, display_name, role, password_hash, must_change_password, disabled, created_at";

pub(crate) enum UserKey<'a> {
    Id(i64),
    Name(&'a str),
}

pub(crate) fn user_from_row(r: &AnyRow) -> StoreResult<User> {
    let role: String = r.try_get("role").map_err(db_err)?;
    Ok(User {
        id: crate::store::id(r, "id")?,
        username: r.try_get("username").map_err(db_err)?,
        display_name: r.try_get("display_name").map_err(db_err)?,
        role: role
            .parse::<Role>()
            .map_err(|e| StoreError::Backend(e.to_string()))?,
        password_hash: r.try_get("password_hash").map_err(db_err)?,
        must_change_password: r
            .try_get::<i64, _>("must_change_password")
            .map_err(db_err)?
            != 0,
        disabled: r.try_get::<i64, _>("disabled").map_err(db_err)? != 0,
        agencies: Vec::new(),
        created_at: r.try_get("created_at").map_err(db_err)?,
    })
}

/// Revokes every live API token of a user (on a password reset, or when the account is disabled).
pub(crate) async fn revoke_user_tokens(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    user_id: UserId,
    at: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL")
        .bind(at)
        .bind(user_id.get())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    Ok(())
}

/// A session from a row whose session columns are named with `p` before them (`""` when the row is
/// the session's alone).
pub(crate) fn session_from_row(r: &AnyRow, p: &str) -> StoreResult<Session> {
    Ok(Session {
        token_hash: r
            .try_get(format!("{p}token_hash").as_str())
            .map_err(db_err)?,
        user_id: crate::store::id(r, format!("{p}user_id").as_str())?,
        csrf_token: r
            .try_get(format!("{p}csrf_token").as_str())
            .map_err(db_err)?,
        created_at: r
            .try_get(format!("{p}created_at").as_str())
            .map_err(db_err)?,
        expires_at: r
            .try_get(format!("{p}expires_at").as_str())
            .map_err(db_err)?,
        last_seen_at: r
            .try_get(format!("{p}last_seen_at").as_str())
            .map_err(db_err)?,
    })
}

pub(crate) async fn set_user_agencies(
    tx: &mut Transaction<'static, Any>,
    user_id: UserId,
    agency_ids: &[AgencyId],
) -> StoreResult<()> {
    sqlx::query("DELETE FROM user_agency WHERE user_id = $1")
        .bind(user_id.get())
        .execute(&mut **tx)
        .await
        .map_err(db_err)?;
    for a in agency_ids {
        sqlx::query(
            "INSERT INTO user_agency (user_id, agency_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(user_id.get())
        .bind(a.get())
        .execute(&mut **tx)
        .await
        .map_err(|e| match refusal(&e) {
            Some(Refusal::ForeignKey) => StoreError::NotFound,
            _ => db_err(e),
        })?;
    }
    Ok(())
}

impl SqlStore {
    pub(crate) async fn agencies_of(
        &self,
        user_ids: &[UserId],
    ) -> StoreResult<Vec<(UserId, Agency)>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let rows = sqlx::query(
            "SELECT ua.user_id, a.id, a.name, a.kind FROM user_agency ua JOIN agency a ON a.id = ua.agency_id ORDER BY a.name",
        )
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        let mut out = Vec::new();
        for r in rows {
            let uid: UserId = crate::store::id(&r, "user_id")?;
            if user_ids.contains(&uid) {
                out.push((uid, crate::agencies::agency_from_row(&r, "")?));
            }
        }
        Ok(out)
    }
    pub(crate) async fn with_agencies(&self, mut users: Vec<User>) -> StoreResult<Vec<User>> {
        let ids: Vec<UserId> = users.iter().map(|u| u.id).collect();
        for (uid, agency) in self.agencies_of(&ids).await? {
            if let Some(u) = users.iter_mut().find(|u| u.id == uid) {
                u.agencies.push(agency);
            }
        }
        Ok(users)
    }
    pub(crate) async fn one_user(
        &self,
        where_sql: &str,
        bind: UserKey<'_>,
    ) -> StoreResult<Option<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user WHERE {where_sql}");
        let q = sqlx::query(AssertSqlSafe(sql));
        let q = match bind {
            UserKey::Id(id) => q.bind(id),
            UserKey::Name(n) => q.bind(n.to_owned()),
        };
        let row = q.fetch_optional(self.pool()).await.map_err(db_err)?;
        match row {
            None => Ok(None),
            Some(r) => Ok(self.with_agencies(vec![user_from_row(&r)?]).await?.pop()),
        }
    }
}

#[async_trait]
impl AccountStore for SqlStore {
    async fn count_users(&self) -> StoreResult<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM app_user")
            .fetch_one(self.pool())
            .await
            .map_err(db_err)?;
        row.try_get("n").map_err(db_err)
    }

    async fn create_user(&self, user: &NewUser, audit: &AuditEvent) -> StoreResult<UserId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query(
            "INSERT INTO app_user (username, display_name, role, password_hash, must_change_password, disabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, 0, $6) RETURNING id",
        )
        .bind(user.username.clone())
        .bind(user.display_name.clone())
        .bind(user.role.as_str())
        .bind(user.password_hash.clone())
        .bind(i64::from(user.must_change_password))
        .bind(audit.at)
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| match db_err(e) {
            StoreError::Conflict(_) => StoreError::Conflict(format!("a user called '{}'", user.username)),
            other => other,
        })?;
        let id: UserId = crate::store::id(&row, "id")?;
        set_user_agencies(&mut tx, id, &user.agency_ids).await?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn get_user(&self, id: UserId) -> StoreResult<Option<User>> {
        self.one_user("id = $1", UserKey::Id(id.get())).await
    }

    async fn user_by_username(&self, username: &str) -> StoreResult<Option<User>> {
        self.one_user("username = $1", UserKey::Name(username))
            .await
    }

    async fn list_users(&self) -> StoreResult<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM app_user ORDER BY username");
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await
            .map_err(db_err)?;
        let users = rows
            .iter()
            .map(user_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        self.with_agencies(users).await
    }

    async fn set_password(
        &self,
        user_id: UserId,
        password_hash: &str,
        must_change: bool,
        keep_session: Option<&str>,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query(
            "UPDATE app_user SET password_hash = $1, must_change_password = $2 WHERE id = $3",
        )
        .bind(password_hash.to_owned())
        .bind(i64::from(must_change))
        .bind(user_id.get())
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        sqlx::query("DELETE FROM session WHERE user_id = $1 AND token_hash <> $2")
            .bind(user_id.get())
            .bind(keep_session.unwrap_or("").to_owned())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        if must_change {
            revoke_user_tokens(&mut tx, user_id, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn set_user_disabled(
        &self,
        user_id: UserId,
        disabled: bool,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE app_user SET disabled = $1 WHERE id = $2")
            .bind(i64::from(disabled))
            .bind(user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        if disabled {
            sqlx::query("DELETE FROM session WHERE user_id = $1")
                .bind(user_id.get())
                .execute(&mut *tx)
                .await
                .map_err(db_err)?;
            revoke_user_tokens(&mut tx, user_id, audit.at).await?;
        }
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn update_user(
        &self,
        user_id: UserId,
        display_name: &str,
        role: Role,
        agency_ids: &[AgencyId],
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE app_user SET display_name = $1, role = $2 WHERE id = $3")
            .bind(display_name.to_owned())
            .bind(role.as_str())
            .bind(user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        set_user_agencies(&mut tx, user_id, agency_ids).await?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn record_login_failure(&self, username: &str, at: Timestamp) -> StoreResult<()> {
        sqlx::query("INSERT INTO login_failure (username, at) VALUES ($1, $2)")
            .bind(username.to_owned())
            .bind(at)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn count_login_failures(&self, username: &str, since: Timestamp) -> StoreResult<i64> {
        let row =
            sqlx::query("SELECT COUNT(*) AS n FROM login_failure WHERE username = $1 AND at >= $2")
                .bind(username.to_owned())
                .bind(since)
                .fetch_one(self.pool())
                .await
                .map_err(db_err)?;
        row.try_get("n").map_err(db_err)
    }

    async fn clear_login_failures(&self, username: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM login_failure WHERE username = $1")
            .bind(username.to_owned())
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn create_session(&self, s: &Session, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "INSERT INTO session (token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(s.token_hash.clone())
        .bind(s.user_id.get())
        .bind(s.csrf_token.clone())
        .bind(s.created_at)
        .bind(s.expires_at)
        .bind(s.last_seen_at)
        .execute(&mut *tx)
        .await
        .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn session_with_user(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<(Session, User)>> {
        let sql = format!(
            "SELECT {cols}, s.token_hash AS session_token_hash, s.user_id AS session_user_id, s.csrf_token AS session_csrf_token, \
             s.created_at AS session_created_at, s.expires_at AS session_expires_at, s.last_seen_at AS session_last_seen_at \
             FROM session s JOIN app_user u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
            cols = USER_COLUMNS
                .split(", ")
                .map(|c| format!("u.{c}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row = sqlx::query(AssertSqlSafe(sql))
            .bind(token_hash.to_owned())
            .bind(now)
            .fetch_optional(self.pool())
            .await
            .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let user = user_from_row(&r)?;
        let session = session_from_row(&r, "session_")?;
        let user = self
            .with_agencies(vec![user])
            .await?
            .pop()
            .ok_or(StoreError::NotFound)?;
        Ok(Some((session, user)))
    }

    async fn touch_session(&self, token_hash: &str, now: Timestamp) -> StoreResult<()> {
        sqlx::query("UPDATE session SET last_seen_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash.to_owned())
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn delete_session(&self, token_hash: &str, audit: &AuditEvent) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM session WHERE token_hash = $1")
            .bind(token_hash.to_owned())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn list_sessions(&self, user_id: UserId, now: Timestamp) -> StoreResult<Vec<Session>> {
        let rows = sqlx::query(
            "SELECT token_hash, user_id, csrf_token, created_at, expires_at, last_seen_at FROM session \
             WHERE user_id = $1 AND expires_at > $2 ORDER BY last_seen_at DESC, created_at DESC",
        )
        .bind(user_id.get())
        .bind(now)
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| session_from_row(r, "")).collect()
    }

    async fn delete_expired_sessions(&self, now: Timestamp) -> StoreResult<u64> {
        let done = sqlx::query("DELETE FROM session WHERE expires_at <= $1")
            .bind(now)
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected())
    }

    async fn create_api_token(
        &self,
        user_id: UserId,
        name: &str,
        token_hash: &str,
        at: Timestamp,
        expires_at: Option<Timestamp>,
        audit: &AuditEvent,
    ) -> StoreResult<ApiTokenId> {
        let mut tx = self.begin().await?;
        let row = sqlx::query("INSERT INTO api_token (user_id, name, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id.get())
            .bind(name.to_owned())
            .bind(token_hash.to_owned())
            .bind(at)
            .bind(expires_at)
            .fetch_one(&mut *tx)
            .await
            .map_err(db_err)?;
        let id: ApiTokenId = crate::store::id(&row, "id")?;
        let mut ev = audit.clone();
        ev.record_id = Some(id.to_string());
        insert_audit(&mut tx, &ev).await?;
        tx.commit().await.map_err(db_err)?;
        Ok(id)
    }

    async fn list_api_tokens(&self, user_id: UserId) -> StoreResult<Vec<ApiToken>> {
        let rows = sqlx::query(
            "SELECT id, user_id, name, token_hash, created_at, last_used_at, revoked_at, expires_at FROM api_token WHERE user_id = $1 ORDER BY id DESC",
        )
        .bind(user_id.get())
        .fetch_all(self.pool())
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(ApiToken {
                    id: crate::store::id(r, "id")?,
                    user_id: crate::store::id(r, "user_id")?,
                    name: r.try_get("name").map_err(db_err)?,
                    token_hash: r.try_get("token_hash").map_err(db_err)?,
                    created_at: r.try_get("created_at").map_err(db_err)?,
                    last_used_at: r.try_get("last_used_at").map_err(db_err)?,
                    revoked_at: r.try_get("revoked_at").map_err(db_err)?,
                    expires_at: r.try_get("expires_at").map_err(db_err)?,
                })
            })
            .collect()
    }

    async fn revoke_api_token(
        &self,
        user_id: UserId,
        token_id: ApiTokenId,
        at: Timestamp,
        audit: &AuditEvent,
    ) -> StoreResult<()> {
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE api_token SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL")
            .bind(at)
            .bind(token_id.get())
            .bind(user_id.get())
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        expect_one(done.rows_affected())?;
        insert_audit(&mut tx, audit).await?;
        tx.commit().await.map_err(db_err)
    }

    async fn user_by_api_token(
        &self,
        token_hash: &str,
        now: Timestamp,
    ) -> StoreResult<Option<User>> {
        let row = sqlx::query(
            "SELECT user_id FROM api_token WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > $2)",
        )
        .bind(token_hash.to_owned())
        .bind(now)
        .fetch_optional(self.pool())
        .await
        .map_err(db_err)?;
        let Some(r) = row else { return Ok(None) };
        let uid: UserId = crate::store::id(&r, "user_id")?;
        sqlx::query("UPDATE api_token SET last_used_at = $1 WHERE token_hash = $2")
            .bind(now)
            .bind(token_hash.to_owned())
            .execute(self.pool())
            .await
            .map_err(db_err)?;
        Ok(self.get_user(uid).await?.filter(|u| !u.disabled))
    }
}
