//! Imports from spreadsheets: loading what an import compares against, and writing its
//! creates and updates in ONE transaction. Creates are buffered and written as multi-row
//! `INSERT`s (the bulk loader's technique, anonymous `?` on SQLite); updates are single
//! statements. Nothing is visible until [`Importer::commit`]; dropping the importer, an error
//! or a killed process leaves the database as it was.
//!
//! Tenant safety: an importer made from a [`ClusterStore`] writes only that cluster's rows; a
//! record stamped with another cluster, or a participation in another cluster's activity, is
//! refused with `OtherTenant`/`NotFound`, and every update names the cluster in its `WHERE`.

use std::collections::HashSet;

use klynge_domain::{
    Activity, ActivityId, ClusterId, Email, Membership, MembershipId, MunicipalityCode, Name,
    Organisation, OrganisationId, OrganisationRecord, Participation, ParticipationId, Person,
    PersonId,
};

use crate::backend::{Tx, Value};
use crate::bulk::multi_row_insert;
use crate::decode::{self, ORGANISATION_COLUMNS, PARTICIPATION_COLUMNS, corrupt, period, taxonomy};
use crate::error::{Result, StoreError};
use crate::{ClusterStore, Store, params, rows};

/// Parameters per multi-row statement (as the bulk loader).
const MAX_PARAMS: usize = 30_000;

/// Helper threads SQLite's sorter may use while it rebuilds set-aside indexes.
const SORT_THREADS: usize = 2;

/// Rows an import must have added to a table before its secondary indexes are set aside (see
/// [`Importer::defer_indexes`]).
const DEFER_INDEXES_AFTER: u64 = 100_000;

impl Store {
    /// Every organisation of the registry (what organisation imports deduplicate against and
    /// other imports resolve references with).
    pub async fn all_organisations(&self) -> Result<Vec<OrganisationRecord>> {
        let mut conn = self.acquire().await?;
        let sql = format!("SELECT {ORGANISATION_COLUMNS} FROM organisations ORDER BY id");
        let rows = conn.conn().fetch_all(&sql, vec![]).await?;
        rows.iter().map(decode::organisation).collect()
    }

    /// An importer for the shared registry (organisations only).
    pub async fn registry_importer(&self) -> Result<Importer> {
        Importer::new(self, None).await
    }
}

impl ClusterStore {
    /// An importer for this cluster's contacts, memberships, activities and participations.
    pub async fn importer(&self) -> Result<Importer> {
        Importer::new(self.store(), Some(self.cluster_id())).await
    }

