//! The marketplace at national scale: 300,000 organisations and 100,000 posts, generated
//! deterministically from a vocabulary of Danish and English domain words.
//!
//! `cargo bench -p klynge-market` prints the full index build time, then the median and p99
//! of 1,000 searches (words, typos, phrases, prefixes, filters) and of 200 recommendation
//! lists for a need and 50 "whom to meet" lists, each as a member of another cluster.
//! Targets (issue 7): search p99 under 20 ms, a recommendation list under 100 ms.

use std::time::{Duration, Instant};

use chrono::NaiveDate;
use klynge_domain::{
    Audience, ClusterId, CountryCode, MunicipalityCode, OrganisationId, OrganisationKind, Post,
    PostDirection, PostId, PostKind, PostStatus, SizeClass, Theme, Visibility, geography,
};
use klynge_market::{
    MarketIndex, OrgFacts, PostDoc, SearchRequest, Seed, recommend_for_organisation,
    recommend_for_post,
};

const ORGS: usize = 300_000;
const POSTS: usize = 100_000;

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*: deterministic and good enough to spread words.
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "varmepumpe",
    "varmepumper",
    "fjernvarme",
    "brint",
    "elektrolyse",
    "batteri",
    "batterier",
    "energilagring",
    "solceller",
    "vindmølle",
    "vindmøllevinger",
    "spildevand",
    "vandrensning",
    "drikkevand",
    "genanvendelse",
    "plast",
    "emballage",
    "madspild",
    "fermentering",
    "protein",
    "insekter",
    "skibsfart",
    "emissioner",
    "havn",
    "logistik",
    "kølekæde",
    "telemedicin",
    "robotter",
    "hospital",
    "velfærdsteknologi",
    "træbyggeri",
    "beton",
    "renovering",
    "akustik",
    "støj",
    "tekstiler",
    "møbler",
    "design",
    "3D-print",
    "automatisering",
    "kvalitetskontrol",
    "kunstig",
    "intelligens",
    "maskinlæring",
    "dataplatform",
    "cybersikkerhed",
    "sensorer",
    "betaling",
    "hvidvask",
    "droner",
    "inspektion",
    "animation",
    "satellit",
    "forsvar",
    "høreapparater",
    "landbrug",
    "vanding",
    "kompetenceudvikling",
    "investering",
    "kapital",
    "heat",
    "pump",
    "district",
    "heating",
    "hydrogen",
    "electrolysis",
    "battery",
    "storage",
    "solar",
    "wind",
    "turbine",
    "blades",
    "wastewater",
    "recycling",
    "packaging",
    "food",
    "waste",
    "fermentation",
    "shipping",
    "port",
    "logistics",
    "telehealth",
    "robots",
    "construction",
    "concrete",
    "timber",
    "acoustics",
    "noise",
    "textiles",
    "furniture",
    "additive",
    "manufacturing",
    "machine",
    "vision",
    "learning",
    "data",
    "platform",
    "security",
    "payments",
    "drones",
    "satellite",
    "defence",
    "hearing",
    "agriculture",
    "irrigation",
    "training",
    "investment",
    "venture",
    "virksomhed",
    "virksomheder",
    "partner",
    "partnere",
    "samarbejde",
    "forskning",
    "udvikling",
    "løsning",
    "løsninger",
    "teknologi",
    "produktion",
    "test",
    "pilot",
    "demonstration",
    "marked",
    "kunder",
    "leverandør",
    "network",
    "research",
    "development",
    "solution",
    "technology",
    "production",
    "customers",
    "supplier",
];

const THEMES: &[&str] = &[
    "green-transition",
    "circular-economy",
    "digitalisation",
    "energy-efficiency",
    "hydrogen",
    "water",
    "food-waste",
    "health",
    "automation",
    "ai",
    "cybersecurity",
    "construction",
    "maritime",
    "space",
    "sound",
    "finance",
    "robotics",
    "design",
    "industry-4-0",
    "agriculture",
];

fn text(rng: &mut Rng, words: usize) -> String {
    (0..words)
        .map(|_| rng.pick(WORDS))
        .collect::<Vec<_>>()
        .join(" ")
}

