//! Recommendations, scored without the index: each candidate (a post or an organisation the
//! index found) is compared with the seed (a post, or an organisation and its posts), and every
//! part of the score that counts becomes a reason a person can read: "your need 'X' matches
//! their offer 'Y'; both work with circular economy".
//!
//! Weights (sum 1): text similarity 0.55 (BM25 relative to the best candidate), shared themes
//! 0.15 (Jaccard), the same kind of post 0.10, complementary kinds of organisation 0.12
//! (company ↔ knowledge institution, company ↔ investor, company ↔ public buyer), the same
//! region 0.05, a shared industry 0.03.

use klynge_domain::{OrganisationId, OrganisationKind, PostDirection, PostId, PostKind, Region};

/// The language of reasons.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

/// What is compared: the facts of a post or an organisation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Profile {
    /// A post's title or an organisation's name.
    pub title: String,
    pub direction: Option<PostDirection>,
    pub kind: Option<PostKind>,
    pub org_kind: Option<OrganisationKind>,
    pub organisation: Option<OrganisationId>,
    pub org_name: String,
    /// Region code.
    pub region: Option<String>,
    pub themes: Vec<String>,
    /// Industry code beginnings.
    pub industries: Vec<String>,
}

/// What a recommendation points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Post(PostId),
    Organisation(OrganisationId),
}

/// A candidate with its text score from the index.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub target: Target,
    pub profile: Profile,
    pub text_score: f32,
}

/// Why a candidate is recommended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reason {
    /// The texts match: the seed's post (or organisation) and the candidate's.
    TextMatch {
        ours: String,
        our_direction: Option<PostDirection>,
        theirs: String,
        their_direction: Option<PostDirection>,
    },
    SameKind(PostKind),
    SharedThemes(Vec<String>),
    Complementary {
        ours: OrganisationKind,
        theirs: OrganisationKind,
    },
    SameRegion(String),
    SharedIndustry(String),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Recommendation {
    pub target: Target,
    /// Organisation of the target (itself for an organisation).
    pub organisation: Option<OrganisationId>,
    pub title: String,
    pub org_name: String,
    pub score: f32,
    pub reasons: Vec<Reason>,
}

const W_TEXT: f32 = 0.55;
const W_THEMES: f32 = 0.15;
const W_KIND: f32 = 0.10;
const W_COMPLEMENT: f32 = 0.12;
const W_REGION: f32 = 0.05;
const W_INDUSTRY: f32 = 0.03;

/// Whether two kinds of organisation typically need each other.
pub fn complementary(a: OrganisationKind, b: OrganisationKind) -> bool {
    use OrganisationKind::*;
    let pair = |x, y| (a == x && b == y) || (a == y && b == x);
    pair(Company, KnowledgeInstitution)
        || pair(Company, Investor)
        || pair(Company, PublicAuthority)
        || pair(Company, Municipality)
        || pair(Company, Region)
        || pair(KnowledgeInstitution, PublicAuthority)
}

fn shared_industry(a: &[String], b: &[String]) -> Option<String> {
    // The longest shared code beginning (the lists hold every beginning of each code).
    a.iter()
        .filter(|x| b.contains(x))
        .max_by_key(|x| x.len())
        .cloned()
}

/// Scores candidates against the seed, best first, at most `limit`. Candidates of the seed's
/// own organisation are left out.
pub fn rank(seed: &Profile, candidates: Vec<Candidate>, limit: usize) -> Vec<Recommendation> {
    let best_text = candidates
        .iter()
        .map(|c| c.text_score)
        .fold(0.0f32, f32::max);
    let mut out: Vec<Recommendation> = candidates
        .into_iter()
        .filter(|c| seed.organisation.is_none() || c.profile.organisation != seed.organisation)
        .map(|c| score_one(seed, c, best_text))
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.target.cmp(&b.target))
    });
    out.truncate(limit);
    out
}