    pub async fn all_persons(&self) -> Result<Vec<(PersonId, Person)>> {
        let mut pooled = self.store().acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, organisation_id, name, email, phone, job_title, consent_given_on \
                 FROM persons WHERE cluster_id = $1 ORDER BY id",
                params![self.cluster_id().0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                Ok((
                    PersonId(id),
                    Person {
                        cluster: self.cluster_id(),
                        organisation: OrganisationId(row.get("organisation_id")?),
                        name: Name::parse(&row.get::<String>("name")?)
                            .map_err(|e| corrupt("persons", id, e))?,
                        email: row
                            .get::<Option<String>>("email")?
                            .map(|e| Email::parse(&e).map_err(|err| corrupt("persons", id, err)))
                            .transpose()?,
                        phone: row.get("phone")?,
                        job_title: row.get("job_title")?,
                        consent_given_on: row.get("consent_given_on")?,
                    },
                ))
            })
            .collect()
    }

    pub async fn all_memberships(&self) -> Result<Vec<(MembershipId, Membership)>> {
        self.memberships(None).await
    }

    /// The cluster's activities, without themes and co-organisers (imports leave those alone).
    pub async fn all_activities(&self) -> Result<Vec<(ActivityId, Activity)>> {
        let mut pooled = self.store().acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, title, activity_type, funding_stream, format, municipality_code, starts_on, \
                 ends_on, published FROM activities WHERE cluster_id = $1 ORDER BY id",
                params![self.cluster_id().0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                let municipality = row
                    .get::<Option<i64>>("municipality_code")?
                    .map(|c| {
                        u16::try_from(c)
                            .ok()
                            .and_then(|c| MunicipalityCode::new(c).ok())
                            .ok_or_else(|| {
                                corrupt("activities", id, format!("unknown municipality {c}"))
                            })
                    })
                    .transpose()?;
                Ok((
                    ActivityId(id),
                    Activity {
                        cluster: self.cluster_id(),
                        title: Name::parse(&row.get::<String>("title")?)
                            .map_err(|e| corrupt("activities", id, e))?,
                        activity_type: taxonomy(row, "activity_type", "activities", id)?,
                        funding_stream: taxonomy(row, "funding_stream", "activities", id)?,
                        format: taxonomy(row, "format", "activities", id)?,
                        municipality,
                        period: period(row, "starts_on", "ends_on", "activities", id)?,
                        published: row.get("published")?,
                        themes: Vec::new(),
                        co_organisers: Vec::new(),
                    },
                ))
            })
            .collect()
    }

    pub async fn all_participations(&self) -> Result<Vec<(ParticipationId, Participation)>> {
        let mut pooled = self.store().acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {PARTICIPATION_COLUMNS} FROM participations p JOIN activities a ON a.id = p.activity_id \
                     WHERE a.cluster_id = $1 ORDER BY p.id"
                ),
                params![self.cluster_id().0],
            )
            .await?;
        rows.iter().map(decode::participation).collect()
    }
}

/// Rows written so far, per kind of write.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportWrites {
    pub created: u64,
    pub updated: u64,
}

/// Buffered creates of one table: the values of its rows one after another.
struct Pending {
    table: &'static str,
    columns: &'static [&'static str],
    values: Vec<Value>,
    /// Rows created in this table so far.
    created: u64,
    /// Whether the table's secondary indexes were checked for setting aside.
    indexes_checked: bool,
}

impl Pending {
    fn new(table: &'static str, columns: &'static [&'static str]) -> Self {
        Pending {
            table,
            columns,
            values: Vec::new(),
            created: 0,
            indexes_checked: false,
        }
    }

    fn rows(&self) -> usize {
        self.values.len() / self.columns.len()
    }

    fn per_statement(&self) -> usize {
        (MAX_PARAMS / self.columns.len()).max(1)
    }
}

/// One open import: a write transaction with buffered creates. See the module comment.
pub struct Importer {
    tx: Tx,
    is_sqlite: bool,
    cluster: Option<ClusterId>,
    /// The cluster's activities, to refuse participations in others' (loaded on first use).
    activities: Option<HashSet<i64>>,
    pending: Vec<Pending>,
    /// Secondary indexes dropped inside the transaction, recreated before it commits.
    deferred_indexes: Vec<String>,
    /// The multi-row statement of the last flush (table, rows, SQL), reused while it fits.
    statement: Option<(&'static str, usize, String)>,
    writes: ImportWrites,
}

const ORGS: usize = 0;
const PERSONS: usize = 1;
const MEMBERSHIPS: usize = 2;
const ACTIVITIES: usize = 3;
const PARTICIPATIONS: usize = 4;

impl Importer {
    async fn new(store: &Store, cluster: Option<ClusterId>) -> Result<Importer> {
        Ok(Importer {
            tx: store.begin().await?,
            is_sqlite: store.url().is_sqlite(),
            cluster,
            activities: None,
            pending: vec![
                Pending::new("organisations", rows::ORGANISATION),
                Pending::new("persons", rows::PERSON),
                Pending::new("memberships", rows::MEMBERSHIP),
                Pending::new("activities", rows::ACTIVITY),
                Pending::new("participations", rows::PARTICIPATION),
            ],
            deferred_indexes: Vec::new(),
            statement: None,
            writes: ImportWrites::default(),
        })
    }

