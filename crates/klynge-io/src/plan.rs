//! Validation and deduplication: each row becomes a create, an update or a skip, or errors.
//!
//! [`Known`] is what the database already holds (loaded by the store before the import).
//! Dedup keys: organisations by CVR, else by normalised name ([`Name::match_key`]) and
//! municipality; contacts by e-mail, else by organisation and name; memberships by
//! organisation and start date; activities by title and start date; participations by
//! activity, organisation and contact. An update only sets the columns the file has and whose
//! cells are filled; a row that would change nothing is skipped, so importing the same file
//! twice writes nothing the second time. A key seen twice in one file is skipped when the
//! rows are equal and reported otherwise.

use std::hash::{BuildHasher, Hash, Hasher};

use chrono::NaiveDate;
use klynge_domain::{
    Activity, ActivityFormat, ActivityId, ActivityType, ClusterId, CountryCode, DedicationBasis,
    Employment, FeeTier, FundingStream, IndustryClassification, IndustryCode, Membership,
    MembershipId, MunicipalityCode, Name, Organisation, OrganisationId, OrganisationKind,
    OrganisationRecord, Outcomes, ParticipantRole, Participation, ParticipationId, Period, Person,
    PersonId, Registration, VatNumber,
};

use crate::mapping::{Entity, Field, Mapping};
use crate::messages::{ErrorKind, Lang, RowError};
use crate::source::Row;
use crate::values::{self, Cells};

/// The maps of an import: keyed by ids and normalised text, met once per row (a million times
/// in a large file), so hashed with foldhash's fast hasher, randomly seeded per map, rather than
/// SipHash (measured: the dedup map and its fingerprints were a fifth of the planning time).
type HashMap<K, V> = foldhash::HashMap<K, V>;

/// What the database holds that an import needs: the registry's organisations and, for a
/// cluster's data, that cluster's contacts, memberships, activities and participations.
#[derive(Default)]
pub struct Known {
    cluster: Option<ClusterId>,
    organisations: Vec<OrganisationRecord>,
    org_by_cvr: HashMap<u32, usize>,
    org_by_key: HashMap<String, Vec<usize>>,
    persons: HashMap<PersonKey, (i64, Person)>,
    person_by_email: HashMap<String, i64>,
    memberships: HashMap<(i64, NaiveDate), (i64, Membership)>,
    activities: HashMap<(String, NaiveDate), (i64, Activity)>,
    activity_ids: HashMap<i64, String>,
    activity_by_title: HashMap<String, Vec<i64>>,
    participations: HashMap<ParticipationKey, (i64, Participation)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum PersonKey {
    Email(String),
    OrgName(i64, String),
}

/// (activity, organisation, contact or 0).
type ParticipationKey = (i64, i64, i64);

impl Known {
    pub fn new(cluster: Option<ClusterId>) -> Known {
        Known {
            cluster,
            ..Known::default()
        }
    }

    pub fn cluster(&self) -> Option<ClusterId> {
        self.cluster
    }

    pub fn add_organisation(&mut self, record: OrganisationRecord) {
        let index = self.organisations.len();
        if let Some(cvr) = record.organisation.registration.cvr() {
            self.org_by_cvr.insert(cvr.value(), index);
        }
        self.org_by_key
            .entry(record.organisation.name.match_key())
            .or_default()
            .push(index);
        self.organisations.push(record);
    }

    pub fn add_person(&mut self, id: PersonId, person: Person) {
        let key = person_key(&person);
        if let Some(email) = &person.email {
            self.person_by_email
                .insert(email.as_str().to_lowercase(), id.0);
        }
        self.persons.insert(key, (id.0, person));
    }

    pub fn add_membership(&mut self, id: MembershipId, membership: Membership) {
        self.memberships.insert(
            (membership.organisation.0, membership.period.from()),
            (id.0, membership),
        );
    }

