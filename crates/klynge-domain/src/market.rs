//! The matchmaking marketplace (matchmaking-markedsplads): offers (tilbud) and needs (behov)
//! that organisations post, their moderation and who may read them.
//!
//! Who may read a post is a pure rule here ([`Audience::may_read`]), so the store, the search
//! index and the pages apply the same one.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::activity::Theme;
use crate::error::DomainError;
use crate::ids::{ClusterId, OrganisationId};
use crate::text::CountryCode;

crate::code_enum! {
    /// Whether a post offers something or asks for it.
    pub enum PostDirection {
        /// Tilbud.
        Offer = "offer",
        /// Behov / efterspørgsel.
        Need = "need",
    }
}

impl PostDirection {
    /// The direction a matching post has.
    pub fn opposite(self) -> PostDirection {
        match self {
            PostDirection::Offer => PostDirection::Need,
            PostDirection::Need => PostDirection::Offer,
        }
    }
}

crate::code_enum! {
    /// What a post is about.
    pub enum PostKind {
        Technology = "technology",
        BusinessPartnership = "business_partnership",
        ResearchCooperation = "research_cooperation",
        Investment = "investment",
        /// Offentlig efterspørgsel / udbud.
        PublicDemand = "public_demand",
        Other = "other",
    }
}

crate::code_enum! {
    /// Moderation state. Only published posts are shown outside the posting cluster's staff
    /// and the posting organisation.
    pub enum PostStatus {
        Draft = "draft",
        Published = "published",
        Expired = "expired",
        Hidden = "hidden",
    }
}

crate::code_enum! {
    /// Who may read a published post.
    pub enum Visibility {
        /// The posting cluster's staff and members.
        OwnCluster = "own_cluster",
        /// Staff and members of every cluster.
        AllClusters = "all_clusters",
        /// Everyone, also without signing in.
        Public = "public",
    }
}

/// Limits of a post's texts, in characters.
pub const TITLE_MAX: usize = 150;
pub const DESCRIPTION_MAX: usize = 5_000;
pub const KEYWORDS_MAX: usize = 20;
pub const KEYWORD_MAX_CHARS: usize = 60;
pub const LIST_MAX: usize = 20;

/// An offer or a need, as posted (the store assigns the id).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    /// The cluster through which it was posted (the tenant that moderates it).
    pub cluster: ClusterId,
    pub organisation: OrganisationId,
    pub direction: PostDirection,
    pub kind: PostKind,
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub themes: Vec<Theme>,
    /// Industry code prefixes (DB07 digits, e.g. "62" or "2511").
    pub industries: Vec<String>,
    pub countries: Vec<CountryCode>,
    pub expires_on: Option<NaiveDate>,
    pub status: PostStatus,
    pub visibility: Visibility,
}

/// The texts of a post as typed into a form, before checking.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PostText<'a> {
    pub title: &'a str,
    pub description: &'a str,
    /// Comma- or newline-separated.
    pub keywords: &'a str,
    pub themes: &'a str,
    pub industries: &'a str,
    pub countries: &'a str,
}

/// The checked texts of a post.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedText {
    pub title: String,
    pub description: String,
    pub keywords: Vec<String>,
    pub themes: Vec<Theme>,
    pub industries: Vec<String>,
    pub countries: Vec<CountryCode>,
}

