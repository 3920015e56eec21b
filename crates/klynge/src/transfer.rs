//! `klynge import` and `klynge export`: the wiring between files (klynge-io) and the store.
//! The pipeline itself (read → map → validate and deduplicate → write) is `klynge_transfer`,
//! which the web's upload screens drive too; this module adds the file, the `--cluster`
//! lookup, the progress bar and the printed report.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use klynge_domain::{ActivityId, Employment, OrganisationRecord, PersonId};
use klynge_io::export::{Cell, CsvOptions, Sheet};
use klynge_io::{Entity, Field, Lang, Mapping, RowError, Summary, source};
use klynge_store::{ClusterStore, Store};
use klynge_transfer::ImportOptions;
pub use klynge_transfer::MAX_ERRORS_KEPT;

/// What `klynge import` was asked to do.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub entity: Entity,
    pub file: PathBuf,
    pub cluster: Option<String>,
    pub overrides: Vec<String>,
    pub dry_run: bool,
    pub import_valid_rows: bool,
    pub lang: Lang,
    /// Show a progress bar (on a terminal) or progress lines (otherwise) for large files.
    pub progress: bool,
}

/// What an import did or would do.
#[derive(Debug, Clone)]
pub struct ImportOutcome {
    pub format: String,
    pub mapping: Mapping,
    pub summary: Summary,
    /// The first errors (at most [`MAX_ERRORS_KEPT`]); `summary.invalid` counts all bad rows.
    pub errors: Vec<RowError>,
    pub written: bool,
}

/// The file's format, the detected mapping and the first rows, for a preview.
pub fn preview(
    entity: Entity,
    file: &Path,
    overrides: &[String],
    rows: usize,
) -> Result<(String, Mapping, Vec<Vec<String>>)> {
    let mut source = source::open(file)?;
    let mapping = Mapping::detect(entity, &source.headers).with_overrides(overrides)?;
    let mut first = Vec::new();
    while first.len() < rows {
        match source.next_row() {
            Some(Ok(row)) => first.push(row.cells),
            Some(Err(_)) => continue,
            None => break,
        }
    }
    Ok((source.format.to_string(), mapping, first))
}

async fn cluster_handle(
    store: &Store,
    slug: Option<&str>,
    entity: Entity,
) -> Result<Option<ClusterStore>> {
    match (slug, entity.needs_cluster()) {
        (Some(slug), true) => {
            let record = store.cluster_by_slug(slug).await?;
            Ok(Some(store.cluster(record.id).await?))
        }
        (None, true) => bail!("{entity} belong to one cluster: give it with --cluster SLUG"),
        (_, false) => Ok(None),
    }
}

/// Runs an import: every row is validated; rows are written in one transaction that is
/// committed only when no row had errors (or `import_valid_rows`) and not `dry_run`
/// (`klynge_transfer::run`, shared with the web).
pub async fn import(store: &Store, request: &ImportRequest) -> Result<ImportOutcome> {
    let lang = request.lang;
    let source = source::open(&request.file)?;
    let file_len = std::fs::metadata(&request.file)
        .map(|m| m.len())
        .unwrap_or(0);
    let mapping =
        Mapping::detect(request.entity, &source.headers).with_overrides(&request.overrides)?;
    let cluster = cluster_handle(store, request.cluster.as_deref(), request.entity).await?;
    let total = source::total(&source, file_len);
    let bar = progress_bar(request.progress, total);
    let options = ImportOptions {
        dry_run: request.dry_run,
        import_valid_rows: request.import_valid_rows,
    };
    let format = source.format.to_string();
    let outcome = klynge_transfer::run(
        store,
        cluster.as_ref(),
        source,
        mapping.clone(),
        options,
        |p| tick(&bar, p, lang),
    )
    .await
    .map_err(|e| anyhow::anyhow!(e.message(lang)))?;
    if let Some(Progress::Bar(bar)) = bar {
        bar.finish_and_clear();
    }
    Ok(ImportOutcome {
        format,
        mapping,
        summary: outcome.summary,
        errors: outcome.errors,
        written: outcome.written,
    })
}

