//! Recommendation quality on a hand-written labelled set (`fixtures/labelled.json`): 60
//! organisations, 80 offers and 72 needs in Danish and English, each need labelled with the
//! offers (and their organisations) a cluster consultant would put in front of it.
//!
//! For every need the offers are recommended as a member of another cluster would get them,
//! and we measure recall@10 (the share of relevant offers among the first ten) and the mean
//! reciprocal rank of the first relevant offer; the same for organisations.

use std::collections::HashMap;

use chrono::NaiveDate;
use klynge_domain::{
    Audience, ClusterId, CountryCode, MunicipalityCode, OrganisationId, OrganisationKind, Post,
    PostDirection, PostId, PostKind, PostStatus, SizeClass, Theme, Visibility,
};
use klynge_market::recommend::Target;
use klynge_market::{
    DocKey, MarketIndex, OrgFacts, PostDoc, Scope, SearchRequest, Seed, recommend_for_post,
};
use serde::Deserialize;

#[derive(Deserialize)]
struct Labelled {
    organisations: Vec<Org>,
    offers: Vec<Item>,
    needs: Vec<Item>,
}

#[derive(Deserialize)]
struct Org {
    id: i64,
    name: String,
    kind: String,
    municipality: u16,
    employees: u32,
    industry: String,
}

#[derive(Deserialize)]
struct Item {
    id: i64,
    org: i64,
    kind: String,
    title: String,
    description: String,
    keywords: Vec<String>,
    themes: Vec<String>,
    #[serde(default)]
    relevant_offers: Vec<i64>,
    #[serde(default)]
    relevant_orgs: Vec<i64>,
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn load() -> (Labelled, HashMap<i64, OrgFacts>) {
    let text = include_str!("fixtures/labelled.json");
    let set: Labelled = serde_json::from_str(text).unwrap();
    let orgs = set
        .organisations
        .iter()
        .map(|o| {
            (
                o.id,
                OrgFacts {
                    id: OrganisationId(o.id),
                    name: o.name.clone(),
                    kind: OrganisationKind::from_code(&o.kind).unwrap(),
                    municipality: Some(MunicipalityCode::new(o.municipality).unwrap()),
                    country: CountryCode::DENMARK,
                    size: Some(SizeClass::of_employees(o.employees)),
                    industry: Some(o.industry.clone()),
                    member_of: vec![],
                },
            )
        })
        .collect();
    (set, orgs)
}

fn doc(item: &Item, direction: PostDirection, orgs: &HashMap<i64, OrgFacts>) -> PostDoc {
    // Posted through cluster 1; the reader below is staff of cluster 2.
    PostDoc {
        id: PostId(item.id),
        post: Post {
            cluster: ClusterId(1),
            organisation: OrganisationId(item.org),
            direction,
            kind: PostKind::from_code(&item.kind).unwrap(),
            title: item.title.clone(),
            description: item.description.clone(),
            keywords: item.keywords.clone(),
            themes: item
                .themes
                .iter()
                .map(|t| Theme::parse(t).unwrap())
                .collect(),
            industries: vec![],
            countries: vec![],
            expires_on: None,
            status: PostStatus::Published,
            visibility: Visibility::AllClusters,
        },
        org: orgs[&item.org].clone(),
    }
}

struct Figures {
    recall_at_10: f64,
    mrr: f64,
}

fn measure(ranked: &[Vec<i64>], relevant: &[Vec<i64>]) -> Figures {
    let n = ranked.len() as f64;
    let mut recall = 0.0;
    let mut rr = 0.0;
    for (got, want) in ranked.iter().zip(relevant) {
        let top: Vec<i64> = got.iter().take(10).copied().collect();
        let found = want.iter().filter(|w| top.contains(w)).count();
        recall += found as f64 / want.len() as f64;
        if let Some(rank) = got.iter().position(|g| want.contains(g)) {
            rr += 1.0 / (rank + 1) as f64;
        }
    }
    Figures {
        recall_at_10: recall / n,
        mrr: rr / n,
    }
}

/// Distractor offers: sentences of words drawn from the labelled offers themselves, so that
/// every query word also occurs in many irrelevant offers (a deterministic stand-in for a
/// large marketplace where 10 results are a small share).
fn distractors(set: &Labelled, orgs: &HashMap<i64, OrgFacts>, n: usize) -> Vec<PostDoc> {
    let words: Vec<&str> = set
        .offers
        .iter()
        .flat_map(|o| {
            o.title
                .split_whitespace()
                .chain(o.description.split_whitespace())
        })
        .collect();
    let org_ids: Vec<i64> = {
        let mut v: Vec<i64> = orgs.keys().copied().collect();
        v.sort();
        v
    };
    let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut next = |m: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % m as u64) as usize
    };
    (0..n)
        .map(|i| {
            let title: Vec<&str> = (0..5).map(|_| words[next(words.len())]).collect();
            let body: Vec<&str> = (0..30).map(|_| words[next(words.len())]).collect();
            let org = org_ids[next(org_ids.len())];
            let item = Item {
                id: 100_000 + i as i64,
                org,
                kind: "other".into(),
                title: title.join(" "),
                description: body.join(" "),
                keywords: vec![],
                themes: vec![],
                relevant_offers: vec![],
                relevant_orgs: vec![],
            };
            doc(&item, PostDirection::Offer, orgs)
        })
        .collect()
}

