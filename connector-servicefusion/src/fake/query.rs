//! List and view handling, in one place: the query parameters (`page`, `per-page`,
//! `sort`, `fields`, `expand`, `filters[..]`), the [`Resource`] contract every record
//! kind fulfils, and the rendering of one object or of a page of them in the list
//! envelope with its `X-Pagination-*` headers.

use std::{cmp::Ordering, collections::BTreeMap};

use axum::http::HeaderName;
use serde_json::{Map, Value, json};

use super::{format::php_int, model::Store, reply::Reply};

/// The documented page sizes: default 10, clamped into 1..=50.
const DEFAULT_PER_PAGE: i64 = 10;
const MAX_PER_PAGE: i64 = 50;

/// What list and view handling needs from one kind of record.
pub trait Resource {
    /// The top-level fields, in print order: what `fields` selects from and `sort` accepts.
    const FIELDS: &'static [&'static str];
    /// The `_expandable` paths; an object lists those it does not expand.
    const EXPANDABLE: &'static [&'static str] = &[];

    fn id(&self) -> i64;

    /// One top-level field; `None` for a name that is not one of [`Self::FIELDS`].
    fn field(&self, name: &str, store: &Store) -> Option<Value>;

    /// An expanded key (the first segment of an [`Self::EXPANDABLE`] path) with the
    /// expansions asked below it.
    fn expansion(&self, _key: &str, _nested: &Expand, _store: &Store) -> Option<Value> {
        None
    }
}

/// How many names `parts` hold together: the length of their [`concat`].
pub const fn total_len(parts: &[&[&str]]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        n += parts[i].len();
        i += 1;
    }
    n
}

