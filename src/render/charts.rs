//! Charts drawn at build time as inline SVG: no script, no fonts, nothing to load. Each chart is a
//! string of markup that a template prints with `| safe`; every value is escaped here. Every point
//! carries its indicator and score (`data-indicator`, `data-value`) and a `<title>`, so the chart
//! says what it shows to tests, tooltips and text browsers; pages pair each chart with a table.

use std::fmt::{self, Write};

/// One indicator's value on a chart, with its scale.
#[derive(Debug, Clone)]
pub struct Point<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub value: f64,
    pub min: f64,
    pub max: f64,
    pub threshold: Option<f64>,
}

impl Point<'_> {
    /// Where the value sits on its scale, 0 to 1.
    fn ratio(&self, value: f64) -> f64 {
        let span = self.max - self.min;
        if span <= 0.0 { 0.0 } else { ((value - self.min) / span).clamp(0.0, 1.0) }
    }
}

/// `&`, `<`, `>`, `"` and `'` escaped for XML text and attributes.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    push_xml(&mut out, text);
    out
}

/// [`escape`] as it is written into a chart, without a string of its own.
struct Xml<'a>(&'a str);

impl fmt::Display for Xml<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        escaped_runs(self.0, |run| f.write_str(run))
    }
}

/// [`escape`] appended to `out`.
fn push_xml(out: &mut String, text: &str) {
    let _ = escaped_runs(text, |run| {
        out.push_str(run);
        Ok(())
    });
}

/// Hands `text` to `emit` escaped, in runs: the runs without a special character are handed whole.
fn escaped_runs(text: &str, mut emit: impl FnMut(&str) -> fmt::Result) -> fmt::Result {
    let mut rest = text;
    while let Some(at) = rest.find(['&', '<', '>', '"', '\'']) {
        emit(&rest[..at])?;
        emit(match rest.as_bytes()[at] {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            _ => "&#39;",
        })?;
        rest = &rest[at + 1..];
    }
    emit(rest)
}

/// A number as a reader sees it: `92`, `87.5`.
pub fn number(value: f64) -> String {
    Decimals(value, 1).to_string()
}

/// Coordinates with two decimals at most, so the markup stays short and stable.
#[cfg(test)]
fn c(value: f64) -> String {
    Decimals(value, 2).to_string()
}

/// A coordinate ([`Decimals`] with two places), written into a chart.
fn xy(value: f64) -> Decimals {
    Decimals(value, 2)
}

/// Points as SVG lists them, `x,y` separated by spaces, written straight into `out`.
fn push_points(out: &mut String, points: impl Iterator<Item = (f64, f64)>) {
    for (k, (x, y)) in points.enumerate() {
        if k > 0 {
            out.push(' ');
        }
        xy(x).push_to(out);
        out.push(',');
        xy(y).push_to(out);
    }
}