fn score_one(seed: &Profile, c: Candidate, best_text: f32) -> Recommendation {
    let p = &c.profile;
    let mut parts: Vec<(f32, Reason)> = Vec::new();
    if best_text > 0.0 && c.text_score > 0.0 {
        parts.push((
            W_TEXT * (c.text_score / best_text),
            Reason::TextMatch {
                ours: seed.title.clone(),
                our_direction: seed.direction,
                theirs: p.title.clone(),
                their_direction: p.direction,
            },
        ));
    }
    let shared: Vec<String> = seed
        .themes
        .iter()
        .filter(|t| p.themes.contains(t))
        .cloned()
        .collect();
    if !shared.is_empty() {
        let union = seed.themes.len() + p.themes.len() - shared.len();
        parts.push((
            W_THEMES * shared.len() as f32 / union.max(1) as f32,
            Reason::SharedThemes(shared),
        ));
    }
    if let (Some(a), Some(b)) = (seed.kind, p.kind)
        && a == b
    {
        parts.push((W_KIND, Reason::SameKind(a)));
    }
    if let (Some(a), Some(b)) = (seed.org_kind, p.org_kind)
        && complementary(a, b)
    {
        parts.push((W_COMPLEMENT, Reason::Complementary { ours: a, theirs: b }));
    }
    if let (Some(a), Some(b)) = (&seed.region, &p.region)
        && a == b
    {
        parts.push((W_REGION, Reason::SameRegion(a.clone())));
    }
    if let Some(code) = shared_industry(&seed.industries, &p.industries) {
        parts.push((W_INDUSTRY, Reason::SharedIndustry(code)));
    }
    let score = parts.iter().map(|(s, _)| s).sum();
    // Reasons in the order of what they contributed.
    parts.sort_by(|a, b| b.0.total_cmp(&a.0));
    Recommendation {
        target: c.target,
        organisation: p.organisation,
        title: p.title.clone(),
        org_name: p.org_name.clone(),
        score,
        reasons: parts.into_iter().map(|(_, r)| r).collect(),
    }
}

/// Folds post recommendations into organisations: an organisation scores by its best post
/// plus a little for each further matching post; its reasons are the best post's, and
/// organisation candidates found directly are merged in.
pub fn by_organisation(
    posts: &[Recommendation],
    organisations: Vec<Recommendation>,
    limit: usize,
) -> Vec<Recommendation> {
    let mut map: std::collections::BTreeMap<OrganisationId, (Recommendation, usize)> =
        Default::default();
    for r in posts {
        let Some(org) = r.organisation else { continue };
        map.entry(org)
            .and_modify(|(best, n)| {
                *n += 1;
                if r.score > best.score {
                    best.score = r.score;
                    best.reasons = r.reasons.clone();
                }
            })
            .or_insert_with(|| {
                (
                    Recommendation {
                        target: Target::Organisation(org),
                        organisation: Some(org),
                        title: r.org_name.clone(),
                        org_name: r.org_name.clone(),
                        score: r.score,
                        reasons: r.reasons.clone(),
                    },
                    1,
                )
            });
    }
    for o in organisations {
        let Some(org) = o.organisation else { continue };
        map.entry(org)
            .and_modify(|(best, _)| {
                best.score += 0.25 * o.score;
                for reason in &o.reasons {
                    if !matches!(reason, Reason::TextMatch { .. }) && !best.reasons.contains(reason)
                    {
                        best.reasons.push(reason.clone());
                    }
                }
            })
            .or_insert((o, 0));
    }
    let mut out: Vec<Recommendation> = map
        .into_values()
        .map(|(mut r, n)| {
            r.score += 0.05 * (n.saturating_sub(1).min(4)) as f32;
            r
        })
        .collect();
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.target.cmp(&b.target))
    });
    out.truncate(limit);
    out
}

