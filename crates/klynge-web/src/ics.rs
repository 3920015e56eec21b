//! A participant's agenda as an iCalendar file (RFC 5545), written by hand: the format needed
//! here is small (one VCALENDAR of VEVENTs with times in UTC), and the three rules that
//! matter — escaping TEXT values, CRLF line endings and folding lines longer than 75 octets
//! without splitting a UTF-8 character — fit in a few tested lines, so no dependency is
//! added for them.

use chrono::{DateTime, Utc};

/// One meeting in the calendar.
pub struct IcsEvent {
    /// Globally unique and stable across downloads, so a calendar updates instead of
    /// duplicating when the file is imported again.
    pub uid: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub summary: String,
    pub location: String,
    pub description: String,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and newlines.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line into lines of at most 75 octets (RFC 5545 §3.1): each continuation
/// starts with one space, and no UTF-8 character is split.
pub fn fold(line: &str) -> String {
    const MAX: usize = 75;
    let mut out = String::with_capacity(line.len() + line.len() / MAX * 3);
    let mut used = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if used + len > MAX {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += len;
    }
    out
}

fn stamp(t: &DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// The calendar: every line ends with CRLF.
pub fn calendar(name: &str, events: &[IcsEvent], now: DateTime<Utc>) -> String {
    let mut lines: Vec<String> = vec![
        "BEGIN:VCALENDAR".into(),
        "VERSION:2.0".into(),
        "PRODID:-//Klynge//Matchmaking//DA".into(),
        "CALSCALE:GREGORIAN".into(),
        "METHOD:PUBLISH".into(),
        format!("X-WR-CALNAME:{}", escape(name)),
    ];
    for e in events {
        lines.push("BEGIN:VEVENT".into());
        lines.push(format!("UID:{}", escape(&e.uid)));
        lines.push(format!("DTSTAMP:{}", stamp(&now)));
        lines.push(format!("DTSTART:{}", stamp(&e.start)));
        lines.push(format!("DTEND:{}", stamp(&e.end)));
        lines.push(format!("SUMMARY:{}", escape(&e.summary)));
        lines.push(format!("LOCATION:{}", escape(&e.location)));
        if !e.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&e.description)));
        }
        lines.push("END:VEVENT".into());
    }
    lines.push("END:VCALENDAR".into());
    let mut out = String::new();
    for l in lines {
        out.push_str(&fold(&l));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn text_is_escaped() {
        assert_eq!(escape("a,b;c\\d\r\ne"), "a\\,b\\;c\\\\d\\ne");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let line = format!("SUMMARY:{}", "æøå".repeat(40));
        let folded = fold(&line);
        for l in folded.split("\r\n") {
            assert!(l.len() <= 75, "{} octets: {l}", l.len());
        }
        let unfolded = folded.replace("\r\n ", "");
        assert_eq!(unfolded, line);
        assert_eq!(fold("short"), "short");
    }

    #[test]
    fn a_calendar_has_crlf_lines_and_the_required_properties() {
        let start = Utc.with_ymd_and_hms(2026, 9, 15, 7, 0, 0).single();
        let (Some(start), Some(end)) = (start, start.map(|s| s + chrono::Duration::minutes(30)))
        else {
            panic!("valid time");
        };
        let text = calendar(
            "Robot B2B",
            &[IcsEvent {
                uid: "klynge-1-2@klynge".into(),
                start,
                end,
                summary: "Møde med Bo, Svejs A/S".into(),
                location: "Bord A; Odense".into(),
                description: String::new(),
            }],
            start,
        );
        assert!(text.ends_with("END:VCALENDAR\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.contains("DTSTART:20260915T070000Z\r\n"));
        assert!(text.contains("SUMMARY:Møde med Bo\\, Svejs A/S\r\n"));
        assert!(text.contains("LOCATION:Bord A\\; Odense\r\n"));
    }
}
