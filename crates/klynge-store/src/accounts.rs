//! Accounts, sessions, API tokens and sign-in attempts, and the [`Principal`]: the signed-in
//! user with a role, from which the narrower views on the data are handed out.
//!
//! Capability model (after lldap's access control): a [`Principal`] can only be obtained from
//! a live session or API token (there is no public constructor), and each view is reached only
//! through the principal's own role and cluster: [`Principal::staff`] for cluster staff and
//! admins (their own cluster only), [`Principal::member`] for a member contact (its own
//! organisation only), [`Principal::partner`] for read-only aggregates and
//! [`Principal::operator`] for user administration. Every query of those views carries the
//! cluster or organisation taken from the principal.
//!
//! Secrets are hashed before they reach this module: passwords with argon2id (by the web
//! crate) and session and API tokens with SHA-256, so the database never holds a usable secret.

use chrono::{DateTime, Utc};
use klynge_domain::{Audience, ClusterId, OrganisationId};

use crate::backend::AnyRow;
use crate::error::{Result, StoreError};
use crate::events::{EventsView, ParticipantEvents};
use crate::market::MarketView;
use crate::registry::conflict_or;
use crate::staff::{MemberView, OperatorView, PartnerView, StaffView};
use crate::{Store, params};

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// Installs and runs the platform; manages accounts; sees no cluster's private data.
    Operator,
    /// A cluster's administrator: everything cluster staff may, within the own cluster.
    ClusterAdmin,
    /// A cluster's staff (klyngesekretariat): the CRM of the own cluster.
    ClusterStaff,
    /// A member organisation's contact: the own organisation's profile and participations.
    Member,
    /// An ecosystem partner (support function, funder, region, municipality): aggregates only.
    Partner,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Operator,
        Role::ClusterAdmin,
        Role::ClusterStaff,
        Role::Member,
        Role::Partner,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::ClusterAdmin => "cluster_admin",
            Role::ClusterStaff => "cluster_staff",
            Role::Member => "member",
            Role::Partner => "partner",
        }
    }

    pub fn parse(input: &str) -> Result<Role> {
        Role::ALL
            .into_iter()
            .find(|r| r.code() == input.trim())
            .ok_or_else(|| {
                StoreError::Invalid(format!(
                    "unknown role {input:?}: expected one of operator, cluster_admin, cluster_staff, member, partner"
                ))
            })
    }

    /// Whether the role works inside one cluster (and so must name it).
    pub fn needs_cluster(self) -> bool {
        matches!(self, Role::ClusterAdmin | Role::ClusterStaff | Role::Member)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub i64);

/// An account to create. The password arrives hashed.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub password_hash: String,
    pub role: Role,
    pub cluster: Option<ClusterId>,
    pub organisation: Option<OrganisationId>,
}

/// A stored account, without its password hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: UserId,
    pub login: String,
    pub display_name: String,
    pub role: Role,
    pub cluster: Option<ClusterId>,
    pub organisation: Option<OrganisationId>,
}

/// The signed-in user. Only this module builds one, from a live session or API token.
#[derive(Debug, Clone)]
pub struct Principal {
    user: UserRecord,
}

/// A live browser session: who, and the token that state-changing forms must echo.
#[derive(Debug, Clone)]
pub struct Session {
    pub principal: Principal,
    pub csrf_token: String,
}

const USER_COLUMNS: &str = "u.id, u.login, u.display_name, u.role, u.cluster_id, u.organisation_id";

fn user_from_row(row: &AnyRow) -> Result<UserRecord> {
    let id: i64 = row.get("id")?;
    let role = Role::parse(&row.get::<String>("role")?).map_err(|e| StoreError::Corrupt {
        table: "users",
        id,
        reason: e.to_string(),
    })?;
    Ok(UserRecord {
        id: UserId(id),
        login: row.get("login")?,
        display_name: row.get("display_name")?,
        role,
        cluster: row.get::<Option<i64>>("cluster_id")?.map(ClusterId),
        organisation: row
            .get::<Option<i64>>("organisation_id")?
            .map(OrganisationId),
    })
}