fn direction_word(d: Option<PostDirection>, lang: Lang, ours: bool) -> &'static str {
    match (d, lang, ours) {
        (Some(PostDirection::Need), Lang::En, true) => "your need",
        (Some(PostDirection::Need), Lang::En, false) => "their need",
        (Some(PostDirection::Offer), Lang::En, true) => "your offer",
        (Some(PostDirection::Offer), Lang::En, false) => "their offer",
        (None, Lang::En, true) => "your profile",
        (None, Lang::En, false) => "their profile",
        (Some(PostDirection::Need), Lang::Da, true) => "jeres behov",
        (Some(PostDirection::Need), Lang::Da, false) => "deres behov",
        (Some(PostDirection::Offer), Lang::Da, true) => "jeres tilbud",
        (Some(PostDirection::Offer), Lang::Da, false) => "deres tilbud",
        (None, Lang::Da, true) => "jeres profil",
        (None, Lang::Da, false) => "deres profil",
    }
}

fn org_kind_word(k: OrganisationKind, lang: Lang) -> &'static str {
    use OrganisationKind::*;
    match (k, lang) {
        (Company, Lang::En) => "a company",
        (KnowledgeInstitution, Lang::En) => "a knowledge institution",
        (Investor, Lang::En) => "an investor",
        (PublicAuthority | Municipality | Region, Lang::En) => "a public buyer",
        (_, Lang::En) => "an organisation",
        (Company, Lang::Da) => "en virksomhed",
        (KnowledgeInstitution, Lang::Da) => "en videninstitution",
        (Investor, Lang::Da) => "en investor",
        (PublicAuthority | Municipality | Region, Lang::Da) => "en offentlig køber",
        (_, Lang::Da) => "en organisation",
    }
}

fn post_kind_word(k: PostKind, lang: Lang) -> &'static str {
    use PostKind::*;
    match (k, lang) {
        (Technology, Lang::En) => "technology",
        (BusinessPartnership, Lang::En) => "business partnership",
        (ResearchCooperation, Lang::En) => "research cooperation",
        (Investment, Lang::En) => "investment",
        (PublicDemand, Lang::En) => "public demand",
        (Other, Lang::En) => "other",
        (Technology, Lang::Da) => "teknologi",
        (BusinessPartnership, Lang::Da) => "forretningspartnerskab",
        (ResearchCooperation, Lang::Da) => "forskningssamarbejde",
        (Investment, Lang::Da) => "investering",
        (PublicDemand, Lang::Da) => "offentlig efterspørgsel",
        (Other, Lang::Da) => "andet",
    }
}

fn list(items: &[String], lang: Lang) -> String {
    let and = if lang == Lang::Da { "og" } else { "and" };
    let items: Vec<String> = items.iter().map(|t| t.replace('-', " ")).collect();
    match items.len() {
        0 => String::new(),
        1 => items[0].clone(),
        n => format!("{} {and} {}", items[..n - 1].join(", "), items[n - 1]),
    }
}

impl Reason {
    /// The reason as a sentence part a person reads (plain text: escape it when rendering).
    pub fn describe(&self, lang: Lang) -> String {
        match self {
            Reason::TextMatch {
                ours,
                our_direction,
                theirs,
                their_direction,
            } => {
                let verb = if lang == Lang::Da {
                    "matcher"
                } else {
                    "matches"
                };
                format!(
                    "{} ‘{ours}’ {verb} {} ‘{theirs}’",
                    direction_word(*our_direction, lang, true),
                    direction_word(*their_direction, lang, false)
                )
            }
            Reason::SameKind(k) => match lang {
                Lang::Da => format!("begge handler om {}", post_kind_word(*k, lang)),
                Lang::En => format!("both are about {}", post_kind_word(*k, lang)),
            },
            Reason::SharedThemes(t) => match lang {
                Lang::Da => format!("begge arbejder med {}", list(t, lang)),
                Lang::En => format!("both work with {}", list(t, lang)),
            },
            Reason::Complementary { ours, theirs } => match lang {
                Lang::Da => format!(
                    "{} og {} supplerer hinanden",
                    org_kind_word(*ours, lang),
                    org_kind_word(*theirs, lang)
                ),
                Lang::En => format!(
                    "{} and {} complement each other",
                    org_kind_word(*ours, lang),
                    org_kind_word(*theirs, lang)
                ),
            },
            Reason::SameRegion(code) => {
                let name = Region::parse(code)
                    .map(|r| match lang {
                        Lang::Da => r.name_da(),
                        Lang::En => r.name_en(),
                    })
                    .unwrap_or(code.as_str())
                    .to_string();
                match lang {
                    Lang::Da => format!("begge ligger i {name}"),
                    Lang::En => format!("both are in {name}"),
                }
            }
            Reason::SharedIndustry(code) => match lang {
                Lang::Da => format!("samme branche ({code})"),
                Lang::En => format!("the same industry ({code})"),
            },
        }
    }
}