    pub fn add_activity(&mut self, id: ActivityId, activity: Activity) {
        let key = activity.title.match_key();
        self.activity_ids.insert(id.0, activity.title.to_string());
        self.activity_by_title
            .entry(key.clone())
            .or_default()
            .push(id.0);
        self.activities
            .insert((key, activity.period.from()), (id.0, activity));
    }

    pub fn add_participation(&mut self, id: ParticipationId, p: Participation) {
        self.participations.insert(participation_key(&p), (id.0, p));
    }

    pub fn organisation_count(&self) -> usize {
        self.organisations.len()
    }
}

fn person_key(p: &Person) -> PersonKey {
    match &p.email {
        Some(e) => PersonKey::Email(e.as_str().to_lowercase()),
        None => PersonKey::OrgName(p.organisation.0, p.name.match_key()),
    }
}

fn participation_key(p: &Participation) -> ParticipationKey {
    (p.activity.0, p.organisation.0, p.person.map_or(0, |x| x.0))
}

/// The decision for one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan<T> {
    Create(T),
    /// The stored record's id and its new value.
    Update(i64, T),
    /// Nothing to do: the record exists with these values, or the row repeats an earlier one.
    Skip,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Planned {
    Organisation(Plan<Organisation>),
    Contact(Plan<Person>),
    Membership(Plan<Membership>),
    Activity(Plan<Activity>),
    Participation(Plan<Participation>),
}

impl Planned {
    fn kind(&self) -> u8 {
        match self {
            Planned::Organisation(p) => plan_kind(p),
            Planned::Contact(p) => plan_kind(p),
            Planned::Membership(p) => plan_kind(p),
            Planned::Activity(p) => plan_kind(p),
            Planned::Participation(p) => plan_kind(p),
        }
    }
}

fn plan_kind<T>(p: &Plan<T>) -> u8 {
    match p {
        Plan::Create(_) => 0,
        Plan::Update(..) => 1,
        Plan::Skip => 2,
    }
}

/// How many rows would be (or were) created, updated and skipped, and how many were invalid.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub rows: usize,
    pub created: usize,
    pub updated: usize,
    pub skipped: usize,
    pub invalid: usize,
}

impl Summary {
    pub fn describe(&self, lang: Lang) -> String {
        match lang {
            Lang::Da => format!(
                "{} rækker: {} oprettes, {} opdateres, {} springes over (uændrede), {} med fejl",
                self.rows, self.created, self.updated, self.skipped, self.invalid
            ),
            Lang::En => format!(
                "{} rows: {} to create, {} to update, {} skipped (unchanged), {} with errors",
                self.rows, self.created, self.updated, self.skipped, self.invalid
            ),
        }
    }
}

/// Fields a file must have (any one of each group).
fn required_columns(entity: Entity) -> &'static [&'static [Field]] {
    use Field::*;
    match entity {
        Entity::Organisations => &[&[Name]],
        Entity::Contacts => &[&[Name], &[Cvr, Organisation]],
        Entity::Memberships => &[&[Cvr, Organisation], &[ValidFrom], &[FeeTier]],
        Entity::Activities => &[&[Title], &[ActivityType], &[FundingStream], &[StartsOn]],
        Entity::Participations => &[
            &[ActivityId, Activity],
            &[Cvr, Organisation],
            &[RegisteredOn],
        ],
    }
}

/// A file-level problem found before any row is read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error(
        "the file has no column for {missing}: map one with --map COLUMN=FIELD (columns: {headers})"
    )]
    MissingColumns { missing: String, headers: String },
    #[error("importing {0} needs a cluster (--cluster SLUG)")]
    NoCluster(Entity),
}

impl PlanError {
    pub fn message(&self, lang: Lang) -> String {
        match (self, lang) {
            (PlanError::MissingColumns { missing, headers }, Lang::Da) => format!(
                "filen har ingen kolonne til {missing}: vælg en med --map KOLONNE=FELT (kolonner: {headers})"
            ),
            (PlanError::NoCluster(e), Lang::Da) => {
                format!("import af {e} kræver en klynge (--cluster SLUG)")
            }
            (e, Lang::En) => e.to_string(),
        }
    }
}

