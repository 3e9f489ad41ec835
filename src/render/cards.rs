//! Case cards, each rendered once. In the generated 10,000-case site a case's card shows on 9 to 18
//! pages (its terms' lists, the case lists, other cases' related cases); rendering
//! `partials/case_card.html` at every place was about half the work of the term pages.
//!
//! Templates call `case_card(card=…, level=…)`. The card is rendered from the card, the heading
//! level, `root` and the global values alone: it is kept by the card's `card_key` (set by
//! [`super::Summaries`]: the case's revision and the site's term paths) and the level.
//!
//! A page's depth changes a card only through `root`, which a card writes in front of its links.
//! So a card is rendered once with a marker in place of `root`, and each page gets that text with
//! its own `root` put where the marker is: drawing a card at a new depth costs a copy, not a
//! render (a case's card showed at up to four depths, each rendered apart). The first card of a
//! build checks this: rendered with two real roots, it must equal the marked text with each root
//! put in. A card template that uses `root` otherwise (`{% if root %}`) fails the check, and its
//! cards are then rendered once per depth, as before.

use std::collections::HashMap;
use std::hash::{BuildHasher, Hash};
use std::sync::{Arc, Mutex, RwLock};

use tera::value::Key;
use tera::{Context, Kwargs, State, Tera, TeraResult, Value};

/// The template a card is rendered with.
pub const CARD_TEMPLATE: &str = "partials/case_card.html";
/// The template functions registered here.
pub const FUNCTIONS: &[&str] = &["case_card", "case_cards"];
/// The summary field that identifies a card's content (see [`super::Summaries`]).
pub const CARD_KEY: &str = "card_key";
/// Lock shards: the render threads rarely wait on one another.
const SHARDS: usize = 32;
/// (case, level) entries kept at most, each with its few depths: enough for 65,000 cases at two
/// levels. Past this (a larger site, or a long `serve` session) a shard starts afresh.
const MAX_CARDS: usize = 1 << 17;

/// Stands for `root` in a card rendered once for every depth. No text a card shows can hold it:
/// a card whose values hold a NUL character is rendered per depth (see [`holds_nul`]).
const ROOT_MARK: &str = "\u{0}root\u{0}";

/// (card key, level) → the card: marked text, or the HTML at each depth it was drawn at.
type Shard = HashMap<(u64, i64), Drawn>;

enum Drawn {
    /// Rendered with [`ROOT_MARK`] for `root`.
    Marked(Marked),
    /// `(root, HTML)`.
    ByRoot(Vec<(Box<str>, Box<str>)>),
}

/// A card rendered with [`ROOT_MARK`] for `root`: its text without the markers, and where each was.
struct Marked {
    text: Box<str>,
    marks: Box<[u32]>,
}

impl Marked {
    fn new(rendered: &str) -> Self {
        let mut text = String::with_capacity(rendered.len());
        let mut marks = Vec::new();
        let mut rest = rendered;
        while let Some(at) = memchr::memmem::find(rest.as_bytes(), ROOT_MARK.as_bytes()) {
            text.push_str(&rest[..at]);
            marks.push(text.len() as u32);
            rest = &rest[at + ROOT_MARK.len()..];
        }
        text.push_str(rest);
        Marked { text: text.into(), marks: marks.into() }
    }

    /// The card with `root` where the markers were.
    fn with_root(&self, root: &str) -> String {
        let mut html = String::with_capacity(self.text.len() + root.len() * self.marks.len());
        self.push_with_root(root, &mut html);
        html
    }

    /// [`Marked::with_root`], appended to `out`.
    fn push_with_root(&self, root: &str, out: &mut String) {
        let mut from = 0;
        for &at in &self.marks {
            out.push_str(&self.text[from..at as usize]);
            out.push_str(root);
            from = at as usize;
        }
        out.push_str(&self.text[from..]);
    }
}

/// Whether cards may be rendered with [`ROOT_MARK`]: not yet known, or the first card's answer.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Marking {
    Unchecked,
    Works,
    Fails,
}

pub struct Cards {
    /// A copy of the page templates (the function cannot reach the `Tera` that calls it).
    tera: RwLock<Option<Arc<Tera>>>,
    marking: Mutex<Marking>,
    shards: [Mutex<Shard>; SHARDS],
}

