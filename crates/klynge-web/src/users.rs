//! Account creation for the command line (`klynge user add`) and the demo accounts that
//! `klynge demo` prints.

use klynge_domain::{ClusterId, OrganisationId};
use klynge_store::{NewUser, Role, Store, StoreError};

use crate::auth::{self, PasswordError};

#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error(transparent)]
    Password(#[from] PasswordError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Invalid(String),
}

/// Creates an account with an argon2id hash of `password`.
pub async fn add_user(
    store: &Store,
    login: &str,
    display_name: &str,
    password: &str,
    role: Role,
    cluster: Option<ClusterId>,
    organisation: Option<OrganisationId>,
) -> Result<klynge_store::UserId, AccountError> {
    let hash = auth::hash_password(password)?;
    Ok(store
        .create_user(&NewUser {
            login: login.to_string(),
            display_name: display_name.to_string(),
            password_hash: hash,
            role,
            cluster,
            organisation,
        })
        .await?)
}

/// Parses a role name as the command line gives it.
pub fn parse_role(input: &str) -> Result<Role, AccountError> {
    Role::parse(&input.replace('-', "_")).map_err(|e| AccountError::Invalid(e.to_string()))
}

/// One demo account, for printing.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub login: String,
    pub password: String,
    pub role: Role,
    pub scope: String,
    pub cluster: Option<ClusterId>,
    pub organisation: Option<OrganisationId>,
}

/// The password of every demo account. The demo is for trying things out on a laptop.
pub const DEMO_PASSWORD: &str = "klynge-demo-2026";

/// Creates the demo accounts on loaded demo data: an operator, a partner, and for the first
/// two clusters an admin and a staff member, plus a member contact of the first cluster.
pub async fn create_demo_accounts(store: &Store) -> Result<Vec<DemoAccount>, AccountError> {
    let clusters = store.clusters().await?;
    let mut out = Vec::new();
    let mut add = async |login: &str,
                         name: &str,
                         role: Role,
                         cluster: Option<ClusterId>,
                         org: Option<OrganisationId>,
                         scope: String|
           -> Result<(), AccountError> {
        add_user(store, login, name, DEMO_PASSWORD, role, cluster, org).await?;
        out.push(DemoAccount {
            login: login.to_string(),
            password: DEMO_PASSWORD.to_string(),
            role,
            scope,
            cluster,
            organisation: org,
        });
        Ok(())
    };
    add(
        "operator@klynge.demo",
        "Olga Operatør",
        Role::Operator,
        None,
        None,
        "all".into(),
    )
    .await?;
    add(
        "partner@klynge.demo",
        "Palle Partner",
        Role::Partner,
        None,
        None,
        "aggregates".into(),
    )
    .await?;
    for (i, c) in clusters.iter().take(2).enumerate() {
        let slug = c.cluster.slug.as_str();
        let name = c.cluster.name.as_str().to_string();
        add(
            &format!("admin@{slug}.demo"),
            &format!("Admin {}", i + 1),
            Role::ClusterAdmin,
            Some(c.id),
            None,
            name.clone(),
        )
        .await?;
        add(
            &format!("staff@{slug}.demo"),
            &format!("Medarbejder {}", i + 1),
            Role::ClusterStaff,
            Some(c.id),
            None,
            name.clone(),
        )
        .await?;
        if i == 0 {
            // The demo loader is an operator's tool, like this: it reads the cluster's
            // memberships directly to pick a member organisation.
            let today = chrono::Utc::now().date_naive();
            let members = store.cluster(c.id).await?.memberships(Some(today)).await?;
            if let Some(member_org) = members.first().map(|(_, m)| m.organisation) {
                add(
                    &format!("member@{slug}.demo"),
                    "Mette Medlem",
                    Role::Member,
                    Some(c.id),
                    Some(member_org),
                    format!("{name}, organisation {}", member_org.0),
                )
                .await?;
            }
        }
    }
    Ok(out)
}
