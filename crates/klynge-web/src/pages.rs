//! The HTML pages. Handlers parse and validate input, call one view of the store (obtained
//! from the principal, so the tenant is fixed before any query runs) and render a template.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::header::{LOCATION, SET_COOKIE};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use klynge_domain::{
    Cvr, Interaction, InteractionKind, Municipality, Name, OrganisationId, Region, SizeClass,
    parse_date,
};
use klynge_store::{
    ActivityRow, ClusterFigures, Dashboard, MemberParticipation, MembershipRow, OrganisationHit,
    OrganisationPage, OrganisationQuery, OrganisationSort, Role, TimelineEntry,
};

use crate::auth;
use crate::context::{Ctx, LANG_COOKIE, SESSION_COOKIE, set_cookie};
use crate::error::PageError;
use crate::forms::{self, Fields};
use crate::i18n::{Lang, Tr};

/// Failed sign-ins allowed per login within [`THROTTLE_MINUTES`].
pub const MAX_FAILED_SIGN_INS: i64 = 5;
pub const THROTTLE_MINUTES: i64 = 15;
const SESSION_HOURS: i64 = 12;
pub(crate) const PAGE_SIZE: u32 = 25;

/// The frame around every page: language, user, navigation, form token.
pub struct Chrome {
    pub t: Tr,
    pub user: Option<(String, String)>,
    pub csrf: String,
    pub path: String,
    pub links: Vec<(String, &'static str)>,
    pub notice: Option<String>,
}

pub fn role_key(role: Role) -> &'static str {
    match role {
        Role::Operator => "role-operator",
        Role::ClusterAdmin => "role-cluster_admin",
        Role::ClusterStaff => "role-cluster_staff",
        Role::Member => "role-member",
        Role::Partner => "role-partner",
    }
}

fn links_for(role: Option<Role>) -> Vec<(String, &'static str)> {
    let list: &[(&str, &'static str)] = match role {
        None => &[("/market", "nav-market"), ("/sign-in", "nav-sign-in")],
        Some(Role::ClusterAdmin | Role::ClusterStaff) => &[
            ("/dashboard", "nav-dashboard"),
            ("/organisations", "nav-organisations"),
            ("/market", "nav-market"),
            ("/contacts", "nav-contacts"),
            ("/follow-ups", "nav-follow-ups"),
            ("/activities", "nav-activities"),
            ("/events", "nav-events"),
            ("/referrals", "nav-referrals"),
            ("/presence", "nav-presence"),
            ("/reports", "nav-reports"),
            ("/imports", "nav-imports"),
            ("/account", "nav-account"),
            ("/api/v1/docs/", "nav-api"),
        ],
        Some(Role::Member) => &[
            ("/member", "nav-member"),
            ("/my/events", "nav-my-events"),
            ("/market", "nav-market"),
            ("/account", "nav-account"),
        ],
        Some(Role::Partner) => &[
            ("/partner", "nav-partner"),
            ("/market", "nav-market"),
            ("/reports", "nav-reports"),
            ("/account", "nav-account"),
        ],
        Some(Role::Operator) => &[
            ("/admin/users", "nav-users"),
            ("/partner", "nav-partner"),
            ("/market", "nav-market"),
            ("/reports", "nav-reports"),
            ("/account", "nav-account"),
            ("/api/v1/docs/", "nav-api"),
        ],
    };
    list.iter().map(|(h, k)| (h.to_string(), *k)).collect()
}

impl Ctx {
    pub fn chrome(&self, path: &str) -> Chrome {
        let principal = self.session.as_ref().map(|s| &s.principal);
        Chrome {
            t: self.tr(),
            user: principal.map(|p| {
                (
                    p.user().display_name.clone(),
                    role_key(p.role()).to_string(),
                )
            }),
            csrf: self.csrf().to_string(),
            path: path.to_string(),
            links: links_for(principal.map(|p| p.role())),
            notice: None,
        }
    }
}

pub(crate) fn render(ctx: &Ctx, status: StatusCode, page: impl Template) -> Response {
    match page.render() {
        Ok(html) => ctx.finish((status, Html(html))),
        Err(e) => PageError::Internal(format!("template failed: {e}"), ctx.lang).into_response(),
    }
}

pub(crate) fn see_other(location: &str) -> Response {
    (
        StatusCode::SEE_OTHER,
        [(
            LOCATION,
            HeaderValue::from_str(location).unwrap_or(HeaderValue::from_static("/")),
        )],
    )
        .into_response()
}

pub(crate) fn parse_id(raw: &str, lang: Lang) -> Result<i64, PageError> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or(PageError::NotFound(lang))
}

