//! Text for a model: rich text (HTML) as readable plain text, and long text clipped with
//! a marker saying how much was left out.

/// Longest text a record's description or comment shows before it is clipped.
pub const MAX_TEXT_CHARS: usize = 4_000;

/// HTML (or plain text) as readable plain text: lists keep their bullets, links their
/// targets, entities are decoded. `None` for blank input.
pub fn plain(raw: &str, max_chars: usize) -> Option<String> {
    if raw.trim().is_empty() {
        return None;
    }
    let text = if raw.contains('<') && raw.contains('>') {
        html2text::from_read(raw.as_bytes(), 100).unwrap_or_else(|_| raw.to_owned())
    } else {
        raw.replace("\r\n", "\n")
    };
    let text = text.trim();
    (!text.is_empty()).then(|| clip(text, max_chars))
}

/// Escapes text for HTML, attribute values included.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Clips `s` to `max` characters with a marker saying how much was left out.
pub fn clip(s: &str, max: usize) -> String {
    let count = s.chars().count();
    if count <= max {
        return s.to_owned();
    }
    let kept: String = s.chars().take(max).collect();
    format!("{kept}… [clipped {} characters]", count - max)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn html_becomes_clipped_text() {
        let t = plain(
            "<p>Hello <b>world</b></p><ul><li>one</li><li>two &amp; three</li></ul>",
            MAX_TEXT_CHARS,
        )
        .unwrap();
        assert!(
            t.contains("Hello") && t.contains("world") && t.contains("two & three"),
            "{t}"
        );
        assert!(!t.contains('<'));
        assert!(
            plain(&"x".repeat(MAX_TEXT_CHARS + 10), MAX_TEXT_CHARS)
                .unwrap()
                .ends_with("[clipped 10 characters]")
        );
        assert_eq!(plain("  ", 10), None);
        assert_eq!(plain("<div></div>", 10), None);
    }

    #[test]
    fn html_escaping_covers_text_and_attributes() {
        assert_eq!(
            escape_html(r#"O'Brien & <Sons> "Ltd""#),
            "O&#39;Brien &amp; &lt;Sons&gt; &quot;Ltd&quot;"
        );
    }
}
