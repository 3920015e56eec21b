//! The JSON API under `/api/v1`. Authentication by per-user API token
//! (`Authorization: Bearer …`, created on the account page); the same role views as the
//! pages. Every failure is `application/problem+json`: malformed JSON, wrong types and
//! unknown fields are 400/422 naming the problem, an oversized body 413, never a 500.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::NaiveDate;
use klynge_domain::{
    ActivityId, Cvr, Interaction, InteractionKind, Municipality, Name, OrganisationId,
    OrganisationKind, Region, SizeClass, parse_date,
};
use klynge_store::{OrganisationQuery, OrganisationSort, Principal, TimelineEntry};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::AppState;
use crate::auth;
use crate::error::ApiError;
use crate::forms;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/me", get(me))
        .route("/api/v1/dashboard", get(dashboard))
        .route("/api/v1/organisations", get(organisations))
        .route("/api/v1/organisations/{id}", get(organisation))
        .route(
            "/api/v1/organisations/{id}/interactions",
            axum::routing::post(add_interaction),
        )
        .route("/api/v1/activities", get(activities))
        .route("/api/v1/activities/{id}", get(activity))
        .route("/api/v1/member", get(member))
        .route("/api/v1/partner/clusters", get(partner_clusters))
        .route("/api/v1/{*rest}", get(unknown).post(unknown))
}

type ApiResult = Result<Response, ApiError>;

fn ok(value: Value) -> ApiResult {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

async fn principal(state: &AppState, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        .ok_or_else(ApiError::unauthorized)?;
    state
        .store
        .api_principal(&auth::digest(token))
        .await?
        .ok_or_else(ApiError::unauthorized)
}

fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
    raw.parse::<i64>().ok().filter(|n| *n > 0).ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "not found",
            format!("{what} id {raw:?} is not a positive whole number"),
        )
    })
}

async fn unknown() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not found",
        "no such API resource; see /api/v1/ for the list",
    )
}

async fn me(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let p = principal(&state, &headers).await?;
    let u = p.user();
    ok(json!({
        "login": u.login,
        "display_name": u.display_name,
        "role": u.role.code(),
        "cluster_id": u.cluster.map(|c| c.0),
        "organisation_id": u.organisation.map(|o| o.0),
    }))
}

async fn dashboard(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let d = staff.dashboard().await?;
    ok(json!({
        "cluster_id": staff.cluster_id().0,
        "members_now": d.members_now,
        "contacts": d.contacts,
        "activities": d.activities,
        "published_activities": d.published_activities,
        "participations": d.participations,
        "participating_organisations": d.participating_organisations,
        "interactions_last_90_days": d.interactions_last_90_days,
        "open_follow_ups": d.open_follow_ups,
    }))
}

const SEARCH_PARAMS: [&str; 12] = [
    "name",
    "cvr",
    "municipality",
    "region",
    "size",
    "industry",
    "kind",
    "members_only",
    "sort",
    "desc",
    "offset",
    "limit",
];

