//! The user's search text, read forgivingly. People type what they mean, not a query
//! language, so there is no syntax error: words, `"quoted phrases"` and `prefix*` are
//! recognised; every other character of a query language (`:`, `(`, `~`, `^`, `+`, `-`, an
//! unbalanced quote, …) only separates words.

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Clause {
    /// A word, matched by its stem in Danish and English and with typo tolerance.
    Word(String),
    /// A word ending in `*`: every word that begins with it.
    Prefix(String),
    /// Words in quotes: in this order, next to each other.
    Phrase(Vec<String>),
}

/// At most this many clauses are kept (a pasted page does not become a huge query).
pub const MAX_CLAUSES: usize = 32;
/// Words longer than this are not words (e.g. a pasted hash).
const MAX_WORD_CHARS: usize = 40;

fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty() && w.chars().count() <= MAX_WORD_CHARS)
        .map(str::to_lowercase)
        .collect()
}

/// Reads a search text into clauses. Never fails; an empty list means "no text given".
pub fn parse(input: &str) -> Vec<Clause> {
    let mut clauses = Vec::new();
    // Quotes pair up from the left; a last unpaired quote is ignored.
    let quotes = input.matches('"').count();
    let usable_quotes = quotes - quotes % 2;
    let mut seen_quotes = 0;
    let mut in_phrase = false;
    let mut buffer = String::new();
    let flush_plain = |buffer: &mut String, clauses: &mut Vec<Clause>| {
        for raw in buffer.split_whitespace() {
            let prefix = raw.ends_with('*');
            let ws = words(raw);
            let last = ws.len().saturating_sub(1);
            for (i, w) in ws.into_iter().enumerate() {
                if prefix && i == last && w.chars().count() >= 2 {
                    clauses.push(Clause::Prefix(w));
                } else {
                    clauses.push(Clause::Word(w));
                }
            }
        }
        buffer.clear();
    };
    for c in input.chars() {
        if c == '"' && seen_quotes < usable_quotes {
            seen_quotes += 1;
            if in_phrase {
                let ws = words(&buffer);
                match ws.len() {
                    0 => {}
                    1 => clauses.push(Clause::Word(ws[0].clone())),
                    _ => clauses.push(Clause::Phrase(ws)),
                }
                buffer.clear();
            } else {
                flush_plain(&mut buffer, &mut clauses);
            }
            in_phrase = !in_phrase;
        } else {
            buffer.push(c);
        }
    }
    flush_plain(&mut buffer, &mut clauses);
    let mut seen = std::collections::HashSet::new();
    clauses.retain(|c| seen.insert(c.clone()));
    clauses.truncate(MAX_CLAUSES);
    clauses
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(s: &str) -> Clause {
        Clause::Word(s.into())
    }

    #[test]
    fn plain_words_phrases_and_prefixes() {
        assert_eq!(
            parse("Varmepumper \"cirkulær økonomi\" robot*"),
            vec![
                w("varmepumper"),
                Clause::Phrase(vec!["cirkulær".into(), "økonomi".into()]),
                Clause::Prefix("robot".into())
            ]
        );
    }

    #[test]
    fn query_syntax_is_only_separators() {
        assert_eq!(
            parse("title:brint AND (pem~2)^3"),
            vec![w("title"), w("brint"), w("and"), w("pem"), w("2"), w("3")]
        );
        assert_eq!(
            parse("\"unbalanced quote"),
            vec![w("unbalanced"), w("quote")]
        );
        assert_eq!(
            parse("a \"b c\" \"d"),
            vec![w("a"), Clause::Phrase(vec!["b".into(), "c".into()]), w("d")]
        );
        assert!(parse("*").is_empty());
        assert!(parse("\"\"").is_empty());
        assert!(parse(":()~*\"").is_empty());
        assert_eq!(
            parse("<script>alert(1)</script>"),
            vec![w("script"), w("alert"), w("1")]
        );
        assert!(parse(&"x".repeat(10_000)).is_empty());
        assert_eq!(parse(&"ord ".repeat(1000)).len(), 1, "duplicates collapse");
        let many: String = (0..1000).map(|i| format!("w{i} ")).collect();
        assert_eq!(parse(&many).len(), MAX_CLAUSES);
    }
}