enum Progress {
    Bar(ProgressBar),
    Lines,
}

fn progress_bar(wanted: bool, total: u64) -> Option<Progress> {
    if !wanted {
        return None;
    }
    if std::io::stderr().is_terminal() {
        let bar = ProgressBar::new(total);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {percent:>3}% {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Some(Progress::Bar(bar))
    } else {
        Some(Progress::Lines)
    }
}

fn tick(progress: &Option<Progress>, p: klynge_transfer::Progress, lang: Lang) {
    match progress {
        Some(Progress::Bar(bar)) => {
            bar.set_position(p.position);
            bar.set_message(match (p.committing, lang) {
                (true, Lang::Da) => "gemmer …".to_string(),
                (true, Lang::En) => "committing …".to_string(),
                (false, _) => format!("{} rows", p.rows),
            });
        }
        Some(Progress::Lines) if p.rows.is_multiple_of(100_000) && !p.committing => {
            eprintln!("… {} rows", p.rows)
        }
        _ => {}
    }
}

/// Prints the mapping, the summary and the errors as the CLI shows them.
pub fn report(outcome: &ImportOutcome, request: &ImportRequest) -> String {
    let lang = request.lang;
    let mut out = String::new();
    let (fmt_l, map_l, ignored) = match lang {
        Lang::Da => ("Format", "Kolonner", "(ignoreres)"),
        Lang::En => ("Format", "Columns", "(ignored)"),
    };
    out.push_str(&format!("{fmt_l}: {}\n{map_l}:\n", outcome.format));
    for (header, field) in outcome.mapping.headers.iter().zip(&outcome.mapping.columns) {
        match field {
            Some(f) => out.push_str(&format!(
                "  {header:<28} → {} ({})\n",
                f.code(),
                f.label(lang)
            )),
            None => out.push_str(&format!("  {header:<28}   {ignored}\n")),
        }
    }
    out.push_str(&outcome.summary.describe(lang));
    out.push('\n');
    for e in &outcome.errors {
        out.push_str(&e.message(lang));
        out.push('\n');
    }
    if outcome.summary.invalid > outcome.errors.len() {
        out.push_str(&match lang {
            Lang::Da => format!(
                "… og flere fejl (viser de første {})\n",
                outcome.errors.len()
            ),
            Lang::En => format!(
                "… and more errors (showing the first {})\n",
                outcome.errors.len()
            ),
        });
    }
    let verdict = match (
        outcome.written,
        request.dry_run,
        outcome.summary.invalid > 0,
        lang,
    ) {
        (true, _, _, Lang::Da) => "Importen er gemt.",
        (true, _, _, Lang::En) => "The import was saved.",
        (false, true, _, Lang::Da) => "Prøvekørsel (--dry-run): intet er skrevet.",
        (false, true, _, Lang::En) => "Dry run (--dry-run): nothing was written.",
        (false, false, true, Lang::Da) => {
            "Intet er skrevet, fordi rækker har fejl. Ret filen, eller importér de gyldige rækker med --import-valid-rows."
        }
        (false, false, true, Lang::En) => {
            "Nothing was written because rows have errors. Correct the file, or import the valid rows with --import-valid-rows."
        }
        (false, false, false, Lang::Da) => "Intet er skrevet.",
        (false, false, false, Lang::En) => "Nothing was written.",
    };
    out.push_str(verdict);
    out.push('\n');
    out
}

// ----- export -----

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Xlsx,
    Csv(CsvOptions),
}

fn employment_text(e: Employment) -> String {
    match e.max() {
        Some(max) if max == e.min() => max.to_string(),
        Some(max) => format!("{}-{max}", e.min()),
        None => format!("{}+", e.min()),
    }
}

fn text(s: impl Into<String>) -> Cell {
    Cell::Text(s.into())
}

fn opt<T>(v: Option<T>, f: impl FnOnce(T) -> Cell) -> Cell {
    v.map_or(Cell::Empty, f)
}

