//! The tenant-scoped handle: every read and write of a cluster's private data goes through a
//! [`ClusterStore`], which puts its own cluster into every statement. A record of another
//! cluster is reported as not found, so a handle cannot even learn that it exists.

use chrono::NaiveDate;
use klynge_domain::{
    Activity, ActivityId, Agreement, AgreementId, ClusterId, Email, Interaction, InteractionId,
    Membership, MembershipId, MunicipalityCode, Name, Office, OfficeId, OrganisationId,
    Participation, ParticipationId, Person, PersonId, Referral, ReferralId, ReferralTarget, Theme,
};

use crate::backend::{AnyRow, Conn};
use crate::decode::{self, PARTICIPATION_COLUMNS, corrupt, period, taxonomy};
use crate::error::{Result, StoreError};
use crate::registry::conflict_or;
use crate::rows::{self, insert_returning_id};
use crate::{Store, params};

/// A cluster's private data. Built by [`Store::cluster`].
#[derive(Clone)]
pub struct ClusterStore {
    store: Store,
    cluster: ClusterId,
}

const PERSON_COLUMNS: &str = "id, organisation_id, name, email, phone, job_title, consent_given_on";

fn email_taken(person: &Person) -> String {
    format!(
        "a contact with the e-mail {} already exists in this cluster",
        person.email.as_ref().map(Email::as_str).unwrap_or_default()
    )
}

const REFERRAL_COLUMNS: &str = "id, organisation_id, target_kind, target_cluster_id, \
     target_organisation_id, target_programme, referred_on, note";

/// Checks that what a referral points at exists.
async fn ensure_target(conn: &mut Conn<'_>, target: &ReferralTarget) -> Result<()> {
    match target {
        ReferralTarget::Cluster { cluster } => {
            let n = conn
                .fetch_i64(
                    "SELECT COUNT(*) FROM clusters WHERE id = $1",
                    params![cluster.0],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::not_found("cluster", format!("id {cluster}")));
            }
            Ok(())
        }
        ReferralTarget::BusinessHub { organisation } => {
            ensure_organisation(conn, *organisation).await
        }
        ReferralTarget::FundingProgramme { .. } => Ok(()),
    }
}

/// Checks that a record handed to a handle belongs to the handle's cluster.
fn same_tenant(entity: &'static str, expected: ClusterId, found: ClusterId) -> Result<()> {
    if expected == found {
        Ok(())
    } else {
        Err(StoreError::OtherTenant {
            entity,
            expected: expected.0,
            found: found.0,
        })
    }
}

async fn ensure_organisation(conn: &mut Conn<'_>, id: OrganisationId) -> Result<()> {
    let n = conn
        .fetch_i64(
            "SELECT COUNT(*) FROM organisations WHERE id = $1",
            params![id.0],
        )
        .await?;
    if n == 0 {
        return Err(StoreError::not_found("organisation", format!("id {id}")));
    }
    Ok(())
}

impl ClusterStore {
    pub(crate) fn new(store: Store, cluster: ClusterId) -> Self {
        ClusterStore { store, cluster }
    }

    pub fn cluster_id(&self) -> ClusterId {
        self.cluster
    }

    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    /// The cluster's matchmaking events, as its organising staff sees them (for operator
    /// tools such as the demo loader; the web asks a principal for this view).
    pub fn events(&self) -> crate::EventsView {
        crate::EventsView::new(self.store.clone(), self.cluster)
    }

    // ----- contacts -----