/// The names of `parts` one after the other, for a field list put together from lists
/// another resource shares (`N` is their [`total_len`]).
pub const fn concat<const N: usize>(parts: &[&[&'static str]]) -> [&'static str; N] {
    let mut out = [""; N];
    let mut n = 0;
    let mut i = 0;
    while i < parts.len() {
        let mut j = 0;
        while j < parts[i].len() {
            out[n] = parts[i][j];
            n += 1;
            j += 1;
        }
        i += 1;
    }
    out
}

/// The decoded query string, in order.
#[derive(Debug, Default)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = raw
            .map(|q| {
                url::form_urlencoded::parse(q.as_bytes())
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect()
            })
            .unwrap_or_default();
        Self { pairs }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn has(&self, key: &str) -> bool {
        self.get(key).is_some()
    }

    /// `a=b&c=d` with every value decoded: how the request log shows a query.
    pub fn decoded(&self) -> String {
        self.pairs
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("&")
    }

    /// The `filters[name]`, `filters[name][gte]` and `filters[name][lte]` parameters.
    pub fn filters(&self) -> BTreeMap<String, FilterParam> {
        let mut out: BTreeMap<String, FilterParam> = BTreeMap::new();
        for (k, v) in &self.pairs {
            let Some(rest) = k.strip_prefix("filters[") else {
                continue;
            };
            let Some((name, tail)) = rest.split_once(']') else {
                continue;
            };
            let entry = out.entry(name.to_owned()).or_default();
            match tail {
                "" => entry.value = Some(v.clone()),
                "[gte]" => entry.gte = Some(v.clone()),
                "[lte]" => entry.lte = Some(v.clone()),
                _ => {}
            }
        }
        out
    }
}

/// One filter as sent: a plain value and/or range bounds.
#[derive(Debug, Default, Clone)]
pub struct FilterParam {
    pub value: Option<String>,
    pub gte: Option<String>,
    pub lte: Option<String>,
}

/// The requested expansions: dotted paths, `contacts.phones` implying `contacts`.
#[derive(Debug, Default, Clone)]
pub struct Expand {
    paths: Vec<String>,
}

impl Expand {
    pub fn parse(raw: Option<&str>) -> Self {
        Self {
            paths: split_list(raw.unwrap_or("")),
        }
    }

    /// Every path of a resource: how [`super::FakeServiceFusion::record`] shows a record.
    pub fn all(expandable: &[&str]) -> Self {
        Self {
            paths: expandable.iter().map(|p| (*p).to_owned()).collect(),
        }
    }

    /// `Some(expansions below key)` when `key` is expanded, directly or through a path
    /// below it.
    pub fn child(&self, key: &str) -> Option<Expand> {
        let mut expanded = false;
        let mut below = Vec::new();
        for p in &self.paths {
            if p == key {
                expanded = true;
            } else if let Some(rest) = p.strip_prefix(key).and_then(|r| r.strip_prefix('.')) {
                expanded = true;
                below.push(rest.to_owned());
            }
        }
        expanded.then_some(Expand { paths: below })
    }

    pub fn has(&self, key: &str) -> bool {
        self.child(key).is_some()
    }

    /// The `_expandable` list: the paths of `expandable` this request did not expand.
    pub fn not_expanded(&self, expandable: &[&str]) -> Value {
        expandable
            .iter()
            .filter(|p| {
                !self
                    .paths
                    .iter()
                    .any(|q| q == *p || q.starts_with(&format!("{p}.")))
            })
            .map(|p| Value::from(*p))
            .collect()
    }
}

/// How one object is shown: which fields, which expansions.
#[derive(Debug, Default, Clone)]
pub struct View {
    fields: Option<Vec<String>>,
    pub expand: Expand,
}

impl View {
    pub fn from_params(p: &Params) -> Self {
        Self {
            fields: p.get("fields").map(split_list).filter(|f| !f.is_empty()),
            expand: Expand::parse(p.get("expand")),
        }
    }

    pub fn full<R: Resource>() -> Self {
        Self {
            fields: None,
            expand: Expand::all(R::EXPANDABLE),
        }
    }

    fn keeps(&self, field: &str) -> bool {
        field == "id"
            || self
                .fields
                .as_ref()
                .is_none_or(|f| f.iter().any(|x| x == field))
    }
}

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The expandable keys (first path segments), each once, in order.
fn roots(expandable: &[&'static str]) -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for p in expandable {
        let root = p.split('.').next().unwrap_or(p);
        if !out.contains(&root) {
            out.push(root);
        }
    }
    out
}

/// One object as the API prints it, with its `_expandable`.
pub fn render<R: Resource>(record: &R, store: &Store, view: &View) -> Value {
    let mut m = Map::new();
    for f in R::FIELDS {
        if view.keeps(f)
            && let Some(v) = record.field(f, store)
        {
            m.insert((*f).to_owned(), v);
        }
    }
    for key in roots(R::EXPANDABLE) {
        if let Some(nested) = view.expand.child(key)
            && let Some(v) = record.expansion(key, &nested, store)
        {
            m.insert(key.to_owned(), v);
        }
    }
    m.insert(
        "_expandable".to_owned(),
        view.expand.not_expanded(R::EXPANDABLE),
    );
    Value::Object(m)
}

/// An object inside another (a job's equipment or invoices): no `_expandable` of its own.
pub fn render_nested<R: Resource>(record: &R, store: &Store, expand: &Expand) -> Value {
    let view = View {
        fields: None,
        expand: expand.clone(),
    };
    let mut v = render(record, store, &view);
    if let Some(m) = v.as_object_mut() {
        m.remove("_expandable");
    }
    v
}

/// A sort key as MySQL orders a column: NULL first, then by value; text without case.
#[derive(Debug, PartialEq, PartialOrd)]
enum Key {
    Null,
    Number(f64),
    Text(String),
    Other,
}

fn key(v: Option<Value>) -> Key {
    match v {
        None | Some(Value::Null) => Key::Null,
        Some(Value::Bool(b)) => Key::Number(if b { 1.0 } else { 0.0 }),
        Some(Value::Number(n)) => Key::Number(n.as_f64().unwrap_or(0.0)),
        Some(Value::String(s)) => Key::Text(s.to_lowercase()),
        Some(_) => Key::Other,
    }
}

/// `sort=a,-b`: attributes that are fields of `R`, with `true` for descending.
fn sort_spec<R: Resource>(raw: &str) -> Vec<(&'static str, bool)> {
    split_list(raw)
        .iter()
        .filter_map(|s| {
            let (name, desc) = match s.strip_prefix('-') {
                Some(n) => (n, true),
                None => (s.as_str(), false),
            };
            R::FIELDS.iter().find(|f| **f == name).map(|f| (*f, desc))
        })
        .collect()
}

fn sort<R: Resource>(records: &mut Vec<&R>, store: &Store, raw: Option<&str>) {
    let spec = sort_spec::<R>(raw.unwrap_or("id"));
    if spec.is_empty() || spec == [("id", false)] {
        records.sort_by_key(|r| r.id());
        return;
    }
    let mut keyed: Vec<(Vec<Key>, &R)> = records
        .iter()
        .map(|r| {
            let keys = spec.iter().map(|(f, _)| key(r.field(f, store))).collect();
            (keys, *r)
        })
        .collect();
    keyed.sort_by(|(ka, a), (kb, b)| {
        for ((x, y), (_, desc)) in ka.iter().zip(kb).zip(&spec) {
            let o = x.partial_cmp(y).unwrap_or(Ordering::Equal);
            let o = if *desc { o.reverse() } else { o };
            if o != Ordering::Equal {
                return o;
            }
        }
        a.id().cmp(&b.id())
    });
    *records = keyed.into_iter().map(|(_, r)| r).collect();
}

/// One page of `records` (already filtered) in the list envelope, sorted, paged and
/// shown as the parameters ask.
pub fn list<R: Resource>(mut records: Vec<&R>, store: &Store, params: &Params) -> Reply {
    sort(&mut records, store, params.get("sort"));
    let view = View::from_params(params);
    let total = records.len() as i64;
    let per_page = params
        .get("per-page")
        .map_or(DEFAULT_PER_PAGE, php_int)
        .clamp(1, MAX_PER_PAGE);
    let page_count = (total + per_page - 1) / per_page;
    let page_index = (params.get("page").map_or(1, php_int) - 1).clamp(0, (page_count - 1).max(0));
    let items: Vec<Value> = records
        .iter()
        .skip((page_index * per_page) as usize)
        .take(per_page as usize)
        .map(|r| render(*r, store, &view))
        .collect();
    let current = page_index + 1;
    let body = json!({
        "items": items,
        "_expandable": view.expand.not_expanded(R::EXPANDABLE),
        "_meta": {
            "totalCount": total,
            "pageCount": page_count,
            "currentPage": current,
            "perPage": per_page,
        },
    });
    let mut reply = Reply::ok(body);
    for (name, value) in [
        ("x-pagination-total-count", total),
        ("x-pagination-page-count", page_count),
        ("x-pagination-current-page", current),
        ("x-pagination-per-page", per_page),
    ] {
        reply
            .headers
            .push((HeaderName::from_static(name), value.to_string()));
    }
    reply
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dotted_expansions_imply_their_parent() {
        let e = Expand::parse(Some("contacts.phones,locations"));
        let c = e.child("contacts");
        assert!(
            c.as_ref()
                .is_some_and(|c| c.has("phones") && !c.has("emails"))
        );
        assert!(e.has("locations") && !e.has("custom_fields"));
        assert_eq!(
            e.not_expanded(&[
                "contacts",
                "contacts.phones",
                "contacts.emails",
                "locations",
                "custom_fields"
            ]),
            json!(["contacts.emails", "custom_fields"])
        );
    }

    #[test]
    fn filters_are_grouped_by_name() {
        let p = Params::parse(Some(
            "filters%5Bname%5D=Smith&filters[start_date][gte]=2024-01-01&filters[start_date][lte]=2024-02-01&other=1",
        ));
        let f = p.filters();
        assert_eq!(f["name"].value.as_deref(), Some("Smith"));
        assert_eq!(f["start_date"].gte.as_deref(), Some("2024-01-01"));
        assert_eq!(f["start_date"].lte.as_deref(), Some("2024-02-01"));
        assert_eq!(f.len(), 2);
    }

    #[test]
    fn field_lists_concatenate_in_order() {
        const PARTS: &[&[&str]] = &[&["id", "number"], &[], &["total"]];
        assert_eq!(
            concat::<{ total_len(PARTS) }>(PARTS),
            ["id", "number", "total"]
        );
    }

    #[test]
    fn nulls_sort_first() {
        assert!(key(None) < key(Some(json!(1))));
        assert!(key(Some(json!(2))) < key(Some(json!("a"))));
        assert!(key(Some(json!("B"))) > key(Some(json!("a"))));
    }
}
