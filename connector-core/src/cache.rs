//! Answers a connector client keeps for a while: list snapshots that later pages read
//! (so a list that changes meanwhile is still paged exactly once), downloaded files,
//! lookups. Bounded by age and by size; the oldest entries go first.

use std::{
    collections::HashMap,
    hash::Hash,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use serde_json::{Value, json};

use crate::{Budget, Cursor, Error, PageRequest, Result, paginate};

/// Entries kept until they expire or the byte budget needs room (oldest go first).
#[derive(Debug)]
pub struct Kept<K, V> {
    entries: Mutex<HashMap<K, (Instant, usize, V)>>,
    ttl: Duration,
    max_bytes: usize,
}

impl<K: Hash + Eq + Clone, V: Clone> Kept<K, V> {
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        Kept {
            entries: Mutex::new(HashMap::new()),
            ttl,
            max_bytes,
        }
    }

    /// The entry, if it is younger than the time to live.
    pub fn get(&self, key: &K) -> Option<V> {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(key)
            .filter(|(at, _, _)| at.elapsed() < self.ttl)
            .map(|(_, _, v)| v.clone())
    }

    /// Keeps `value`, which stands for `size` bytes; one larger than the whole budget is
    /// not kept.
    pub fn insert(&self, key: K, size: usize, value: V) {
        if size > self.max_bytes {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        let ttl = self.ttl;
        entries.retain(|_, (at, _, _)| at.elapsed() < ttl);
        let mut used: usize = entries.values().map(|(_, n, _)| n).sum();
        while used + size > self.max_bytes {
            let Some((oldest, n)) = entries
                .iter()
                .min_by_key(|(_, (at, _, _))| *at)
                .map(|(k, (_, n, _))| (k.clone(), *n))
            else {
                break;
            };
            entries.remove(&oldest);
            used -= n;
        }
        entries.insert(key, (Instant::now(), size, value));
    }

    /// Forgets every entry (after a write that makes them stale).
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }
}

/// Lists kept for paging: the first page of a list tool keeps what it read under a
/// random id, the id rides in `next_cursor` (see [`Cursor::snapshot_of`]), and later
/// pages read the same list back.
#[derive(Debug)]
pub struct Snapshots<V> {
    kept: Kept<u64, Arc<V>>,
    ttl: Duration,
}

impl<V> Snapshots<V> {
    pub fn new(ttl: Duration, max_bytes: usize) -> Self {
        Snapshots {
            kept: Kept::new(ttl, max_bytes),
            ttl,
        }
    }

    /// The snapshot a cursor refers to: `Ok(None)` for a first page (no cursor, or one
    /// without a snapshot), an error when the snapshot is gone, which is never served
    /// silently from fresh data.
    pub fn of_cursor(&self, cursor: Option<&str>) -> Result<Option<(Arc<V>, u64)>> {
        let Some(id) = Cursor::snapshot_of(cursor) else {
            return Ok(None);
        };
        match self.kept.get(&id) {
            Some(v) => Ok(Some((v, id))),
            None => Err(Error::invalid_input(format!(
                "argument `cursor`: the list it pages through is more than {} minutes old and was let go; start again without a cursor",
                self.ttl.as_secs().div_ceil(60)
            ))),
        }
    }

    /// Keeps a list that stands for `size` bytes; returns the id for its cursors.
    pub fn keep(&self, value: V, size: usize) -> (Arc<V>, u64) {
        let value = Arc::new(value);
        let id = rand::random::<u64>();
        self.kept.insert(id, size, value.clone());
        (value, id)
    }
}

/// A list read whole by a connector (filtered where the upstream cannot filter, or
/// followed through every page), with a note when reading stopped before the end.
#[derive(Debug, Clone, Default)]
pub struct Gathered {
    pub items: Vec<Value>,
    pub note: Option<String>,
}

impl Snapshots<Gathered> {
    /// A page of a list read whole: the first page (no cursor) runs `gather` and keeps
    /// what it read; later pages, whose cursor names the snapshot, read it back without
    /// asking the upstream again, so every item is seen exactly once. `args` are the
    /// tool's other arguments, which the cursor is bound to.
    pub async fn page<F, Fut>(
        &self,
        cursor: Option<&str>,
        args: &Value,
        limit: Option<usize>,
        budget: Budget,
        gather: F,
    ) -> Result<Value>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<Gathered>>,
    {
        let (list, snapshot) = match self.of_cursor(cursor)? {
            Some(kept) => kept,
            None => {
                let gathered = gather().await?;
                let size = gathered.items.iter().map(|i| i.to_string().len()).sum();
                self.keep(gathered, size)
            }
        };
        let note_room = list.note.as_ref().map_or(0, |n| n.len() + 16);
        let page = paginate(
            list.items.clone(),
            PageRequest {
                cursor,
                limit,
                query: args,
                budget: Budget::new(budget.chars.saturating_sub(note_room)),
                snapshot: Some(snapshot),
            },
        )?;
        let mut out = json!(page);
        if let Some(n) = &list.note {
            out["note"] = json!(n);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_oldest_go_first_when_the_budget_is_full() {
        let k: Kept<&str, u32> = Kept::new(Duration::from_secs(60), 10);
        k.insert("a", 4, 1);
        k.insert("b", 4, 2);
        k.insert("c", 4, 3);
        assert_eq!(k.get(&"a"), None);
        assert_eq!(k.get(&"b"), Some(2));
        assert_eq!(k.get(&"c"), Some(3));
        k.insert("huge", 11, 4);
        assert_eq!(k.get(&"huge"), None);
        k.clear();
        assert_eq!(k.get(&"b"), None);
    }

    #[tokio::test]
    async fn a_gathered_list_is_read_once_and_paged_from_the_snapshot() {
        let s: Snapshots<Gathered> = Snapshots::new(Duration::from_secs(300), 1 << 20);
        let reads = std::sync::atomic::AtomicUsize::new(0);
        let gather = || async {
            reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            Ok(Gathered {
                items: (0..25).map(|i| json!({"id": i})).collect(),
                note: Some("read the first 25 only".into()),
            })
        };
        let args = json!({"project": 1});
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = s
                .page(
                    cursor.as_deref(),
                    &args,
                    Some(10),
                    Budget::default(),
                    gather,
                )
                .await
                .unwrap();
            assert_eq!(page["note"], "read the first 25 only");
            seen.extend(
                page["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|i| i["id"].as_u64().unwrap()),
            );
            match page["next_cursor"].as_str() {
                Some(c) => cursor = Some(c.to_owned()),
                None => break,
            }
        }
        assert_eq!(seen, (0..25).collect::<Vec<u64>>());
        assert_eq!(reads.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn a_cursor_finds_its_snapshot_or_says_to_start_over() {
        let s: Snapshots<Vec<u32>> = Snapshots::new(Duration::from_secs(300), 1_000);
        assert!(s.of_cursor(None).unwrap().is_none());
        let (_, id) = s.keep(vec![1, 2, 3], 12);
        let cursor = Cursor::new(2, &json!({})).with_snapshot(Some(id)).encode();
        let (v, back) = s.of_cursor(Some(&cursor)).unwrap().unwrap();
        assert_eq!((*v).clone(), vec![1, 2, 3]);
        assert_eq!(back, id);
        let gone = Cursor::new(2, &json!({}))
            .with_snapshot(Some(id ^ 1))
            .encode();
        let e = s.of_cursor(Some(&gone)).unwrap_err();
        assert!(e.message().contains("start again without a cursor"), "{e}");
    }
}
