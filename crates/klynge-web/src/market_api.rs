//! The marketplace's JSON API (issue 7): search and a post's recommendations. The audience
//! comes from the token's principal (staff and members by their cluster, everyone else the
//! public posts), so a search never returns a post its caller may not read.

use axum::Router;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::routing::get;
use klynge_domain::PostId;
use klynge_market::recommend::{Target, explain};
use klynge_market::{DocKey, Hit, Recommendation, SearchRequest, fragments_html};
use serde::Serialize;
use utoipa::{OpenApi, ToSchema};

use crate::AppState;
use crate::api::{ApiResult, ok, parse_id, principal};
use crate::api_types::Page;
use crate::error::{ApiError, Problem};
use crate::forms;
use crate::market_pages::today;

pub(crate) fn routes() -> Router<AppState> {
    Router::new()
        .route("/api/v1/market/search", get(search))
        .route(
            "/api/v1/market/posts/{id}/recommendations",
            get(recommendations),
        )
}

/// The marketplace's part of the OpenAPI document (merged into `ApiDoc`'s).
#[derive(OpenApi)]
#[openapi(paths(search, recommendations))]
pub struct MarketApiDoc;

/// A search result: a post (offer or need) or an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct MarketHitItem {
    /// `post` or `organisation`.
    #[serde(rename = "type")]
    pub kind_of_result: &'static str,
    pub id: i64,
    /// A post's title or an organisation's name.
    pub title: String,
    /// For a post: `offer` or `need`.
    pub direction: Option<String>,
    /// A post kind (technology, business_partnership, …) or an organisation kind (company, …).
    pub kind: String,
    pub organisation_id: i64,
    pub organisation_name: String,
    /// Region code.
    pub region: Option<String>,
    pub themes: Vec<String>,
    /// The matching passage as HTML: the text escaped, the matched words in `<b>`.
    pub snippet_html: String,
    pub score: f32,
}

impl From<&Hit> for MarketHitItem {
    fn from(h: &Hit) -> Self {
        let (kind_of_result, id) = match h.key {
            DocKey::Post(id) => ("post", id.0),
            DocKey::Organisation(id) => ("organisation", id.0),
        };
        MarketHitItem {
            kind_of_result,
            id,
            title: h.title.clone(),
            direction: h.facts.direction.map(|d| d.code().to_string()),
            kind: h.facts.kind.clone(),
            organisation_id: h.facts.organisation.0,
            organisation_name: h.facts.org_name.clone(),
            region: h.facts.region.clone(),
            themes: h.facts.themes.clone(),
            snippet_html: fragments_html(&h.snippet),
            score: h.score,
        }
    }
}

/// A recommendation with the reasons shown to people.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationItem {
    /// `post` or `organisation`.
    #[serde(rename = "type")]
    pub kind_of_result: &'static str,
    pub id: i64,
    pub title: String,
    pub organisation_id: Option<i64>,
    pub organisation_name: String,
    pub score: f32,
    /// Each reason as a sentence part ("your need ‘X’ matches their offer ‘Y’").
    pub reasons: Vec<String>,
    /// All reasons as one sentence.
    pub explanation: String,
}

/// The best matches for a post.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecommendationsBody {
    pub post_id: i64,
    /// Posts of the other direction (offers for a need, needs for an offer).
    pub posts: Vec<RecommendationItem>,
    pub organisations: Vec<RecommendationItem>,
}

fn item(r: &Recommendation, lang: klynge_market::Lang) -> RecommendationItem {
    let (kind_of_result, id) = match r.target {
        Target::Post(id) => ("post", id.0),
        Target::Organisation(id) => ("organisation", id.0),
    };
    RecommendationItem {
        kind_of_result,
        id,
        title: r.title.clone(),
        organisation_id: r.organisation.map(|o| o.0),
        organisation_name: r.org_name.clone(),
        score: r.score,
        reasons: r.reasons.iter().map(|x| x.describe(lang)).collect(),
        explanation: explain(&r.reasons, lang),
    }
}

const SEARCH_PARAMS: [&str; 10] = [
    "q", "scope", "kind", "region", "size", "industry", "cluster", "theme", "offset", "limit",
];

fn number(
    fields: &forms::Fields,
    name: &str,
    default: usize,
    range: std::ops::RangeInclusive<usize>,
) -> Result<usize, ApiError> {
    match fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(default),
        Some(v) => v
            .parse::<usize>()
            .ok()
            .filter(|n| range.contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(format!(
                    "invalid {name} {v:?}: expected a whole number from {} to {}",
                    range.start(),
                    range.end()
                ))
            }),
    }
}

