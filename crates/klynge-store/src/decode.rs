//! Turning stored rows back into domain values. A stored value that no longer parses is
//! reported as corrupt with its table and id, never unwrapped.

use klynge_domain::{
    ActivityId, CountryCode, Cvr, Employment, IndustryClassification, IndustryCode,
    MunicipalityCode, Name, Organisation, OrganisationId, OrganisationKind, OrganisationRecord,
    Outcomes, Participation, ParticipationId, Period, PersonId, Registration, Taxonomy, VatNumber,
};

use crate::backend::AnyRow;
use crate::error::{Result, StoreError};

/// Columns [`organisation`] reads, for `SELECT` lists.
pub(crate) const ORGANISATION_COLUMNS: &str = "id, name, kind, cvr, country, vat, municipality_code, \
     employees_min, employees_max, industry_classification, industry_code";

pub(crate) fn organisation(row: &AnyRow) -> Result<OrganisationRecord> {
    let id: i64 = row.get("id")?;
    let corrupt = |reason: String| StoreError::Corrupt {
        table: "organisations",
        id,
        reason,
    };
    let name = Name::parse(&row.get::<String>("name")?).map_err(|e| corrupt(e.to_string()))?;
    let kind = OrganisationKind::from_code(&row.get::<String>("kind")?)
        .map_err(|e| corrupt(e.to_string()))?;
    let country =
        CountryCode::parse(&row.get::<String>("country")?).map_err(|e| corrupt(e.to_string()))?;
    let registration = if country == CountryCode::DENMARK {
        let cvr = row
            .get::<Option<i64>>("cvr")?
            .map(|v| {
                u32::try_from(v)
                    .map_err(|_| corrupt(format!("CVR {v} out of range")))
                    .and_then(|v| Cvr::from_u32(v).map_err(|e| corrupt(e.to_string())))
            })
            .transpose()?;
        let municipality = row
            .get::<Option<i64>>("municipality_code")?
            .map(|v| {
                u16::try_from(v)
                    .map_err(|_| corrupt(format!("municipality {v} out of range")))
                    .and_then(|v| MunicipalityCode::new(v).map_err(|e| corrupt(e.to_string())))
            })
            .transpose()?;
        Registration::Danish { cvr, municipality }
    } else {
        let vat = row
            .get::<Option<String>>("vat")?
            .map(|v| VatNumber::parse(&v).map_err(|e| corrupt(e.to_string())))
            .transpose()?;
        Registration::Foreign { country, vat }
    };
    let employment = match row.get::<Option<i64>>("employees_min")? {
        None => None,
        Some(min) => {
            let max = row.get::<Option<i64>>("employees_max")?;
            let to_u32 = |v: i64| {
                u32::try_from(v).map_err(|_| corrupt(format!("employment {v} out of range")))
            };
            let max = max.map(to_u32).transpose()?;
            Some(Employment::range(to_u32(min)?, max).map_err(|e| corrupt(e.to_string()))?)
        }
    };
    let industry = match (
        row.get::<Option<String>>("industry_classification")?,
        row.get::<Option<String>>("industry_code")?,
    ) {
        (Some(classification), Some(code)) => {
            let classification = IndustryClassification::from_code(&classification)
                .map_err(|e| corrupt(e.to_string()))?;
            Some(IndustryCode::parse(classification, &code).map_err(|e| corrupt(e.to_string()))?)
        }
        _ => None,
    };
    Ok(OrganisationRecord {
        id: OrganisationId(id),
        organisation: Organisation {
            name,
            kind,
            registration,
            employment,
            industry,
        },
    })
}

/// A stored value that no longer parses, reported with its table and id.
pub(crate) fn corrupt(table: &'static str, id: i64, e: impl ToString) -> StoreError {
    StoreError::Corrupt {
        table,
        id,
        reason: e.to_string(),
    }
}

/// Reads a stored code back into its taxonomy.
pub(crate) fn taxonomy<T: Taxonomy>(
    row: &AnyRow,
    column: &str,
    table: &'static str,
    id: i64,
) -> Result<T> {
    T::from_code(&row.get::<String>(column)?).map_err(|e| corrupt(table, id, e))
}

pub(crate) fn period(
    row: &AnyRow,
    from: &str,
    to: &str,
    table: &'static str,
    id: i64,
) -> Result<Period> {
    Period::new(row.get(from)?, row.get(to)?).map_err(|e| corrupt(table, id, e))
}

/// Columns [`participation`] reads, prefixed for a query that joins `participations p`.
pub(crate) const PARTICIPATION_COLUMNS: &str = "p.id, p.activity_id, p.organisation_id, p.person_id, p.role, \
     p.dedication, p.new_product_service_process, p.new_knowledge_collaboration, p.new_competences, \
     p.referral_received, p.registered_on";

pub(crate) fn participation(row: &AnyRow) -> Result<(ParticipationId, Participation)> {
    let id: i64 = row.get("id")?;
    let dedication = row
        .get::<Option<String>>("dedication")?
        .map(|d| Taxonomy::from_code(&d).map_err(|e| corrupt("participations", id, e)))
        .transpose()?;
    Ok((
        ParticipationId(id),
        Participation {
            activity: ActivityId(row.get("activity_id")?),
            organisation: OrganisationId(row.get("organisation_id")?),
            person: row.get::<Option<i64>>("person_id")?.map(PersonId),
            role: taxonomy(row, "role", "participations", id)?,
            dedication,
            outcomes: Outcomes {
                new_product_service_process: row.get("new_product_service_process")?,
                new_knowledge_collaboration: row.get("new_knowledge_collaboration")?,
                new_competences: row.get("new_competences")?,
                referral_received: row.get("referral_received")?,
            },
            registered_on: row.get("registered_on")?,
        },
    ))
}
