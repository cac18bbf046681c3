//! Response shaping: every result fits a character budget, lists page with an opaque
//! cursor even where the upstream returns everything at once, and a shortened result
//! always says so. JSON is never cut mid-value: whole items are left out, and long
//! strings are shortened at a character boundary with a marker.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use serde::Serialize;
use serde_json::{Value, json};

use crate::{Error, Result};

/// The serialized-character budget of one result.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Budget {
    pub chars: usize,
}

impl Budget {
    /// 60,000 characters: well inside Claude.ai's ~150k, near Claude Code's 25k tokens.
    pub const DEFAULT_CHARS: usize = 60_000;
    /// Below this nothing useful fits.
    pub const MIN_CHARS: usize = 1_000;

    pub fn new(chars: usize) -> Self {
        Budget {
            chars: chars.max(Self::MIN_CHARS),
        }
    }
}

impl Default for Budget {
    fn default() -> Self {
        Budget {
            chars: Self::DEFAULT_CHARS,
        }
    }
}

/// A page of a list, with the truncation metadata every list result carries.
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Items in the whole (filtered) list.
    pub total: usize,
    /// Items in this page.
    pub returned: usize,
    /// Whether items were left out of this page (more pages, or a budget cut).
    pub truncated: bool,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// Opaque paging cursors bound to the query they came from.
///
/// A cursor encodes an offset and a fingerprint of the other arguments; a cursor from
/// another query is refused rather than silently paging the wrong list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cursor {
    pub offset: usize,
    fingerprint: u64,
    /// The snapshot of the list being paged, for connectors that keep one (see
    /// [`PageRequest::snapshot`]).
    pub snapshot: Option<u64>,
}

impl Cursor {
    pub fn new(offset: usize, query: &Value) -> Self {
        Cursor {
            offset,
            fingerprint: fingerprint(query),
            snapshot: None,
        }
    }

    /// The same cursor, naming the snapshot of the list it pages.
    pub fn with_snapshot(mut self, snapshot: Option<u64>) -> Self {
        self.snapshot = snapshot;
        self
    }

