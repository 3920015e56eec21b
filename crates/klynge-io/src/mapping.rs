//! Which column holds which field. Headers are matched by Danish and English names and common
//! synonyms after normalising (lower case, only letters and digits: "CVR-nr." → "cvrnr"), so
//! that lists exported from other systems map without help; the caller can override any
//! column with `COLUMN=FIELD`.

use std::fmt;

use thiserror::Error;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Entity {
    Organisations,
    Contacts,
    Memberships,
    Activities,
    Participations,
}

impl Entity {
    pub const ALL: [Entity; 5] = [
        Entity::Organisations,
        Entity::Contacts,
        Entity::Memberships,
        Entity::Activities,
        Entity::Participations,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Entity::Organisations => "organisations",
            Entity::Contacts => "contacts",
            Entity::Memberships => "memberships",
            Entity::Activities => "activities",
            Entity::Participations => "participations",
        }
    }

    pub fn parse(input: &str) -> Option<Entity> {
        Entity::ALL.into_iter().find(|e| e.code() == input.trim())
    }

    /// Whether rows belong to one cluster (everything but the shared registry).
    pub fn needs_cluster(self) -> bool {
        self != Entity::Organisations
    }

    /// The fields a file of this entity may have, in the order exports write them.
    pub fn fields(self) -> &'static [Field] {
        use Field::*;
        match self {
            Entity::Organisations => &[
                Name,
                Cvr,
                Municipality,
                Kind,
                Country,
                Vat,
                Employees,
                Industry,
            ],
            Entity::Contacts => &[
                Name,
                Email,
                Phone,
                JobTitle,
                ConsentGivenOn,
                Organisation,
                Cvr,
                Municipality,
            ],
            Entity::Memberships => &[Organisation, Cvr, Municipality, ValidFrom, ValidTo, FeeTier],
            Entity::Activities => &[
                Title,
                ActivityType,
                FundingStream,
                Format,
                Municipality,
                StartsOn,
                EndsOn,
                Published,
            ],
            Entity::Participations => &[
                ActivityId,
                Activity,
                Organisation,
                Cvr,
                Municipality,
                Email,
                Role,
                Dedication,
                NewProductServiceProcess,
                NewKnowledgeCollaboration,
                NewCompetences,
                ReferralReceived,
                RegisteredOn,
            ],
        }
    }
}

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A field a column can hold. Codes are what `--map COLUMN=FIELD` takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    Name,
    Cvr,
    Municipality,
    Kind,
    Country,
    Vat,
    Employees,
    Industry,
    Email,
    Phone,
    JobTitle,
    ConsentGivenOn,
    /// A reference to an existing organisation by name (with [`Field::Cvr`] the better key).
    Organisation,
    ValidFrom,
    ValidTo,
    FeeTier,
    Title,
    ActivityType,
    FundingStream,
    Format,
    StartsOn,
    EndsOn,
    Published,
    ActivityId,
    /// A reference to an existing activity by title.
    Activity,
    Role,
    Dedication,
    NewProductServiceProcess,
    NewKnowledgeCollaboration,
    NewCompetences,
    ReferralReceived,
    RegisteredOn,
}

