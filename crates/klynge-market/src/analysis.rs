//! The text analysers: Danish and English (Snowball stemmers and stop words, built into
//! tantivy) for the stemmed fields, and a plain lower-casing one for prefixes and typo
//! tolerance, which work on the words as written.

use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, StopWordFilter, TextAnalyzer,
    Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
};

pub const DANISH: &str = "klynge_da";
pub const ENGLISH: &str = "klynge_en";
pub const PLAIN: &str = "klynge_plain";

fn stemmed(language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(40))
        .filter(LowerCaser);
    match (StopWordFilter::new(language), language) {
        (Some(stop), Language::Danish) => builder
            .filter(stop)
            .filter(Stemmer::new(language))
            .filter(DanishHed)
            .build(),
        (Some(stop), _) => builder.filter(stop).filter(Stemmer::new(language)).build(),
        (None, _) => builder.filter(Stemmer::new(language)).build(),
    }
}

/// Danish Snowball takes "-heden" off "virksomheden" (→ "virksom") but only "-erne" off
/// "virksomhederne" (→ "virksomhed"), so the two forms of one noun would not meet. Taking a
/// remaining "-hed" off after stemming joins them (and "sikkerhed" with "sikker", which is
/// harmless for search).
#[derive(Clone, Copy)]
struct DanishHed;

impl TokenFilter for DanishHed {
    type Tokenizer<T: Tokenizer> = DanishHedFilter<T>;
    fn transform<T: Tokenizer>(self, tokenizer: T) -> DanishHedFilter<T> {
        DanishHedFilter(tokenizer)
    }
}

#[derive(Clone)]
struct DanishHedFilter<T>(T);

impl<T: Tokenizer> Tokenizer for DanishHedFilter<T> {
    type TokenStream<'a> = DanishHedStream<T::TokenStream<'a>>;
    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        DanishHedStream(self.0.token_stream(text))
    }
}

struct DanishHedStream<S>(S);

impl<S: TokenStream> TokenStream for DanishHedStream<S> {
    fn advance(&mut self) -> bool {
        if !self.0.advance() {
            return false;
        }
        let token = self.0.token_mut();
        if token.text.chars().count() > 6 && token.text.ends_with("hed") {
            let keep = token.text.len() - "hed".len();
            token.text.truncate(keep);
        }
        true
    }
    fn token(&self) -> &Token {
        self.0.token()
    }
    fn token_mut(&mut self) -> &mut Token {
        self.0.token_mut()
    }
}

/// Registers the analysers under the names the schema uses.
pub fn register(manager: &TokenizerManager) {
    manager.register(DANISH, stemmed(Language::Danish));
    manager.register(ENGLISH, stemmed(Language::English));
    manager.register(
        PLAIN,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .build(),
    );
}

/// The tokens an analyser makes of a text.
pub fn tokens(manager: &TokenizerManager, analyser: &str, text: &str) -> Vec<String> {
    let Some(mut analyser) = manager.get(analyser) else {
        return Vec::new();
    };
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push(token.text.clone());
    }
    out
}

/// The tokens with their positions, for phrase queries.
pub fn tokens_with_positions(
    manager: &TokenizerManager,
    analyser: &str,
    text: &str,
) -> Vec<(usize, String)> {
    let Some(mut analyser) = manager.get(analyser) else {
        return Vec::new();
    };
    let mut stream = analyser.token_stream(text);
    let mut out = Vec::new();
    while let Some(token) = stream.next() {
        out.push((token.position, token.text.clone()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn danish_inflections_share_a_stem() {
        let m = TokenizerManager::default();
        register(&m);
        let stem = |w: &str| tokens(&m, DANISH, w);
        assert_eq!(stem("virksomheden"), stem("virksomhederne"));
        assert_eq!(stem("virksomhed"), stem("virksomheder"));
        assert_eq!(stem("varmepumpe"), stem("varmepumper"));
        assert_eq!(stem("økonomi"), stem("økonomien"));
        assert!(stem("og").is_empty(), "stop word");
        let en = |w: &str| tokens(&m, ENGLISH, w);
        assert_eq!(en("batteries"), en("battery"));
        assert_eq!(
            tokens(&m, PLAIN, "Grøn Omstilling"),
            vec!["grøn", "omstilling"]
        );
    }
}
