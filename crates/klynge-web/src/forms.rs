//! Form and query-string decoding that never rejects a request: a body or query string is
//! read as `application/x-www-form-urlencoded` pairs (the last value of a repeated name
//! wins), and each handler validates the fields it needs and reports at the field.

use std::collections::HashMap;

use axum::body::Bytes;

pub type Fields = HashMap<String, String>;

pub fn parse(input: &[u8]) -> Fields {
    form_urlencoded::parse(input).into_owned().collect()
}

pub fn from_query(query: Option<&str>) -> Fields {
    parse(query.unwrap_or_default().as_bytes())
}

pub fn from_body(body: &Bytes) -> Fields {
    parse(body)
}

/// The trimmed value of a field, empty when absent.
pub fn text(fields: &Fields, name: &str) -> String {
    fields
        .get(name)
        .map(|v| v.trim().to_string())
        .unwrap_or_default()
}

pub fn flag(fields: &Fields, name: &str) -> bool {
    matches!(
        fields.get(name).map(String::as_str),
        Some("1" | "on" | "true")
    )
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}
