//! The search index over organisations and posts (tantivy). One document per organisation and
//! per post; the reading rule of [`Audience::may_read`] is part of every query, as "grants"
//! indexed with each post, so a search can only find what its reader may read.

use std::collections::HashMap;
use std::ops::Bound;
use std::path::Path;
use std::sync::Mutex;

use chrono::{Datelike, NaiveDate};
use klynge_domain::{
    Audience, ClusterId, OrganisationId, OrganisationKind, PostDirection, PostId, PostStatus,
    Visibility,
};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{
    AllQuery, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query, RangeQuery,
    TermQuery,
};
use tantivy::schema::{
    FAST, Field, INDEXED, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing,
    TextOptions, Value,
};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, TantivyDocument, Term};

use crate::analysis::{self, DANISH, ENGLISH, PLAIN};
use crate::docs::{OrgFacts, PostDoc};
use crate::error::{MarketError, Result};
use crate::filters::{KindFilter, SearchRequest};
use crate::query::{self, Clause};

/// Bumped whenever the schema or the analysers change; an index of another version is rebuilt.
const SCHEMA_VERSION: &str = "klynge-market-1";
const VERSION_FILE: &str = "klynge-market-version";
const WRITER_MEMORY: usize = 64_000_000;

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    key: Field,
    doc_type: Field,
    id: Field,
    title_da: Field,
    title_en: Field,
    text_da: Field,
    text_en: Field,
    plain: Field,
    direction: Field,
    kind: Field,
    org_kind: Field,
    organisation: Field,
    org_name: Field,
    region: Field,
    size: Field,
    industry: Field,
    cluster: Field,
    theme: Field,
    grant: Field,
    expires: Field,
    status: Field,
    visibility: Field,
}

fn text(analyser: &str, positions: bool, stored: bool) -> TextOptions {
    let record = if positions {
        IndexRecordOption::WithFreqsAndPositions
    } else {
        IndexRecordOption::WithFreqs
    };
    let options = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyser)
            .set_index_option(record),
    );
    if stored {
        options.set_stored()
    } else {
        options
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        key: b.add_text_field("key", STRING | STORED),
        doc_type: b.add_text_field("doc_type", STRING | STORED),
        id: b.add_u64_field("id", INDEXED | STORED),
        title_da: b.add_text_field("title_da", text(DANISH, true, true)),
        title_en: b.add_text_field("title_en", text(ENGLISH, true, false)),
        text_da: b.add_text_field("text_da", text(DANISH, true, true)),
        text_en: b.add_text_field("text_en", text(ENGLISH, true, false)),
        plain: b.add_text_field("plain", text(PLAIN, false, false)),
        direction: b.add_text_field("direction", STRING | STORED),
        kind: b.add_text_field("kind", STRING | STORED),
        org_kind: b.add_text_field("org_kind", STRING | STORED),
        organisation: b.add_u64_field("organisation", INDEXED | STORED),
        org_name: b.add_text_field("org_name", STORED),
        region: b.add_text_field("region", STRING | STORED),
        size: b.add_text_field("size", STRING | STORED),
        industry: b.add_text_field("industry", STRING | STORED),
        cluster: b.add_text_field("cluster", STRING | STORED),
        theme: b.add_text_field("theme", STRING | STORED),
        grant: b.add_text_field("grant", STRING),
        expires: b.add_i64_field("expires", INDEXED | FAST),
        status: b.add_text_field("status", STRING | STORED),
        visibility: b.add_text_field("visibility", STRING | STORED),
    };
    (b.build(), fields)
}

fn day_number(day: NaiveDate) -> i64 {
    i64::from(day.num_days_from_ce())
}

/// What a search result points to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKey {
    Post(PostId),
    Organisation(OrganisationId),
}

/// A piece of a snippet: text, highlighted or not. Shown escaped by whoever renders it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fragment {
    pub text: String,
    pub highlighted: bool,
}

