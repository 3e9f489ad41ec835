//! How text becomes index terms, identically in Rust and in `search.js`:
//!
//! - every character is folded first: full-width ASCII forms (`Ａ`, `１`, `（`) to half-width, the
//!   ideographic space to a space, ASCII and Latin-1 capitals to lower case;
//! - a run of CJK characters (Han, kana, Hangul) gives each character (a unigram) and each
//!   overlapping pair of neighbours (a bigram): 数字孪生 → 数 字 孪 生 数字 字孪 孪生;
//! - a run of Latin letters and digits gives one lower-cased word (cut at [`MAX_WORD`] characters);
//! - anything else (punctuation, spaces, symbols) separates runs.
//!
//! Any substring of two or more CJK characters is then the AND of its bigrams, and a single
//! character is its unigram, so a substring is always found (recall 1.0 by construction).

/// Longest word kept; longer ones are cut (a query word is cut the same way).
pub const MAX_WORD: usize = 32;

/// What a folded character is to the tokenizer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Cjk,
    Word,
    Other,
}

/// Width and case folding of one character (one character in, one out).
pub fn fold(c: char) -> char {
    let code = c as u32;
    let code = match code {
        0xFF01..=0xFF5E => code - 0xFEE0,
        0x3000 => 0x20,
        _ => code,
    };
    let code = match code {
        0x41..=0x5A => code + 0x20,
        // Latin-1 capitals À…Þ except ×.
        0xC0..=0xDE if code != 0xD7 => code + 0x20,
        _ => code,
    };
    char::from_u32(code).unwrap_or(c)
}

pub fn class(c: char) -> Class {
    match c as u32 {
        0x3005..=0x3007 // 々 〆 〇 (二〇二四年)
        | 0x3040..=0x30FF // kana
        | 0x3400..=0x4DBF // CJK extension A
        | 0x4E00..=0x9FFF // CJK unified ideographs
        | 0xAC00..=0xD7AF // Hangul syllables
        | 0xF900..=0xFAFF // CJK compatibility ideographs
        | 0x20000..=0x3FFFF => Class::Cjk, // CJK extensions B…
        0x30..=0x39 | 0x61..=0x7A | 0xDF..=0xF6 | 0xF8..=0xFF | 0x100..=0x24F => Class::Word,
        _ => Class::Other,
    }
}

/// Folds a whole text.
pub fn normalize(text: &str) -> String {
    text.chars().map(fold).collect()
}

/// A run of one class in folded text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Run {
    /// CJK characters, in order.
    Cjk(Vec<char>),
    /// A lower-cased word (at most [`MAX_WORD`] characters).
    Word(String),
}

/// The runs of a text (folded here).
pub fn runs(text: &str) -> Vec<Run> {
    let mut out = Vec::new();
    let mut cjk: Vec<char> = Vec::new();
    let mut word = String::new();
    let mut word_len = 0;
    let flush = |cjk: &mut Vec<char>, word: &mut String, word_len: &mut usize, out: &mut Vec<Run>| {
        if !cjk.is_empty() {
            out.push(Run::Cjk(std::mem::take(cjk)));
        }
        if !word.is_empty() {
            out.push(Run::Word(std::mem::take(word)));
            *word_len = 0;
        }
    };
    for c in text.chars().map(fold) {
        match class(c) {
            Class::Cjk => {
                if !word.is_empty() {
                    flush(&mut cjk, &mut word, &mut word_len, &mut out);
                }
                cjk.push(c);
            }
            Class::Word => {
                if !cjk.is_empty() {
                    flush(&mut cjk, &mut word, &mut word_len, &mut out);
                }
                if word_len < MAX_WORD {
                    word.push(c);
                    word_len += 1;
                }
            }
            Class::Other => flush(&mut cjk, &mut word, &mut word_len, &mut out),
        }
    }
    flush(&mut cjk, &mut word, &mut word_len, &mut out);
    out
}

/// The index terms of a text, in text order, with repeats.
pub fn terms(text: &str, mut emit: impl FnMut(&str)) {
    let mut buf = String::new();
    for run in runs(text) {
        match run {
            Run::Word(w) => emit(&w),
            Run::Cjk(chars) => {
                for (i, &c) in chars.iter().enumerate() {
                    buf.clear();
                    buf.push(c);
                    emit(&buf);
                    if let Some(&next) = chars.get(i + 1) {
                        buf.push(next);
                        emit(&buf);
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> Vec<String> {
        let mut out = Vec::new();
        terms(text, |t| out.push(t.to_owned()));
        out
    }

    #[test]
    fn cjk_gives_characters_and_overlapping_pairs() {
        assert_eq!(all("数字孪生"), ["数", "数字", "字", "字孪", "孪", "孪生", "生"]);
        assert_eq!(all("党"), ["党"]);
        // Kana and Hangul are CJK too, and so is 〇, the zero of written dates.
        assert_eq!(all("カナ"), ["カ", "カナ", "ナ"]);
        assert_eq!(all("二〇"), ["二", "二〇", "〇"]);
    }

    #[test]
    fn latin_words_are_lowercased_and_split_from_cjk() {
        assert_eq!(all("TiDB Cloud"), ["tidb", "cloud"]);
        assert_eq!(all("5G基站"), ["5g", "基", "基站", "站"]);
        assert_eq!(all("Kitex的QPS"), ["kitex", "的", "qps"]);
        assert_eq!(all("Ünïcode"), ["ünïcode"]);
    }

    #[test]
    fn full_width_forms_fold_to_half_width() {
        assert_eq!(all("ＴｉＤＢ　２０２４"), ["tidb", "2024"]);
        assert_eq!(normalize("（ＡＢＣ）"), "(abc)");
        assert_eq!(fold('×'), '×');
    }

    #[test]
    fn punctuation_and_space_break_runs() {
        let terms = all("安全，生产 “党建”");
        assert_eq!(terms, ["安", "安全", "全", "生", "生产", "产", "党", "党建", "建"]);
        assert!(!terms.iter().any(|t| t == "全生"), "no pair across punctuation");
        assert!(all("—…，。、！@#$%").is_empty());
    }

    #[test]
    fn long_words_are_cut() {
        let long = "a".repeat(100);
        assert_eq!(all(&long), ["a".repeat(MAX_WORD)]);
    }
}
