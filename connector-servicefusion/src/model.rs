//! ServiceFusion's records, compacted for a model.
//!
//! What a model does not need goes: `_expandable`, empty and null fields, QuickBooks
//! sync ids, list positions. What it needs is made plain: people and customers inside
//! other records become `{id, name}`, amounts are numbers with the account's currency,
//! timestamps ISO 8601 in UTC, durations in minutes, contacts and addresses one object
//! each, custom fields a `name → value` map.

use connector_core::shape::is_blank;
use serde_json::{Map, Value, json};

/// Fields that hold money on jobs, estimates, invoices and customers.
const MONEY: &[&str] = &[
    "total",
    "due_total",
    "taxes_fees_total",
    "drive_labor_total",
    "billable_expenses_total",
    "payments_deposits_total",
    "cost_total",
    "account_balance",
    "labor_charge_default_rate",
    "amount",
    "rate",
    "cost",
    "actual_cost",
];

/// Amounts worth showing even when they are zero; other zero totals are noise.
const MONEY_EVEN_ZERO: &[&str] = &["total", "due_total", "account_balance"];

/// Flags whose `false` says something; other `is_…: false` flags are left out.
const FLAGS_EVEN_FALSE: &[&str] = &["is_paid", "is_taxable", "is_completed"];

/// Bookkeeping a model never needs.
const NOISE: &[&str] = &[
    "_expandable",
    "_links",
    "qbo_sync_token",
    "qbo_currency",
    "qbo_id",
    "qbd_id",
    "qbo_invoice_no",
    "qbo_synced_date",
    "qbo_class_id",
    "qbd_class_id",
    "pattern_row_id",
    "item_index",
    "parent_index",
    "charge_index",
    "printable_work_order",
];

/// An id as ServiceFusion sends it (a number, sometimes a numeric string).
pub fn id(v: Option<&Value>) -> Option<i64> {
    match v? {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_owned()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn money(v: &Value) -> Option<Value> {
    match v {
        Value::Number(_) => Some(v.clone()),
        Value::String(s) => s
            .trim()
            .trim_start_matches('$')
            .replace(',', "")
            .parse::<f64>()
            .ok()
            .map(|f| json!(f)),
        _ => None,
    }
}

/// `2018-08-07T18:31:28+00:00` → `2018-08-07T18:31:28Z`; other offsets are converted
/// to UTC; dates (`2018-08-07`) and anything else stay as they are.
pub fn iso(s: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(s) {
        Ok(t) => t
            .with_timezone(&chrono::Utc)
            .format("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
        Err(_) => s.to_owned(),
    }
}

/// Drops empty values and noise everywhere, and makes timestamps UTC ISO.
pub fn compact(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut out = Map::new();
            for (k, v) in map {
                if NOISE.contains(&k.as_str())
                    || (k.starts_with("is_")
                        && v == Value::Bool(false)
                        && !FLAGS_EVEN_FALSE.contains(&k.as_str()))
                {
                    continue;
                }
                let v = compact(v);
                if !is_blank(&v) {
                    out.insert(k, v);
                }
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(
            items
                .into_iter()
                .map(compact)
                .filter(|v| !is_blank(v))
                .collect(),
        ),
        Value::String(s) => {
            let t = s.trim();
            if t.len() >= 20 && t.as_bytes().get(10) == Some(&b'T') {
                Value::String(iso(t))
            } else {
                Value::String(t.to_owned())
            }
        }
        other => other,
    }
}

/// A request body without its unset parts: nulls and empty lists go, values stay as
/// the model gave them.
pub fn body(v: Value) -> Value {
    match v {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, body(v)))
                .filter(|(_, v)| !v.is_null() && v.as_array().is_none_or(|a| !a.is_empty()))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.into_iter().map(body).collect()),
        other => other,
    }
}

/// A person as `{id, name}` from `{id, first_name, last_name}` (or a bare name).
pub fn person(v: &Value) -> Value {
    let name = match v {
        Value::String(s) => s.trim().to_owned(),
        _ => {
            let first = v.get("first_name").and_then(Value::as_str).unwrap_or("");
            let last = v.get("last_name").and_then(Value::as_str).unwrap_or("");
            format!("{first} {last}").trim().to_owned()
        }
    };
    let mut out = Map::new();
    if let Some(i) = id(v.get("id")) {
        out.insert("id".into(), json!(i));
    }
    if !name.is_empty() {
        out.insert("name".into(), json!(name));
    }
    Value::Object(out)
}