/// Reads the search parameters strictly: an unknown parameter or a value that does not
/// parse is a 400 naming it.
fn api_query(raw: Option<&str>) -> Result<OrganisationQuery, ApiError> {
    let fields = forms::from_query(raw);
    if let Some(unknown) = fields.keys().find(|k| !SEARCH_PARAMS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter {unknown:?}: expected one of {}",
            SEARCH_PARAMS.join(", ")
        )));
    }
    let get = |k: &str| fields.get(k).map(|v| v.trim()).filter(|v| !v.is_empty());
    let bad = |k: &str, v: &str, expected: &str| {
        ApiError::bad_request(format!("invalid {k} {v:?}: expected {expected}"))
    };
    let flag = |k: &str| -> Result<bool, ApiError> {
        match get(k) {
            None | Some("false") | Some("0") => Ok(false),
            Some("true") | Some("1") => Ok(true),
            Some(v) => Err(bad(k, v, "true or false")),
        }
    };
    let mut q = OrganisationQuery {
        limit: 50,
        ..OrganisationQuery::default()
    };
    if let Some(v) = get("name") {
        q.name = Some(Name::parse(v).map_err(|e| bad("name", v, &e.to_string()))?);
    }
    if let Some(v) = get("cvr") {
        q.cvr = Some(Cvr::parse(v).map_err(|e| ApiError::bad_request(e.to_string()))?);
    }
    if let Some(v) = get("municipality") {
        q.municipality = Some(
            Municipality::find(v)
                .map_err(|e| ApiError::bad_request(e.to_string()))?
                .code,
        );
    }
    if let Some(v) = get("region") {
        q.region = Some(Region::parse(v).map_err(|e| ApiError::bad_request(e.to_string()))?);
    }
    if let Some(v) = get("size") {
        q.size = Some(
            SizeClass::from_code(v).map_err(|_| bad("size", v, "micro, small, medium or large"))?,
        );
    }
    if let Some(v) = get("industry") {
        if !v.bytes().all(|b| b.is_ascii_digit()) || v.len() > 6 {
            return Err(bad("industry", v, "1 to 6 digits of an industry code"));
        }
        q.industry = Some(v.to_string());
    }
    if let Some(v) = get("kind") {
        q.kind =
            Some(OrganisationKind::from_code(v).map_err(|e| ApiError::bad_request(e.to_string()))?);
    }
    q.members_only = flag("members_only")?;
    q.descending = flag("desc")?;
    if let Some(v) = get("sort") {
        q.sort = OrganisationSort::parse(v)
            .ok_or_else(|| bad("sort", v, "name, cvr, municipality or employees"))?;
    }
    if let Some(v) = get("offset") {
        q.offset = v
            .parse::<u32>()
            .ok()
            .filter(|o| *o <= 10_000_000)
            .ok_or_else(|| bad("offset", v, "a whole number from 0"))?;
    }
    if let Some(v) = get("limit") {
        q.limit = v
            .parse::<u32>()
            .ok()
            .filter(|l| (1..=200).contains(l))
            .ok_or_else(|| bad("limit", v, "a whole number from 1 to 200"))?;
    }
    Ok(q)
}

async fn organisations(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let q = api_query(raw.as_deref())?;
    let page = staff.search_organisations(&q).await?;
    let items: Vec<Value> = page
        .hits
        .iter()
        .map(|h| {
            json!({
                "id": h.id.0, "name": h.name, "kind": h.kind, "cvr": h.cvr,
                "municipality": h.municipality, "employees_min": h.employees_min,
                "employees_max": h.employees_max, "industry_code": h.industry_code,
                "member": h.member,
            })
        })
        .collect();
    let next_offset = page.has_more.then(|| q.offset + q.limit);
    ok(json!({ "items": items, "offset": q.offset, "limit": q.limit, "next_offset": next_offset }))
}

async fn organisation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let id = OrganisationId(parse_id(&raw, "organisation")?);
    let p = staff.organisation(id).await?;
    let timeline: Vec<Value> = p
        .timeline
        .iter()
        .map(|e| match e {
            TimelineEntry::Interaction {
                id,
                on,
                kind,
                subject,
                notes,
                follow_up_on,
            } => json!({"type": "interaction", "id": id.0, "on": on, "kind": kind,
                        "subject": subject, "notes": notes, "follow_up_on": follow_up_on}),
            TimelineEntry::Participation {
                activity,
                on,
                title,
                role,
            } => json!({"type": "participation", "activity_id": activity.0, "on": on,
                        "title": title, "role": role}),
        })
        .collect();
    ok(json!({
        "organisation": p.record,
        "municipality_name": p.municipality_name,
        "memberships": p.memberships.iter().map(|m| json!({"valid_from": m.valid_from, "valid_to": m.valid_to, "fee_tier": m.fee_tier})).collect::<Vec<_>>(),
        "contacts": p.contacts.iter().map(|c| json!({"id": c.id.0, "name": c.name, "email": c.email, "job_title": c.job_title})).collect::<Vec<_>>(),
        "timeline": timeline,
        "referrals": p.referrals.iter().map(|r| json!({"referred_on": r.referred_on, "target": r.target, "note": r.note})).collect::<Vec<_>>(),
    }))
}

/// The body of `POST /api/v1/organisations/{id}/interactions`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewInteraction {
    kind: String,
    occurred_on: String,
    subject: String,
    #[serde(default)]
    notes: String,
    #[serde(default)]
    follow_up_on: Option<String>,
}

/// Parses a JSON body, naming what is wrong: syntax (400), type or unknown field (422).
fn json_body<T: for<'de> Deserialize<'de>>(
    headers: &HeaderMap,
    body: &Bytes,
) -> Result<T, ApiError> {
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if !content_type.starts_with("application/json") {
        return Err(ApiError::new(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported media type",
            format!("content type {content_type:?}: expected application/json"),
        ));
    }
    serde_json::from_slice(body).map_err(|e| {
        use serde_json::error::Category;
        match e.classify() {
            Category::Data => ApiError::unprocessable(format!("invalid content: {e}")),
            Category::Syntax | Category::Eof | Category::Io => {
                ApiError::bad_request(format!("malformed JSON: {e}"))
            }
        }
    })
}

