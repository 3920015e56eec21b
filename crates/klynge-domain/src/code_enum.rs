//! A small macro for the taxonomies: enums with a stable storage code each, `ALL`, parsing
//! from the code, and serde through the code. Labels for people live in the translations.

/// A closed taxonomy whose values have stable string codes (what storage and files hold).
pub trait Taxonomy: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn from_code(input: &str) -> Result<Self, crate::DomainError>;
}

/// Declares a taxonomy enum whose variants map one-to-one onto stable string codes.
#[macro_export]
macro_rules! code_enum {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in storage, the API and files.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            /// Parses a stable code; the error names the value and the accepted codes.
            pub fn from_code(input: &str) -> Result<Self, $crate::DomainError> {
                match input.trim() {
                    $($code => Ok($name::$variant),)+
                    _ => Err($crate::DomainError::UnknownCode {
                        taxonomy: stringify!($name),
                        input: input.to_string(),
                        expected: Self::ALL.iter().map(|v| v.code()).collect::<Vec<_>>().join(", "),
                    }),
                }
            }
        }

        impl $crate::Taxonomy for $name {
            const ALL: &'static [Self] = $name::ALL;
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn from_code(input: &str) -> Result<Self, $crate::DomainError> {
                $name::from_code(input)
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::DomainError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::from_code(s)
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.code())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
                Self::from_code(&text).map_err(serde::de::Error::custom)
            }
        }
    };
}