/// Searches organisations and offers and needs in Danish and English: stemming, typo
/// tolerance (one edit from five letters, two from ten), "quoted phrases" and `prefix*`.
/// Search-syntax characters only separate words, so no text is an error; an unknown
/// parameter or filter value is a 400 naming what was expected.
#[utoipa::path(get, path = "/api/v1/market/search", tag = "market",
    params(
        ("q" = Option<String>, Query, description = "search text (at most 500 characters); empty lists what the filters admit"),
        ("scope" = Option<String>, Query, description = "all (default), posts, offers, needs or organisations"),
        ("kind" = Option<String>, Query, description = "a post kind (technology, business_partnership, research_cooperation, investment, public_demand, other) or an organisation kind (company, knowledge_institution, …)"),
        ("region" = Option<String>, Query, description = "a region's name or code"),
        ("size" = Option<String>, Query, description = "micro, small, medium or large"),
        ("industry" = Option<String>, Query, description = "an industry code or its beginning, 2 to 6 digits"),
        ("cluster" = Option<i64>, Query, description = "posts made through this cluster; organisations that are members of it (your own cluster only)"),
        ("theme" = Option<String>, Query, description = "a theme, e.g. circular-economy"),
        ("offset" = Option<usize>, Query, description = "where the page starts (default 0, at most 1000)"),
        ("limit" = Option<usize>, Query, description = "1 to 100 (default 20)"),
    ),
    responses((status = 200, body = Page<MarketHitItem>), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json")))]
async fn search(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> ApiResult {
    let p = principal(&state, &headers).await?;
    let audience = p.market(&state.store).audience();
    let fields = forms::from_query(raw.as_deref());
    if let Some(unknown) = fields.keys().find(|k| !SEARCH_PARAMS.contains(&k.as_str())) {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter {unknown:?}: expected one of {}",
            SEARCH_PARAMS.join(", ")
        )));
    }
    let offset = number(&fields, "offset", 0, 0..=1000)?;
    let limit = number(&fields, "limit", 20, 1..=100)?;
    let pairs = fields
        .iter()
        .filter(|(k, _)| !["offset", "limit"].contains(&k.as_str()))
        .map(|(k, v)| (k.as_str(), v.as_str()));
    let mut r = SearchRequest::from_pairs(pairs, today())
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    r.offset = offset;
    r.limit = limit;
    state
        .market
        .wait_ready(std::time::Duration::from_secs(3))
        .await;
    let results = state.market.index().search(audience, &r).map_err(|e| {
        tracing::error!(cause = %e, "market search failed");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "an error occurred on the server; it has been logged",
        )
    })?;
    // Offsets and limits are bounded above, so they fit in u32.
    let as_u32 = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    ok(Page {
        items: results.hits.iter().map(MarketHitItem::from).collect(),
        offset: as_u32(offset),
        limit: as_u32(limit),
        next_offset: results.has_more.then(|| as_u32(offset + limit)),
    })
}

/// For a post the caller may read: the best posts of the other direction and the best
/// organisations, each with its reasons (in Danish with `lang=da`).
#[utoipa::path(get, path = "/api/v1/market/posts/{id}/recommendations", tag = "market",
    params(("id" = i64, Path, description = "the post's id"),
           ("lang" = Option<String>, Query, description = "language of the reasons: en (default) or da"),
           ("limit" = Option<usize>, Query, description = "1 to 50 of each (default 10)")),
    responses((status = 200, body = RecommendationsBody), (status = 400, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json")))]
async fn recommendations(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(raw): Path<String>,
    RawQuery(query): RawQuery,
) -> ApiResult {
    let p = principal(&state, &headers).await?;
    let view = p.market(&state.store);
    let fields = forms::from_query(query.as_deref());
    if let Some(unknown) = fields
        .keys()
        .find(|k| !["lang", "limit"].contains(&k.as_str()))
    {
        return Err(ApiError::bad_request(format!(
            "unknown query parameter {unknown:?}: expected lang or limit"
        )));
    }
    let lang = match fields.get("lang").map(|v| v.trim()) {
        None | Some("") | Some("en") => klynge_market::Lang::En,
        Some("da") => klynge_market::Lang::Da,
        Some(v) => {
            return Err(ApiError::bad_request(format!(
                "invalid lang {v:?}: expected en or da"
            )));
        }
    };
    let limit = number(&fields, "limit", 10, 1..=50)?;
    let id = PostId(parse_id(&raw, "post")?);
    let record = view.post(id).await?;
    let org = state.store.organisation(record.post.organisation).await?;
    let doc = klynge_market::PostDoc::new(
        &record,
        klynge_market::OrgFacts::from(&klynge_store::MarketOrganisation {
            record: org,
            member_of: Vec::new(),
        }),
    );
    state
        .market
        .wait_ready(std::time::Duration::from_secs(3))
        .await;
    let seed = klynge_market::Seed::from_post(&doc, today());
    let (posts, orgs) = klynge_market::recommend_for_post(
        state.market.index(),
        view.audience(),
        &seed,
        today(),
        limit,
    )
    .map_err(|e| {
        tracing::error!(cause = %e, "market recommendations failed");
        ApiError::new(
            axum::http::StatusCode::INTERNAL_SERVER_ERROR,
            "internal error",
            "an error occurred on the server; it has been logged",
        )
    })?;
    ok(RecommendationsBody {
        post_id: id.0,
        posts: posts.iter().map(|r| item(r, lang)).collect(),
        organisations: orgs.iter().map(|r| item(r, lang)).collect(),
    })
}