#[derive(Serialize)]
struct Created {
    id: i64,
}

async fn add_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let body = body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large",
            format!("{e}: expected at most {} bytes", crate::MAX_BODY_BYTES),
        )
    })?;
    let id = OrganisationId(parse_id(&raw, "organisation")?);
    let input: NewInteraction = json_body(&headers, &body)?;
    let kind = InteractionKind::from_code(&input.kind)
        .map_err(|e| ApiError::unprocessable(format!("kind: {e}")))?;
    let date = |field: &str, v: &str| -> Result<NaiveDate, ApiError> {
        parse_date(v).map_err(|e| ApiError::unprocessable(format!("{field}: {e}")))
    };
    let occurred_on = date("occurred_on", &input.occurred_on)?;
    let follow_up_on = input
        .follow_up_on
        .as_deref()
        .map(|v| date("follow_up_on", v))
        .transpose()?;
    if follow_up_on.is_some_and(|f| f < occurred_on) {
        return Err(ApiError::unprocessable(
            "follow_up_on: expected a day on or after occurred_on",
        ));
    }
    if input.subject.chars().count() > 200 || input.notes.chars().count() > 10_000 {
        return Err(ApiError::unprocessable(
            "subject or notes too long: expected at most 200 and 10,000 characters",
        ));
    }
    let subject = Name::parse(&input.subject)
        .map_err(|e| ApiError::unprocessable(format!("subject: {e}")))?;
    let created = staff
        .record_interaction(&Interaction {
            cluster: staff.cluster_id(),
            organisation: id,
            person: None,
            kind,
            occurred_on,
            subject,
            notes: input.notes,
            follow_up_on,
        })
        .await?;
    Ok((StatusCode::CREATED, axum::Json(Created { id: created.0 })).into_response())
}

async fn activities(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let fields = forms::from_query(raw.as_deref());
    if let Some(k) = fields
        .keys()
        .find(|k| !["offset", "limit"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter {k:?}: expected offset or limit"
        )));
    }
    let num = |k: &str, default: u32, max: u32| -> Result<u32, ApiError> {
        match fields.get(k) {
            None => Ok(default),
            Some(v) => v.parse::<u32>().ok().filter(|n| *n <= max).ok_or_else(|| {
                ApiError::bad_request(format!("invalid {k} {v:?}: expected 0 to {max}"))
            }),
        }
    };
    let offset = num("offset", 0, 10_000_000)?;
    let limit = num("limit", 50, 200)?.max(1);
    let mut rows = staff.activities(offset, limit + 1).await?;
    let has_more = rows.len() > limit as usize;
    rows.truncate(limit as usize);
    let items: Vec<Value> = rows
        .iter()
        .map(|a| json!({"id": a.id.0, "title": a.title, "activity_type": a.activity_type,
                        "starts_on": a.starts_on, "published": a.published, "participants": a.participants}))
        .collect();
    ok(json!({"items": items, "offset": offset, "limit": limit,
              "next_offset": has_more.then(|| offset + limit)}))
}

async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let staff = principal(&state, &headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let id = ActivityId(parse_id(&raw, "activity")?);
    let (a, rows) = staff.activity(id).await?;
    ok(json!({
        "activity": a,
        "participants": rows.iter().map(|r| json!({"organisation_id": r.organisation.0,
            "organisation_name": r.organisation_name, "role": r.role, "person": r.person})).collect::<Vec<_>>(),
    }))
}

async fn member(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let view = principal(&state, &headers)
        .await?
        .member(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let org = view.organisation().await?;
    let parts = view.participations().await?;
    ok(json!({
        "organisation": org,
        "participations": parts.iter().map(|p| json!({"activity_title": p.activity_title,
            "starts_on": p.starts_on, "role": p.role})).collect::<Vec<_>>(),
    }))
}

async fn partner_clusters(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let view = principal(&state, &headers)
        .await?
        .partner(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let rows = view.cluster_figures().await?;
    ok(json!({
        "items": rows.iter().map(|c| json!({"name": c.name, "members_now": c.members_now,
            "activities": c.activities, "participations": c.participations,
            "participating_organisations": c.participating_organisations})).collect::<Vec<_>>(),
    }))
}