impl Field {
    pub fn code(self) -> &'static str {
        use Field::*;
        match self {
            Name => "name",
            Cvr => "cvr",
            Municipality => "municipality",
            Kind => "kind",
            Country => "country",
            Vat => "vat",
            Employees => "employees",
            Industry => "industry",
            Email => "email",
            Phone => "phone",
            JobTitle => "job_title",
            ConsentGivenOn => "consent_given_on",
            Organisation => "organisation",
            ValidFrom => "valid_from",
            ValidTo => "valid_to",
            FeeTier => "fee_tier",
            Title => "title",
            ActivityType => "activity_type",
            FundingStream => "funding_stream",
            Format => "format",
            StartsOn => "starts_on",
            EndsOn => "ends_on",
            Published => "published",
            ActivityId => "activity_id",
            Activity => "activity",
            Role => "role",
            Dedication => "dedication",
            NewProductServiceProcess => "new_product_service_process",
            NewKnowledgeCollaboration => "new_knowledge_collaboration",
            NewCompetences => "new_competences",
            ReferralReceived => "referral_received",
            RegisteredOn => "registered_on",
        }
    }

    /// The column title exports write, per language; imports recognise it too.
    pub fn label(self, lang: crate::Lang) -> &'static str {
        use Field::*;
        let (da, en) = match self {
            Name => ("Navn", "Name"),
            Cvr => ("CVR-nr.", "CVR"),
            Municipality => ("Kommune", "Municipality"),
            Kind => ("Aktørtype", "Kind"),
            Country => ("Land", "Country"),
            Vat => ("Momsnummer", "VAT number"),
            Employees => ("Ansatte", "Employees"),
            Industry => ("Branchekode", "Industry code"),
            Email => ("E-mail", "E-mail"),
            Phone => ("Telefon", "Phone"),
            JobTitle => ("Stilling", "Job title"),
            ConsentGivenOn => ("Samtykke givet", "Consent given on"),
            Organisation => ("Virksomhed", "Organisation"),
            ValidFrom => ("Medlem fra", "Member from"),
            ValidTo => ("Medlem til", "Member until"),
            FeeTier => ("Kontingent", "Fee tier"),
            Title => ("Titel", "Title"),
            ActivityType => ("Aktivitetstype", "Activity type"),
            FundingStream => ("Finansiering", "Funding stream"),
            Format => ("Format", "Format"),
            StartsOn => ("Startdato", "Starts on"),
            EndsOn => ("Slutdato", "Ends on"),
            Published => ("Offentliggjort", "Published"),
            ActivityId => ("Aktivitets-id", "Activity id"),
            Activity => ("Aktivitet", "Activity"),
            Role => ("Rolle", "Role"),
            Dedication => ("Dedikation", "Dedication"),
            NewProductServiceProcess => {
                ("Nyt produkt/service/proces", "New product/service/process")
            }
            NewKnowledgeCollaboration => ("Nyt vidensamarbejde", "New knowledge collaboration"),
            NewCompetences => ("Nye kompetencer", "New competences"),
            ReferralReceived => ("Henvist", "Referral received"),
            RegisteredOn => ("Tilmeldt", "Registered on"),
        };
        match lang {
            crate::Lang::Da => da,
            crate::Lang::En => en,
        }
    }

    /// Synonyms (already normalised) beyond the code and the two labels. Some words mean
    /// different fields in different files ("navn" is the organisation in an organisations
    /// file, the person in a contacts file), hence the entity.
    fn synonyms(self, entity: Entity) -> &'static [&'static str] {
        use Field::*;
        match (self, entity) {
            (Name, Entity::Organisations) => &[
                "navn",
                "name",
                "virksomhed",
                "virksomhedsnavn",
                "firma",
                "firmanavn",
                "organisation",
                "organisationsnavn",
                "organization",
                "company",
                "companyname",
                "aktør",
                "aktor",
            ],
            (Name, _) => &[
                "navn",
                "name",
                "kontaktperson",
                "kontakt",
                "fuldtnavn",
                "fullname",
                "contact",
                "contactname",
                "person",
            ],
            (Organisation, _) => &[
                "virksomhed",
                "virksomhedsnavn",
                "firma",
                "firmanavn",
                "organisation",
                "organisationsnavn",
                "organization",
                "company",
                "companyname",
                "aktør",
                "aktor",
                "medlem",
                "member",
            ],
            (Cvr, _) => &[
                "cvr",
                "cvrnr",
                "cvrnummer",
                "cvrno",
                "cvrnumber",
                "virksomhedsnummer",
                "companyregistrationnumber",
            ],
            (Municipality, _) => &[
                "kommune",
                "kommunekode",
                "kommunenr",
                "municipality",
                "municipalitycode",
                "by",
            ],
            (Kind, _) => &[
                "type",
                "aktørtype",
                "organisationstype",
                "kind",
                "organisationkind",
            ],
            (Country, _) => &["land", "landekode", "country", "countrycode"],
            (Vat, _) => &[
                "moms",
                "momsnr",
                "momsnummer",
                "vat",
                "vatnr",
                "vatnumber",
                "vatno",
            ],
            (Employees, _) => &[
                "ansatte",
                "antalansatte",
                "medarbejdere",
                "antalmedarbejdere",
                "employees",
                "employment",
                "headcount",
            ],
            (Industry, _) => &[
                "branche",
                "branchekode",
                "industry",
                "industrycode",
                "nace",
                "db07",
            ],
            (Email, _) => &[
                "email",
                "mail",
                "epost",
                "emailadresse",
                "mailadresse",
                "emailaddress",
            ],
            (Phone, _) => &[
                "telefon",
                "telefonnummer",
                "tlf",
                "tlfnr",
                "mobil",
                "phone",
                "telephone",
                "mobile",
                "phonenumber",
            ],
            (JobTitle, _) => &[
                "stilling", "titel", "jobtitel", "title", "jobtitle", "position",
            ],
            (ConsentGivenOn, _) => &[
                "samtykke",
                "samtykkedato",
                "consent",
                "consentdate",
                "consentgivenon",
            ],
            (ValidFrom, _) => &[
                "fra",
                "medlemfra",
                "gyldigfra",
                "startdato",
                "indmeldt",
                "from",
                "validfrom",
                "membersince",
                "startdate",
            ],
            (ValidTo, _) => &[
                "til",
                "medlemtil",
                "gyldigtil",
                "slutdato",
                "udmeldt",
                "to",
                "validto",
                "memberuntil",
                "enddate",
            ],
            (FeeTier, _) => &[
                "kontingent",
                "kontingentniveau",
                "medlemstype",
                "fee",
                "feetier",
                "tier",
            ],
            (Title, _) => &[
                "titel",
                "navn",
                "aktivitet",
                "aktivitetsnavn",
                "title",
                "name",
                "activity",
                "activityname",
            ],
            (ActivityType, _) => &["aktivitetstype", "type", "activitytype"],
            (FundingStream, _) => &[
                "finansiering",
                "finansieringskilde",
                "funding",
                "fundingstream",
            ],
            (Format, _) => &["format", "form"],
            (StartsOn, _) => &[
                "startdato",
                "start",
                "dato",
                "fra",
                "startdate",
                "date",
                "startson",
            ],
            (EndsOn, _) => &["slutdato", "slut", "til", "enddate", "end", "endson"],
            (Published, _) => &[
                "offentliggjort",
                "publiceret",
                "offentlig",
                "published",
                "public",
            ],
            (ActivityId, _) => &["aktivitetsid", "aktivitetid", "activityid"],
            (Activity, _) => &[
                "aktivitet",
                "aktivitetsnavn",
                "activity",
                "activitytitle",
                "activityname",
            ],
            (Role, _) => &["rolle", "role", "deltagerrolle"],
            (Dedication, _) => &[
                "dedikation",
                "dedikeret",
                "dedikationsgrundlag",
                "dedication",
                "dedicated",
                "dedicationbasis",
            ],
            (NewProductServiceProcess, _) => &[
                "nytprodukt",
                "nytproduktserviceproces",
                "newproduct",
                "newproductserviceprocess",
            ],
            (NewKnowledgeCollaboration, _) => &[
                "nytvidensamarbejde",
                "vidensamarbejde",
                "newknowledgecollaboration",
            ],
            (NewCompetences, _) => &["nyekompetencer", "kompetencer", "newcompetences"],
            (ReferralReceived, _) => &["henvist", "henvisning", "referral", "referralreceived"],
            (RegisteredOn, _) => &[
                "tilmeldt",
                "tilmeldingsdato",
                "registreret",
                "dato",
                "registeredon",
                "registrationdate",
                "date",
            ],
        }
    }

    /// Parses a field code (as `--map` takes it) or any name the field is recognised by.
    pub fn parse(entity: Entity, input: &str) -> Option<Field> {
        let wanted = normalise(input);
        entity
            .fields()
            .iter()
            .copied()
            .find(|f| normalise(f.code()) == wanted)
            .or_else(|| recognise(entity, input))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// Lower case, letters and digits only.
pub fn normalise(header: &str) -> String {
    header
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

/// The field a header names, if any. Exact names first, then the synonyms in field order, so
/// that the first field listed wins a shared word ("startdato" in a memberships file is the
/// membership start).
fn recognise(entity: Entity, header: &str) -> Option<Field> {
    let key = normalise(header);
    if key.is_empty() {
        return None;
    }
    let fields = entity.fields();
    fields
        .iter()
        .copied()
        .find(|f| {
            normalise(f.code()) == key
                || normalise(f.label(crate::Lang::Da)) == key
                || normalise(f.label(crate::Lang::En)) == key
        })
        .or_else(|| {
            fields
                .iter()
                .copied()
                .find(|f| f.synonyms(entity).contains(&key.as_str()))
        })
}

/// Column index → field, for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mapping {
    pub entity: Entity,
    pub headers: Vec<String>,
    /// For each column, the field it holds (None: ignored).
    pub columns: Vec<Option<Field>>,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum MappingError {
    #[error("invalid mapping {input:?}: expected COLUMN=FIELD, e.g. \"Firma=name\"")]
    Syntax { input: String },
    #[error("no column {column:?} in the file: expected one of {headers}")]
    NoSuchColumn { column: String, headers: String },
    #[error(
        "unknown field {field:?} for {entity}: expected one of {expected} (or \"-\" to ignore the column)"
    )]
    NoSuchField {
        field: String,
        entity: Entity,
        expected: String,
    },
}

