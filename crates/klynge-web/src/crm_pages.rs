//! The staff's CRM screens beyond the organisation search: follow-ups, offices and agreements,
//! adding participants to an activity, and what the contact and referral screens
//! ([`crate::crm_contacts`], [`crate::crm_referrals`]) share. Each handler gets the cluster from
//! the signed-in staff member's view, never from the request.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{
    ActivityId, Cvr, Name, OrganisationId, Outcomes, ParticipantRole, Participation, parse_date,
};
use klynge_store::{
    AgreementRow, FollowUpRow, OfficeRow, OrganisationHit, OrganisationQuery, ParticipantRow,
    StaffView, StoreError,
};

use crate::context::Ctx;
use crate::error::PageError;
use crate::forms;
use crate::i18n::Tr;
use crate::pages::{Chrome, parse_id, render, see_other};

pub(crate) fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

// ----- shared by the CRM forms -----

pub(crate) const MAX_SHORT_TEXT: usize = 200;

/// A required single-line text that must parse as a [`Name`] and fit in 200 characters.
pub(crate) fn required_name(
    errors: &mut HashMap<&'static str, String>,
    t: &Tr,
    field: &'static str,
    value: &str,
) -> Option<Name> {
    if value.chars().count() > MAX_SHORT_TEXT {
        errors.insert(
            field,
            t.with("field-too-long", "max", &MAX_SHORT_TEXT.to_string()),
        );
        return None;
    }
    let name = Name::parse(value).ok();
    if name.is_none() {
        errors.insert(field, t.get("field-required"));
    }
    name
}

/// An optional day; a value that is not a day is reported at the field.
pub(crate) fn optional_date(
    errors: &mut HashMap<&'static str, String>,
    t: &Tr,
    field: &'static str,
    value: &str,
) -> Option<chrono::NaiveDate> {
    if value.is_empty() {
        return None;
    }
    let d = parse_date(value).ok();
    if d.is_none() {
        errors.insert(field, t.with("field-date-invalid", "value", value));
    }
    d
}

pub(crate) async fn organisation_name(ctx: &Ctx, id: OrganisationId) -> Result<String, PageError> {
    Ok(ctx
        .state
        .store
        .organisation(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?
        .organisation
        .name
        .as_str()
        .to_string())
}

/// "Delete this?" before a delete, for pages without script.
#[derive(Template)]
#[template(path = "confirm_delete.html")]
pub(crate) struct ConfirmDeletePage {
    pub(crate) chrome: Chrome,
    pub(crate) title: String,
    pub(crate) message: String,
    /// What is to be deleted, quoted (a referral's note).
    pub(crate) detail: Option<String>,
    pub(crate) action: String,
    pub(crate) cancel: String,
}

// ----- follow-ups -----

#[derive(Template)]
#[template(path = "follow_ups.html")]
struct FollowUpsPage {
    chrome: Chrome,
    rows: Vec<FollowUpRow>,
}

pub async fn follow_ups(ctx: Ctx) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let rows = staff
        .follow_ups(today(), 500)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        FollowUpsPage {
            chrome: ctx.chrome("/follow-ups"),
            rows,
        },
    ))
}

// ----- offices and agreements -----

#[derive(Template)]
#[template(path = "presence.html")]
struct PresencePage {
    chrome: Chrome,
    offices: Vec<(String, OfficeRow)>,
    agreements: Vec<(String, AgreementRow)>,
}

fn municipality_name(code: u16) -> String {
    klynge_domain::MunicipalityCode::new(code)
        .map(|m| m.municipality().name.to_string())
        .unwrap_or_else(|_| code.to_string())
}

pub async fn presence(ctx: Ctx) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let store_err = |e| PageError::store(e, ctx.lang);
    let offices = staff.offices().await.map_err(store_err)?;
    let agreements = staff.agreements().await.map_err(store_err)?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        PresencePage {
            chrome: ctx.chrome("/presence"),
            offices: offices
                .into_iter()
                .map(|o| (municipality_name(o.municipality_code), o))
                .collect(),
            agreements: agreements
                .into_iter()
                .map(|a| {
                    let m = a
                        .partner_municipality
                        .map(municipality_name)
                        .unwrap_or_default();
                    (m, a)
                })
                .collect(),
        },
    ))
}

// ----- an activity and its participants -----

#[derive(Debug, Default)]
pub struct ParticipantForm {
    pub cvr: String,
    pub find: String,
    pub role: String,
    pub errors: HashMap<&'static str, String>,
}

#[derive(Template)]
#[template(path = "activity.html")]
struct ActivityPage {
    chrome: Chrome,
    activity_id: i64,
    title: String,
    starts: String,
    activity_type: String,
    rows: Vec<ParticipantRow>,
    roles: Vec<(String, String)>,
    found: Vec<OrganisationHit>,
    f: ParticipantForm,
}