impl Default for Cards {
    fn default() -> Self {
        Cards { tera: RwLock::default(), marking: Mutex::new(Marking::Unchecked), shards: Default::default() }
    }
}

impl Cards {
    /// Registers `case_card` and `case_cards` on `tera`, rendering with this cache.
    pub fn register(self: &Arc<Self>, tera: &mut Tera) {
        let cards = Arc::clone(self);
        tera.register_function("case_card", move |kwargs: Kwargs, state: &State| cards.call(&kwargs, state));
        let cards = Arc::clone(self);
        tera.register_function("case_cards", move |kwargs: Kwargs, state: &State| cards.call_all(&kwargs, state));
    }

    /// Cards are rendered with a copy of `tera` (its templates and global values), made when the
    /// first page asks for it (so `check`, which renders nothing, makes none).
    pub fn ensure_templates(&self, tera: &Tera) {
        if self.tera.read().is_ok_and(|slot| slot.is_some()) {
            return;
        }
        if let Ok(mut slot) = self.tera.write()
            && slot.is_none()
        {
            *slot = Some(Arc::new(tera.clone()));
        }
    }

    /// Drops the copy of the templates and every card drawn with it (the global values changed:
    /// cards may show other assets or strings).
    pub fn forget(&self) {
        if let Ok(mut slot) = self.tera.write() {
            *slot = None;
        }
        if let Ok(mut marking) = self.marking.lock() {
            *marking = Marking::Unchecked;
        }
        for shard in &self.shards {
            if let Ok(mut shard) = shard.lock() {
                shard.clear();
            }
        }
    }

    /// `case_card(card=…, level=…)`: one card.
    fn call(&self, kwargs: &Kwargs, state: &State) -> TeraResult<Value> {
        let card: Value = kwargs.must_get("card")?;
        is_a_card(&card)?;
        let level = heading_level(kwargs.get("level")?);
        let root: Value = state.get("root")?.unwrap_or_else(|| Value::from(""));
        let mut html = String::new();
        self.push_card(&card, level, root.as_str().unwrap_or_default(), &mut html)?;
        Ok(Value::safe_string(&html))
    }

    /// `case_cards(cards=…, level=…, before=…, after=…)`: the cards of a list in one string, each
    /// between `before` and `after` (text of the template, written as it is). The same as calling
    /// `case_card` in a loop, without a call, a lookup of `root` and a string a card (the cards of
    /// the term and list pages were a third of their time).
    fn call_all(&self, kwargs: &Kwargs, state: &State) -> TeraResult<Value> {
        let cards: Vec<Value> = kwargs.must_get("cards")?;
        let level = heading_level(kwargs.get("level")?);
        let before: String = kwargs.get("before")?.unwrap_or_default();
        let after: String = kwargs.get("after")?.unwrap_or_default();
        let root: Value = state.get("root")?.unwrap_or_else(|| Value::from(""));
        let root = root.as_str().unwrap_or_default();
        let mut html = String::new();
        for card in &cards {
            is_a_card(card)?;
            html.push_str(&before);
            self.push_card(card, level, root, &mut html)?;
            html.push_str(&after);
        }
        Ok(Value::safe_string(&html))
    }

