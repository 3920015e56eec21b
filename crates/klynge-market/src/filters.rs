//! A search request: the text and the filters, read from name/value pairs (a form or a query
//! string). An unknown filter name or value is refused with a message that says what was
//! expected; an empty value means "no filter".

use chrono::NaiveDate;
use klynge_domain::{
    ClusterId, OrganisationKind, PostDirection, PostKind, Region, SizeClass, Theme,
};

use crate::error::{MarketError, Result};

/// Which documents to search.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Scope {
    #[default]
    All,
    Posts,
    Offers,
    Needs,
    Organisations,
}

impl Scope {
    pub const ALL: [Scope; 5] = [
        Scope::All,
        Scope::Posts,
        Scope::Offers,
        Scope::Needs,
        Scope::Organisations,
    ];
    pub fn code(self) -> &'static str {
        match self {
            Scope::All => "all",
            Scope::Posts => "posts",
            Scope::Offers => "offers",
            Scope::Needs => "needs",
            Scope::Organisations => "organisations",
        }
    }
}

/// A kind filter: post kinds and organisation kinds are different lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KindFilter {
    Post(PostKind),
    Organisation(OrganisationKind),
}

/// What to look for. Every field is optional; all given ones must hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchRequest {
    pub text: String,
    pub scope: Scope,
    pub kind: Option<KindFilter>,
    pub region: Option<Region>,
    pub size: Option<SizeClass>,
    /// Industry code or its beginning (digits).
    pub industry: Option<String>,
    /// Posts made through this cluster; organisations that are members of it (only when it is
    /// the reader's own cluster).
    pub cluster: Option<ClusterId>,
    pub theme: Option<Theme>,
    pub offset: usize,
    pub limit: usize,
    /// The day that decides expiry.
    pub today: NaiveDate,
}

impl SearchRequest {
    pub fn new(text: &str, today: NaiveDate) -> Self {
        SearchRequest {
            text: text.to_string(),
            scope: Scope::All,
            kind: None,
            region: None,
            size: None,
            industry: None,
            cluster: None,
            theme: None,
            offset: 0,
            limit: 20,
            today,
        }
    }

