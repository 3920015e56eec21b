//! Deterministic demo data: the 14 national clusters and an ecosystem around them.
//!
//! The same seed and scale always give the same data (a seeded ChaCha generator; no hash-map
//! iteration order anywhere). The ids are assigned here, from 1, so the loader can insert
//! related rows without asking the database for them; it must load into an empty database.
//!
//! Architecture invariant: no I/O. The binary loads what this crate generates.

mod clusters;
mod events;
mod market;
mod names;

use std::collections::BTreeSet;

use chrono::{Datelike, Days, NaiveDate};
use klynge_domain::geography::municipalities;
use klynge_domain::*;
use rand::seq::{IndexedRandom, SliceRandom};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

pub use clusters::{NATIONAL_CLUSTERS, NationalCluster};
pub use events::{DemoEvent, DemoRequest, demo_events};
pub use market::market_posts;

/// How much data to make.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// About 20,000 organisations and 50,000 participations: quick to load, rich to look at.
    Small,
    /// About 300,000 organisations and 1,000,000 participations: the national platform.
    National,
}

impl Scale {
    pub fn parse(input: &str) -> Result<Scale, String> {
        match input {
            "small" => Ok(Scale::Small),
            "national" => Ok(Scale::National),
            other => Err(format!(
                "unknown scale {other:?}: expected small or national"
            )),
        }
    }

    fn organisations(self) -> usize {
        match self {
            Scale::Small => 20_000,
            Scale::National => 300_000,
        }
    }

    fn participations(self) -> usize {
        match self {
            Scale::Small => 50_000,
            Scale::National => 1_000_000,
        }
    }

    fn foreign_organisations(self) -> usize {
        match self {
            Scale::Small => 40,
            Scale::National => 600,
        }
    }
}

/// Everything the demo database holds.
#[derive(Debug, Default)]
pub struct DemoData {
    pub clusters: Vec<(ClusterId, Cluster)>,
    pub organisations: Vec<(OrganisationId, Organisation)>,
    pub persons: Vec<(PersonId, Person)>,
    pub memberships: Vec<Membership>,
    pub activities: Vec<(ActivityId, Activity)>,
    pub participations: Vec<Participation>,
    pub interactions: Vec<Interaction>,
    pub referrals: Vec<Referral>,
    pub offices: Vec<Office>,
    pub agreements: Vec<Agreement>,
}