/// Validates and deduplicates rows one at a time against [`Known`].
pub struct Planner<'k> {
    mapping: Mapping,
    known: &'k Known,
    cluster: ClusterId,
    /// Keys met in this file: first row and a fingerprint of its mapped cells.
    seen: HashMap<SeenKey, (usize, u64)>,
    hasher: foldhash::fast::RandomState,
    summary: Summary,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum SeenKey {
    Cvr(u32),
    OrgName(String, Option<u16>),
    Person(PersonKey),
    Membership(i64, NaiveDate),
    Activity(String, NaiveDate),
    Participation(ParticipationKey),
}

impl<'k> Planner<'k> {
    pub fn new(mapping: Mapping, known: &'k Known) -> Result<Planner<'k>, PlanError> {
        let missing: Vec<String> = required_columns(mapping.entity)
            .iter()
            .filter(|group| !group.iter().any(|f| mapping.has(*f)))
            .map(|group| {
                group
                    .iter()
                    .map(|f| f.code())
                    .collect::<Vec<_>>()
                    .join(" / ")
            })
            .collect();
        if !missing.is_empty() {
            return Err(PlanError::MissingColumns {
                missing: missing.join(", "),
                headers: mapping
                    .headers
                    .iter()
                    .map(|h| format!("{h:?}"))
                    .collect::<Vec<_>>()
                    .join(", "),
            });
        }
        let cluster = match known.cluster {
            Some(c) => c,
            None if mapping.entity.needs_cluster() => {
                return Err(PlanError::NoCluster(mapping.entity));
            }
            None => ClusterId(0),
        };
        Ok(Planner {
            mapping,
            known,
            cluster,
            seen: HashMap::default(),
            hasher: foldhash::fast::RandomState::default(),
            summary: Summary::default(),
        })
    }

    pub fn mapping(&self) -> &Mapping {
        &self.mapping
    }

    pub fn summary(&self) -> Summary {
        self.summary
    }

    /// Records a row the reader could not read.
    pub fn unreadable(&mut self, row: usize, reason: String) -> Vec<RowError> {
        self.summary.rows += 1;
        self.summary.invalid += 1;
        vec![RowError {
            row,
            column: None,
            field: None,
            kind: ErrorKind::Unreadable { reason },
        }]
    }

    /// Validates one row and decides what to do with it.
    pub fn plan(&mut self, row: &Row) -> Result<Planned, Vec<RowError>> {
        self.summary.rows += 1;
        let result = match self.mapping.entity {
            Entity::Organisations => self.organisation(row).map(Planned::Organisation),
            Entity::Contacts => self.contact(row).map(Planned::Contact),
            Entity::Memberships => self.membership(row).map(Planned::Membership),
            Entity::Activities => self.activity(row).map(Planned::Activity),
            Entity::Participations => self.participation(row).map(Planned::Participation),
        };
        match &result {
            Ok(p) => match p.kind() {
                0 => self.summary.created += 1,
                1 => self.summary.updated += 1,
                _ => self.summary.skipped += 1,
            },
            Err(_) => self.summary.invalid += 1,
        }
        result
    }

    fn fingerprint(&self, row: &Row) -> u64 {
        let mut h = self.hasher.build_hasher();
        for (i, field) in self.mapping.columns.iter().enumerate() {
            if field.is_some() {
                row.cells
                    .get(i)
                    .map(|c| c.trim())
                    .unwrap_or("")
                    .hash(&mut h);
            }
        }
        h.finish()
    }

    /// `Ok(true)`: first time this key is met in the file; `Ok(false)`: a repeat of an equal
    /// row (skip it); `Err`: a repeat with other values.
    fn first_sighting(&mut self, key: SeenKey, row: &Row) -> Result<bool, Vec<RowError>> {
        let fp = self.fingerprint(row);
        match self.seen.get(&key) {
            None => {
                self.seen.insert(key, (row.number, fp));
                Ok(true)
            }
            Some((_, seen_fp)) if *seen_fp == fp => Ok(false),
            Some((first_row, _)) => Err(vec![RowError {
                row: row.number,
                column: None,
                field: None,
                kind: ErrorKind::DuplicateInFile {
                    first_row: *first_row,
                },
            }]),
        }
    }

    /// Resolves the organisation a row refers to by CVR, else by name (and municipality).
    fn organisation_ref(&self, cells: &mut Cells<'_>) -> Option<OrganisationId> {
        if let Some(cvr) = cells.parse(Field::Cvr, values::cvr) {
            return match self.known.org_by_cvr.get(&cvr.value()) {
                Some(&i) => Some(self.known.organisations[i].id),
                None => {
                    cells.error(
                        Field::Cvr,
                        ErrorKind::UnknownOrganisation {
                            value: cvr.to_string(),
                        },
                    );
                    None
                }
            };
        }
        if cells.text(Field::Cvr).is_some() {
            return None; // a bad CVR, already reported
        }
        let Some(name_text) = cells.text(Field::Organisation) else {
            let field = if self.mapping.has(Field::Cvr) {
                Field::Cvr
            } else {
                Field::Organisation
            };
            cells.error(field, ErrorKind::Required);
            return None;
        };
        let name = cells.parse(Field::Organisation, values::name)?;
        let municipality = cells.parse(Field::Municipality, values::municipality);
        if cells.text(Field::Municipality).is_some() && municipality.is_none() {
            return None;
        }
        let candidates: Vec<&OrganisationRecord> = self
            .known
            .org_by_key
            .get(&name.match_key())
            .into_iter()
            .flatten()
            .map(|&i| &self.known.organisations[i])
            .filter(|o| {
                municipality.is_none() || o.organisation.registration.municipality() == municipality
            })
            .collect();
        match candidates.as_slice() {
            [one] => Some(one.id),
            [] => {
                cells.error(
                    Field::Organisation,
                    ErrorKind::UnknownOrganisation {
                        value: name_text.to_string(),
                    },
                );
                None
            }
            many => {
                cells.error(
                    Field::Organisation,
                    ErrorKind::AmbiguousOrganisation {
                        value: name_text.to_string(),
                        count: many.len(),
                    },
                );
                None
            }
        }
    }

    fn organisation(&mut self, row: &Row) -> Result<Plan<Organisation>, Vec<RowError>> {
        let mut c = Cells::new(&self.mapping, row);
        let name = c.required(Field::Name, values::name);
        let cvr = c.parse(Field::Cvr, values::cvr);
        let municipality = c.parse(Field::Municipality, values::municipality);
        let kind = c.parse(Field::Kind, values::code::<OrganisationKind>);
        let country = c.parse(Field::Country, |t| {
            CountryCode::parse(t).map_err(|_| ErrorKind::InvalidCountry {
                value: t.to_string(),
            })
        });
        let vat = c.parse(Field::Vat, |t| {
            VatNumber::parse(t).map_err(|_| ErrorKind::InvalidText {
                value: t.to_string(),
            })
        });
        let employment = c.parse(Field::Employees, |t| {
            Employment::parse(t).map_err(|_| ErrorKind::InvalidNumber {
                value: t.to_string(),
            })
        });
        let industry = c.parse(Field::Industry, |t| {
            IndustryCode::parse(IndustryClassification::Db07, t).map_err(|_| {
                ErrorKind::UnknownCode {
                    value: t.to_string(),
                    expected:
                        "a six-digit DB07 code such as 620100 / en sekscifret DB07-kode som 620100"
                            .into(),
                }
            })
        });
        let foreign = country.filter(|c| *c != CountryCode::DENMARK);
        if foreign.is_some() && cvr.is_some() {
            c.error(
                Field::Cvr,
                ErrorKind::InvalidCvr {
                    value: c.text(Field::Cvr).unwrap_or_default().to_string(),
                },
            );
        }
        let (Some(name), true) = (name, c.is_ok()) else {
            return Err(c.errors);
        };
        // Dedup: CVR first, else the name key within the municipality.
        let key = match cvr {
            Some(cvr) => SeenKey::Cvr(cvr.value()),
            None => SeenKey::OrgName(name.match_key(), municipality.map(|m| m.value())),
        };
        if !self.first_sighting(key, row)? {
            return Ok(Plan::Skip);
        }
        let existing = match cvr {
            Some(cvr) => self
                .known
                .org_by_cvr
                .get(&cvr.value())
                .map(|&i| &self.known.organisations[i]),
            None => self
                .known
                .org_by_key
                .get(&name.match_key())
                .into_iter()
                .flatten()
                .map(|&i| &self.known.organisations[i])
                .find(|o| o.organisation.registration.municipality() == municipality),
        };
        let registration = |old: Option<&Registration>| -> Registration {
            match foreign {
                Some(country) => Registration::Foreign {
                    country,
                    vat: vat.clone().or_else(|| old.and_then(|r| r.vat().cloned())),
                },
                None => Registration::Danish {
                    cvr: cvr.or_else(|| old.and_then(Registration::cvr)),
                    municipality: municipality.or_else(|| old.and_then(Registration::municipality)),
                },
            }
        };
        match existing {
            None => Ok(Plan::Create(Organisation {
                name,
                kind: kind.unwrap_or(OrganisationKind::Company),
                registration: registration(None),
                employment,
                industry,
            })),
            Some(old) => {
                let o = &old.organisation;
                let old_foreign = o.registration.country() != CountryCode::DENMARK;
                let merged = Organisation {
                    name,
                    kind: kind.unwrap_or(o.kind),
                    registration: if foreign.is_none() && old_foreign && country.is_none() {
                        o.registration.clone()
                    } else {
                        registration(Some(&o.registration))
                    },
                    employment: employment.or(o.employment),
                    industry: industry.or(o.industry),
                };
                if &merged == o {
                    Ok(Plan::Skip)
                } else {
                    Ok(Plan::Update(old.id.0, merged))
                }
            }
        }
    }

    fn contact(&mut self, row: &Row) -> Result<Plan<Person>, Vec<RowError>> {
        let mut c = Cells::new(&self.mapping, row);
        let name = c.required(Field::Name, values::name);
        let email = c.parse(Field::Email, values::email);
        let phone = c.text(Field::Phone).map(str::to_string);
        let job_title = c.text(Field::JobTitle).map(str::to_string);
        let consent = c.parse(Field::ConsentGivenOn, values::date);
        let organisation = self.organisation_ref(&mut c);
        let (Some(name), Some(organisation), true) = (name, organisation, c.is_ok()) else {
            return Err(c.errors);
        };
        let person = Person {
            cluster: self.cluster,
            organisation,
            name,
            email,
            phone,
            job_title,
            consent_given_on: consent,
        };
        let key = person_key(&person);
        if !self.first_sighting(SeenKey::Person(key.clone()), row)? {
            return Ok(Plan::Skip);
        }
        match self.known.persons.get(&key) {
            None => Ok(Plan::Create(person)),
            Some((id, old)) => {
                let merged = Person {
                    phone: person.phone.or_else(|| old.phone.clone()),
                    job_title: person.job_title.or_else(|| old.job_title.clone()),
                    consent_given_on: person.consent_given_on.or(old.consent_given_on),
                    // Keep the address as stored when it differs only in case.
                    email: old.email.clone().or(person.email),
                    ..person
                };
                if &merged == old {
                    Ok(Plan::Skip)
                } else {
                    Ok(Plan::Update(*id, merged))
                }
            }
        }
    }

    fn membership(&mut self, row: &Row) -> Result<Plan<Membership>, Vec<RowError>> {
        let mut c = Cells::new(&self.mapping, row);
        let organisation = self.organisation_ref(&mut c);
        let from = c.required(Field::ValidFrom, values::date);
        let to = c.parse(Field::ValidTo, values::date);
        let fee_tier = c.required(Field::FeeTier, values::code::<klynge_domain::FeeTier>);
        let period = from.and_then(|from| period(&mut c, Field::ValidTo, from, to));
        let (Some(organisation), Some(period), Some(fee_tier), true) =
            (organisation, period, fee_tier, c.is_ok())
        else {
            return Err(c.errors);
        };
        if !self.first_sighting(SeenKey::Membership(organisation.0, period.from()), row)? {
            return Ok(Plan::Skip);
        }
        let membership = Membership {
            cluster: self.cluster,
            organisation,
            period,
            fee_tier,
        };
        match self.known.memberships.get(&(organisation.0, period.from())) {
            None => Ok(Plan::Create(membership)),
            Some((id, old)) => {
                let merged = Membership {
                    period: if to.is_none() { old.period } else { period },
                    ..membership
                };
                if &merged == old {
                    Ok(Plan::Skip)
                } else {
                    Ok(Plan::Update(*id, merged))
                }
            }
        }
    }

    fn activity(&mut self, row: &Row) -> Result<Plan<Activity>, Vec<RowError>> {
        let mut c = Cells::new(&self.mapping, row);
        let title = c.required(Field::Title, values::name);
        let activity_type = c.required(
            Field::ActivityType,
            values::code::<klynge_domain::ActivityType>,
        );
        let funding = c.required(
            Field::FundingStream,
            values::code::<klynge_domain::FundingStream>,
        );
        let format = c.parse(Field::Format, values::code::<ActivityFormat>);
        let municipality = c.parse(Field::Municipality, values::municipality);
        let starts = c.required(Field::StartsOn, values::date);
        let ends = c.parse(Field::EndsOn, values::date);
        let published = c.parse(Field::Published, values::boolean);
        let period = starts.and_then(|s| period(&mut c, Field::EndsOn, s, ends));
        let (Some(title), Some(activity_type), Some(funding_stream), Some(period), true) =
            (title, activity_type, funding, period, c.is_ok())
        else {
            return Err(c.errors);
        };
        let key = (title.match_key(), period.from());
        if !self.first_sighting(SeenKey::Activity(key.0.clone(), key.1), row)? {
            return Ok(Plan::Skip);
        }
        match self.known.activities.get(&key) {
            None => Ok(Plan::Create(Activity {
                cluster: self.cluster,
                title,
                activity_type,
                funding_stream,
                format: format.unwrap_or(ActivityFormat::Physical),
                municipality,
                period,
                published: published.unwrap_or(false),
                themes: Vec::new(),
                co_organisers: Vec::new(),
            })),
            Some((id, old)) => {
                let merged = Activity {
                    cluster: self.cluster,
                    title,
                    activity_type,
                    funding_stream,
                    format: format.unwrap_or(old.format),
                    municipality: municipality.or(old.municipality),
                    period: if ends.is_none() { old.period } else { period },
                    published: published.unwrap_or(old.published),
                    themes: old.themes.clone(),
                    co_organisers: old.co_organisers.clone(),
                };
                if &merged == old {
                    Ok(Plan::Skip)
                } else {
                    Ok(Plan::Update(*id, merged))
                }
            }
        }
    }

    fn participation(&mut self, row: &Row) -> Result<Plan<Participation>, Vec<RowError>> {
        let mut c = Cells::new(&self.mapping, row);
        let activity = self.activity_ref(&mut c);
        let organisation = self.organisation_ref(&mut c);
        let person = match c.parse(Field::Email, values::email) {
            Some(email) => {
                let key = email.as_str().to_lowercase();
                match self.known.person_by_email.get(&key) {
                    Some(id) => Some(Some(PersonId(*id))),
                    None => {
                        c.error(
                            Field::Email,
                            ErrorKind::UnknownContact {
                                value: email.to_string(),
                            },
                        );
                        None
                    }
                }
            }
            None => Some(None),
        };
        let role = c.parse(Field::Role, values::code::<ParticipantRole>);
        let dedication = c.parse(Field::Dedication, values::code::<DedicationBasis>);
        let o1 = c.parse(Field::NewProductServiceProcess, values::boolean);
        let o2 = c.parse(Field::NewKnowledgeCollaboration, values::boolean);
        let o3 = c.parse(Field::NewCompetences, values::boolean);
        let o4 = c.parse(Field::ReferralReceived, values::boolean);
        let registered_on = c.required(Field::RegisteredOn, values::date);
        let (Some(activity), Some(organisation), Some(person), Some(registered_on), true) =
            (activity, organisation, person, registered_on, c.is_ok())
        else {
            return Err(c.errors);
        };
        let key = (activity.0, organisation.0, person.map_or(0, |p| p.0));
        if !self.first_sighting(SeenKey::Participation(key), row)? {
            return Ok(Plan::Skip);
        }
        match self.known.participations.get(&key) {
            None => Ok(Plan::Create(Participation {
                activity,
                organisation,
                person,
                role: role.unwrap_or(ParticipantRole::Participant),
                dedication,
                outcomes: Outcomes {
                    new_product_service_process: o1.unwrap_or(false),
                    new_knowledge_collaboration: o2.unwrap_or(false),
                    new_competences: o3.unwrap_or(false),
                    referral_received: o4.unwrap_or(false),
                },
                registered_on,
            })),
            Some((id, old)) => {
                let oo = old.outcomes;
                let merged = Participation {
                    activity,
                    organisation,
                    person,
                    role: role.unwrap_or(old.role),
                    dedication: dedication.or(old.dedication),
                    outcomes: Outcomes {
                        new_product_service_process: o1.unwrap_or(oo.new_product_service_process),
                        new_knowledge_collaboration: o2.unwrap_or(oo.new_knowledge_collaboration),
                        new_competences: o3.unwrap_or(oo.new_competences),
                        referral_received: o4.unwrap_or(oo.referral_received),
                    },
                    registered_on,
                };
                if &merged == old {
                    Ok(Plan::Skip)
                } else {
                    Ok(Plan::Update(*id, merged))
                }
            }
        }
    }

    /// The activity a participation row names: by id (within the cluster) or by unique title.
    fn activity_ref(&self, c: &mut Cells<'_>) -> Option<ActivityId> {
        if let Some(text) = c.text(Field::ActivityId) {
            let found = text
                .parse::<i64>()
                .ok()
                .filter(|id| self.known.activity_ids.contains_key(id));
            if found.is_none() {
                c.error(
                    Field::ActivityId,
                    ErrorKind::UnknownActivity {
                        value: text.to_string(),
                    },
                );
            }
            return found.map(ActivityId);
        }
        let Some(title) = c.text(Field::Activity) else {
            let field = if self.mapping.has(Field::ActivityId) {
                Field::ActivityId
            } else {
                Field::Activity
            };
            c.error(field, ErrorKind::Required);
            return None;
        };
        let key = Name::parse(title)
            .map(|n| n.match_key())
            .unwrap_or_default();
        match self.known.activity_by_title.get(&key).map(Vec::as_slice) {
            Some([one]) => Some(ActivityId(*one)),
            Some(many) if many.len() > 1 => {
                c.error(
                    Field::Activity,
                    ErrorKind::AmbiguousActivity {
                        value: title.to_string(),
                        count: many.len(),
                    },
                );
                None
            }
            _ => {
                c.error(
                    Field::Activity,
                    ErrorKind::UnknownActivity {
                        value: title.to_string(),
                    },
                );
                None
            }
        }
    }
}

fn period(
    c: &mut Cells<'_>,
    to_field: Field,
    from: NaiveDate,
    to: Option<NaiveDate>,
) -> Option<Period> {
    match Period::new(from, to) {
        Ok(p) => Some(p),
        Err(_) => {
            c.error(
                to_field,
                ErrorKind::InvertedPeriod {
                    from: from.to_string(),
                    to: to.map(|d| d.to_string()).unwrap_or_default(),
                },
            );
            None
        }
    }
}

#[allow(dead_code)]
fn _assert_types(_: MunicipalityCode, _: FeeTier, _: FundingStream, _: ActivityType) {}