fn generate() -> (Vec<OrgFacts>, Vec<PostDoc>) {
    let mut rng = Rng(0x5eed_cafe);
    let municipalities: Vec<MunicipalityCode> =
        geography::municipalities().iter().map(|m| m.code).collect();
    let kinds = [
        OrganisationKind::Company,
        OrganisationKind::Company,
        OrganisationKind::Company,
        OrganisationKind::Company,
        OrganisationKind::KnowledgeInstitution,
        OrganisationKind::Investor,
        OrganisationKind::Municipality,
    ];
    let orgs: Vec<OrgFacts> = (0..ORGS)
        .map(|i| OrgFacts {
            id: OrganisationId(i as i64 + 1),
            name: format!("{} {} ApS", rng.pick(WORDS), rng.pick(WORDS)),
            kind: rng.pick(&kinds),
            municipality: Some(rng.pick(&municipalities)),
            country: CountryCode::DENMARK,
            size: Some(rng.pick(SizeClass::ALL)),
            industry: Some(format!("{:06}", rng.below(990_000) + 10_000)),
            member_of: if rng.below(10) == 0 {
                vec![ClusterId(rng.below(14) as i64 + 1)]
            } else {
                vec![]
            },
        })
        .collect();
    let visibilities = [
        Visibility::Public,
        Visibility::AllClusters,
        Visibility::OwnCluster,
    ];
    let posts: Vec<PostDoc> = (0..POSTS)
        .map(|i| {
            let org = &orgs[rng.below(ORGS)];
            PostDoc {
                id: PostId(i as i64 + 1),
                post: Post {
                    cluster: ClusterId(rng.below(14) as i64 + 1),
                    organisation: org.id,
                    direction: rng.pick(PostDirection::ALL),
                    kind: rng.pick(PostKind::ALL),
                    title: text(&mut rng, 5),
                    description: text(&mut rng, 40),
                    keywords: (0..3).map(|_| rng.pick(WORDS).to_string()).collect(),
                    themes: (0..2)
                        .map(|_| Theme::parse(rng.pick(THEMES)).unwrap())
                        .collect(),
                    industries: vec![],
                    countries: vec![],
                    expires_on: None,
                    status: if rng.below(20) == 0 {
                        PostStatus::Draft
                    } else {
                        PostStatus::Published
                    },
                    visibility: rng.pick(&visibilities),
                },
                org: org.clone(),
            }
        })
        .collect();
    (orgs, posts)
}

fn typo(word: &str, rng: &mut Rng) -> String {
    let mut chars: Vec<char> = word.chars().collect();
    if chars.len() > 5 {
        let at = 1 + rng.below(chars.len() - 2);
        chars.remove(at);
    }
    chars.into_iter().collect()
}

fn summary(label: &str, mut times: Vec<Duration>) {
    times.sort();
    let at = |q: f64| times[((times.len() as f64 * q) as usize).min(times.len() - 1)];
    println!(
        "{label}: n={} median {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        times.len(),
        at(0.5).as_secs_f64() * 1e3,
        at(0.99).as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
}

fn main() {
    let today = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
    let started = Instant::now();
    let (orgs, posts) = generate();
    println!(
        "generated {} organisations and {} posts in {:.1} s",
        orgs.len(),
        posts.len(),
        started.elapsed().as_secs_f64()
    );

    let dir = std::env::temp_dir().join(format!("klynge-market-bench-{}", std::process::id()));
    let (index, _) = MarketIndex::open(&dir).unwrap();
    let started = Instant::now();
    index.rebuild(&orgs, &posts, today).unwrap();
    println!(
        "full reindex (on disk, one commit): {:.1} s",
        started.elapsed().as_secs_f64()
    );

    let reader = Audience::Staff(ClusterId(3));
    let mut rng = Rng(42);
    let mut times = Vec::new();
    let mut hits = 0usize;
    for i in 0..1_000 {
        let q = match i % 5 {
            0 => rng.pick(WORDS).to_string(),
            1 => format!("{} {}", rng.pick(WORDS), rng.pick(WORDS)),
            2 => typo(rng.pick(WORDS), &mut rng),
            3 => format!("\"{} {}\"", rng.pick(WORDS), rng.pick(WORDS)),
            _ => format!("{}*", &rng.pick(WORDS).chars().take(4).collect::<String>()),
        };
        let mut r = SearchRequest::new(&q, today);
        if i % 3 == 0 {
            r.theme = Some(Theme::parse(rng.pick(THEMES)).unwrap());
        }
        if i % 4 == 0 {
            r.size = Some(SizeClass::Small);
        }
        let t = Instant::now();
        let res = index.search(reader, &r).unwrap();
        times.push(t.elapsed());
        hits += res.hits.len();
    }
    summary("search (20 hits with snippets)", times);
    println!(
        "  (average hits shown per search: {:.1})",
        hits as f64 / 1_000.0
    );

    let mut times = Vec::new();
    for i in 0..200 {
        let doc = &posts[(i * 497) % posts.len()];
        let mut seed_doc = doc.clone();
        seed_doc.post.direction = PostDirection::Need;
        let seed = Seed::from_post(&seed_doc, today);
        let t = Instant::now();
        let (p, o) = recommend_for_post(&index, reader, &seed, today, 10).unwrap();
        times.push(t.elapsed());
        assert!(!p.is_empty() || !o.is_empty());
    }
    summary(
        "recommendations for a need (10 offers + 10 organisations)",
        times,
    );

    let mut times = Vec::new();
    for i in 0..50 {
        let org = &posts[(i * 1_913) % posts.len()].org;
        let t = Instant::now();
        recommend_for_organisation(&index, reader, org, today, 10).unwrap();
        times.push(t.elapsed());
    }
    summary("whom to meet for an organisation (10)", times);
    drop(index);
    let _ = std::fs::remove_dir_all(&dir);
}
