//! The route table: every API endpoint the fake serves, once. Each recording route is
//! reachable in its canonical flat form (`/todos/1.json`) and in the legacy bucket form
//! (`/buckets/9/todos/1.json`); the matcher strips the prefix, and `Req::find` makes sure
//! the recording really lives in that bucket. Also the request view handlers get.

use serde_json::{Map, Value};

use super::{
    api,
    model::{Kind, Recording, Store},
    reply::{ApiError, Reply, param},
    util::parse_date,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
    Put,
    Delete,
}

impl Verb {
    pub fn parse(method: &str) -> Option<Self> {
        match method {
            "GET" | "HEAD" => Some(Self::Get),
            "POST" => Some(Self::Post),
            "PUT" | "PATCH" => Some(Self::Put),
            "DELETE" => Some(Self::Delete),
            _ => None,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Self::Get => "GET",
            Self::Post => "POST",
            Self::Put => "PUT",
            Self::Delete => "DELETE",
        }
    }
}

pub type Handler = fn(&mut Store, &Req) -> Result<Reply, ApiError>;

#[derive(Debug)]
pub struct Route {
    pub verb: Verb,
    /// The path after the account, without `.json`; `{id}` matches a positive integer.
    pub pattern: &'static str,
    /// Also served under `/buckets/{project}/`.
    pub bucketed: bool,
    pub handler: Handler,
}

impl Route {
    /// `GET /todolists/{id}/todos.json`: how requests are counted.
    pub fn label(&self) -> String {
        format!("{} /{}.json", self.verb.as_str(), self.pattern)
    }
}

const fn r(verb: Verb, pattern: &'static str, bucketed: bool, handler: Handler) -> Route {
    Route {
        verb,
        pattern,
        bucketed,
        handler,
    }
}

use Verb::{Delete, Get, Post, Put};
use api::{cards, chats, cross, messages, projects, schedules, todos, vaults};

pub static ROUTES: &[Route] = &[
    // Projects and people: account-level only.
    r(Get, "projects", false, projects::list),
    r(Post, "projects", false, projects::create),
    r(Get, "projects/{id}", false, projects::show),
    r(Put, "projects/{id}", false, projects::update),
    r(Delete, "projects/{id}", false, projects::trash),
    r(Get, "projects/{id}/people", false, projects::people),
    r(Put, "projects/{id}/people/users", false, projects::access),
    r(Get, "people", false, projects::all_people),
    r(Get, "people/{id}", false, projects::person),
    r(Get, "my/profile", false, projects::profile),
    // To-dos.
    r(Get, "todosets/{id}", true, todos::todoset),
    r(Get, "todosets/{id}/todolists", true, todos::lists),
    r(Post, "todosets/{id}/todolists", true, todos::create_list),
    r(Get, "todolists/{id}", true, todos::list),
    r(Put, "todolists/{id}", true, todos::update_list),
    r(Get, "todolists/{id}/todos", true, todos::todos),
    r(Post, "todolists/{id}/todos", true, todos::create),
    r(Get, "todos/{id}", true, todos::show),
    r(Put, "todos/{id}", true, todos::replace),
    r(Post, "todos/{id}/completion", true, todos::complete),
    r(Delete, "todos/{id}/completion", true, todos::uncomplete),
    r(Put, "todos/{id}/position", true, todos::reposition),
    // Messages and comments.
    r(Get, "message_boards/{id}", true, messages::board),
    r(
        Get,
        "message_boards/{id}/messages",
        true,
        messages::messages,
    ),
    r(Post, "message_boards/{id}/messages", true, messages::create),
    r(Get, "messages/{id}", true, messages::show),
    r(Put, "messages/{id}", true, messages::update),
    r(Get, "recordings/{id}/comments", true, messages::comments),
    r(Post, "recordings/{id}/comments", true, messages::comment),
    r(Get, "comments/{id}", true, messages::show_comment),
    r(Put, "comments/{id}", true, messages::update_comment),
    // Campfire.
    r(Get, "chats", false, chats::chats),
    r(Get, "chats/{id}", true, chats::chat),
    r(Get, "chats/{id}/lines", true, chats::lines),
    r(Post, "chats/{id}/lines", true, chats::create_line),
    r(Get, "chats/{id}/lines/{id}", true, chats::line),
    r(Delete, "chats/{id}/lines/{id}", true, chats::delete_line),
    // Schedule.
    r(Get, "schedules/{id}", true, schedules::schedule),
    r(Get, "schedules/{id}/entries", true, schedules::entries),
    r(Post, "schedules/{id}/entries", true, schedules::create),
    r(Get, "schedule_entries/{id}", true, schedules::entry),
    r(Put, "schedule_entries/{id}", true, schedules::replace),
    // Card tables.
    r(Get, "card_tables/{id}", true, cards::table),
    r(Get, "card_tables/columns/{id}", true, cards::column),
    r(Get, "card_tables/lists/{id}/cards", true, cards::cards),
    r(Post, "card_tables/lists/{id}/cards", true, cards::create),
    r(Get, "card_tables/cards/{id}", true, cards::card),
    r(Put, "card_tables/cards/{id}", true, cards::update),
    r(Post, "card_tables/cards/{id}/moves", true, cards::move_card),
    r(Get, "card_tables/steps/{id}", true, cards::step),
    // Docs & files.
    r(Get, "vaults/{id}", true, vaults::vault),
    r(Get, "vaults/{id}/vaults", true, vaults::vaults),
    r(Post, "vaults/{id}/vaults", true, vaults::create_vault),
    r(Get, "vaults/{id}/documents", true, vaults::documents),
    r(Post, "vaults/{id}/documents", true, vaults::create_document),
    r(Get, "documents/{id}", true, vaults::document),
    r(Put, "documents/{id}", true, vaults::replace_document),
    r(Get, "vaults/{id}/uploads", true, vaults::uploads),
    r(Get, "uploads/{id}", true, vaults::upload),
    // Across projects.
    r(Get, "projects/recordings", false, cross::recordings),
    r(Put, "recordings/{id}/status/trashed", true, cross::trash),
    r(Put, "recordings/{id}/status/archived", true, cross::archive),
    r(Put, "recordings/{id}/status/active", true, cross::activate),
    r(Get, "recordings/{id}/events", true, cross::events),
    r(Get, "search", false, cross::search),
    r(Get, "searches/metadata", false, cross::search_metadata),
    r(Get, "my/assignments", false, cross::assignments),
    r(
        Get,
        "my/assignments/completed",
        false,
        cross::completed_assignments,
    ),
    r(Get, "my/assignments/due", false, cross::due_assignments),
];