    pub fn writes(&self) -> ImportWrites {
        self.writes
    }

    fn tenant(&self, entity: &'static str, found: ClusterId) -> Result<ClusterId> {
        match self.cluster {
            Some(c) if c == found => Ok(c),
            Some(c) => Err(StoreError::OtherTenant {
                entity,
                expected: c.0,
                found: found.0,
            }),
            None => Err(StoreError::Invalid(format!(
                "{entity}s belong to a cluster: use the cluster's importer"
            ))),
        }
    }

    fn cluster(&self, entity: &'static str) -> Result<ClusterId> {
        self.cluster.ok_or_else(|| {
            StoreError::Invalid(format!(
                "{entity}s belong to a cluster: use the cluster's importer"
            ))
        })
    }

    async fn push(&mut self, table: usize, row: Vec<Value>) -> Result<()> {
        let pending = &mut self.pending[table];
        pending.values.extend(row);
        if pending.rows() >= pending.per_statement() {
            self.flush(table).await?;
        }
        Ok(())
    }

    async fn flush(&mut self, table: usize) -> Result<()> {
        let pending = &mut self.pending[table];
        let n = pending.rows();
        if n == 0 {
            return Ok(());
        }
        let values = std::mem::take(&mut pending.values);
        let name = pending.table;
        let sql = match self.statement.take() {
            Some((t, rows, sql)) if t == name && rows == n => sql,
            _ => multi_row_insert(name, pending.columns, n, self.is_sqlite),
        };
        let done = self.tx.conn().execute(&sql, values).await;
        self.statement = Some((name, n, sql));
        done.map_err(|e| {
            crate::registry::conflict_or(e, || {
                format!(
                    "importing into {name} conflicts with a stored row (a CVR, VAT number or e-mail that is already registered)"
                )
            })
        })?;
        self.writes.created += n as u64;
        let pending = &mut self.pending[table];
        pending.created += n as u64;
        if self.is_sqlite && !pending.indexes_checked && pending.created >= DEFER_INDEXES_AFTER {
            pending.indexes_checked = true;
            self.defer_indexes(name).await?;
        }
        Ok(())
    }

    /// A large import into a table that held fewer rows than it has added sets the table's
    /// non-unique secondary indexes aside: they are dropped inside the transaction and built
    /// again from their own definitions just before it commits. Sorting all the keys once is
    /// cheaper than inserting a million of them one by one (measured on SQLite: about a third
    /// of the store's work for the participations bench). Unique indexes stay, so conflicts
    /// are still found row by row; since it all happens in the one transaction, a rollback or
    /// a killed process leaves the indexes as they were. SQLite only.
    async fn defer_indexes(&mut self, table: &'static str) -> Result<()> {
        let created = self
            .pending
            .iter()
            .find(|p| p.table == table)
            .map_or(0, |p| p.created);
        let count_sql = format!("SELECT COUNT(*) FROM {table}");
        let total = self.tx.conn().fetch_i64(&count_sql, vec![]).await?;
        // Only when the table held no more rows than the import has added: the rebuild then
        // sorts at most twice the rows the import adds.
        if u64::try_from(total).unwrap_or(0) > 2 * created {
            return Ok(());
        }
        let rows = self
            .tx
            .conn()
            .fetch_all(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 \
                 AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%' ORDER BY name",
                params![table],
            )
            .await?;
        for row in rows {
            let name: String = row.get("name")?;
            let sql: String = row.get("sql")?;
            // The name comes from the schema; quoted as an identifier all the same.
            let drop = format!("DROP INDEX \"{}\"", name.replace('"', "\"\""));
            self.tx.conn().execute(&drop, vec![]).await?;
            self.deferred_indexes.push(sql);
        }
        Ok(())
    }

