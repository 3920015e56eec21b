//! Search behaviour on a small index: Danish and English stemming, typo tolerance, phrases,
//! prefixes, filters, the reading rule, snippets, and bad input.

use chrono::NaiveDate;
use klynge_domain::{
    Audience, ClusterId, CountryCode, MunicipalityCode, OrganisationId, OrganisationKind, Post,
    PostDirection, PostId, PostKind, PostStatus, SizeClass, Theme, Visibility,
};
use klynge_market::{DocKey, MarketIndex, OrgFacts, PostDoc, Scope, SearchRequest, fragments_html};

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
}

fn org(
    id: i64,
    name: &str,
    kind: OrganisationKind,
    municipality: u16,
    member_of: &[i64],
) -> OrgFacts {
    OrgFacts {
        id: OrganisationId(id),
        name: name.into(),
        kind,
        municipality: Some(MunicipalityCode::new(municipality).unwrap()),
        country: CountryCode::DENMARK,
        size: Some(SizeClass::Small),
        industry: Some("282500".into()),
        member_of: member_of.iter().map(|c| ClusterId(*c)).collect(),
    }
}

#[allow(clippy::too_many_arguments)]
fn post(
    id: i64,
    cluster: i64,
    org: &OrgFacts,
    direction: PostDirection,
    title: &str,
    description: &str,
    status: PostStatus,
    visibility: Visibility,
) -> PostDoc {
    PostDoc {
        id: PostId(id),
        post: Post {
            cluster: ClusterId(cluster),
            organisation: org.id,
            direction,
            kind: PostKind::Technology,
            title: title.into(),
            description: description.into(),
            keywords: vec!["fjernvarme".into()],
            themes: vec![Theme::parse("circular-economy").unwrap()],
            industries: vec![],
            countries: vec![],
            expires_on: NaiveDate::from_ymd_opt(2026, 12, 31),
            status,
            visibility,
        },
        org: org.clone(),
    }
}

fn fixture() -> MarketIndex {
    let a = org(
        1,
        "Varmeteknik Vest ApS",
        OrganisationKind::Company,
        657,
        &[1],
    );
    let b = org(
        2,
        "Aalborg Universitet",
        OrganisationKind::KnowledgeInstitution,
        851,
        &[2],
    );
    let posts = vec![
        post(
            10,
            1,
            &a,
            PostDirection::Offer,
            "Store varmepumper til fjernvarmen",
            "Vi producerer varmepumperne til virksomhederne og fjernvarmeværkerne.",
            PostStatus::Published,
            Visibility::Public,
        ),
        post(
            11,
            1,
            &a,
            PostDirection::Need,
            "Partner for circular economy projects",
            "We are looking for partners in the circular economy <script>alert('x')</script>.",
            PostStatus::Published,
            Visibility::AllClusters,
        ),
        post(
            12,
            1,
            &a,
            PostDirection::Offer,
            "Hemmelig prototype af brintlager",
            "Kun for klyngens egne medlemmer: et nyt brintlager.",
            PostStatus::Published,
            Visibility::OwnCluster,
        ),
        post(
            13,
            1,
            &a,
            PostDirection::Offer,
            "Kladde om brintlager",
            "En kladde som ikke er offentliggjort endnu.",
            PostStatus::Draft,
            Visibility::Public,
        ),
        post(
            14,
            2,
            &b,
            PostDirection::Offer,
            "Innovationsprojekter om energilagring",
            "Universitetet tilbyder innovationsprojekter og forskning i energilagring.",
            PostStatus::Published,
            Visibility::Public,
        ),
        post(
            15,
            2,
            &b,
            PostDirection::Offer,
            "Skjult opslag om varmepumper",
            "Skjult af sekretariatet.",
            PostStatus::Hidden,
            Visibility::Public,
        ),
    ];
    let index = MarketIndex::in_memory().unwrap();
    index.rebuild(&[a, b], &posts, today()).unwrap();
    index
}

fn keys(index: &MarketIndex, audience: Audience, r: &SearchRequest) -> Vec<DocKey> {
    index
        .search(audience, r)
        .unwrap()
        .hits
        .into_iter()
        .map(|h| h.key)
        .collect()
}

fn q(text: &str) -> SearchRequest {
    SearchRequest::new(text, today())
}

const P: fn(i64) -> DocKey = |id| DocKey::Post(PostId(id));

