//! Small formats the fake needs: Basecamp's timestamp and date notations, the
//! Ruby-Marshal-looking signed strings the real API hands out (`attachable_sgid`, bookmark
//! and avatar keys, OAuth tokens), and HTML to plain text. No state lives here.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};

/// Milliseconds since the epoch: every stored instant.
pub type Millis = i64;

pub const DAY_MS: Millis = 86_400_000;
pub const HOUR_MS: Millis = 3_600_000;
pub const MINUTE_MS: Millis = 60_000;

pub fn real_now_ms() -> Millis {
    Utc::now().timestamp_millis()
}

pub fn real_now_secs() -> i64 {
    Utc::now().timestamp()
}

fn utc(ms: Millis) -> DateTime<Utc> {
    DateTime::<Utc>::from_timestamp_millis(ms).unwrap_or_default()
}

/// `2026-02-26T16:42:12.645Z`, the API's form of every `*_at` field.
pub fn fmt_time(ms: Millis) -> String {
    utc(ms).format("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// `Thu, 26 Feb 2026 16:42:12 GMT`, for `Last-Modified`.
pub fn fmt_http_date(ms: Millis) -> String {
    utc(ms).format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

/// `2026-02-16T18:00:00+00:00`, Launchpad's `expires_at` (seconds, with an offset).
pub fn fmt_launchpad_time(secs: i64) -> String {
    DateTime::<Utc>::from_timestamp(secs, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%S%:z")
        .to_string()
}

pub fn fmt_date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn date_of(ms: Millis) -> NaiveDate {
    utc(ms).date_naive()
}

/// Midnight UTC of a day.
pub fn day_start(d: NaiveDate) -> Millis {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp_millis())
}

/// `YYYY-MM-DD` and nothing else: the form of `due_on` and `starts_on`.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d").ok()
}

/// A schedule time as clients send it: RFC 3339 (`2015-06-04T00:00:00Z`), or a bare date
/// (all-day entries). The flag says which.
pub fn parse_instant(s: &str) -> Option<(Millis, bool)> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some((t.timestamp_millis(), false));
    }
    parse_date(s).map(|d| (day_start(d), true))
}