fn people(v: Option<Value>) -> Option<Value> {
    match v? {
        Value::Array(a) => Some(Value::Array(a.iter().map(person).collect())),
        _ => None,
    }
}

/// `{"Text": "value", …}` from `[{name, value, type, group, …}]`.
fn custom_fields(v: Option<Value>) -> Option<Value> {
    let Value::Array(a) = v? else { return None };
    let map: Map<String, Value> = a
        .iter()
        .filter_map(|f| {
            Some((
                f.get("name")?.as_str()?.to_owned(),
                f.get("value").cloned().unwrap_or(Value::Null),
            ))
        })
        .collect();
    Some(Value::Object(map))
}

/// Removes `keys` from `o`, returning them by name.
fn take(o: &mut Map<String, Value>, key: &str) -> Option<Value> {
    o.remove(key)
}

/// Amounts as numbers, with the currency once, when the record has any.
fn money_fields(o: &mut Map<String, Value>, currency: &str) {
    let mut any = false;
    for k in MONEY {
        if let Some(v) = o.get(*k) {
            match money(v) {
                Some(m) if m.as_f64() == Some(0.0) && !MONEY_EVEN_ZERO.contains(k) => {
                    o.remove(*k);
                }
                Some(m) => {
                    o.insert((*k).to_owned(), m);
                    any = true;
                }
                None => {
                    o.remove(*k);
                }
            }
        }
    }
    if any {
        o.insert("currency".into(), json!(currency));
    }
}

/// One address line from ServiceFusion's parts.
fn address(o: &Value) -> Option<String> {
    let street = [o.get("street_1"), o.get("street_2")]
        .into_iter()
        .filter_map(text)
        .collect::<Vec<_>>()
        .join(" ");
    let region = [o.get("state_prov"), o.get("postal_code")]
        .into_iter()
        .filter_map(text)
        .collect::<Vec<_>>()
        .join(" ");
    let parts: Vec<String> = [Some(street), text(o.get("city")), Some(region)]
        .into_iter()
        .flatten()
        .filter(|p| !p.is_empty())
        .collect();
    (!parts.is_empty()).then(|| parts.join(", "))
}

const ADDRESS_KEYS: &[&str] = &["street_1", "street_2", "city", "state_prov", "postal_code"];

/// A customer: contacts with their phones and emails, locations as addresses.
pub fn customer(v: &Value, currency: &str) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    if let Some(name) = take(&mut o, "customer_name") {
        o.insert("name".into(), name);
    }
    if o.get("fully_qualified_name") == o.get("name") {
        o.remove("fully_qualified_name");
    }
    if let Some(Value::Array(contacts)) = take(&mut o, "contacts") {
        o.insert(
            "contacts".into(),
            Value::Array(contacts.iter().map(contact).collect()),
        );
    }
    if let Some(Value::Array(locations)) = take(&mut o, "locations") {
        o.insert(
            "locations".into(),
            Value::Array(locations.iter().map(location).collect()),
        );
    }
    if let Some(cf) = custom_fields(take(&mut o, "custom_fields")) {
        o.insert("custom_fields".into(), cf);
    }
    money_fields(&mut o, currency);
    compact(Value::Object(o))
}

fn contact(c: &Value) -> Value {
    let name = [
        c.get("prefix"),
        c.get("fname"),
        c.get("lname"),
        c.get("suffix"),
    ]
    .into_iter()
    .filter_map(text)
    .collect::<Vec<_>>()
    .join(" ");
    let phones: Vec<Value> = c
        .get("phones")
        .and_then(Value::as_array)
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    let number = text(p.get("phone"))?;
                    let ext = text(p.get("ext"))
                        .map(|e| format!(" ext. {e}"))
                        .unwrap_or_default();
                    let kind = text(p.get("type"))
                        .map(|t| format!(" ({t})"))
                        .unwrap_or_default();
                    Some(json!(format!("{number}{ext}{kind}")))
                })
                .collect()
        })
        .unwrap_or_default();
    let emails: Vec<Value> = c
        .get("emails")
        .and_then(Value::as_array)
        .map(|es| {
            es.iter()
                .filter_map(|e| text(e.get("email")).map(Value::String))
                .collect()
        })
        .unwrap_or_default();
    compact(json!({
        "name": name,
        "type": c.get("contact_type"),
        "job_title": c.get("job_title"),
        "department": c.get("department"),
        "primary": c.get("is_primary").and_then(Value::as_bool).filter(|p| *p),
        "phones": phones,
        "emails": emails,
    }))
}

