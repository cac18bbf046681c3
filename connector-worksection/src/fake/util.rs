//! Small formats the fake needs without a date or HTML crate: Worksection's date and time
//! notations, money and durations, HTML ⇄ plain text for descriptions, and tiny but valid
//! file contents (PNG, PDF) for the seeded attachments.

use std::time::{SystemTime, UNIX_EPOCH};

/// Seconds since the epoch; the account's "local" time is UTC in the fake (Worksection
/// prints account-local times without a zone, so any fixed zone is faithful).
pub fn now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

pub const DAY: i64 = 86_400;

/// Days since 1970-01-01 of a civil date (proleptic Gregorian), after H. Hinnant.
pub fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date of a day number.
pub fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

fn days_in_month(y: i64, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// `YYYY-MM-DD`: how the API prints `date_start`, `date_end` and cost dates.
pub fn fmt_date(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `YYYY-MM-DD HH:MM`: how the API prints `date_added` and `date_closed`.
pub fn fmt_datetime(ts: i64) -> String {
    let day = ts.div_euclid(DAY);
    let secs = ts.rem_euclid(DAY);
    format!(
        "{} {:02}:{:02}",
        fmt_date(day),
        secs / 3600,
        secs % 3600 / 60
    )
}

/// Parses the API's input date notation `DD.MM.YYYY` (and nothing else: the docs use
/// only this form, and ISO dates in third-party examples are probably refused).
pub fn parse_input_date(s: &str) -> Option<i64> {
    let mut parts = s.trim().split('.');
    let (d, m, y) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || d.len() != 2 || m.len() != 2 || y.len() != 4 {
        return None;
    }
    let all_digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    if !(all_digits(d) && all_digits(m) && all_digits(y)) {
        return None;
    }
    let (d, m, y): (u32, u32, i64) = (d.parse().ok()?, m.parse().ok()?, y.parse().ok()?);
    if !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Minutes as the API prints cost durations: `h:mm` (`"6:50"`, `"103:39"`).
pub fn fmt_minutes(minutes: i64) -> String {
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

/// Seconds as `HH:MM:SS`, the running time of a timer in `get_timers`.
pub fn fmt_hms(secs: i64) -> String {
    let secs = secs.max(0);
    format!(
        "{:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// Money in cents as the API prints it: a string with two decimals.
pub fn fmt_money(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let c = cents.abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// A cost's time as the API accepts it: decimal hours with `.` or `,` (`1.5`, `0,15`) or
/// `h:mm` (`0:09`). Returns minutes, rounded to the nearest minute.
pub fn parse_cost_time(s: &str) -> Option<i64> {
    let s = s.trim();
    if let Some((h, m)) = s.split_once(':') {
        let h: i64 = h.trim().parse().ok()?;
        let m: i64 = m.trim().parse().ok()?;
        if h < 0 || !(0..60).contains(&m) {
            return None;
        }
        return Some(h * 60 + m);
    }
    let hours: f64 = s.replace(',', ".").parse().ok()?;
    if !hours.is_finite() || hours < 0.0 {
        return None;
    }
    Some((hours * 60.0).round() as i64)
}

/// Money as the API accepts it (`"75.17"`, `"12,5"`, `"100"`), in cents.
pub fn parse_money(s: &str) -> Option<i64> {
    let v: f64 = s.trim().replace(',', ".").parse().ok()?;
    if !v.is_finite() {
        return None;
    }
    Some((v * 100.0).round() as i64)
}

/// A number for `max_time`/`max_money`, printed as an integer when it is one (the
/// examples show `1200`, `352`), else as a float.
pub fn number_value(v: f64) -> serde_json::Value {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        serde_json::Value::from(v as i64)
    } else {
        serde_json::Value::from(v)
    }
}

/// Percent-decodes a query string; `plus_is_space` as in HTML forms (PHP decodes `+`
/// to a space in `$_GET`).
pub fn percent_decode(s: &str, plus_is_space: bool) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 3;
                        continue;
                    }
                    _ => out.push(b'%'),
                }
            }
            b'+' if plus_is_space => out.push(b' '),
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

// ---- HTML and plain text ----

pub use connector_core::text::escape_html;

/// A description as sent by a client, stored as HTML. Worksection keeps descriptions as
/// HTML; a value without tags is plain text (escaped, newlines as `<br>`), anything with
/// a tag is taken as HTML unchanged.
pub fn input_to_html(s: &str) -> String {
    let looks_like_html = s.contains('<') && s.contains('>');
    if looks_like_html {
        return s.to_owned();
    }
    escape_html(s)
        .replace("\r\n", "\n")
        .split('\n')
        .collect::<Vec<_>>()
        .join("<br>")
}

/// A checklist (`todo[]`) as HTML, appended to a description.
pub fn checklist_html(items: &[String]) -> String {
    let mut out = String::from("<ul>");
    for i in items {
        out.push_str("<li>");
        out.push_str(&escape_html(i));
        out.push_str("</li>");
    }
    out.push_str("</ul>");
    out
}

fn decode_entity(name: &str) -> Option<char> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix(['x', 'X']) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code);
    }
    Some(match name {
        "amp" => '&',
        "lt" => '<',
        "gt" => '>',
        "quot" => '"',
        "apos" => '\'',
        "nbsp" => ' ',
        "mdash" => '—',
        "ndash" => '–',
        "hellip" => '…',
        "laquo" => '«',
        "raquo" => '»',
        "copy" => '©',
        "reg" => '®',
        "trade" => '™',
        "euro" => '€',
        "bull" => '•',
        "rarr" => '→',
        "lsquo" => '‘',
        "rsquo" => '’',
        "ldquo" => '“',
        "rdquo" => '”',
        _ => return None,
    })
}