/// All reasons of a recommendation as one sentence.
pub fn explain(reasons: &[Reason], lang: Lang) -> String {
    let parts: Vec<String> = reasons.iter().map(|r| r.describe(lang)).collect();
    let mut s = parts.join("; ");
    if let Some(first) = s.get(..1) {
        s = first.to_uppercase() + &s[1..];
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn profile(title: &str, dir: PostDirection, kind: OrganisationKind, org: i64) -> Profile {
        Profile {
            title: title.into(),
            direction: Some(dir),
            kind: Some(PostKind::ResearchCooperation),
            org_kind: Some(kind),
            organisation: Some(OrganisationId(org)),
            org_name: format!("Org {org}"),
            region: Some("midtjylland".into()),
            themes: vec!["circular-economy".into()],
            industries: vec!["25".into(), "2511".into()],
        }
    }

    #[test]
    fn scores_and_explains() {
        let seed = profile(
            "Genanvendelse af plast",
            PostDirection::Need,
            OrganisationKind::Company,
            1,
        );
        let strong = Candidate {
            target: Target::Post(PostId(10)),
            profile: profile(
                "Plastgenanvendelse i laboratoriet",
                PostDirection::Offer,
                OrganisationKind::KnowledgeInstitution,
                2,
            ),
            text_score: 8.0,
        };
        let weak = Candidate {
            target: Target::Post(PostId(11)),
            profile: Profile {
                themes: vec![],
                region: None,
                ..profile(
                    "Noget andet",
                    PostDirection::Offer,
                    OrganisationKind::Company,
                    3,
                )
            },
            text_score: 2.0,
        };
        let own = Candidate {
            target: Target::Post(PostId(12)),
            profile: profile(
                "Eget tilbud",
                PostDirection::Offer,
                OrganisationKind::Company,
                1,
            ),
            text_score: 9.0,
        };
        let ranked = rank(&seed, vec![weak, strong, own], 10);
        assert_eq!(ranked.len(), 2, "the own organisation's post is left out");
        assert_eq!(ranked[0].target, Target::Post(PostId(10)));
        assert!(ranked[0].score > ranked[1].score);
        let en = explain(&ranked[0].reasons, Lang::En);
        assert!(en.starts_with("Your need ‘Genanvendelse af plast’ matches their offer ‘Plastgenanvendelse i laboratoriet’"), "{en}");
        assert!(en.contains("both work with circular economy"), "{en}");
        assert!(
            en.contains("a company and a knowledge institution complement each other"),
            "{en}"
        );
        assert!(
            en.contains("Central Denmark") || en.contains("Midtjylland"),
            "{en}"
        );
        let da = explain(&ranked[0].reasons, Lang::Da);
        assert!(da.contains("begge arbejder med circular economy"), "{da}");
        let orgs = by_organisation(&ranked, vec![], 10);
        assert_eq!(orgs[0].target, Target::Organisation(OrganisationId(2)));
    }

    #[test]
    fn complementary_pairs_are_symmetric() {
        use OrganisationKind::*;
        for a in OrganisationKind::ALL {
            for b in OrganisationKind::ALL {
                assert_eq!(complementary(*a, *b), complementary(*b, *a));
            }
        }
        assert!(complementary(Company, Investor));
        assert!(!complementary(Company, Company));
    }
}