fn location(l: &Value) -> Value {
    compact(json!({
        "name": l.get("nickname"),
        "address": address(l),
        "country": l.get("country"),
        "type": l.get("location_type"),
        "primary": l.get("is_primary").and_then(Value::as_bool).filter(|p| *p),
        "bill_to": l.get("is_bill_to").and_then(Value::as_bool).filter(|p| *p),
        "gated": l.get("is_gated").and_then(Value::as_bool).filter(|p| *p),
        "gate_instructions": l.get("gate_instructions"),
        "contact": l.get("customer_contact"),
    }))
}

/// A piece of equipment, with its customer as `{id, name}`.
pub fn equipment(v: &Value) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    let customer_id = take(&mut o, "customer_id");
    if let Some(name) = take(&mut o, "customer") {
        o.insert(
            "customer".into(),
            person(&json!({"id": customer_id, "first_name": name})),
        );
    }
    if let Some(cf) = custom_fields(take(&mut o, "custom_fields")) {
        o.insert("custom_fields".into(), cf);
    }
    compact(Value::Object(o))
}

/// A line of products, services or charges: name, quantity, rate, total.
fn line_item(v: &Value) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    if let Some(q) = take(&mut o, "multiplier") {
        o.insert("quantity".into(), q);
    }
    for k in [
        "created_at",
        "updated_at",
        "product",
        "service",
        "other_charge",
        "product_list_id",
        "service_list_id",
        "service_rate_id",
        "other_charge_id",
        "warehouse_id",
        "is_show_rate_items",
    ] {
        o.remove(k);
    }
    for k in MONEY {
        if let Some(m) = o.get(*k).and_then(money) {
            o.insert((*k).to_owned(), m);
        }
    }
    compact(Value::Object(o))
}

/// The promised arrival window as one `HH:MM-HH:MM`, the duration in minutes.
fn schedule(o: &mut Map<String, Value>) {
    let start = take(o, "time_frame_promised_start").and_then(|v| text(Some(&v)));
    let end = take(o, "time_frame_promised_end").and_then(|v| text(Some(&v)));
    match (start, end) {
        (Some(s), Some(e)) if s != e => {
            o.insert("time_frame".into(), json!(format!("{s}-{e}")));
        }
        (Some(s), _) | (None, Some(s)) => {
            o.insert("time_frame".into(), json!(s));
        }
        _ => {}
    }
    if let Some(secs) = take(o, "duration").and_then(|d| d.as_f64()) {
        o.insert(
            "duration_minutes".into(),
            json!((secs / 60.0).round() as i64),
        );
    }
}

