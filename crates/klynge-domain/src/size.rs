//! Employment and size classes (virksomhedsstørrelse).

use serde::{Deserialize, Serialize};

use crate::error::DomainError;

crate::code_enum! {
    /// EU size classes by employees: micro 0–9, small 10–49, medium 50–249, large 250+.
    pub enum SizeClass {
        Micro = "micro",
        Small = "small",
        Medium = "medium",
        Large = "large",
    }
}

impl SizeClass {
    pub fn of_employees(employees: u32) -> SizeClass {
        match employees {
            0..=9 => SizeClass::Micro,
            10..=49 => SizeClass::Small,
            50..=249 => SizeClass::Medium,
            _ => SizeClass::Large,
        }
    }

    /// SME (SMV): under 250 employees.
    pub fn is_sme(self) -> bool {
        self != SizeClass::Large
    }
}

/// Employment as the company register gives it: usually an interval, sometimes exact.
/// Invariant: `min <= max` when `max` is set; `max = None` means open-ended ("1000+").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employment {
    min: u32,
    max: Option<u32>,
}

impl Employment {
    pub fn exact(employees: u32) -> Self {
        Employment {
            min: employees,
            max: Some(employees),
        }
    }

    pub fn range(min: u32, max: Option<u32>) -> Result<Self, DomainError> {
        if max.is_some_and(|max| max < min) {
            return Err(DomainError::InvalidValue {
                field: "employment",
                input: format!("{min}-{}", max.unwrap_or_default()),
                expected: "an interval whose upper bound is not below its lower bound",
            });
        }
        Ok(Employment { min, max })
    }

    /// Parses "12", "10-19", "10–19" or "1000+".
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let bad = || DomainError::InvalidValue {
            field: "employment",
            input: input.to_string(),
            expected: "a number of employees (12), an interval (10-19) or an open interval (1000+)",
        };
        let text = input.trim().replace(['\u{2013}', '\u{2014}'], "-");
        let number = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
        if let Some(open) = text.strip_suffix('+') {
            Self::range(number(open)?, None)
        } else if let Some((lo, hi)) = text.split_once('-') {
            Self::range(number(lo)?, Some(number(hi)?)).map_err(|_| bad())
        } else {
            Ok(Self::exact(number(&text)?))
        }
    }

    pub fn min(self) -> u32 {
        self.min
    }

    pub fn max(self) -> Option<u32> {
        self.max
    }

    /// Size class by the interval's lower bound. Register intervals (e.g. 200–499) can straddle
    /// a class boundary; the lower bound is the only figure the register vouches for, and it is
    /// the rule the national performance accounts use.
    pub fn size_class(self) -> SizeClass {
        SizeClass::of_employees(self.min)
    }

    /// The performance accounts split outcomes at 50 employees ("50+" versus "under 50").
    pub fn fifty_or_more(self) -> bool {
        self.min >= 50
    }
}

impl std::fmt::Display for Employment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.max {
            Some(max) if max == self.min => write!(f, "{max}"),
            Some(max) => write!(f, "{}-{max}", self.min),
            None => write!(f, "{}+", self.min),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classes_at_the_boundaries() {
        assert_eq!(SizeClass::of_employees(9), SizeClass::Micro);
        assert_eq!(SizeClass::of_employees(10), SizeClass::Small);
        assert_eq!(SizeClass::of_employees(49), SizeClass::Small);
        assert_eq!(SizeClass::of_employees(50), SizeClass::Medium);
        assert_eq!(SizeClass::of_employees(249), SizeClass::Medium);
        assert_eq!(SizeClass::of_employees(250), SizeClass::Large);
        assert!(SizeClass::Medium.is_sme());
        assert!(!SizeClass::Large.is_sme());
    }

    #[test]
    fn employment_forms() {
        assert_eq!(
            Employment::parse("10-19").unwrap().size_class(),
            SizeClass::Small
        );
        assert_eq!(Employment::parse("1000+").unwrap().max(), None);
        assert_eq!(Employment::parse("7").unwrap(), Employment::exact(7));
        assert_eq!(Employment::parse("50–99").unwrap().to_string(), "50-99");
        assert!(Employment::parse("50-10").is_err());
        let err = Employment::parse("many").unwrap_err().to_string();
        assert!(err.contains("many"), "{err}");
    }
}
