//! Demo marketplace posts: offers and needs in Danish and English for members of each
//! cluster, from a few hand-written templates per strength area, so the demo marketplace has
//! something to search and recommend. Deterministic like the rest of the demo.

use chrono::NaiveDate;
use klynge_domain::{
    ClusterId, OrganisationId, OrganisationKind, Post, PostDirection, PostKind, PostStatus, Theme,
    Visibility,
};
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::DemoData;

/// (direction, kind, title, description, keywords, themes) per cluster, in the order of
/// [`crate::NATIONAL_CLUSTERS`].
type Template = (
    PostDirection,
    PostKind,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

use PostDirection::{Need, Offer};
use PostKind::*;

const TEMPLATES: &[&[Template]] = &[
    &[
        (
            Offer,
            Technology,
            "Store varmepumper til fjernvarme",
            "Vi leverer eldrevne varmepumper på 1-10 MW med naturlige kølemidler.",
            "varmepumpe, fjernvarme, heat pump",
            "green-transition, energy-efficiency",
        ),
        (
            Need,
            ResearchCooperation,
            "Partner til forskning i elektrolyse",
            "Vi søger forskere, der kan hjælpe med at forlænge levetiden af vores elektrolyseanlæg til brint.",
            "brint, elektrolyse, PtX",
            "hydrogen",
        ),
        (
            Offer,
            Technology,
            "Battery storage for industry",
            "Container battery systems that shave peak load and store solar power.",
            "battery, energy storage, batteri",
            "energy-storage",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Membranfiltrering af spildevand",
            "Keramiske membraner der renser industrielt spildevand for mikroplast og olie.",
            "spildevand, vandrensning, wastewater",
            "water, circular-economy",
        ),
        (
            Need,
            BusinessPartnership,
            "Recycling partner for plastic waste",
            "We seek a partner who collects and recycles our plastic waste with documentation.",
            "plastic, recycling, genanvendelse",
            "circular-economy",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Upcycling af restprodukter",
            "Vi omdanner mask og brødrester til fødevareingredienser med højt proteinindhold.",
            "madspild, upcycling, food waste",
            "food-waste, circular-economy",
        ),
        (
            Need,
            Technology,
            "Pilot plant for precision fermentation",
            "We need pilot-scale fermentation capacity for a new protein ingredient.",
            "fermentation, fermentering, protein",
            "alternative-protein",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Måling af skibes emissioner",
            "Sensorer der måler CO2 og NOx fra skibe i drift og rapporterer til EU ETS.",
            "skibsfart, emissioner, shipping",
            "maritime, green-transition",
        ),
        (
            Need,
            BusinessPartnership,
            "Leverandør af grøn metanol",
            "Vi søger e-metanol til et demonstrationsprojekt med et fragtskib.",
            "methanol, e-metanol, brændstof",
            "maritime, hydrogen",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Telemedicinsk hjemmemonitorering",
            "Platform hvor borgere med KOL måler iltmætning og blodtryk derhjemme.",
            "telemedicin, KOL, telehealth",
            "health, digitalisation",
        ),
        (
            Need,
            Other,
            "Help with MDR and CE marking",
            "Our software must be classified as a medical device; we need help with the documentation.",
            "MDR, CE-mærkning, medical device",
            "health",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Etagebyggeri i massivtræ",
            "Vi opfører etageboliger i CLT med lavt CO2-aftryk.",
            "træbyggeri, CLT, timber",
            "construction, green-transition",
        ),
        (
            Need,
            Technology,
            "Low-carbon concrete supplier",
            "We need concrete for foundations with a low CO2 footprint.",
            "concrete, beton, CO2",
            "construction",
        ),
    ],
    &[
        (
            Offer,
            BusinessPartnership,
            "Designpartner til bæredygtige møbler",
            "Design og produktion af møbler i certificeret træ og genbrugsmaterialer.",
            "møbler, furniture, design",
            "design, sustainability",
        ),
        (
            Need,
            Technology,
            "Recycled textiles for upholstery",
            "We want recycled yarn and textile for furniture upholstery.",
            "textiles, tekstiler, genanvendt",
            "circular-economy, design",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "3D-print i metal",
            "Additiv fremstilling af reservedele i stål og titanium.",
            "3D-print, additive manufacturing, metal",
            "industry-4-0",
        ),
        (
            Need,
            Technology,
            "Machine vision for quality inspection",
            "We need camera-based inspection of surfaces on our production line.",
            "machine vision, kvalitetskontrol",
            "industry-4-0, automation",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "AI-modeller på virksomhedens egne data",
            "Prognoser, forudsigende vedligehold og sprogmodeller bygget på jeres data.",
            "AI, maskinlæring, machine learning",
            "ai, digitalisation",
        ),
        (
            Need,
            Other,
            "NIS2 compliance help",
            "We fall under NIS2 and need a gap analysis and risk management.",
            "NIS2, cybersikkerhed, compliance",
            "cybersecurity",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Betalinger og open banking",
            "API'er til betalinger og abonnementer for webshops.",
            "betaling, payments, open banking",
            "finance",
        ),
        (
            Need,
            Technology,
            "AML screening of customers",
            "We must screen customers and transactions for money laundering.",
            "AML, hvidvask, KYC",
            "finance",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Cobots til montage",
            "Kollaborative robotter til montage, som små virksomheder kan sætte op selv.",
            "cobot, robotter, montage",
            "robotics, automation",
        ),
        (
            Need,
            ResearchCooperation,
            "Test site for long-range drone flights",
            "We need a test site and research partner for BVLOS drone flights.",
            "drones, droner, BVLOS",
            "robotics",
        ),
    ],
    &[
        (
            Offer,
            BusinessPartnership,
            "Animation og visualisering",
            "3D-animation og forklaringsvideoer til virksomheder og museer.",
            "animation, 3D, visualisering",
            "creative-industries",
        ),
        (
            Need,
            Technology,
            "VR safety training",
            "We want virtual reality simulators for operator safety training.",
            "VR, virtual reality, træning",
            "competence-development",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Satellitdata til landbrug",
            "Satellitbilleder omsat til kort over afgrøder og jordfugt.",
            "satellit, satellite, jordbrug",
            "space, agriculture",
        ),
        (
            Need,
            Technology,
            "Encrypted links for defence",
            "Our ground station needs encrypted communication approved for defence.",
            "encryption, kryptering, defence",
            "defence",
        ),
    ],
    &[
        (
            Offer,
            Technology,
            "Støjmåling og akustisk rådgivning",
            "Vi måler og dæmper støj fra maskiner og ventilation.",
            "støj, akustik, noise",
            "sound",
        ),
        (
            Need,
            ResearchCooperation,
            "Hearing aid signal processing partner",
            "We have a noise reduction algorithm and seek a hearing aid partner.",
            "hearing, høreapparater",
            "sound, health",
        ),
    ],
];

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Posts for the generated data: each template is posted by a few of the cluster's members.
pub fn market_posts(data: &DemoData, seed: u64, today: NaiveDate) -> Vec<Post> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x6d61_726b_6574);
    let kinds: std::collections::HashMap<OrganisationId, OrganisationKind> = data
        .organisations
        .iter()
        .map(|(id, o)| (*id, o.kind))
        .collect();
    let mut posts = Vec::new();
    for (i, (cluster, _)) in data.clusters.iter().enumerate() {
        let Some(templates) = TEMPLATES.get(i) else {
            continue;
        };
        let members: Vec<OrganisationId> = data
            .memberships
            .iter()
            .filter(|m| {
                m.cluster == *cluster
                    && kinds.get(&m.organisation) != Some(&OrganisationKind::Municipality)
            })
            .map(|m| m.organisation)
            .collect();
        for t in templates.iter() {
            for _ in 0..3 {
                let Some(org) = members.choose(&mut rng) else {
                    break;
                };
                posts.push(post(*cluster, *org, t, &mut rng, today));
            }
        }
    }
    posts
}

fn post(
    cluster: ClusterId,
    organisation: OrganisationId,
    t: &Template,
    rng: &mut ChaCha8Rng,
    today: NaiveDate,
) -> Post {
    let (direction, kind, title, description, keywords, themes) = *t;
    Post {
        cluster,
        organisation,
        direction,
        kind,
        title: title.to_string(),
        description: description.to_string(),
        keywords: list(keywords),
        themes: list(themes)
            .iter()
            .filter_map(|t| Theme::parse(t).ok())
            .collect(),
        industries: vec![],
        countries: vec![],
        expires_on: today.checked_add_days(chrono::Days::new(rng.random_range(60..400))),
        status: PostStatus::Published,
        visibility: match rng.random_range(0..3) {
            0 => Visibility::OwnCluster,
            1 => Visibility::AllClusters,
            _ => Visibility::Public,
        },
    }
}