/// The facts of a hit that filters and recommendations use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HitFacts {
    pub direction: Option<PostDirection>,
    /// Post kind code for a post, organisation kind code for an organisation.
    pub kind: String,
    pub org_kind: Option<OrganisationKind>,
    pub organisation: OrganisationId,
    pub org_name: String,
    pub region: Option<String>,
    pub size: Option<String>,
    pub industries: Vec<String>,
    pub themes: Vec<String>,
    pub status: Option<PostStatus>,
    pub visibility: Option<Visibility>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    pub key: DocKey,
    pub score: f32,
    pub title: String,
    pub snippet: Vec<Fragment>,
    pub facts: HitFacts,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SearchResults {
    pub hits: Vec<Hit>,
    /// Whether more documents match than were returned. (No exact count: counting every
    /// match would visit every document of a common word, where top-k can stop early.)
    pub has_more: bool,
}

/// The marketplace's search index: on disk in the data directory, or in memory for tests.
pub struct MarketIndex {
    index: Index,
    reader: IndexReader,
    writer: Mutex<IndexWriter>,
    fields: Fields,
}

/// Grants a post gives: who may find it. The own cluster's staff and the own organisation find
/// it in any state and after expiry; the others only while published and not expired.
fn post_grants(doc: &PostDoc) -> (Vec<String>, Vec<String>) {
    let p = &doc.post;
    let always = vec![
        format!("staff:{}", p.cluster),
        format!("org:{}:{}", p.cluster, p.organisation),
    ];
    let mut published = Vec::new();
    if p.status == PostStatus::Published {
        published.push(format!("c:{}", p.cluster));
        if matches!(p.visibility, Visibility::AllClusters | Visibility::Public) {
            published.push("clusters".to_string());
        }
        if p.visibility == Visibility::Public {
            published.push("public".to_string());
        }
    }
    (always, published)
}

/// The grants an audience holds: (exempt from expiry, subject to expiry).
fn audience_grants(audience: Audience) -> (Vec<String>, Vec<String>) {
    match audience {
        Audience::Public => (vec![], vec!["public".into()]),
        Audience::Staff(c) => (
            vec![format!("staff:{c}")],
            vec!["public".into(), "clusters".into(), format!("c:{c}")],
        ),
        Audience::Member(c, o) => (
            vec![format!("org:{c}:{o}")],
            vec!["public".into(), "clusters".into(), format!("c:{c}")],
        ),
    }
}

fn industry_tokens(code: &str) -> Vec<String> {
    // Every beginning of two digits or more, so that a prefix filter is one term.
    (2..=code.len().min(6))
        .map(|n| code[..n].to_string())
        .collect()
}

fn theme_words(theme: &str) -> String {
    theme.replace('-', " ")
}

impl MarketIndex {
    fn from_index(index: Index, fields: Fields) -> Result<Self> {
        analysis::register(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        let writer = index.writer_with_num_threads(1, WRITER_MEMORY)?;
        Ok(MarketIndex {
            index,
            reader,
            writer: Mutex::new(writer),
            fields,
        })
    }

    /// A fresh index in memory (tests, benchmarks).
    pub fn in_memory() -> Result<Self> {
        let (schema, fields) = schema();
        Self::from_index(Index::create_in_ram(schema), fields)
    }

    /// Opens the index in `dir`, creating it (empty) when it is missing or of an older
    /// version. The flag says whether it was created and so needs a full reindex.
    pub fn open(dir: &Path) -> Result<(Self, bool)> {
        let (schema, fields) = schema();
        let version_file = dir.join(VERSION_FILE);
        let current = std::fs::read_to_string(&version_file).ok();
        let io = |e: std::io::Error| MarketError::Index(format!("{}: {e}", dir.display()));
        if current.as_deref() == Some(SCHEMA_VERSION) {
            let index = Index::open_in_dir(dir)?;
            return Ok((Self::from_index(index, fields)?, false));
        }
        if dir.exists() {
            std::fs::remove_dir_all(dir).map_err(io)?;
        }
        std::fs::create_dir_all(dir).map_err(io)?;
        let index = Index::create_in_dir(dir, schema)?;
        std::fs::write(&version_file, SCHEMA_VERSION).map_err(io)?;
        Ok((Self::from_index(index, fields)?, true))
    }

    fn writer(&self) -> Result<std::sync::MutexGuard<'_, IndexWriter>> {
        self.writer
            .lock()
            .map_err(|_| MarketError::Index("the index writer was poisoned by a panic".into()))
    }

