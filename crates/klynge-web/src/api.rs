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
use klynge_store::{OrganisationQuery, OrganisationSort, Principal};
use serde::{Deserialize, Serialize};
use utoipa::OpenApi;

use crate::AppState;
use crate::api_types::{
    ActivityDetail, ActivityItem, ClusterFiguresItem, ClusterFiguresList, ContactItem, Created,
    DashboardBody, Me, MemberBody, NewInteraction, OrganisationDetail, OrganisationItem, Page,
    ParticipantItem,
};
use crate::auth;
use crate::error::{ApiError, Problem};
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
        .merge(crate::api_crm::routes())
        .merge(crate::api_events::routes())
        .merge(crate::market_api::routes())
        .route("/api/v1/openapi.json", get(openapi_json))
        .merge(
            utoipa_swagger_ui::SwaggerUi::new("/api/v1/docs").config(
                utoipa_swagger_ui::Config::from("/api/v1/openapi.json").validator_url("none"),
            ),
        )
        .route("/api/v1/{*rest}", get(unknown).post(unknown))
}

/// The OpenAPI 3 document, generated from the handlers' annotations and the types in
/// `api_types`.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Klynge API",
        description = "The JSON API of Klynge. Authenticate with a personal API token made on the account page: \
                       `Authorization: Bearer <token>`. Every error is `application/problem+json`.",
    ),
    paths(me, dashboard, organisations, organisation, add_interaction, activities, activity, member, partner_clusters,
          crate::api_crm::contacts, crate::api_crm::add_contact, crate::api_crm::update_contact, crate::api_crm::delete_contact, crate::api_crm::follow_ups, crate::api_crm::referrals,
          crate::api_crm::offices, crate::api_crm::agreements, crate::api_crm::add_participant,
          crate::api_events::events, crate::api_events::event, crate::api_events::schedule),
    modifiers(&BearerToken),
    security(("token" = [])),
)]
pub struct ApiDoc;

struct BearerToken;

