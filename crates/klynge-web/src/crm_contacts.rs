//! The staff's contact screens: the cluster's contacts, adding one at an organisation,
//! editing and deleting (the right to erasure).

use std::collections::HashMap;

use askama::Template;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery};
use axum::http::StatusCode;
use axum::response::Response;
use klynge_domain::{ClusterId, Email, OrganisationId, Person, PersonId};
use klynge_store::{ContactListRow, StaffView, StoreError};

use crate::context::Ctx;
use crate::crm_pages::{
    ConfirmDeletePage, MAX_SHORT_TEXT, optional_date, organisation_name, required_name,
};
use crate::error::PageError;
use crate::forms;
use crate::i18n::Tr;
use crate::pages::{Chrome, PAGE_SIZE, Pager, one_page, page_param, parse_id, render, see_other};

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
    let fields = ctx.form(&body)?;
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
    let fields = ctx.form(&body)?;
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
    ctx.form(&body)?;
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