/// A recognised route with its path ids and the bucket prefix, if one was used.
#[derive(Debug)]
pub struct Matched {
    pub route: &'static Route,
    pub ids: Vec<i64>,
    pub bucket: Option<i64>,
}

fn id_segment(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|n| *n > 0)
}

/// Matches `rest` (the path after `/{account_id}/`) against the table. `None` for paths
/// the API does not have, including a known path with the wrong method.
pub fn recognize(verb: Verb, rest: &str) -> Option<Matched> {
    let path = rest.strip_suffix(".json")?;
    let mut segments: Vec<&str> = path.split('/').collect();
    let mut bucket = None;
    if segments.len() > 2 && segments[0] == "buckets" {
        bucket = Some(id_segment(segments[1])?);
        segments.drain(..2);
    }
    'routes: for route in ROUTES {
        if route.verb != verb || (bucket.is_some() && !route.bucketed) {
            continue;
        }
        let pattern: Vec<&str> = route.pattern.split('/').collect();
        if pattern.len() != segments.len() {
            continue;
        }
        let mut ids = Vec::new();
        for (p, s) in pattern.iter().zip(&segments) {
            if *p == "{id}" {
                match id_segment(s) {
                    Some(id) => ids.push(id),
                    None => continue 'routes,
                }
            } else if p != s {
                continue 'routes;
            }
        }
        return Some(Matched { route, ids, bucket });
    }
    None
}

/// What a handler sees of the request.
#[derive(Debug)]
pub struct Req {
    /// The person the token belongs to.
    pub me: i64,
    pub ids: Vec<i64>,
    pub bucket: Option<i64>,
    pub query: Vec<(String, String)>,
    /// The JSON body's members (empty without a body).
    pub body: Map<String, Value>,
}

/// A body member: absent, `null`, or a value. Full-replacement updates treat absent and
/// null alike; presence-aware ones do not.
#[derive(Debug, Clone, Copy)]
pub enum Field<'a> {
    Absent,
    Null,
    Value(&'a Value),
}

impl Req {
    /// The n-th `{id}` of the path.
    pub fn id(&self, n: usize) -> i64 {
        self.ids.get(n).copied().unwrap_or(0)
    }

    pub fn param(&self, name: &str) -> Option<&str> {
        param(&self.query, name)
    }