    /// Appends the HTML of `card` at heading `level` on a page at `root` to `out`: kept, or
    /// rendered and kept.
    fn push_card(&self, card: &Value, level: i64, root: &str, out: &mut String) -> TeraResult<()> {
        let key = card.as_map().and_then(|m| m.get(&Key::Str(CARD_KEY))).and_then(Value::as_i64);
        let Some(key) = key else {
            // Not a case summary: render it as it is, every time.
            out.push_str(&self.render(card.clone(), level, root)?);
            return Ok(());
        };
        let key = (key as u64, level);
        let shard = &self.shards[(foldhash::fast::FixedState::with_seed(0).hash_one(key) as usize) % SHARDS];
        // Whether the card is kept, and if so, it appended to `out`.
        let push_known = |shard: &Shard, out: &mut String| match shard.get(&key) {
            Some(Drawn::Marked(marked)) => {
                marked.push_with_root(root, out);
                true
            }
            Some(Drawn::ByRoot(depths)) => match depths.iter().find(|(r, _)| &**r == root) {
                Some((_, html)) => {
                    out.push_str(html);
                    true
                }
                None => false,
            },
            None => false,
        };
        if shard.lock().ok().is_some_and(|s| push_known(&s, out)) {
            return Ok(());
        }
        if !holds_nul(card)
            && let Some(marked) = self.render_marked(card, level)?
        {
            marked.push_with_root(root, out);
            if let Ok(mut shard) = shard.lock() {
                make_room(&mut shard);
                shard.insert(key, Drawn::Marked(marked));
            }
            return Ok(());
        }
        let html = self.render(card.clone(), level, root)?;
        if let Ok(mut shard) = shard.lock() {
            // Another thread may have drawn it meanwhile: keep one.
            if push_known(&shard, out) {
                return Ok(());
            }
            make_room(&mut shard);
            if let Drawn::ByRoot(depths) = shard.entry(key).or_insert_with(|| Drawn::ByRoot(Vec::new())) {
                depths.push((root.into(), html.as_str().into()));
            }
        }
        out.push_str(&html);
        Ok(())
    }

    /// The card rendered with [`ROOT_MARK`] for `root`, unless cards cannot be: the first card
    /// asked for checks that they can (see the module's comment).
    fn render_marked(&self, card: &Value, level: i64) -> TeraResult<Option<Marked>> {
        let known = self.marking.lock().map_or(Marking::Fails, |m| *m);
        if known == Marking::Fails {
            return Ok(None);
        }
        let marked = Marked::new(&self.render(card.clone(), level, ROOT_MARK)?);
        if known == Marking::Unchecked {
            let mut works = true;
            for root in ["", "../../"] {
                works &= self.render(card.clone(), level, root)? == marked.with_root(root);
            }
            if let Ok(mut marking) = self.marking.lock() {
                *marking = if works { Marking::Works } else { Marking::Fails };
            }
            if !works {
                return Ok(None);
            }
        }
        Ok(Some(marked))
    }

    fn render(&self, card: Value, level: i64, root: &str) -> TeraResult<String> {
        let tera = self.tera.read().ok().and_then(|t| t.clone()).ok_or_else(|| tera::Error::message("no templates"))?;
        let mut context = Context::new();
        context.insert_value("card", card);
        context.insert("card_level", &level);
        context.insert("root", root);
        tera.render(CARD_TEMPLATE, &context).map_err(|err| {
            // Tera keeps only the text of a function's error, the page's report at the call: the
            // card's own error (its line, its message) is kept here for the page's diagnostic.
            FAILED.with(|failed| {
                let mut failed = failed.borrow_mut();
                // A card drawn inside a card: the innermost error is the cause.
                if failed.is_none() {
                    *failed = Some(err);
                }
            });
            tera::Error::message(CARD_FAILED)
        })
    }
}

/// The message of a page's error at a `case_card`/`case_cards` call given a card that is no map
/// (undefined, a name mistyped, or a list): the fault is the call's, reported there rather than as
/// the card template's failure to read the card's fields.
pub const CARD_NOT_A_CASE: &str = "case_card: card is not a case";

fn is_a_card(card: &Value) -> TeraResult<()> {
    if card.as_map().is_some() { Ok(()) } else { Err(tera::Error::message(CARD_NOT_A_CASE)) }
}

/// The message of a page's error at a `case_card`/`case_cards` call whose card failed; the card's
/// own error is then [`take_failure`].
pub const CARD_FAILED: &str = "in partials/case_card.html";

thread_local! {
    /// The error of the card that failed last on this thread (a page and its cards render on
    /// one thread), until the page's error is reported.
    static FAILED: std::cell::RefCell<Option<tera::Error>> = const { std::cell::RefCell::new(None) };
}

/// The error of the card that made this thread's page fail, if one did (see [`CARD_FAILED`]).
pub fn take_failure() -> Option<tera::Error> {
    FAILED.with(|failed| failed.borrow_mut().take())
}

/// Starts a shard afresh when it holds its share of [`MAX_CARDS`].
fn make_room(shard: &mut Shard) {
    if shard.len() >= MAX_CARDS / SHARDS {
        shard.clear();
    }
}

