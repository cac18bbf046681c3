//! Reference resolution, in one place. The API's "header" references (`customer_name`,
//! `status`, `category`, `source`, `payment_type`, `agent`, techs, ...) name a record by
//! its integer id or by its display string, case-insensitively. Creates and the
//! status/category/source filters resolve through here.

use std::collections::BTreeMap;

use serde_json::Value;

use super::model::{StatusScope, Store};

fn same(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

/// An id, or a name `is_named` recognises; a string of digits that names nothing is
/// read as an id.
fn resolve<T>(
    map: &BTreeMap<i64, T>,
    v: &Value,
    is_named: impl Fn(&T, &str) -> bool,
) -> Option<i64> {
    let by_id = |id: i64| map.contains_key(&id).then_some(id);
    match v {
        Value::Number(n) => n.as_i64().and_then(by_id),
        Value::String(s) => map
            .iter()
            .find(|(_, t)| is_named(t, s))
            .map(|(id, _)| *id)
            .or_else(|| s.trim().parse::<i64>().ok().and_then(by_id)),
        _ => None,
    }
}

/// A reference as the validation message quotes it (`Status "Foo" is invalid.`).
pub fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Object(o) => match (o.get("id"), o.get("first_name"), o.get("last_name")) {
            (Some(id), _, _) => shown(id),
            (None, first, last) => [first, last]
                .iter()
                .filter_map(|x| x.and_then(Value::as_str))
                .collect::<Vec<_>>()
                .join(" "),
        },
        other => other.to_string(),
    }
}

impl Store {
    pub fn find_customer(&self, v: &Value) -> Option<i64> {
        resolve(&self.customers, v, |c, s| same(&c.name, s))
    }

    /// A status that applies to jobs or to estimates (`scope`), by id, name or code.
    pub fn find_status(&self, v: &Value, scope: StatusScope) -> Option<i64> {
        resolve(&self.statuses, v, |st, s| {
            same(&st.name, s) || same(&st.code, s)
        })
        .filter(|id| {
            self.statuses
                .get(id)
                .is_some_and(|st| st.scope == scope || st.scope == StatusScope::Both)
        })
    }

    pub fn find_category(&self, v: &Value) -> Option<i64> {
        resolve(&self.categories, v, |c, s| same(&c.name, s))
    }

    pub fn find_source(&self, v: &Value) -> Option<i64> {
        resolve(&self.sources, v, |src, s| same(&src.short_name, s))
    }

    /// By id, short name (`Direct Bill`) or code (`BILL`).
    pub fn find_payment_type(&self, v: &Value) -> Option<i64> {
        resolve(&self.payment_types, v, |p, s| {
            same(&p.short_name, s) || same(&p.code, s)
        })
    }

    /// A tech as references and `techs_assigned`/`agents` items name one: an id, a full
    /// name, `{"id": ..}` or `{"first_name": .., "last_name": ..}`.
    pub fn find_tech(&self, v: &Value) -> Option<i64> {
        if let Value::Object(o) = v {
            if let Some(id) = o.get("id") {
                return self.find_tech(id);
            }
            let first = o.get("first_name").and_then(Value::as_str)?;
            let last = o.get("last_name").and_then(Value::as_str).unwrap_or("");
            return self
                .techs
                .values()
                .find(|t| same(&t.first_name, first) && same(&t.last_name, last))
                .map(|t| t.id);
        }
        resolve(&self.techs, v, |t, s| same(&t.full_name(), s))
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn shown_quotes_what_was_sent() {
        assert_eq!(shown(&json!("Foo")), "Foo");
        assert_eq!(shown(&json!(42)), "42");
        assert_eq!(shown(&json!({"id": 7})), "7");
        assert_eq!(
            shown(&json!({"first_name": "Ann", "last_name": "Lee"})),
            "Ann Lee"
        );
    }
}
