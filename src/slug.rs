//! ASCII names for URLs and files: Chinese is transliterated to pinyin syllables joined by hyphens.

/// `"安全生产 Best-Practice"` → `"an-quan-sheng-chan-best-practice"`. Never empty: a name with no
/// letters or digits at all becomes `"x"`, so a URL segment always exists.
pub fn slugify(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pending_dash = false;
    for ch in text.chars() {
        if ch.is_ascii_alphanumeric() {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(ch.to_ascii_lowercase());
        } else if ch.is_ascii() {
            pending_dash = true;
        } else {
            // Each CJK character becomes its own syllable; other scripts transliterate as a run.
            let ascii = any_ascii::any_ascii_char(ch);
            let is_syllable = ascii.len() > 1 && ascii.chars().all(|c| c.is_ascii_alphabetic());
            if is_syllable || ascii.is_empty() {
                pending_dash = true;
            }
            for c in ascii.chars() {
                if c.is_ascii_alphanumeric() {
                    if pending_dash && !out.is_empty() {
                        out.push('-');
                    }
                    pending_dash = false;
                    out.push(c.to_ascii_lowercase());
                } else {
                    pending_dash = true;
                }
            }
            if is_syllable {
                pending_dash = true;
            }
        }
        if out.len() >= 80 {
            break;
        }
    }
    let trimmed = out.trim_end_matches('-');
    if trimmed.is_empty() { "x".to_owned() } else { trimmed.to_owned() }
}

/// Whether `text` can be used as a slug as it is: lowercase ASCII letters, digits and inner hyphens.
pub fn is_valid_slug(text: &str) -> bool {
    !text.is_empty()
        && text.len() <= 120
        && !text.starts_with('-')
        && !text.ends_with('-')
        && text.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_becomes_pinyin_syllables() {
        assert_eq!(slugify("安全生产"), "an-quan-sheng-chan");
        assert_eq!(slugify("华南建工集团"), "hua-nan-jian-gong-ji-tuan");
        assert_eq!(slugify("5G 智慧班组"), "5g-zhi-hui-ban-zu");
        assert_eq!(slugify("Best Practice!"), "best-practice");
        assert_eq!(slugify("「」"), "x");
        assert_eq!(slugify(""), "x");
        assert_eq!(slugify("Ｆｕｌｌ"), "full");
    }

    #[test]
    fn slugs_are_ascii() {
        for text in ["数字孪生平台", "é à ü", "🙂 emoji", "a/../b", "一二三四五六七八九十".repeat(20).as_str()]
        {
            let slug = slugify(text);
            assert!(is_valid_slug(&slug), "{text:?} -> {slug:?}");
        }
    }
}
