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
    /// Rebuild the marketplace's search index (DATA_DIR/market-index) from the database.
    Reindex,
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
    /// Import organisations, contacts, memberships, activities or participations from a
    /// CSV (`,` `;` or tab; UTF-8 or Windows-1252), XLSX or ODS file. Every row is validated
    /// first; with errors nothing is written unless --import-valid-rows.
    Import {
        #[arg(value_enum)]
        entity: EntityArg,
        file: PathBuf,
        /// The cluster whose data it is (all but organisations).
        #[arg(long)]
        cluster: Option<String>,
        /// Map a column to a field: COLUMN=FIELD (header or 1-based position; FIELD "-" ignores it).
        #[arg(long = "map", value_name = "COLUMN=FIELD")]
        map: Vec<String>,
        /// Validate and report without writing.
        #[arg(long)]
        dry_run: bool,
        /// Write the valid rows even when others have errors.
        #[arg(long)]
        import_valid_rows: bool,
        #[arg(long, value_enum, default_value_t = LangArg::Da)]
        lang: LangArg,
    },
    /// Export an entity to XLSX or CSV (CSV: UTF-8 with BOM and `;` by default, as Danish Excel
    /// opens it).
    Export {
        #[arg(value_enum)]
        entity: EntityArg,
        #[arg(long)]
        cluster: Option<String>,
        #[arg(long, value_enum)]
        format: ExportFormatArg,
        #[arg(long)]
        out: PathBuf,
        /// CSV separator: ";" (default), "," or "tab".
        #[arg(long, default_value = ";")]
        separator: String,
        /// Write CSV without the UTF-8 byte-order mark.
        #[arg(long)]
        no_bom: bool,
        #[arg(long, value_enum, default_value_t = LangArg::Da)]
        lang: LangArg,
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EntityArg {
    Organisations,
    Contacts,
    Memberships,
    Activities,
    Participations,
}

impl From<EntityArg> for klynge_io::Entity {
    fn from(e: EntityArg) -> Self {
        match e {
            EntityArg::Organisations => klynge_io::Entity::Organisations,
            EntityArg::Contacts => klynge_io::Entity::Contacts,
            EntityArg::Memberships => klynge_io::Entity::Memberships,
            EntityArg::Activities => klynge_io::Entity::Activities,
            EntityArg::Participations => klynge_io::Entity::Participations,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LangArg {
    Da,
    En,
}

impl From<LangArg> for klynge_io::Lang {
    fn from(l: LangArg) -> Self {
        match l {
            LangArg::Da => klynge_io::Lang::Da,
            LangArg::En => klynge_io::Lang::En,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormatArg {
    Xlsx,
    Csv,
}