/// Logins compare without case and surrounding spaces.
pub fn normalise_login(login: &str) -> String {
    login.trim().to_lowercase()
}

impl Principal {
    pub fn user(&self) -> &UserRecord {
        &self.user
    }
    pub fn role(&self) -> Role {
        self.user.role
    }
    pub fn id(&self) -> UserId {
        self.user.id
    }

    /// The CRM of the principal's own cluster, for its staff and admins; `None` for anyone else.
    pub fn staff(&self, store: &Store) -> Option<StaffView> {
        match (self.user.role, self.user.cluster) {
            (Role::ClusterAdmin | Role::ClusterStaff, Some(cluster)) => {
                Some(StaffView::new(store.clone(), cluster))
            }
            _ => None,
        }
    }

    /// The own organisation in the own cluster, for a member contact.
    pub fn member(&self, store: &Store) -> Option<MemberView> {
        match (self.user.role, self.user.cluster, self.user.organisation) {
            (Role::Member, Some(cluster), Some(organisation)) => {
                Some(MemberView::new(store.clone(), cluster, organisation))
            }
            _ => None,
        }
    }

    /// Aggregated figures across clusters, for partners (and operators).
    pub fn partner(&self, store: &Store) -> Option<PartnerView> {
        matches!(self.user.role, Role::Partner | Role::Operator)
            .then(|| PartnerView::new(store.clone()))
    }

    /// The marketplace as this principal may read it: staff and members by their cluster (and
    /// a member by its organisation), everyone else the public posts only.
    pub fn market(&self, store: &Store) -> MarketView {
        let audience = match (self.user.role, self.user.cluster, self.user.organisation) {
            (Role::ClusterAdmin | Role::ClusterStaff, Some(c), _) => Audience::Staff(c),
            (Role::Member, Some(c), Some(o)) => Audience::Member(c, o),
            _ => Audience::Public,
        };
        MarketView::new(store.clone(), audience)
    }

    /// The matchmaking events of the own cluster, for its staff and admins (the organiser).
    pub fn events(&self, store: &Store) -> Option<EventsView> {
        match (self.user.role, self.user.cluster) {
            (Role::ClusterAdmin | Role::ClusterStaff, Some(cluster)) => {
                Some(EventsView::new(store.clone(), cluster))
            }
            _ => None,
        }
    }

    /// The events the own organisation takes part in, for a member contact.
    pub fn participant_events(&self, store: &Store) -> Option<ParticipantEvents> {
        match (self.user.role, self.user.cluster, self.user.organisation) {
            (Role::Member, Some(cluster), Some(organisation)) => {
                Some(ParticipantEvents::new(store.clone(), cluster, organisation))
            }
            _ => None,
        }
    }

    /// Account administration, for operators.
    pub fn operator(&self, store: &Store) -> Option<OperatorView> {
        (self.user.role == Role::Operator).then(|| OperatorView::new(store.clone()))
    }
}

