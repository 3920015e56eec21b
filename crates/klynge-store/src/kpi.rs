//! The facts the KPI engine (`klynge-report`) counts: narrow, typed rows of every table a report
//! reads, across all clusters. This is aggregate access for performance accounting, not a way
//! around tenant isolation: nothing private (names of contacts, notes) is read, and the engine
//! only ever publishes counts.
//!
//! Why rows and not `GROUP BY` queries: measured on the national demo (300,000 organisations,
//! 1,000,000 participations), one `COUNT(DISTINCT …) GROUP BY` pass over the participations takes
//! 0.8–5 s on SQLite and a report needs several (per period, per cluster, per region, with the
//! previous period beside it). Reading the narrow facts once and counting in memory
//! (milliseconds per report) is faster from the first report on, and keeps every counting rule
//! in one place, in Rust, identical for both backends.
//!
//! How the facts are read: the large tables come as *packed* text, one value per table or per
//! range of participation ids (`string_agg` of `id,code,…` records), because decoding a driver
//! row per fact cost more than SQLite's own work (4.3 s for the national demo). Independent
//! reads run in parallel over separate pooled connections. Callers keep a [`KpiFacts`] as a
//! snapshot and use [`Store::kpi_fingerprint`] (row counts and highest ids) to see whether it
//! is still current.

use chrono::NaiveDate;
use klynge_domain::{
    ActivityFormat, ActivityType, ClusterId, FundingStream, MunicipalityCode, OfficeKind,
    OrganisationKind,
};

use crate::Store;
use crate::error::{Result, StoreError};