fn list(input: &str) -> impl Iterator<Item = &str> {
    input
        .split([',', '\n', ';'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

fn too_many(field: &'static str, input: &str) -> DomainError {
    DomainError::InvalidValue {
        field,
        input: input.chars().take(80).collect(),
        expected: "at most 20 entries",
    }
}

impl PostText<'_> {
    /// Checks every text. Markup is kept as typed (it is escaped wherever it is shown); control
    /// characters other than line breaks are refused.
    pub fn check(&self) -> Result<CheckedText, DomainError> {
        let title = self.title.trim();
        let bad = |field, input: &str, expected| DomainError::InvalidValue {
            field,
            input: input.chars().take(80).collect(),
            expected,
        };
        if title.chars().count() < 3 {
            return Err(bad("title", title, "a title of at least 3 characters"));
        }
        if title.chars().count() > TITLE_MAX {
            return Err(bad("title", title, "at most 150 characters"));
        }
        if title.chars().any(char::is_control) {
            return Err(bad("title", title, "a single line"));
        }
        let description = self.description.trim().replace("\r\n", "\n");
        if description.chars().count() < 10 {
            return Err(bad(
                "description",
                &description,
                "a description of at least 10 characters",
            ));
        }
        if description.chars().count() > DESCRIPTION_MAX {
            return Err(bad("description", &description, "at most 5,000 characters"));
        }
        if description
            .chars()
            .any(|c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(bad(
                "description",
                &description,
                "text without control characters",
            ));
        }
        let mut keywords = Vec::new();
        for k in list(self.keywords) {
            if k.chars().count() > KEYWORD_MAX_CHARS || k.chars().any(char::is_control) {
                return Err(bad("keyword", k, "a keyword of at most 60 characters"));
            }
            if !keywords.iter().any(|x: &String| x.eq_ignore_ascii_case(k)) {
                keywords.push(k.to_string());
            }
        }
        if keywords.len() > KEYWORDS_MAX {
            return Err(too_many("keywords", self.keywords));
        }
        let mut themes: Vec<Theme> = Vec::new();
        for t in list(self.themes) {
            let theme = Theme::parse(t)?;
            if !themes.contains(&theme) {
                themes.push(theme);
            }
        }
        if themes.len() > LIST_MAX {
            return Err(too_many("themes", self.themes));
        }
        let mut industries = Vec::new();
        for i in list(self.industries) {
            if i.len() > 6 || i.len() < 2 || !i.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad(
                    "industry",
                    i,
                    "an industry code or its beginning: 2 to 6 digits, e.g. 62 or 620100",
                ));
            }
            if !industries.iter().any(|x: &String| x == i) {
                industries.push(i.to_string());
            }
        }
        if industries.len() > LIST_MAX {
            return Err(too_many("industries", self.industries));
        }
        let mut countries = Vec::new();
        for c in list(self.countries) {
            let code = CountryCode::parse(c)?;
            if !countries.contains(&code) {
                countries.push(code);
            }
        }
        if countries.len() > LIST_MAX {
            return Err(too_many("countries", self.countries));
        }
        Ok(CheckedText {
            title: title.to_string(),
            description,
            keywords,
            themes,
            industries,
            countries,
        })
    }
}

impl Post {
    /// Re-checks a post's texts (for posts built in code rather than from a form).
    pub fn validate(&self) -> Result<(), DomainError> {
        let keywords = self.keywords.join("\n");
        let industries = self.industries.join("\n");
        PostText {
            title: &self.title,
            description: &self.description,
            keywords: &keywords,
            themes: "",
            industries: &industries,
            countries: "",
        }
        .check()?;
        if self.themes.len() > LIST_MAX || self.countries.len() > LIST_MAX {
            return Err(too_many("themes or countries", ""));
        }
        Ok(())
    }

    /// Whether the post has passed its expiry day on `today`.
    pub fn is_expired_on(&self, today: NaiveDate) -> bool {
        self.status == PostStatus::Expired || self.expires_on.is_some_and(|d| d < today)
    }
}

/// Who is reading, as far as the marketplace's rules care.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Audience {
    /// Not signed in, or signed in without a cluster (partners, operators): public posts only.
    Public,
    /// A cluster's staff: every post of the own cluster in any state, and the published posts
    /// of other clusters that are visible to all clusters or the public.
    Staff(ClusterId),
    /// A member organisation's contact: like any cluster member, plus the own organisation's
    /// posts in any state.
    Member(ClusterId, OrganisationId),
}

impl Audience {
    pub fn cluster(self) -> Option<ClusterId> {
        match self {
            Audience::Public => None,
            Audience::Staff(c) | Audience::Member(c, _) => Some(c),
        }
    }

    /// Whether this audience may moderate (or edit) the post: the posting cluster's staff, or
    /// the posting organisation's own contact in the same cluster.
    pub fn may_edit(self, post: &Post) -> bool {
        match self {
            Audience::Public => false,
            Audience::Staff(c) => post.cluster == c,
            Audience::Member(c, o) => post.cluster == c && post.organisation == o,
        }
    }