    fn org_document(&self, org: &OrgFacts, today: NaiveDate) -> TantivyDocument {
        let f = self.fields;
        let mut d = TantivyDocument::default();
        d.add_text(f.key, format!("o:{}", org.id));
        d.add_text(f.doc_type, "org");
        d.add_u64(f.id, org.id.0 as u64);
        d.add_text(f.title_da, &org.name);
        d.add_text(f.title_en, &org.name);
        let mut text = vec![org.kind.code().replace('_', " ")];
        if let Some(m) = org.municipality {
            text.push(m.municipality().name.to_string());
        }
        if let Some(r) = org.region_on(today) {
            text.push(r.name_da().to_string());
            text.push(r.name_en().to_string());
            d.add_text(f.region, r.code());
        }
        let text = text.join(". ");
        d.add_text(f.text_da, &text);
        d.add_text(f.text_en, &text);
        d.add_text(f.plain, format!("{} {text}", org.name));
        d.add_text(f.kind, org.kind.code());
        d.add_text(f.org_kind, org.kind.code());
        d.add_u64(f.organisation, org.id.0 as u64);
        d.add_text(f.org_name, &org.name);
        if let Some(s) = org.size {
            d.add_text(f.size, s.code());
        }
        if let Some(i) = &org.industry {
            for t in industry_tokens(i) {
                d.add_text(f.industry, t);
            }
        }
        for c in &org.member_of {
            d.add_text(f.cluster, format!("m:{c}"));
        }
        d.add_text(f.grant, "public");
        d.add_i64(f.expires, i64::MAX);
        d
    }

    fn post_document(&self, doc: &PostDoc, today: NaiveDate) -> TantivyDocument {
        let f = self.fields;
        let p = &doc.post;
        let mut d = TantivyDocument::default();
        d.add_text(f.key, format!("p:{}", doc.id));
        d.add_text(f.doc_type, "post");
        d.add_u64(f.id, doc.id.0 as u64);
        d.add_text(f.title_da, &p.title);
        d.add_text(f.title_en, &p.title);
        let mut text = p.description.clone();
        for k in &p.keywords {
            text.push('\n');
            text.push_str(k);
        }
        for t in &p.themes {
            text.push('\n');
            text.push_str(&theme_words(t.as_str()));
        }
        d.add_text(f.text_da, &text);
        d.add_text(f.text_en, &text);
        d.add_text(f.plain, format!("{} {text} {}", p.title, doc.org.name));
        d.add_text(f.direction, p.direction.code());
        d.add_text(f.kind, p.kind.code());
        d.add_text(f.org_kind, doc.org.kind.code());
        d.add_u64(f.organisation, p.organisation.0 as u64);
        d.add_text(f.org_name, &doc.org.name);
        if let Some(r) = doc.org.region_on(today) {
            d.add_text(f.region, r.code());
        }
        if let Some(s) = doc.org.size {
            d.add_text(f.size, s.code());
        }
        let mut industries: Vec<String> = p
            .industries
            .iter()
            .flat_map(|i| industry_tokens(i))
            .collect();
        if let Some(i) = &doc.org.industry {
            industries.extend(industry_tokens(i));
        }
        industries.sort();
        industries.dedup();
        for t in industries {
            d.add_text(f.industry, t);
        }
        d.add_text(f.cluster, p.cluster.to_string());
        for t in &p.themes {
            d.add_text(f.theme, t.as_str());
        }
        let (always, published) = post_grants(doc);
        for g in always.into_iter().chain(published) {
            d.add_text(f.grant, g);
        }
        d.add_i64(f.expires, p.expires_on.map(day_number).unwrap_or(i64::MAX));
        d.add_text(f.status, p.status.code());
        d.add_text(f.visibility, p.visibility.code());
        d
    }

    fn commit(&self, writer: &mut IndexWriter) -> Result<()> {
        writer.commit()?;
        self.reader.reload()?;
        Ok(())
    }

    /// Adds or replaces one post and makes it searchable.
    pub fn upsert_post(&self, doc: &PostDoc, today: NaiveDate) -> Result<()> {
        let mut w = self.writer()?;
        w.delete_term(Term::from_field_text(
            self.fields.key,
            &format!("p:{}", doc.id),
        ));
        w.add_document(self.post_document(doc, today))?;
        self.commit(&mut w)
    }