/// An organisation as the counting rules see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrganisationFact {
    pub id: i64,
    pub kind: OrganisationKind,
    /// Registered address; `None` for foreign organisations and Danish ones without an address.
    pub municipality: Option<MunicipalityCode>,
    /// Lower bound of the register's employment interval.
    pub employees_min: Option<u32>,
    pub has_cvr: bool,
    pub foreign: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActivityFact {
    pub id: i64,
    pub cluster: ClusterId,
    pub activity_type: ActivityType,
    pub funding_stream: FundingStream,
    pub format: ActivityFormat,
    pub municipality: Option<MunicipalityCode>,
    pub starts_on: NaiveDate,
    pub themes: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MembershipFact {
    pub cluster: ClusterId,
    pub organisation: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

/// Bits of [`ParticipationFact::flags`].
pub mod flag {
    pub const DEDICATED: u8 = 1;
    pub const NEW_PRODUCT_SERVICE_PROCESS: u8 = 2;
    pub const NEW_KNOWLEDGE_COLLABORATION: u8 = 4;
    pub const NEW_COMPETENCES: u8 = 8;
    pub const REFERRAL_RECEIVED: u8 = 16;
}

/// One participation, packed: the activity, the organisation and the outcome bits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ParticipationFact {
    pub activity: i64,
    pub organisation: i64,
    pub flags: u8,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeFact {
    pub cluster: ClusterId,
    pub municipality: MunicipalityCode,
    pub kind: OfficeKind,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgreementFact {
    pub cluster: ClusterId,
    pub partner: i64,
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterFact {
    pub id: ClusterId,
    pub slug: String,
    pub name: String,
}

/// Everything the KPI engine counts, read in one go.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KpiFacts {
    pub clusters: Vec<ClusterFact>,
    pub organisations: Vec<OrganisationFact>,
    pub activities: Vec<ActivityFact>,
    pub memberships: Vec<MembershipFact>,
    pub participations: Vec<ParticipationFact>,
    pub offices: Vec<OfficeFact>,
    pub agreements: Vec<AgreementFact>,
}

/// A cheap summary of the tables a report counts: row counts and highest ids. When it is
/// unchanged, rows were neither added nor deleted since the facts were read (an edit in place is
/// not seen; callers that cache facts also give them a lifetime).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KpiFingerprint([i64; 14]);

/// Participation ids per packed read; ranges are read in parallel over pooled connections.
const PARTICIPATION_RANGE: i64 = 250_000;

/// How many packed reads run at once (each holds one pooled connection).
const PARALLEL_READS: usize = 4;

/// Where a packed text is malformed: the table, and the record's position.
fn malformed(table: &'static str, record: usize, what: &str) -> StoreError {
    StoreError::Corrupt {
        table,
        id: record as i64,
        reason: format!("packed KPI record {record}: {what}"),
    }
}

fn corrupt(table: &'static str, id: i64) -> impl Fn(klynge_domain::DomainError) -> StoreError {
    move |e| StoreError::Corrupt {
        table,
        id,
        reason: e.to_string(),
    }
}

/// The fields of one packed record, in order.
struct Fields<'t> {
    table: &'static str,
    record: usize,
    parts: std::str::Split<'t, char>,
}

impl<'t> Fields<'t> {
    fn text(&mut self) -> Result<&'t str> {
        self.parts
            .next()
            .ok_or_else(|| malformed(self.table, self.record, "a field is missing"))
    }

    fn int(&mut self) -> Result<i64> {
        let t = self.text()?;
        t.parse()
            .map_err(|_| malformed(self.table, self.record, &format!("{t:?} is not a number")))
    }

    fn opt_int(&mut self) -> Result<Option<i64>> {
        let t = self.text()?;
        if t.is_empty() {
            return Ok(None);
        }
        t.parse()
            .map(Some)
            .map_err(|_| malformed(self.table, self.record, &format!("{t:?} is not a number")))
    }

    fn date(&mut self) -> Result<NaiveDate> {
        let t = self.text()?;
        parse_day(t).ok_or_else(|| {
            malformed(
                self.table,
                self.record,
                &format!("{t:?} is not a date (YYYY-MM-DD)"),
            )
        })
    }

    fn opt_date(&mut self) -> Result<Option<NaiveDate>> {
        let t = self.text()?;
        if t.is_empty() {
            return Ok(None);
        }
        parse_day(t).map(Some).ok_or_else(|| {
            malformed(
                self.table,
                self.record,
                &format!("{t:?} is not a date (YYYY-MM-DD)"),
            )
        })
    }
}

/// `YYYY-MM-DD` without the generic format parser (this runs once per stored date).
fn parse_day(t: &str) -> Option<NaiveDate> {
    let b = t.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, &c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    NaiveDate::from_ymd_opt(i32::try_from(num(0..4)?).ok()?, num(5..7)?, num(8..10)?)
}

/// Calls `each` with the fields of every record of a packed text (records joined by `;`,
/// fields by `,`; see [`Store::packed`]).
fn records<'t>(
    table: &'static str,
    text: &'t str,
    mut each: impl FnMut(&mut Fields<'t>) -> Result<()>,
) -> Result<()> {
    if text.is_empty() {
        return Ok(());
    }
    for (record, line) in text.split(';').enumerate() {
        each(&mut Fields {
            table,
            record,
            parts: line.split(','),
        })?;
    }
    Ok(())
}

fn municipality(
    table: &'static str,
    id: i64,
    code: Option<i64>,
) -> Result<Option<MunicipalityCode>> {
    code.map(|c| {
        u16::try_from(c)
            .map_err(|_| StoreError::Corrupt {
                table,
                id,
                reason: format!("municipality code {c} is out of range"),
            })
            .and_then(|c| MunicipalityCode::new(c).map_err(corrupt(table, id)))
    })
    .transpose()
}

/// Codes of a taxonomy, parsed once per distinct code rather than once per row.
struct Codes<T: Copy> {
    seen: Vec<(String, T)>,
}

impl<T: Copy> Codes<T> {
    fn new() -> Self {
        Codes { seen: Vec::new() }
    }

    fn get(
        &mut self,
        code: &str,
        parse: impl Fn(&str) -> std::result::Result<T, klynge_domain::DomainError>,
        table: &'static str,
        id: i64,
    ) -> Result<T> {
        if let Some((_, v)) = self.seen.iter().find(|(c, _)| c == code) {
            return Ok(*v);
        }
        let v = parse(code).map_err(corrupt(table, id))?;
        self.seen.push((code.to_string(), v));
        Ok(v)
    }
}

/// A participation packed into one number: activity id × 2³⁵ + organisation id × 32 + flags.
/// One number per row halves SQLite's work and ours against three fields. Used when the ids
/// fit (activity ids below 2²⁸, organisation ids below 2³⁰), else three fields.
const ACTIVITY_SHIFT: i64 = 1 << 35;
const ORGANISATION_SHIFT: i64 = 32;

/// The outcome booleans as the bits of [`flag`], computed by the database.
const PARTICIPATION_FLAGS: &str = "(CASE WHEN dedication IS NULL THEN 0 ELSE 1 END) + \
     (CASE WHEN new_product_service_process THEN 2 ELSE 0 END) + \
     (CASE WHEN new_knowledge_collaboration THEN 4 ELSE 0 END) + \
     (CASE WHEN new_competences THEN 8 ELSE 0 END) + \
     (CASE WHEN referral_received THEN 16 ELSE 0 END)";

fn fits_one_number(max_activity: i64, max_organisation: i64) -> bool {
    (0..1 << 28).contains(&max_activity) && (0..1 << 30).contains(&max_organisation)
}

/// Municipality codes checked once per distinct code rather than once per row.
#[derive(Default)]
struct Municipalities {
    known: std::collections::HashMap<i64, Option<MunicipalityCode>>,
}

impl Municipalities {
    fn get(&mut self, table: &'static str, id: i64, code: i64) -> Result<MunicipalityCode> {
        let found = *self.known.entry(code).or_insert_with(|| {
            u16::try_from(code)
                .ok()
                .and_then(|c| MunicipalityCode::new(c).ok())
        });
        found.ok_or_else(|| StoreError::Corrupt {
            table,
            id,
            reason: format!("municipality code {code} is not a Danish municipality"),
        })
    }
}

/// Unpacks an organisation's attributes: (employees_min + 1, or 0 when unknown) × 65536 +
/// municipality code (0: none) × 64 + kind (position in `OrganisationKind::ALL` + 1) × 4 +
/// 2 when it has a CVR number + 1 when it is foreign.
fn organisation_attributes(
    id: i64,
    attributes: i64,
    places: &mut Municipalities,
) -> Result<OrganisationFact> {
    let bad = |reason: String| StoreError::Corrupt {
        table: "organisations",
        id,
        reason,
    };
    if attributes < 0 {
        return Err(bad(format!("packed attributes {attributes} are negative")));
    }
    let employees = attributes / 65536;
    let code = (attributes % 65536) / 64;
    let kind = (attributes % 64) / 4;
    let kind = usize::try_from(kind)
        .ok()
        .and_then(|k| k.checked_sub(1))
        .and_then(|k| OrganisationKind::ALL.get(k).copied())
        .ok_or_else(|| bad("the kind is not one of the known organisation kinds".to_string()))?;
    Ok(OrganisationFact {
        id,
        kind,
        municipality: if code == 0 {
            None
        } else {
            Some(places.get("organisations", id, code)?)
        },
        employees_min: employees.checked_sub(1).and_then(|n| u32::try_from(n).ok()),
        has_cvr: attributes & 2 != 0,
        foreign: attributes & 1 != 0,
    })
}

/// Runs a spawned read and hands back its result; a panic in the task is passed on.
async fn joined<T>(handle: tokio::task::JoinHandle<Result<T>>) -> Result<T> {
    match handle.await {
        Ok(result) => result,
        Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
        Err(_) => Err(StoreError::Invalid(
            "reading the KPI facts was cancelled (the server is shutting down)".to_string(),
        )),
    }
}

impl Store {
    /// One text value holding many rows: the database joins each row's fields (`row`, an SQL
    /// text expression) with `,` and the rows with `;`. Decoding one large text is much cheaper
    /// than decoding a driver row per fact (on SQLite the per-row cost of sqlx dominated the
    /// read: 4.3 s for the national demo, mostly outside SQLite). `string_agg` exists in
    /// PostgreSQL and in SQLite since 3.44.
    async fn packed(
        &self,
        row: &str,
        from: &str,
        values: Vec<crate::backend::Value>,
    ) -> Result<String> {
        let sql = format!("SELECT string_agg({row}, ';') AS packed FROM {from}");
        let mut pooled = self.acquire().await?;
        let found = pooled.conn().fetch_optional(&sql, values).await?;
        Ok(match found {
            Some(r) => r.get::<Option<String>>("packed")?.unwrap_or_default(),
            None => String::new(),
        })
    }

    /// Row counts and highest ids of the tables a report counts; see [`KpiFingerprint`].
    pub async fn kpi_fingerprint(&self) -> Result<KpiFingerprint> {
        const TABLES: [&str; 7] = [
            "clusters",
            "organisations",
            "activities",
            "memberships",
            "participations",
            "offices",
            "agreements",
        ];
        let columns: Vec<String> = TABLES
            .iter()
            .map(|t| {
                format!(
                    "(SELECT COUNT(*) FROM {t}) AS n_{t}, (SELECT COALESCE(MAX(id), 0) FROM {t}) AS max_{t}"
                )
            })
            .collect();
        let sql = format!("SELECT {}", columns.join(", "));
        let mut pooled = self.acquire().await?;
        let row = pooled
            .conn()
            .fetch_optional(&sql, vec![])
            .await?
            .ok_or(StoreError::Database(sqlx::Error::RowNotFound))?;
        let mut out = [0i64; 14];
        for (i, t) in TABLES.iter().enumerate() {
            out[2 * i] = row.get(&format!("n_{t}"))?;
            out[2 * i + 1] = row.get(&format!("max_{t}"))?;
        }
        Ok(KpiFingerprint(out))
    }

    /// Reads the facts of every table a KPI report counts (see the module docs for why).
    /// Independent tables, and ranges of the participations, are read in parallel over
    /// separate pooled connections.
    pub async fn kpi_facts(&self) -> Result<KpiFacts> {
        let (min_id, max_id, one_number) = {
            let mut pooled = self.acquire().await?;
            let row = pooled
                .conn()
                .fetch_optional(
                    // One subquery per bound: each is a single index or rowid lookup, where
                    // one query with four aggregates scans the table.
                    "SELECT COALESCE((SELECT MIN(id) FROM participations), 0) AS lo, \
                     COALESCE((SELECT MAX(id) FROM participations), 0) AS hi, \
                     COALESCE((SELECT MAX(activity_id) FROM participations), 0) AS max_activity, \
                     COALESCE((SELECT MAX(organisation_id) FROM participations), 0) AS max_organisation",
                    vec![],
                )
                .await?;
            match row {
                Some(r) => (
                    r.get::<i64>("lo")?,
                    r.get::<i64>("hi")?,
                    fits_one_number(r.get("max_activity")?, r.get("max_organisation")?),
                ),
                None => (0, 0, true),
            }
        };
        let limit = std::sync::Arc::new(tokio::sync::Semaphore::new(PARALLEL_READS));
        let spawn = |job: Job| {
            let store = self.clone();
            let limit = limit.clone();
            tokio::spawn(async move {
                let _permit = limit
                    .acquire_owned()
                    .await
                    .map_err(|_| StoreError::Invalid("the KPI read limiter closed".to_string()))?;
                store.read_job(job).await
            })
        };
        // The largest reads first, so that they start before the small ones take permits.
        let mut part_handles = Vec::new();
        let mut lo = min_id;
        while lo <= max_id {
            let hi = lo.saturating_add(PARTICIPATION_RANGE);
            part_handles.push(spawn(Job::Participations(lo, hi, one_number)));
            lo = hi;
        }
        let orgs = spawn(Job::Organisations);
        let acts = spawn(Job::Activities);
        let rest = spawn(Job::Rest);

        let mut facts = KpiFacts::default();
        for handle in [orgs, acts, rest] {
            let part = joined(handle).await?;
            facts.clusters.extend(part.clusters);
            facts.organisations.extend(part.organisations);
            facts.activities.extend(part.activities);
            facts.memberships.extend(part.memberships);
            facts.offices.extend(part.offices);
            facts.agreements.extend(part.agreements);
        }
        let mut parts = Vec::with_capacity(part_handles.len());
        for handle in part_handles {
            parts.push(joined(handle).await?.participations);
        }
        facts.participations = parts.concat();
        Ok(facts)
    }

    async fn read_job(&self, job: Job) -> Result<KpiFacts> {
        let mut facts = KpiFacts::default();
        match job {
            Job::Participations(lo, hi, true) => {
                let text = self
                    .packed(
                        &format!(
                            "CAST(activity_id * {ACTIVITY_SHIFT} + organisation_id * {ORGANISATION_SHIFT} + {PARTICIPATION_FLAGS} AS TEXT)"
                        ),
                        "participations WHERE id >= $1 AND id < $2",
                        crate::params![lo, hi],
                    )
                    .await?;
                facts.participations.reserve(text.len() / 12);
                records("participations", &text, |f| {
                    let n = f.int()?;
                    facts.participations.push(ParticipationFact {
                        activity: n / ACTIVITY_SHIFT,
                        organisation: (n % ACTIVITY_SHIFT) / ORGANISATION_SHIFT,
                        flags: (n % ORGANISATION_SHIFT) as u8,
                    });
                    Ok(())
                })?;
            }
            Job::Participations(lo, hi, false) => {
                let text = self
                    .packed(
                        &format!(
                            "CAST(activity_id AS TEXT) || ',' || CAST(organisation_id AS TEXT) || ',' || CAST({PARTICIPATION_FLAGS} AS TEXT)"
                        ),
                        "participations WHERE id >= $1 AND id < $2",
                        crate::params![lo, hi],
                    )
                    .await?;
                records("participations", &text, |f| {
                    let activity = f.int()?;
                    let organisation = f.int()?;
                    let flags = f.int()?;
                    facts.participations.push(ParticipationFact {
                        activity,
                        organisation,
                        flags: u8::try_from(flags).unwrap_or(0),
                    });
                    Ok(())
                })?;
            }
            Job::Organisations => {
                // Everything but the id in one number (see `organisation_attributes`).
                let kinds: String = OrganisationKind::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, k)| format!(" WHEN '{}' THEN {}", k.code(), i + 1))
                    .collect();
                let text = self
                    .packed(
                        &format!(
                            "CAST(id AS TEXT) || ',' || CAST( \
                             (CASE WHEN employees_min >= 0 THEN employees_min + 1 ELSE 0 END) * 65536 + \
                             COALESCE(municipality_code, 0) * 64 + \
                             (CASE kind{kinds} ELSE 0 END) * 4 + \
                             (CASE WHEN cvr IS NULL THEN 0 ELSE 2 END) + \
                             (CASE WHEN country = 'DK' THEN 0 ELSE 1 END) AS TEXT)"
                        ),
                        "organisations",
                        vec![],
                    )
                    .await?;
                let mut places = Municipalities::default();
                facts.organisations.reserve(text.len() / 16);
                records("organisations", &text, |f| {
                    let id = f.int()?;
                    let attributes = f.int()?;
                    facts
                        .organisations
                        .push(organisation_attributes(id, attributes, &mut places)?);
                    Ok(())
                })?;
                // Ordered by id whatever order the backend aggregated in.
                if !facts.organisations.is_sorted_by_key(|o| o.id) {
                    facts.organisations.sort_unstable_by_key(|o| o.id);
                }
            }
            Job::Activities => self.read_activities(&mut facts).await?,
            Job::Rest => self.read_rest(&mut facts).await?,
        }
        Ok(facts)
    }

    async fn read_activities(&self, facts: &mut KpiFacts) -> Result<()> {
        let mut themes: std::collections::HashMap<i64, Vec<String>> = Default::default();
        let mut pooled = self.acquire().await?;
        for row in pooled
            .conn()
            .fetch_all(
                "SELECT activity_id, theme FROM activity_themes ORDER BY activity_id, theme",
                vec![],
            )
            .await?
        {
            themes
                .entry(row.get("activity_id")?)
                .or_default()
                .push(row.get("theme")?);
        }
        drop(pooled);
        let text = self
            .packed(
                "CAST(id AS TEXT) || ',' || CAST(cluster_id AS TEXT) || ',' || activity_type || ',' || \
                 funding_stream || ',' || format || ',' || \
                 COALESCE(CAST(municipality_code AS TEXT), '') || ',' || CAST(starts_on AS TEXT)",
                "activities",
                vec![],
            )
            .await?;
        let (mut types, mut streams, mut formats) = (Codes::new(), Codes::new(), Codes::new());
        records("activities", &text, |f| {
            let id = f.int()?;
            let cluster = ClusterId(f.int()?);
            let activity_type = types.get(f.text()?, ActivityType::from_code, "activities", id)?;
            let funding_stream =
                streams.get(f.text()?, FundingStream::from_code, "activities", id)?;
            let format = formats.get(f.text()?, ActivityFormat::from_code, "activities", id)?;
            let municipality = municipality("activities", id, f.opt_int()?)?;
            let starts_on = f.date()?;
            facts.activities.push(ActivityFact {
                id,
                cluster,
                activity_type,
                funding_stream,
                format,
                municipality,
                starts_on,
                themes: themes.remove(&id).unwrap_or_default(),
            });
            Ok(())
        })?;
        if !facts.activities.is_sorted_by_key(|a| a.id) {
            facts.activities.sort_unstable_by_key(|a| a.id);
        }
        Ok(())
    }

    /// The small tables: clusters, memberships, offices, agreements.
    async fn read_rest(&self, facts: &mut KpiFacts) -> Result<()> {
        {
            let mut pooled = self.acquire().await?;
            let mut conn = pooled.conn();
            for row in conn
                .fetch_all("SELECT id, slug, name FROM clusters ORDER BY id", vec![])
                .await?
            {
                facts.clusters.push(ClusterFact {
                    id: ClusterId(row.get("id")?),
                    slug: row.get("slug")?,
                    name: row.get("name")?,
                });
            }
            for row in conn
                .fetch_all(
                    "SELECT id, cluster_id, municipality_code, kind, valid_from, valid_to FROM offices ORDER BY id",
                    vec![],
                )
                .await?
            {
                let id: i64 = row.get("id")?;
                let code: i64 = row.get("municipality_code")?;
                facts.offices.push(OfficeFact {
                    cluster: ClusterId(row.get("cluster_id")?),
                    municipality: municipality("offices", id, Some(code))?
                        .ok_or_else(|| StoreError::not_found("municipality", code))?,
                    kind: OfficeKind::from_code(&row.get::<String>("kind")?)
                        .map_err(corrupt("offices", id))?,
                    valid_from: row.get("valid_from")?,
                    valid_to: row.get("valid_to")?,
                });
            }
        }
        // Memberships and agreements: id, cluster, organisation, from, to (empty: open).
        let spans = "CAST(id AS TEXT) || ',' || CAST(cluster_id AS TEXT) || ',' || CAST({org} AS TEXT) || ',' || \
                     CAST(valid_from AS TEXT) || ',' || COALESCE(CAST(valid_to AS TEXT), '')";
        let text = self
            .packed(
                &spans.replace("{org}", "organisation_id"),
                "memberships",
                vec![],
            )
            .await?;
        let mut memberships = Vec::new();
        records("memberships", &text, |f| {
            let id = f.int()?;
            memberships.push((
                id,
                MembershipFact {
                    cluster: ClusterId(f.int()?),
                    organisation: f.int()?,
                    valid_from: f.date()?,
                    valid_to: f.opt_date()?,
                },
            ));
            Ok(())
        })?;
        memberships.sort_unstable_by_key(|(id, _)| *id);
        facts.memberships = memberships.into_iter().map(|(_, m)| m).collect();

        let text = self
            .packed(
                &spans.replace("{org}", "partner_organisation_id"),
                "agreements",
                vec![],
            )
            .await?;
        let mut agreements = Vec::new();
        records("agreements", &text, |f| {
            let id = f.int()?;
            agreements.push((
                id,
                AgreementFact {
                    cluster: ClusterId(f.int()?),
                    partner: f.int()?,
                    valid_from: f.date()?,
                    valid_to: f.opt_date()?,
                },
            ));
            Ok(())
        })?;
        agreements.sort_unstable_by_key(|(id, _)| *id);
        facts.agreements = agreements.into_iter().map(|(_, a)| a).collect();
        Ok(())
    }
}

