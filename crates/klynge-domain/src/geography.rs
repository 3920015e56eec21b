//! Danish public geography: the 98 municipalities (kommuner) and the regions they belong to
//! over time. Regions change on 1 January 2027, when Region Hovedstaden and Region Sjælland
//! merge into Region Østdanmark, so a municipality's region is always asked *on a date*.
//!
//! The tables are compiled in from `data/` (copies of `shared/reference/`).

use std::fmt;
use std::sync::LazyLock;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::DomainError;

/// A Danish region. The variants cover every region that has existed since the 2007 reform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Region {
    Nordjylland,
    Midtjylland,
    Syddanmark,
    Hovedstaden,
    Sjaelland,
    /// Formed 1 January 2027 from Hovedstaden and Sjælland.
    Oestdanmark,
}

/// First day of the 2027 regional structure.
pub fn merger_date() -> NaiveDate {
    NaiveDate::from_ymd_opt(2027, 1, 1).unwrap_or(NaiveDate::MIN)
}

impl Region {
    pub const ALL: [Region; 6] = [
        Region::Nordjylland,
        Region::Midtjylland,
        Region::Syddanmark,
        Region::Hovedstaden,
        Region::Sjaelland,
        Region::Oestdanmark,
    ];

    /// Stable identifier used in storage, URLs and the CLI.
    pub fn code(self) -> &'static str {
        match self {
            Region::Nordjylland => "nordjylland",
            Region::Midtjylland => "midtjylland",
            Region::Syddanmark => "syddanmark",
            Region::Hovedstaden => "hovedstaden",
            Region::Sjaelland => "sjaelland",
            Region::Oestdanmark => "oestdanmark",
        }
    }

    /// The official four-digit region code (regionskode); Østdanmark's was not yet published.
    pub fn official_code(self) -> Option<u16> {
        match self {
            Region::Nordjylland => Some(1081),
            Region::Midtjylland => Some(1082),
            Region::Syddanmark => Some(1083),
            Region::Hovedstaden => Some(1084),
            Region::Sjaelland => Some(1085),
            Region::Oestdanmark => None,
        }
    }

    pub fn name_da(self) -> &'static str {
        match self {
            Region::Nordjylland => "Region Nordjylland",
            Region::Midtjylland => "Region Midtjylland",
            Region::Syddanmark => "Region Syddanmark",
            Region::Hovedstaden => "Region Hovedstaden",
            Region::Sjaelland => "Region Sjælland",
            Region::Oestdanmark => "Region Østdanmark",
        }
    }

    pub fn name_en(self) -> &'static str {
        match self {
            Region::Nordjylland => "North Denmark Region",
            Region::Midtjylland => "Central Denmark Region",
            Region::Syddanmark => "Region of Southern Denmark",
            Region::Hovedstaden => "Capital Region of Denmark",
            Region::Sjaelland => "Region Zealand",
            Region::Oestdanmark => "Region East Denmark",
        }
    }

    /// First day the region exists (`None`: since before any data Klynge holds).
    pub fn valid_from(self) -> Option<NaiveDate> {
        match self {
            Region::Oestdanmark => Some(merger_date()),
            _ => None,
        }
    }

    /// Last day the region exists (`None`: still in force).
    pub fn valid_to(self) -> Option<NaiveDate> {
        match self {
            Region::Hovedstaden | Region::Sjaelland => merger_date().pred_opt(),
            _ => None,
        }
    }

    pub fn is_valid_on(self, date: NaiveDate) -> bool {
        self.valid_from().is_none_or(|from| from <= date)
            && self.valid_to().is_none_or(|to| date <= to)
    }

    /// The regions in force on a date, in their conventional order.
    pub fn in_force_on(date: NaiveDate) -> impl Iterator<Item = Region> {
        Region::ALL.into_iter().filter(move |r| r.is_valid_on(date))
    }

    /// Parses a region by stable code, official code, or Danish/English name (case-insensitive,
    /// with or without the word "Region").
    pub fn parse(input: &str) -> Result<Region, DomainError> {
        let wanted = normalise_name(input);
        Region::ALL
            .into_iter()
            .find(|r| {
                r.code() == wanted
                    || r.official_code().is_some_and(|c| c.to_string() == wanted)
                    || normalise_name(r.name_da()) == wanted
                    || normalise_name(r.name_en()) == wanted
                    || normalise_name(r.name_da()).trim_start_matches("region ") == wanted
            })
            .ok_or_else(|| DomainError::UnknownRegion {
                input: input.to_string(),
            })
    }
}

impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name_da())
    }
}