#[test]
fn danish_and_english_stemming() {
    let index = fixture();
    let staff2 = Audience::Staff(ClusterId(2));
    // "varmepumpe" finds "varmepumper"/"varmepumperne"; "virksomheden" finds "virksomhederne".
    assert_eq!(
        keys(&index, Audience::Public, &q("varmepumpe")).first(),
        Some(&P(10))
    );
    assert!(keys(&index, Audience::Public, &q("virksomheden")).contains(&P(10)));
    assert!(keys(&index, staff2, &q("partnerships economies")).contains(&P(11)));
}

#[test]
fn typos_prefixes_and_phrases() {
    let index = fixture();
    let staff2 = Audience::Staff(ClusterId(2));
    assert_eq!(
        keys(&index, Audience::Public, &q("varmepunper")).first(),
        Some(&P(10)),
        "one typo"
    );
    assert!(
        keys(&index, Audience::Public, &q("energilagering")).contains(&P(14)),
        "one typo"
    );
    assert!(
        keys(&index, Audience::Public, &q("innovationsproj*")).contains(&P(14)),
        "prefix"
    );
    assert_eq!(
        keys(&index, staff2, &q("\"store varmepumper\"")),
        vec![P(10)],
        "phrase"
    );
    assert!(
        keys(&index, staff2, &q("\"varmepumper store\"")).is_empty(),
        "phrase order matters"
    );
    assert_eq!(
        keys(&index, staff2, &q("\"looking for partners\"")),
        vec![P(11)],
        "English phrase"
    );
}

#[test]
fn the_reading_rule_applies_to_search() {
    let index = fixture();
    let everything = q("brintlager varmepumper circular");
    let public = keys(&index, Audience::Public, &everything);
    assert!(public.contains(&P(10)));
    for hidden in [11, 12, 13, 15] {
        assert!(
            !public.contains(&P(hidden)),
            "public must not see post {hidden}"
        );
    }
    let other = keys(&index, Audience::Staff(ClusterId(2)), &everything);
    assert!(other.contains(&P(11)), "all clusters");
    assert!(
        !other.contains(&P(12)),
        "own cluster only: never another cluster's staff"
    );
    assert!(!other.contains(&P(13)), "draft");
    assert!(
        other.contains(&P(15)),
        "its own cluster's staff see a hidden post"
    );
    let own = keys(&index, Audience::Staff(ClusterId(1)), &everything);
    assert!(own.contains(&P(12)) && own.contains(&P(13)));
    assert!(!own.contains(&P(15)), "another cluster's hidden post");
    let member = keys(
        &index,
        Audience::Member(ClusterId(1), OrganisationId(2)),
        &everything,
    );
    assert!(member.contains(&P(12)), "members of the same cluster");
    assert!(!member.contains(&P(13)), "another organisation's draft");
    // After the expiry day only the own cluster and organisation find it.
    let mut later = everything.clone();
    later.today = NaiveDate::from_ymd_opt(2027, 2, 1).unwrap();
    assert!(!keys(&index, Audience::Public, &later).contains(&P(10)));
    assert!(keys(&index, Audience::Staff(ClusterId(1)), &later).contains(&P(10)));
}

#[test]
fn filters() {
    let index = fixture();
    let pairs = |p: &[(&'static str, &'static str)]| {
        SearchRequest::from_pairs(p.iter().copied(), today()).unwrap()
    };
    let orgs = keys(
        &index,
        Audience::Public,
        &pairs(&[("scope", "organisations")]),
    );
    assert_eq!(orgs.len(), 2);
    assert!(orgs.iter().all(|k| matches!(k, DocKey::Organisation(_))));
    let nord = keys(
        &index,
        Audience::Public,
        &pairs(&[("region", "nordjylland")]),
    );
    assert_eq!(
        nord,
        vec![DocKey::Organisation(OrganisationId(2)), P(14)]
            .into_iter()
            .filter(|k| nord.contains(k))
            .collect::<Vec<_>>()
    );
    assert!(nord.contains(&P(14)) && !nord.contains(&P(10)));
    let ki = keys(
        &index,
        Audience::Public,
        &pairs(&[("kind", "knowledge_institution")]),
    );
    assert_eq!(ki, vec![DocKey::Organisation(OrganisationId(2))]);
    assert!(
        keys(
            &index,
            Audience::Public,
            &pairs(&[("theme", "circular-economy"), ("scope", "offers")])
        )
        .contains(&P(10))
    );
    assert!(keys(&index, Audience::Public, &pairs(&[("industry", "28")])).contains(&P(10)));
    assert!(keys(&index, Audience::Public, &pairs(&[("industry", "99")])).is_empty());
    // Membership of cluster 1 is only a filter for cluster 1's own readers.
    let by_cluster = pairs(&[("cluster", "1"), ("scope", "organisations")]);
    assert_eq!(
        keys(&index, Audience::Staff(ClusterId(1)), &by_cluster),
        vec![DocKey::Organisation(OrganisationId(1))]
    );
    assert!(keys(&index, Audience::Staff(ClusterId(2)), &by_cluster).is_empty());
    let mut needs = q("");
    needs.scope = Scope::Needs;
    assert!(
        keys(&index, Audience::Public, &needs).is_empty(),
        "the only need is not public"
    );
}