/// One packed read of [`Store::kpi_facts`].
#[derive(Debug, Clone, Copy)]
enum Job {
    /// Participations with `lo <= id < hi`; whether each fits one number (see
    /// [`fits_one_number`]).
    Participations(i64, i64, bool),
    Organisations,
    Activities,
    Rest,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_parse_like_chrono_and_reject_the_rest() {
        assert_eq!(parse_day("2027-01-01"), NaiveDate::from_ymd_opt(2027, 1, 1));
        assert_eq!(
            parse_day("2024-02-29"),
            NaiveDate::from_ymd_opt(2024, 2, 29)
        );
        for bad in [
            "2023-02-29",
            "2024-1-01",
            "2024/01/01",
            "20240101xx",
            "",
            "2024-0a-01",
        ] {
            assert_eq!(parse_day(bad), None, "{bad}");
        }
    }

    #[test]
    fn organisation_attributes_unpack_every_field() {
        let mut places = Municipalities::default();
        let company = OrganisationKind::ALL
            .iter()
            .position(|k| *k == OrganisationKind::Company)
            .unwrap() as i64
            + 1;
        // 12 employees, Aalborg (851), a company with a CVR number, Danish.
        let packed = 13 * 65536 + 851 * 64 + company * 4 + 2;
        let o = organisation_attributes(7, packed, &mut places).unwrap();
        assert_eq!(o.id, 7);
        assert_eq!(o.kind, OrganisationKind::Company);
        assert_eq!(o.municipality.map(|m| m.value()), Some(851));
        assert_eq!(o.employees_min, Some(12));
        assert!(o.has_cvr && !o.foreign);
        // Foreign, no municipality, size unknown, no CVR; zero employees is not unknown.
        let o = organisation_attributes(8, company * 4 + 1, &mut places).unwrap();
        assert_eq!(
            (o.municipality, o.employees_min, o.has_cvr, o.foreign),
            (None, None, false, true)
        );
        let o = organisation_attributes(9, 65536 + company * 4, &mut places).unwrap();
        assert_eq!(o.employees_min, Some(0));
        // An unknown kind or municipality is reported, not guessed.
        assert!(organisation_attributes(10, 63 * 4, &mut places).is_err());
        assert!(organisation_attributes(11, 999 * 64 + company * 4, &mut places).is_err());
        assert!(organisation_attributes(12, -1, &mut places).is_err());
    }