// ---- signed strings ----

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (what Rails' `MessageVerifier` emits).
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for (i, shift) in [18u32, 12, 6, 0].iter().enumerate() {
            if i <= chunk.len() {
                out.push(char::from(BASE64[((n >> shift) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

pub fn sha256_hex(parts: &[&[u8]]) -> String {
    let mut h = Sha256::new();
    for p in parts {
        h.update(p);
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Ruby Marshal's long form of a number: the count of its little-endian bytes without
/// the high zero ones, then those bytes.
fn marshal_bytes(out: &mut Vec<u8>, le: &[u8]) {
    let len = le.iter().rposition(|b| *b != 0).map_or(0, |i| i + 1);
    out.push(len as u8);
    out.extend(&le[..len]);
}

/// Ruby Marshal's length/integer prefix for small non-negative numbers.
fn marshal_long(out: &mut Vec<u8>, n: usize) {
    match n {
        0 => out.push(0),
        1..=122 => out.push((n + 5) as u8),
        _ => marshal_bytes(out, &n.to_le_bytes()),
    }
}

/// A marshalled UTF-8 string; the first one in a stream defines the `:E` symbol, later
/// ones link to it.
fn marshal_str(out: &mut Vec<u8>, s: &str, first: bool) {
    out.extend(b"I\"");
    marshal_long(out, s.len());
    out.extend(s.as_bytes());
    if first {
        out.extend(b"\x06:\x06ET");
    } else {
        out.extend(b"\x06;\x00T");
    }
}

/// `base64(payload)--signature`, the shape of every signed id Basecamp hands out.
fn signed(payload: &[u8], secret: &str) -> String {
    let sig = sha256_hex(&[payload, secret.as_bytes()]);
    format!("{}--{}", base64(payload), &sig[..40])
}

/// A signed global id (`attachable_sgid`, bookmark keys): `{"_rails":{"data":
/// "gid://bc3/Model/ID?expires_in","pur":purpose}}` marshalled, then signed.
pub fn signed_gid(model: &str, id: i64, purpose: &str, secret: &str) -> String {
    let mut p = vec![4u8, 8, b'{', 6];
    marshal_str(&mut p, "_rails", true);
    p.extend([b'{', 7]);
    marshal_str(&mut p, "data", false);
    marshal_str(&mut p, &format!("gid://bc3/{model}/{id}?expires_in"), false);
    marshal_str(&mut p, "pur", false);
    marshal_str(&mut p, purpose, false);
    signed(&p, secret)
}

/// The signed person key inside avatar URLs (`BAhpBMlkkT4=--5fe7…`): a marshalled integer.
pub fn signed_int(id: i64, secret: &str) -> String {
    let mut p = vec![4u8, 8, b'i'];
    marshal_bytes(&mut p, &id.to_le_bytes());
    signed(&p, secret)
}

/// An OAuth token shaped like Launchpad's (`BAhbB0kiAbB7ImNsaWVudF9pZCI6…`): a marshalled
/// pair of the grant's JSON and a nonce, signed. Only the server's table makes it valid.
pub fn launchpad_token(claims: &serde_json::Value, secret: &str) -> String {
    let mut p = vec![4u8, 8, b'[', 7];
    marshal_str(&mut p, &claims.to_string(), true);
    marshal_str(&mut p, &random_hex(16), false);
    signed(&p, secret)
}

pub fn random_hex(bytes: usize) -> String {
    let mut out = String::with_capacity(bytes * 2);
    while out.len() < bytes * 2 {
        out.push_str(&format!("{:032x}", rand::random::<u128>()));
    }
    out.truncate(bytes * 2);
    out
}

// ---- HTML ----

pub use connector_core::text::escape_html;

fn decode_entities(s: &str) -> String {
    s.replace("&nbsp;", " ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Rich text as plain text, the way the rich text guide says to derive it: line breaks for
/// `<br>` (and block ends), tags stripped, entities decoded, blank runs collapsed.
pub fn plain_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find('<') {
        out.push_str(&rest[..start]);
        let Some(end) = rest[start..].find('>') else {
            out.push_str(&rest[start..]);
            rest = "";
            break;
        };
        let tag = rest[start + 1..start + end].trim().to_ascii_lowercase();
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
            .collect();
        let closing = tag.starts_with('/');
        let breaks = name == "br"
            || (closing && ["div", "p", "li", "h1", "blockquote", "pre"].contains(&name.as_str()));
        if breaks {
            out.push('\n');
        } else if name == "li" {
            out.push_str("• ");
        }
        rest = &rest[start + end + 1..];
    }
    out.push_str(rest);
    let decoded = decode_entities(&out);
    let mut lines: Vec<&str> = Vec::new();
    for line in decoded.lines().map(str::trim) {
        if line.is_empty() && lines.last().is_none_or(|l| l.is_empty()) {
            continue;
        }
        lines.push(line);
    }
    while lines.last().is_some_and(|l| l.is_empty()) {
        lines.pop();
    }
    lines.join("\n")
}

/// The value of `attr="…"` inside one tag's text.
pub fn attr<'a>(tag: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}=\"");
    let mut from = 0;
    while let Some(pos) = tag[from..].find(&key) {
        let at = from + pos;
        // Only a whole attribute name: `sgid="` must not match inside `data-sgid="`.
        let ok = at == 0 || tag.as_bytes()[at - 1].is_ascii_whitespace();
        let start = at + key.len();
        if ok {
            let len = tag[start..].find('"')?;
            return Some(&tag[start..start + len]);
        }
        from = start;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marshalled_numbers_drop_their_high_zero_bytes() {
        let mut out = Vec::new();
        marshal_long(&mut out, 300);
        assert_eq!(out, [2, 0x2c, 0x01]);
        let mut out = Vec::new();
        marshal_bytes(&mut out, &0i64.to_le_bytes());
        assert_eq!(out, [0]);
    }

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }

    #[test]
    fn sgids_look_like_the_docs() {
        // The docs' sgid for person 1049715913 starts with exactly these bytes.
        let sgid = signed_gid("Person", 1_049_715_913, "attachable", "k");
        assert!(
            sgid.starts_with(
                "BAh7BkkiC19yYWlscwY6BkVUewdJIglkYXRhBjsAVEkiK2dpZDovL2JjMy9QZXJzb24vMTA0OTcxNTkxMz9leHBpcmVzX2luBjsAVEkiCHB1cgY7AFRJIg9hdHRhY2hhYmxlBjsAVA==--"
            ),
            "{sgid}"
        );
        assert!(signed_int(1_049_715_913, "k").starts_with("BAhpBMlkkT4=--"));
    }

    #[test]
    fn plain_text_follows_the_rich_text_guide() {
        let html =
            "<div><strong>Hi</strong> &amp; welcome<br>line two</div><ul><li>a</li><li>b</li></ul>";
        assert_eq!(plain_text(html), "Hi & welcome\nline two\n• a\n• b");
    }

    #[test]
    fn attributes_by_whole_name() {
        let tag = r#"<bc-attachment data-sgid="x" sgid="y" content-type="image/png">"#;
        assert_eq!(attr(tag, "sgid"), Some("y"));
        assert_eq!(attr(tag, "content-type"), Some("image/png"));
        assert_eq!(attr(tag, "url"), None);
    }
}