/// A job or an estimate (they share their shape): the customer as `{id, name}`, one
/// contact, one location, the promised time frame, technicians, totals.
pub fn job(v: &Value, currency: &str) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    let customer_id = take(&mut o, "customer_id");
    let customer_name = take(&mut o, "customer_name");
    if customer_id.is_some() || customer_name.is_some() {
        o.insert(
            "customer".into(),
            person(&json!({"id": customer_id, "first_name": customer_name})),
        );
    }
    let contact_name = [o.get("contact_first_name"), o.get("contact_last_name")]
        .into_iter()
        .filter_map(text)
        .collect::<Vec<_>>()
        .join(" ");
    let contact = compact(json!({
        "name": contact_name,
        "phone": o.get("contact_phone").or_else(|| o.get("phone")),
        "email": o.get("contact_email").or_else(|| o.get("email")),
    }));
    for k in [
        "contact_first_name",
        "contact_last_name",
        "contact_phone",
        "contact_email",
        "phone",
        "email",
    ] {
        o.remove(k);
    }
    if !is_blank(&contact) {
        o.insert("contact".into(), contact);
    }
    let location = compact(json!({
        "name": o.get("location_name"),
        "address": address(&Value::Object(o.clone())),
        "gated": o.get("is_gated").and_then(Value::as_bool).filter(|g| *g),
        "gate_instructions": o.get("gate_instructions"),
    }));
    for k in ADDRESS_KEYS
        .iter()
        .chain(&["location_name", "is_gated", "gate_instructions"])
    {
        o.remove(*k);
    }
    if !is_blank(&location) {
        o.insert("location".into(), location);
    }
    schedule(&mut o);
    if let Some(t) = people(take(&mut o, "techs_assigned")) {
        o.insert("techs".into(), t);
    }
    if let Some(a) = people(take(&mut o, "agents")) {
        o.insert("agents".into(), a);
    }
    if let Some(Value::Array(visits)) = take(&mut o, "visits") {
        let visits = visits
            .iter()
            .map(|visit| {
                let mut visit = visit.as_object().cloned().unwrap_or_default();
                schedule(&mut visit);
                if let Some(t) = people(visit.remove("techs_assigned")) {
                    visit.insert("techs".into(), t);
                }
                Value::Object(visit)
            })
            .collect();
        o.insert("visits".into(), Value::Array(visits));
    }
    if let Some(Value::Array(notes)) = take(&mut o, "notes") {
        let notes = notes
            .iter()
            .map(|n| json!({"text": n.get("notes").or_else(|| n.get("text")), "created_at": n.get("created_at")}))
            .collect();
        o.insert("notes".into(), Value::Array(notes));
    }
    for k in [
        "products",
        "services",
        "other_charges",
        "labor_charges",
        "expenses",
    ] {
        if let Some(Value::Array(lines)) = o.get(k) {
            let lines: Vec<Value> = lines.iter().map(line_item).collect();
            o.insert(k.to_owned(), Value::Array(lines));
        }
    }
    if let Some(Value::Array(eq)) = take(&mut o, "equipment") {
        o.insert(
            "equipment".into(),
            Value::Array(eq.iter().map(equipment).collect()),
        );
    }
    if let Some(Value::Array(invoices)) = take(&mut o, "invoices") {
        o.insert(
            "invoices".into(),
            Value::Array(invoices.iter().map(|i| invoice(i, currency)).collect()),
        );
    }
    for k in ["pictures", "documents"] {
        if let Some(Value::Array(files)) = o.get(k) {
            let files: Vec<Value> = files
                .iter()
                .map(|f| json!({"name": f.get("name"), "type": f.get("doc_type"), "comment": f.get("comment"), "created_at": f.get("created_at")}))
                .collect();
            o.insert(k.to_owned(), Value::Array(files));
        }
    }
    if let Some(cf) = custom_fields(take(&mut o, "custom_fields")) {
        o.insert("custom_fields".into(), cf);
    }
    money_fields(&mut o, currency);
    compact(Value::Object(o))
}

/// An invoice: the customer as `{id, name}`, the account's currency code instead of
/// the symbol ServiceFusion sends.
pub fn invoice(v: &Value, currency: &str) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    let customer_id = take(&mut o, "bill_to_customer_id");
    if let Some(name) = take(&mut o, "customer") {
        o.insert(
            "customer".into(),
            person(&json!({"id": customer_id, "first_name": name})),
        );
    }
    for k in [
        "bill_to_customer_location_id",
        "bill_to_customer_contact_id",
        "bill_to_email_id",
        "bill_to_phone_id",
        "currency",
    ] {
        o.remove(k);
    }
    money_fields(&mut o, currency);
    if o.contains_key("total") {
        o.insert("currency".into(), json!(currency));
    }
    compact(Value::Object(o))
}

/// A technician: the name whole, the rest as sent.
pub fn tech(v: &Value) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    let name = person(v).get("name").cloned();
    o.remove("first_name");
    o.remove("last_name");
    let mut out = Map::new();
    if let Some(i) = o.remove("id") {
        out.insert("id".into(), i);
    }
    if let Some(n) = name {
        out.insert("name".into(), n);
    }
    out.extend(o);
    compact(Value::Object(out))
}

/// A calendar task; `techs` names the users it is assigned to (from `users_id`).
pub fn calendar_task(v: &Value, techs: &[Value]) -> Value {
    let Some(mut o) = v.as_object().cloned() else {
        return compact(v.clone());
    };
    if let Some(Value::Array(users)) = take(&mut o, "users_id") {
        let named: Vec<Value> = users
            .iter()
            .filter_map(|u| id(Some(u)))
            .map(|uid| {
                techs
                    .iter()
                    .find(|t| id(t.get("id")) == Some(uid))
                    .map(person)
                    .unwrap_or_else(|| json!({"id": uid}))
            })
            .collect();
        o.insert("techs".into(), Value::Array(named));
    }
    for (from, to) in [
        ("customers_id", "customer_ids"),
        ("jobs_id", "job_ids"),
        ("estimates_id", "estimate_ids"),
    ] {
        if let Some(v) = take(&mut o, from) {
            o.insert(to.into(), v);
        }
    }
    compact(Value::Object(o))
}