    pub async fn add_person(&self, person: &Person) -> Result<PersonId> {
        same_tenant("contact", self.cluster, person.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        ensure_organisation(&mut conn, person.organisation).await?;
        let sql = insert_returning_id("persons", rows::PERSON);
        let id = conn
            .fetch_i64(&sql, rows::person(person))
            .await
            .map_err(|e| conflict_or(e, || email_taken(person)))?;
        tx.commit().await?;
        Ok(PersonId(id))
    }

    pub async fn persons_of(
        &self,
        organisation: OrganisationId,
    ) -> Result<Vec<(PersonId, Person)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {PERSON_COLUMNS} FROM persons WHERE cluster_id = $1 AND organisation_id = $2 \
                     ORDER BY name, id"
                ),
                params![self.cluster.0, organisation.0],
            )
            .await?;
        rows.iter().map(|row| self.person_from_row(row)).collect()
    }

    /// One of this cluster's contacts; another cluster's is not found.
    pub async fn person(&self, id: PersonId) -> Result<Person> {
        let mut pooled = self.store.acquire().await?;
        let row = pooled
            .conn()
            .fetch_optional(
                &format!("SELECT {PERSON_COLUMNS} FROM persons WHERE id = $1 AND cluster_id = $2"),
                params![id.0, self.cluster.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("contact", id.0))?;
        Ok(self.person_from_row(&row)?.1)
    }

    /// Changes a contact's name, e-mail, phone, job title and consent date; the organisation
    /// it belongs to stays. An e-mail another contact of the cluster has is a conflict.
    pub async fn update_person(&self, id: PersonId, person: &Person) -> Result<()> {
        same_tenant("contact", self.cluster, person.cluster)?;
        let mut pooled = self.store.acquire().await?;
        let changed = pooled
            .conn()
            .execute(
                "UPDATE persons SET name = $1, email = $2, phone = $3, job_title = $4, consent_given_on = $5 \
                 WHERE id = $6 AND cluster_id = $7",
                params![
                    person.name.as_str(),
                    person.email.as_ref().map(|e| e.as_str().to_string()),
                    person.phone.clone(),
                    person.job_title.clone(),
                    person.consent_given_on,
                    id.0,
                    self.cluster.0
                ],
            )
            .await
            .map_err(|e| conflict_or(e, || email_taken(person)))?;
        if changed == 0 {
            return Err(StoreError::not_found("contact", id.0));
        }
        Ok(())
    }

    /// Deletes a contact (the right to erasure). Interactions and participations that named
    /// the person stay, without the person (the schema sets their reference to NULL).
    pub async fn delete_person(&self, id: PersonId) -> Result<()> {
        let mut pooled = self.store.acquire().await?;
        let deleted = pooled
            .conn()
            .execute(
                "DELETE FROM persons WHERE id = $1 AND cluster_id = $2",
                params![id.0, self.cluster.0],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("contact", id.0));
        }
        Ok(())
    }

    fn person_from_row(&self, row: &AnyRow) -> Result<(PersonId, Person)> {
        let id: i64 = row.get("id")?;
        let email = row
            .get::<Option<String>>("email")?
            .map(|e| Email::parse(&e).map_err(|err| corrupt("persons", id, err)))
            .transpose()?;
        Ok((
            PersonId(id),
            Person {
                cluster: self.cluster,
                organisation: OrganisationId(row.get("organisation_id")?),
                name: Name::parse(&row.get::<String>("name")?)
                    .map_err(|e| corrupt("persons", id, e))?,
                email,
                phone: row.get("phone")?,
                job_title: row.get("job_title")?,
                consent_given_on: row.get("consent_given_on")?,
            },
        ))
    }

    // ----- memberships -----

    /// Records a membership. The organisation must exist.
    pub async fn add_membership(&self, membership: &Membership) -> Result<MembershipId> {
        same_tenant("membership", self.cluster, membership.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        ensure_organisation(&mut conn, membership.organisation).await?;
        let sql = insert_returning_id("memberships", rows::MEMBERSHIP);
        let id = conn.fetch_i64(&sql, rows::membership(membership)).await?;
        tx.commit().await?;
        Ok(MembershipId(id))
    }

    /// Memberships that overlap a day, or all when `on` is `None`.
    pub async fn memberships(
        &self,
        on: Option<NaiveDate>,
    ) -> Result<Vec<(MembershipId, Membership)>> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let rows = match on {
            None => {
                conn.fetch_all(
                    "SELECT id, organisation_id, valid_from, valid_to, fee_tier FROM memberships \
                     WHERE cluster_id = $1 ORDER BY id",
                    params![self.cluster.0],
                )
                .await?
            }
            Some(day) => {
                conn.fetch_all(
                    "SELECT id, organisation_id, valid_from, valid_to, fee_tier FROM memberships \
                     WHERE cluster_id = $1 AND valid_from <= $2 AND (valid_to IS NULL OR valid_to >= $2) ORDER BY id",
                    params![self.cluster.0, day],
                )
                .await?
            }
        };
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                Ok((
                    MembershipId(id),
                    Membership {
                        cluster: self.cluster,
                        organisation: OrganisationId(row.get("organisation_id")?),
                        period: period(row, "valid_from", "valid_to", "memberships", id)?,
                        fee_tier: taxonomy(row, "fee_tier", "memberships", id)?,
                    },
                ))
            })
            .collect()
    }

    // ----- activities and participation -----

    /// Records an activity with its themes and co-organisers, in one transaction.
    pub async fn add_activity(&self, activity: &Activity) -> Result<ActivityId> {
        same_tenant("activity", self.cluster, activity.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let sql = insert_returning_id("activities", rows::ACTIVITY);
        let id = conn.fetch_i64(&sql, rows::activity(activity)).await?;
        for theme in &activity.themes {
            conn.execute(
                "INSERT INTO activity_themes (activity_id, theme) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                params![id, theme.as_str()],
            )
            .await?;
        }
        for co in &activity.co_organisers {
            let exists = conn
                .fetch_i64("SELECT COUNT(*) FROM clusters WHERE id = $1", params![co.0])
                .await?;
            if exists == 0 {
                return Err(StoreError::not_found(
                    "cluster",
                    format!("id {co} (co-organiser)"),
                ));
            }
            conn.execute(
                "INSERT INTO activity_co_organisers (activity_id, cluster_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                params![id, co.0],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(ActivityId(id))
    }

    pub async fn activity(&self, id: ActivityId) -> Result<Activity> {
        let mut pooled = self.store.acquire().await?;
        let mut conn = pooled.conn();
        let row = conn
            .fetch_optional(
                "SELECT id, title, activity_type, funding_stream, format, municipality_code, starts_on, ends_on, published \
                 FROM activities WHERE id = $1 AND cluster_id = $2",
                params![id.0, self.cluster.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("activity", format!("id {id} in this cluster")))?;
        let themes = conn
            .fetch_all(
                "SELECT theme FROM activity_themes WHERE activity_id = $1 ORDER BY theme",
                params![id.0],
            )
            .await?
            .iter()
            .map(|r| {
                Theme::parse(&r.get::<String>("theme")?)
                    .map_err(|e| corrupt("activity_themes", id.0, e))
            })
            .collect::<Result<Vec<_>>>()?;
        let co_organisers = conn
            .fetch_all(
                "SELECT cluster_id FROM activity_co_organisers WHERE activity_id = $1 ORDER BY cluster_id",
                params![id.0],
            )
            .await?
            .iter()
            .map(|r| Ok(ClusterId(r.get("cluster_id")?)))
            .collect::<Result<Vec<_>>>()?;
        let municipality = row
            .get::<Option<i64>>("municipality_code")?
            .map(|code| {
                u16::try_from(code)
                    .ok()
                    .and_then(|c| MunicipalityCode::new(c).ok())
                    .ok_or_else(|| StoreError::Corrupt {
                        table: "activities",
                        id: id.0,
                        reason: format!("unknown municipality {code}"),
                    })
            })
            .transpose()?;
        Ok(Activity {
            cluster: self.cluster,
            title: Name::parse(&row.get::<String>("title")?)
                .map_err(|e| corrupt("activities", id.0, e))?,
            activity_type: taxonomy(&row, "activity_type", "activities", id.0)?,
            funding_stream: taxonomy(&row, "funding_stream", "activities", id.0)?,
            format: taxonomy(&row, "format", "activities", id.0)?,
            municipality,
            period: period(&row, "starts_on", "ends_on", "activities", id.0)?,
            published: row.get("published")?,
            themes,
            co_organisers,
        })
    }

    /// Records a participation in one of this cluster's activities.
    pub async fn add_participation(
        &self,
        participation: &Participation,
    ) -> Result<ParticipationId> {
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let own = conn
            .fetch_i64(
                "SELECT COUNT(*) FROM activities WHERE id = $1 AND cluster_id = $2",
                params![participation.activity.0, self.cluster.0],
            )
            .await?;
        if own == 0 {
            return Err(StoreError::not_found(
                "activity",
                format!("id {} in this cluster", participation.activity),
            ));
        }
        ensure_organisation(&mut conn, participation.organisation).await?;
        if let Some(person) = participation.person {
            let n = conn
                .fetch_i64(
                    "SELECT COUNT(*) FROM persons WHERE id = $1 AND cluster_id = $2 AND organisation_id = $3",
                    params![person.0, self.cluster.0, participation.organisation.0],
                )
                .await?;
            if n == 0 {
                return Err(StoreError::not_found(
                    "contact",
                    format!("id {person} at organisation {}", participation.organisation),
                ));
            }
        }
        let sql = insert_returning_id("participations", rows::PARTICIPATION);
        let id = conn
            .fetch_i64(&sql, rows::participation(participation))
            .await?;
        tx.commit().await?;
        Ok(ParticipationId(id))
    }

    pub async fn participations(
        &self,
        activity: ActivityId,
    ) -> Result<Vec<(ParticipationId, Participation)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {PARTICIPATION_COLUMNS} FROM participations p JOIN activities a ON a.id = p.activity_id \
                     WHERE p.activity_id = $1 AND a.cluster_id = $2 ORDER BY p.id"
                ),
                params![activity.0, self.cluster.0],
            )
            .await?;
        rows.iter().map(decode::participation).collect()
    }

    // ----- dialogue -----

    pub async fn record_interaction(&self, interaction: &Interaction) -> Result<InteractionId> {
        same_tenant("interaction", self.cluster, interaction.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        ensure_organisation(&mut conn, interaction.organisation).await?;
        let sql = insert_returning_id("interactions", rows::INTERACTION);
        let id = conn.fetch_i64(&sql, rows::interaction(interaction)).await?;
        tx.commit().await?;
        Ok(InteractionId(id))
    }

    /// The cluster's dialogue with one organisation, newest first.
    pub async fn interactions_with(
        &self,
        organisation: OrganisationId,
    ) -> Result<Vec<(InteractionId, Interaction)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, person_id, kind, occurred_on, subject, notes, follow_up_on FROM interactions \
                 WHERE cluster_id = $1 AND organisation_id = $2 ORDER BY occurred_on DESC, id DESC",
                params![self.cluster.0, organisation.0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                Ok((
                    InteractionId(id),
                    Interaction {
                        cluster: self.cluster,
                        organisation,
                        person: row.get::<Option<i64>>("person_id")?.map(PersonId),
                        kind: taxonomy(row, "kind", "interactions", id)?,
                        occurred_on: row.get("occurred_on")?,
                        subject: Name::parse(&row.get::<String>("subject")?)
                            .map_err(|e| corrupt("interactions", id, e))?,
                        notes: row.get("notes")?,
                        follow_up_on: row.get("follow_up_on")?,
                    },
                ))
            })
            .collect()
    }

    // ----- referrals -----

    pub async fn add_referral(&self, referral: &Referral) -> Result<ReferralId> {
        same_tenant("referral", self.cluster, referral.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        ensure_organisation(&mut conn, referral.organisation).await?;
        ensure_target(&mut conn, &referral.target).await?;
        let sql = insert_returning_id("referrals", rows::REFERRAL);
        let id = conn.fetch_i64(&sql, rows::referral(referral)).await?;
        tx.commit().await?;
        Ok(ReferralId(id))
    }

    pub async fn referrals(&self) -> Result<Vec<(ReferralId, Referral)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                &format!(
                    "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE cluster_id = $1 \
                     ORDER BY referred_on DESC, id DESC"
                ),
                params![self.cluster.0],
            )
            .await?;
        rows.iter().map(|row| self.referral_from_row(row)).collect()
    }

    /// One of this cluster's referrals; another cluster's is not found.
    pub async fn referral(&self, id: ReferralId) -> Result<Referral> {
        let mut pooled = self.store.acquire().await?;
        let row = pooled
            .conn()
            .fetch_optional(
                &format!(
                    "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE id = $1 AND cluster_id = $2"
                ),
                params![id.0, self.cluster.0],
            )
            .await?
            .ok_or_else(|| StoreError::not_found("referral", id.0))?;
        Ok(self.referral_from_row(&row)?.1)
    }

    /// Changes a referral's target, day and note; the organisation referred stays.
    pub async fn update_referral(&self, id: ReferralId, referral: &Referral) -> Result<()> {
        same_tenant("referral", self.cluster, referral.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        ensure_target(&mut conn, &referral.target).await?;
        // The insert's columns and values after the cluster and the organisation, so the
        // update cannot drift from the insert.
        let fixed = 2;
        debug_assert_eq!(rows::REFERRAL[..fixed], ["cluster_id", "organisation_id"]);
        let mut params: Vec<_> = rows::referral(referral).into_iter().skip(fixed).collect();
        let sets: Vec<String> = rows::REFERRAL[fixed..]
            .iter()
            .enumerate()
            .map(|(i, column)| format!("{column} = ${}", i + 1))
            .collect();
        params.push(id.0.into());
        params.push(self.cluster.0.into());
        let sql = format!(
            "UPDATE referrals SET {} WHERE id = ${} AND cluster_id = ${}",
            sets.join(", "),
            params.len() - 1,
            params.len()
        );
        if conn.execute(&sql, params).await? == 0 {
            return Err(StoreError::not_found("referral", id.0));
        }
        tx.commit().await?;
        Ok(())
    }

    /// Deletes one of this cluster's referrals.
    pub async fn delete_referral(&self, id: ReferralId) -> Result<()> {
        let mut pooled = self.store.acquire().await?;
        let deleted = pooled
            .conn()
            .execute(
                "DELETE FROM referrals WHERE id = $1 AND cluster_id = $2",
                params![id.0, self.cluster.0],
            )
            .await?;
        if deleted == 0 {
            return Err(StoreError::not_found("referral", id.0));
        }
        Ok(())
    }

    fn referral_from_row(&self, row: &AnyRow) -> Result<(ReferralId, Referral)> {
        let id: i64 = row.get("id")?;
        let kind: String = row.get("target_kind")?;
        let target = match (
            kind.as_str(),
            row.get::<Option<i64>>("target_cluster_id")?,
            row.get::<Option<i64>>("target_organisation_id")?,
            row.get::<Option<String>>("target_programme")?,
        ) {
            ("cluster", Some(c), _, _) => ReferralTarget::Cluster {
                cluster: ClusterId(c),
            },
            ("business_hub", _, Some(o), _) => ReferralTarget::BusinessHub {
                organisation: OrganisationId(o),
            },
            ("funding_programme", _, _, Some(p)) => ReferralTarget::FundingProgramme {
                programme: Name::parse(&p).map_err(|e| corrupt("referrals", id, e))?,
            },
            _ => {
                return Err(StoreError::Corrupt {
                    table: "referrals",
                    id,
                    reason: format!("target kind {kind:?} without its target"),
                });
            }
        };
        Ok((
            ReferralId(id),
            Referral {
                cluster: self.cluster,
                organisation: OrganisationId(row.get("organisation_id")?),
                target,
                referred_on: row.get("referred_on")?,
                note: row.get("note")?,
            },
        ))
    }

    // ----- presence -----

    pub async fn add_office(&self, office: &Office) -> Result<OfficeId> {
        same_tenant("office", self.cluster, office.cluster)?;
        let mut tx = self.store.begin().await?;
        let sql = insert_returning_id("offices", rows::OFFICE);
        let id = tx.conn().fetch_i64(&sql, rows::office(office)).await?;
        tx.commit().await?;
        Ok(OfficeId(id))
    }

    pub async fn offices(&self) -> Result<Vec<(OfficeId, Office)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, municipality_code, kind, valid_from, valid_to FROM offices WHERE cluster_id = $1 ORDER BY id",
                params![self.cluster.0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                let code: i64 = row.get("municipality_code")?;
                let municipality = u16::try_from(code)
                    .ok()
                    .and_then(|c| MunicipalityCode::new(c).ok())
                    .ok_or_else(|| StoreError::Corrupt {
                        table: "offices",
                        id,
                        reason: format!("unknown municipality {code}"),
                    })?;
                Ok((
                    OfficeId(id),
                    Office {
                        cluster: self.cluster,
                        municipality,
                        kind: taxonomy(row, "kind", "offices", id)?,
                        period: period(row, "valid_from", "valid_to", "offices", id)?,
                    },
                ))
            })
            .collect()
    }

    /// Records a collaboration agreement; the partner must be a municipality, region, business
    /// hub or knowledge institution.
    pub async fn add_agreement(&self, agreement: &Agreement) -> Result<AgreementId> {
        same_tenant("agreement", self.cluster, agreement.cluster)?;
        let mut tx = self.store.begin().await?;
        let mut conn = tx.conn();
        let kind = conn
            .fetch_optional(
                "SELECT kind FROM organisations WHERE id = $1",
                params![agreement.partner.0],
            )
            .await?
            .ok_or_else(|| {
                StoreError::not_found("organisation", format!("id {}", agreement.partner))
            })?
            .get::<String>("kind")?;
        let partner_ok = klynge_domain::OrganisationKind::from_code(&kind)
            .ok()
            .and_then(klynge_domain::AgreementPartnerKind::for_organisation_kind)
            .is_some();
        if !partner_ok {
            return Err(StoreError::Invalid(format!(
                "organisation {} is of kind {kind}: expected a municipality, region, business hub or \
                 knowledge institution as agreement partner",
                agreement.partner
            )));
        }
        let sql = insert_returning_id("agreements", rows::AGREEMENT);
        let id = conn.fetch_i64(&sql, rows::agreement(agreement)).await?;
        tx.commit().await?;
        Ok(AgreementId(id))
    }

    pub async fn agreements(&self) -> Result<Vec<(AgreementId, Agreement)>> {
        let mut pooled = self.store.acquire().await?;
        let rows = pooled
            .conn()
            .fetch_all(
                "SELECT id, partner_organisation_id, title, valid_from, valid_to FROM agreements \
                 WHERE cluster_id = $1 ORDER BY id",
                params![self.cluster.0],
            )
            .await?;
        rows.iter()
            .map(|row| {
                let id: i64 = row.get("id")?;
                Ok((
                    AgreementId(id),
                    Agreement {
                        cluster: self.cluster,
                        partner: OrganisationId(row.get("partner_organisation_id")?),
                        title: Name::parse(&row.get::<String>("title")?)
                            .map_err(|e| corrupt("agreements", id, e))?,
                        period: period(row, "valid_from", "valid_to", "agreements", id)?,
                    },
                ))
            })
            .collect()
    }
}