    /// The recording `id` if it exists, is of an accepted kind and lives in the bucket of
    /// a `/buckets/{project}/` request; otherwise 404, as the API answers.
    pub fn find<'s>(
        &self,
        store: &'s Store,
        id: i64,
        accept: impl Fn(Kind) -> bool,
    ) -> Result<&'s Recording, ApiError> {
        store
            .rec(id)
            .filter(|r| accept(r.kind))
            .filter(|r| self.bucket.is_none_or(|b| b == r.bucket))
            .ok_or_else(ApiError::not_found)
    }

    pub fn field(&self, name: &str) -> Field<'_> {
        match self.body.get(name) {
            None => Field::Absent,
            Some(Value::Null) => Field::Null,
            Some(v) => Field::Value(v),
        }
    }

    /// A string member: `None` when absent or null; numbers and booleans in their JSON form.
    pub fn text(&self, name: &str) -> Option<String> {
        match self.field(name) {
            Field::Value(Value::String(s)) => Some(s.clone()),
            Field::Value(v) => Some(v.to_string()),
            _ => None,
        }
    }

    /// A required, non-blank string member, else 422 with the API's phrasing.
    pub fn required(&self, name: &str, label: &str) -> Result<String, ApiError> {
        self.text(name)
            .filter(|s| !s.trim().is_empty())
            .ok_or_else(|| ApiError::invalid(format!("{label} can't be blank")))
    }

    pub fn flag(&self, name: &str) -> bool {
        match self.field(name) {
            Field::Value(Value::Bool(b)) => *b,
            Field::Value(Value::String(s)) => s == "true" || s == "1",
            _ => false,
        }
    }

    /// An integer member, accepting numbers and numeric strings.
    pub fn int(&self, name: &str) -> Option<i64> {
        match self.field(name) {
            Field::Value(Value::Number(n)) => n.as_i64(),
            Field::Value(Value::String(s)) => s.trim().parse().ok(),
            _ => None,
        }
    }

    /// An id list member (`assignee_ids`), keeping only people the account has: the API
    /// silently drops ids it cannot reach.
    pub fn people(&self, store: &Store, name: &str) -> Vec<i64> {
        let Field::Value(Value::Array(items)) = self.field(name) else {
            return Vec::new();
        };
        let mut out = Vec::new();
        for v in items {
            let id = v
                .as_i64()
                .or_else(|| v.as_str().and_then(|s| s.parse().ok()));
            if let Some(id) = id.filter(|id| store.people.contains_key(id))
                && !out.contains(&id)
            {
                out.push(id);
            }
        }
        out
    }

    /// A date member: absent and null mean none; anything else must be `YYYY-MM-DD` (the
    /// empty string is a format error, as in the API).
    pub fn date(&self, name: &str, label: &str) -> Result<Option<chrono::NaiveDate>, ApiError> {
        match self.field(name) {
            Field::Absent | Field::Null => Ok(None),
            Field::Value(v) => v
                .as_str()
                .and_then(parse_date)
                .map(Some)
                .ok_or_else(|| ApiError::invalid(format!("{label} is not a valid date"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_and_bucket_forms_match_the_same_route() {
        let flat = recognize(Verb::Get, "todolists/42/todos.json").unwrap();
        let bucket = recognize(Verb::Get, "buckets/7/todolists/42/todos.json").unwrap();
        assert_eq!(flat.route.label(), "GET /todolists/{id}/todos.json");
        assert!(std::ptr::eq(flat.route, bucket.route));
        assert_eq!((flat.ids, flat.bucket), (vec![42], None));
        assert_eq!((bucket.ids, bucket.bucket), (vec![42], Some(7)));
    }

    #[test]
    fn account_routes_have_no_bucket_form_and_methods_matter() {
        assert!(recognize(Verb::Get, "buckets/7/projects.json").is_none());
        assert!(recognize(Verb::Delete, "todos/1.json").is_none());
        assert!(recognize(Verb::Get, "todos/1").is_none());
        assert!(recognize(Verb::Get, "todos/abc.json").is_none());
        assert_eq!(
            recognize(Verb::Get, "projects/recordings.json")
                .unwrap()
                .route
                .label(),
            "GET /projects/recordings.json"
        );
    }

    #[test]
    fn every_label_is_unique() {
        let mut labels: Vec<String> = ROUTES.iter().map(Route::label).collect();
        labels.sort();
        let n = labels.len();
        labels.dedup();
        assert_eq!(labels.len(), n);
    }
}