/// Cells naming an organisation the way an import finds it again.
fn org_cells(org: Option<&OrganisationRecord>, field: Field) -> Cell {
    let Some(o) = org else { return Cell::Empty };
    match field {
        Field::Organisation | Field::Name => text(o.organisation.name.as_str()),
        Field::Cvr => opt(o.organisation.registration.cvr(), |c| {
            Cell::Int(i64::from(c.value()))
        }),
        Field::Municipality => opt(o.organisation.registration.municipality(), |m| {
            text(m.municipality().name.clone())
        }),
        _ => Cell::Empty,
    }
}

/// Builds the sheet of `entity` (a cluster's data needs `cluster`).
pub async fn export_sheet(
    store: &Store,
    entity: Entity,
    cluster: Option<&str>,
    lang: Lang,
) -> Result<Sheet> {
    let handle = cluster_handle(store, cluster, entity).await?;
    let orgs = store.all_organisations().await?;
    let by_id: std::collections::HashMap<i64, &OrganisationRecord> =
        orgs.iter().map(|o| (o.id.0, o)).collect();
    let fields = entity.fields();
    let mut sheet = Sheet::for_entity(entity, fields, lang);
    match (entity, handle.as_ref()) {
        (Entity::Organisations, _) => {
            for o in &orgs {
                let org = &o.organisation;
                sheet.rows.push(
                    fields
                        .iter()
                        .map(|f| match f {
                            Field::Kind => text(org.kind.code()),
                            Field::Country => text(org.registration.country().as_str()),
                            Field::Vat => opt(org.registration.vat(), |v| text(v.as_str())),
                            Field::Employees => opt(org.employment, |e| text(employment_text(e))),
                            Field::Industry => opt(org.industry, |i| text(i.digits())),
                            other => org_cells(Some(o), *other),
                        })
                        .collect(),
                );
            }
        }
        (Entity::Contacts, Some(c)) => {
            for (_, p) in c.all_persons().await? {
                let org = by_id.get(&p.organisation.0).copied();
                sheet.rows.push(
                    fields
                        .iter()
                        .map(|f| match f {
                            Field::Name => text(p.name.as_str()),
                            Field::Email => opt(p.email.as_ref(), |e| text(e.as_str())),
                            Field::Phone => opt(p.phone.clone(), text),
                            Field::JobTitle => opt(p.job_title.clone(), text),
                            Field::ConsentGivenOn => opt(p.consent_given_on, Cell::Date),
                            other => org_cells(org, *other),
                        })
                        .collect(),
                );
            }
        }
        (Entity::Memberships, Some(c)) => {
            for (_, m) in c.all_memberships().await? {
                let org = by_id.get(&m.organisation.0).copied();
                sheet.rows.push(
                    fields
                        .iter()
                        .map(|f| match f {
                            Field::ValidFrom => Cell::Date(m.period.from()),
                            Field::ValidTo => opt(m.period.to(), Cell::Date),
                            Field::FeeTier => text(m.fee_tier.code()),
                            other => org_cells(org, *other),
                        })
                        .collect(),
                );
            }
        }
        (Entity::Activities, Some(c)) => {
            for (_, a) in c.all_activities().await? {
                sheet.rows.push(
                    fields
                        .iter()
                        .map(|f| match f {
                            Field::Title => text(a.title.as_str()),
                            Field::ActivityType => text(a.activity_type.code()),
                            Field::FundingStream => text(a.funding_stream.code()),
                            Field::Format => text(a.format.code()),
                            Field::Municipality => {
                                opt(a.municipality, |m| text(m.municipality().name.clone()))
                            }
                            Field::StartsOn => Cell::Date(a.period.from()),
                            Field::EndsOn => opt(a.period.to(), Cell::Date),
                            Field::Published => Cell::Bool(a.published),
                            _ => Cell::Empty,
                        })
                        .collect(),
                );
            }
        }
        (Entity::Participations, Some(c)) => {
            let titles: std::collections::HashMap<ActivityId, String> = c
                .all_activities()
                .await?
                .into_iter()
                .map(|(id, a)| (id, a.title.to_string()))
                .collect();
            let emails: std::collections::HashMap<PersonId, String> = c
                .all_persons()
                .await?
                .into_iter()
                .filter_map(|(id, p)| p.email.map(|e| (id, e.as_str().to_string())))
                .collect();
            for (_, p) in c.all_participations().await? {
                let org = by_id.get(&p.organisation.0).copied();
                let o = p.outcomes;
                sheet.rows.push(
                    fields
                        .iter()
                        .map(|f| match f {
                            Field::ActivityId => Cell::Int(p.activity.0),
                            Field::Activity => opt(titles.get(&p.activity).cloned(), text),
                            Field::Email => {
                                opt(p.person.and_then(|x| emails.get(&x).cloned()), text)
                            }
                            Field::Role => text(p.role.code()),
                            Field::Dedication => opt(p.dedication, |d| text(d.code())),
                            Field::NewProductServiceProcess => {
                                Cell::Bool(o.new_product_service_process)
                            }
                            Field::NewKnowledgeCollaboration => {
                                Cell::Bool(o.new_knowledge_collaboration)
                            }
                            Field::NewCompetences => Cell::Bool(o.new_competences),
                            Field::ReferralReceived => Cell::Bool(o.referral_received),
                            Field::RegisteredOn => Cell::Date(p.registered_on),
                            other => org_cells(org, *other),
                        })
                        .collect(),
                );
            }
        }
        (_, None) => bail!("{entity} belong to one cluster: give it with --cluster SLUG"),
    }
    Ok(sheet)
}