/// The page number of a list (`page=N`, from 1); anything else is the first page.
pub(crate) fn page_param(fields: &forms::Fields) -> u32 {
    forms::text(fields, "page")
        .parse::<u32>()
        .ok()
        .filter(|p| *p >= 1 && *p <= 100_000)
        .unwrap_or(1)
}

/// The rows of one page from the `PAGE_SIZE + 1` asked for, and whether more follow.
pub(crate) fn one_page<T>(mut rows: Vec<T>) -> (Vec<T>, bool) {
    let has_more = rows.len() > PAGE_SIZE as usize;
    rows.truncate(PAGE_SIZE as usize);
    (rows, has_more)
}

/// The previous/next links under a list (`pager.html`).
pub struct Pager {
    pub label: String,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    pub fn new(page: u32, has_more: bool, link: impl Fn(u32) -> String) -> Pager {
        Pager {
            label: page.to_string(),
            prev: (page > 1).then(|| link(page - 1)),
            next: has_more.then(|| link(page + 1)),
        }
    }
}

// ----- start, language, health -----

pub async fn home(ctx: Ctx) -> Response {
    let target = match ctx.session.as_ref().map(|s| s.principal.role()) {
        None => "/sign-in",
        Some(Role::ClusterAdmin | Role::ClusterStaff) => "/dashboard",
        Some(Role::Member) => "/member",
        Some(Role::Partner) => "/partner",
        Some(Role::Operator) => "/admin/users",
    };
    ctx.finish(see_other(target))
}

/// Remembers the language in a cookie and goes back to the page the switch was on (only
/// a local path, so the switch cannot be used to send people elsewhere).
pub async fn language(ctx: Ctx, Path(code): Path<String>, RawQuery(q): RawQuery) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PageError::NotFound(ctx.lang).into_response();
    };
    let fields = forms::from_query(q.as_deref());
    let back = forms::text(&fields, "back");
    let back = if back.starts_with('/') && !back.starts_with("//") && !back.contains('\\') {
        back
    } else {
        "/".to_string()
    };
    let mut response = see_other(&back);
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(LANG_COOKIE, lang.code(), 365 * 86_400, ctx.secure),
    );
    response
}

// ----- sign-in, sign-out, account -----

#[derive(Template)]
#[template(path = "sign_in.html")]
struct SignInPage {
    chrome: Chrome,
    login: String,
    error: Option<String>,
}

pub async fn sign_in_form(ctx: Ctx, RawQuery(q): RawQuery) -> Response {
    if ctx.session.is_some() {
        return see_other("/");
    }
    let mut chrome = ctx.chrome("/sign-in");
    if forms::flag(&forms::from_query(q.as_deref()), "out") {
        chrome.notice = Some(ctx.tr().get("signed-out"));
    }
    render(
        &ctx,
        StatusCode::OK,
        SignInPage {
            chrome,
            login: String::new(),
            error: None,
        },
    )
}

