//! Translations: Fluent files compiled into the binary (`locales/{da,en}/main.ftl`), Danish
//! by default and English by a switch remembered in a cookie. Unicode bidi isolation marks
//! are turned off: both languages run left to right, and the marks would end up inside
//! attribute values and test assertions.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::NaiveDate;
use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader, langid, static_loader};

static_loader! {
    static LOCALES = {
        locales: "./locales",
        fallback_language: "da",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

static DA: LanguageIdentifier = langid!("da");
static EN: LanguageIdentifier = langid!("en");

/// The interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Da,
    En,
}

impl Lang {
    pub fn code(self) -> &'static str {
        match self {
            Lang::Da => "da",
            Lang::En => "en",
        }
    }

    pub fn parse(input: &str) -> Option<Lang> {
        match input {
            "da" => Some(Lang::Da),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Da => Lang::En,
            Lang::En => Lang::Da,
        }
    }

    fn id(self) -> &'static LanguageIdentifier {
        match self {
            Lang::Da => &DA,
            Lang::En => &EN,
        }
    }
}

/// The translator handed to templates: `{{ t.get("key") }}`.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn new(lang: Lang) -> Self {
        Tr { lang }
    }

    /// The message for `key`; a missing key shows as the key itself (and the key test fails).
    pub fn get(&self, key: &str) -> String {
        LOCALES
            .try_lookup(self.lang.id(), key)
            .unwrap_or_else(|| key.to_string())
    }

    /// The label of a taxonomy code: the message `{prefix}-{code}` (e.g. `office-own`).
    pub fn label(&self, prefix: &str, code: &str) -> String {
        self.get(&format!("{prefix}-{code}"))
    }

    /// The message with one named argument.
    pub fn with(&self, key: &str, name: &str, value: &str) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        args.insert(
            Cow::Owned(name.to_string()),
            FluentValue::from(value.to_string()),
        );
        LOCALES
            .try_lookup_with_args(self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// The message with several named arguments.
    pub fn with_args(&self, key: &str, pairs: &[(&str, String)]) -> String {
        let mut args: HashMap<Cow<'static, str>, FluentValue<'_>> = HashMap::new();
        for (name, value) in pairs {
            args.insert(
                Cow::Owned(name.to_string()),
                FluentValue::from(value.clone()),
            );
        }
        LOCALES
            .try_lookup_with_args(self.lang.id(), key, &args)
            .unwrap_or_else(|| key.to_string())
    }

    /// Dates as each language writes them: 23.11.2026 in Danish, 23 Nov 2026 in English.
    pub fn date(&self, date: &NaiveDate) -> String {
        match self.lang {
            Lang::Da => date.format("%d.%m.%Y").to_string(),
            Lang::En => date.format("%-d %b %Y").to_string(),
        }
    }

    /// A date as a form field shows it: as the pages write it where `parse_date` reads that
    /// back (Danish), else ISO.
    pub fn date_input(&self, date: &NaiveDate) -> String {
        match self.lang {
            Lang::Da => self.date(date),
            Lang::En => date.format("%Y-%m-%d").to_string(),
        }
    }

    pub fn opt_date(&self, date: &Option<NaiveDate>) -> String {
        date.as_ref().map(|d| self.date(d)).unwrap_or_default()
    }

    /// Whole numbers with the language's thousands separator (1.234.567 / 1,234,567).
    pub fn num(&self, n: &i64) -> String {
        let sep = match self.lang {
            Lang::Da => '.',
            Lang::En => ',',
        };
        let digits = n.unsigned_abs().to_string();
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(sep);
            }
            out.push(c);
        }
        if *n < 0 {
            out.insert(0, '-');
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    fn keys(ftl: &str) -> BTreeSet<String> {
        ftl.lines()
            .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_lowercase()))
            .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim().to_string()))
            .collect()
    }

    #[test]
    fn a_date_in_a_form_field_reads_back_as_the_same_date() {
        let day = NaiveDate::from_ymd_opt(2026, 12, 16).expect("a date");
        assert_eq!(Tr::new(Lang::Da).date_input(&day), "16.12.2026");
        assert_eq!(Tr::new(Lang::En).date_input(&day), "2026-12-16");
        for lang in [Lang::Da, Lang::En] {
            let shown = Tr::new(lang).date_input(&day);
            assert_eq!(klynge_domain::parse_date(&shown).ok(), Some(day), "{shown}");
        }
    }

    #[test]
    fn every_key_exists_in_both_languages() {
        let da = keys(include_str!("../locales/da/main.ftl"));
        let en = keys(include_str!("../locales/en/main.ftl"));
        assert!(
            da.len() > 50,
            "the key parser found too few keys: {}",
            da.len()
        );
        let only_da: Vec<_> = da.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&da).collect();
        assert!(only_da.is_empty(), "keys only in Danish: {only_da:?}");
        assert!(only_en.is_empty(), "keys only in English: {only_en:?}");
    }

    /// Every key the templates and the code ask for is in the files: a typo would otherwise
    /// show the key on the page.
    #[test]
    fn every_used_key_is_translated() {
        let da = keys(include_str!("../locales/da/main.ftl"));
        let dirs = [
            concat!(env!("CARGO_MANIFEST_DIR"), "/templates"),
            concat!(env!("CARGO_MANIFEST_DIR"), "/src"),
        ];
        let mut used = BTreeSet::new();
        for dir in dirs {
            for entry in std::fs::read_dir(dir).expect("source directory is readable") {
                let path = entry.expect("directory entry").path();
                // This file names the markers themselves.
                if path.ends_with("i18n.rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("source file is UTF-8");
                for marker in [
                    "t.get(\"",
                    "t.with(\"",
                    "tr.get(\"",
                    "tr.with(\"",
                    "key: \"",
                ] {
                    for piece in text.split(marker).skip(1) {
                        if let Some(key) = piece.split('"').next() {
                            used.insert(key.to_string());
                        }
                    }
                }
            }
        }
        assert!(used.len() > 30, "found too few used keys: {}", used.len());
        let missing: Vec<_> = used.difference(&da).collect();
        assert!(
            missing.is_empty(),
            "keys used but not translated: {missing:?}"
        );
    }

    #[test]
    fn lookups_use_the_language_and_arguments() {
        let da = Tr::new(Lang::Da);
        let en = Tr::new(Lang::En);
        assert_eq!(da.get("nav-sign-out"), "Log ud");
        assert_eq!(en.get("nav-sign-out"), "Sign out");
        assert_eq!(en.with("page-number", "page", "3"), "Page 3");
        assert_eq!(da.num(&1234567), "1.234.567");
        assert_eq!(en.num(&-1234), "-1,234");
        let d = NaiveDate::from_ymd_opt(2026, 11, 3).expect("valid date");
        assert_eq!(da.date(&d), "03.11.2026");
        assert_eq!(en.date(&d), "3 Nov 2026");
    }
}
