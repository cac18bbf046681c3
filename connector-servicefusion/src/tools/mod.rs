//! The tools, one file per area, in catalog order, and what list tools share: the
//! paging arguments, filters, id-or-name references and the two ways a list is paged.
//!
//! A list ServiceFusion can filter itself is paged by ServiceFusion (`page`/`per-page`),
//! each call asking for what the model asked for. A list filtered here (a technician's
//! jobs: the API has no technician filter) is read once within a request budget, kept
//! as a snapshot, and paged from it, so later pages cost nothing upstream.

mod calendar;
mod customers;
mod estimates;
mod invoices;
mod jobs;
pub(crate) mod lookups;
mod techs;

use std::{future::Future, sync::Arc};

use connector_core::{
    Budget, Cursor, DynTool, Error, ErrorKind, IsoDate, PageRequest, Result, ToolSet,
    cache::Gathered, page_of, schemars,
};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{client::ServiceFusionClient, error::Call, model};

pub(crate) type Sf = ServiceFusionClient;

/// Items a list call returns when the model names no `limit`.
pub const DEFAULT_LIMIT: usize = 25;
/// The most one call returns (four upstream pages of 50).
pub const MAX_LIMIT: usize = 200;

pub fn all() -> Result<Vec<Arc<dyn DynTool>>> {
    let set = ToolSet::<Sf>::new();
    let set = customers::register(set);
    let set = jobs::register(set);
    let set = estimates::register(set);
    let set = techs::register(set);
    let set = invoices::register(set);
    let set = calendar::register(set);
    let set = lookups::register(set);
    set.build()
}

// A record given by its numeric id or its name, as ServiceFusion's own reference fields
// take them. (Not a doc comment: it would repeat in every schema that uses it.)
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize, schemars::JsonSchema)]
#[serde(untagged)]
pub enum Reference {
    Id(i64),
    Name(String),
}

impl Reference {
    /// The value ServiceFusion takes: the id as a number, or the name.
    pub fn to_json(&self) -> Value {
        match self {
            Reference::Id(i) => json!(i),
            Reference::Name(n) => match n.trim().parse::<i64>() {
                Ok(i) => json!(i),
                Err(_) => json!(n.trim()),
            },
        }
    }

    /// The id, when the reference is one (a number, or digits).
    pub fn id(&self) -> Option<i64> {
        match self {
            Reference::Id(i) => Some(*i),
            Reference::Name(n) => n.trim().parse().ok(),
        }
    }

    fn name(&self) -> String {
        match self {
            Reference::Id(i) => i.to_string(),
            Reference::Name(n) => n.trim().to_owned(),
        }
    }
}

/// Query parameters for a list: filters, fields, expand and sort.
#[derive(Debug, Clone, Default)]
pub struct Query(Vec<(String, String)>);

impl Query {
    pub fn new() -> Self {
        Query::default()
    }

    pub fn param(mut self, key: &str, value: impl ToString) -> Self {
        self.0.push((key.to_owned(), value.to_string()));
        self
    }

    /// `filters[name]=value`, when there is a value.
    pub fn filter(mut self, name: &str, value: Option<impl ToString>) -> Self {
        if let Some(v) = value {
            let v = v.to_string();
            if !v.trim().is_empty() {
                self.0
                    .push((format!("filters[{name}]"), v.trim().to_owned()));
            }
        }
        self
    }

    /// `filters[name][gte]` and `[lte]` from a date range.
    pub fn range(mut self, name: &str, from: Option<&IsoDate>, to: Option<&IsoDate>) -> Self {
        if let Some(f) = from {
            self.0.push((format!("filters[{name}][gte]"), f.iso()));
        }
        if let Some(t) = to {
            self.0.push((format!("filters[{name}][lte]"), t.iso()));
        }
        self
    }

    /// The top-level fields to fetch.
    pub fn fields(self, fields: &[&str]) -> Self {
        self.param("fields", fields.join(","))
    }