    /// The marketplace's reading rule.
    pub fn may_read(self, post: &Post, today: NaiveDate) -> bool {
        if self.may_edit(post) {
            return true;
        }
        if post.status != PostStatus::Published || post.is_expired_on(today) {
            return false;
        }
        match post.visibility {
            Visibility::Public => true,
            Visibility::AllClusters => self.cluster().is_some(),
            Visibility::OwnCluster => self.cluster() == Some(post.cluster),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(status: PostStatus, visibility: Visibility) -> Post {
        Post {
            cluster: ClusterId(1),
            organisation: OrganisationId(10),
            direction: PostDirection::Need,
            kind: PostKind::Technology,
            title: "Varmepumper til fjernvarme".into(),
            description: "Vi søger en leverandør af store varmepumper.".into(),
            keywords: vec![],
            themes: vec![],
            industries: vec![],
            countries: vec![],
            expires_on: NaiveDate::from_ymd_opt(2027, 1, 1),
            status,
            visibility,
        }
    }

    #[test]
    fn reading_rule() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 1).unwrap();
        let later = NaiveDate::from_ymd_opt(2027, 6, 1).unwrap();
        let own_staff = Audience::Staff(ClusterId(1));
        let other_staff = Audience::Staff(ClusterId(2));
        let own_org = Audience::Member(ClusterId(1), OrganisationId(10));
        let other_member = Audience::Member(ClusterId(1), OrganisationId(11));
        let p = post(PostStatus::Published, Visibility::OwnCluster);
        assert!(own_staff.may_read(&p, day));
        assert!(other_member.may_read(&p, day));
        assert!(!other_staff.may_read(&p, day));
        assert!(!Audience::Public.may_read(&p, day));
        let p = post(PostStatus::Published, Visibility::AllClusters);
        assert!(other_staff.may_read(&p, day));
        assert!(!Audience::Public.may_read(&p, day));
        assert!(!other_staff.may_read(&p, later), "expired by date");
        assert!(own_staff.may_read(&p, later), "its own staff still see it");
        let p = post(PostStatus::Published, Visibility::Public);
        assert!(Audience::Public.may_read(&p, day));
        for status in [PostStatus::Draft, PostStatus::Hidden, PostStatus::Expired] {
            let p = post(status, Visibility::Public);
            assert!(!Audience::Public.may_read(&p, day));
            assert!(!other_member.may_read(&p, day));
            assert!(own_org.may_read(&p, day));
            assert!(own_staff.may_read(&p, day));
            assert!(!other_staff.may_edit(&p));
        }
    }

    #[test]
    fn texts_are_checked() {
        let ok = PostText {
            title: "  Brint til tung transport ",
            description: "Vi søger partnere til <b>brint</b>-tankstationer.",
            keywords: "brint, PtX, brint",
            themes: "grøn omstilling; circular economy",
            industries: "35, 4950",
            countries: "dk, de",
        }
        .check()
        .unwrap();
        assert_eq!(ok.title, "Brint til tung transport");
        assert_eq!(ok.keywords, vec!["brint", "PtX"]);
        assert_eq!(ok.themes.len(), 2);
        assert_eq!(ok.countries.len(), 2);
        assert!(
            ok.description.contains("<b>"),
            "markup kept, escaped on output"
        );
        let base = PostText {
            title: "Titel",
            description: "En beskrivelse der er lang nok.",
            ..PostText::default()
        };
        for bad in [
            PostText {
                title: "",
                ..base.clone()
            },
            PostText {
                title: "ab",
                ..base.clone()
            },
            PostText {
                title: &"x".repeat(151),
                ..base.clone()
            },
            PostText {
                description: "",
                ..base.clone()
            },
            PostText {
                description: &"y".repeat(5_001),
                ..base.clone()
            },
            PostText {
                industries: "IT",
                ..base.clone()
            },
            PostText {
                countries: "Danmark",
                ..base.clone()
            },
            PostText {
                themes: "<script>",
                ..base.clone()
            },
        ] {
            let err = bad.check().unwrap_err().to_string();
            assert!(err.contains("expected") || err.contains("invalid"), "{err}");
        }
        assert!(base.check().is_ok());
    }
}