pub async fn sign_in(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let fields = ctx.form(&body)?;
    let login = forms::text(&fields, "login");
    let password = fields.get("password").cloned().unwrap_or_default();
    let store = &ctx.state.store;
    let t = ctx.tr();
    let internal = |e: klynge_store::StoreError| PageError::Internal(e.to_string(), ctx.lang);
    let since = chrono::Utc::now() - Duration::minutes(THROTTLE_MINUTES);
    let failed = store
        .failed_sign_ins_since(&login, since)
        .await
        .map_err(internal)?;
    let again = |status: StatusCode, error: String| {
        render(
            &ctx,
            status,
            SignInPage {
                chrome: ctx.chrome("/sign-in"),
                login: login.clone(),
                error: Some(error),
            },
        )
    };
    if failed >= MAX_FAILED_SIGN_INS {
        return Ok(again(
            StatusCode::TOO_MANY_REQUESTS,
            t.with(
                "sign-in-throttled",
                "minutes",
                &THROTTLE_MINUTES.to_string(),
            ),
        ));
    }
    let credentials = store.credentials(&login).await.map_err(internal)?;
    let hash = credentials
        .as_ref()
        .map(|(_, h)| h.clone())
        .unwrap_or_else(|| auth::dummy_hash().to_string());
    let pw = password.clone();
    let matches = tokio::task::spawn_blocking(move || auth::verify_password(&pw, &hash))
        .await
        .unwrap_or(false);
    let user = match (credentials, matches) {
        (Some((user, _)), true) => user,
        _ => {
            store
                .record_sign_in_attempt(&login, false)
                .await
                .map_err(internal)?;
            return Ok(again(StatusCode::UNAUTHORIZED, t.get("sign-in-failed")));
        }
    };
    store
        .record_sign_in_attempt(&login, true)
        .await
        .map_err(internal)?;
    let token = auth::random_token();
    let csrf = auth::random_token();
    store
        .create_session(
            &auth::digest(&token),
            user.id,
            &csrf,
            chrono::Utc::now() + Duration::hours(SESSION_HOURS),
        )
        .await
        .map_err(internal)?;
    tracing::info!(login = %user.login, role = user.role.code(), "signed in");
    let mut response = see_other("/");
    response.headers_mut().append(
        SET_COOKIE,
        set_cookie(SESSION_COOKIE, &token, SESSION_HOURS * 3600, ctx.secure),
    );
    Ok(response)
}

pub async fn sign_out(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let fields = forms::from_body(&body);
    if ctx.session.is_none() {
        return Ok(see_other("/sign-in"));
    }
    ctx.check_csrf(fields.get("csrf"))?;
    if let Some(d) = &ctx.session_digest {
        ctx.state
            .store
            .delete_session(d)
            .await
            .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
    }
    let mut response = see_other("/sign-in?out=1");
    response
        .headers_mut()
        .append(SET_COOKIE, set_cookie(SESSION_COOKIE, "", 0, ctx.secure));
    Ok(response)
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    chrome: Chrome,
    errors: HashMap<&'static str, String>,
    new_token: Option<String>,
}

pub async fn account(ctx: Ctx) -> Result<Response, PageError> {
    ctx.principal()?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        AccountPage {
            chrome: ctx.chrome("/account"),
            errors: HashMap::new(),
            new_token: None,
        },
    ))
}

pub async fn change_password(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let principal = ctx.principal()?.clone();
    let fields = ctx.form(&body)?;
    let t = ctx.tr();
    let internal = |e: klynge_store::StoreError| PageError::Internal(e.to_string(), ctx.lang);
    let current = fields.get("current").cloned().unwrap_or_default();
    let new = fields.get("new").cloned().unwrap_or_default();
    let repeat = fields.get("repeat").cloned().unwrap_or_default();
    let mut errors = HashMap::new();
    let stored = ctx
        .state
        .store
        .password_hash(principal.id())
        .await
        .map_err(internal)?;
    let cur = current.clone();
    if !tokio::task::spawn_blocking(move || auth::verify_password(&cur, &stored))
        .await
        .unwrap_or(false)
    {
        errors.insert("current", t.get("password-wrong"));
    }
    if new.chars().count() < auth::MIN_PASSWORD_LEN {
        errors.insert(
            "new",
            t.with(
                "password-too-short",
                "min",
                &auth::MIN_PASSWORD_LEN.to_string(),
            ),
        );
    } else if new != repeat {
        errors.insert("repeat", t.get("password-mismatch"));
    }
    let mut chrome = ctx.chrome("/account");
    if errors.is_empty() {
        let hash = tokio::task::spawn_blocking(move || auth::hash_password(&new))
            .await
            .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?
            .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
        ctx.state
            .store
            .set_password_hash(
                principal.id(),
                &hash,
                ctx.session_digest.as_deref().unwrap_or_default(),
            )
            .await
            .map_err(internal)?;
        chrome.notice = Some(t.get("password-changed"));
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &ctx,
        status,
        AccountPage {
            chrome,
            errors,
            new_token: None,
        },
    ))
}

