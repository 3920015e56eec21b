//! The command line.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "klynge",
    version,
    about = "Klynge: the open platform for cluster organisations and their ecosystem"
)]
pub struct Cli {
    /// Database: sqlite:PATH or postgres://USER@HOST:PORT/DATABASE.
    /// Default: sqlite:DATA_DIR/klynge.sqlite (for `demo`: sqlite:DATA_DIR/demo.sqlite).
    #[arg(long, global = true, env = "KLYNGE_DATABASE_URL")]
    pub database: Option<String>,

    /// Directory for the SQLite file and other local data.
    #[arg(
        long,
        global = true,
        env = "KLYNGE_DATA_DIR",
        default_value = "klynge-data"
    )]
    pub data_dir: PathBuf,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web application.
    Serve {
        #[arg(long, env = "KLYNGE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
    },
    /// Create a demo database with the 14 national clusters, then serve it.
    Demo {
        #[arg(long, env = "KLYNGE_LISTEN", default_value = "127.0.0.1:8080")]
        listen: SocketAddr,
        /// Seed of the generator: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = DemoScale::Small)]
        scale: DemoScale,
        /// Load the data and stop, without serving.
        #[arg(long)]
        load_only: bool,
    },
    /// Bring the database schema up to date.
    Migrate,
    /// Manage accounts (`klynge user add` creates the first operator).
    User {
        #[command(subcommand)]
        action: UserCommand,
    },
    /// Schedule the meetings of a B2B matchmaking event: JSON in (the format of the
    /// klynge-scheduler crate), the schedule as JSON on standard output.
    Schedule {
        /// The event: slots, tables, participants and requested meetings.
        input: PathBuf,
        /// Stop improving after this many seconds.
        #[arg(long, default_value_t = 10.0)]
        time_limit: f64,
        /// Seed of the search.
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
    /// Reports: the regional engagement report and the funder report (klynge-report).
    Report {
        #[command(subcommand)]
        report: ReportCommand,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DemoScale {
    /// About 20,000 organisations and 50,000 participations.
    Small,
    /// About 300,000 organisations and 1,000,000 participations.
    National,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The clusters' engagement in a region since a date: presence, members over and under
    /// 50 employees, unique companies and participants, agreements, beside the national figures.
    Region {
        /// Region by name or code: nordjylland, "Region Nordjylland", 1081, …
        region: String,
        /// First day: 2021-01-01 or 01-01-2021.
        #[arg(long)]
        since: String,
        /// Last day (default: today). Its regions place every organisation.
        #[arg(long)]
        until: Option<String>,
        /// html, xlsx or json.
        #[arg(long, default_value = "html")]
        format: String,
        /// Output file (html and json go to standard output without it).
        #[arg(long)]
        out: Option<PathBuf>,
        /// da or en.
        #[arg(long, default_value = "da")]
        lang: String,
    },
    /// A cluster's figures for a year per funding stream (UFM, DEB, own, EU, other) as XLSX.
    Funder {
        /// The cluster's handle (slug), e.g. energy-cluster-denmark.
        cluster: String,
        #[arg(long)]
        year: String,
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value = "da")]
        lang: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create an account. The password is read from KLYNGE_PASSWORD, else from standard input.
    Add {
        /// Login (an e-mail address works well).
        login: String,
        /// The person's name.
        #[arg(long)]
        name: String,
        /// operator, cluster-admin, cluster-staff, member or partner.
        #[arg(long, default_value = "operator")]
        role: String,
        /// The cluster (its handle, e.g. `energy-cluster-denmark`) for cluster roles and members.
        #[arg(long)]
        cluster: Option<String>,
        /// The member's organisation id (role member).
        #[arg(long)]
        organisation: Option<i64>,
    },
}