impl utoipa::Modify for BearerToken {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

async fn openapi_json() -> Response {
    let mut doc = ApiDoc::openapi();
    doc.merge(crate::market_api::MarketApiDoc::openapi());
    axum::Json(doc).into_response()
}

pub(crate) type ApiResult = Result<Response, ApiError>;

pub(crate) fn ok(value: impl Serialize) -> ApiResult {
    Ok((StatusCode::OK, axum::Json(value)).into_response())
}

pub(crate) async fn principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Principal, ApiError> {
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

/// The staff view of the token's user, or 401/403.
pub(crate) async fn staff_of(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<klynge_store::StaffView, ApiError> {
    principal(state, headers)
        .await?
        .staff(&state.store)
        .ok_or_else(ApiError::forbidden)
}

/// `offset` and `limit` of a list (default 0 and 50, at most 200), refusing any query
/// parameter not in `others`.
pub(crate) fn paging(fields: &forms::Fields, others: &[&str]) -> Result<(u32, u32), ApiError> {
    if let Some(k) = fields
        .keys()
        .find(|k| !["offset", "limit"].contains(&k.as_str()) && !others.contains(&k.as_str()))
    {
        let mut expected = vec!["offset", "limit"];
        expected.extend_from_slice(others);
        return Err(ApiError::bad_request(format!(
            "unknown query parameter {k:?}: expected {}",
            expected.join(", ")
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
    Ok((num("offset", 0, 10_000_000)?, num("limit", 50, 200)?.max(1)))
}

/// The request body, or 413 naming the limit.
pub(crate) fn body_within_limit(
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body too large",
            format!("{e}: expected at most {} bytes", crate::MAX_BODY_BYTES),
        )
    })
}

pub(crate) fn parse_id(raw: &str, what: &str) -> Result<i64, ApiError> {
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
        "no such API resource; see /api/v1/docs/ for the list",
    )
}

/// The signed-in account.
#[utoipa::path(get, path = "/api/v1/me", tag = "account",
    responses((status = 200, body = Me), (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn me(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let p = principal(&state, &headers).await?;
    let u = p.user();
    ok(Me {
        login: u.login.clone(),
        display_name: u.display_name.clone(),
        role: u.role.code().to_string(),
        cluster_id: u.cluster.map(|c| c.0),
        organisation_id: u.organisation.map(|o| o.0),
    })
}

/// The headline numbers of the caller's cluster (staff).
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "cluster",
    responses((status = 200, body = DashboardBody), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn dashboard(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let d = staff.dashboard().await?;
    ok(DashboardBody::new(staff.cluster_id().0, &d))
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

/// Searches the organisation registry (staff); a page at a time.
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations",
    params(
        ("name" = Option<String>, Query, description = "part of the name"),
        ("cvr" = Option<String>, Query, description = "a CVR number (8 digits)"),
        ("municipality" = Option<String>, Query, description = "a municipality's name or code"),
        ("region" = Option<String>, Query, description = "a region's name or code"),
        ("size" = Option<String>, Query, description = "micro, small, medium or large"),
        ("industry" = Option<String>, Query, description = "the first 1 to 6 digits of an industry code"),
        ("kind" = Option<String>, Query, description = "company, knowledge_institution, public_authority, municipality, region, business_hub, cluster_organisation, investor, industry_association or other"),
        ("members_only" = Option<bool>, Query, description = "only the cluster's members today"),
        ("sort" = Option<String>, Query, description = "name, cvr, municipality or employees"),
        ("desc" = Option<bool>, Query, description = "sort descending"),
        ("offset" = Option<u32>, Query, description = "where the page starts (default 0)"),
        ("limit" = Option<u32>, Query, description = "1 to 200 (default 50)"),
    ),
    responses((status = 200, body = Page<OrganisationItem>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn organisations(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let q = api_query(raw.as_deref())?;
    let page = staff.search_organisations(&q).await?;
    ok(Page {
        items: page.hits.iter().map(OrganisationItem::from).collect(),
        offset: q.offset,
        limit: q.limit,
        next_offset: page.has_more.then(|| q.offset + q.limit),
    })
}

/// One organisation with the caller's cluster's memberships, contacts, timeline and referrals.
#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations",
    params(("id" = i64, Path, description = "the organisation's id")),
    responses((status = 200, body = OrganisationDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn organisation(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let id = OrganisationId(parse_id(&raw, "organisation")?);
    let p = staff.organisation(id).await?;
    ok(OrganisationDetail {
        organisation: (&p.record).into(),
        municipality_name: p.municipality_name.clone(),
        memberships: p.memberships.iter().map(Into::into).collect(),
        contacts: p.contacts.iter().map(ContactItem::from).collect(),
        timeline: p.timeline.iter().map(Into::into).collect(),
        referrals: p.referrals.iter().map(Into::into).collect(),
    })
}

/// Parses a JSON body, naming what is wrong: syntax (400), type or unknown field (422).
pub(crate) fn json_body<T: for<'de> Deserialize<'de>>(
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

/// Records an interaction (dialogue) with an organisation in the caller's cluster.
#[utoipa::path(post, path = "/api/v1/organisations/{id}/interactions", tag = "organisations",
    params(("id" = i64, Path, description = "the organisation's id")),
    request_body = NewInteraction,
    responses((status = 201, body = Created), (status = 400, body = Problem), (status = 401, body = Problem),
              (status = 403, body = Problem), (status = 404, body = Problem), (status = 413, body = Problem),
              (status = 415, body = Problem), (status = 422, body = Problem)))]
async fn add_interaction(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let body = body_within_limit(body)?;
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

/// The caller's cluster's activities, newest first.
#[utoipa::path(get, path = "/api/v1/activities", tag = "activities",
    params(("offset" = Option<u32>, Query, description = "where the page starts (default 0)"),
           ("limit" = Option<u32>, Query, description = "1 to 200 (default 50)")),
    responses((status = 200, body = Page<ActivityItem>), (status = 400, body = Problem), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn activities(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let (offset, limit) = paging(&forms::from_query(raw.as_deref()), &[])?;
    let rows = staff.activities(offset, limit + 1).await?;
    ok(Page::<ActivityItem>::of(rows, offset, limit))
}

/// One activity of the caller's cluster with its participants.
#[utoipa::path(get, path = "/api/v1/activities/{id}", tag = "activities",
    params(("id" = i64, Path, description = "the activity's id")),
    responses((status = 200, body = ActivityDetail), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn activity(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
) -> ApiResult {
    let staff = staff_of(&state, &headers).await?;
    let id = ActivityId(parse_id(&raw, "activity")?);
    let (a, rows) = staff.activity(id).await?;
    ok(ActivityDetail {
        activity: (&a).into(),
        participants: rows.iter().map(ParticipantItem::from).collect(),
    })
}

/// A member contact's own organisation and its participations.
#[utoipa::path(get, path = "/api/v1/member", tag = "member",
    responses((status = 200, body = MemberBody), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn member(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let view = principal(&state, &headers)
        .await?
        .member(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let org = view.organisation().await?;
    let parts = view.participations().await?;
    ok(MemberBody {
        organisation: (&org).into(),
        participations: parts.iter().map(Into::into).collect(),
    })
}

/// Every cluster's aggregates (partners and the operator): counts, never rows.
#[utoipa::path(get, path = "/api/v1/partner/clusters", tag = "partner",
    responses((status = 200, body = ClusterFiguresList), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn partner_clusters(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let view = principal(&state, &headers)
        .await?
        .partner(&state.store)
        .ok_or_else(ApiError::forbidden)?;
    let rows = view.cluster_figures().await?;
    ok(ClusterFiguresList {
        items: rows.iter().map(ClusterFiguresItem::from).collect(),
    })
}
