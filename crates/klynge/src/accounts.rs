//! `klynge user add` and the demo accounts printed by `klynge demo`.

use std::io::BufRead;
use std::path::Path;

use anyhow::{Context, Result, bail};
use klynge_store::Store;
use klynge_web::OrganisationId;

use crate::cli::UserCommand;

pub async fn run(database: &Option<String>, data_dir: &Path, action: UserCommand) -> Result<()> {
    let UserCommand::Add {
        login,
        name,
        role,
        cluster,
        organisation,
    } = action;
    let role = klynge_web::parse_role(&role)?;
    let password = match std::env::var("KLYNGE_PASSWORD") {
        Ok(p) => p,
        Err(_) => {
            let mut line = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut line)
                .context("cannot read the password from standard input")?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    if password.chars().count() < klynge_web::MIN_PASSWORD_LEN {
        bail!(
            "the password is too short: expected at least {} characters (from KLYNGE_PASSWORD or standard input)",
            klynge_web::MIN_PASSWORD_LEN
        );
    }
    let url = crate::database_url(database.as_deref(), data_dir, "klynge.sqlite")?;
    let store = Store::open(&url).await?;
    let cluster = match cluster {
        Some(slug) => Some(store.cluster_by_slug(&slug).await?.id),
        None => None,
    };
    let id = klynge_web::add_user(
        &store,
        &login,
        &name,
        &password,
        role,
        cluster,
        organisation.map(OrganisationId),
    )
    .await?;
    println!("created user {login} (id {}, role {})", id.0, role.code());
    store.close().await;
    Ok(())
}

pub fn print_demo_accounts(accounts: &[klynge_web::DemoAccount]) {
    println!("Demo accounts (password {}):", klynge_web::DEMO_PASSWORD);
    for a in accounts {
        println!("  {:<40} {:<14} {}", a.login, a.role.code(), a.scope);
    }
}
