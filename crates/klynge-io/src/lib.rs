//! Klynge's spreadsheet import and export.
//!
//! The import is a pipeline a caller drives row by row, so that files of any length go through
//! in bounded memory and so that the CLI and the web can share it:
//!
//! 1. [`source::open`] reads a CSV (separator `,` `;` or tab, UTF-8 with or without BOM, or
//!    Windows-1252), XLSX or ODS file into a header row and a stream of text rows;
//! 2. [`mapping::Mapping::detect`] maps the headers to the entity's fields by Danish and English
//!    names and synonyms; [`mapping::Mapping::with_overrides`] applies `COLUMN=FIELD` choices;
//!    the caller can show the mapping and the first rows as a preview;
//! 3. [`plan::Planner`] validates each row into domain types, resolves references against
//!    [`plan::Known`] (what the database holds, loaded by the store) and decides per row:
//!    create, update or skip (deduplication), or reports [`messages::RowError`]s;
//! 4. the caller writes the planned rows in one transaction (`klynge_store::Importer`).
//!
//! Architecture invariant: no database access here; reading files is this crate's job.

pub mod export;
pub mod mapping;
pub mod messages;
pub mod plan;
pub mod source;
mod values;

pub use mapping::{Entity, Field, Mapping};
pub use messages::{ErrorKind, Lang, RowError};
pub use plan::{Known, Planned, Planner, Summary};
pub use source::{Format, Source, SourceError};