impl DemoData {
    pub fn row_count(&self) -> usize {
        self.clusters.len()
            + self.organisations.len()
            + self.persons.len()
            + self.memberships.len()
            + self.activities.len()
            + self.participations.len()
            + self.interactions.len()
            + self.referrals.len()
            + self.offices.len()
            + self.agreements.len()
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

fn name(text: &str) -> Name {
    // Only called with generated text that is short, single-line and non-empty.
    Name::parse(text).unwrap_or_else(|_| Name::parse("Unavngivet").expect("literal name is valid"))
}

fn municipality(name: &str) -> MunicipalityCode {
    Municipality::find(name)
        .map(|m| m.code)
        .unwrap_or_else(|_| municipalities()[0].code)
}

fn random_day(rng: &mut ChaCha8Rng, from: NaiveDate, to: NaiveDate) -> NaiveDate {
    let span = (to - from).num_days().max(0) as u64;
    from + Days::new(rng.random_range(0..=span))
}

struct Generator {
    rng: ChaCha8Rng,
    data: DemoData,
    /// Cumulative population weights over `municipalities()`.
    municipality_weights: Vec<u32>,
    next_cvr_prefix: u32,
    /// Per cluster: its member organisations (index into `data.organisations`).
    members: Vec<Vec<usize>>,
    companies_by_industry: Vec<Vec<usize>>,
    knowledge_institutions: Vec<usize>,
    business_hubs: Vec<usize>,
    municipality_orgs: Vec<usize>,
    region_orgs: Vec<usize>,
}

/// Generates the demo data for a seed and scale.
pub fn generate(seed: u64, scale: Scale) -> DemoData {
    let weights = municipalities()
        .iter()
        .scan(0u32, |acc, m| {
            let thousands = names::POPULATION_THOUSANDS
                .iter()
                .find(|(n, _)| Municipality::find(n).is_ok_and(|x| x.code == m.code))
                .map_or(40, |(_, p)| *p);
            *acc += thousands;
            Some(*acc)
        })
        .collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let next_cvr_prefix = rng.random_range(2_000_000..3_000_000);
    let mut g = Generator {
        rng,
        data: DemoData::default(),
        municipality_weights: weights,
        next_cvr_prefix,
        members: vec![Vec::new(); NATIONAL_CLUSTERS.len()],
        companies_by_industry: vec![Vec::new(); NATIONAL_CLUSTERS.len()],
        knowledge_institutions: Vec::new(),
        business_hubs: Vec::new(),
        municipality_orgs: Vec::new(),
        region_orgs: Vec::new(),
    };
    g.clusters();
    g.public_actors();
    g.companies(scale);
    g.foreign(scale);
    g.memberships();
    g.contacts();
    g.activities_and_participations(scale);
    g.dialogue();
    g.presence();
    g.data
}

impl Generator {
    fn weighted_municipality(&mut self) -> MunicipalityCode {
        let total = *self.municipality_weights.last().unwrap_or(&1);
        let pick = self.rng.random_range(0..total);
        let index = self.municipality_weights.partition_point(|w| *w <= pick);
        municipalities()[index.min(municipalities().len() - 1)].code
    }

    /// The next valid, unused CVR number (prefixes only grow, so they never repeat).
    fn next_cvr(&mut self) -> Cvr {
        loop {
            self.next_cvr_prefix += self.rng.random_range(1..=20);
            if let Some(cvr) = Cvr::with_check_digit(self.next_cvr_prefix) {
                return cvr;
            }
        }
    }

    fn push_organisation(&mut self, org: Organisation) -> usize {
        let index = self.data.organisations.len();
        self.data
            .organisations
            .push((OrganisationId(index as i64 + 1), org));
        index
    }

    fn org_id(&self, index: usize) -> OrganisationId {
        self.data.organisations[index].0
    }

    fn clusters(&mut self) {
        for (i, c) in NATIONAL_CLUSTERS.iter().enumerate() {
            let cluster = Cluster {
                slug: Slug::parse(c.slug)
                    .unwrap_or_else(|_| Slug::parse("cluster").expect("literal slug")),
                name: name(c.name),
                strength_area: name(c.strength_area),
                emerging: c.emerging,
            };
            self.data.clusters.push((ClusterId(i as i64 + 1), cluster));
        }
    }

    fn danish(
        &mut self,
        org_name: &str,
        kind: OrganisationKind,
        at: MunicipalityCode,
        employment: Option<Employment>,
    ) -> usize {
        let cvr = Some(self.next_cvr());
        self.push_organisation(Organisation {
            name: name(org_name),
            kind,
            registration: Registration::Danish {
                cvr,
                municipality: Some(at),
            },
            employment,
            industry: None,
        })
    }

    fn public_actors(&mut self) {
        for m in municipalities() {
            let i = self.danish(
                &format!("{} Kommune", m.name),
                OrganisationKind::Municipality,
                m.code,
                Some(Employment::parse("1000+").unwrap_or(Employment::exact(1000))),
            );
            self.municipality_orgs.push(i);
        }
        for (region, seat) in [
            (Region::Nordjylland, "Aalborg"),
            (Region::Midtjylland, "Viborg"),
            (Region::Syddanmark, "Vejle"),
            (Region::Hovedstaden, "Hillerød"),
            (Region::Sjaelland, "Sorø"),
        ] {
            let i = self.danish(
                region.name_da(),
                OrganisationKind::Region,
                municipality(seat),
                Some(Employment::parse("1000+").unwrap_or(Employment::exact(1000))),
            );
            self.region_orgs.push(i);
        }
        for (hub, at) in names::BUSINESS_HUBS {
            let i = self.danish(
                hub,
                OrganisationKind::BusinessHub,
                municipality(at),
                Some(Employment::parse("20-49").unwrap_or(Employment::exact(30))),
            );
            self.business_hubs.push(i);
        }
        for (inst, at) in names::KNOWLEDGE_INSTITUTIONS {
            let i = self.danish(
                inst,
                OrganisationKind::KnowledgeInstitution,
                municipality(at),
                Some(Employment::parse("500-999").unwrap_or(Employment::exact(500))),
            );
            self.knowledge_institutions.push(i);
        }
        for (assoc, at) in [
            ("Dansk Industri", "København"),
            ("Dansk Erhverv", "København"),
            ("SMVdanmark", "København"),
            ("Landbrug & Fødevarer", "Aarhus"),
        ] {
            self.danish(
                assoc,
                OrganisationKind::IndustryAssociation,
                municipality(at),
                None,
            );
        }
        for (authority, at) in [
            ("Energistyrelsen", "København"),
            ("Erhvervsstyrelsen", "Silkeborg"),
            ("Danmarks Erhvervsfremmebestyrelse", "Silkeborg"),
            ("Uddannelses- og Forskningsstyrelsen", "København"),
        ] {
            self.danish(
                authority,
                OrganisationKind::PublicAuthority,
                municipality(at),
                None,
            );
        }
        for (investor, at) in [
            ("Vækstfonden / EIFO", "København"),
            ("Seed Capital", "København"),
            ("Nordjysk Kapital", "Aalborg"),
            ("Syddansk Innovation", "Odense"),
        ] {
            self.danish(
                investor,
                OrganisationKind::Investor,
                municipality(at),
                Some(Employment::parse("10-19").unwrap_or(Employment::exact(10))),
            );
        }
    }

    fn employment(&mut self) -> Employment {
        let ranges: [(u32, Option<u32>, u32); 10] = [
            (1, Some(1), 280),
            (2, Some(4), 220),
            (5, Some(9), 160),
            (10, Some(19), 130),
            (20, Some(49), 90),
            (50, Some(99), 50),
            (100, Some(199), 30),
            (200, Some(499), 20),
            (500, Some(999), 10),
            (1000, None, 10),
        ];
        let total: u32 = ranges.iter().map(|r| r.2).sum();
        let mut pick = self.rng.random_range(0..total);
        for (min, max, weight) in ranges {
            if pick < weight {
                return Employment::range(min, max).unwrap_or(Employment::exact(min));
            }
            pick -= weight;
        }
        Employment::exact(1)
    }

    fn companies(&mut self, scale: Scale) {
        let target = scale.organisations() - scale.foreign_organisations();
        while self.data.organisations.len() < target {
            let home = self.rng.random_range(0..NATIONAL_CLUSTERS.len());
            let industry_code = *NATIONAL_CLUSTERS[home]
                .industries
                .choose(&mut self.rng)
                .unwrap_or(&"620100");
            let company_name = format!(
                "{} {} {}",
                names::PREFIXES.choose(&mut self.rng).unwrap_or(&"Nord"),
                names::CORES.choose(&mut self.rng).unwrap_or(&"Teknik"),
                names::SUFFIXES.choose(&mut self.rng).unwrap_or(&"ApS")
            );
            // About one in a hundred is an association or sole trader without a CVR at hand.
            let cvr = if self.rng.random_bool(0.01) {
                None
            } else {
                Some(self.next_cvr())
            };
            let kind = if self.rng.random_bool(0.02) {
                OrganisationKind::Other
            } else {
                OrganisationKind::Company
            };
            let employment = Some(self.employment());
            let at = self.weighted_municipality();
            let index = self.push_organisation(Organisation {
                name: name(&company_name),
                kind,
                registration: Registration::Danish {
                    cvr,
                    municipality: Some(at),
                },
                employment,
                industry: IndustryCode::parse(IndustryClassification::Db07, industry_code).ok(),
            });
            self.companies_by_industry[home].push(index);
        }
    }

    fn foreign(&mut self, scale: Scale) {
        for i in 0..scale.foreign_organisations() {
            let (country, base, vat) = names::FOREIGN[i % names::FOREIGN.len()];
            let round = i / names::FOREIGN.len();
            let (org_name, vat) = if round == 0 {
                (base.to_string(), Some(vat.to_string()))
            } else {
                (format!("{base} {}", round + 1), None)
            };
            let Ok(country) = CountryCode::parse(country) else {
                continue;
            };
            let registration =
                Registration::foreign(country, vat.and_then(|v| VatNumber::parse(&v).ok()))
                    .unwrap_or(Registration::Danish {
                        cvr: None,
                        municipality: None,
                    });
            let employment = Some(self.employment());
            let index = self.push_organisation(Organisation {
                name: name(&org_name),
                kind: OrganisationKind::Company,
                registration,
                employment,
                industry: None,
            });
            let home = i % NATIONAL_CLUSTERS.len();
            self.companies_by_industry[home].push(index);
        }
    }

    fn memberships(&mut self) {
        let period_start = date(2019, 1, 1);
        let today = date(2025, 12, 31);
        for c in 0..NATIONAL_CLUSTERS.len() {
            let cluster = ClusterId(c as i64 + 1);
            let target = self.rng.random_range(85..=450);
            let mut chosen = BTreeSet::new();
            // Mostly companies of the cluster's own industries, some from neighbouring clusters
            // (so that some companies are members of several), plus knowledge institutions and
            // municipalities.
            while chosen.len() < target {
                let roll = self.rng.random_range(0..100);
                let pool = if roll < 70 {
                    &self.companies_by_industry[c]
                } else if roll < 85 {
                    let other = self.rng.random_range(0..NATIONAL_CLUSTERS.len());
                    &self.companies_by_industry[other]
                } else if roll < 93 {
                    &self.knowledge_institutions
                } else {
                    &self.municipality_orgs
                };
                if let Some(org) = pool.choose(&mut self.rng) {
                    chosen.insert(*org);
                }
            }
            for org in chosen {
                let from = random_day(&mut self.rng, period_start, date(2025, 6, 30));
                let to = self
                    .rng
                    .random_bool(0.15)
                    .then(|| random_day(&mut self.rng, from, today));
                let (kind, employment) = {
                    let o = &self.data.organisations[org].1;
                    (o.kind, o.employment)
                };
                let fee_tier = match (kind, employment.map(|e| e.size_class())) {
                    (OrganisationKind::Company, Some(SizeClass::Micro) | None) => FeeTier::Small,
                    (OrganisationKind::Company, Some(SizeClass::Small)) => FeeTier::Medium,
                    (OrganisationKind::Company, Some(_)) => {
                        if self.rng.random_bool(0.2) {
                            FeeTier::StrategicPartner
                        } else {
                            FeeTier::Large
                        }
                    }
                    _ => FeeTier::Free,
                };
                self.data.memberships.push(Membership {
                    cluster,
                    organisation: self.org_id(org),
                    period: Period::new(from, to).unwrap_or(Period::open(from)),
                    fee_tier,
                });
                self.members[c].push(org);
            }
        }
    }

    fn contacts(&mut self) {
        for c in 0..NATIONAL_CLUSTERS.len() {
            let members = self.members[c].clone();
            for org in members {
                for _ in 0..self.rng.random_range(1..=3) {
                    let first = *names::FIRST_NAMES.choose(&mut self.rng).unwrap_or(&"Anne");
                    let last = *names::SURNAMES.choose(&mut self.rng).unwrap_or(&"Jensen");
                    let id = PersonId(self.data.persons.len() as i64 + 1);
                    let email = Email::parse(&format!(
                        "{}.{}.{}@example.dk",
                        first
                            .to_lowercase()
                            .replace('ø', "oe")
                            .replace('æ', "ae")
                            .replace('å', "aa"),
                        last.to_lowercase()
                            .replace('ø', "oe")
                            .replace('æ', "ae")
                            .replace('å', "aa"),
                        id.0
                    ))
                    .ok();
                    let consent = self
                        .rng
                        .random_bool(0.8)
                        .then(|| random_day(&mut self.rng, date(2020, 1, 1), date(2025, 12, 31)));
                    let person = Person {
                        cluster: ClusterId(c as i64 + 1),
                        organisation: self.org_id(org),
                        name: name(&format!("{first} {last}")),
                        email,
                        phone: Some(format!(
                            "+45 {:08}",
                            self.rng.random_range(20_000_000..99_999_999u32)
                        )),
                        job_title: None,
                        consent_given_on: consent,
                    };
                    self.data.persons.push((id, person));
                }
            }
        }
    }

    fn activities_and_participations(&mut self, scale: Scale) {
        let target = scale.participations();
        let mean_size = match scale {
            Scale::Small => 18,
            Scale::National => 70,
        };
        let activity_count = target / mean_size;
        let clusters = NATIONAL_CLUSTERS.len();
        let mut made = 0usize;
        for a in 0..activity_count {
            let c = a % clusters;
            let cluster = ClusterId(c as i64 + 1);
            let spec = &NATIONAL_CLUSTERS[c];
            // The first rounds walk through every type and stream, so each appears at least once.
            let activity_type = if a / clusters < ActivityType::ALL.len() {
                ActivityType::ALL[(a / clusters + c) % ActivityType::ALL.len()]
            } else {
                *ActivityType::ALL
                    .choose(&mut self.rng)
                    .unwrap_or(&ActivityType::KnowledgeSharing)
            };
            let funding_stream = if a < FundingStream::ALL.len() * clusters {
                FundingStream::ALL[a % FundingStream::ALL.len()]
            } else {
                match self.rng.random_range(0..100) {
                    0..45 => FundingStream::Deb,
                    45..80 => FundingStream::Ufm,
                    80..90 => FundingStream::Own,
                    90..97 => FundingStream::Eu,
                    _ => FundingStream::Other,
                }
            };
            let format = match self.rng.random_range(0..10) {
                0..6 => ActivityFormat::Physical,
                6..8 => ActivityFormat::Online,
                _ => ActivityFormat::Hybrid,
            };
            let starts = random_day(&mut self.rng, date(2021, 1, 1), date(2025, 12, 31));
            let is_project = activity_type.category() == ToolboxCategory::InnovationProject;
            let ends = if is_project {
                starts.checked_add_days(Days::new(self.rng.random_range(90..720)))
            } else {
                starts.checked_add_days(Days::new(self.rng.random_range(0..2)))
            };
            let municipality = (format != ActivityFormat::Online).then(|| {
                if self.rng.random_bool(0.5) {
                    municipality(spec.home)
                } else {
                    self.weighted_municipality()
                }
            });
            let mut themes: Vec<Theme> = spec
                .themes
                .choose_multiple(&mut self.rng, 2)
                .filter_map(|t| Theme::parse(t).ok())
                .collect();
            themes.sort();
            let co_organisers = if self.rng.random_bool(0.1) {
                let other = (c + self.rng.random_range(1..clusters)) % clusters;
                vec![ClusterId(other as i64 + 1)]
            } else {
                vec![]
            };
            let id = ActivityId(a as i64 + 1);
            let title = format!(
                "{} {} {}",
                type_title(activity_type),
                spec.themes.choose(&mut self.rng).unwrap_or(&"innovation"),
                starts.year()
            );
            let activity = Activity {
                cluster,
                title: name(&title),
                activity_type,
                funding_stream,
                format,
                municipality,
                period: Period::new(starts, ends).unwrap_or(Period::open(starts)),
                published: self.rng.random_bool(0.85),
                themes,
                co_organisers,
            };
            // Sizes vary around the mean; the last activity takes up the remainder.
            let remaining_activities = activity_count - a;
            let size = if remaining_activities == 1 {
                target - made
            } else {
                self.rng
                    .random_range(mean_size / 3..=mean_size * 5 / 3)
                    .min(target - made)
            };
            self.participants(id, c, activity_type, starts, size);
            made += size;
            self.data.activities.push((id, activity));
        }
    }

    fn participants(
        &mut self,
        activity: ActivityId,
        c: usize,
        activity_type: ActivityType,
        starts: NaiveDate,
        size: usize,
    ) {
        let mut chosen = BTreeSet::new();
        let mut attempts = 0;
        while chosen.len() < size && attempts < size * 10 {
            attempts += 1;
            let roll = self.rng.random_range(0..100);
            let org = if roll < 55 {
                self.members[c].choose(&mut self.rng).copied()
            } else if roll < 90 {
                self.companies_by_industry[c].choose(&mut self.rng).copied()
            } else if roll < 95 {
                self.knowledge_institutions.choose(&mut self.rng).copied()
            } else {
                Some(self.rng.random_range(0..self.data.organisations.len()))
            };
            if let Some(org) = org {
                chosen.insert(org);
            }
        }
        let is_project = activity_type.category() == ToolboxCategory::InnovationProject;
        let members: BTreeSet<usize> = self.members[c].iter().copied().collect();
        let mut ordered: Vec<usize> = chosen.into_iter().collect();
        ordered.shuffle(&mut self.rng);
        for (n, org) in ordered.into_iter().enumerate() {
            let role = if is_project {
                if n == 0 {
                    ParticipantRole::ProjectLead
                } else {
                    ParticipantRole::ProjectPartner
                }
            } else if n == 0 && self.rng.random_bool(0.3) {
                ParticipantRole::Speaker
            } else {
                ParticipantRole::Participant
            };
            let dedication = if is_project {
                Some(DedicationBasis::ProjectParticipation)
            } else if members.contains(&org) {
                Some(DedicationBasis::MembershipFee)
            } else {
                match self.rng.random_range(0..100) {
                    0..6 => Some(DedicationBasis::WrittenAgreement),
                    6..14 => Some(DedicationBasis::ExpressionOfInterest),
                    _ => None,
                }
            };
            let knowledge_bias = matches!(
                activity_type,
                ActivityType::MatchmakingCompanyKnowledge | ActivityType::KnowledgeBridging
            );
            let outcomes = Outcomes {
                new_product_service_process: self.rng.random_bool(if is_project {
                    0.35
                } else {
                    0.06
                }),
                new_knowledge_collaboration: self.rng.random_bool(
                    if knowledge_bias || is_project {
                        0.25
                    } else {
                        0.04
                    },
                ),
                new_competences: self.rng.random_bool(
                    if activity_type == ActivityType::CompetenceDevelopment {
                        0.6
                    } else {
                        0.15
                    },
                ),
                referral_received: self.rng.random_bool(0.03),
            };
            let registered_on = starts
                .checked_sub_days(Days::new(self.rng.random_range(0..30)))
                .unwrap_or(starts);
            self.data.participations.push(Participation {
                activity,
                organisation: self.org_id(org),
                person: None,
                role,
                dedication,
                outcomes,
                registered_on,
            });
        }
    }

    fn dialogue(&mut self) {
        let kinds = InteractionKind::ALL;
        for c in 0..NATIONAL_CLUSTERS.len() {
            let cluster = ClusterId(c as i64 + 1);
            let members = self.members[c].clone();
            for org in &members {
                for _ in 0..self.rng.random_range(0..=4) {
                    let occurred_on =
                        random_day(&mut self.rng, date(2021, 1, 1), date(2025, 12, 31));
                    let kind = *kinds
                        .choose(&mut self.rng)
                        .unwrap_or(&InteractionKind::Call);
                    let follow_up_on = self
                        .rng
                        .random_bool(0.3)
                        .then(|| occurred_on + Days::new(14));
                    self.data.interactions.push(Interaction {
                        cluster,
                        organisation: self.org_id(*org),
                        person: None,
                        kind,
                        occurred_on,
                        subject: name(match kind {
                            InteractionKind::Meeting => "Møde om samarbejde",
                            InteractionKind::Call => "Opfølgende opkald",
                            InteractionKind::Email => "Henvendelse om projektmuligheder",
                            InteractionKind::Visit => "Virksomhedsbesøg",
                        }),
                        notes: String::new(),
                        follow_up_on,
                    });
                }
            }
            for _ in 0..self.rng.random_range(20..60) {
                let Some(org) = members.choose(&mut self.rng).copied() else {
                    break;
                };
                let target = match self.rng.random_range(0..3) {
                    0 => ReferralTarget::Cluster {
                        cluster: ClusterId(((c + 1) % NATIONAL_CLUSTERS.len()) as i64 + 1),
                    },
                    1 => match self.business_hubs.choose(&mut self.rng) {
                        Some(hub) => ReferralTarget::BusinessHub {
                            organisation: self.org_id(*hub),
                        },
                        None => continue,
                    },
                    _ => ReferralTarget::FundingProgramme {
                        programme: name(
                            [
                                "Innobooster",
                                "EUDP",
                                "Horizon Europe",
                                "Interreg Øresund-Kattegat-Skagerrak",
                            ]
                            .choose(&mut self.rng)
                            .unwrap_or(&"Innobooster"),
                        ),
                    },
                };
                let referred_on = random_day(&mut self.rng, date(2021, 1, 1), date(2025, 12, 31));
                self.data.referrals.push(Referral {
                    cluster,
                    organisation: self.org_id(org),
                    target,
                    referred_on,
                    note: String::new(),
                });
            }
        }
    }

    /// A random number (within `count`) of distinct entries of `pool`.
    fn pick_some(&mut self, pool: &[usize], count: std::ops::RangeInclusive<usize>) -> Vec<usize> {
        let n = self.rng.random_range(count);
        pool.choose_multiple(&mut self.rng, n).copied().collect()
    }

    fn presence(&mut self) {
        for (c, spec) in NATIONAL_CLUSTERS.iter().enumerate() {
            let cluster = ClusterId(c as i64 + 1);
            self.data.offices.push(Office {
                cluster,
                municipality: municipality(spec.home),
                kind: OfficeKind::Own,
                period: Period::open(date(2021, 1, 1)),
            });
            let hubs = self.business_hubs.clone();
            for hub in self.pick_some(&hubs, 0..=3) {
                let Some(at) = self.data.organisations[hub].1.registration.municipality() else {
                    continue;
                };
                self.data.offices.push(Office {
                    cluster,
                    municipality: at,
                    kind: OfficeKind::CoLocatedWithBusinessHub,
                    period: Period::open(random_day(
                        &mut self.rng,
                        date(2021, 1, 1),
                        date(2024, 12, 31),
                    )),
                });
            }
            let mut partners: Vec<usize> = Vec::new();
            partners.extend(self.pick_some(&self.municipality_orgs.clone(), 1..=8));
            partners.extend(self.pick_some(&self.region_orgs.clone(), 0..=2));
            partners.extend(self.pick_some(&self.business_hubs.clone(), 0..=2));
            partners.extend(self.pick_some(&self.knowledge_institutions.clone(), 1..=4));
            for partner in partners {
                let from = random_day(&mut self.rng, date(2021, 1, 1), date(2024, 12, 31));
                let to = from.checked_add_days(Days::new(3 * 365));
                let partner_name = self.data.organisations[partner].1.name.to_string();
                self.data.agreements.push(Agreement {
                    cluster,
                    partner: self.org_id(partner),
                    title: name(&format!("Samarbejdsaftale med {partner_name}")),
                    period: Period::new(from, to).unwrap_or(Period::open(from)),
                });
            }
        }
    }
}

fn type_title(t: ActivityType) -> &'static str {
    match t.category() {
        ToolboxCategory::Matchmaking => "Matchmaking:",
        ToolboxCategory::Transformation => "Omstilling:",
        ToolboxCategory::InnovationProject => "Innovationsprojekt:",
        ToolboxCategory::KnowledgeDissemination => "Videndeling:",
        ToolboxCategory::Internationalisation => "Internationalisering:",
        ToolboxCategory::AccessToFinance => "Finansiering:",
        ToolboxCategory::IncubationEntrepreneurship => "Iværksætteri:",
        ToolboxCategory::BrandingCommunication => "Trendscouting:",
        ToolboxCategory::CompetenceDevelopment => "Kompetencer:",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::{BTreeMap, HashSet};

    #[test]
    fn same_seed_same_data_other_seed_other_data() {
        let a = generate(7, Scale::Small);
        let b = generate(7, Scale::Small);
        let c = generate(8, Scale::Small);
        assert_eq!(a.organisations, b.organisations);
        assert_eq!(a.participations, b.participations);
        assert_eq!(a.memberships, b.memberships);
        assert_ne!(a.organisations, c.organisations);
    }

    #[test]
    fn small_scale_has_the_promised_shape() {
        let d = generate(1, Scale::Small);
        assert_eq!(d.clusters.len(), 14);
        assert_eq!(d.organisations.len(), 20_000);
        assert_eq!(d.participations.len(), 50_000);

        // Valid, unique CVRs.
        let cvrs: Vec<Cvr> = d
            .organisations
            .iter()
            .filter_map(|(_, o)| o.registration.cvr())
            .collect();
        assert_eq!(cvrs.iter().collect::<HashSet<_>>().len(), cvrs.len());
        assert!(cvrs.len() > 19_000);

        // 85–450 members per cluster, and some organisations in several clusters.
        let mut per_cluster: BTreeMap<ClusterId, usize> = BTreeMap::new();
        let mut clusters_per_org: BTreeMap<OrganisationId, BTreeSet<ClusterId>> = BTreeMap::new();
        for m in &d.memberships {
            *per_cluster.entry(m.cluster).or_default() += 1;
            clusters_per_org
                .entry(m.organisation)
                .or_default()
                .insert(m.cluster);
        }
        assert_eq!(per_cluster.len(), 14);
        assert!(
            per_cluster.values().all(|n| (85..=450).contains(n)),
            "{per_cluster:?}"
        );
        assert!(clusters_per_org.values().filter(|s| s.len() > 1).count() > 10);

        // Every toolbox type and funding stream, over 2021–2025.
        let types: BTreeSet<ActivityType> =
            d.activities.iter().map(|(_, a)| a.activity_type).collect();
        assert_eq!(types.len(), ActivityType::ALL.len());
        let streams: BTreeSet<FundingStream> =
            d.activities.iter().map(|(_, a)| a.funding_stream).collect();
        assert_eq!(streams.len(), FundingStream::ALL.len());
        assert!(
            d.activities
                .iter()
                .all(|(_, a)| (2021..=2025).contains(&a.period.from().year()))
        );

        // Mostly micro and small companies; some foreign organisations; offices and agreements.
        let companies: Vec<&Organisation> = d
            .organisations
            .iter()
            .map(|(_, o)| o)
            .filter(|o| o.kind == OrganisationKind::Company)
            .collect();
        let micro_small = companies
            .iter()
            .filter(|o| o.employment.is_some_and(|e| e.min() < 50))
            .count();
        assert!(
            micro_small * 10 > companies.len() * 8,
            "{micro_small} of {}",
            companies.len()
        );
        assert!(
            d.organisations
                .iter()
                .any(|(_, o)| matches!(o.registration, Registration::Foreign { .. }))
        );
        assert!(d.offices.len() >= 14 && d.agreements.len() >= 14 * 2);

        // Copenhagen has far more organisations than a small island municipality.
        let count_in = |m: &str| {
            let code = Municipality::find(m).unwrap().code;
            d.organisations
                .iter()
                .filter(|(_, o)| o.registration.municipality() == Some(code))
                .count()
        };
        assert!(count_in("København") > 5 * count_in("Læsø"));

        // No duplicate participation of an organisation in one activity.
        let pairs: HashSet<(ActivityId, OrganisationId)> = d
            .participations
            .iter()
            .map(|p| (p.activity, p.organisation))
            .collect();
        assert_eq!(pairs.len(), d.participations.len());
    }
}