    /// The filter names [`SearchRequest::from_pairs`] understands.
    pub const NAMES: &'static [&'static str] = &[
        "q", "scope", "kind", "region", "size", "industry", "cluster", "theme", "page",
    ];

    /// Reads a request from name/value pairs. Names other than [`Self::NAMES`] and values
    /// that do not parse are refused, naming the value and what was expected.
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
        today: NaiveDate,
    ) -> Result<Self> {
        let mut r = SearchRequest::new("", today);
        let bad = |name: &str, value: &str, expected: String| {
            MarketError::InvalidFilter(format!("unknown {name} {value:?}: expected {expected}"))
        };
        for (name, value) in pairs {
            let value = value.trim();
            if name == "q" {
                r.text = value.chars().take(500).collect();
                continue;
            }
            if !Self::NAMES.contains(&name) {
                return Err(MarketError::InvalidFilter(format!(
                    "unknown filter {name:?}: expected one of {}",
                    Self::NAMES.join(", ")
                )));
            }
            if value.is_empty() {
                continue;
            }
            match name {
                "scope" => {
                    r.scope = Scope::ALL
                        .into_iter()
                        .find(|s| s.code() == value)
                        .ok_or_else(|| {
                            bad(
                                "scope",
                                value,
                                "one of all, posts, offers, needs, organisations".into(),
                            )
                        })?;
                }
                "kind" => {
                    r.kind = Some(if let Ok(k) = PostKind::from_code(value) {
                        KindFilter::Post(k)
                    } else if let Ok(k) = OrganisationKind::from_code(value) {
                        KindFilter::Organisation(k)
                    } else {
                        let codes: Vec<&str> = PostKind::ALL
                            .iter()
                            .map(|k| k.code())
                            .chain(OrganisationKind::ALL.iter().map(|k| k.code()))
                            .collect();
                        return Err(bad("kind", value, format!("one of {}", codes.join(", "))));
                    });
                }
                "region" => {
                    r.region = Some(
                        Region::parse(value)
                            .map_err(|e| MarketError::InvalidFilter(e.to_string()))?,
                    );
                }
                "size" => {
                    r.size = Some(
                        SizeClass::from_code(value)
                            .map_err(|e| MarketError::InvalidFilter(e.to_string()))?,
                    );
                }
                "industry" => {
                    if value.len() > 6 || !value.chars().all(|c| c.is_ascii_digit()) {
                        return Err(bad(
                            "industry",
                            value,
                            "an industry code or its beginning, 2 to 6 digits (e.g. 62)".into(),
                        ));
                    }
                    r.industry = Some(value.to_string());
                }
                "cluster" => {
                    let id = value.parse::<i64>().map_err(|_| {
                        bad("cluster", value, "a cluster id (a whole number)".into())
                    })?;
                    r.cluster = Some(ClusterId(id));
                }
                "theme" => {
                    r.theme = Some(
                        Theme::parse(value)
                            .map_err(|e| MarketError::InvalidFilter(e.to_string()))?,
                    );
                }
                "page" => {
                    let page = value
                        .parse::<usize>()
                        .ok()
                        .filter(|p| (1..=50).contains(p))
                        .ok_or_else(|| bad("page", value, "a page number from 1 to 50".into()))?;
                    r.offset = (page - 1) * r.limit;
                }
                _ => {}
            }
        }
        if let (Some(KindFilter::Organisation(_)), Scope::Posts | Scope::Offers | Scope::Needs) =
            (r.kind, r.scope)
        {
            return Err(MarketError::InvalidFilter(
                "an organisation kind filters organisations: expected a post kind for posts".into(),
            ));
        }
        Ok(r)
    }

    /// The directions of posts the scope admits, and whether organisations are admitted.
    pub(crate) fn admits(&self) -> (Vec<PostDirection>, bool) {
        match self.scope {
            Scope::All => (PostDirection::ALL.to_vec(), true),
            Scope::Posts => (PostDirection::ALL.to_vec(), false),
            Scope::Offers => (vec![PostDirection::Offer], false),
            Scope::Needs => (vec![PostDirection::Need], false),
            Scope::Organisations => (vec![], true),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()
    }

    #[test]
    fn filters_parse_and_unknown_ones_are_refused() {
        let r = SearchRequest::from_pairs(
            [
                ("q", "brint"),
                ("scope", "offers"),
                ("kind", "technology"),
                ("region", "Region Midtjylland"),
                ("size", "small"),
                ("industry", "62"),
                ("theme", "circular economy"),
                ("cluster", ""),
            ],
            day(),
        )
        .unwrap();
        assert_eq!(r.scope, Scope::Offers);
        assert_eq!(r.kind, Some(KindFilter::Post(PostKind::Technology)));
        assert!(r.region.is_some() && r.size.is_some() && r.theme.is_some());
        assert_eq!(r.cluster, None);
        for (name, value, says) in [
            ("colour", "red", "unknown filter \"colour\""),
            ("scope", "everything", "unknown scope \"everything\""),
            ("kind", "spaceship", "unknown kind \"spaceship\""),
            ("region", "Atlantis", "Atlantis"),
            ("size", "huge", "huge"),
            ("industry", "IT", "2 to 6 digits"),
            ("cluster", "1; DROP TABLE", "a cluster id"),
            ("theme", "<script>", "theme"),
            ("page", "0", "page number"),
        ] {
            let err = SearchRequest::from_pairs([(name, value)], day()).unwrap_err();
            assert!(err.to_string().contains(says), "{name}={value}: {err}");
        }
        assert!(
            SearchRequest::from_pairs([("scope", "needs"), ("kind", "investor")], day()).is_err()
        );
    }
}