/// A municipality code (kommunekode) that names one of the 98 municipalities.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct MunicipalityCode(u16);

impl MunicipalityCode {
    /// Accepts a known code as a number (`101`) or as printed (`"0101"`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let unknown = || DomainError::UnknownMunicipality {
            input: input.to_string(),
        };
        let code: u16 = input.trim().parse().map_err(|_| unknown())?;
        Self::new(code).map_err(|_| unknown())
    }

    pub fn new(code: u16) -> Result<Self, DomainError> {
        if municipalities().iter().any(|m| m.code.0 == code) {
            Ok(MunicipalityCode(code))
        } else {
            Err(DomainError::UnknownMunicipality {
                input: format!("{code:04}"),
            })
        }
    }

    pub fn value(self) -> u16 {
        self.0
    }

    /// The municipality's reference entry. Total: a code is only built for known municipalities.
    pub fn municipality(self) -> &'static Municipality {
        municipalities()
            .iter()
            .find(|m| m.code == self)
            .unwrap_or(&municipalities()[0])
    }
}

impl fmt::Display for MunicipalityCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}", self.0)
    }
}

impl TryFrom<u16> for MunicipalityCode {
    type Error = DomainError;
    fn try_from(code: u16) -> Result<Self, Self::Error> {
        Self::new(code)
    }
}

impl From<MunicipalityCode> for u16 {
    fn from(code: MunicipalityCode) -> u16 {
        code.0
    }
}

/// One of the 98 municipalities, with its region before and after the 2027 reform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Municipality {
    pub code: MunicipalityCode,
    pub name: String,
    /// The region until 31 December 2026.
    pub region_until_2026: Region,
    /// The region from 1 January 2027.
    pub region_from_2027: Region,
    pub nuts2: String,
}

impl Municipality {
    /// The region the municipality belongs to on `date`.
    pub fn region_on(&self, date: NaiveDate) -> Region {
        if date < merger_date() {
            self.region_until_2026
        } else {
            self.region_from_2027
        }
    }

    /// Finds a municipality by code (`"0101"`, `"101"`) or by name (case-insensitive; "Aarhus"
    /// also matches "Århus").
    pub fn find(input: &str) -> Result<&'static Municipality, DomainError> {
        if let Ok(code) = MunicipalityCode::parse(input) {
            return Ok(code.municipality());
        }
        let wanted = normalise_name(input);
        municipalities()
            .iter()
            .find(|m| normalise_name(&m.name) == wanted)
            .ok_or_else(|| DomainError::UnknownMunicipality {
                input: input.to_string(),
            })
    }

    /// Municipalities that belong to `region` on `date` (empty if the region is not in force).
    pub fn in_region_on(
        region: Region,
        date: NaiveDate,
    ) -> impl Iterator<Item = &'static Municipality> {
        municipalities()
            .iter()
            .filter(move |m| m.region_on(date) == region && region.is_valid_on(date))
    }
}

/// Lower-cases and folds the old spelling "aa" to "å" so that "Aarhus", "Århus" and "AARHUS"
/// compare equal.
fn normalise_name(input: &str) -> String {
    input.trim().to_lowercase().replace("aa", "å")
}

/// All 98 municipalities in code order.
pub fn municipalities() -> &'static [Municipality] {
    static TABLE: LazyLock<Vec<Municipality>> = LazyLock::new(|| {
        parse_municipalities(include_str!("../data/dk-municipalities.csv"))
            .unwrap_or_else(|e| panic!("compiled-in municipality table is malformed: {e}"))
    });
    &TABLE
}