#[test]
fn snippets_highlight_and_escape() {
    let index = fixture();
    let results = index
        .search(Audience::Staff(ClusterId(2)), &q("partners"))
        .unwrap();
    let hit = results.hits.iter().find(|h| h.key == P(11)).unwrap();
    assert!(
        hit.snippet
            .iter()
            .any(|f| f.highlighted && f.text.to_lowercase().starts_with("partner"))
    );
    let html = fragments_html(&hit.snippet);
    assert!(html.contains("<b>"), "{html}");
    assert!(!html.contains("<script>"), "{html}");
    assert!(html.contains("&lt;script&gt;"), "{html}");
}

#[test]
fn bad_input_gives_a_sensible_result_or_a_message() {
    let index = fixture();
    for text in [
        "\"",
        "\"varmepumper",
        "title:varmepumper",
        "(varmepumper",
        "varmepumper)",
        "*",
        "**",
        "~",
        "varmepumper~2",
        "varme^3",
        "AND OR NOT",
        "+-!",
        ":",
        "[1 TO 5]",
        "\\",
        "'; DROP TABLE",
        "<script>alert(1)</script>",
        "",
        "   ",
    ] {
        let result = index.search(Audience::Public, &q(text));
        assert!(result.is_ok(), "{text:?}: {result:?}");
    }
    let long = "varmepumpe ".repeat(5_000);
    assert!(index.search(Audience::Public, &q(&long)).is_ok());
    assert_eq!(
        keys(&index, Audience::Public, &q("title:varmepumper")).first(),
        Some(&P(10))
    );
    assert_eq!(
        keys(&index, Audience::Public, &q("(varmepumper")).first(),
        Some(&P(10))
    );
    let err = SearchRequest::from_pairs([("sort", "price")], today()).unwrap_err();
    assert!(err.to_string().contains("unknown filter \"sort\""), "{err}");
}

#[test]
fn writes_follow_into_the_index() {
    let index = fixture();
    let a = org(
        1,
        "Varmeteknik Vest ApS",
        OrganisationKind::Company,
        657,
        &[1],
    );
    let mut p = post(
        20,
        1,
        &a,
        PostDirection::Offer,
        "Solfangere til landbruget",
        "Vi leverer solfangere.",
        PostStatus::Published,
        Visibility::Public,
    );
    index.upsert_post(&p, today()).unwrap();
    assert_eq!(
        keys(&index, Audience::Public, &q("solfangere")),
        vec![P(20)]
    );
    p.post.status = PostStatus::Hidden;
    index.upsert_post(&p, today()).unwrap();
    assert!(keys(&index, Audience::Public, &q("solfangere")).is_empty());
    index.delete_post(PostId(20)).unwrap();
    assert!(keys(&index, Audience::Staff(ClusterId(1)), &q("solfangere")).is_empty());
    let renamed = org(
        2,
        "Aalborg Universitet Energi",
        OrganisationKind::KnowledgeInstitution,
        851,
        &[2],
    );
    index.upsert_organisation(&renamed, today()).unwrap();
    let mut r = q("energi");
    r.scope = Scope::Organisations;
    assert_eq!(
        keys(&index, Audience::Public, &r),
        vec![DocKey::Organisation(OrganisationId(2))]
    );
}

#[test]
fn an_index_on_disk_survives_reopening() {
    let dir = std::env::temp_dir().join(format!("klynge-market-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    {
        let (index, created) = MarketIndex::open(&dir).unwrap();
        assert!(created);
        let a = org(
            1,
            "Varmeteknik Vest ApS",
            OrganisationKind::Company,
            657,
            &[],
        );
        index.rebuild(&[a], &[], today()).unwrap();
    }
    let (index, created) = MarketIndex::open(&dir).unwrap();
    assert!(!created);
    assert_eq!(index.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}
