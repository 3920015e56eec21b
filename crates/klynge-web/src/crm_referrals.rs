//! The staff's referral screens (henvisninger): the cluster's referrals, referring an
//! organisation to another cluster, a business hub or a funding programme, editing and deleting.

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{
    ClusterId, OrganisationId, OrganisationKind, Referral, ReferralId, ReferralTarget,
};
use klynge_store::{OrganisationQuery, ReferralListRow, StaffView};

use crate::context::Ctx;
use crate::crm_pages::{ConfirmDeletePage, optional_date, organisation_name, required_name, today};
use crate::error::PageError;
use crate::forms;
use crate::i18n::Tr;
use crate::pages::{Chrome, PAGE_SIZE, Pager, one_page, page_param, parse_id, render, see_other};

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
    let fields = ctx.form(&body)?;
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
    let fields = ctx.form(&body)?;
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
    ctx.form(&body)?;
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