    async fn update(
        &mut self,
        sql: &str,
        values: Vec<Value>,
        entity: &'static str,
        id: i64,
    ) -> Result<()> {
        let n = self.tx.conn().execute(sql, values).await.map_err(|e| {
            crate::registry::conflict_or(e, || {
                format!("updating {entity} {id} conflicts with a stored row")
            })
        })?;
        if n == 0 {
            return Err(StoreError::not_found(entity, format!("id {id}")));
        }
        self.writes.updated += 1;
        Ok(())
    }

    pub async fn create_organisation(&mut self, org: &Organisation) -> Result<()> {
        self.push(ORGS, rows::organisation(org)).await
    }

    /// Overwrites a registry organisation's facts (keeping its creation time).
    pub async fn update_organisation(
        &mut self,
        id: OrganisationId,
        org: &Organisation,
    ) -> Result<()> {
        let mut values = rows::organisation(org);
        values.remove(values.len() - 2); // created_at stays
        values.push(Value::Int(Some(id.0)));
        self.update(
            "UPDATE organisations SET name = $1, name_key = $2, kind = $3, cvr = $4, country = $5, vat = $6, \
             municipality_code = $7, employees_min = $8, employees_max = $9, industry_classification = $10, \
             industry_code = $11, updated_at = $12 WHERE id = $13",
            values,
            "organisation",
            id.0,
        )
        .await
    }

    pub async fn create_person(&mut self, person: &Person) -> Result<()> {
        self.tenant("contact", person.cluster)?;
        self.push(PERSONS, rows::person(person)).await
    }

    pub async fn update_person(&mut self, id: PersonId, person: &Person) -> Result<()> {
        let cluster = self.tenant("contact", person.cluster)?;
        self.update(
            "UPDATE persons SET organisation_id = $1, name = $2, email = $3, phone = $4, job_title = $5, \
             consent_given_on = $6 WHERE id = $7 AND cluster_id = $8",
            params![
                person.organisation.0,
                person.name.as_str(),
                person.email.as_ref().map(|e| e.as_str().to_string()),
                person.phone.clone(),
                person.job_title.clone(),
                person.consent_given_on,
                id.0,
                cluster.0
            ],
            "contact",
            id.0,
        )
        .await
    }

    pub async fn create_membership(&mut self, m: &Membership) -> Result<()> {
        self.tenant("membership", m.cluster)?;
        self.push(MEMBERSHIPS, rows::membership(m)).await
    }

    pub async fn update_membership(&mut self, id: MembershipId, m: &Membership) -> Result<()> {
        let cluster = self.tenant("membership", m.cluster)?;
        self.update(
            "UPDATE memberships SET organisation_id = $1, valid_from = $2, valid_to = $3, fee_tier = $4 \
             WHERE id = $5 AND cluster_id = $6",
            params![
                m.organisation.0,
                m.period.from(),
                m.period.to(),
                m.fee_tier.code(),
                id.0,
                cluster.0
            ],
            "membership",
            id.0,
        )
        .await
    }

    /// Creates an activity (themes and co-organisers are not imported).
    pub async fn create_activity(&mut self, a: &Activity) -> Result<()> {
        self.tenant("activity", a.cluster)?;
        self.push(ACTIVITIES, rows::activity(a)).await
    }

    pub async fn update_activity(&mut self, id: ActivityId, a: &Activity) -> Result<()> {
        let cluster = self.tenant("activity", a.cluster)?;
        let mut values = rows::activity(a);
        values.remove(0); // cluster_id goes into the WHERE
        values.push(Value::Int(Some(id.0)));
        values.push(Value::Int(Some(cluster.0)));
        self.update(
            "UPDATE activities SET title = $1, activity_type = $2, funding_stream = $3, format = $4, \
             municipality_code = $5, starts_on = $6, ends_on = $7, published = $8 \
             WHERE id = $9 AND cluster_id = $10",
            values,
            "activity",
            id.0,
        )
        .await
    }

