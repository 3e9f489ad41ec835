//! From files under `content/` to typed, validated case front matter and a Markdown body.
//!
//! [`load`] finds and decodes the files and splits off the front matter, [`front_matter`] turns
//! the YAML into typed values that remember where they were written, [`validate`] checks them
//! against the site's framework. Each step returns diagnostics instead of stopping, so that one
//! run reports every mistake of every file.

pub mod front_matter;
pub mod links;
pub mod load;
mod plain_yaml;
pub(crate) mod slips;
pub mod validate;

use std::collections::BTreeMap;

use crate::date::{Date, Period};
use crate::diagnostics::Location;

/// A value with the place it was written, so that later checks can point at it.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub loc: Location,
}

impl<T> Spanned<T> {
    pub fn new(value: T, loc: Location) -> Self {
        Spanned { value, loc }
    }
}

/// A case file after decoding: its text with the front matter split off.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Path relative to the site folder, with `/` separators (`content/a.md`).
    pub rel_path: String,
    /// Path relative to `content/` (`a.md`, `energy/b.md`), how cases link to each other.
    pub content_path: String,
    /// The whole file, BOM and control characters removed, line ends normalised to `\n`.
    pub text: String,
    /// Byte range of the YAML between the `---` lines.
    pub yaml: std::ops::Range<usize>,
    /// Line number (1-based) of the first YAML line.
    pub yaml_first_line: usize,
    /// Byte offset where the Markdown body starts.
    pub body_start: usize,
    /// What decoding found and mended: control characters removed (see
    /// [`load::is_stray_control`]).
    pub warnings: Vec<crate::diagnostics::Diagnostic>,
}

impl SourceFile {
    pub fn yaml(&self) -> &str {
        &self.text[self.yaml.clone()]
    }

    pub fn body(&self) -> &str {
        &self.text[self.body_start..]
    }
}

#[derive(Debug, Clone, Default)]
pub struct FrontMatter {
    pub title: Option<Spanned<String>>,
    pub site: Option<Spanned<String>>,
    pub enterprise: Option<Spanned<String>>,
    pub unit: Option<Spanned<String>>,
    pub region: Option<Spanned<String>>,
    pub status: Option<Spanned<String>>,
    pub date: Option<Spanned<Date>>,
    pub updated: Option<Spanned<Date>>,
    pub slug: Option<Spanned<String>>,
    pub summary: Option<String>,
    pub featured: bool,
    pub draft: bool,
    pub cover: Option<Spanned<String>>,
    pub timeline: Vec<TimelineEvent>,
    pub assessments: Vec<Assessment>,
    pub actions: Vec<Spanned<String>>,
    pub tags: Vec<Spanned<String>>,
    pub practices: Vec<Practice>,
    /// Fields Exemplar does not know, passed to templates as `extra`.
    pub extra: BTreeMap<String, serde_json::Value>,
    /// What was left out of the lists above for a mistake, still to be checked by `validate`.
    pub left_out: LeftOut,
    /// Where the front matter starts (the opening `---`), for "missing field" errors.
    pub start: Location,
}

/// Which of the framework's lists an id is one of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Action,
    Indicator,
    Dimension,
    /// A timeline event's stage: a status.
    Stage,
}

/// What the reader left out of the case for a mistake, which `validate` still checks against the
/// framework (it alone knows the ids), so that one mistake does not hide another of the same item
/// until it is fixed: README promises every error in one run.
#[derive(Debug, Clone, Default)]
pub struct LeftOut {
    /// Lists of ids an input method's punctuation made one item of, reported with the ids meant.
    pub id_lists: Vec<IdListSlip>,
    /// The ids of items left out for another mistake: the stage of a timeline event whose date
    /// is wrong, the dimension, indicators and actions of a practice without a title.
    pub ids: Vec<(IdKind, Spanned<String>)>,
    /// The scores of an assessment whose period is wrong or missing.
    pub scores: Vec<(Spanned<String>, Spanned<f64>)>,
}

/// An item of a list of ids that holds several (`actions: [铸魂，赋能]`, `【soul, empower】`).
#[derive(Debug, Clone)]
pub struct IdListSlip {
    /// The field, as messages name it (`actions`, `practices.indicators`).
    pub field: String,
    pub kind: IdKind,
    /// The item as written, where it was written.
    pub value: Spanned<String>,
    /// The mark that made it one item (`，`, `【`, or `,` for a list without brackets).
    pub mark: char,
    /// The items meant, as written.
    pub items: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct TimelineEvent {
    pub date: Spanned<Date>,
    pub stage: Spanned<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone)]
pub struct Assessment {
    pub period: Spanned<Period>,
    /// Indicator id and score, in the order written.
    pub scores: Vec<(Spanned<String>, Spanned<f64>)>,
}

#[derive(Debug, Clone)]
pub struct Practice {
    pub title: Spanned<String>,
    pub dimension: Option<Spanned<String>>,
    pub indicators: Vec<Spanned<String>>,
    pub actions: Vec<Spanned<String>>,
    pub summary: String,
    pub steps: Vec<String>,
    pub loc: Location,
}

/// The front-matter fields Exemplar knows, for "did you mean" on unknown ones.
pub const KNOWN_FIELDS: [&str; 18] = [
    "title",
    "site",
    "enterprise",
    "unit",
    "region",
    "status",
    "date",
    "updated",
    "slug",
    "summary",
    "featured",
    "draft",
    "cover",
    "timeline",
    "assessments",
    "actions",
    "tags",
    "practices",
];
