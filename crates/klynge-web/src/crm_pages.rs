//! The staff's CRM screens beyond the organisation search: contacts, follow-ups, referrals,
//! offices and agreements, and adding participants to an activity. Each handler gets the
//! cluster from the signed-in staff member's view, never from the request.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{
    ActivityId, ClusterId, Cvr, Email, Name, OrganisationId, OrganisationKind, Outcomes,
    ParticipantRole, Participation, Person, PersonId, Referral, ReferralId, ReferralTarget,
    parse_date,
};
use klynge_store::{
    AgreementRow, ContactListRow, FollowUpRow, OfficeRow, OrganisationHit, OrganisationQuery,
    ParticipantRow, ReferralListRow, StaffView, StoreError,
};

use crate::context::Ctx;
use crate::error::PageError;
use crate::forms;
use crate::i18n::Tr;
use crate::pages::{Chrome, PAGE_SIZE, Pager, one_page, page_param, parse_id, render, see_other};

fn today() -> chrono::NaiveDate {
    chrono::Utc::now().date_naive()
}

// ----- contacts -----

#[derive(Template)]
#[template(path = "contacts.html")]
struct ContactsPage {
    chrome: Chrome,
    q: String,
    rows: Vec<ContactListRow>,
    pager: Pager,
}

pub async fn contacts(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_query(raw.as_deref());
    let q: String = forms::text(&fields, "q").chars().take(100).collect();
    let page = page_param(&fields);
    let (rows, has_more) = one_page(
        staff
            .contacts(Some(&q), (page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?,
    );
    let link = |p: u32| format!("/contacts?q={}&page={p}", forms::encode(&q));
    Ok(render(
        &ctx,
        StatusCode::OK,
        ContactsPage {
            chrome: ctx.chrome("/contacts"),
            pager: Pager::new(page, has_more, link),
            q,
            rows,
        },
    ))
}

/// The contact form's fields as typed, and the messages at them.
#[derive(Debug, Default)]
pub struct ContactForm {
    pub name: String,
    pub email: String,
    pub job_title: String,
    pub phone: String,
    pub consent_given_on: String,
    pub errors: HashMap<&'static str, String>,
}

const MAX_SHORT_TEXT: usize = 200;

impl ContactForm {
    pub(crate) fn from_fields(fields: &forms::Fields) -> Self {
        ContactForm {
            name: forms::text(fields, "name"),
            email: forms::text(fields, "email"),
            job_title: forms::text(fields, "job_title"),
            phone: forms::text(fields, "phone"),
            consent_given_on: forms::text(fields, "consent_given_on"),
            errors: HashMap::new(),
        }
    }

    pub(crate) fn validate(
        &mut self,
        t: &Tr,
        cluster: ClusterId,
        organisation: OrganisationId,
    ) -> Option<Person> {
        let name = required_name(&mut self.errors, t, "name", &self.name);
        let email = if self.email.is_empty() {
            None
        } else {
            match Email::parse(&self.email) {
                Ok(e) => Some(e),
                Err(_) => {
                    self.errors
                        .insert("email", t.with("field-email-invalid", "value", &self.email));
                    None
                }
            }
        };
        for (field, value) in [("job_title", &self.job_title), ("phone", &self.phone)] {
            if value.chars().count() > MAX_SHORT_TEXT {
                self.errors.insert(
                    field,
                    t.with("field-too-long", "max", &MAX_SHORT_TEXT.to_string()),
                );
            }
        }
        let consent = optional_date(
            &mut self.errors,
            t,
            "consent_given_on",
            &self.consent_given_on,
        );
        if !self.errors.is_empty() {
            return None;
        }
        let some = |v: &str| (!v.is_empty()).then(|| v.to_string());
        Some(Person {
            cluster,
            organisation,
            name: name?,
            email,
            phone: some(&self.phone),
            job_title: some(&self.job_title),
            consent_given_on: consent,
        })
    }
}

/// A required single-line text that must parse as a [`Name`] and fit in 200 characters.
fn required_name(
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
fn optional_date(
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

impl ContactForm {
    /// The form filled with a stored contact, for editing.
    fn of(person: &Person) -> Self {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        ContactForm {
            name: person.name.as_str().to_string(),
            email: person
                .email
                .as_ref()
                .map(|e| e.as_str().to_string())
                .unwrap_or_default(),
            job_title: text(&person.job_title),
            phone: text(&person.phone),
            consent_given_on: person
                .consent_given_on
                .map(|d| d.format("%d-%m-%Y").to_string())
                .unwrap_or_default(),
            errors: HashMap::new(),
        }
    }
}

#[derive(Template)]
#[template(path = "contact_form.html")]
struct ContactPage {
    chrome: Chrome,
    organisation: String,
    organisation_id: i64,
    /// The contact being edited; `None` for a new one.
    editing: Option<i64>,
    f: ContactForm,
}

async fn organisation_name(ctx: &Ctx, id: OrganisationId) -> Result<String, PageError> {
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

pub async fn contact_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    ctx.staff()?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let organisation = organisation_name(&ctx, id).await?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        ContactPage {
            chrome: ctx.chrome("/organisations"),
            organisation,
            organisation_id: id.0,
            editing: None,
            f: ContactForm::default(),
        },
    ))
}

pub async fn add_contact(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let organisation = organisation_name(&ctx, id).await?;
    let t = ctx.tr();
    let mut f = ContactForm::from_fields(&fields);
    if let Some(person) = f.validate(&t, staff.cluster_id(), id) {
        match staff.add_contact(&person).await {
            Ok(_) => return Ok(see_other(&format!("/organisations/{}#contacts", id.0))),
            Err(StoreError::Conflict(_)) => {
                f.errors
                    .insert("email", t.with("field-email-taken", "value", &f.email));
            }
            Err(e) => return Err(PageError::store(e, ctx.lang)),
        }
    }
    Ok(render(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        ContactPage {
            chrome: ctx.chrome("/organisations"),
            organisation,
            organisation_id: id.0,
            editing: None,
            f,
        },
    ))
}

/// The contact behind a path, if it is one of the staff member's cluster.
async fn own_contact(
    ctx: &Ctx,
    staff: &StaffView,
    raw: &str,
) -> Result<(PersonId, Person), PageError> {
    let id = PersonId(parse_id(raw, ctx.lang)?);
    let person = staff
        .contact(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok((id, person))
}

pub async fn edit_contact_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let (id, person) = own_contact(&ctx, &staff, &raw).await?;
    let organisation = organisation_name(&ctx, person.organisation).await?;
    Ok(render(
        &ctx,
        StatusCode::OK,
        ContactPage {
            chrome: ctx.chrome("/contacts"),
            organisation,
            organisation_id: person.organisation.0,
            editing: Some(id.0),
            f: ContactForm::of(&person),
        },
    ))
}

pub async fn update_contact(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let (id, stored) = own_contact(&ctx, &staff, &raw).await?;
    let t = ctx.tr();
    let mut f = ContactForm::from_fields(&fields);
    if let Some(person) = f.validate(&t, staff.cluster_id(), stored.organisation) {
        match staff.update_contact(id, &person).await {
            Ok(()) => {
                return Ok(see_other(&format!(
                    "/organisations/{}#contacts",
                    stored.organisation.0
                )));
            }
            Err(StoreError::Conflict(_)) => {
                f.errors
                    .insert("email", t.with("field-email-taken", "value", &f.email));
            }
            Err(e) => return Err(PageError::store(e, ctx.lang)),
        }
    }
    let organisation = organisation_name(&ctx, stored.organisation).await?;
    Ok(render(
        &ctx,
        StatusCode::UNPROCESSABLE_ENTITY,
        ContactPage {
            chrome: ctx.chrome("/contacts"),
            organisation,
            organisation_id: stored.organisation.0,
            editing: Some(id.0),
            f,
        },
    ))
}

/// "Delete this?" before a delete, for pages without script.
#[derive(Template)]
#[template(path = "confirm_delete.html")]
struct ConfirmDeletePage {
    chrome: Chrome,
    title: String,
    message: String,
    /// What is to be deleted, quoted (a referral's note).
    detail: Option<String>,
    action: String,
    cancel: String,
}

pub async fn delete_contact_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let (id, person) = own_contact(&ctx, &staff, &raw).await?;
    let organisation = organisation_name(&ctx, person.organisation).await?;
    let t = ctx.tr();
    Ok(render(
        &ctx,
        StatusCode::OK,
        ConfirmDeletePage {
            chrome: ctx.chrome("/contacts"),
            title: t.get("contact-delete-title"),
            message: t.with_args(
                "contact-delete-question",
                &[
                    ("name", person.name.as_str().to_string()),
                    ("organisation", organisation),
                ],
            ),
            detail: None,
            action: format!("/contacts/{}/delete", id.0),
            cancel: format!("/organisations/{}#contacts", person.organisation.0),
        },
    ))
}

pub async fn delete_contact(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let (id, person) = own_contact(&ctx, &staff, &raw).await?;
    staff
        .delete_contact(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok(see_other(&format!(
        "/organisations/{}#contacts",
        person.organisation.0
    )))
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

// ----- referrals -----

#[derive(Template)]
#[template(path = "referrals.html")]
struct ReferralsPage {
    chrome: Chrome,
    rows: Vec<ReferralListRow>,
    pager: Pager,
}

pub async fn referrals(ctx: Ctx, RawQuery(raw): RawQuery) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let page = page_param(&forms::from_query(raw.as_deref()));
    let (rows, has_more) = one_page(
        staff
            .referrals((page - 1) * PAGE_SIZE, PAGE_SIZE + 1)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?,
    );
    Ok(render(
        &ctx,
        StatusCode::OK,
        ReferralsPage {
            chrome: ctx.chrome("/referrals"),
            rows,
            pager: Pager::new(page, has_more, |p| format!("/referrals?page={p}")),
        },
    ))
}

#[derive(Debug, Default)]
pub struct ReferralForm {
    pub target_kind: String,
    pub cluster: String,
    pub business_hub: String,
    pub programme: String,
    pub referred_on: String,
    pub note: String,
    pub errors: HashMap<&'static str, String>,
}

const MAX_NOTE: usize = 10_000;

impl ReferralForm {
    fn from_fields(fields: &forms::Fields) -> Self {
        ReferralForm {
            target_kind: forms::text(fields, "target_kind"),
            cluster: forms::text(fields, "cluster"),
            business_hub: forms::text(fields, "business_hub"),
            programme: forms::text(fields, "programme"),
            referred_on: forms::text(fields, "referred_on"),
            note: fields.get("note").cloned().unwrap_or_default(),
            errors: HashMap::new(),
        }
    }

    /// The form filled with a stored referral, for editing.
    fn of(referral: &Referral) -> Self {
        let mut f = ReferralForm {
            referred_on: referral.referred_on.format("%d-%m-%Y").to_string(),
            note: referral.note.clone(),
            ..ReferralForm::default()
        };
        match &referral.target {
            ReferralTarget::Cluster { cluster } => {
                f.target_kind = "cluster".into();
                f.cluster = cluster.0.to_string();
            }
            ReferralTarget::BusinessHub { organisation } => {
                f.target_kind = "business_hub".into();
                f.business_hub = organisation.0.to_string();
            }
            ReferralTarget::FundingProgramme { programme } => {
                f.target_kind = "funding_programme".into();
                f.programme = programme.as_str().to_string();
            }
        }
        f
    }

    fn validate(
        &mut self,
        t: &Tr,
        cluster: ClusterId,
        organisation: OrganisationId,
        choices: &ReferralChoices,
    ) -> Option<Referral> {
        let pick = |raw: &str, options: &[(i64, String)]| {
            raw.parse::<i64>()
                .ok()
                .filter(|id| options.iter().any(|(o, _)| o == id))
        };
        let target = match self.target_kind.as_str() {
            "cluster" => pick(&self.cluster, &choices.clusters)
                .map(|c| ReferralTarget::Cluster {
                    cluster: ClusterId(c),
                })
                .or_else(|| {
                    self.errors.insert("cluster", t.get("field-choose-one"));
                    None
                }),
            "business_hub" => pick(&self.business_hub, &choices.business_hubs)
                .map(|o| ReferralTarget::BusinessHub {
                    organisation: OrganisationId(o),
                })
                .or_else(|| {
                    self.errors
                        .insert("business_hub", t.get("field-choose-one"));
                    None
                }),
            "funding_programme" => required_name(&mut self.errors, t, "programme", &self.programme)
                .map(|programme| ReferralTarget::FundingProgramme { programme }),
            _ => {
                self.errors.insert("target_kind", t.get("field-choose-one"));
                None
            }
        };
        let referred_on = if self.referred_on.is_empty() {
            self.errors.insert("referred_on", t.get("field-required"));
            None
        } else {
            optional_date(&mut self.errors, t, "referred_on", &self.referred_on)
        };
        if self.note.chars().count() > MAX_NOTE {
            self.errors.insert(
                "note",
                t.with("field-too-long", "max", &MAX_NOTE.to_string()),
            );
        }
        if !self.errors.is_empty() {
            return None;
        }
        Some(Referral {
            cluster,
            organisation,
            target: target?,
            referred_on: referred_on?,
            note: self.note.clone(),
        })
    }
}

/// What a referral can point at: the other clusters and the business hubs.
struct ReferralChoices {
    clusters: Vec<(i64, String)>,
    business_hubs: Vec<(i64, String)>,
}

async fn referral_choices(ctx: &Ctx, staff: &StaffView) -> Result<ReferralChoices, PageError> {
    let store_err = |e| PageError::store(e, ctx.lang);
    let clusters = ctx
        .state
        .store
        .clusters()
        .await
        .map_err(store_err)?
        .into_iter()
        .filter(|c| c.id != staff.cluster_id())
        .map(|c| (c.id.0, c.cluster.name.as_str().to_string()))
        .collect();
    let hubs = staff
        .search_organisations(&OrganisationQuery {
            kind: Some(OrganisationKind::BusinessHub),
            limit: 200,
            ..OrganisationQuery::default()
        })
        .await
        .map_err(store_err)?;
    Ok(ReferralChoices {
        clusters,
        business_hubs: hubs.hits.into_iter().map(|h| (h.id.0, h.name)).collect(),
    })
}

#[derive(Template)]
#[template(path = "referral_form.html")]
struct ReferralPage {
    chrome: Chrome,
    organisation: String,
    organisation_id: i64,
    clusters: Vec<(i64, String)>,
    business_hubs: Vec<(i64, String)>,
    /// The referral being edited; `None` for a new one.
    editing: Option<i64>,
    f: ReferralForm,
}

impl ReferralPage {
    fn new(
        ctx: &Ctx,
        organisation: String,
        id: OrganisationId,
        choices: ReferralChoices,
        editing: Option<ReferralId>,
        f: ReferralForm,
    ) -> Self {
        ReferralPage {
            chrome: ctx.chrome("/referrals"),
            organisation,
            organisation_id: id.0,
            clusters: choices.clusters,
            business_hubs: choices.business_hubs,
            editing: editing.map(|r| r.0),
            f,
        }
    }
}

pub async fn referral_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let organisation = organisation_name(&ctx, id).await?;
    let choices = referral_choices(&ctx, &staff).await?;
    let f = ReferralForm {
        target_kind: "cluster".into(),
        referred_on: ctx.tr().date(&today()),
        ..ReferralForm::default()
    };
    let page = ReferralPage::new(&ctx, organisation, id, choices, None, f);
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn add_referral(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let id = OrganisationId(parse_id(&raw, ctx.lang)?);
    let organisation = organisation_name(&ctx, id).await?;
    let choices = referral_choices(&ctx, &staff).await?;
    let mut f = ReferralForm::from_fields(&fields);
    if let Some(referral) = f.validate(&ctx.tr(), staff.cluster_id(), id, &choices) {
        staff
            .add_referral(&referral)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?;
        return Ok(see_other(&format!("/organisations/{}#referrals", id.0)));
    }
    let page = ReferralPage::new(&ctx, organisation, id, choices, None, f);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

/// The referral behind a path, if it is one of the staff member's cluster.
async fn own_referral(
    ctx: &Ctx,
    staff: &StaffView,
    raw: &str,
) -> Result<(ReferralId, Referral), PageError> {
    let id = ReferralId(parse_id(raw, ctx.lang)?);
    let referral = staff
        .referral(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok((id, referral))
}

pub async fn edit_referral_form(ctx: Ctx, Path(raw): Path<String>) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let (id, referral) = own_referral(&ctx, &staff, &raw).await?;
    let organisation = organisation_name(&ctx, referral.organisation).await?;
    let choices = referral_choices(&ctx, &staff).await?;
    let f = ReferralForm::of(&referral);
    let page = ReferralPage::new(
        &ctx,
        organisation,
        referral.organisation,
        choices,
        Some(id),
        f,
    );
    Ok(render(&ctx, StatusCode::OK, page))
}

pub async fn update_referral(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let (id, stored) = own_referral(&ctx, &staff, &raw).await?;
    let choices = referral_choices(&ctx, &staff).await?;
    let mut f = ReferralForm::from_fields(&fields);
    let organisation = stored.organisation;
    if let Some(referral) = f.validate(&ctx.tr(), staff.cluster_id(), organisation, &choices) {
        staff
            .update_referral(id, &referral)
            .await
            .map_err(|e| PageError::store(e, ctx.lang))?;
        return Ok(see_other(&format!(
            "/organisations/{}#referrals",
            organisation.0
        )));
    }
    let name = organisation_name(&ctx, organisation).await?;
    let page = ReferralPage::new(&ctx, name, organisation, choices, Some(id), f);
    Ok(render(&ctx, StatusCode::UNPROCESSABLE_ENTITY, page))
}

pub async fn delete_referral_form(
    ctx: Ctx,
    Path(raw): Path<String>,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let (id, referral) = own_referral(&ctx, &staff, &raw).await?;
    let organisation = organisation_name(&ctx, referral.organisation).await?;
    let choices = referral_choices(&ctx, &staff).await?;
    let named = |options: &[(i64, String)], id: i64| {
        options
            .iter()
            .find(|(o, _)| *o == id)
            .map_or_else(|| id.to_string(), |(_, name)| name.clone())
    };
    let target = match &referral.target {
        ReferralTarget::Cluster { cluster } => named(&choices.clusters, cluster.0),
        ReferralTarget::BusinessHub { organisation } => {
            named(&choices.business_hubs, organisation.0)
        }
        ReferralTarget::FundingProgramme { programme } => programme.as_str().to_string(),
    };
    let t = ctx.tr();
    Ok(render(
        &ctx,
        StatusCode::OK,
        ConfirmDeletePage {
            chrome: ctx.chrome("/referrals"),
            title: t.get("referral-delete-title"),
            message: t.with_args(
                "referral-delete-question",
                &[
                    ("organisation", organisation),
                    ("target", target),
                    ("date", t.date(&referral.referred_on)),
                ],
            ),
            detail: Some(referral.note.clone()).filter(|n| !n.is_empty()),
            action: format!("/referrals/{}/delete", id.0),
            cancel: format!("/organisations/{}#referrals", referral.organisation.0),
        },
    ))
}

pub async fn delete_referral(
    ctx: Ctx,
    Path(raw): Path<String>,
    body: Bytes,
) -> Result<Response, PageError> {
    let staff = ctx.staff()?;
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
    let (id, referral) = own_referral(&ctx, &staff, &raw).await?;
    staff
        .delete_referral(id)
        .await
        .map_err(|e| PageError::store(e, ctx.lang))?;
    Ok(see_other(&format!(
        "/organisations/{}#referrals",
        referral.organisation.0
    )))
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
    let fields = forms::from_body(&body);
    ctx.check_csrf(fields.get("csrf"))?;
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