pub async fn create_token(ctx: Ctx, body: Bytes) -> Result<Response, PageError> {
    let principal = ctx.principal()?.clone();
    let fields = ctx.form(&body)?;
    let label = forms::text(&fields, "label");
    let mut errors = HashMap::new();
    let mut new_token = None;
    if label.is_empty() || label.chars().count() > 100 {
        errors.insert("label", ctx.tr().get("token-label-missing"));
    } else {
        let token = auth::random_token();
        ctx.state
            .store
            .create_api_token(principal.id(), &auth::digest(&token), &label)
            .await
            .map_err(|e| PageError::Internal(e.to_string(), ctx.lang))?;
        new_token = Some(token);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &ctx,
        status,
        AccountPage {
            chrome: ctx.chrome("/account"),
            errors,
            new_token,
        },
    ))
}

// ----- staff: dashboard, organisations, interactions, activities -----

#[derive(Template)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    chrome: Chrome,
    cluster: String,
    d: Dashboard,
}

pub async fn dashboard(ctx: Ctx) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let store_err = |e| PageError::store(e, ctx.lang);
    let cluster = staff.cluster().await.map_err(store_err)?;
    let d = staff.dashboard().await.map_err(store_err)?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        DashboardPage {
            chrome: ctx.chrome("/dashboard"),
            cluster: cluster.cluster.name.as_str().to_string(),
            d,
        },
    ))
}

/// The search form as typed, with messages at the fields that did not parse.
#[derive(Default)]
pub struct SearchForm {
    pub name: String,
    pub cvr: String,
    pub municipality: String,
    pub region: String,
    pub size: String,
    pub industry: String,
    pub sort: String,
    pub desc: bool,
    pub members_only: bool,
    pub page: u32,
    pub errors: HashMap<&'static str, String>,
}

/// Reads the search fields into a store query; fields that do not parse are reported and
/// left out of the query (the API refuses them instead).
pub fn search_query(fields: &Fields, t: &Tr) -> (SearchForm, OrganisationQuery) {
    let mut f = SearchForm {
        name: forms::text(fields, "name"),
        cvr: forms::text(fields, "cvr"),
        municipality: forms::text(fields, "municipality"),
        region: forms::text(fields, "region"),
        size: forms::text(fields, "size"),
        industry: forms::text(fields, "industry"),
        sort: forms::text(fields, "sort"),
        desc: forms::flag(fields, "desc"),
        members_only: forms::flag(fields, "members_only"),
        page: forms::text(fields, "page")
            .parse::<u32>()
            .ok()
            .filter(|p| *p >= 1 && *p <= 100_000)
            .unwrap_or(1),
        errors: HashMap::new(),
    };
    let mut q = OrganisationQuery {
        members_only: f.members_only,
        descending: f.desc,
        sort: OrganisationSort::parse(&f.sort).unwrap_or_default(),
        offset: (f.page - 1) * PAGE_SIZE,
        limit: PAGE_SIZE,
        ..OrganisationQuery::default()
    };
    if !f.name.is_empty() {
        q.name = Name::parse(&f.name).ok();
    }
    if !f.cvr.is_empty() {
        match Cvr::parse(&f.cvr) {
            Ok(c) => q.cvr = Some(c),
            Err(_) => {
                f.errors
                    .insert("cvr", t.with("field-cvr-invalid", "value", &f.cvr));
            }
        }
    }
    if !f.municipality.is_empty() {
        match Municipality::find(&f.municipality) {
            Ok(m) => q.municipality = Some(m.code),
            Err(_) => {
                f.errors.insert(
                    "municipality",
                    t.with("field-municipality-invalid", "value", &f.municipality),
                );
            }
        }
    }
    if !f.region.is_empty() {
        match Region::parse(&f.region) {
            Ok(r) => q.region = Some(r),
            Err(_) => {
                f.errors
                    .insert("region", t.with("field-region-invalid", "value", &f.region));
            }
        }
    }
    q.size = SizeClass::from_code(&f.size).ok();
    if !f.industry.is_empty() {
        q.industry = Some(f.industry.clone());
    }
    (f, q)
}

#[derive(Template)]
#[template(path = "organisations.html")]
struct OrganisationsPage {
    chrome: Chrome,
    f: SearchForm,
    hits: Vec<OrganisationHit>,
    regions: Vec<(String, String)>,
    sizes: Vec<(String, String)>,
    sorts: Vec<(String, String)>,
    pager: Pager,
    /// The filters as a query string, for the export links (`imports.rs`).
    export_query: Option<String>,
}