/// HTML as `extra=text` returns it: tags removed, entities decoded, blocks and `<br>` as
/// `\r\n` (the API's line ending) and list items as `• ` bullets, as in the official
/// post_task example. A link keeps its address after the text, since an agent reading
/// plain text would otherwise lose it (our choice: the real rendering is unknown).
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut links: Vec<(String, usize)> = Vec::new();
    let mut pending_space = false;
    let mut rest = html;
    let newline = |out: &mut String| {
        while out.ends_with(' ') {
            out.pop();
        }
        if !out.is_empty() && !out.ends_with('\n') {
            out.push_str("\r\n");
        }
    };
    while let Some(c) = rest.chars().next() {
        if c == '<' {
            let Some(end) = rest.find('>') else {
                break;
            };
            let tag = &rest[1..end];
            rest = &rest[end + 1..];
            let closing = tag.starts_with('/');
            let body = tag.trim_start_matches('/');
            let name: String = body
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric())
                .collect::<String>()
                .to_ascii_lowercase();
            match name.as_str() {
                "br" => {
                    while out.ends_with(' ') {
                        out.pop();
                    }
                    out.push_str("\r\n");
                    pending_space = false;
                }
                "p" | "div" | "ul" | "ol" | "tr" | "table" | "blockquote" | "pre" | "h1" | "h2"
                | "h3" | "h4" | "h5" | "h6" => {
                    newline(&mut out);
                    pending_space = false;
                }
                "li" if !closing => {
                    newline(&mut out);
                    out.push_str("• ");
                    pending_space = false;
                }
                "td" | "th" if closing => pending_space = true,
                "a" if !closing => {
                    let href = body
                        .split_once("href=")
                        .map(|(_, v)| {
                            let v = v.trim_start();
                            let q = v.chars().next().unwrap_or(' ');
                            if q == '"' || q == '\'' {
                                v[1..].split(q).next().unwrap_or("").to_owned()
                            } else {
                                v.split_whitespace().next().unwrap_or("").to_owned()
                            }
                        })
                        .unwrap_or_default();
                    links.push((href, out.len()));
                }
                "a" => {
                    if let Some((href, start)) = links.pop() {
                        let text = out.get(start..).unwrap_or("").trim().to_owned();
                        if !href.is_empty() && text != href {
                            out.push_str(&format!(" ({href})"));
                        }
                    }
                }
                _ => {}
            }
            continue;
        }
        if c == '&'
            && let Some(semi) = rest[1..].find(';').filter(|&i| i <= 10)
            && let Some(ch) = decode_entity(&rest[1..semi + 1])
        {
            if pending_space && !out.is_empty() && !out.ends_with('\n') {
                out.push(' ');
            }
            pending_space = false;
            out.push(ch);
            rest = &rest[semi + 2..];
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() && !out.ends_with('\n') && !out.ends_with(' ') {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
        rest = &rest[c.len_utf8()..];
    }
    let trimmed = out.trim_end();
    let mut text = trimmed.trim_start_matches(['\r', '\n']).to_owned();
    // Collapse runs of empty lines the way a rendered page shows them: at most one.
    while text.contains("\r\n\r\n\r\n") {
        text = text.replace("\r\n\r\n\r\n", "\r\n\r\n");
    }
    text
}