fn roles(t: &Tr) -> Vec<(String, String)> {
    ParticipantRole::ALL
        .iter()
        .map(|r| (r.code().to_string(), t.label("participant-role", r.code())))
        .collect()
}

async fn activity_page(
    ctx: &Ctx,
    staff: &StaffView,
    id: ActivityId,
    f: ParticipantForm,
    status: StatusCode,
) -> Result<Response, PageError> {
    let (a, rows) = staff
        .activity(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let find = f.find.trim();
    let found = if find.is_empty() {
        Vec::new()
    } else {
        match Name::parse(find) {
            Ok(name) => {
                staff
                    .search_organisations(&OrganisationQuery {
                        name: Some(name),
                        limit: 10,
                        ..OrganisationQuery::default()
                    })
                    .await
                    .map_err(|e| PageError::store(e, ctx.lang))?
                    .hits
            }
            Err(_) => Vec::new(),
        }
    };
    let t = ctx.tr();
    Ok(render(
        ctx,
        status,
        ActivityPage {
            chrome: ctx.chrome("/activities"),
            activity_id: id.0,
            title: a.title.as_str().to_string(),
            starts: t.date(&a.period.from()),
            activity_type: a.activity_type.code().to_string(),
            rows,
            roles: roles(&t),
            found,
            f,
        },
    ))
}

pub async fn activity(
    ctx: Ctx,
    Path(raw): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let id = ActivityId(parse_id(&raw, ctx.lang)?);
    let fields = forms::from_query(q.as_deref());
    let f = ParticipantForm {
        find: forms::text(&fields, "find").chars().take(100).collect(),
        role: "participant".into(),
        ..ParticipantForm::default()
    };
    activity_page(&ctx, &staff, id, f, StatusCode::OK).await
}

/// Adds a participant by CVR number or by the organisation chosen from a name search.
pub async fn add_participant(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = ctx.form(&body)?;
    let id = ActivityId(parse_id(&raw, ctx.lang)?);
    let t = ctx.tr();
    let mut f = ParticipantForm {
        cvr: forms::text(&fields, "cvr"),
        role: forms::text(&fields, "role"),
        ..ParticipantForm::default()
    };
    let chosen = forms::text(&fields, "organisation_id");
    let (organisation, role) = participant_of(
        &ctx.state.store,
        &t,
        &chosen,
        &f.cvr,
        &f.role,
        &mut f.errors,
    )
    .await
    .map_err(|e| PageError::store(e, ctx.lang))?;
    if let (Some(organisation), Some(role)) = (organisation, role) {
        let added = add_new_participant(&staff, id, organisation, role)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?;
        if added.is_some() {
            return Ok(see_other(&format!("/activities/{}#participants", id.0)));
        }
        f.errors.insert("cvr", t.get("field-already-participant"));
    }
    activity_page(&ctx, &staff, id, f, StatusCode::UNPROCESSABLE_ENTITY).await
}

/// Resolves who is to take part, and as what: an organisation id (`chosen`, from a name
/// search) or else a CVR number looked up in the registry, and a role code. Problems go into
/// `errors` at the `cvr` and `role` fields.
pub(crate) async fn participant_of(
    store: &klynge_store::Store,
    t: &Tr,
    chosen: &str,
    cvr: &str,
    role: &str,
    errors: &mut HashMap<&'static str, String>,
) -> Result<(Option<OrganisationId>, Option<ParticipantRole>), StoreError> {
    let role = ParticipantRole::from_code(role).ok();
    if role.is_none() {
        errors.insert("role", t.get("field-choose-one"));
    }
    let organisation = if !chosen.is_empty() {
        match chosen.parse::<i64>() {
            Ok(o) if o > 0 => Some(OrganisationId(o)),
            _ => {
                errors.insert("cvr", t.get("field-choose-one"));
                None
            }
        }
    } else if cvr.is_empty() {
        errors.insert("cvr", t.get("field-required"));
        None
    } else {
        match Cvr::parse(cvr) {
            Err(_) => {
                errors.insert("cvr", t.with("field-cvr-invalid", "value", cvr));
                None
            }
            Ok(number) => match store.organisation_by_cvr(number).await? {
                Some(o) => Some(o.id),
                None => {
                    errors.insert("cvr", t.with("field-cvr-unknown", "value", cvr));
                    None
                }
            },
        }
    };
    Ok((organisation, role))
}

/// Adds the participant unless it already takes part; `false` when it did.
pub(crate) async fn add_new_participant(
    staff: &StaffView,
    activity: ActivityId,
    organisation: OrganisationId,
    role: ParticipantRole,
) -> Result<Option<klynge_domain::ParticipationId>, StoreError> {
    if staff.takes_part(activity, organisation).await? {
        return Ok(None);
    }
    staff
        .add_participant(&Participation {
            activity,
            organisation,
            person: None,
            role,
            dedication: None,
            outcomes: Outcomes::default(),
            registered_on: today(),
        })
        .await
        .map(Some)
}