/// Whether a string in `value` holds a NUL character, which a text rendered with [`ROOT_MARK`]
/// could not tell from the marker.
fn holds_nul(value: &Value) -> bool {
    if let Some(text) = value.as_str() {
        return text.contains('\u{0}');
    }
    if let Some(map) = value.as_map() {
        return map.iter().any(|(k, v)| k.as_str().is_some_and(|k| k.contains('\u{0}')) || holds_nul(v));
    }
    value.as_array().is_some_and(|items| items.iter().any(holds_nul))
}

/// The `card_key` of a case's summary: equal keys mean the same card.
pub fn card_key(revision: u64, term_paths: u64) -> i64 {
    let mut hasher = foldhash::fast::FixedState::with_seed(1).build_hasher();
    (revision, term_paths).hash(&mut hasher);
    // Tera numbers are i64; the low 63 bits are plenty.
    (std::hash::Hasher::finish(&hasher) >> 1) as i64
}

/// A card's heading level: 3 unless given, kept between `<h2>` and `<h6>` (HTML has no `<h9>`).
fn heading_level(level: Option<i64>) -> i64 {
    level.unwrap_or(3).clamp(2, 6)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cards_heading_is_one_html_has() {
        let levels: Vec<i64> = [None, Some(1), Some(4), Some(9), Some(-3)].into_iter().map(heading_level).collect();
        assert_eq!(levels, [3, 2, 4, 6, 2]);
    }

    fn tera_with(card_template: &str, cards: &Arc<Cards>) -> Tera {
        let mut tera = Tera::new();
        cards.register(&mut tera);
        tera.add_raw_templates([
            (CARD_TEMPLATE, card_template),
            ("list.html", "{% for card in cards %}[{{ case_card(card=card, level=2) }}]{% endfor %}"),
            ("all.html", "{{ case_cards(cards=cards, level=2, before=\"[\", after=\"]\") }}"),
            ("include.html", "{% set card_level = 2 %}{% for card in cards %}[{% include \"partials/case_card.html\" %}]{% endfor %}"),
        ])
        .expect("templates");
        cards.forget();
        cards.ensure_templates(&tera);
        tera
    }

    fn render(tera: &Tera, template: &str, root: &str, cards: Vec<Value>) -> String {
        let mut context = Context::new();
        context.insert("root", root);
        context.insert_value("cards", Value::from(cards));
        tera.render(template, &context).expect("renders")
    }

    fn card(title: &str, key: Option<i64>) -> Value {
        let mut map = tera::Map::new();
        map.insert("title".into(), title.into());
        map.insert("path".into(), "cases/a/".into());
        if let Some(key) = key {
            map.insert(CARD_KEY.into(), key.into());
        }
        Value::from(map)
    }

    #[test]
    fn a_card_is_what_the_include_renders_and_is_kept_by_key_root_and_level() {
        let cards = Arc::new(Cards::default());
        let tera = tera_with("<a href=\"{{ root }}{{ card.path }}\">{{ card.title }}</a> h{{ card_level }}", &cards);
        let list = vec![card("安全 <b>", Some(7)), card("无键", None)];
        let by_function = render(&tera, "list.html", "../../", list.clone());
        assert_eq!(by_function, render(&tera, "include.html", "../../", list));
        assert_eq!(
            by_function,
            "[<a href=\"../../cases/a/\">安全 &lt;b&gt;</a> h2][<a href=\"../../cases/a/\">无键</a> h2]"
        );

        // The same key is the same card (the key stands for the case's content), at the same
        // depth and at another, with that depth's links…
        let kept = render(&tera, "list.html", "../../", vec![card("改过的标题", Some(7))]);
        assert_eq!(kept, "[<a href=\"../../cases/a/\">安全 &lt;b&gt;</a> h2]");
        let deeper = render(&tera, "list.html", "../../../../", vec![card("改过的标题", Some(7))]);
        assert_eq!(deeper, "[<a href=\"../../../../cases/a/\">安全 &lt;b&gt;</a> h2]");
        let top = render(&tera, "list.html", "", vec![card("改过的标题", Some(7))]);
        assert_eq!(top, "[<a href=\"cases/a/\">安全 &lt;b&gt;</a> h2]");
        // …another key is rendered again.
        let new_key = render(&tera, "list.html", "../../", vec![card("改过的标题", Some(8))]);
        assert_eq!(new_key, "[<a href=\"../../cases/a/\">改过的标题</a> h2]");
    }

    #[test]
    fn case_cards_draws_what_case_card_draws_in_a_loop() {
        // Marked cards, and cards of a template that uses `root` otherwise (kept by depth).
        for template in [
            "<a href=\"{{ root }}{{ card.path }}\">{{ card.title }}</a> h{{ card_level }}",
            "{% if root %}<a href=\"{{ root }}{{ card.path }}\">{% else %}<b>{% endif %}{{ card.title }}",
        ] {
            let cards = Arc::new(Cards::default());
            let tera = tera_with(template, &cards);
            for root in ["../../", "", "../../", "../"] {
                // Drawn first by one function, then kept for the other, and the other way round.
                let list = vec![card("安全 <b>", Some(7)), card("无键", None), card("乙", Some(9))];
                let all = render(&tera, "all.html", root, list.clone());
                assert_eq!(all, render(&tera, "list.html", root, list.clone()), "{template} at {root:?}");
                assert_eq!(all, render(&tera, "include.html", root, list), "{template} at {root:?}");
            }
            assert_eq!(render(&tera, "all.html", "", Vec::new()), "");
        }
    }

    #[test]
    fn a_card_that_uses_root_otherwise_is_rendered_at_each_depth() {
        let cards = Arc::new(Cards::default());
        let tera = tera_with(
            "{% if root %}<a href=\"{{ root }}{{ card.path }}\">{% else %}<b>{% endif %}{{ card.title }}",
            &cards,
        );
        for root in ["../", "", "../../../", "../"] {
            let list = vec![card("甲", Some(1)), card("乙", Some(2))];
            assert_eq!(
                render(&tera, "list.html", root, list.clone()),
                render(&tera, "include.html", root, list),
                "{root}"
            );
        }
        assert_eq!(render(&tera, "list.html", "", vec![card("甲", Some(1))]), "[<b>甲]");
    }

    #[test]
    fn a_card_whose_text_holds_the_marker_keeps_it() {
        let cards = Arc::new(Cards::default());
        let tera = tera_with("<a href=\"{{ root }}{{ card.path }}\">{{ card.title }}</a>", &cards);
        // A plain card first: cards are rendered with the marker from then on.
        assert_eq!(render(&tera, "list.html", "../", vec![card("丙", Some(2))]), "[<a href=\"../cases/a/\">丙</a>]");
        let title = format!("甲{ROOT_MARK}乙");
        for root in ["../", "../../"] {
            let shown = render(&tera, "list.html", root, vec![card(&title, Some(3))]);
            assert_eq!(shown, format!("[<a href=\"{root}cases/a/\">{title}</a>]"));
        }
    }

    #[test]
    fn new_templates_drop_the_cards_made_with_the_old_ones() {
        let cards = Arc::new(Cards::default());
        let old = tera_with("旧 {{ card.title }}", &cards);
        assert_eq!(render(&old, "list.html", "", vec![card("甲", Some(1))]), "[旧 甲]");
        let new = tera_with("新 {{ card.title }}", &cards);
        assert_eq!(render(&new, "list.html", "", vec![card("甲", Some(1))]), "[新 甲]");
    }

    #[test]
    fn an_error_in_the_card_template_names_it() {
        let cards = Arc::new(Cards::default());
        let tera = tera_with("{{ card.missing.field }}", &cards);
        let mut context = Context::new();
        context.insert_value("cards", Value::from(vec![card("甲", Some(1))]));
        let err = tera.render("list.html", &context).expect_err("fails");
        let mut text = err.to_string();
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            text.push_str(&cause.to_string());
            source = cause.source();
        }
        assert!(text.contains(CARD_TEMPLATE), "{text}");
        // The card's own error, with its place in the card template, is kept for the report.
        let failure = take_failure().expect("the card's error");
        let tera::ErrorKind::RenderingError(report) = failure.kind() else { panic!("{failure}") };
        assert_eq!(report.filename(), CARD_TEMPLATE);
        assert_eq!((report.span().start_line, report.span().start_col), (1, 8));
        assert!(take_failure().is_none(), "taken once");
    }
}
