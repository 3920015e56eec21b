//! The API's CRM lists and writes beyond organisations and activities: contacts, follow-ups,
//! referrals, offices, agreements and participants. Validation is the forms' own, with the
//! messages in English, so a field is checked the same way on a page and through the API.

use std::collections::HashMap;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use klynge_domain::{ActivityId, OrganisationId, PersonId};
use klynge_store::StoreError;

use crate::AppState;
use crate::api::{ApiResult, body_within_limit, json_body, ok, paging, parse_id, staff_of};
use crate::api_types::{
    AgreementItem, ContactListItem, Created, FollowUpItem, List, NewContact, NewParticipant,
    OfficeItem, Page, ReferralListItem,
};
use crate::crm_contacts::ContactForm;
use crate::crm_pages::{add_new_participant, participant_of};
use crate::error::{ApiError, Problem};
use crate::forms;
use crate::i18n::{Lang, Tr};

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/contacts", get(contacts))
        .route(
            "/api/v1/contacts/{id}",
            put(update_contact).delete(delete_contact),
        )
        .route("/api/v1/organisations/{id}/contacts", post(add_contact))
        .route("/api/v1/follow-ups", get(follow_ups))
        .route("/api/v1/referrals", get(referrals))
        .route("/api/v1/offices", get(offices))
        .route("/api/v1/agreements", get(agreements))
        .route(
            "/api/v1/activities/{id}/participants",
            post(add_participant),
        )
}

/// 422 naming each field and what is wrong with it.
fn invalid(errors: &HashMap<&'static str, String>) -> ApiError {
    let mut fields: Vec<_> = errors.iter().collect();
    fields.sort();
    ApiError::unprocessable(
        fields
            .iter()
            .map(|(field, message)| format!("{field}: {message}"))
            .collect::<Vec<_>>()
            .join("; "),
    )
}

/// The cluster's contact persons by name; `q` filters on name or e-mail.
#[utoipa::path(get, path = "/api/v1/contacts", tag = "contacts",
    params(("q" = Option<String>, Query, description = "part of the name or e-mail"),
           ("offset" = Option<u32>, Query, description = "where the page starts (default 0)"),
           ("limit" = Option<u32>, Query, description = "1 to 200 (default 50)")),
    responses((status = 200, body = Page<ContactListItem>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn contacts(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let fields = forms::from_query(raw.as_deref());
    let (offset, limit) = paging(&fields, &["q"])?;
    let q = forms::text(&fields, "q");
    if q.chars().count() > 100 {
        return Err(ApiError::bad_request("q: expected at most 100 characters"));
    }
    let rows = staff.contacts(Some(&q), offset, limit + 1).await?;
    ok(Page::<ContactListItem>::of(rows, offset, limit))
}

/// Adds a contact person at an organisation to the caller's cluster.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/contacts", tag = "contacts",
    params(("id" = i64, Path, description = "the organisation's id")),
    request_body = NewContact,
    responses((status = 201, body = Created), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn add_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let body = body_within_limit(body)?;
    let id = OrganisationId(parse_id(&raw, "organisation")?);
    let input: NewContact = json_body(&headers, &body)?;
    state.store.organisation(id).await?;
    let (form, person) = contact_of(input, staff.cluster_id(), id)?;
    match staff.add_contact(&person).await {
        Ok(created) => {
            Ok((StatusCode::CREATED, axum::Json(Created { id: created.0 })).into_response())
        }
        Err(e) => Err(contact_write_failed(e, &form)),
    }
}

/// A contact from the API's fields, checked by the form's rules.
fn contact_of(
    input: NewContact,
    cluster: klynge_domain::ClusterId,
    organisation: OrganisationId,
) -> Result<(ContactForm, klynge_domain::Person), ApiError> {
    let text = |v: Option<String>| v.map(|s| s.trim().to_string()).unwrap_or_default();
    let mut form = ContactForm {
        name: input.name.trim().to_string(),
        email: text(input.email),
        job_title: text(input.job_title),
        phone: text(input.phone),
        consent_given_on: text(input.consent_given_on),
        errors: HashMap::new(),
    };
    match form.validate(&Tr::new(Lang::En), cluster, organisation) {
        Some(person) => Ok((form, person)),
        None => Err(invalid(&form.errors)),
    }
}

/// 409 when the e-mail is another contact's, else the store's error.
fn contact_write_failed(e: StoreError, form: &ContactForm) -> ApiError {
    match e {
        StoreError::Conflict(_) => ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "email {:?}: the cluster already has a contact with this e-mail",
                form.email
            ),
        ),
        e => e.into(),
    }
}