impl Mapping {
    /// Maps each header to a field by name; a field is taken by the first column that names it.
    pub fn detect(entity: Entity, headers: &[String]) -> Mapping {
        let mut columns: Vec<Option<Field>> = Vec::with_capacity(headers.len());
        for header in headers {
            let field = recognise(entity, header).filter(|f| !columns.contains(&Some(*f)));
            columns.push(field);
        }
        Mapping {
            entity,
            headers: headers.to_vec(),
            columns,
        }
    }

    /// Applies `COLUMN=FIELD` overrides (`COLUMN=-` ignores a column). The column is matched
    /// by its header (normalised) or its 1-based position; a field chosen here is taken away
    /// from any other column.
    pub fn with_overrides(mut self, overrides: &[String]) -> Result<Mapping, MappingError> {
        for raw in overrides {
            let (column, field) = raw
                .rsplit_once('=')
                .ok_or_else(|| MappingError::Syntax { input: raw.clone() })?;
            let index = self
                .headers
                .iter()
                .position(|h| normalise(h) == normalise(column) && !normalise(column).is_empty())
                .or_else(|| {
                    column
                        .trim()
                        .parse::<usize>()
                        .ok()
                        .filter(|n| (1..=self.headers.len()).contains(n))
                        .map(|n| n - 1)
                })
                .ok_or_else(|| MappingError::NoSuchColumn {
                    column: column.to_string(),
                    headers: self
                        .headers
                        .iter()
                        .map(|h| format!("{h:?}"))
                        .collect::<Vec<_>>()
                        .join(", "),
                })?;
            let field = if field.trim() == "-" {
                None
            } else {
                Some(Field::parse(self.entity, field).ok_or_else(|| {
                    MappingError::NoSuchField {
                        field: field.to_string(),
                        entity: self.entity,
                        expected: self
                            .entity
                            .fields()
                            .iter()
                            .map(|f| f.code())
                            .collect::<Vec<_>>()
                            .join(", "),
                    }
                })?)
            };
            if let Some(f) = field {
                for c in &mut self.columns {
                    if *c == Some(f) {
                        *c = None;
                    }
                }
            }
            self.columns[index] = field;
        }
        Ok(self)
    }

