//! The marketplace's pages (issue 7): search over organisations and posts, a post with its
//! recommendations and their reasons, the post form for a member contact (own organisation)
//! or staff (any organisation, through their cluster), moderation by the cluster's staff, and
//! "whom to meet" on the organisation and member pages.
//!
//! Who reads what is decided by the principal's [`MarketView`] (its audience goes into every
//! search); a post the reader may not read is a 404. Texts are shown escaped everywhere;
//! snippets are pieces of text rendered by the template, highlights in our own `<b>`.

use std::collections::HashMap;
use std::time::Duration;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::NaiveDate;
use klynge_domain::{
    Audience, ClusterId, OrganisationId, OrganisationKind, OrganisationRecord, Post, PostDirection,
    PostId, PostKind, PostStatus, PostText, Region, SizeClass, Visibility, parse_date,
};
use klynge_market::recommend::{Target, explain};
use klynge_market::{
    DocKey, Fragment, Hit, MarketError, OrgFacts, PostDoc, Recommendation, Scope, SearchRequest,
    Seed, recommend_for_organisation, recommend_for_post,
};
use klynge_store::{MarketOrganisation, MarketView, MemberView, PostRecord, StaffView};

use crate::context::Ctx;
use crate::error::PageError;
use crate::forms;
use crate::i18n::{Lang, Tr};
use crate::pages::{Chrome, Pager, parse_id, render, see_other};

pub(crate) fn today() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

pub(crate) fn market_lang(lang: Lang) -> klynge_market::Lang {
    match lang {
        Lang::Da => klynge_market::Lang::Da,
        Lang::En => klynge_market::Lang::En,
    }
}

/// What the request's reader may see of the marketplace: the principal's view, or the public
/// one without a session.
pub(crate) fn market_view(ctx: &Ctx) -> MarketView {
    match ctx.session.as_ref() {
        Some(s) => s.principal.market(&ctx.state.store),
        None => MarketView::public(&ctx.state.store),
    }
}

fn index_failed(e: MarketError, lang: Lang) -> PageError {
    PageError::Internal(format!("market index: {e}"), lang)
}

/// How long a search right after start waits for the first build of the index.
const WAIT_FOR_INDEX: Duration = Duration::from_secs(3);
/// Results per page of the search.
const SEARCH_PAGE: usize = 20;
/// Highest page of the search (the index reads at most this many pages deep).
const MAX_SEARCH_PAGE: usize = 50;
/// Recommendations shown on a page.
const SHOWN: usize = 8;

// ----- labels -----

fn post_label(t: &Tr, direction: Option<PostDirection>, kind: &str) -> String {
    let direction = direction
        .map(|d| t.label("market-direction", d.code()))
        .unwrap_or_default();
    format!("{direction} · {}", t.label("market-kind", kind))
}

fn choices(t: &Tr, prefix: &str, codes: impl IntoIterator<Item = &'static str>) -> Vec<Choice> {
    codes
        .into_iter()
        .map(|c| Choice {
            code: c.to_string(),
            label: t.label(prefix, c),
        })
        .collect()
}

/// An option of a select.
pub struct Choice {
    pub code: String,
    pub label: String,
}

fn region_choices(lang: Lang) -> Vec<Choice> {
    Region::in_force_on(today())
        .map(|r| Choice {
            code: r.code().to_string(),
            label: match lang {
                Lang::Da => r.name_da(),
                Lang::En => r.name_en(),
            }
            .to_string(),
        })
        .collect()
}

fn region_name(code: &str, lang: Lang) -> String {
    Region::parse(code)
        .map(|r| match lang {
            Lang::Da => r.name_da().to_string(),
            Lang::En => r.name_en().to_string(),
        })
        .unwrap_or_default()
}

// ----- recommendations as shown -----

/// A recommendation ready to show: what it is, where it links, and why.
pub struct RecView {
    pub href: Option<String>,
    pub title: String,
    pub org_name: String,
    pub why: String,
}

pub(crate) fn rec_views(recs: &[Recommendation], lang: Lang, staff: bool) -> Vec<RecView> {
    recs.iter()
        .map(|r| {
            let href = match r.target {
                Target::Post(id) => Some(format!("/market/posts/{}", id.0)),
                // The organisation page is the staff's.
                Target::Organisation(id) => staff.then(|| format!("/organisations/{}", id.0)),
            };
            RecView {
                href,
                title: r.title.clone(),
                org_name: r.org_name.clone(),
                why: explain(&r.reasons, market_lang(lang)),
            }
        })
        .collect()
}