/// Lookups (statuses, categories, sources, payment types): as sent, compacted.
pub fn lookup(v: &Value) -> Value {
    compact(v.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_become_utc_iso_and_empties_go() {
        assert_eq!(iso("2018-08-07T18:31:28+00:00"), "2018-08-07T18:31:28Z");
        assert_eq!(iso("2002-10-02T10:00:00-05:00"), "2002-10-02T15:00:00Z");
        assert_eq!(iso("2018-08-07"), "2018-08-07");
        let v = compact(
            json!({"a": null, "b": "", "c": [], "d": {}, "e": [null, {"f": ""}], "g": 0, "_expandable": ["x"], "qbo_id": 5}),
        );
        assert_eq!(v, json!({"g": 0}));
    }

    #[test]
    fn a_job_gets_its_customer_contact_location_and_totals_shaped() {
        let raw = json!({
            "id": 9, "number": "1001", "customer_id": 11, "customer_name": "Max Paltsev",
            "contact_first_name": "Sam", "contact_last_name": "Smith",
            "street_1": "1904 Industrial Blvd", "street_2": "103", "city": "Colleyville",
            "state_prov": "Texas", "postal_code": "76034", "location_name": "Office", "is_gated": false,
            "time_frame_promised_start": "08:00", "time_frame_promised_end": "10:00", "duration": 5400,
            "total": "193.25", "due_total": 0, "status": "Scheduled", "gate_instructions": null,
            "techs_assigned": [{"id": 31, "first_name": "Justin", "last_name": "Wormell"}],
            "notes": [{"notes": "Bring the ladder", "created_at": "2015-05-27T16:32:06+00:00"}],
            "products": [{"name": "Filter", "multiplier": 3, "rate": 4.5, "total": 13.5, "item_index": 0, "product_list_id": 2}],
            "created_at": "2014-09-08T20:42:04+00:00", "_expandable": ["visits"]
        });
        assert_eq!(
            job(&raw, "USD"),
            json!({
                "id": 9, "number": "1001", "status": "Scheduled",
                "customer": {"id": 11, "name": "Max Paltsev"},
                "contact": {"name": "Sam Smith"},
                "location": {"name": "Office", "address": "1904 Industrial Blvd 103, Colleyville, Texas 76034"},
                "time_frame": "08:00-10:00", "duration_minutes": 90,
                "total": 193.25, "due_total": 0, "currency": "USD",
                "techs": [{"id": 31, "name": "Justin Wormell"}],
                "notes": [{"text": "Bring the ladder", "created_at": "2015-05-27T16:32:06Z"}],
                "products": [{"name": "Filter", "quantity": 3, "rate": 4.5, "total": 13.5}],
                "created_at": "2014-09-08T20:42:04Z"
            })
        );
    }

    #[test]
    fn a_customer_gets_contacts_and_locations_in_one_line_each() {
        let raw = json!({
            "id": 1, "customer_name": "Bob Marley", "fully_qualified_name": "Bob Marley",
            "account_balance": 10.34, "qbo_sync_token": 385,
            "contacts": [{"fname": "Jerry", "lname": "Wheeler", "is_primary": true,
                "phones": [{"phone": "066-361-8172", "ext": 38, "type": "Mobile"}],
                "emails": [{"email": "j@example.com", "class": "Personal"}]}],
            "locations": [{"street_1": "1 Main St", "city": "Austin", "state_prov": "TX", "postal_code": "78701", "is_primary": true}],
            "custom_fields": [{"name": "Gate code", "value": "1234", "type": "text"}]
        });
        assert_eq!(
            customer(&raw, "USD"),
            json!({
                "id": 1, "name": "Bob Marley", "account_balance": 10.34, "currency": "USD",
                "contacts": [{"name": "Jerry Wheeler", "primary": true, "phones": ["066-361-8172 ext. 38 (Mobile)"], "emails": ["j@example.com"]}],
                "locations": [{"address": "1 Main St, Austin, TX 78701", "primary": true}],
                "custom_fields": {"Gate code": "1234"}
            })
        );
    }
}