/// Writes `entity` to `out`; returns the number of data rows.
pub async fn export(
    store: &Store,
    entity: Entity,
    cluster: Option<&str>,
    format: ExportFormat,
    out: &Path,
    lang: Lang,
) -> Result<usize> {
    let sheet = export_sheet(store, entity, cluster, lang).await?;
    let cannot = || format!("cannot write {}", out.display());
    match format {
        ExportFormat::Xlsx => {
            let bytes = klynge_io::export::write_xlsx(&sheet, lang)?;
            std::fs::write(out, bytes).with_context(cannot)?;
        }
        ExportFormat::Csv(options) => {
            let file = std::fs::File::create(out).with_context(cannot)?;
            klynge_io::export::write_csv(&sheet, std::io::BufWriter::new(file), options, lang)
                .with_context(cannot)?;
        }
    }
    Ok(sheet.rows.len())
}

/// The CSV dialect from the command line's `--separator` and BOM choice.
pub fn csv_options(separator: &str, bom: bool) -> Result<CsvOptions> {
    let separator = match separator {
        ";" => b';',
        "," => b',',
        "tab" | "\t" => b'\t',
        other => bail!("invalid separator {other:?}: expected \";\", \",\" or \"tab\""),
    };
    Ok(CsvOptions { separator, bom })
}

/// `klynge import`: runs the import, prints the report, and fails (exit code 1) when rows had
/// errors and nothing was written. An import of organisations or memberships that wrote rows
/// then rebuilds the marketplace's search index in `data_dir`, if there is one (it indexes
/// organisations and their memberships), as the web's import does; the rows stay committed if
/// that fails, and the message says to run `klynge reindex`.
pub async fn run_import(store: &Store, request: ImportRequest, data_dir: &Path) -> Result<()> {
    let outcome = import(store, &request).await?;
    if outcome.written
        && matches!(request.entity, Entity::Organisations | Entity::Memberships)
        && crate::market::index_dir(data_dir).exists()
        && let Err(e) = crate::market::reindex(store, data_dir).await
    {
        eprintln!(
            "{}: {e:#}",
            match request.lang {
                Lang::Da => {
                    "advarsel: markedspladsens søgeindeks blev ikke opdateret (kør klynge reindex)"
                }
                Lang::En => {
                    "warning: the marketplace search index was not updated (run klynge reindex)"
                }
            }
        );
    }
    print!("{}", report(&outcome, &request));
    if outcome.summary.invalid > 0 && !outcome.written && !request.dry_run {
        bail!(match request.lang {
            Lang::Da => format!(
                "{} rækker har fejl; intet er skrevet",
                outcome.summary.invalid
            ),
            Lang::En => format!(
                "{} rows have errors; nothing was written",
                outcome.summary.invalid
            ),
        });
    }
    Ok(())
}