fn org_facts(record: OrganisationRecord) -> OrgFacts {
    OrgFacts::from(&MarketOrganisation {
        record,
        member_of: Vec::new(),
    })
}

/// "Whom to meet" for an organisation, within what `audience` may read.
pub(crate) async fn whom_to_meet(
    ctx: &Ctx,
    audience: Audience,
    record: &OrganisationRecord,
) -> Result<Vec<RecView>, PageError> {
    let market = &ctx.state.market;
    market.wait_ready(WAIT_FOR_INDEX).await;
    let facts = org_facts(record.clone());
    let recs = recommend_for_organisation(market.index(), audience, &facts, today(), SHOWN)
        .map_err(|e| index_failed(e, ctx.lang))?;
    Ok(rec_views(
        &recs,
        ctx.lang,
        matches!(audience, Audience::Staff(_)),
    ))
}

/// The best matches for a post: posts of the other direction and organisations.
pub(crate) async fn recommendations_for(
    ctx: &Ctx,
    audience: Audience,
    record: &PostRecord,
    limit: usize,
) -> Result<(Vec<Recommendation>, Vec<Recommendation>), PageError> {
    let org = ctx
        .state
        .store
        .organisation(record.post.organisation)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let doc = PostDoc::new(record, org_facts(org));
    let market = &ctx.state.market;
    market.wait_ready(WAIT_FOR_INDEX).await;
    let seed = Seed::from_post(&doc, today());
    recommend_for_post(market.index(), audience, &seed, today(), limit)
        .map_err(|e| index_failed(e, ctx.lang))
}

// ----- search -----

/// The search form as typed, with messages at the fields that did not parse.
#[derive(Default)]
pub struct MarketForm {
    pub q: String,
    pub scope: String,
    pub kind: String,
    pub region: String,
    pub size: String,
    pub industry: String,
    pub cluster: String,
    pub theme: String,
    pub page: usize,
    pub errors: HashMap<&'static str, String>,
}

const FILTERS: [&str; 7] = [
    "scope", "kind", "region", "size", "industry", "cluster", "theme",
];

impl MarketForm {
    fn value(&self, name: &str) -> &str {
        match name {
            "scope" => &self.scope,
            "kind" => &self.kind,
            "region" => &self.region,
            "size" => &self.size,
            "industry" => &self.industry,
            "cluster" => &self.cluster,
            "theme" => &self.theme,
            _ => "",
        }
    }

    fn link(&self, page: usize) -> String {
        let mut s = format!("/market?q={}", forms::encode(&self.q));
        for name in FILTERS {
            let v = self.value(name);
            if !v.is_empty() {
                s.push_str(&format!("&{name}={}", forms::encode(v)));
            }
        }
        s.push_str(&format!("&page={page}"));
        s
    }
}

/// Reads the search form: each filter is checked on its own so that a bad one gets its
/// message at its field; names the form does not have are ignored.
fn read_search(fields: &forms::Fields, t: &Tr) -> (MarketForm, Option<SearchRequest>) {
    let mut f = MarketForm {
        q: fields
            .get("q")
            .map(|v| v.trim().chars().take(500).collect())
            .unwrap_or_default(),
        scope: forms::text(fields, "scope"),
        kind: forms::text(fields, "kind"),
        region: forms::text(fields, "region"),
        size: forms::text(fields, "size"),
        industry: forms::text(fields, "industry"),
        cluster: forms::text(fields, "cluster"),
        theme: forms::text(fields, "theme"),
        page: 1,
        errors: HashMap::new(),
    };
    let page = forms::text(fields, "page");
    if !page.is_empty() {
        match page.parse::<usize>() {
            Ok(p) if (1..=MAX_SEARCH_PAGE).contains(&p) => f.page = p,
            _ => {
                f.errors.insert(
                    "page",
                    t.with("market-page-invalid", "max", &MAX_SEARCH_PAGE.to_string()),
                );
            }
        }
    }
    let day = today();
    for name in FILTERS {
        let value = f.value(name).to_string();
        if value.is_empty() {
            continue;
        }
        if SearchRequest::from_pairs([(name, value.as_str())], day).is_err() {
            let key = match name {
                "industry" => "market-industry-invalid",
                "theme" => "market-theme-invalid",
                _ => "market-filter-invalid",
            };
            f.errors.insert(name, t.with(key, "value", &value));
        }
    }
    if !f.errors.is_empty() {
        return (f, None);
    }
    let pairs: Vec<(&str, &str)> = std::iter::once(("q", f.q.as_str()))
        .chain(FILTERS.iter().map(|n| (*n, f.value(n))))
        .collect();
    match SearchRequest::from_pairs(pairs, day) {
        Ok(mut r) => {
            r.limit = SEARCH_PAGE;
            r.offset = (f.page - 1) * SEARCH_PAGE;
            (f, Some(r))
        }
        Err(_) => {
            // The only combined rule: an organisation kind with a scope of posts.
            f.errors.insert("kind", t.get("market-kind-scope"));
            (f, None)
        }
    }
}