    async fn own_activity(&mut self, activity: ActivityId) -> Result<ClusterId> {
        let cluster = self.cluster("participation")?;
        if self.activities.is_none() {
            let rows = self
                .tx
                .conn()
                .fetch_all(
                    "SELECT id FROM activities WHERE cluster_id = $1",
                    params![cluster.0],
                )
                .await?;
            let ids = rows
                .iter()
                .map(|r| r.get::<i64>("id"))
                .collect::<std::result::Result<HashSet<i64>, _>>()?;
            self.activities = Some(ids);
        }
        if self
            .activities
            .as_ref()
            .is_some_and(|ids| ids.contains(&activity.0))
        {
            Ok(cluster)
        } else {
            Err(StoreError::not_found(
                "activity",
                format!("id {activity} in this cluster"),
            ))
        }
    }

    pub async fn create_participation(&mut self, p: &Participation) -> Result<()> {
        self.own_activity(p.activity).await?;
        self.push(PARTICIPATIONS, rows::participation(p)).await
    }

    pub async fn update_participation(
        &mut self,
        id: ParticipationId,
        p: &Participation,
    ) -> Result<()> {
        let cluster = self.own_activity(p.activity).await?;
        let mut values = rows::participation(p);
        values.push(Value::Int(Some(id.0)));
        values.push(Value::Int(Some(cluster.0)));
        self.update(
            "UPDATE participations SET activity_id = $1, organisation_id = $2, person_id = $3, role = $4, \
             dedication = $5, new_product_service_process = $6, new_knowledge_collaboration = $7, \
             new_competences = $8, referral_received = $9, registered_on = $10 \
             WHERE id = $11 AND activity_id IN (SELECT id FROM activities WHERE cluster_id = $12)",
            values,
            "participation",
            id.0,
        )
        .await
    }

    /// Builds the indexes [`Importer::defer_indexes`] set aside, with SQLite's sorter in its
    /// fastest mode for this: the store's connections keep temporary data in memory
    /// (`temp_store = MEMORY`), and then SQLite's sorter allocates and frees every key on its
    /// own and sorts on one thread; with `temp_store = FILE` it sorts in large blocks (held in
    /// memory up to the cache size, spilled to a temporary file beyond) and may use helper
    /// threads (`PRAGMA threads`). Measured on the participations bench: 1.0 s → 0.6 s for the
    /// two indexes of a million rows. Both settings are restored afterwards (they only decide
    /// speed and where temporary data goes, never what is stored).
    async fn rebuild_indexes(&mut self) -> Result<()> {
        if self.deferred_indexes.is_empty() {
            return Ok(());
        }
        let mut conn = self.tx.conn();
        // Changing `temp_store` inside a transaction is refused once the connection has opened
        // its temporary database; the rebuild is then only slower, so a refusal is ignored.
        let file_sorter = conn
            .execute("PRAGMA temp_store = FILE", vec![])
            .await
            .is_ok();
        conn.execute(&format!("PRAGMA threads = {SORT_THREADS}"), vec![])
            .await?;
        let mut built = Ok(());
        for sql in std::mem::take(&mut self.deferred_indexes) {
            built = conn.execute(&sql, vec![]).await.map(|_| ());
            if built.is_err() {
                break;
            }
        }
        // As `open` sets them for every connection of the pool.
        let restored = conn.execute("PRAGMA threads = 0", vec![]).await;
        if file_sorter {
            conn.execute("PRAGMA temp_store = MEMORY", vec![]).await?;
        }
        built?;
        restored?;
        Ok(())
    }

    /// Writes what is buffered and makes the whole import visible at once.
    pub async fn commit(mut self) -> Result<ImportWrites> {
        for table in 0..self.pending.len() {
            self.flush(table).await?;
        }
        self.rebuild_indexes().await?;
        let writes = self.writes;
        self.tx.commit().await?;
        Ok(writes)
    }
}