/// Appends the pieces in order: markup as it is, coordinates, scores and escaped text.
fn push(out: &mut String, pieces: &[Piece<'_>]) {
    for piece in pieces {
        match piece {
            Piece::Raw(text) => out.push_str(text),
            Piece::Num(number) => number.push_to(out),
            Piece::Text(text) => push_xml(out, text),
        }
    }
}

/// A chart's point: a circle of radius `r` at `(x, y)` carrying `data-<name>="<key>"` and its
/// value, with a `<title>` that says `label: value`. Points are drawn inside a
/// `<g class="chart__points">`, which gives them their colour: a point carries a class only when
/// it is under its threshold.
fn push_point(
    svg: &mut String,
    (x, y): (f64, f64),
    r: &str,
    below: bool,
    (name, key): (&str, &str),
    (label, value): (&str, f64),
) {
    let class = if below { r#"<circle class="is-below" cx=""# } else { r#"<circle cx=""# };
    push(
        svg,
        &[
            Piece::Raw(class),
            Piece::Num(xy(x)),
            Piece::Raw(r#"" cy=""#),
            Piece::Num(xy(y)),
            Piece::Raw(r#"" r=""#),
            Piece::Raw(r),
            Piece::Raw(r#"" data-"#),
            Piece::Raw(name),
            Piece::Raw(r#"=""#),
            Piece::Text(key),
            Piece::Raw(r#"" data-value=""#),
            Piece::Num(score(value)),
            Piece::Raw(r#""><title>"#),
            Piece::Text(label),
            Piece::Raw(": "),
            Piece::Num(score(value)),
            Piece::Raw("</title></circle>"),
        ],
    );
}

/// A part of a chart's markup, for [`push`].
enum Piece<'a> {
    Raw(&'a str),
    Num(Decimals),
    Text(&'a str),
}

/// A score ([`Decimals`] with one place), written into a chart.
/// An average: a tenth, or two decimals when a tenth would round it up to the threshold it is
/// under (79.96 under 80 reads 79.96, not 80).
fn average(value: f64, threshold: Option<f64>) -> Decimals {
    let reaches = |t: f64| value < t && super::views::to_tenth(value) >= t;
    Decimals(value, if threshold.is_some_and(reaches) { 2 } else { 1 })
}

/// [`average`] as text.
pub fn average_text(value: f64, threshold: Option<f64>) -> String {
    average(value, threshold).to_string()
}

/// A score in a chart: two decimals, as many as editors write (elsewhere a score is printed as
/// written, by `format_number`: never rounded, so that a score under its threshold never reads as
/// the threshold itself).
fn score(value: f64) -> Decimals {
    Decimals(value, 2)
}

/// `value` rounded to `places` decimals (1 or 2), without trailing zeros and without `-0`.
/// Written from the integer of hundredths or tenths: formatting a float with a precision
/// (`{:.2}`) takes a slow exact path, and charts print tens of numbers per case page, straight
/// into their markup.
#[derive(Clone, Copy)]
struct Decimals(f64, u32);

impl Decimals {
    /// Appends the number to `out` (a case page's charts print about 700 numbers).
    fn push_to(&self, out: &mut String) {
        self.with_text(|text| out.push_str(text));
    }

    /// Hands the number's text to `use_text`: digits from a small buffer, without the formatting
    /// machinery and without a string of its own.
    fn with_text<R>(&self, use_text: impl FnOnce(&str) -> R) -> R {
        let Decimals(value, places) = *self;
        let scale = 10f64.powi(places as i32);
        let scaled = (value * scale).round();
        if !scaled.is_finite() || scaled.abs() >= 1e15 {
            return use_text(&decimals_by_format(value, places));
        }
        let scaled = scaled as i64;
        let (whole, mut fraction) = (scaled.unsigned_abs() / scale as u64, scaled.unsigned_abs() % scale as u64);
        // A sign and at most 15 digits before the point (below 1e15), the point and two after.
        let mut digits = [0u8; 24];
        let mut at = 17;
        let mut rest = whole;
        loop {
            at -= 1;
            digits[at] = b'0' + (rest % 10) as u8;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        if scaled < 0 {
            at -= 1;
            digits[at] = b'-';
        }
        let mut end = 17;
        if fraction != 0 {
            digits[end] = b'.';
            end += 1;
            let mut divisor = scale as u64 / 10;
            while fraction != 0 {
                digits[end] = b'0' + (fraction / divisor) as u8;
                end += 1;
                fraction %= divisor;
                divisor /= 10;
            }
        }
        // Only ASCII digits, a point and a sign were written.
        use_text(std::str::from_utf8(&digits[at..end]).unwrap_or_default())
    }
}

impl fmt::Display for Decimals {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.with_text(|text| f.write_str(text))
    }
}

/// [`Decimals`] through `format!`, for what is not a plain number of moderate size.
fn decimals_by_format(value: f64, places: u32) -> String {
    let scale = 10f64.powi(places as i32);
    let rounded = (value * scale).round() / scale;
    if rounded.fract() == 0.0 && places == 1 {
        return format!("{}", rounded as i64);
    }
    let text = format!("{rounded:.*}", places as usize);
    let text = if text.contains('.') { text.trim_end_matches('0').trim_end_matches('.') } else { &text };
    if text == "-0" { "0".to_owned() } else { text.to_owned() }
}

/// The width of a text in em: CJK characters are one em, others about half.
fn text_width(text: &str) -> f64 {
    text.chars().map(|ch| if ch.is_ascii() { 0.55 } else { 1.0 }).sum()
}

/// Splits a label into lines of at most `width` em: at spaces for Latin text, anywhere for CJK.
fn wrap(text: &str, width: f64) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let words: Vec<String> = if text.contains(' ') {
        text.split(' ').map(str::to_owned).collect()
    } else {
        text.chars().map(String::from).collect()
    };
    let spaced = text.contains(' ');
    for word in words {
        let candidate = if line.is_empty() || !spaced { format!("{line}{word}") } else { format!("{line} {word}") };
        if !line.is_empty() && text_width(&candidate) > width {
            lines.push(std::mem::take(&mut line));
            line = word;
        } else {
            line = candidate;
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    // Balance two CJK lines (政治引领 / 示范力强 rather than 政治引领示范 / 力强).
    if !spaced && lines.len() == 2 {
        let all: Vec<char> = text.chars().collect();
        let half = all.len().div_ceil(2);
        return vec![all[..half].iter().collect(), all[half..].iter().collect()];
    }
    lines
}

/// A radar (spider) chart of one assessment: one axis per indicator, rings at every fifth of the
/// scale, the threshold ring dashed, the scores as a filled polygon. `title` and `desc` name it
/// for assistive technology; `id` makes their ids unique in the page.
pub fn radar(points: &[Point<'_>], id: &str, title: &str, desc: &str) -> String {
    let (w, h, cx, cy, r): (f64, f64, f64, f64, f64) = (360.0, 300.0, 180.0, 150.0, 92.0);
    let n = points.len();
    let angle = |i: usize| -std::f64::consts::FRAC_PI_2 + i as f64 * std::f64::consts::TAU / n.max(1) as f64;
    let at = |i: usize, ratio: f64| (cx + r * ratio * angle(i).cos(), cy + r * ratio * angle(i).sin());
    // A label's place and lines depend on the indicators alone: laid out once per thread and
    // set of labels, each up to the value, which is all that changes from case to case; with
    // how far the labels reach above and below, so that the drawing holds them all.
    type Layout = (Vec<String>, Vec<String>, (f64, f64));
    thread_local! {
        static LABELS: std::cell::RefCell<Vec<Layout>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let (layout, (top, bottom)) = LABELS.with_borrow_mut(|known| {
        let same = |labels: &[String]| labels.len() == n && labels.iter().zip(points).all(|(l, p)| l == p.label);
        match known.iter().position(|(labels, _, _)| same(labels)) {
            Some(index) => (index, known[index].2),
            None => {
                let mut reach = (0.0f64, h);
                let heads = (0..n)
                    .map(|i| {
                        let (head, above, below) = label_head(points[i].label, at(i, 1.0), angle(i));
                        reach = (reach.0.min(above), reach.1.max(below));
                        head
                    })
                    .collect();
                known.push((points.iter().map(|p| p.label.to_owned()).collect(), heads, reach));
                (known.len() - 1, reach)
            }
        }
    });
    let (top, height) = (top.floor(), (bottom - top).ceil());
    let mut svg = String::with_capacity(4096);
    let _ = write!(
        svg,
        r#"<svg class="chart chart--radar" viewBox="0 {top} {w} {height}" width="{w}" height="{height}" role="img" aria-labelledby="{id}-chart-title {id}-chart-desc"><title id="{id}-chart-title">{}</title><desc id="{id}-chart-desc">{}</desc>"#,
        Xml(title),
        Xml(desc)
    );
    // The grid depends on the number of indicators alone: drawn once per thread and count.
    thread_local! {
        static GRIDS: std::cell::RefCell<Vec<(usize, String)>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    GRIDS.with_borrow_mut(|grids| {
        if let Some((_, grid)) = grids.iter().find(|(count, _)| *count == n) {
            svg.push_str(grid);
            return;
        }
        // One path: a closed ring per fifth of the scale, then an axis from the centre to each
        // corner of the outer ring.
        let mut grid = String::from(r#"<path class="chart__grid" d=""#);
        for step in 1..=5 {
            let ratio = f64::from(step) / 5.0;
            grid.push('M');
            push_points(&mut grid, (0..n).map(|i| at(i, ratio)));
            grid.push('Z');
        }
        for i in 0..n {
            grid.push('M');
            push_points(&mut grid, [(cx, cy), at(i, 1.0)].into_iter());
        }
        grid.push_str(r#""/>"#);
        svg.push_str(&grid);
        grids.push((n, grid));
    });
    if points.iter().all(|p| p.threshold.is_some()) && n > 0 {
        svg.push_str(r#"<polygon class="chart__threshold" points=""#);
        push_points(&mut svg, points.iter().enumerate().map(|(i, p)| at(i, p.ratio(p.threshold.unwrap_or(p.min)))));
        svg.push_str(r#""/>"#);
    }
    svg.push_str(r#"<polygon class="chart__area" points=""#);
    push_points(&mut svg, points.iter().enumerate().map(|(i, p)| at(i, p.ratio(p.value))));
    svg.push_str(r#""/>"#);
    svg.push_str(r#"<g class="chart__points">"#);
    for (i, p) in points.iter().enumerate() {
        let below = p.threshold.is_some_and(|t| p.value < t);
        push_point(&mut svg, at(i, p.ratio(p.value)), "3.5", below, ("indicator", p.id), (p.label, p.value));
    }
    svg.push_str(r#"</g><g class="chart__labels" aria-hidden="true">"#);
    LABELS.with_borrow(|known| {
        let Some((_, heads, _)) = known.get(layout) else { return };
        for (head, p) in heads.iter().zip(points) {
            svg.push_str(head);
            score(p.value).push_to(&mut svg);
            svg.push_str("</tspan></text>");
        }
    });
    svg.push_str("</g></svg>");
    svg
}

/// The markup of a radar label up to its value: the `<text>` at the end of the axis that points
/// at `angle` and ends at `(x, y)`, and a `<tspan>` per line of the label; with the top of its
/// first line and the bottom of its value (12 px text).
fn label_head(label: &str, (x, y): (f64, f64), angle: f64) -> (String, f64, f64) {
    let (dx, dy) = (angle.cos(), angle.sin());
    let (lx, ly) = (x + dx * 10.0, y + dy * 12.0);
    // `start`, SVG's default, is left unsaid.
    let anchor = if dx > 0.2 {
        ""
    } else if dx < -0.2 {
        r#" text-anchor="end""#
    } else {
        r#" text-anchor="middle""#
    };
    // Above and below the chart a Latin label has room to be wider than at its sides.
    let width = if anchor.contains("middle") && label.contains(' ') { 9.0 } else { 5.0 };
    let lines = wrap(label, width);
    // The value is the last line.
    let count = lines.len() as f64 + 1.0;
    // Labels above the chart grow upwards, labels below grow downwards.
    let first = if dy < -0.2 {
        ly - (count - 1.0) * 14.0
    } else if dy > 0.2 {
        ly + 8.0
    } else {
        ly + 4.0 - (count - 1.0) * 7.0
    };
    // The first line is the text's own (it starts where the text does); each line after it, and
    // the value, a `<tspan>` that goes back to `x` one line down.
    let mut head = String::new();
    let _ = write!(head, r#"<text x="{}" y="{}"{anchor}>"#, xy(lx), xy(first));
    for (k, line) in lines.iter().enumerate() {
        if k == 0 {
            let _ = write!(head, "{}", Xml(line));
        } else {
            let _ = write!(head, r#"<tspan x="{}" dy="14">{}</tspan>"#, xy(lx), Xml(line));
        }
    }
    if lines.is_empty() {
        head.push_str(r#"<tspan class="chart__value">"#);
    } else {
        let _ = write!(head, r#"<tspan x="{}" dy="14" class="chart__value">"#, xy(lx));
    }
    (head, first - 12.0, first + (count - 1.0) * 14.0 + 4.0)
}

/// A small line of one indicator's scores over periods (oldest first), with the threshold dashed.
/// `label` names the line for assistive technology, e.g. "创新：82 → 86".
pub fn sparkline(values: &[(&str, f64)], min: f64, max: f64, threshold: Option<f64>, label: &str) -> String {
    let (w, h, pad) = (160.0, 44.0, 5.0);
    // Zoom in on the range the values use (and the threshold), so that small changes show.
    let mut lo = values.iter().map(|(_, v)| *v).chain(threshold).fold(f64::INFINITY, f64::min);
    let mut hi = values.iter().map(|(_, v)| *v).chain(threshold).fold(f64::NEG_INFINITY, f64::max);
    if !lo.is_finite() || !hi.is_finite() {
        (lo, hi) = (min, max);
    }
    lo = (lo - 5.0).max(min);
    hi = (hi + 5.0).min(max);
    if hi - lo <= 0.0 {
        (lo, hi) = (min, max.max(min + 1.0));
    }
    let x = |i: usize| {
        if values.len() < 2 { w / 2.0 } else { pad + (w - 2.0 * pad) * i as f64 / (values.len() - 1) as f64 }
    };
    let y = |v: f64| h - pad - (h - 2.0 * pad) * ((v - lo) / (hi - lo)).clamp(0.0, 1.0);
    let mut svg = String::with_capacity(1024);
    let _ = write!(
        svg,
        r#"<svg class="chart chart--spark" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" aria-label="{}">"#,
        Xml(label)
    );
    if let Some(t) = threshold.filter(|t| *t >= lo && *t <= hi) {
        let ty = xy(y(t));
        // A path across the drawing (M…H…), shorter than a line's four coordinates.
        push(
            &mut svg,
            &[
                Piece::Raw(r#"<path class="chart__threshold" d="M0,"#),
                Piece::Num(ty),
                Piece::Raw("H"),
                Piece::Num(xy(w)),
                Piece::Raw(r#""/>"#),
            ],
        );
    }
    svg.push_str(r#"<polyline class="chart__line" points=""#);
    push_points(&mut svg, values.iter().enumerate().map(|(i, (_, v))| (x(i), y(*v))));
    svg.push_str(r#""/>"#);
    svg.push_str(r#"<g class="chart__points">"#);
    for (i, (period, v)) in values.iter().enumerate() {
        let below = threshold.is_some_and(|t| *v < t);
        push_point(&mut svg, (x(i), y(*v)), "3", below, ("period", period), (period, *v));
    }
    svg.push_str("</g></svg>");
    svg
}

/// Horizontal bars, one per indicator, with the label above each bar (so the chart stays readable
/// on a narrow screen) and the threshold marked.
pub fn bars(points: &[Point<'_>], id: &str, title: &str, desc: &str) -> String {
    let (w, row, bar_h, label_h) = (320.0, 42.0, 14.0, 16.0);
    let (x0, bar_w) = (0.0, 280.0);
    let h = row * points.len() as f64 + 4.0;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg class="chart chart--bars" viewBox="0 0 {w} {}" width="{w}" height="{}" role="img" aria-labelledby="{id}-chart-title {id}-chart-desc"><title id="{id}-chart-title">{}</title><desc id="{id}-chart-desc">{}</desc>"#,
        xy(h),
        xy(h),
        Xml(title),
        Xml(desc)
    );
    for (i, p) in points.iter().enumerate() {
        let top = i as f64 * row;
        let by = top + label_h + 2.0;
        let below = p.threshold.is_some_and(|t| p.value < t);
        let _ = write!(
            svg,
            r#"<text class="chart__label" x="{}" y="{}" aria-hidden="true">{}</text>"#,
            xy(x0),
            xy(top + 13.0),
            Xml(p.label)
        );
        let _ = write!(
            svg,
            r#"<rect class="chart__track" x="{}" y="{}" width="{bar_w}" height="{bar_h}"/>"#,
            xy(x0),
            xy(by)
        );
        let _ = write!(
            svg,
            r#"<rect class="chart__bar{}" x="{}" y="{}" width="{}" height="{bar_h}" data-indicator="{}" data-value="{}"><title>{}: {}</title></rect>"#,
            if below { " is-below" } else { "" },
            xy(x0),
            xy(by),
            xy(bar_w * p.ratio(p.value)),
            Xml(p.id),
            average(p.value, p.threshold),
            Xml(p.label),
            average(p.value, p.threshold)
        );
        if let Some(t) = p.threshold {
            let tx = x0 + bar_w * p.ratio(t);
            let _ = write!(
                svg,
                r#"<line class="chart__mark" x1="{}" y1="{}" x2="{}" y2="{}"/>"#,
                xy(tx),
                xy(by - 3.0),
                xy(tx),
                xy(by + bar_h + 3.0)
            );
        }
        let _ = write!(
            svg,
            r#"<text class="chart__value" x="{w}" y="{}" text-anchor="end" aria-hidden="true">{}</text>"#,
            xy(by + 11.5),
            average(p.value, p.threshold)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    fn point<'a>(id: &'a str, value: f64) -> Point<'a> {
        Point { id, label: id, value, min: 0.0, max: 100.0, threshold: Some(80.0) }
    }

    /// Every label line and value lies inside the drawing, however many lines a label takes: the
    /// English sample's bottom label ("Cohesion and support") had its value cut in half.
    #[test]
    fn radar_labels_lie_inside_the_drawing() {
        let labels = ["Cohesion and support of the members and the public", "Innovation", "Development"];
        for n in [3, 4, 6] {
            let points: Vec<Point> = (0..n).map(|i| point(labels[(i + 2) % 3], 90.0)).collect();
            let svg = radar(&points, "r", "t", "d");
            let attr = |text: &str, name: &str| -> f64 {
                let at = text.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
                text[at..].split('"').next().unwrap().parse().unwrap()
            };
            let view: Vec<f64> = svg
                .split("viewBox=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap()
                .split(' ')
                .map(|v| v.parse().unwrap())
                .collect();
            for text in svg.split("<text ").skip(1) {
                let text = text.split("</text>").next().unwrap();
                let first = attr(text, "y");
                // Every line after the first goes one line down.
                let last = first + 14.0 * text.matches(r#"dy="14""#).count() as f64;
                assert!(first - 12.0 >= view[1] && last + 4.0 <= view[1] + view[3], "{n}: {text} in {view:?}");
            }
        }
    }

    #[test]
    fn radar_carries_every_score_and_the_threshold_ring() {
        let points = [point("a", 90.0), point("b", 75.5), point("c", 100.0)];
        let svg = radar(&points, "r", "T <x>", "D");
        assert!(svg.contains(r#"data-indicator="a" data-value="90""#));
        assert!(svg.contains(r#"data-indicator="b" data-value="75.5""#));
        assert!(svg.contains("chart__threshold"));
        assert!(svg.contains("T &lt;x&gt;"));
        assert_eq!(svg.matches("is-below").count(), 1);
        // The first axis points up: 90 of 100 sits 0.9 radius above the centre.
        assert!(svg.contains(r#"cx="180" cy="67.2""#), "{svg}");
    }

    #[test]
    fn each_count_of_indicators_has_its_own_grid() {
        let grid = |svg: &str| {
            let d = &svg[svg.find(r#"class="chart__grid" d=""#).unwrap_or(0)..];
            d.split('"').nth(3).unwrap_or_default().to_owned()
        };
        let three = [point("a", 90.0), point("b", 75.5), point("c", 100.0)];
        let four = [point("a", 90.0), point("b", 75.5), point("c", 100.0), point("d", 60.0)];
        let (first, second) = (radar(&three, "r", "t", "d"), radar(&four, "r", "t", "d"));
        // Five rings, then an axis per indicator.
        assert_eq!(grid(&first).matches('M').count(), 5 + 3);
        assert_eq!(grid(&second).matches('M').count(), 5 + 4);
        assert_eq!(grid(&second).matches('Z').count(), 5);
        // Drawn again, a count's grid is the one it had: the top axis, then the ring's corners.
        assert_eq!(grid(&radar(&three, "s", "u", "e")), grid(&first));
        assert!(grid(&second).contains("M180,150 272,150"), "{second}");
    }

    #[test]
    fn radar_labels_are_each_charts_own() {
        let labels = |svg: &str| svg[svg.find("chart__labels").unwrap_or(0)..].to_owned();
        let first = radar(&[point("甲", 90.0), point("乙", 75.5), point("丙", 100.0)], "r", "t", "d");
        let renamed = radar(&[point("子", 90.0), point("乙", 75.5), point("丙", 100.0)], "r", "t", "d");
        let rescored = radar(&[point("甲", 60.0), point("乙", 75.5), point("丙", 100.0)], "r", "t", "d");
        assert!(labels(&first).contains(">甲<tspan x=\"180\" dy=\"14\" class=\"chart__value\">90</tspan>"));
        assert!(labels(&renamed).contains(">子<") && !labels(&renamed).contains(">甲<"), "{renamed}");
        assert!(labels(&rescored).contains("class=\"chart__value\">60</tspan>"), "{rescored}");
        assert_eq!(labels(&first).replace(">90<", ">60<"), labels(&rescored));
    }

    #[test]
    fn sparkline_and_bars() {
        let spark = sparkline(&[("2024-Q1", 82.0), ("2024-Q2", 86.0)], 0.0, 100.0, Some(80.0), "x");
        assert!(spark.contains(r#"data-period="2024-Q2" data-value="86""#));
        let svg = bars(&[point("a", 79.0)], "b", "t", "d");
        assert!(svg.contains(r#"data-indicator="a" data-value="79""#) && svg.contains("is-below"));
    }

    #[test]
    fn text_is_escaped_for_xml() {
        assert_eq!(escape(r#"创新&"改革'<b>"#), "创新&amp;&quot;改革&#39;&lt;b&gt;");
        assert_eq!(escape("无需转义"), "无需转义");
        assert_eq!(escape(""), "");
        assert_eq!(escape("&&"), "&amp;&amp;");
    }

    #[test]
    fn labels_wrap() {
        assert_eq!(wrap("政治引领示范力强", 5.0), vec!["政治引领", "示范力强"]);
        assert_eq!(wrap("创新", 5.0), vec!["创新"]);
        assert_eq!(wrap("Rated well by members", 5.0).len(), 3);
        assert_eq!(number(87.25), "87.3");
        assert_eq!(c(-0.001), "0");
    }

    #[test]
    fn numbers_read_as_with_a_precision() {
        // What `number` and `c` printed when they went through `format!("{:.1}")` and `{:.2}`.
        let number_by_format = |value: f64| {
            let rounded = (value * 10.0).round() / 10.0;
            if rounded.fract() == 0.0 { format!("{}", rounded as i64) } else { format!("{rounded:.1}") }
        };
        let c_by_format = |value: f64| {
            let rounded = (value * 100.0).round() / 100.0;
            let text = format!("{rounded:.2}");
            let text = text.trim_end_matches('0').trim_end_matches('.');
            if text == "-0" { "0".to_owned() } else { text.to_owned() }
        };
        let mut values = vec![0.0, -0.0, 0.004, -0.004, 0.005, -0.005, 0.05, -0.05, 87.25, 99.95, 1e9 + 0.5];
        let mut x = 0.123_456_789_f64;
        for _ in 0..20_000 {
            x = (x * 9_301.0 + 49_297.0) % 233_280.0;
            values.push(x / 233_280.0 * 800.0 - 400.0);
            values.push((x / 233_280.0 * 4000.0).round() / 40.0);
        }
        for value in values {
            assert_eq!(number(value), number_by_format(value), "number({value})");
            assert_eq!(c(value), c_by_format(value), "c({value})");
        }
    }
}