/// A search result ready to show.
pub struct HitView {
    pub href: Option<String>,
    pub title: String,
    pub label: String,
    pub org_name: String,
    pub region: String,
    pub snippet: Vec<Fragment>,
    pub is_post: bool,
}

fn hit_view(h: &Hit, t: &Tr, lang: Lang, staff: bool) -> HitView {
    let region = h
        .facts
        .region
        .as_deref()
        .map(|r| region_name(r, lang))
        .unwrap_or_default();
    match h.key {
        DocKey::Post(id) => HitView {
            href: Some(format!("/market/posts/{}", id.0)),
            title: h.title.clone(),
            label: post_label(t, h.facts.direction, &h.facts.kind),
            org_name: h.facts.org_name.clone(),
            region,
            snippet: h.snippet.clone(),
            is_post: true,
        },
        DocKey::Organisation(id) => HitView {
            href: staff.then(|| format!("/organisations/{}", id.0)),
            title: h.title.clone(),
            label: t.label("market-orgkind", &h.facts.kind),
            org_name: String::new(),
            region,
            snippet: Vec::new(),
            is_post: false,
        },
    }
}

#[derive(Template)]
#[template(path = "market.html")]
struct SearchPage {
    chrome: Chrome,
    f: MarketForm,
    searched: bool,
    hits: Vec<HitView>,
    scopes: Vec<Choice>,
    post_kinds: Vec<Choice>,
    org_kinds: Vec<Choice>,
    regions: Vec<Choice>,
    sizes: Vec<Choice>,
    clusters: Vec<Choice>,
    pager: Pager,
    may_post: bool,
    is_staff: bool,
    building: bool,
}

pub async fn search(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let t = ctx.tr();
    let view = market_view(&ctx);
    let audience = view.audience();
    let fields = forms::from_query(raw.as_deref());
    let (f, request) = read_search(&fields, &t);
    let market = &ctx.state.market;
    market.wait_ready(WAIT_FOR_INDEX).await;
    let is_staff = matches!(audience, Audience::Staff(_));
    let (hits, has_more) = match &request {
        Some(r) => {
            let results = market
                .index()
                .search(audience, r)
                .map_err(|e| index_failed(e, ctx.lang))?;
            (
                results
                    .hits
                    .iter()
                    .map(|h| hit_view(h, &t, ctx.lang, is_staff))
                    .collect(),
                results.has_more && f.page < MAX_SEARCH_PAGE,
            )
        }
        None => (Vec::new(), false),
    };
    let clusters = ctx
        .state
        .store
        .clusters()
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?
        .into_iter()
        .map(|c| Choice {
            code: c.id.0.to_string(),
            label: c.cluster.name.as_str().to_string(),
        })
        .collect();
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let pager = Pager::new(f.page as u32, has_more, |p| f.link(p as usize));
    Ok(render(
        &ctx,
        status,
        SearchPage {
            chrome: ctx.chrome("/market"),
            searched: request.is_some(),
            hits,
            scopes: choices(&t, "market-scope", Scope::ALL.iter().map(|s| s.code())),
            post_kinds: choices(&t, "market-kind", PostKind::ALL.iter().map(|k| k.code())),
            org_kinds: choices(
                &t,
                "market-orgkind",
                OrganisationKind::ALL.iter().map(|k| k.code()),
            ),
            regions: region_choices(ctx.lang),
            sizes: SizeClass::ALL
                .iter()
                .map(|s| Choice {
                    code: s.code().to_string(),
                    label: t.label("size", s.code()),
                })
                .collect(),
            clusters,
            pager,
            may_post: matches!(audience, Audience::Staff(_) | Audience::Member(..)),
            is_staff,
            building: !market.is_ready(),
            f,
        },
    ))
}

// ----- one post -----

#[derive(Template)]
#[template(path = "market_post.html")]
struct PostPage {
    chrome: Chrome,
    id: i64,
    post: Post,
    organisation_name: String,
    label: String,
    status: String,
    visibility: String,
    expires: String,
    themes: String,
    countries: String,
    may_edit: bool,
    may_moderate: bool,
    statuses: Vec<Choice>,
    posts: Vec<RecView>,
    organisations: Vec<RecView>,
}