    pub fn encode(&self) -> String {
        let text = match self.snapshot {
            Some(s) => format!("{}:{:016x}:{s:016x}", self.offset, self.fingerprint),
            None => format!("{}:{:016x}", self.offset, self.fingerprint),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// The snapshot a cursor refers to, if it is one of ours and has one. Read before
    /// fetching, so the tool pages the same data; [`paginate`] still checks the cursor.
    pub fn snapshot_of(cursor: Option<&str>) -> Option<u64> {
        let raw = cursor.filter(|c| !c.is_empty())?;
        let text = String::from_utf8(URL_SAFE_NO_PAD.decode(raw).ok()?).ok()?;
        u64::from_str_radix(text.split(':').nth(2)?, 16).ok()
    }

    /// Decodes `cursor` for `query`. An absent or empty cursor is the first page.
    pub fn decode(cursor: Option<&str>, query: &Value) -> Result<Self> {
        let first = Cursor::new(0, query);
        let Some(raw) = cursor.filter(|c| !c.is_empty()) else {
            return Ok(first);
        };
        let bad = || {
            Error::invalid_input(
                "argument `cursor`: not a cursor this tool issued; pass the `next_cursor` of the previous page, or omit it for the first page",
            )
        };
        let text = URL_SAFE_NO_PAD
            .decode(raw)
            .ok()
            .and_then(|b| String::from_utf8(b).ok())
            .ok_or_else(bad)?;
        let mut parts = text.split(':');
        let (Some(offset), Some(fp)) = (parts.next(), parts.next()) else {
            return Err(bad());
        };
        let offset: usize = offset.parse().map_err(|_| bad())?;
        let fp = u64::from_str_radix(fp, 16).map_err(|_| bad())?;
        let snapshot = match parts.next() {
            Some(s) => Some(u64::from_str_radix(s, 16).map_err(|_| bad())?),
            None => None,
        };
        if fp != first.fingerprint {
            return Err(Error::invalid_input(
                "argument `cursor`: it belongs to a query with other arguments; repeat the original arguments with this cursor, or omit it to start over",
            ));
        }
        Ok(Cursor {
            offset,
            fingerprint: fp,
            snapshot,
        })
    }
}

// FNV-1a: stable across builds and replicas, unlike std's hasher.
fn fingerprint(query: &Value) -> u64 {
    let text = query.to_string();
    text.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A list tool's arguments without `cursor` and `limit`: what its cursors are bound to,
/// so a cursor is refused with other filters but works with another page size.
pub fn cursor_query(input: &impl Serialize) -> Value {
    let mut args = json!(input);
    if let Some(o) = args.as_object_mut() {
        o.remove("cursor");
        o.remove("limit");
    }
    args
}

/// Arguments a list tool passes to [`paginate`].
#[derive(Debug, Clone, Copy)]
pub struct PageRequest<'a> {
    pub cursor: Option<&'a str>,
    /// The caller's page size; `None` means "as many as fit the budget".
    pub limit: Option<usize>,
    /// The other arguments, which the cursor is bound to.
    pub query: &'a Value,
    pub budget: Budget,
    /// Carried into `next_cursor`: the connector's id for the data being paged, so later
    /// pages read the same data even when the upstream list changed meanwhile.
    pub snapshot: Option<u64>,
}

/// Cuts one page out of `all`: starting at the cursor, at most `limit` items, and no more
/// than fit the budget (at least one item, shortened if it alone is too big).
pub fn paginate<T: Serialize>(all: Vec<T>, req: PageRequest<'_>) -> Result<Page<Value>> {
    let start = Cursor::decode(req.cursor, req.query)?.offset;
    let total = all.len();
    if start > total {
        return Err(Error::invalid_input(
            "argument `cursor`: past the end of the list; the list has changed, start over without a cursor",
        ));
    }
    page_of(all.into_iter().skip(start), start, total, req)
}

/// One page of a list the upstream pages itself: `items` are the list's items from
/// position `start` on (as many as were fetched), of `total` in the whole list. Takes at
/// most `req.limit` of them and no more than fit the budget; `next_cursor` continues
/// after the last one taken. `req.cursor` is not read: the caller decoded it to `start`.
pub fn page_of<T: Serialize>(
    items: impl IntoIterator<Item = T>,
    start: usize,
    total: usize,
    req: PageRequest<'_>,
) -> Result<Page<Value>> {
    let limit = req.limit.unwrap_or(usize::MAX).max(1);
    // Room for the envelope (`total`, `next_cursor`, …).
    let room = req.budget.chars.saturating_sub(200);
    let mut used = 2usize;
    let mut taken = Vec::new();
    for item in items.into_iter().take(limit) {
        let value = serde_json::to_value(item)
            .map_err(|e| Error::unexpected(format!("list item did not serialize: {e}")))?;
        let size = serialized_len(&value) + 1;
        if used + size > room {
            if taken.is_empty() {
                let (shortened, _) = fit_value(value, Budget { chars: room });
                taken.push(shortened);
            }
            break;
        }
        used += size;
        taken.push(value);
    }
    let end = start + taken.len();
    let next_cursor = (end < total).then(|| {
        Cursor {
            snapshot: req.snapshot,
            ..Cursor::new(end, req.query)
        }
        .encode()
    });
    Ok(Page {
        returned: taken.len(),
        truncated: next_cursor.is_some(),
        items: taken,
        total,
        next_cursor,
    })
}

/// A page of uniform objects as a table: `columns` once, then one row per item. For long
/// lists of like records this is a fraction of the size of repeating every key.
pub fn table(page: Page<Value>, columns: &[&str]) -> Value {
    let rows: Vec<Value> = page
        .items
        .iter()
        .map(|item| {
            Value::Array(
                columns
                    .iter()
                    .map(|c| item.get(*c).cloned().unwrap_or(Value::Null))
                    .collect(),
            )
        })
        .collect();
    let mut out = json!({
        "columns": columns,
        "rows": rows,
        "total": page.total,
        "returned": page.returned,
        "truncated": page.truncated,
    });
    if let Some(c) = page.next_cursor {
        out["next_cursor"] = json!(c);
    }
    out
}

/// Whether a value says nothing: null, a blank string, an empty list or object. Shaping
/// leaves such values out.
pub fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

/// The serialized length of a value, in characters.
pub fn serialized_len(v: &Value) -> usize {
    // `to_string` of a Value cannot fail.
    v.to_string().chars().count()
}

/// Shortens `v` until it serializes within `budget`, by dropping trailing array items
/// and shortening long strings. Returns whether anything was cut.
pub fn fit_value(mut v: Value, budget: Budget) -> (Value, bool) {
    let mut cut = false;
    // Each round halves the heaviest array or string; a few dozen rounds suffice.
    for _ in 0..64 {
        if serialized_len(&v) <= budget.chars {
            return (v, cut);
        }
        if !shrink_heaviest(&mut v) {
            break;
        }
        cut = true;
    }
    if serialized_len(&v) <= budget.chars {
        (v, cut)
    } else {
        (
            json!({"truncated": true, "note": "the result was too large to show; narrow the request"}),
            true,
        )
    }
}

/// Halves the heaviest shrinkable node. Returns false when nothing can shrink.
fn shrink_heaviest(v: &mut Value) -> bool {
    let Some(path) = heaviest(v, Vec::new()).map(|(p, _)| p) else {
        return false;
    };
    let mut node = v;
    for step in path {
        node = match (node, step) {
            (Value::Array(a), Step::Index(i)) => &mut a[i],
            (Value::Object(o), Step::Key(k)) => match o.get_mut(&k) {
                Some(n) => n,
                None => return false,
            },
            _ => return false,
        };
    }
    match node {
        Value::Array(a) => {
            let keep = a.len() / 2;
            let dropped = a.len() - keep;
            a.truncate(keep);
            a.push(json!({"truncated_items": dropped}));
            // The marker itself is not shrinkable content.
            true
        }
        Value::String(s) => {
            let chars = s.chars().count();
            let keep = chars / 2;
            let mut short: String = s.chars().take(keep).collect();
            short.push_str(&format!("… [{} more characters]", chars - keep));
            *s = short;
            true
        }
        _ => false,
    }
}

enum Step {
    Index(usize),
    Key(String),
}

/// The path to the largest array (with more than one real item) or string (over 64
/// characters), by serialized size.
fn heaviest(v: &Value, path: Vec<Step>) -> Option<(Vec<Step>, usize)> {
    let own = match v {
        Value::Array(a) if a.iter().filter(|i| !is_marker(i)).count() > 1 => {
            Some(serialized_len(v))
        }
        Value::String(s) if s.chars().count() > 64 => Some(s.chars().count()),
        _ => None,
    };
    let mut best: Option<(Vec<Step>, usize)> = None;
    let children: Vec<(Step, &Value)> = match v {
        Value::Array(a) => a
            .iter()
            .enumerate()
            .map(|(i, c)| (Step::Index(i), c))
            .collect(),
        Value::Object(o) => o.iter().map(|(k, c)| (Step::Key(k.clone()), c)).collect(),
        _ => Vec::new(),
    };
    for (step, child) in children {
        let mut p: Vec<Step> = path.iter().map(clone_step).collect();
        p.push(step);
        if let Some(found) = heaviest(child, p)
            && best.as_ref().is_none_or(|b| found.1 > b.1)
        {
            best = Some(found);
        }
    }
    match (own, best) {
        // Prefer shrinking inside a big child over cutting a whole array in half
        // only when that child carries most of the weight.
        (Some(size), Some(b)) if b.1 * 2 > size => Some(b),
        (Some(size), _) => Some((path, size)),
        (None, b) => b,
    }
}

fn clone_step(s: &Step) -> Step {
    match s {
        Step::Index(i) => Step::Index(*i),
        Step::Key(k) => Step::Key(k.clone()),
    }
}

fn is_marker(v: &Value) -> bool {
    v.as_object()
        .is_some_and(|o| o.len() == 1 && o.contains_key("truncated_items"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(n: usize) -> Vec<Value> {
        (0..n)
            .map(|i| json!({"id": i, "name": format!("item {i}"), "text": "x".repeat(100)}))
            .collect()
    }

    #[test]
    fn pages_cover_every_item_exactly_once() {
        let query = json!({"project": 7});
        let mut cursor: Option<String> = None;
        let mut seen = Vec::new();
        for _ in 0..100 {
            let page = paginate(
                items(250),
                PageRequest {
                    cursor: cursor.as_deref(),
                    limit: Some(40),
                    query: &query,
                    budget: Budget::default(),
                    snapshot: None,
                },
            )
            .unwrap();
            assert_eq!(page.total, 250);
            seen.extend(page.items.iter().map(|i| i["id"].as_u64().unwrap()));
            cursor = page.next_cursor;
            if cursor.is_none() {
                assert!(!page.truncated);
                break;
            }
        }
        assert_eq!(seen, (0..250).collect::<Vec<u64>>());
    }

    #[test]
    fn the_budget_caps_a_page_and_says_so() {
        let query = json!({});
        let budget = Budget::new(5_000);
        let page = paginate(
            items(250),
            PageRequest {
                cursor: None,
                limit: None,
                query: &query,
                budget,
                snapshot: None,
            },
        )
        .unwrap();
        let size = serialized_len(&serde_json::to_value(&page).unwrap());
        assert!(size <= 5_000, "{size}");
        assert!(page.truncated && page.next_cursor.is_some());
        assert!(page.returned > 10);
    }

    #[test]
    fn a_cursor_from_another_query_is_refused() {
        let a = json!({"project": 1});
        let b = json!({"project": 2});
        let c = Cursor::new(10, &a).encode();
        assert_eq!(Cursor::decode(Some(&c), &a).unwrap().offset, 10);
        assert!(Cursor::decode(Some(&c), &b).is_err());
        assert!(Cursor::decode(Some("garbage!"), &a).is_err());
        assert_eq!(Cursor::decode(Some(""), &a).unwrap().offset, 0);
        let with_snapshot = Cursor {
            snapshot: Some(77),
            ..Cursor::new(5, &a)
        }
        .encode();
        assert_eq!(Cursor::snapshot_of(Some(&with_snapshot)), Some(77));
        assert_eq!(Cursor::decode(Some(&with_snapshot), &a).unwrap().offset, 5);
        assert_eq!(Cursor::snapshot_of(Some(&c)), None);
    }

    #[test]
    fn fit_value_keeps_valid_json_within_budget() {
        let big = json!({
            "task": {"id": 1, "text": "é".repeat(50_000)},
            "comments": (0..500).map(|i| json!({"id": i, "text": "comment ".repeat(20)})).collect::<Vec<_>>(),
        });
        let (v, cut) = fit_value(big, Budget::new(10_000));
        assert!(cut);
        assert!(serialized_len(&v) <= 10_000);
        assert_eq!(v["task"]["id"], 1);
        assert!(
            v["task"]["text"]
                .as_str()
                .unwrap()
                .contains("more characters]")
        );
        let (small, cut) = fit_value(json!({"a": 1}), Budget::default());
        assert!(!cut);
        assert_eq!(small, json!({"a": 1}));
    }
}