    /// Removes one post.
    pub fn delete_post(&self, id: PostId) -> Result<()> {
        let mut w = self.writer()?;
        w.delete_term(Term::from_field_text(self.fields.key, &format!("p:{id}")));
        self.commit(&mut w)
    }

    /// Adds or replaces one organisation (its posts carry a copy of its facts: pass them to
    /// [`MarketIndex::upsert_post`] again when the facts change).
    pub fn upsert_organisation(&self, org: &OrgFacts, today: NaiveDate) -> Result<()> {
        let mut w = self.writer()?;
        w.delete_term(Term::from_field_text(
            self.fields.key,
            &format!("o:{}", org.id),
        ));
        w.add_document(self.org_document(org, today))?;
        self.commit(&mut w)
    }

    /// Replaces the whole index with these organisations and posts, in one commit.
    pub fn rebuild<'a>(
        &self,
        orgs: impl IntoIterator<Item = &'a OrgFacts>,
        posts: impl IntoIterator<Item = &'a PostDoc>,
        today: NaiveDate,
    ) -> Result<(usize, usize)> {
        let mut w = self.writer()?;
        w.delete_all_documents()?;
        let (mut n_orgs, mut n_posts) = (0, 0);
        for o in orgs {
            w.add_document(self.org_document(o, today))?;
            n_orgs += 1;
        }
        for p in posts {
            w.add_document(self.post_document(p, today))?;
            n_posts += 1;
        }
        self.commit(&mut w)?;
        Ok((n_orgs, n_posts))
    }

    /// How many documents the index holds.
    pub fn len(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn term(&self, field: Field, text: &str) -> Box<dyn Query> {
        Box::new(TermQuery::new(
            Term::from_field_text(field, text),
            IndexRecordOption::Basic,
        ))
    }

    fn any_of(&self, field: Field, values: &[String]) -> Box<dyn Query> {
        Box::new(BooleanQuery::new(
            values
                .iter()
                .map(|v| (Occur::Should, self.term(field, v)))
                .collect(),
        ))
    }

    /// The reading rule as a query.
    fn audience_query(&self, audience: Audience, today: NaiveDate) -> Box<dyn Query> {
        let (exempt, subject) = audience_grants(audience);
        let f = self.fields;
        let not_expired: Box<dyn Query> = Box::new(RangeQuery::new(
            Bound::Included(Term::from_field_i64(f.expires, day_number(today))),
            Bound::Unbounded,
        ));
        let mut either: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Should,
            Box::new(BooleanQuery::new(vec![
                (Occur::Must, self.any_of(f.grant, &subject)),
                (Occur::Must, not_expired),
            ])),
        )];
        if !exempt.is_empty() {
            either.push((Occur::Should, self.any_of(f.grant, &exempt)));
        }
        Box::new(BooleanQuery::new(either))
    }

    fn filter_queries(&self, audience: Audience, r: &SearchRequest) -> Vec<Box<dyn Query>> {
        let f = self.fields;
        let mut must = vec![self.audience_query(audience, r.today)];
        let (directions, orgs) = r.admits();
        let mut scope: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        if !directions.is_empty() {
            let codes: Vec<String> = directions.iter().map(|d| d.code().to_string()).collect();
            scope.push((Occur::Should, self.any_of(f.direction, &codes)));
        }
        if orgs {
            scope.push((Occur::Should, self.term(f.doc_type, "org")));
        }
        must.push(Box::new(BooleanQuery::new(scope)));
        match r.kind {
            Some(KindFilter::Post(k)) => {
                must.push(self.term(f.kind, k.code()));
                must.push(self.term(f.doc_type, "post"));
            }
            Some(KindFilter::Organisation(k)) => {
                must.push(self.term(f.org_kind, k.code()));
                must.push(self.term(f.doc_type, "org"));
            }
            None => {}
        }
        if let Some(region) = r.region {
            must.push(self.term(f.region, region.code()));
        }
        if let Some(size) = r.size {
            must.push(self.term(f.size, size.code()));
        }
        if let Some(industry) = &r.industry {
            must.push(self.term(f.industry, industry));
        }
        if let Some(cluster) = r.cluster {
            let mut values = vec![cluster.to_string()];
            // Memberships are the own cluster's business: only its own readers filter by them.
            if audience.cluster() == Some(cluster) {
                values.push(format!("m:{cluster}"));
            }
            must.push(self.any_of(f.cluster, &values));
        }
        if let Some(theme) = &r.theme {
            must.push(self.term(f.theme, theme.as_str()));
        }
        must
    }

    fn analysed(&self, analyser: &str, word: &str) -> Option<String> {
        analysis::tokens(self.index.tokenizers(), analyser, word)
            .into_iter()
            .next()
    }

    /// A word: its Danish and English stems in titles (weighted higher) and texts, the word as
    /// written, and, for words of five letters or more, the words one edit away (two for ten
    /// or more) as a weaker match: the typo tolerance.
    fn word_query(&self, word: &str, fuzzy: bool) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let scored = |field: Field, t: &str, boost: f32| -> (Occur, Box<dyn Query>) {
            let q: Box<dyn Query> = Box::new(TermQuery::new(
                Term::from_field_text(field, t),
                IndexRecordOption::WithFreqs,
            ));
            (Occur::Should, Box::new(BoostQuery::new(q, boost)))
        };
        if let Some(da) = self.analysed(DANISH, word) {
            parts.push(scored(f.title_da, &da, 2.0));
            parts.push(scored(f.text_da, &da, 1.0));
        }
        if let Some(en) = self.analysed(ENGLISH, word) {
            parts.push(scored(f.title_en, &en, 2.0));
            parts.push(scored(f.text_en, &en, 1.0));
        }
        if parts.is_empty() {
            // A stop word in both languages.
            return None;
        }
        let chars = word.chars().count();
        if fuzzy && chars >= 5 {
            let distance = if chars >= 10 { 2 } else { 1 };
            let q: Box<dyn Query> = Box::new(FuzzyTermQuery::new(
                Term::from_field_text(f.plain, word),
                distance,
                true,
            ));
            parts.push((Occur::Should, Box::new(BoostQuery::new(q, 0.5))));
        }
        Some(Box::new(BooleanQuery::new(parts)))
    }

    fn phrase_query(&self, words: &[String]) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for (field, analyser) in [
            (f.title_da, DANISH),
            (f.text_da, DANISH),
            (f.title_en, ENGLISH),
            (f.text_en, ENGLISH),
        ] {
            let terms: Vec<(usize, Term)> = analysis::tokens_with_positions(
                self.index.tokenizers(),
                analyser,
                &words.join(" "),
            )
            .into_iter()
            .map(|(pos, t)| (pos, Term::from_field_text(field, &t)))
            .collect();
            match terms.len() {
                0 => {}
                1 => parts.push((
                    Occur::Should,
                    Box::new(TermQuery::new(
                        terms[0].1.clone(),
                        IndexRecordOption::WithFreqs,
                    )),
                )),
                _ => parts.push((Occur::Should, Box::new(PhraseQuery::new_with_offset(terms)))),
            }
        }
        (!parts.is_empty()).then(|| Box::new(BooleanQuery::new(parts)) as Box<dyn Query>)
    }

    /// The query for a person's search text: any word may match (ranked by BM25), quoted
    /// phrases must.
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let f = self.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for clause in query::parse(text) {
            match clause {
                Clause::Word(w) => {
                    if let Some(q) = self.word_query(&w, true) {
                        parts.push((Occur::Should, q));
                    }
                }
                Clause::Prefix(p) => {
                    let q: Box<dyn Query> = Box::new(FuzzyTermQuery::new_prefix(
                        Term::from_field_text(f.plain, &p),
                        0,
                        false,
                    ));
                    parts.push((Occur::Should, q));
                }
                Clause::Phrase(words) => {
                    if let Some(q) = self.phrase_query(&words) {
                        parts.push((Occur::Must, q));
                    }
                }
            }
        }
        (!parts.is_empty()).then(|| Box::new(BooleanQuery::new(parts)) as Box<dyn Query>)
    }

    /// Searches as `audience` may: never a post it may not read. Text that holds no word (only
    /// punctuation or stop words) lists what the filters admit.
    pub fn search(&self, audience: Audience, r: &SearchRequest) -> Result<SearchResults> {
        let text = self.text_query(&r.text);
        let has_text = text.is_some();
        self.run(audience, r, text, has_text)
    }

    fn run(
        &self,
        audience: Audience,
        r: &SearchRequest,
        text: Option<Box<dyn Query>>,
        snippets: bool,
    ) -> Result<SearchResults> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .filter_queries(audience, r)
            .into_iter()
            .map(|q| {
                (
                    Occur::Must,
                    Box::new(BoostQuery::new(q, 0.0)) as Box<dyn Query>,
                )
            })
            .collect();
        clauses.push((Occur::Must, text.unwrap_or_else(|| Box::new(AllQuery))));
        let query = BooleanQuery::new(clauses);
        let searcher = self.reader.searcher();
        let limit = r.limit.clamp(1, 200);
        let mut top = searcher.search(
            &query,
            &TopDocs::with_limit(limit + 1)
                .and_offset(r.offset.min(10_000))
                .order_by_score(),
        )?;
        let has_more = top.len() > limit;
        top.truncate(limit);
        let f = self.fields;
        let generators = if snippets {
            let mut da = SnippetGenerator::create(&searcher, &query, f.text_da)?;
            da.set_max_num_chars(220);
            let mut en = SnippetGenerator::create(&searcher, &query, f.text_en)?;
            en.set_max_num_chars(220);
            Some((da, en))
        } else {
            None
        };
        let mut hits = Vec::with_capacity(top.len());
        for (score, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            hits.push(self.hit(&doc, score, generators.as_ref()));
        }
        Ok(SearchResults { hits, has_more })
    }

    fn hit(
        &self,
        doc: &TantivyDocument,
        score: f32,
        generators: Option<&(SnippetGenerator, SnippetGenerator)>,
    ) -> Hit {
        let f = self.fields;
        let s = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        let all = |field: Field| -> Vec<String> {
            doc.get_all(field)
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        };
        let id = doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0) as i64;
        let key = if s(f.doc_type) == "org" {
            DocKey::Organisation(OrganisationId(id))
        } else {
            DocKey::Post(PostId(id))
        };
        let body = s(f.text_da);
        let snippet = match generators {
            Some((da, en)) => {
                let a = da.snippet(&body);
                let b = en.snippet(&body);
                let best = if b.highlighted().len() > a.highlighted().len() {
                    b
                } else {
                    a
                };
                fragments(best.fragment(), best.highlighted(), &body)
            }
            None => fragments("", &[], &body),
        };
        let opt = |field: Field| Some(s(field)).filter(|v| !v.is_empty());
        Hit {
            key,
            score,
            title: s(f.title_da),
            snippet,
            facts: HitFacts {
                direction: PostDirection::from_code(&s(f.direction)).ok(),
                kind: s(f.kind),
                org_kind: OrganisationKind::from_code(&s(f.org_kind)).ok(),
                organisation: OrganisationId(
                    doc.get_first(f.organisation)
                        .and_then(|v| v.as_u64())
                        .unwrap_or(0) as i64,
                ),
                org_name: s(f.org_name),
                region: opt(f.region),
                size: opt(f.size),
                industries: all(f.industry),
                themes: all(f.theme),
                status: PostStatus::from_code(&s(f.status)).ok(),
                visibility: Visibility::from_code(&s(f.visibility)).ok(),
            },
        }
    }

    /// Candidates for a recommendation: documents that share words with `text` (its Danish and
    /// English stems, no typo tolerance: the text is a post, not a typed query), within the
    /// filters and what `audience` may read.
    pub fn similar(
        &self,
        audience: Audience,
        text: &str,
        title: &str,
        r: &SearchRequest,
    ) -> Result<Vec<Hit>> {
        let f = self.fields;
        let mut parts: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for (source, boost) in [(title, 2.0f32), (text, 1.0)] {
            for (analyser, title_field, text_field) in [
                (DANISH, f.title_da, f.text_da),
                (ENGLISH, f.title_en, f.text_en),
            ] {
                for t in analysis::tokens(self.index.tokenizers(), analyser, source) {
                    if t.chars().count() < 3
                        || !seen.insert((analyser, t.clone()))
                        || seen.len() > 120
                    {
                        continue;
                    }
                    for (field, b) in [(title_field, 1.5 * boost), (text_field, boost)] {
                        let q: Box<dyn Query> = Box::new(TermQuery::new(
                            Term::from_field_text(field, &t),
                            IndexRecordOption::WithFreqs,
                        ));
                        parts.push((Occur::Should, Box::new(BoostQuery::new(q, b))));
                    }
                }
            }
        }
        if parts.is_empty() {
            return Ok(Vec::new());
        }
        let results = self.run(audience, r, Some(Box::new(BooleanQuery::new(parts))), false)?;
        Ok(results.hits)
    }

    /// The posts of one organisation that `audience` may read (for "whom to meet").
    pub fn posts_of(
        &self,
        audience: Audience,
        organisation: OrganisationId,
        today: NaiveDate,
    ) -> Result<Vec<Hit>> {
        let mut r = SearchRequest::new("", today);
        r.scope = crate::filters::Scope::Posts;
        r.limit = 50;
        let q: Box<dyn Query> = Box::new(TermQuery::new(
            Term::from_field_u64(self.fields.organisation, organisation.0 as u64),
            IndexRecordOption::Basic,
        ));
        Ok(self.run(audience, &r, Some(q), false)?.hits)
    }

    /// The stored text of a post or organisation (description, keywords, themes), for seeding
    /// recommendations from an indexed document.
    pub fn document_text(&self, key: DocKey) -> Result<Option<(String, String)>> {
        let f = self.fields;
        let k = match key {
            DocKey::Post(id) => format!("p:{id}"),
            DocKey::Organisation(id) => format!("o:{id}"),
        };
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &TermQuery::new(Term::from_field_text(f.key, &k), IndexRecordOption::Basic),
            &TopDocs::with_limit(1).order_by_score(),
        )?;
        let Some((_, address)) = top.into_iter().next() else {
            return Ok(None);
        };
        let doc: TantivyDocument = searcher.doc(address)?;
        let s = |field: Field| {
            doc.get_first(field)
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .to_string()
        };
        Ok(Some((s(f.title_da), s(f.text_da))))
    }

    /// Counts of documents by type, for `klynge reindex`'s summary.
    pub fn counts(&self) -> Result<HashMap<&'static str, usize>> {
        let searcher = self.reader.searcher();
        let mut out = HashMap::new();
        for t in ["org", "post"] {
            let n = searcher.search(&*self.term(self.fields.doc_type, t), &Count)?;
            out.insert(t, n);
        }
        Ok(out)
    }
}