pub async fn post_page(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let id = PostId(parse_id(&raw, ctx.lang)?);
    let view = market_view(&ctx);
    let audience = view.audience();
    let record = view
        .post(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let t = ctx.tr();
    let (posts, organisations) = recommendations_for(&ctx, audience, &record, SHOWN).await?;
    let staff = matches!(audience, Audience::Staff(_));
    let p = &record.post;
    Ok(render(
        &ctx,
        StatusCode::OK,
        PostPage {
            chrome: ctx.chrome("/market"),
            id: id.0,
            organisation_name: record.organisation_name.clone(),
            label: post_label(&t, Some(p.direction), p.kind.code()),
            status: t.label("market-status", p.status.code()),
            visibility: t.label("market-visibility", p.visibility.code()),
            expires: t.opt_date(&p.expires_on),
            themes: p
                .themes
                .iter()
                .map(|t| t.as_str().replace('-', " "))
                .collect::<Vec<_>>()
                .join(", "),
            countries: p
                .countries
                .iter()
                .map(|c| c.as_str().to_string())
                .collect::<Vec<_>>()
                .join(", "),
            may_edit: view.may_edit(p),
            may_moderate: audience == Audience::Staff(p.cluster),
            statuses: choices(
                &t,
                "market-status",
                PostStatus::ALL.iter().map(|s| s.code()),
            ),
            posts: rec_views(&posts, ctx.lang, staff),
            organisations: rec_views(&organisations, ctx.lang, staff),
            post: record.post,
        },
    ))
}

// ----- the post form -----

/// Who is writing a post: staff for any organisation through their cluster, or a member
/// contact for its own organisation.
enum Editor {
    Staff(StaffView),
    Member(MemberView),
}

fn editor(ctx: &Ctx) -> Result<Editor, PageError> {
    let p = ctx.principal()?;
    if let Some(s) = p.staff(&ctx.state.store) {
        return Ok(Editor::Staff(s));
    }
    p.member(&ctx.state.store)
        .map(Editor::Member)
        .ok_or(PageError::Forbidden)
}

impl Editor {
    fn cluster(&self) -> ClusterId {
        match self {
            Editor::Staff(s) => s.cluster_id(),
            Editor::Member(m) => m.cluster_id(),
        }
    }

    fn statuses(&self) -> &'static [PostStatus] {
        match self {
            Editor::Staff(_) => PostStatus::ALL,
            Editor::Member(_) => &[PostStatus::Draft, PostStatus::Published],
        }
    }

    async fn own_post(&self, id: PostId) -> klynge_store::Result<PostRecord> {
        match self {
            Editor::Staff(s) => s.own_post(id).await,
            Editor::Member(m) => m.own_post(id).await,
        }
    }
}

/// The post form as typed, with messages at the fields.
#[derive(Default)]
pub struct PostForm {
    /// The organisation's id (typed by staff; fixed for a member).
    pub organisation: String,
    pub organisation_name: String,
    pub direction: String,
    pub kind: String,
    pub title: String,
    pub description: String,
    pub keywords: String,
    pub themes: String,
    pub industries: String,
    pub countries: String,
    pub expires_on: String,
    pub visibility: String,
    pub status: String,
    pub errors: HashMap<&'static str, String>,
}

impl PostForm {
    fn read(fields: &forms::Fields) -> PostForm {
        PostForm {
            organisation: forms::text(fields, "organisation"),
            direction: forms::text(fields, "direction"),
            kind: forms::text(fields, "kind"),
            title: forms::text(fields, "title"),
            description: fields.get("description").cloned().unwrap_or_default(),
            keywords: forms::text(fields, "keywords"),
            themes: forms::text(fields, "themes"),
            industries: forms::text(fields, "industries"),
            countries: forms::text(fields, "countries"),
            expires_on: forms::text(fields, "expires_on"),
            visibility: forms::text(fields, "visibility"),
            status: forms::text(fields, "status"),
            ..PostForm::default()
        }
    }