/// Cuts a text field to the API's limit: longer values are silently truncated.
pub fn truncate_text(s: &str) -> String {
    const LIMIT: usize = 65_536;
    match s.char_indices().nth(LIMIT) {
        Some((i, _)) => s[..i].to_owned(),
        None => s.to_owned(),
    }
}

// ---- file contents ----

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65_521;
        b = (b + a) % 65_521;
    }
    (b << 16) | a
}

fn png_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let mut body = Vec::with_capacity(4 + data.len());
    body.extend_from_slice(kind);
    body.extend_from_slice(data);
    out.extend_from_slice(&body);
    out.extend_from_slice(&crc32(&body).to_be_bytes());
}

/// A real 8×8 RGB PNG (a colour gradient): signature, IHDR, one stored-deflate IDAT, IEND.
pub fn png_8x8() -> Vec<u8> {
    const SIDE: u32 = 8;
    let mut raw = Vec::new();
    for y in 0..SIDE {
        raw.push(0); // filter type: none
        for x in 0..SIDE {
            raw.extend_from_slice(&[(x * 32) as u8, (y * 32) as u8, 160]);
        }
    }
    let mut zlib = vec![0x78, 0x01, 0x01];
    let len = raw.len() as u16;
    zlib.extend_from_slice(&len.to_le_bytes());
    zlib.extend_from_slice(&(!len).to_le_bytes());
    zlib.extend_from_slice(&raw);
    zlib.extend_from_slice(&adler32(&raw).to_be_bytes());

    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&SIDE.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);

    let mut png = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    png_chunk(&mut png, b"IHDR", &ihdr);
    png_chunk(&mut png, b"IDAT", &zlib);
    png_chunk(&mut png, b"IEND", &[]);
    png
}

/// A small PDF-like binary: a PDF header with the customary high-byte comment line, so it
/// is not valid UTF-8 and exercises binary downloads.
pub fn pdf_like() -> Vec<u8> {
    let mut out = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    out.extend_from_slice(
        b"1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n\
          2 0 obj\n<< /Type /Pages /Kids [3 0 R] /Count 1 >>\nendobj\n\
          3 0 obj\n<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] >>\nendobj\n",
    );
    out.extend((0u8..=255).rev());
    out.extend_from_slice(b"\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n");
    out
}

/// The MIME type a download is served with, by file extension.
pub fn content_type(name: &str) -> &'static str {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "pdf" => "application/pdf",
        "json" => "application/json",
        "docx" => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip() {
        let d = days_from_civil(2021, 1, 7);
        assert_eq!(fmt_date(d), "2021-01-07");
        assert_eq!(civil_from_days(d), (2021, 1, 7));
        assert_eq!(parse_input_date("07.01.2021"), Some(d));
        assert_eq!(parse_input_date("29.02.2021"), None);
        assert_eq!(parse_input_date("2021-01-07"), None);
        assert_eq!(
            fmt_datetime(d * DAY + 10 * 3600 + 5 * 60),
            "2021-01-07 10:05"
        );
    }

    #[test]
    fn cost_times() {
        assert_eq!(parse_cost_time("1,5"), Some(90));
        assert_eq!(parse_cost_time("0.15"), Some(9));
        assert_eq!(parse_cost_time("2:15"), Some(135));
        assert_eq!(parse_cost_time("x"), None);
        assert_eq!(fmt_minutes(410), "6:50");
        assert_eq!(fmt_money(7517), "75.17");
        assert_eq!(fmt_hms(673), "00:11:13");
    }

    #[test]
    fn html_becomes_text_with_crlf_bullets() {
        let html = format!(
            "Take previous prototype as an example{}",
            checklist_html(&[
                "draft".into(),
                "first version".into(),
                "final result".into()
            ])
        );
        assert_eq!(
            html_to_text(&html),
            "Take previous prototype as an example\r\n• draft\r\n• first version\r\n• final result"
        );
        assert_eq!(
            html_to_text("<p>A &amp; B</p><p>see <a href=\"https://x.io\">docs</a></p>"),
            "A & B\r\nsee docs (https://x.io)"
        );
        assert_eq!(input_to_html("a & b\nc"), "a &amp; b<br>c");
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("a=b%20c+d", true), "a=b c d");
        assert_eq!(percent_decode("a=b%20c+d", false), "a=b c+d");
        assert_eq!(percent_decode("x=%D0%AF%", true), "x=Я%");
    }

    #[test]
    fn png_is_well_formed() {
        let png = png_8x8();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(&png[12..16], b"IHDR");
        assert!(png.ends_with(&[0xAE, 0x42, 0x60, 0x82]));
    }
}
