//! The few server-rendered pages (connect links, sign-in, consent): one look, escaped
//! text, and headers that keep them out of caches, referrers and frames.

use axum::{
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{Html, IntoResponse, Response},
};

/// Text made safe for HTML content and attribute values.
pub use connector_core::text::escape_html as escape;

/// No caching, no referrer, no framing, no sniffing, no scripts.
pub fn harden(mut resp: Response) -> Response {
    let h = resp.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    h.insert("x-frame-options", HeaderValue::from_static("DENY"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        ),
    );
    h.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    resp
}

/// A page with `title` and `body_html` (already escaped where it holds text).
pub fn page(status: StatusCode, title: &str, body_html: &str) -> Response {
    let html = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{t}</title>\
         <style>body{{font-family:system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem;line-height:1.5;color:#1d1d1f}}\
         label{{display:block;margin-top:1rem}}input[type=email],input[type=text],input[type=password]{{width:100%;padding:.5rem;font-size:1rem}}\
         button,.button{{display:inline-block;margin-top:1.2rem;margin-right:.6rem;padding:.55rem 1.1rem;font-size:1rem}}.muted{{color:#666;font-size:.9rem}}\
         .error{{color:#b00020}}code{{background:#f3f3f3;padding:0 .2rem}}ul{{padding-left:1.2rem}}</style>\
         </head><body><h1>{t}</h1>{body_html}</body></html>",
        t = escape(title)
    );
    harden((status, Html(html)).into_response())
}

/// The value of cookie `name` in a request's headers.
pub fn cookie<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_cookies_found() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; sb_session=xyz; b=2"),
        );
        assert_eq!(cookie(&h, "sb_session"), Some("xyz"));
        assert_eq!(cookie(&h, "missing"), None);
    }
}