    fn of(record: &PostRecord, t: &Tr) -> PostForm {
        let p = &record.post;
        PostForm {
            organisation: p.organisation.0.to_string(),
            organisation_name: record.organisation_name.clone(),
            direction: p.direction.code().into(),
            kind: p.kind.code().into(),
            title: p.title.clone(),
            description: p.description.clone(),
            keywords: p.keywords.join(", "),
            themes: p
                .themes
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            industries: p.industries.join(", "),
            countries: p
                .countries
                .iter()
                .map(|c| c.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            expires_on: t.opt_date(&p.expires_on),
            visibility: p.visibility.code().into(),
            status: p.status.code().into(),
            errors: HashMap::new(),
        }
    }
}

/// Text that passes the domain's check for the fields not being checked.
const FILLER_TITLE: &str = "Titel";
const FILLER_DESCRIPTION: &str = "En beskrivelse.";

/// Checks every field with the domain's rules, one at a time so that each message stands at
/// its field; `Some` holds the post to save.
pub(crate) fn validate_post(
    f: &mut PostForm,
    t: &Tr,
    cluster: ClusterId,
    organisation: Option<OrganisationId>,
    statuses: &[PostStatus],
) -> Option<Post> {
    use klynge_domain::market::{DESCRIPTION_MAX, TITLE_MAX};
    let direction = PostDirection::from_code(&f.direction).ok();
    if direction.is_none() {
        f.errors.insert("direction", t.get("field-choose-one"));
    }
    let kind = PostKind::from_code(&f.kind).ok();
    if kind.is_none() {
        f.errors.insert("kind", t.get("field-choose-one"));
    }
    let visibility = Visibility::from_code(&f.visibility).ok();
    if visibility.is_none() {
        f.errors.insert("visibility", t.get("field-choose-one"));
    }
    let status = PostStatus::from_code(&f.status)
        .ok()
        .filter(|s| statuses.contains(s));
    if status.is_none() {
        f.errors.insert("status", t.get("field-choose-one"));
    }
    let base = PostText {
        title: FILLER_TITLE,
        description: FILLER_DESCRIPTION,
        ..PostText::default()
    };
    let title = f.title.trim();
    let title_alone = PostText {
        title,
        ..base.clone()
    };
    if title.is_empty() {
        f.errors.insert("title", t.get("field-required"));
    } else if title.chars().count() > TITLE_MAX {
        f.errors.insert(
            "title",
            t.with("field-too-long", "max", &TITLE_MAX.to_string()),
        );
    } else if title_alone.check().is_err() {
        f.errors.insert("title", t.get("market-title-invalid"));
    }
    let description = f.description.trim();
    let description_alone = PostText {
        description,
        ..base.clone()
    };
    if description.is_empty() {
        f.errors.insert("description", t.get("field-required"));
    } else if description.chars().count() > DESCRIPTION_MAX {
        f.errors.insert(
            "description",
            t.with("field-too-long", "max", &DESCRIPTION_MAX.to_string()),
        );
    } else if description_alone.check().is_err() {
        f.errors
            .insert("description", t.get("market-description-invalid"));
    }
    let lists: [(&'static str, &str, &str); 4] = [
        ("keywords", &f.keywords, "market-keywords-invalid"),
        ("themes", &f.themes, "market-themes-invalid"),
        ("industries", &f.industries, "market-industries-invalid"),
        ("countries", &f.countries, "market-countries-invalid"),
    ];
    let mut list_errors = Vec::new();
    for (name, value, key) in lists {
        let mut text = base.clone();
        match name {
            "keywords" => text.keywords = value,
            "themes" => text.themes = value,
            "industries" => text.industries = value,
            _ => text.countries = value,
        }
        if text.check().is_err() {
            list_errors.push((name, t.get(key)));
        }
    }
    f.errors.extend(list_errors);
    let expires_on = if f.expires_on.is_empty() {
        None
    } else {
        match parse_date(&f.expires_on) {
            Ok(d) => Some(d),
            Err(_) => {
                f.errors.insert(
                    "expires_on",
                    t.with("field-date-invalid", "value", &f.expires_on),
                );
                None
            }
        }
    };
    if organisation.is_none() && !f.errors.contains_key("organisation") {
        f.errors.insert("organisation", t.get("field-required"));
    }
    if !f.errors.is_empty() {
        return None;
    }
    let checked = PostText {
        title: &f.title,
        description: &f.description,
        keywords: &f.keywords,
        themes: &f.themes,
        industries: &f.industries,
        countries: &f.countries,
    }
    .check()
    .ok()?;
    Some(Post {
        cluster,
        organisation: organisation?,
        direction: direction?,
        kind: kind?,
        title: checked.title,
        description: checked.description,
        keywords: checked.keywords,
        themes: checked.themes,
        industries: checked.industries,
        countries: checked.countries,
        expires_on,
        status: status?,
        visibility: visibility?,
    })
}

#[derive(Template)]
#[template(path = "market_form.html")]
struct FormPage {
    chrome: Chrome,
    /// Where the form posts to.
    action: String,
    heading: String,
    /// Staff choose the organisation of a new post.
    choose_organisation: bool,
    f: PostForm,
    directions: Vec<Choice>,
    kinds: Vec<Choice>,
    visibilities: Vec<Choice>,
    statuses: Vec<Choice>,
    problem: Option<String>,
}

fn form_page(
    ctx: &Ctx,
    editor: &Editor,
    action: String,
    heading: String,
    choose_organisation: bool,
    f: PostForm,
    problem: Option<String>,
) -> FormPage {
    let t = ctx.tr();
    FormPage {
        chrome: ctx.chrome("/market"),
        action,
        heading,
        choose_organisation,
        f,
        directions: choices(
            &t,
            "market-direction",
            PostDirection::ALL.iter().map(|d| d.code()),
        ),
        kinds: choices(&t, "market-kind", PostKind::ALL.iter().map(|k| k.code())),
        visibilities: choices(
            &t,
            "market-visibility",
            Visibility::ALL.iter().map(|v| v.code()),
        ),
        statuses: choices(
            &t,
            "market-status",
            editor.statuses().iter().map(|s| s.code()),
        ),
        problem,
    }
}

/// The organisation a new post is for: the member's own, or the one staff typed (its id).
async fn organisation_of(
    ctx: &Ctx,
    editor: &Editor,
    f: &mut PostForm,
) -> Result<Option<OrganisationId>, PageError> {
    let id = match editor {
        Editor::Member(m) => m.organisation_id(),
        Editor::Staff(_) => match f.organisation.parse::<i64>().ok().filter(|n| *n > 0) {
            Some(n) => OrganisationId(n),
            None => {
                if !f.organisation.is_empty() {
                    f.errors.insert(
                        "organisation",
                        ctx.tr()
                            .with("market-organisation-unknown", "value", &f.organisation),
                    );
                }
                return Ok(None);
            }
        },
    };
    match ctx.state.store.organisation(id).await {
        Ok(o) => {
            f.organisation = id.0.to_string();
            f.organisation_name = o.organisation.name.as_str().to_string();
            Ok(Some(id))
        }
        Err(klynge_store::StoreError::NotFound { .. }) => {
            f.errors.insert(
                "organisation",
                ctx.tr()
                    .with("market-organisation-unknown", "value", &f.organisation),
            );
            Ok(None)
        }
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

pub async fn new_form(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let editor = editor(&ctx)?;
    let t = ctx.tr();
    let fields = forms::from_query(raw.as_deref());
    let mut f = PostForm {
        organisation: forms::text(&fields, "organisation"),
        direction: match forms::text(&fields, "direction").as_str() {
            "need" => "need".into(),
            _ => "offer".into(),
        },
        kind: PostKind::Technology.code().into(),
        visibility: Visibility::AllClusters.code().into(),
        status: PostStatus::Published.code().into(),
        ..PostForm::default()
    };
    if !f.organisation.is_empty() || matches!(editor, Editor::Member(_)) {
        organisation_of(&ctx, &editor, &mut f).await?;
    }
    let choose = matches!(editor, Editor::Staff(_));
    let page = form_page(
        &ctx,
        &editor,
        "/market/posts/new".into(),
        t.get("market-new-title"),
        choose,
        f,
        None,
    );
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn create(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let editor = editor(&ctx)?;
    let fields = ctx.form(&body)?;
    let t = ctx.tr();
    let mut f = PostForm::read(&fields);
    let organisation = organisation_of(&ctx, &editor, &mut f).await?;
    let choose = matches!(editor, Editor::Staff(_));
    let Some(post) = validate_post(
        &mut f,
        &t,
        editor.cluster(),
        organisation,
        editor.statuses(),
    ) else {
        let page = form_page(
            &ctx,
            &editor,
            "/market/posts/new".into(),
            t.get("market-new-title"),
            choose,
            f,
            None,
        );
        return Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page));
    };
    let saved = match &editor {
        Editor::Staff(s) => s.create_post(&post).await,
        Editor::Member(m) => m.create_post(&post).await,
    };
    match saved {
        Ok(id) => {
            ctx.state.market.post_written(&ctx.state.store, id).await;
            Ok(see_other(&format!("/market/posts/{}", id.0)))
        }
        Err(klynge_store::StoreError::Invalid(_)) => {
            let page = form_page(
                &ctx,
                &editor,
                "/market/posts/new".into(),
                t.get("market-new-title"),
                choose,
                f,
                Some(t.get("market-save-refused")),
            );
            Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

pub async fn edit_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let editor = editor(&ctx)?;
    let id = PostId(parse_id(&raw, ctx.lang)?);
    let record = editor
        .own_post(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let t = ctx.tr();
    let f = PostForm::of(&record, &t);
    let page = form_page(
        &ctx,
        &editor,
        format!("/market/posts/{}/edit", id.0),
        t.with("market-edit-title", "title", &record.post.title),
        false,
        f,
        None,
    );
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn update(ctx: Ctx, Path(raw): Path<String>, body: Bytes) -> Result<Response, PageError> {
    let editor = editor(&ctx)?;
    let fields = ctx.form(&body)?;
    let id = PostId(parse_id(&raw, ctx.lang)?);
    let record = editor
        .own_post(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let t = ctx.tr();
    let mut f = PostForm::read(&fields);
    f.organisation = record.post.organisation.0.to_string();
    f.organisation_name = record.organisation_name.clone();
    let heading = t.with("market-edit-title", "title", &record.post.title);
    let action = format!("/market/posts/{}/edit", id.0);
    let Some(post) = validate_post(
        &mut f,
        &t,
        record.post.cluster,
        Some(record.post.organisation),
        editor.statuses(),
    ) else {
        let page = form_page(&ctx, &editor, action, heading, false, f, None);
        return Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page));
    };
    let saved = match &editor {
        Editor::Staff(s) => s.update_post(id, &post).await,
        Editor::Member(m) => m.update_post(id, &post).await,
    };
    match saved {
        Ok(()) => {
            ctx.state.market.post_written(&ctx.state.store, id).await;
            Ok(see_other(&format!("/market/posts/{}", id.0)))
        }
        Err(klynge_store::StoreError::Invalid(_)) => {
            let problem = if record.post.status == PostStatus::Hidden {
                t.get("market-hidden-by-staff")
            } else {
                t.get("market-save-refused")
            };
            let page = form_page(&ctx, &editor, action, heading, false, f, Some(problem));
            Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
        }
        Err(e) => Err(PageError::store(e, ctx.lang)),
    }
}

// ----- moderation -----

/// A row of the moderation list.
pub struct ModerationRow {
    pub id: i64,
    pub title: String,
    pub org_name: String,
    pub label: String,
    pub status: String,
    pub visibility: String,
    pub updated: String,
}

#[derive(Template)]
#[template(path = "market_moderation.html")]
struct ModerationPage {
    chrome: Chrome,
    filter: String,
    rows: Vec<ModerationRow>,
    statuses: Vec<Choice>,
    pager: Pager,
}

const MODERATION_PAGE: u32 = 25;

async fn moderation_page(
    ctx: &Ctx,
    staff: &StaffView,
    filter: Option<PostStatus>,
    page: u32,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, PageError> {
    let t = ctx.tr();
    let mut records = staff
        .cluster_posts(filter, (page - 1) * MODERATION_PAGE, MODERATION_PAGE + 1)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let has_more = records.len() > MODERATION_PAGE as usize;
    records.truncate(MODERATION_PAGE as usize);
    let rows = records
        .iter()
        .map(|r| ModerationRow {
            id: r.id.0,
            title: r.post.title.clone(),
            org_name: r.organisation_name.clone(),
            label: post_label(&t, Some(r.post.direction), r.post.kind.code()),
            status: r.post.status.code().to_string(),
            visibility: t.label("market-visibility", r.post.visibility.code()),
            updated: t.date(&r.updated_at.date_naive()),
        })
        .collect();
    let code = filter.map(|s| s.code().to_string()).unwrap_or_default();
    let mut chrome = ctx.chrome("/market");
    chrome.notice = notice;
    let pager = Pager::new(page, has_more, |p| {
        format!("/market/moderation?status={code}&page={p}")
    });
    Ok(render(
        ctx,
        status,
        ModerationPage {
            chrome,
            filter: code.clone(),
            rows,
            statuses: choices(
                &t,
                "market-status",
                PostStatus::ALL.iter().map(|s| s.code()),
            ),
            pager,
        },
    ))
}

pub async fn moderation(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_query(raw.as_deref());
    let page = crate::pages::page_param(&fields);
    let filter_text = forms::text(&fields, "status");
    let filter = PostStatus::from_code(&filter_text).ok();
    if filter.is_none() && !filter_text.is_empty() {
        let notice = ctx
            .tr()
            .with("market-filter-invalid", "value", &filter_text);
        return moderation_page(
            &ctx,
            &staff,
            None,
            1,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    moderation_page(&ctx, &staff, filter, page, None, StatusCode::OK).await
}

pub async fn set_status(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = ctx.form(&body)?;
    let id = PostId(parse_id(&raw, ctx.lang)?);
    // Another cluster's post is "not found" before the input is looked at.
    staff
        .own_post(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let value = forms::text(&fields, "status");
    let Ok(status) = PostStatus::from_code(&value) else {
        let notice = ctx.tr().with("market-filter-invalid", "value", &value);
        return moderation_page(
            &ctx,
            &staff,
            None,
            1,
            Some(notice),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    staff
        .set_post_status(id, status)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    ctx.state.market.post_written(&ctx.state.store, id).await;
    let back = if forms::text(&fields, "back") == "post" {
        format!("/market/posts/{}", id.0)
    } else {
        "/market/moderation".to_string()
    };
    Ok(see_other(&back))
}

/// A member's own post in the list on the member page.
pub struct OwnPostRow {
    pub id: i64,
    pub title: String,
    pub label: String,
    pub status: String,
}

pub(crate) fn own_post_rows(records: &[PostRecord], t: &Tr) -> Vec<OwnPostRow> {
    records
        .iter()
        .map(|r| OwnPostRow {
            id: r.id.0,
            title: r.post.title.clone(),
            label: post_label(t, Some(r.post.direction), r.post.kind.code()),
            status: t.label("market-status", r.post.status.code()),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Labels built from codes exist for every code in both languages.
    #[test]
    fn labels_exist_for_every_code() {
        let mut keys: Vec<String> = Vec::new();
        keys.extend(
            PostKind::ALL
                .iter()
                .map(|k| format!("market-kind-{}", k.code())),
        );
        keys.extend(
            OrganisationKind::ALL
                .iter()
                .map(|k| format!("market-orgkind-{}", k.code())),
        );
        keys.extend(
            PostDirection::ALL
                .iter()
                .map(|k| format!("market-direction-{}", k.code())),
        );
        keys.extend(
            PostStatus::ALL
                .iter()
                .map(|k| format!("market-status-{}", k.code())),
        );
        keys.extend(
            Visibility::ALL
                .iter()
                .map(|k| format!("market-visibility-{}", k.code())),
        );
        keys.extend(
            Scope::ALL
                .iter()
                .map(|k| format!("market-scope-{}", k.code())),
        );
        for lang in [Lang::Da, Lang::En] {
            let t = Tr::new(lang);
            for k in &keys {
                assert_ne!(&t.get(k), k, "{k} is missing in {lang:?}");
            }
        }
    }

    #[test]
    fn every_field_gets_its_own_message() {
        let t = Tr::new(Lang::En);
        let mut f = PostForm {
            direction: "sideways".into(),
            kind: "technology".into(),
            title: "ab".into(),
            description: "y".repeat(5_001),
            keywords: "x".repeat(61),
            themes: "<script>".into(),
            industries: "IT".into(),
            countries: "Danmark".into(),
            expires_on: "tomorrow".into(),
            visibility: "public".into(),
            status: "hidden".into(),
            ..PostForm::default()
        };
        let post = validate_post(
            &mut f,
            &t,
            ClusterId(1),
            Some(OrganisationId(1)),
            &[PostStatus::Draft, PostStatus::Published],
        );
        assert!(post.is_none());
        for field in [
            "direction",
            "title",
            "description",
            "keywords",
            "themes",
            "industries",
            "countries",
            "expires_on",
            "status",
        ] {
            assert!(f.errors.contains_key(field), "{field}: {:?}", f.errors);
        }
        assert!(!f.errors.contains_key("kind"));
        let mut ok = PostForm {
            direction: "need".into(),
            kind: "technology".into(),
            title: "Varmepumper <b>nu</b>".into(),
            description: "Vi søger <script>alert(1)</script> store varmepumper.".into(),
            keywords: "varme, pumper".into(),
            themes: "grøn omstilling".into(),
            industries: "28".into(),
            countries: "DK".into(),
            expires_on: "2030-01-01".into(),
            visibility: "public".into(),
            status: "published".into(),
            ..PostForm::default()
        };
        let post = validate_post(
            &mut ok,
            &t,
            ClusterId(1),
            Some(OrganisationId(1)),
            PostStatus::ALL,
        )
        .expect("valid");
        assert!(
            post.description.contains("<script>"),
            "kept, escaped on output"
        );
    }
}
