//! The report's words in Danish (first) and English. Every label of the HTML and the
//! spreadsheets comes from here.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn parse(input: &str) -> Option<Lang> {
        match input.trim().to_ascii_lowercase().as_str() {
            "da" | "dansk" | "danish" => Some(Lang::Da),
            "en" | "english" | "engelsk" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }
}

/// Looks a key up; an unknown key is a programming error, caught by the test below.
pub fn t(lang: Lang, key: &str) -> &'static str {
    WORDS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map_or("?", |(_, da, en)| match lang {
            Lang::Da => da,
            Lang::En => en,
        })
}

/// The label of a code in a breakdown (a region, size class, funding stream, toolbox category,
/// format): its translation where there is one, otherwise the code itself (themes, activity
/// types, municipalities).
pub fn label(lang: Lang, code: &str) -> String {
    WORDS.iter().find(|(k, _, _)| *k == code).map_or_else(
        || code.to_string(),
        |(_, da, en)| match lang {
            Lang::Da => (*da).to_string(),
            Lang::En => (*en).to_string(),
        },
    )
}

pub(crate) const WORDS: &[(&str, &str, &str)] = &[
    (
        "title",
        "Klyngernes engagement i",
        "The clusters' engagement in",
    ),
    ("period", "Periode", "Period"),
    ("since", "Fra", "From"),
    ("until", "Til", "To"),
    (
        "geography",
        "Regioner som gældende pr.",
        "Regions as in force on",
    ),
    ("summary", "Overblik", "Summary"),
    ("measure", "Mål", "Measure"),
    ("region", "Regionen", "The region"),
    ("national", "Hele landet", "Nationally"),
    ("clusters", "Klynger", "Clusters"),
    ("cluster", "Klynge", "Cluster"),
    ("clusters_total", "Klynger i alt", "Clusters in total"),
    (
        "presence",
        "Klynger fysisk til stede (eget kontor eller samlokaliseret med Erhvervshuset)",
        "Clusters physically present (own office or co-located with the business hub)",
    ),
    ("own_office", "Eget kontor", "Own office"),
    (
        "co_located",
        "Samlokaliseret med Erhvervshuset",
        "Co-located with the business hub",
    ),
    (
        "with_members",
        "Klynger med medlemmer",
        "Clusters with members",
    ),
    (
        "with_activities",
        "Klynger med aktiviteter",
        "Clusters with activities",
    ),
    (
        "with_agreements",
        "Klynger med samarbejdsaftaler",
        "Clusters with collaboration agreements",
    ),
    (
        "members",
        "Medlemmer (unikke organisationer)",
        "Members (unique organisations)",
    ),
    (
        "memberships",
        "Medlemskaber (summeret over klynger)",
        "Memberships (summed over clusters)",
    ),
    ("fifty_plus", "Heraf 50+ ansatte", "Of which 50+ employees"),
    (
        "under_fifty",
        "Heraf under 50 ansatte",
        "Of which under 50 employees",
    ),
    (
        "unknown_size",
        "Heraf ukendt størrelse",
        "Of which size unknown",
    ),
    ("activities", "Aktiviteter afholdt", "Activities held"),
    (
        "unique_companies",
        "Unikke virksomheder i aktiviteter",
        "Unique companies in activities",
    ),
    ("participants", "Deltagere i alt", "Participants in total"),
    (
        "agreements",
        "Samarbejdsaftaler",
        "Collaboration agreements",
    ),
    (
        "agreements_by_municipality",
        "Samarbejdsaftaler pr. kommune",
        "Collaboration agreements by municipality",
    ),
    ("agreements_by_cluster", "Pr. klynge", "By cluster"),
    ("municipality", "Kommune", "Municipality"),
    ("count", "Antal", "Count"),
    ("yes", "ja", "yes"),
    ("no", "nej", "no"),
    (
        "chart_regions",
        "Unikke virksomheder i aktiviteter pr. region",
        "Unique companies in activities by region",
    ),
    (
        "chart_years",
        "Unikke virksomheder i aktiviteter pr. år",
        "Unique companies in activities by year",
    ),
    ("year", "År", "Year"),
    ("how_we_count", "Sådan tæller vi", "How we count"),
    ("no_rows", "Ingen", "None"),
    ("funder_title", "Bevillingsrapport", "Funder report"),
    ("funding_stream", "Finansieringskilde", "Funding stream"),
    ("total", "I alt", "Total"),
    ("participations", "Deltagelser", "Participations"),
    (
        "unique_organisations",
        "Unikke organisationer",
        "Unique organisations",
    ),
    ("sme_share", "SMV-andel", "SME share"),
    (
        "dedicated",
        "Dedikerede deltagere",
        "Dedicated participants",
    ),
    (
        "outcome_product",
        "Ny produkt/service/proces",
        "New product/service/process",
    ),
    (
        "outcome_knowledge",
        "Nyt samarbejde med videninstitution",
        "New collaboration with a knowledge institution",
    ),
    ("outcome_competences", "Nye kompetencer", "New competences"),
    (
        "outcome_referral",
        "Modtaget henvisning",
        "Referral received",
    ),
    (
        "ufm",
        "UFM (videnbaserede aktiviteter)",
        "UFM (knowledge-based activities)",
    ),
    (
        "deb",
        "DEB (erhvervsrettede aktiviteter)",
        "DEB (business-oriented activities)",
    ),
    ("own", "Egne midler", "Own funds"),
    ("eu", "EU", "EU"),
    ("other", "Andet", "Other"),
    ("nordjylland", "Region Nordjylland", "North Denmark Region"),
    (
        "midtjylland",
        "Region Midtjylland",
        "Central Denmark Region",
    ),
    (
        "syddanmark",
        "Region Syddanmark",
        "Region of Southern Denmark",
    ),
    (
        "hovedstaden",
        "Region Hovedstaden",
        "Capital Region of Denmark",
    ),
    ("sjaelland", "Region Sjælland", "Region Zealand"),
    ("oestdanmark", "Region Østdanmark", "Region East Denmark"),
    // The KPI report (web page and spreadsheet).
    ("kpi_title", "Nøgletal", "Key figures"),
    ("current_period", "Perioden", "The period"),
    ("previous_period", "Forrige periode", "Previous period"),
    (
        "kpi_members",
        "Medlemmer (unikke organisationer)",
        "Members (unique organisations)",
    ),
    ("kpi_memberships", "Medlemskaber", "Memberships"),
    ("kpi_new_memberships", "Nye medlemskaber", "New memberships"),
    (
        "kpi_lost_memberships",
        "Ophørte medlemskaber",
        "Ended memberships",
    ),
    (
        "kpi_without_cvr",
        "Deltagende organisationer uden CVR",
        "Participating organisations without CVR",
    ),
    (
        "kpi_foreign",
        "Udenlandske deltagende organisationer",
        "Foreign participating organisations",
    ),
    ("kpi_activities", "Aktiviteter", "Activities"),
    ("kpi_offices_own", "Egne kontorer", "Own offices"),
    (
        "kpi_offices_co_located",
        "Kontorer samlokaliseret med Erhvervshuset",
        "Offices co-located with the business hub",
    ),
    (
        "kpi_members_by_size",
        "Medlemmer efter størrelse",
        "Members by size",
    ),
    (
        "kpi_members_by_region",
        "Medlemmer efter region",
        "Members by region",
    ),
    (
        "kpi_unique_by_region",
        "Deltagende organisationer efter region",
        "Participating organisations by region",
    ),
    (
        "kpi_unique_by_size",
        "Deltagende organisationer efter størrelse",
        "Participating organisations by size",
    ),
    (
        "kpi_activities_by_category",
        "Aktiviteter efter værktøjskasse-kategori",
        "Activities by toolbox category",
    ),
    (
        "kpi_activities_by_type",
        "Aktiviteter efter type",
        "Activities by type",
    ),
    (
        "kpi_activities_by_theme",
        "Aktiviteter efter tema",
        "Activities by theme",
    ),
    (
        "kpi_activities_by_funding_stream",
        "Aktiviteter efter finansiering",
        "Activities by funding stream",
    ),
    (
        "kpi_activities_by_format",
        "Aktiviteter efter form",
        "Activities by format",
    ),
    (
        "kpi_participations_by_funding_stream",
        "Deltagelser efter finansiering",
        "Participations by funding stream",
    ),
    (
        "kpi_chart_regions",
        "Deltagende organisationer efter region",
        "Participating organisations by region",
    ),
    (
        "kpi_chart_years",
        "Deltagende organisationer pr. år",
        "Participating organisations per year",
    ),
    ("kpi_breakdowns", "Fordelinger", "Breakdowns"),
    ("kpi_table", "Tabel", "Table"),
    ("kpi_code", "Kategori", "Category"),
    ("abroad", "Udlandet", "Abroad"),
    ("unknown", "Ukendt", "Unknown"),
    ("micro", "Mikro (0–9 ansatte)", "Micro (0–9 employees)"),
    ("small", "Lille (10–49)", "Small (10–49)"),
    ("medium", "Mellemstor (50–249)", "Medium (50–249)"),
    ("large", "Stor (250+)", "Large (250+)"),
    ("physical", "Fysisk", "Physical"),
    ("online", "Online", "Online"),
    ("hybrid", "Hybrid", "Hybrid"),
    ("matchmaking", "Matchmaking", "Matchmaking"),
    ("transformation", "Omstilling", "Transformation"),
    (
        "innovation_project",
        "Innovationsprojekter",
        "Innovation projects",
    ),
    (
        "knowledge_dissemination",
        "Videnspredning",
        "Knowledge dissemination",
    ),
    (
        "internationalisation",
        "Internationalisering",
        "Internationalisation",
    ),
    (
        "access_to_finance",
        "Adgang til finansiering",
        "Access to finance",
    ),
    (
        "incubation_entrepreneurship",
        "Inkubation og iværksætteri",
        "Incubation and entrepreneurship",
    ),
    (
        "branding_communication",
        "Branding og kommunikation",
        "Branding and communication",
    ),
    (
        "competence_development",
        "Kompetenceudvikling",
        "Competence development",
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_unique_and_translated() {
        for (i, (k, da, en)) in WORDS.iter().enumerate() {
            assert!(!da.is_empty() && !en.is_empty(), "{k}");
            assert!(
                WORDS[..i].iter().all(|(other, _, _)| other != k),
                "duplicate {k}"
            );
        }
    }
}