struct Run {
    offers: Figures,
    organisations: Figures,
    bm25_only: Figures,
    misses: Vec<String>,
}

fn run(set: &Labelled, orgs: &HashMap<i64, OrgFacts>, extra: usize) -> Run {
    let index = MarketIndex::in_memory().unwrap();
    let mut offers: Vec<PostDoc> = set
        .offers
        .iter()
        .map(|o| doc(o, PostDirection::Offer, orgs))
        .collect();
    offers.extend(distractors(set, orgs, extra));
    let mut org_list: Vec<OrgFacts> = orgs.values().cloned().collect();
    org_list.sort_by_key(|o| o.id);
    index.rebuild(&org_list, &offers, today()).unwrap();

    let reader = Audience::Staff(ClusterId(2));
    let (mut ranked_offers, mut ranked_orgs, mut ranked_bm25) =
        (Vec::new(), Vec::new(), Vec::new());
    let (mut wanted_offers, mut wanted_orgs) = (Vec::new(), Vec::new());
    let mut misses = Vec::new();
    for need in &set.needs {
        let seed = Seed::from_post(&doc(need, PostDirection::Need, orgs), today());
        let (posts, organisations) =
            recommend_for_post(&index, reader, &seed, today(), 10).unwrap();
        let got: Vec<i64> = posts
            .iter()
            .filter_map(|r| match r.target {
                Target::Post(id) => Some(id.0),
                Target::Organisation(_) => None,
            })
            .collect();
        if !need
            .relevant_offers
            .iter()
            .any(|r| got.iter().take(10).any(|g| g == r))
        {
            misses.push(format!(
                "{} {:?} -> {:?}",
                need.id,
                need.title,
                &got[..got.len().min(3)]
            ));
        }
        // Every recommendation says why.
        assert!(posts.iter().all(|r| !r.reasons.is_empty()));
        ranked_offers.push(got);
        ranked_orgs.push(
            organisations
                .iter()
                .filter_map(|r| r.organisation.map(|o| o.0))
                .collect::<Vec<_>>(),
        );
        // The same candidates in plain BM25 order, for comparison.
        let mut r = SearchRequest::new("", today());
        r.scope = Scope::Offers;
        r.limit = 10;
        ranked_bm25.push(
            index
                .similar(reader, &seed.text, &seed.title, &r)
                .unwrap()
                .iter()
                .filter_map(|h| match h.key {
                    DocKey::Post(id) => Some(id.0),
                    DocKey::Organisation(_) => None,
                })
                .collect::<Vec<_>>(),
        );
        wanted_offers.push(need.relevant_offers.clone());
        wanted_orgs.push(need.relevant_orgs.clone());
    }
    Run {
        offers: measure(&ranked_offers, &wanted_offers),
        organisations: measure(&ranked_orgs, &wanted_orgs),
        bm25_only: measure(&ranked_bm25, &wanted_offers),
        misses,
    }
}

#[test]
fn recommendations_find_the_labelled_offers_and_organisations() {
    let (set, orgs) = load();
    assert!(
        set.needs.len() >= 60,
        "the issue asks for at least 60 needs"
    );
    for extra in [0, 5_000] {
        let r = run(&set, &orgs, extra);
        println!(
            "{} offers ({} distractors): offers recall@10 {:.3}, MRR {:.3} (BM25 alone: {:.3}, {:.3}); \
             organisations recall@10 {:.3}, MRR {:.3}; {} needs",
            set.offers.len() + extra,
            extra,
            r.offers.recall_at_10,
            r.offers.mrr,
            r.bm25_only.recall_at_10,
            r.bm25_only.mrr,
            r.organisations.recall_at_10,
            r.organisations.mrr,
            set.needs.len()
        );
        for m in &r.misses {
            println!("  miss: {m}");
        }
        // Thresholds: a cluster consultant reads the first ten suggestions, so most relevant
        // offers must be among them (recall@10 >= 0.85) and the first relevant one should
        // usually be on top (MRR >= 0.75: on average better than rank 1.4). They hold with
        // 5,000 distractor offers that reuse the labelled vocabulary, and sit a few points
        // below the measured figures (README) so that a real regression fails.
        assert!(
            r.offers.recall_at_10 >= 0.85,
            "offers recall@10 {:.3}",
            r.offers.recall_at_10
        );
        assert!(r.offers.mrr >= 0.75, "offers MRR {:.3}", r.offers.mrr);
        assert!(
            r.organisations.recall_at_10 >= 0.85,
            "organisations recall@10 {:.3}",
            r.organisations.recall_at_10
        );
        assert!(
            r.organisations.mrr >= 0.75,
            "organisations MRR {:.3}",
            r.organisations.mrr
        );
    }
}