impl Store {
    /// Creates an account. The role decides which of cluster and organisation must be given.
    pub async fn create_user(&self, user: &NewUser) -> Result<UserId> {
        let login = normalise_login(&user.login);
        if login.is_empty() || login.len() > 200 || login.chars().any(char::is_whitespace) {
            return Err(StoreError::Invalid(format!(
                "invalid login {:?}: expected 1 to 200 characters without spaces (an e-mail address works well)",
                user.login
            )));
        }
        if user.display_name.trim().is_empty() {
            return Err(StoreError::Invalid(
                "the display name is empty: expected the person's name".into(),
            ));
        }
        match (user.role.needs_cluster(), user.cluster) {
            (true, None) => {
                return Err(StoreError::Invalid(format!(
                    "role {} needs a cluster",
                    user.role.code()
                )));
            }
            (false, Some(c)) => {
                return Err(StoreError::Invalid(format!(
                    "role {} works across clusters: expected no cluster, got cluster {c}",
                    user.role.code()
                )));
            }
            _ => {}
        }
        match (user.role == Role::Member, user.organisation) {
            (true, None) => {
                return Err(StoreError::Invalid(
                    "role member needs the member's organisation".into(),
                ));
            }
            (false, Some(o)) => {
                return Err(StoreError::Invalid(format!(
                    "role {} has no organisation: expected none, got organisation {o}",
                    user.role.code()
                )));
            }
            _ => {}
        }
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        if let Some(c) = user.cluster {
            let n = conn
                .fetch_i64("SELECT COUNT(*) FROM clusters WHERE id = $1", params![c.0])
                .await?;
            if n == 0 {
                return Err(StoreError::not_found("cluster", format!("id {c}")));
            }
        }
        if let Some(o) = user.organisation {
            let n = conn
                .fetch_i64(
                    "SELECT COUNT(*) FROM organisations WHERE id = $1",
                    params![o.0],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::not_found("organisation", format!("id {o}")));
            }
        }
        let id = conn
            .fetch_i64(
                "INSERT INTO users (login, display_name, password_hash, role, cluster_id, organisation_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                params![
                    login.clone(),
                    user.display_name.trim(),
                    user.password_hash.clone(),
                    user.role.code(),
                    user.cluster.map(|c| c.0),
                    user.organisation.map(|o| o.0),
                    crate::now()
                ],
            )
            .await
            .map_err(|e| conflict_or(e, || format!("a user with login {login:?} already exists")))?;
        tx.commit().await?;
        Ok(UserId(id))
    }

    /// The account and its password hash, for checking a sign-in.
    pub async fn credentials(&self, login: &str) -> Result<Option<(UserRecord, String)>> {
        let mut conn = self.acquire().await?;
        let row = conn
            .conn()
            .fetch_optional(
                &format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.login = $1"),
                params![normalise_login(login)],
            )
            .await?;
        row.map(|r| Ok((user_from_row(&r)?, r.get("password_hash")?)))
            .transpose()
    }

    /// The password hash of a signed-in user, for a password change.
    pub async fn password_hash(&self, user: UserId) -> Result<String> {
        let mut conn = self.acquire().await?;
        conn.conn()
            .fetch_optional(
                "SELECT password_hash FROM users WHERE id = $1",
                params![user.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("user", format!("id {}", user.0)))?
            .get("password_hash")
            .map_err(Into::into)
    }

    /// Replaces a password hash and ends every other session of the user.
    pub async fn set_password_hash(
        &self,
        user: UserId,
        hash: &str,
        keep_session: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let mut conn = tx.conn();
        conn.execute(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            params![hash, user.0],
        )
        .await?;
        conn.execute(
            "DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2",
            params![user.0, keep_session],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn record_sign_in_attempt(&self, login: &str, succeeded: bool) -> Result<()> {
        let mut conn = self.acquire().await?;
        conn.conn()
            .execute(
                "INSERT INTO sign_in_attempts (login, attempted_at, succeeded) VALUES ($1, $2, $3)",
                params![normalise_login(login), crate::now(), succeeded],
            )
            .await?;
        Ok(())
    }

    /// Failed sign-ins for a login since a moment (the rate limit counts these).
    pub async fn failed_sign_ins_since(&self, login: &str, since: DateTime<Utc>) -> Result<i64> {
        let mut conn = self.acquire().await?;
        Ok(conn
            .conn()
            .fetch_i64(
                "SELECT COUNT(*) FROM sign_in_attempts WHERE login = $1 AND attempted_at >= $2 AND NOT succeeded",
                params![normalise_login(login), since],
            )
            .await?)
    }

    /// Starts a session, and clears the user's expired sessions so that the table does not
    /// grow with every sign-in (an index on the user keeps this cheap).
    pub async fn create_session(
        &self,
        token_hash: &str,
        user: UserId,
        csrf_token: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        let mut conn = self.acquire().await?;
        let now = crate::now();
        conn.conn()
            .execute(
                "DELETE FROM sessions WHERE user_id = $1 AND expires_at <= $2",
                params![user.0, now],
            )
            .await?;
        conn.conn()
            .execute(
                "INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
                params![token_hash, user.0, csrf_token, now, expires_at],
            )
            .await?;
        Ok(())
    }

    /// Live sessions of a user (for tests and the operator's view).
    pub async fn session_count(&self, user: UserId) -> Result<i64> {
        let mut conn = self.acquire().await?;
        Ok(conn
            .conn()
            .fetch_i64(
                "SELECT COUNT(*) FROM sessions WHERE user_id = $1",
                params![user.0],
            )
            .await?)
    }

    /// The live session with this token digest, if any. Every request asks, so the answer is
    /// kept for a moment (see [`crate::recent`]): a sign-out or any other write here is seen
    /// at once, a change made by another process within a second.
    pub async fn session(&self, token_hash: &str) -> Result<Option<Session>> {
        let now = crate::now();
        let kept = &self.kept;
        if let Some(found) = kept.sessions.get(token_hash, &kept.writes) {
            return Ok(found
                .filter(|(_, expires_at)| *expires_at > now)
                .map(|(s, _)| s));
        }
        let ticket = kept.writes.ticket();
        let mut conn = self.acquire().await?;
        let row = conn
            .conn()
            .fetch_optional(
                &format!(
                    "SELECT {USER_COLUMNS}, s.csrf_token, s.expires_at FROM sessions s JOIN users u ON u.id = s.user_id \
                     WHERE s.token_hash = $1 AND s.expires_at > $2"
                ),
                params![token_hash, now],
            )
            .await?;
        let found = row
            .map(|r| -> Result<_> {
                let session = Session {
                    principal: Principal {
                        user: user_from_row(&r)?,
                    },
                    csrf_token: r.get("csrf_token")?,
                };
                Ok((session, r.get::<DateTime<Utc>>("expires_at")?))
            })
            .transpose()?;
        kept.sessions
            .put(token_hash.to_string(), ticket, found.clone());
        Ok(found.map(|(s, _)| s))
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let mut conn = self.acquire().await?;
        conn.conn()
            .execute(
                "DELETE FROM sessions WHERE token_hash = $1",
                params![token_hash],
            )
            .await?;
        Ok(())
    }

    pub async fn create_api_token(
        &self,
        user: UserId,
        token_hash: &str,
        label: &str,
    ) -> Result<()> {
        let mut conn = self.acquire().await?;
        conn.conn()
            .execute(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)",
                params![user.0, token_hash, label, crate::now()],
            )
            .await?;
        Ok(())
    }

    /// The principal an API token (by digest) stands for.
    /// Kept for a moment like [`Store::session`].
    pub async fn api_principal(&self, token_hash: &str) -> Result<Option<Principal>> {
        let kept = &self.kept;
        if let Some(found) = kept.api_principals.get(token_hash, &kept.writes) {
            return Ok(found);
        }
        let ticket = kept.writes.ticket();
        let mut conn = self.acquire().await?;
        let row = conn
            .conn()
            .fetch_optional(
                &format!(
                    "SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1"
                ),
                params![token_hash],
            )
            .await?;
        let found = row
            .map(|r| -> Result<_> {
                Ok(Principal {
                    user: user_from_row(&r)?,
                })
            })
            .transpose()?;
        kept.api_principals
            .put(token_hash.to_string(), ticket, found.clone());
        Ok(found)
    }

    pub(crate) async fn all_users(&self) -> Result<Vec<UserRecord>> {
        let mut conn = self.acquire().await?;
        let rows = conn
            .conn()
            .fetch_all(
                &format!("SELECT {USER_COLUMNS} FROM users u ORDER BY u.login"),
                vec![],
            )
            .await?;
        rows.iter().map(user_from_row).collect()
    }
}
