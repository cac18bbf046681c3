//! Basecamp rich text as the API serves it: `<bc-attachment>` mentions and files rendered
//! in full (avatar images, figure captions, preview URLs), the expansion of the bare
//! `<bc-attachment sgid="…"></bc-attachment>` a client writes, and the structured
//! `*_attachments` metadata that accompanies every rich text field.

use serde_json::{Value, json};

use super::{
    model::{Attachment, Person, Store},
    render,
    util::{attr, escape_html},
};

/// A mention as the API renders it.
pub fn mention(store: &Store, person: &Person) -> String {
    let sgid = render::person_sgid(store, person.id);
    let avatar = render::avatar_url(store, person.id);
    format!(
        "<bc-attachment sgid=\"{sgid}\" content-type=\"application/vnd.basecamp.mention\">\
         <figure><img srcset=\"{avatar} 2x\" src=\"{avatar}\" class=\"avatar\" width=\"20\" height=\"20\" alt=\"{name}\">\
         <figcaption>{first}</figcaption></figure></bc-attachment>",
        name = escape_html(&person.name),
        first = escape_html(person.first_name()),
    )
}

fn preview_url(store: &Store, att: &Attachment) -> String {
    format!("{}/blobs/{}/previews/full", store.urls.api, att.key)
}

fn download_url(store: &Store, att: &Attachment) -> String {
    format!(
        "{}/blobs/{}/download/{}",
        store.urls.api,
        att.key,
        url::form_urlencoded::byte_serialize(att.file.filename.as_bytes()).collect::<String>()
    )
}

/// A file or image attachment as the API renders it.
pub fn attachment(store: &Store, att: &Attachment, caption: Option<&str>) -> String {
    let f = &att.file;
    let preview = preview_url(store, att);
    let href = download_url(store, att);
    let name = escape_html(&f.filename);
    let caption_attr = caption.map_or(String::new(), |c| {
        format!(" caption=\"{}\"", escape_html(c))
    });
    let figcaption = escape_html(caption.unwrap_or(&f.filename));
    if f.content_type.starts_with("image/") {
        format!(
            "<bc-attachment sgid=\"{sgid}\" content-type=\"{ct}\" width=\"{w}\" height=\"{h}\" url=\"{preview}\" \
             href=\"{href}\" filename=\"{name}\" filesize=\"{size}\"{caption_attr}><figure>\
             <img srcset=\"{preview} 2x\" src=\"{preview}\" width=\"{w}\" height=\"{h}\">\
             <figcaption>{figcaption}</figcaption></figure></bc-attachment>",
            sgid = att.sgid,
            ct = f.content_type,
            w = f.width.unwrap_or(0),
            h = f.height.unwrap_or(0),
            size = f.byte_size,
        )
    } else {
        format!(
            "<bc-attachment sgid=\"{sgid}\" content-type=\"{ct}\" url=\"{href}\" href=\"{href}\" \
             filename=\"{name}\" filesize=\"{size}\"{caption_attr}><figure>\
             <a href=\"{href}\">{name}</a><figcaption>{figcaption}</figcaption></figure></bc-attachment>",
            sgid = att.sgid,
            ct = f.content_type,
            size = f.byte_size,
        )
    }
}

/// Expands the bare attachments a client submits (`<bc-attachment sgid="…"></bc-attachment>`)
/// into the rendered form, as Basecamp does on save. Unknown sgids are left as sent.
pub fn expand(store: &Store, html: &str) -> String {
    const OPEN: &str = "<bc-attachment";
    const CLOSE: &str = "</bc-attachment>";
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(start) = rest.find(OPEN) {
        out.push_str(&rest[..start]);
        let tail = &rest[start..];
        let (Some(tag_end), Some(close)) = (tail.find('>'), tail.find(CLOSE)) else {
            out.push_str(tail);
            return out;
        };
        let tag = &tail[..=tag_end];
        let inner = tail[tag_end + 1..close.max(tag_end + 1)].trim();
        let whole = &tail[..close + CLOSE.len()];
        let caption = attr(tag, "caption");
        let expanded = match attr(tag, "sgid") {
            Some(sgid) if inner.is_empty() => store
                .person_by_sgid(sgid)
                .map(|p| mention(store, p))
                .or_else(|| {
                    store
                        .attachments
                        .get(sgid)
                        .map(|a| attachment(store, a, caption))
                }),
            _ => None,
        };
        out.push_str(expanded.as_deref().unwrap_or(whole));
        rest = &tail[close + CLOSE.len()..];
    }
    out.push_str(rest);
    out
}

/// The `content_attachments`/`description_attachments` array: every downloadable file
/// embedded in the HTML (mentions excluded), always present even when empty.
pub fn attachments_of(store: &Store, html: Option<&str>) -> Value {
    let mut out = Vec::new();
    let mut rest = html.unwrap_or("");
    while let Some(start) = rest.find("<bc-attachment") {
        let tail = &rest[start..];
        let end = tail.find('>').unwrap_or(tail.len() - 1);
        if let Some(att) = attr(&tail[..=end], "sgid").and_then(|s| store.attachments.get(s)) {
            let image = att.file.content_type.starts_with("image/");
            out.push(json!({
                "id": att.id,
                "sgid": att.sgid,
                "filename": att.file.filename,
                "content_type": att.file.content_type,
                "byte_size": att.file.byte_size,
                "download_url": download_url(store, att),
                "width": att.file.width,
                "height": att.file.height,
                "previewable": image,
                "preview_url": image.then(|| preview_url(store, att)),
                "thumbnail_url": image.then(|| format!("{}/blobs/{}/previews/thumbnail", store.urls.api, att.key)),
            }));
        }
        rest = &tail[end + 1..];
    }
    Value::Array(out)
}