fn search_link(f: &SearchForm, page: u32) -> String {
    let mut s = format!(
        "/organisations?name={}&cvr={}&municipality={}&region={}&size={}&industry={}&sort={}&page={page}",
        forms::encode(&f.name),
        forms::encode(&f.cvr),
        forms::encode(&f.municipality),
        forms::encode(&f.region),
        forms::encode(&f.size),
        forms::encode(&f.industry),
        forms::encode(&f.sort),
    );
    if f.desc {
        s.push_str("&desc=1");
    }
    if f.members_only {
        s.push_str("&members_only=1");
    }
    s
}

pub async fn organisations(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let t = ctx.tr();
    let fields = forms::from_query(raw.as_deref());
    let (f, q) = search_query(&fields, &t);
    let (hits, has_more) = if f.errors.is_empty() {
        let page = staff
            .search_organisations(&q)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?;
        (page.hits, page.has_more)
    } else {
        (Vec::new(), false)
    };
    let today = chrono::Utc::now().date_naive();
    let regions = Region::in_force_on(today)
        .map(|r| {
            let name = match ctx.lang {
                Lang::Da => r.name_da(),
                Lang::En => r.name_en(),
            };
            (r.code().to_string(), name.to_string())
        })
        .collect();
    let sizes = SizeClass::ALL
        .iter()
        .map(|s| (s.code().to_string(), t.get(&format!("size-{}", s.code()))))
        .collect();
    let sorts = OrganisationSort::ALL
        .iter()
        .map(|s| (s.code().to_string(), t.get(&format!("sort-{}", s.code()))))
        .collect();
    let pager = Pager::new(f.page, has_more, |p| search_link(&f, p));
    let export_query = f.errors.is_empty().then(|| {
        let link = search_link(&f, 1);
        link.split_once('?')
            .map_or(String::new(), |(_, q)| q.to_string())
    });
    let status = if f.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(render(
        &ctx,
        status,
        OrganisationsPage {
            chrome: ctx.chrome("/organisations"),
            pager,
            f,
            hits,
            regions,
            sizes,
            sorts,
            export_query,
        },
    ))
}

/// A timeline entry ready to show.
pub struct TimelineView {
    pub class: &'static str,
    pub date: String,
    pub heading: String,
    pub text: String,
    pub notes: String,
    pub follow_up: String,
}

fn timeline_view(t: &Tr, entries: &[TimelineEntry]) -> Vec<TimelineView> {
    entries
        .iter()
        .map(|e| match e {
            TimelineEntry::Interaction {
                on,
                kind,
                subject,
                notes,
                follow_up_on,
                ..
            } => TimelineView {
                class: "interaction",
                date: t.date(on),
                heading: t.with(
                    "timeline-interaction",
                    "kind",
                    &t.get(&format!("kind-{kind}")),
                ),
                text: subject.clone(),
                notes: notes.clone(),
                follow_up: follow_up_on
                    .map(|d| t.with("follow-up-on", "date", &t.date(&d)))
                    .unwrap_or_default(),
            },
            TimelineEntry::Participation {
                on, title, role, ..
            } => TimelineView {
                class: "participation",
                date: t.date(on),
                heading: t.get("timeline-participation"),
                text: format!("{title} ({role})"),
                notes: String::new(),
                follow_up: String::new(),
            },
        })
        .collect()
}

#[derive(Template)]
#[template(path = "organisation.html")]
struct OrganisationPageView {
    chrome: Chrome,
    p: OrganisationPage,
    timeline: Vec<TimelineView>,
    /// "Whom to meet" from the marketplace (issue 7).
    meet: Vec<crate::market_pages::RecView>,
}