    /// The related records to fetch with each item; nothing when `expand` is empty.
    pub fn expand(self, expand: &[&str]) -> Self {
        if expand.is_empty() {
            self
        } else {
            self.param("expand", expand.join(","))
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }
}

use connector_core::cursor_query as bound_args;

/// The page size a call asks for: the model's `limit`, within bounds.
pub fn wanted(limit: Option<u32>) -> usize {
    limit
        .map_or(DEFAULT_LIMIT, |l| l as usize)
        .clamp(1, MAX_LIMIT)
}

/// A list tool's input: its filters, and the `cursor` and `limit` every list takes.
pub trait Listing: serde::Serialize {
    fn cursor(&self) -> Option<&str>;
    fn limit(&self) -> Option<u32>;
}

/// Implements [`Listing`] for inputs with `cursor: Option<String>` and `limit: Option<u32>`.
macro_rules! listing {
    ($($t:ty),+ $(,)?) => {$(
        impl $crate::tools::Listing for $t {
            fn cursor(&self) -> Option<&str> {
                self.cursor.as_deref()
            }
            fn limit(&self) -> Option<u32> {
                self.limit
            }
        }
    )+};
}
pub(crate) use listing;

/// A page of a list ServiceFusion pages itself; the cursor is bound to the input's
/// other arguments.
pub async fn upstream_page(
    client: &Sf,
    path: &str,
    query: &Query,
    input: &impl Listing,
    budget: Budget,
    shape: impl Fn(&Value) -> Value,
) -> Result<Value> {
    let args = bound_args(input);
    let offset = Cursor::decode(input.cursor(), &args)?.offset;
    let needed = wanted(input.limit());
    let fetched = client
        .fetch(
            path,
            query.pairs(),
            offset,
            needed,
            needed.div_ceil(crate::client::MAX_PER_PAGE) + 1,
        )
        .await?;
    if offset > 0 && offset >= fetched.total {
        return Err(Error::invalid_input(
            "argument `cursor`: past the end of the list; it has fewer items now, start over without a cursor",
        ));
    }
    let items: Vec<Value> = fetched.items.iter().map(shape).collect();
    let page = page_of(
        items,
        offset,
        fetched.total,
        PageRequest {
            cursor: None,
            limit: Some(needed),
            query: &args,
            budget,
            snapshot: None,
        },
    )?;
    Ok(json!(page))
}

/// A page of a list filtered here: read once, kept, and paged from the snapshot.
pub async fn snapshot_page<F, Fut>(
    client: &Sf,
    input: &impl Listing,
    budget: Budget,
    gather: F,
) -> Result<Value>
where
    F: FnOnce() -> Fut,
    Fut: Future<Output = Result<Gathered>>,
{
    client
        .snapshots
        .page(
            input.cursor(),
            &bound_args(input),
            Some(wanted(input.limit())),
            budget,
            gather,
        )
        .await
}

/// One record: `GET /v1/{resource}/{id}` with `expand`, shaped.
pub async fn get_one(
    client: &Sf,
    resource: &'static str,
    id: i64,
    expand: &[&str],
    shape: impl Fn(&Value) -> Value,
) -> Result<Value> {
    let query = Query::new().expand(expand);
    let raw = client
        .get(
            &format!("{resource}/{id}"),
            query.pairs(),
            Call {
                resource,
                id: Some(id),
                create: false,
            },
        )
        .await?;
    Ok(shape(&raw))
}

/// A customer given by id or name, as `(id, exact name)`. A name must match one
/// customer exactly (case aside); otherwise the error lists the near matches.
pub async fn resolve_customer(client: &Sf, customer: &Reference) -> Result<(i64, String)> {
    if let Some(id) = customer.id() {
        let raw = client
            .get(
                &format!("customers/{id}"),
                Query::new().fields(&["id", "customer_name"]).pairs(),
                Call {
                    resource: "customers",
                    id: Some(id),
                    create: false,
                },
            )
            .await?;
        let name = raw
            .get("customer_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        return Ok((id, name));
    }
    let wanted = customer.name();
    let query = Query::new()
        .filter("name", Some(&wanted))
        .fields(&["id", "customer_name"])
        .param("sort", "customer_name");
    let found = client.fetch("customers", query.pairs(), 0, 50, 1).await?;
    let named = |c: &Value| {
        c.get("customer_name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    };
    if let Some(exact) = found
        .items
        .iter()
        .find(|c| named(c).eq_ignore_ascii_case(&wanted))
    {
        return match model::id(exact.get("id")) {
            Some(id) => Ok((id, named(exact))),
            None => Err(Error::new(
                ErrorKind::Upstream,
                "ServiceFusion sent a customer without an id",
            )),
        };
    }
    let near: Vec<String> = found
        .items
        .iter()
        .take(8)
        .map(|c| {
            format!(
                "{} (id {})",
                named(c),
                model::id(c.get("id")).unwrap_or_default()
            )
        })
        .collect();
    Err(Error::new(
        ErrorKind::NotFound,
        if near.is_empty() {
            format!(
                "ServiceFusion has no customer named \"{wanted}\"; servicefusion_search_customers finds customers by part of the name, phone, email or address"
            )
        } else {
            format!(
                "ServiceFusion has no customer named exactly \"{wanted}\"; did you mean {}? Pass the id",
                near.join(", ")
            )
        },
    ))
}

/// A technician given by id or name (full name, first or last name, or a nickname),
/// from the technicians list: `(id, name)`.
pub async fn resolve_tech(client: &Sf, tech: &Reference) -> Result<(i64, String)> {
    let techs = client.lookup("techs").await?;
    let named = |t: &Value| model::person(t)["name"].as_str().unwrap_or("").to_owned();
    let found: Vec<&Value> = match tech.id() {
        Some(id) => techs
            .iter()
            .filter(|t| model::id(t.get("id")) == Some(id))
            .collect(),
        None => {
            let want = tech.name().to_lowercase();
            let fields = [
                "first_name",
                "last_name",
                "nickname_on_workorder",
                "nickname_on_dispatch",
            ];
            let exact: Vec<&Value> = techs
                .iter()
                .filter(|t| {
                    named(t).to_lowercase() == want
                        || fields.iter().any(|f| {
                            t.get(*f)
                                .and_then(Value::as_str)
                                .is_some_and(|v| v.to_lowercase() == want)
                        })
                })
                .collect();
            exact
        }
    };
    match found.as_slice() {
        [one] => Ok((model::id(one.get("id")).unwrap_or_default(), named(one))),
        [] => Err(Error::new(
            ErrorKind::NotFound,
            format!(
                "ServiceFusion has no technician {}; servicefusion_list_techs lists them by id and name",
                tech.name()
            ),
        )),
        several => Err(Error::invalid_input(format!(
            "argument `tech`: \"{}\" names several technicians ({}); pass the id",
            tech.name(),
            several
                .iter()
                .map(|t| format!(
                    "{} (id {})",
                    named(t),
                    model::id(t.get("id")).unwrap_or_default()
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ))),
    }
}

/// The job statuses a status argument may name, checked against the company's list so
/// a wrong one is refused with the choices instead of matching nothing.
pub async fn check_statuses(client: &Sf, statuses: &[String]) -> Result<Vec<String>> {
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let known = client.lookup("job-statuses").await?;
    let names: Vec<&str> = known
        .iter()
        .filter_map(|s| s.get("name").and_then(Value::as_str))
        .collect();
    statuses
        .iter()
        .map(|s| {
            names
                .iter()
                .find(|n| n.eq_ignore_ascii_case(s.trim()))
                .map(|n| (*n).to_owned())
                .ok_or_else(|| {
                    Error::invalid_input(format!(
                        "argument `status`: \"{s}\" is not a status of this company; they are: {}",
                        names.join(", ")
                    ))
                })
        })
        .collect()
}
