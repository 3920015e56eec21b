//! Recommendations from the index: the index finds candidates that share words with the
//! seed, within what the audience may read; [`crate::recommend`] scores and explains them.
//! The same calls serve a post page ("best offers for this need") and a matchmaking event
//! ("whom should this organisation request a meeting with").

use chrono::NaiveDate;
use klynge_domain::{Audience, PostDirection};

use crate::docs::{OrgFacts, PostDoc};
use crate::error::Result;
use crate::filters::{Scope, SearchRequest};
use crate::index::{DocKey, Hit, MarketIndex};
use crate::recommend::{self, Candidate, Profile, Recommendation, Target};

/// What to recommend for: a post's texts and facts.
#[derive(Debug, Clone, PartialEq)]
pub struct Seed {
    pub title: String,
    pub text: String,
    pub profile: Profile,
}

fn industry_prefixes(codes: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = codes
        .into_iter()
        .flat_map(|c| (2..=c.len().min(6)).map(move |n| c[..n].to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

impl Seed {
    pub fn from_post(doc: &PostDoc, today: NaiveDate) -> Self {
        let p = &doc.post;
        let mut text = p.description.clone();
        for k in &p.keywords {
            text.push('\n');
            text.push_str(k);
        }
        for t in &p.themes {
            text.push('\n');
            text.push_str(&t.as_str().replace('-', " "));
        }
        Seed {
            title: p.title.clone(),
            text,
            profile: Profile {
                title: p.title.clone(),
                direction: Some(p.direction),
                kind: Some(p.kind),
                org_kind: Some(doc.org.kind),
                organisation: Some(p.organisation),
                org_name: doc.org.name.clone(),
                region: doc.org.region_on(today).map(|r| r.code().to_string()),
                themes: p.themes.iter().map(|t| t.as_str().to_string()).collect(),
                industries: industry_prefixes(
                    p.industries.iter().cloned().chain(doc.org.industry.clone()),
                ),
            },
        }
    }

    /// A seed from a post already in the index (as found by a search).
    pub fn from_hit(index: &MarketIndex, hit: &Hit) -> Result<Self> {
        let (title, text) = index.document_text(hit.key)?.unwrap_or_default();
        Ok(Seed {
            title,
            text,
            profile: profile_of(hit),
        })
    }
}

fn profile_of(hit: &Hit) -> Profile {
    let f = &hit.facts;
    Profile {
        title: hit.title.clone(),
        direction: f.direction,
        kind: klynge_domain::PostKind::from_code(&f.kind).ok(),
        org_kind: f.org_kind,
        organisation: Some(f.organisation),
        org_name: f.org_name.clone(),
        region: f.region.clone(),
        themes: f.themes.clone(),
        industries: f.industries.clone(),
    }
}

fn candidate(hit: Hit) -> Candidate {
    let target = match hit.key {
        DocKey::Post(id) => Target::Post(id),
        DocKey::Organisation(id) => Target::Organisation(id),
    };
    Candidate {
        target,
        profile: profile_of(&hit),
        text_score: hit.score,
    }
}

/// How many candidates the index hands to the scorer.
const CANDIDATES: usize = 60;

/// For a post: the best posts of the other direction (offers for a need, needs for an offer)
/// and the best organisations (owners of those posts, and organisations found directly),
/// each with reasons.
pub fn recommend_for_post(
    index: &MarketIndex,
    audience: Audience,
    seed: &Seed,
    today: NaiveDate,
    limit: usize,
) -> Result<(Vec<Recommendation>, Vec<Recommendation>)> {
    let mut r = SearchRequest::new("", today);
    r.limit = CANDIDATES;
    r.scope = match seed.profile.direction {
        Some(PostDirection::Need) => Scope::Offers,
        Some(PostDirection::Offer) => Scope::Needs,
        None => Scope::Posts,
    };
    let posts: Vec<Candidate> = index
        .similar(audience, &seed.text, &seed.title, &r)?
        .into_iter()
        .map(candidate)
        .collect();
    let ranked_posts = recommend::rank(&seed.profile, posts, CANDIDATES);
    r.scope = Scope::Organisations;
    r.limit = 20;
    let orgs: Vec<Candidate> = index
        .similar(audience, &seed.text, &seed.title, &r)?
        .into_iter()
        .map(candidate)
        .collect();
    let ranked_orgs = recommend::rank(&seed.profile, orgs, 20);
    let organisations = recommend::by_organisation(&ranked_posts, ranked_orgs, limit);
    let mut posts = ranked_posts;
    posts.truncate(limit);
    Ok((posts, organisations))
}

/// For an organisation: whom to meet. Its readable posts are matched against the other
/// direction and the results folded per organisation; an organisation without posts gets
/// complementary organisations in its region.
pub fn recommend_for_organisation(
    index: &MarketIndex,
    audience: Audience,
    org: &OrgFacts,
    today: NaiveDate,
    limit: usize,
) -> Result<Vec<Recommendation>> {
    let own_posts = index.posts_of(audience, org.id, today)?;
    let mut all_posts = Vec::new();
    let mut all_orgs = Vec::new();
    for hit in own_posts.iter().take(10) {
        let seed = Seed::from_hit(index, hit)?;
        let (posts, orgs) = recommend_for_post(index, audience, &seed, today, 30)?;
        all_posts.extend(posts);
        all_orgs.extend(orgs.into_iter().filter(|o| {
            !all_posts
                .iter()
                .any(|p: &Recommendation| p.organisation == o.organisation)
        }));
    }
    let seed_profile = Profile {
        title: org.name.clone(),
        direction: None,
        kind: None,
        org_kind: Some(org.kind),
        organisation: Some(org.id),
        org_name: org.name.clone(),
        region: org.region_on(today).map(|r| r.code().to_string()),
        themes: vec![],
        industries: industry_prefixes(org.industry.clone()),
    };
    // Complementary organisations nearby, scored on facts alone.
    let mut near = Vec::new();
    for kind in klynge_domain::OrganisationKind::ALL {
        if !recommend::complementary(org.kind, *kind) {
            continue;
        }
        let mut r = SearchRequest::new("", today);
        r.scope = Scope::Organisations;
        r.kind = Some(crate::filters::KindFilter::Organisation(*kind));
        r.region = org.region_on(today);
        r.limit = 10;
        near.extend(
            index
                .search(audience, &r)?
                .hits
                .into_iter()
                .map(|h| Candidate {
                    text_score: 0.0,
                    ..candidate(h)
                }),
        );
    }
    let near = recommend::rank(&seed_profile, near, 20);
    let mut orgs = all_orgs;
    orgs.extend(near.into_iter().map(|mut r| {
        // Facts alone weigh less than a matching post.
        r.score *= 0.5;
        r
    }));
    all_posts.retain(|p| p.organisation != Some(org.id));
    orgs.retain(|o| o.organisation != Some(org.id));
    Ok(recommend::by_organisation(&all_posts, orgs, limit))
}