pub async fn organisation(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let p = staff
        .organisation(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let audience = ctx.principal()?.market(&ctx.state.store).audience();
    let meet = crate::market_pages::whom_to_meet(&ctx, audience, &p.record).await?;
    let chrome = ctx.chrome("/organisations");
    Ok(render(
        &ctx,
        StatusCode::OK,
        OrganisationPageView {
            timeline: timeline_view(&ctx.tr(), &p.timeline),
            chrome,
            p,
            meet,
        },
    ))
}

/// The interaction form as typed, with messages at the fields.
#[derive(Default)]
pub struct InteractionForm {
    pub kind: String,
    pub occurred_on: String,
    pub subject: String,
    pub notes: String,
    pub follow_up_on: String,
    pub errors: HashMap<&'static str, String>,
}

const MAX_SUBJECT: usize = 200;
const MAX_NOTES: usize = 10_000;

/// Validates an interaction form; `Ok` holds the interaction to record.
pub fn validate_interaction(
    f: &mut InteractionForm,
    t: &Tr,
    cluster: klynge_domain::ClusterId,
    organisation: OrganisationId,
) -> Option<Interaction> {
    let kind = InteractionKind::from_code(&f.kind).ok();
    if kind.is_none() {
        f.errors.insert("kind", t.get("field-kind-invalid"));
    }
    let date = |value: &str| parse_date(value).ok();
    let occurred_on = if f.occurred_on.is_empty() {
        f.errors.insert("occurred_on", t.get("field-required"));
        None
    } else {
        let d = date(&f.occurred_on);
        if d.is_none() {
            f.errors.insert(
                "occurred_on",
                t.with("field-date-invalid", "value", &f.occurred_on),
            );
        }
        d
    };
    let subject = if f.subject.is_empty() {
        f.errors.insert("subject", t.get("field-required"));
        None
    } else if f.subject.chars().count() > MAX_SUBJECT {
        f.errors.insert(
            "subject",
            t.with("field-too-long", "max", &MAX_SUBJECT.to_string()),
        );
        None
    } else {
        let n = Name::parse(&f.subject).ok();
        if n.is_none() {
            f.errors.insert("subject", t.get("field-required"));
        }
        n
    };
    if f.notes.chars().count() > MAX_NOTES {
        f.errors.insert(
            "notes",
            t.with("field-too-long", "max", &MAX_NOTES.to_string()),
        );
    }
    let follow_up_on: Option<NaiveDate> = if f.follow_up_on.is_empty() {
        None
    } else {
        match date(&f.follow_up_on) {
            None => {
                f.errors.insert(
                    "follow_up_on",
                    t.with("field-date-invalid", "value", &f.follow_up_on),
                );
                None
            }
            Some(d) if occurred_on.is_some_and(|o| d < o) => {
                f.errors
                    .insert("follow_up_on", t.get("field-follow-up-before"));
                None
            }
            Some(d) => Some(d),
        }
    };
    if !f.errors.is_empty() {
        return None;
    }
    Some(Interaction {
        cluster,
        organisation,
        person: None,
        kind: kind?,
        occurred_on: occurred_on?,
        subject: subject?,
        notes: f.notes.clone(),
        follow_up_on,
    })
}

#[derive(Template)]
#[template(path = "interaction_form.html")]
struct InteractionPage {
    chrome: Chrome,
    organisation: String,
    organisation_id: i64,
    kinds: Vec<(String, String)>,
    f: InteractionForm,
}

fn kinds(t: &Tr) -> Vec<(String, String)> {
    InteractionKind::ALL
        .iter()
        .map(|k| (k.code().to_string(), t.get(&format!("kind-{}", k.code()))))
        .collect()
}

pub async fn interaction_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let org = ctx
        .state
        .store
        .organisation(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let _ = staff;
    let t = ctx.tr();
    Ok(render(
        &ctx,
        StatusCode::OK,
        InteractionPage {
            chrome: ctx.chrome("/organisations"),
            organisation: org.organisation.name.as_str().to_string(),
            organisation_id: id.0,
            kinds: kinds(&t),
            f: InteractionForm {
                kind: "meeting".into(),
                occurred_on: t.date(&chrono::Utc::now().date_naive()),
                ..InteractionForm::default()
            },
        },
    ))
}

pub async fn add_interaction(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = ctx.form(&body)?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let org = ctx
        .state
        .store
        .organisation(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    let t = ctx.tr();
    let mut f = InteractionForm {
        kind: forms::text(&fields, "kind"),
        occurred_on: forms::text(&fields, "occurred_on"),
        subject: forms::text(&fields, "subject"),
        notes: fields.get("notes").cloned().unwrap_or_default(),
        follow_up_on: forms::text(&fields, "follow_up_on"),
        errors: HashMap::new(),
    };
    match validate_interaction(&mut f, &t, staff.cluster_id(), id) {
        Some(interaction) => {
            staff
                .record_interaction(&interaction)
                .await
                .map_err(|e| PageError::store(e, ctx.lang))?;
            Ok(see_other(&format!("/organisations/{}", id.0)))
        }
        None => Ok(render(
            &ctx,
            StatusCode::UNPROCESSABLE_ENTITY,
            InteractionPage {
                chrome: ctx.chrome("/organisations"),
                organisation: org.organisation.name.as_str().to_string(),
                organisation_id: id.0,
                kinds: kinds(&t),
                f,
            },
        )),
    }
}

#[derive(Template)]
#[template(path = "activities.html")]
struct ActivitiesPage {
    chrome: Chrome,
    rows: Vec<ActivityRow>,
    pager: Pager,
}

pub async fn activities(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_query(raw.as_deref());
    let page = page_param(&fields);
    let (rows, has_more) = one_page(
        staff
            .activities((page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?,
    );
    Ok(render(
        &ctx,
        StatusCode::OK,
        ActivitiesPage {
            chrome: ctx.chrome("/activities"),
            rows,
            pager: Pager::new(page, has_more, |p| format!("/activities?page={p}")),
        },
    ))
}

#[derive(Template)]
#[template(path = "member.html")]
struct MemberPage {
    chrome: Chrome,
    organisation: String,
    cluster: String,
    cvr: Option<String>,
    municipality: Option<String>,
    memberships: Vec<MembershipRow>,
    participations: Vec<MemberParticipation>,
    /// The own organisation's offers and needs, and whom to meet (issue 7).
    posts: Vec<crate::market_pages::OwnPostRow>,
    meet: Vec<crate::market_pages::RecView>,
}

pub async fn member(ctx: Ctx) -> Result<Response, PageError> {
    let view = ctx.member()?;
    let err = |e| PageError::store(e, ctx.lang);
    let org = view.organisation().await.map_err(err)?;
    let cluster = view.cluster().await.map_err(err)?;
    let posts =
        crate::market_pages::own_post_rows(&view.own_posts().await.map_err(err)?, &ctx.tr());
    let audience = ctx.principal()?.market(&ctx.state.store).audience();
    let meet = crate::market_pages::whom_to_meet(&ctx, audience, &org).await?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        MemberPage {
            chrome: ctx.chrome("/member"),
            organisation: org.organisation.name.as_str().to_string(),
            cluster: cluster.cluster.name.as_str().to_string(),
            cvr: org.organisation.registration.cvr().map(|c| c.to_string()),
            municipality: org
                .organisation
                .registration
                .municipality()
                .map(|m| m.municipality().name.clone()),
            memberships: view.memberships().await.map_err(err)?,
            participations: view.participations().await.map_err(err)?,
            posts,
            meet,
        },
    ))
}

#[derive(Template)]
#[template(path = "partner.html")]
struct PartnerPage {
    chrome: Chrome,
    rows: Vec<ClusterFigures>,
}

pub async fn partner(ctx: Ctx) -> Result<Response, PageError> {
    let view = ctx.partner()?;
    let rows = view
        .cluster_figures()
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        PartnerPage {
            chrome: ctx.chrome("/partner"),
            rows,
        },
    ))
}