    /// The column that holds `field`.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns.iter().position(|c| *c == Some(field))
    }

    pub fn has(&self, field: Field) -> bool {
        self.column_of(field).is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(h: &[&str]) -> Vec<String> {
        h.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn danish_and_english_synonyms() {
        let m = Mapping::detect(
            Entity::Organisations,
            &headers(&["Firmanavn", "CVR-nr.", "Kommune", "Noter"]),
        );
        assert_eq!(
            m.columns,
            vec![
                Some(Field::Name),
                Some(Field::Cvr),
                Some(Field::Municipality),
                None
            ]
        );
        for h in ["CVR", "CVR-nr.", "cvr nummer", "Cvr Number"] {
            assert_eq!(recognise(Entity::Organisations, h), Some(Field::Cvr), "{h}");
        }
        for h in ["E-mail", "Email", "Mail", "e-mailadresse"] {
            assert_eq!(recognise(Entity::Contacts, h), Some(Field::Email), "{h}");
        }
        // "Navn" is the person in a contacts file, "Virksomhed" the organisation.
        let m = Mapping::detect(
            Entity::Contacts,
            &headers(&["Navn", "Virksomhed", "Municipality"]),
        );
        assert_eq!(
            m.columns,
            vec![
                Some(Field::Name),
                Some(Field::Organisation),
                Some(Field::Municipality)
            ]
        );
    }

    #[test]
    fn overrides() {
        let m = Mapping::detect(
            Entity::Organisations,
            &headers(&["Firma", "Nummer", "Navn"]),
        )
        .with_overrides(&["Nummer=cvr".into(), "3=-".into()])
        .unwrap();
        assert_eq!(m.columns, vec![Some(Field::Name), Some(Field::Cvr), None]);
        let err = Mapping::detect(Entity::Organisations, &headers(&["A"]))
            .with_overrides(&["A=shoe".into()])
            .unwrap_err()
            .to_string();
        assert!(err.contains("shoe") && err.contains("cvr"), "{err}");
        assert!(
            Mapping::detect(Entity::Organisations, &headers(&["A"]))
                .with_overrides(&["B=cvr".into()])
                .is_err()
        );
    }
}