fn parse_municipalities(csv: &str) -> Result<Vec<Municipality>, String> {
    let mut out = Vec::new();
    for (i, line) in csv.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        let [code, name, region_code, _region, _iso, nuts2, from_2027] = fields[..] else {
            return Err(format!("line {}: expected 7 fields", i + 1));
        };
        let code: u16 = code
            .parse()
            .map_err(|_| format!("line {}: code {code:?}", i + 1))?;
        let region_until_2026 =
            Region::parse(region_code).map_err(|e| format!("line {}: {e}", i + 1))?;
        let region_from_2027 =
            Region::parse(from_2027).map_err(|e| format!("line {}: {e}", i + 1))?;
        out.push(Municipality {
            code: MunicipalityCode(code),
            name: name.to_string(),
            region_until_2026,
            region_from_2027,
            nuts2: nuts2.to_string(),
        });
    }
    out.sort_by_key(|m| m.code);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn ninety_eight_municipalities_and_region_counts() {
        assert_eq!(municipalities().len(), 98);
        let before = day(2026, 12, 31);
        let counts: Vec<usize> = Region::in_force_on(before)
            .map(|r| Municipality::in_region_on(r, before).count())
            .collect();
        assert_eq!(counts, vec![11, 19, 22, 29, 17]);
        let after = day(2027, 1, 1);
        let counts: Vec<(Region, usize)> = Region::in_force_on(after)
            .map(|r| (r, Municipality::in_region_on(r, after).count()))
            .collect();
        assert_eq!(
            counts,
            vec![
                (Region::Nordjylland, 11),
                (Region::Midtjylland, 19),
                (Region::Syddanmark, 22),
                (Region::Oestdanmark, 46)
            ]
        );
    }

    #[test]
    fn lookup_by_code_and_name() {
        assert_eq!(Municipality::find("0101").unwrap().name, "København");
        assert_eq!(Municipality::find("101").unwrap().name, "København");
        assert_eq!(Municipality::find("Aarhus").unwrap().code.value(), 751);
        assert_eq!(Municipality::find("århus").unwrap().code.value(), 751);
        let err = Municipality::find("Atlantis").unwrap_err().to_string();
        assert!(err.contains("Atlantis"), "{err}");
        assert!(MunicipalityCode::parse("0102").is_err());
    }

    #[test]
    fn region_names_parse() {
        assert_eq!(Region::parse("Region Sjælland").unwrap(), Region::Sjaelland);
        assert_eq!(Region::parse("1081").unwrap(), Region::Nordjylland);
        assert_eq!(Region::parse("nordjylland").unwrap(), Region::Nordjylland);
        assert_eq!(
            Region::parse("Capital Region of Denmark").unwrap(),
            Region::Hovedstaden
        );
        assert!(Region::parse("Region Fyn").is_err());
    }

    /// The compiled-in copies must equal the shared reference data when it is beside the repo.
    #[test]
    fn reference_data_matches_shared() {
        let shared =
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/reference");
        if !shared.exists() {
            eprintln!("shared/reference not found beside the repository; copy check skipped");
            return;
        }
        for (name, ours) in [
            (
                "dk-municipalities.csv",
                include_str!("../data/dk-municipalities.csv"),
            ),
            ("dk-regions.csv", include_str!("../data/dk-regions.csv")),
            (
                "cvr-test-vectors.csv",
                include_str!("../data/cvr-test-vectors.csv"),
            ),
        ] {
            let theirs = std::fs::read_to_string(shared.join(name)).unwrap();
            assert_eq!(
                ours, theirs,
                "data/{name} differs from shared/reference/{name}"
            );
        }
    }

    #[test]
    fn regions_table_agrees() {
        for line in include_str!("../data/dk-regions.csv").lines().skip(1) {
            let fields: Vec<&str> = line.split(',').collect();
            let region = Region::parse(fields[0]).unwrap();
            assert_eq!(region.name_da(), fields[1]);
            assert_eq!(region.name_en(), fields[2]);
            let n: usize = fields[5].parse().unwrap();
            assert_eq!(
                Municipality::in_region_on(region, day(2026, 6, 1)).count(),
                n
            );
        }
    }

    proptest! {
        /// On any date, every municipality is in exactly one region, and that region is in force.
        #[test]
        fn every_municipality_in_exactly_one_region(days in 0i64..(365 * 30), idx in 0usize..98) {
            let date = day(2010, 1, 1) + chrono::Days::new(days as u64);
            let m = &municipalities()[idx];
            let region = m.region_on(date);
            prop_assert!(region.is_valid_on(date));
            let containing: Vec<Region> = Region::in_force_on(date)
                .filter(|r| Municipality::in_region_on(*r, date).any(|x| x.code == m.code))
                .collect();
            prop_assert_eq!(containing, vec![region]);
        }

        /// The merger only moves Hovedstaden and Sjælland municipalities, all into Østdanmark.
        #[test]
        fn merger_moves_only_east(idx in 0usize..98) {
            let m = &municipalities()[idx];
            let before = m.region_on(day(2026, 12, 31));
            let after = m.region_on(day(2027, 1, 1));
            if matches!(before, Region::Hovedstaden | Region::Sjaelland) {
                prop_assert_eq!(after, Region::Oestdanmark);
            } else {
                prop_assert_eq!(after, before);
            }
        }

        /// Every code that parses names a municipality whose code prints back the same.
        #[test]
        fn codes_round_trip(code in 0u16..1000) {
            if let Ok(c) = MunicipalityCode::new(code) {
                prop_assert_eq!(MunicipalityCode::parse(&c.to_string()).unwrap(), c);
            }
        }
    }
}