#[derive(Template)]
#[template(path = "users.html")]
struct UsersPage {
    chrome: Chrome,
    counts: String,
    rows: Vec<(String, String, &'static str, String)>,
}

pub async fn users(ctx: Ctx) -> Result<Response, PageError> {
    let view = ctx.operator()?;
    let err = |e| PageError::store(e, ctx.lang);
    let counts = view.counts().await.map_err(err)?;
    let t = ctx.tr();
    let args = t.with_args(
        "operator-counts",
        &[
            ("organisations", t.num(&counts.organisations)),
            ("clusters", t.num(&counts.clusters)),
        ],
    );
    let rows = view
        .users()
        .await
        .map_err(err)?
        .into_iter()
        .map(|u| {
            (
                u.login,
                u.display_name,
                role_key(u.role),
                u.cluster.map(|c| c.0.to_string()).unwrap_or_default(),
            )
        })
        .collect();
    Ok(render(
        &ctx,
        StatusCode::OK,
        UsersPage {
            chrome: ctx.chrome("/admin/users"),
            counts: args,
            rows,
        },
    ))
}

pub async fn not_found(ctx: Ctx) -> Response {
    PageError::NotFound(ctx.lang).into_response()
}

pub async fn stylesheet() -> Response {
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("../assets/klynge.css"),
    )
        .into_response()
}