/// Replaces a contact person's fields (the organisation stays).
#[utoipa::path(put, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "the contact's id")),
    request_body = NewContact,
    responses((status = 204, description = "changed"), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn update_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let body = body_within_limit(body)?;
    let id = PersonId(parse_id(&raw, "contact")?);
    let input: NewContact = json_body(&headers, &body)?;
    let stored = staff.contact(id).await?;
    let (form, person) = contact_of(input, staff.cluster_id(), stored.organisation)?;
    match staff.update_contact(id, &person).await {
        Ok(()) => Ok(StatusCode::NO_CONTENT.into_response()),
        Err(e) => Err(contact_write_failed(e, &form)),
    }
}

/// Deletes a contact person; interactions and participations stay, without the person.
#[utoipa::path(delete, path = "/api/v1/contacts/{id}", tag = "contacts",
    params(("id" = i64, Path, description = "the contact's id")),
    responses((status = 204, description = "deleted"), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem)))]
pub(crate) async fn delete_contact(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let id = PersonId(parse_id(&raw, "contact")?);
    staff.delete_contact(id).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Interactions with a follow-up date from 60 days ago onwards, the earliest first.
#[utoipa::path(get, path = "/api/v1/follow-ups", tag = "contacts",
    responses((status = 200, body = List<FollowUpItem>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn follow_ups(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let rows = staff
        .follow_ups(chrono::Utc::now().date_naive(), 500)
        .await?;
    ok(List {
        items: rows.iter().map(FollowUpItem::from).collect(),
    })
}

/// The cluster's referrals, newest first.
#[utoipa::path(get, path = "/api/v1/referrals", tag = "referrals",
    params(("offset" = Option<u32>, Query, description = "where the page starts (default 0)"),
           ("limit" = Option<u32>, Query, description = "1 to 200 (default 50)")),
    responses((status = 200, body = Page<ReferralListItem>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn referrals(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let (offset, limit) = paging(&forms::from_query(raw.as_deref()), &[])?;
    let rows = staff.referrals(offset, limit + 1).await?;
    ok(Page::<ReferralListItem>::of(rows, offset, limit))
}

/// The cluster's offices.
#[utoipa::path(get, path = "/api/v1/offices", tag = "presence",
    responses((status = 200, body = List<OfficeItem>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn offices(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let rows = staff.offices().await?;
    ok(List {
        items: rows.iter().map(OfficeItem::from).collect(),
    })
}

/// The cluster's cooperation agreements.
#[utoipa::path(get, path = "/api/v1/agreements", tag = "presence",
    responses((status = 200, body = List<AgreementItem>), (status = 401, body = Problem), (status = 403, body = Problem)))]
pub(crate) async fn agreements(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let rows = staff.agreements().await?;
    ok(List {
        items: rows.iter().map(AgreementItem::from).collect(),
    })
}

/// Adds an organisation (by id or CVR number) to one of the cluster's activities.
#[utoipa::path(post, path = "/api/v1/activities/{id}/participants", tag = "activities",
    params(("id" = i64, Path, description = "the activity's id")),
    request_body = NewParticipant,
    responses((status = 201, body = Created), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
              (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub(crate) async fn add_participant(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let body = body_within_limit(body)?;
    let id = ActivityId(parse_id(&raw, "activity")?);
    let input: NewParticipant = json_body(&headers, &body)?;
    let chosen = input
        .organisation_id
        .map(|o| o.to_string())
        .unwrap_or_default();
    let cvr = input.cvr.unwrap_or_default();
    let role = input.role.unwrap_or_else(|| "participant".into());
    let mut errors = HashMap::new();
    let (organisation, role) = participant_of(
        &state.store,
        &Tr::new(Lang::En),
        &chosen,
        cvr.trim(),
        &role,
        &mut errors,
    )
    .await?;
    let (Some(organisation), Some(role)) = (organisation, role) else {
        return Err(invalid(&errors));
    };
    match add_new_participant(&staff, id, organisation, role).await? {
        Some(created) => {
            Ok((StatusCode::CREATED, axum::Json(Created { id: created.0 })).into_response())
        }
        None => Err(ApiError::new(
            StatusCode::CONFLICT,
            "conflict",
            format!(
                "organisation {} already takes part in activity {}",
                organisation.0, id.0
            ),
        )),
    }
}