    #[test]
    fn participations_fit_one_number_only_when_the_ids_are_in_range() {
        assert!(fits_one_number(0, 0));
        assert!(fits_one_number((1 << 28) - 1, (1 << 30) - 1));
        assert!(!fits_one_number(1 << 28, 5));
        assert!(!fits_one_number(5, 1 << 30));
        let n = ((1 << 28) - 1) * ACTIVITY_SHIFT + ((1 << 30) - 1) * ORGANISATION_SHIFT + 31;
        assert_eq!(n / ACTIVITY_SHIFT, (1 << 28) - 1);
        assert_eq!((n % ACTIVITY_SHIFT) / ORGANISATION_SHIFT, (1 << 30) - 1);
        assert_eq!(n % ORGANISATION_SHIFT, 31);
    }

    #[test]
    fn packed_records_name_the_table_and_record_when_malformed() {
        let mut seen = Vec::new();
        records("t", "1,2;3,4", |f| {
            seen.push((f.int()?, f.int()?));
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, vec![(1, 2), (3, 4)]);
        let err = records("t", "1,2;3", |f| {
            f.int()?;
            f.int()?;
            Ok(())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("t row 1") && err.contains("missing"), "{err}");
        let err = records("t", "1,x", |f| {
            f.int()?;
            f.int()?;
            Ok(())
        })
        .unwrap_err()
        .to_string();
        assert!(err.contains("\"x\" is not a number"), "{err}");
        records("t", "", |_| panic!("no records in an empty text")).unwrap();
    }
}