/// Cuts a snippet into plain and highlighted pieces; without a highlight, the start of the
/// text.
fn fragments(fragment: &str, highlighted: &[std::ops::Range<usize>], body: &str) -> Vec<Fragment> {
    if fragment.is_empty() || highlighted.is_empty() {
        let mut start: String = body.chars().take(200).collect();
        if body.chars().count() > 200 {
            start.push('…');
        }
        return vec![Fragment {
            text: start,
            highlighted: false,
        }];
    }
    let mut out = Vec::new();
    let mut at = 0;
    for range in tantivy::snippet::collapse_overlapped_ranges(highlighted) {
        if range.start > at {
            out.push(Fragment {
                text: fragment[at..range.start].to_string(),
                highlighted: false,
            });
        }
        out.push(Fragment {
            text: fragment[range.clone()].to_string(),
            highlighted: true,
        });
        at = range.end;
    }
    if at < fragment.len() {
        out.push(Fragment {
            text: fragment[at..].to_string(),
            highlighted: false,
        });
    }
    out
}

/// Renders fragments as HTML, every piece escaped, highlights in `<b>` (the only markup).
pub fn fragments_html(fragments: &[Fragment]) -> String {
    let mut out = String::new();
    for f in fragments {
        let escaped = escape(&f.text);
        if f.highlighted {
            out.push_str("<b>");
            out.push_str(&escaped);
            out.push_str("</b>");
        } else {
            out.push_str(&escaped);
        }
    }
    out
}

fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[allow(dead_code)]
fn _assert_send_sync() {
    fn is<T: Send + Sync>() {}
    is::<MarketIndex>();
    let _ = ClusterId(0);
}
