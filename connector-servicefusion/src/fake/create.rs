//! Creates: `POST /v1/customers`, `/v1/jobs` and `/v1/estimates`. The body is JSON, or a
//! form read into the same shape (PHP-style `contacts[0][fname]` keys). Fields are
//! validated the way the API's Yii2 models do, every failure at once in the 422 array
//! with Yii2's wording; references resolve by id or name (see `refs`). Nothing is stored
//! unless the whole body is valid.

use chrono::NaiveDate;
use serde_json::{Map, Value};

use super::{
    format::{
        DATE_FORMAT, TIMESTAMP_FORMAT, Timestamp, cents, label, midnight, parse_date, parse_time,
        parse_timestamp,
    },
    model::{
        CUSTOMER_FIELDS, Contact, CustomValue, Customer, EQUIPMENT_FIELDS, Email, Equipment,
        FieldDef, Location, ORDER_FIELDS, Phone, StatusScope, Store, next_id,
    },
    order::{
        ADDRESS_FIELDS, Address, Estimate, Expense, ItemKind, Job, LaborCharge, LineItem, Note,
        Order, OtherCharge, Priority, Tag, Task,
    },
    refs::shown,
    reply::{ApiError, FieldError, valid},
};

const CUSTOMER_NAME_MAX: usize = 45;
const TEXT_MAX: usize = 255;
const CREDIT_RATINGS: &[&str] = &["A+", "A", "B+", "B", "C+", "C", "U"];
const CURRENCIES: &[&str] = &["USD", "CAD", "JMD", "THB"];
const PHONE_TYPES: &[&str] = &["Mobile", "Home", "Work", "Fax", "Other"];
const DEFAULT_DURATION: i64 = 3600;

// ---- the body ----

/// The request body as a JSON object: `application/json`, or a form whose PHP-style
/// keys (`a[0][b]`, `a[]`) build the same nesting.
pub fn body(content_type: Option<&str>, bytes: &[u8]) -> Result<Map<String, Value>, ApiError> {
    let mime = content_type
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match mime.as_str() {
        "application/json" => match serde_json::from_slice::<Value>(bytes) {
            Ok(Value::Object(m)) => Ok(m),
            Ok(_) => Err(ApiError::invalid_request()),
            Err(e) => Err(ApiError::BadRequest(format!(
                "Invalid JSON data in request body: {e}."
            ))),
        },
        "application/x-www-form-urlencoded" => Ok(form_to_json(
            url::form_urlencoded::parse(bytes).map(|(k, v)| (k.into_owned(), v.into_owned())),
        )),
        _ => Err(ApiError::UnsupportedMediaType),
    }
}

/// Builds nested objects from PHP-style keys; objects whose keys are all indexes become
/// arrays.
fn form_to_json(pairs: impl Iterator<Item = (String, String)>) -> Map<String, Value> {
    let mut root = Map::new();
    for (key, value) in pairs {
        let mut path: Vec<String> = Vec::new();
        match key.split_once('[') {
            None => path.push(key.clone()),
            Some((head, rest)) => {
                path.push(head.to_owned());
                path.extend(rest.trim_end_matches(']').split("][").map(str::to_owned));
            }
        }
        insert(&mut root, &path, value);
    }
    for v in root.values_mut() {
        arrays(v);
    }
    root
}

fn insert(map: &mut Map<String, Value>, path: &[String], value: String) {
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    // `a[]` appends: the next index of the object that will become an array.
    let key = if first.is_empty() {
        map.len().to_string()
    } else {
        first.clone()
    };
    if rest.is_empty() {
        map.insert(key, Value::String(value));
        return;
    }
    let slot = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !slot.is_object() {
        *slot = Value::Object(Map::new());
    }
    if let Value::Object(inner) = slot {
        insert(inner, rest, value);
    }
}

fn arrays(v: &mut Value) {
    if let Value::Object(m) = v {
        for inner in m.values_mut() {
            arrays(inner);
        }
        if !m.is_empty() && m.keys().all(|k| k.parse::<usize>().is_ok()) {
            let mut items: Vec<(usize, Value)> = std::mem::take(m)
                .into_iter()
                .filter_map(|(k, v)| k.parse().ok().map(|i| (i, v)))
                .collect();
            items.sort_by_key(|(i, _)| *i);
            *v = Value::Array(items.into_iter().map(|(_, v)| v).collect());
        }
    }
}

// ---- validation ----

/// Reads and validates the fields of one object of the body, collecting failures.
struct Fields<'a> {
    obj: &'a Map<String, Value>,
    /// Prefix of the error `field` for nested objects (`contacts[0].`).
    prefix: String,
    errors: Vec<FieldError>,
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        _ => false,
    }
}

impl<'a> Fields<'a> {
    fn new(obj: &'a Map<String, Value>, prefix: String) -> Self {
        Self {
            obj,
            prefix,
            errors: Vec::new(),
        }
    }

    /// A present, non-blank value.
    fn raw(&self, f: &str) -> Option<&'a Value> {
        self.obj.get(f).filter(|v| !is_blank(v))
    }

    fn given(&self, f: &str) -> bool {
        self.raw(f).is_some()
    }

    fn fail(&mut self, f: &str, message: String) {
        self.errors
            .push(FieldError::new(format!("{}{f}", self.prefix), message));
    }

    fn invalid(&mut self, f: &str, v: &Value) {
        self.fail(f, format!("{} \"{}\" is invalid.", label(f), shown(v)));
    }

    fn text_max(&mut self, f: &str, max: usize) -> Option<String> {
        let s = match self.raw(f)? {
            Value::String(s) => s.trim().to_owned(),
            Value::Number(n) => n.to_string(),
            _ => {
                self.fail(f, format!("{} must be a string.", label(f)));
                return None;
            }
        };
        if s.chars().count() > max {
            self.fail(
                f,
                format!("{} is too long (maximum is {max} characters).", label(f)),
            );
            return None;
        }
        Some(s)
    }

    fn text(&mut self, f: &str) -> Option<String> {
        self.text_max(f, TEXT_MAX)
    }

    /// Free text without a length limit (notes, descriptions).
    fn long_text(&mut self, f: &str) -> Option<String> {
        self.text_max(f, usize::MAX)
    }

    fn required(&mut self, f: &str) -> bool {
        if self.given(f) {
            true
        } else {
            self.fail(f, format!("{} cannot be blank.", label(f)));
            false
        }
    }

    /// A present value `parse` reads; one it cannot read fails as not being `must_be`.
    fn parsed<T>(
        &mut self,
        f: &str,
        must_be: &str,
        parse: impl FnOnce(&Value) -> Option<T>,
    ) -> Option<T> {
        let parsed = parse(self.raw(f)?);
        if parsed.is_none() {
            self.fail(f, format!("{} must be {must_be}.", label(f)));
        }
        parsed
    }

    fn boolean(&mut self, f: &str) -> Option<bool> {
        self.parsed(f, "either \"1\" or \"0\"", |v| match v {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => match n.as_i64() {
                Some(1) => Some(true),
                Some(0) => Some(false),
                _ => None,
            },
            Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
                "1" | "true" => Some(true),
                "0" | "false" => Some(false),
                _ => None,
            },
            _ => None,
        })
    }

    fn flag(&mut self, f: &str, default: bool) -> bool {
        self.boolean(f).unwrap_or(default)
    }

    fn number(&mut self, f: &str) -> Option<f64> {
        self.parsed(f, "a number", |v| match v {
            Value::Number(n) => n.as_f64(),
            Value::String(s) => s.trim().parse::<f64>().ok().filter(|x| x.is_finite()),
            _ => None,
        })
    }

    fn money(&mut self, f: &str) -> Option<i64> {
        self.number(f).map(cents)
    }

    fn integer(&mut self, f: &str) -> Option<i64> {
        self.parsed(f, "an integer", |v| match v {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        })
    }

    fn date(&mut self, f: &str) -> Option<NaiveDate> {
        self.parsed(f, DATE_FORMAT, |v| v.as_str().and_then(parse_date))
    }

    fn time(&mut self, f: &str) -> Option<String> {
        self.parsed(f, "a time in the format H:i", |v| {
            v.as_str().and_then(parse_time)
        })
    }

    fn timestamp(&mut self, f: &str) -> Option<Timestamp> {
        self.parsed(f, TIMESTAMP_FORMAT, |v| {
            v.as_str()
                .and_then(|s| parse_timestamp(s).or_else(|| parse_date(s).map(midnight)))
        })
    }

    /// One of `options`, case-insensitively, returned as spelled in `options`.
    fn choice(&mut self, f: &str, options: &[&'static str]) -> Option<&'static str> {
        let v = self.raw(f)?;
        let text = match v {
            Value::String(s) => s.trim().to_owned(),
            other => other.to_string(),
        };
        let found = options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(&text))
            .copied();
        if found.is_none() {
            self.invalid(f, v);
        }
        found
    }

    fn reference(&mut self, f: &str, find: impl Fn(&Value) -> Option<i64>) -> Option<i64> {
        let v = self.raw(f)?;
        let id = find(v);
        if id.is_none() {
            self.invalid(f, v);
        }
        id
    }

    /// The items of an array field (absent: none).
    fn array(&mut self, f: &str) -> Vec<&'a Value> {
        match self.raw(f) {
            None => Vec::new(),
            Some(Value::Array(items)) => items.iter().collect(),
            Some(_) => {
                self.fail(f, format!("{} must be an array.", label(f)));
                Vec::new()
            }
        }
    }

    /// An array of objects, each read with its own [`Fields`] (errors as `f[i].x`).
    fn objects(&mut self, f: &str) -> Vec<Fields<'a>> {
        let mut out = Vec::new();
        for (i, item) in self.array(f).into_iter().enumerate() {
            match item {
                Value::Object(o) => out.push(Fields::new(o, format!("{}{f}[{i}].", self.prefix))),
                _ => self.fail(f, format!("{} must be an array of objects.", label(f))),
            }
        }
        out
    }

    /// Tech references in an array (`agents`, `techs_assigned`).
    fn techs(&mut self, f: &str, store: &Store) -> Vec<i64> {
        let mut ids = Vec::new();
        for item in self.array(f) {
            match store.find_tech(item) {
                Some(id) if !ids.contains(&id) => ids.push(id),
                Some(_) => {}
                None => self.invalid(f, item),
            }
        }
        ids
    }

    /// Absorbs a nested object's failures.
    fn merge(&mut self, nested: Fields<'_>) {
        self.errors.extend(nested.errors);
    }

    fn finish(self) -> Result<(), ApiError> {
        valid(self.errors)
    }
}

fn custom_values(
    b: &mut Fields<'_>,
    defs: &'static [FieldDef],
    now: Timestamp,
) -> Vec<CustomValue> {
    let mut out = Vec::new();
    for mut c in b.objects("custom_fields") {
        if c.required("name") {
            let name = c.raw("name").cloned().unwrap_or(Value::Null);
            match defs.iter().find(|d| {
                name.as_str()
                    .is_some_and(|n| d.name.eq_ignore_ascii_case(n.trim()))
            }) {
                Some(def) => out.push(CustomValue {
                    def,
                    value: c.obj.get("value").cloned().unwrap_or(Value::Null),
                    created_at: now,
                    updated_at: now,
                }),
                None => c.invalid("name", &name),
            }
        }
        b.merge(c);
    }
    out
}

// ---- customers ----

fn contact(c: &mut Fields<'_>, store: &mut Store, now: Timestamp) -> Contact {
    c.required("fname");
    let mut phones = Vec::new();
    for mut p in c.objects("phones") {
        if p.required("phone") {
            phones.push(Phone {
                id: 0,
                phone: p.text_max("phone", 45).unwrap_or_default(),
                ext: p.integer("ext"),
                kind: p.choice("type", PHONE_TYPES).unwrap_or("Mobile").to_owned(),
                created_at: now,
                updated_at: now,
            });
        }
        c.merge(p);
    }
    let mut emails = Vec::new();
    for mut e in c.objects("emails") {
        if e.required("email") {
            let email = e.text_max("email", 255).unwrap_or_default();
            let (local, domain) = email.split_once('@').unwrap_or(("", ""));
            if local.is_empty() || !domain.contains('.') || email.contains(' ') {
                e.fail("email", "Email is not a valid email address.".to_owned());
            }
            emails.push(Email {
                id: 0,
                email,
                class: e.text("class").unwrap_or_else(|| "Personal".to_owned()),
                types_accepted: e.text("types_accepted").unwrap_or_default(),
                created_at: now,
                updated_at: now,
            });
        }
        c.merge(e);
    }
    for p in &mut phones {
        p.id = store.next_sub_id();
    }
    for e in &mut emails {
        e.id = store.next_sub_id();
    }
    Contact {
        id: store.next_sub_id(),
        prefix: c.text("prefix"),
        fname: c.text_max("fname", 45).unwrap_or_default(),
        lname: c.text_max("lname", 45).unwrap_or_default(),
        suffix: c.text("suffix"),
        contact_type: c.text("contact_type"),
        dob: c.text("dob"),
        anniversary: c.text("anniversary"),
        job_title: c.text("job_title"),
        department: c.text("department"),
        is_primary: c.flag("is_primary", false),
        phones,
        emails,
        created_at: now,
        updated_at: now,
    }
}

fn location(l: &mut Fields<'_>, store: &mut Store, now: Timestamp) -> Location {
    l.required("street_1");
    Location {
        id: store.next_sub_id(),
        street_1: l.text("street_1").unwrap_or_default(),
        street_2: l.text("street_2"),
        city: l.text("city").unwrap_or_default(),
        state_prov: l.text("state_prov").unwrap_or_default(),
        postal_code: l.text("postal_code").unwrap_or_default(),
        country: l.text("country").unwrap_or_else(|| "USA".to_owned()),
        nickname: l.text("nickname"),
        gate_instructions: l.long_text("gate_instructions"),
        latitude: l.number("latitude"),
        longitude: l.number("longitude"),
        location_type: l.text("location_type"),
        is_primary: l.flag("is_primary", false),
        is_gated: l.flag("is_gated", false),
        is_bill_to: l.flag("is_bill_to", false),
        customer_contact: l.text("customer_contact"),
        created_at: now,
        updated_at: now,
    }
}

/// Exactly one primary: the first one marked, else the first one.
fn one_primary<T>(items: &mut [T], flag: impl Fn(&mut T) -> &mut bool) {
    let first_marked = items.iter_mut().position(|i| *flag(i));
    for (i, item) in items.iter_mut().enumerate() {
        *flag(item) = Some(i) == first_marked.or(Some(0));
    }
}

pub fn customer(
    store: &mut Store,
    obj: &Map<String, Value>,
    now: Timestamp,
) -> Result<i64, ApiError> {
    let mut b = Fields::new(obj, String::new());
    let name = if b.required("customer_name") {
        b.text_max("customer_name", CUSTOMER_NAME_MAX)
    } else {
        None
    };
    if let Some(n) = &name
        && store
            .customers
            .values()
            .any(|c| c.name.eq_ignore_ascii_case(n))
    {
        b.fail(
            "customer_name",
            format!("Customer Name \"{n}\" has already been taken."),
        );
    }
    let parent_id = b.reference("parent_customer", |v| store.find_customer(v));
    let referral_source_id = b.reference("referral_source", |v| store.find_source(v));
    let agent_id = b.reference("agent", |v| store.find_tech(v));
    let payment_type_id = b.reference("payment_type", |v| store.find_payment_type(v));
    let mut contacts = Vec::new();
    for mut c in b.objects("contacts") {
        contacts.push(contact(&mut c, store, now));
        b.merge(c);
    }
    one_primary(&mut contacts, |c| &mut c.is_primary);
    let mut locations = Vec::new();
    for mut l in b.objects("locations") {
        locations.push(location(&mut l, store, now));
        b.merge(l);
    }
    one_primary(&mut locations, |l| &mut l.is_primary);
    let account_number = b.text_max("account_number", 45);
    let mut c = Customer {
        id: next_id(&store.customers, 1),
        name: name.unwrap_or_default(),
        parent_id,
        account_number: String::new(),
        account_balance: 0,
        private_notes: b.long_text("private_notes"),
        public_notes: b.long_text("public_notes"),
        credit_rating: b.choice("credit_rating", CREDIT_RATINGS).map(str::to_owned),
        labor_charge_type: b
            .choice("labor_charge_type", &["flat", "hourly"])
            .map(str::to_owned),
        labor_charge_default_rate: b.money("labor_charge_default_rate"),
        last_serviced_date: b.date("last_serviced_date"),
        is_bill_for_drive_time: b.flag("is_bill_for_drive_time", false),
        is_vip: b.flag("is_vip", false),
        referral_source_id,
        agent_id,
        discount: b.number("discount"),
        discount_type: b.choice("discount_type", &["$", "%"]).map(str::to_owned),
        payment_type_id,
        payment_terms: b.text("payment_terms"),
        assigned_contract: b.text("assigned_contract"),
        industry: b.text("industry"),
        is_taxable: b.flag("is_taxable", true),
        tax_item_name: b.text("tax_item_name"),
        qbo_sync_token: b.integer("qbo_sync_token"),
        qbo_currency: b.choice("qbo_currency", CURRENCIES).map(str::to_owned),
        qbo_id: None,
        qbd_id: None,
        created_at: now,
        updated_at: now,
        contacts,
        locations,
        custom_fields: custom_values(&mut b, CUSTOMER_FIELDS, now),
        tags: Vec::new(),
        agreement: None,
    };
    b.finish()?;
    c.account_number = account_number.unwrap_or_else(|| {
        store.next.account_number += 1;
        store.next.account_number.to_string()
    });
    let id = c.id;
    store.customers.insert(id, c);
    Ok(id)
}

// ---- jobs and estimates ----

fn line_items(b: &mut Fields<'_>, f: &str, kind: ItemKind, now: Timestamp) -> Vec<LineItem> {
    let catalog_field = match kind {
        ItemKind::Product => "product",
        ItemKind::Service => "service",
    };
    let mut out = Vec::new();
    for mut l in b.objects(f) {
        if l.required("name") {
            let name = l.text("name").unwrap_or_default();
            out.push(LineItem {
                kind,
                catalog: l.text(catalog_field).unwrap_or_else(|| name.clone()),
                catalog_id: 0,
                name,
                description: l.long_text("description"),
                multiplier: l.number("multiplier").unwrap_or(1.0),
                rate: l.money("rate").unwrap_or(0),
                cost: l.money("cost").unwrap_or(0),
                taxable: l.text("tax").is_some(),
                is_show_rate_items: l.flag("is_show_rate_items", true),
                created_at: now,
                updated_at: now,
            });
        }
        b.merge(l);
    }
    out
}

fn other_charges(b: &mut Fields<'_>, now: Timestamp) -> Vec<OtherCharge> {
    let mut out = Vec::new();
    for mut c in b.objects("other_charges") {
        if c.required("name") {
            let is_percentage = c.flag("is_percentage", false);
            let rate = c.number("rate").unwrap_or(0.0);
            out.push(OtherCharge {
                name: c.text("name").unwrap_or_default(),
                other_charge_id: 0,
                rate: cents(rate.abs()),
                is_percentage,
                is_discount: c.flag("is_discount", rate < 0.0),
                created_at: now,
                updated_at: now,
            });
        }
        b.merge(c);
    }
    out
}

/// Minutes between two `HH:MM` times of the same day (0 when either is missing).
fn minutes_between(start: &Option<String>, end: &Option<String>) -> i64 {
    let parse = |t: &Option<String>| -> Option<i64> {
        let (h, m) = t.as_deref()?.split_once(':')?;
        Some(h.parse::<i64>().ok()? * 60 + m.parse::<i64>().ok()?)
    };
    match (parse(start), parse(end)) {
        (Some(s), Some(e)) if e > s => e - s,
        _ => 0,
    }
}

fn labor_charges(
    b: &mut Fields<'_>,
    store: &Store,
    today: NaiveDate,
    now: Timestamp,
) -> Vec<LaborCharge> {
    let mut out = Vec::new();
    for mut l in b.objects("labor_charges") {
        let drive_start = l.time("drive_time_start");
        let drive_end = l.time("drive_time_end");
        let tech_id = l
            .reference("user", |v| store.find_tech(v))
            .unwrap_or(store.me);
        out.push(LaborCharge {
            tech_id,
            drive_minutes: minutes_between(&drive_start, &drive_end),
            drive_rate: l.money("drive_time_rate").unwrap_or(0),
            drive_start,
            drive_end,
            is_drive_time_billed: l.flag("is_drive_time_billed", false),
            labor_minutes: l.integer("labor_time").unwrap_or(0),
            labor_rate: l.money("labor_time_rate").unwrap_or(0),
            labor_start: None,
            labor_end: None,
            is_labor_time_billed: l.flag("is_labor_time_billed", false),
            labor_date: l.date("labor_date").unwrap_or(today),
            created_at: now,
        });
        b.merge(l);
    }
    out
}

fn expenses(b: &mut Fields<'_>, store: &Store, today: NaiveDate, now: Timestamp) -> Vec<Expense> {
    let mut out = Vec::new();
    for mut e in b.objects("expenses") {
        if e.required("amount") {
            out.push(Expense {
                purchased_from: e.text("purchased_from").unwrap_or_default(),
                notes: e.long_text("notes"),
                amount: e.money("amount").unwrap_or(0),
                is_billable: e.flag("is_billable", false),
                date: e.date("date").unwrap_or(today),
                tech_id: e.reference("user", |v| store.find_tech(v)),
                category: e.text("category").unwrap_or_else(|| "Materials".to_owned()),
                created_at: now,
            });
        }
        b.merge(e);
    }
    out
}

/// Equipment items: an existing piece of the customer's by id, or a new piece.
fn equipment(
    b: &mut Fields<'_>,
    store: &Store,
    customer_id: Option<i64>,
    now: Timestamp,
) -> (Vec<i64>, Vec<Equipment>) {
    let (mut linked, mut new) = (Vec::new(), Vec::new());
    for mut e in b.objects("equipment") {
        let existing = e.raw("id").and_then(Value::as_i64).filter(|id| {
            store
                .equipment
                .get(id)
                .is_some_and(|x| Some(x.customer_id) == customer_id)
        });
        if let Some(id) = existing {
            linked.push(id);
        } else if e.required("type") {
            let location_name = e.text("customer_location");
            let location_id = customer_id
                .and_then(|c| store.customers.get(&c))
                .and_then(|c| {
                    c.locations
                        .iter()
                        .find(|l| l.nickname.is_some() && l.nickname == location_name)
                        .or(c.primary_location())
                })
                .map(|l| l.id);
            new.push(Equipment {
                id: 0,
                customer_id: customer_id.unwrap_or(0),
                location_id,
                kind: e.text("type").unwrap_or_default(),
                make: e.text("make").unwrap_or_default(),
                model: e.text("model").unwrap_or_default(),
                sku: e.text("sku"),
                serial_number: e.text("serial_number").unwrap_or_default(),
                location: e.text("location"),
                notes: e.long_text("notes"),
                extended_warranty_provider: e.text("extended_warranty_provider"),
                is_extended_warranty: e.flag("is_extended_warranty", false),
                extended_warranty_date: e.date("extended_warranty_date"),
                warranty_date: e.date("warranty_date"),
                install_date: e.date("install_date"),
                created_at: now,
                updated_at: now,
                custom_fields: custom_values(&mut e, EQUIPMENT_FIELDS, now),
            });
        }
        b.merge(e);
    }
    (linked, new)
}

/// An order read from the body, with what must be added to the store once it is valid.
struct Draft {
    order: Order,
    /// A contact the customer does not have yet: `(first, last)`.
    new_contact: Option<(Option<String>, Option<String>)>,
    new_equipment: Vec<Equipment>,
}

fn order(b: &mut Fields<'_>, store: &Store, scope: StatusScope, now: Timestamp) -> Draft {
    let customer_id = if b.required("customer_name") {
        b.reference("customer_name", |v| store.find_customer(v))
    } else {
        None
    };
    let customer = customer_id.and_then(|id| store.customers.get(&id));
    let default_status = match scope {
        StatusScope::Estimates => "Estimate Requested",
        _ => "Unscheduled",
    };
    let status_id = b
        .reference("status", |v| store.find_status(v, scope))
        .or_else(|| store.find_status(&Value::from(default_status), scope))
        .unwrap_or(0);
    let priority = b
        .choice("priority", &["Low", "Normal", "High"])
        .and_then(|p| Priority::ALL.into_iter().find(|x| x.as_str() == p))
        .unwrap_or(Priority::Normal);
    let duration = match b.integer("duration") {
        Some(d) if d < 0 => {
            b.fail("duration", "Duration must be no less than 0.".to_owned());
            DEFAULT_DURATION
        }
        Some(d) => d,
        None => DEFAULT_DURATION,
    };

    // The contact: the customer's primary one unless named; a named one the customer
    // lacks is added to the customer.
    let first = b.text_max("contact_first_name", 45);
    let last = b.text_max("contact_last_name", 45);
    let (contact_id, new_contact) = match (customer, first.is_some() || last.is_some()) {
        (Some(c), false) => (c.primary_contact().map(|x| x.id), None),
        (Some(c), true) => {
            let found = c.contacts.iter().find(|x| {
                first
                    .as_ref()
                    .is_none_or(|f| x.fname.eq_ignore_ascii_case(f))
                    && last
                        .as_ref()
                        .is_none_or(|l| x.lname.eq_ignore_ascii_case(l))
            });
            match found {
                Some(x) => (Some(x.id), None),
                None => (None, Some((first.clone(), last.clone()))),
            }
        }
        (None, _) => (None, None),
    };
    let contact = customer.and_then(|c| contact_id.and_then(|id| c.contact(id)));
    let (contact_first_name, contact_last_name) = match contact {
        Some(x) if first.is_none() && last.is_none() => {
            (Some(x.fname.clone()), Some(x.lname.clone()))
        }
        _ => (first, last),
    };

    // The address: the customer's primary location unless any part is given.
    let address = if ADDRESS_FIELDS.iter().any(|f| b.given(f)) {
        Address {
            street_1: b.text("street_1"),
            street_2: b.text("street_2"),
            city: b.text("city"),
            state_prov: b.text("state_prov"),
            postal_code: b.text("postal_code"),
            location_name: b.text("location_name"),
            is_gated: b.flag("is_gated", false),
            gate_instructions: b.long_text("gate_instructions"),
        }
    } else {
        let mut a = customer
            .and_then(|c| c.primary_location())
            .map(Address::from_location)
            .unwrap_or_default();
        if let Some(g) = b.boolean("is_gated") {
            a.is_gated = g;
        }
        if let Some(g) = b.long_text("gate_instructions") {
            a.gate_instructions = Some(g);
        }
        a
    };

    let (linked_equipment, new_equipment) = equipment(b, store, customer_id, now);
    let mut tasks = Vec::new();
    for mut t in b.objects("tasks") {
        if t.required("description") {
            tasks.push(Task {
                kind: t.text("type").unwrap_or_else(|| "Misc".to_owned()),
                description: t.long_text("description").unwrap_or_default(),
                start_time: t.time("start_time"),
                start_date: t.date("start_date"),
                end_date: t.date("end_date"),
                is_completed: t.flag("is_completed", false),
                created_at: now,
                updated_at: now,
            });
        }
        b.merge(t);
    }
    let mut notes = Vec::new();
    for mut n in b.objects("notes") {
        if n.required("notes") {
            notes.push(Note {
                text: n.long_text("notes").unwrap_or_default(),
                created_at: now,
                updated_at: now,
            });
        }
        b.merge(n);
    }

    let order = Order {
        id: 0,
        number: String::new(),
        check_number: b.text("check_number"),
        priority,
        description: b.long_text("description"),
        tech_notes: b.long_text("tech_notes"),
        completion_notes: b.long_text("completion_notes"),
        duration,
        promised_start: b.time("time_frame_promised_start"),
        promised_end: b.time("time_frame_promised_end"),
        start_date: b.date("start_date"),
        end_date: b.date("end_date"),
        created_at: now,
        updated_at: now,
        customer_id: customer_id.unwrap_or(0),
        status_id,
        sub_status: None,
        contact_id,
        contact_first_name,
        contact_last_name,
        address,
        category_id: b.reference("category", |v| store.find_category(v)),
        source_id: b.reference("source", |v| store.find_source(v)),
        payment_type_id: b
            .reference("payment_type", |v| store.find_payment_type(v))
            .or(customer.and_then(|c| c.payment_type_id)),
        customer_payment_terms: b
            .text("customer_payment_terms")
            .or(customer.and_then(|c| c.payment_terms.clone())),
        project: b.text("project"),
        phase: b.text("phase"),
        po_number: b.text("po_number"),
        contract: b.text("contract"),
        note_to_customer: b.long_text("note_to_customer"),
        called_in_by: b.text("called_in_by"),
        is_requires_follow_up: b.flag("is_requires_follow_up", false),
        agents: b.techs("agents", store),
        techs: b.techs("techs_assigned", store),
        custom_fields: custom_values(b, ORDER_FIELDS, now),
        pictures: Vec::new(),
        documents: Vec::new(),
        equipment: linked_equipment,
        tasks,
        notes,
        products: line_items(b, "products", ItemKind::Product, now),
        services: line_items(b, "services", ItemKind::Service, now),
        other_charges: other_charges(b, now),
        payments: Vec::new(),
        signatures: Vec::new(),
    };
    Draft {
        order,
        new_contact,
        new_equipment,
    }
}

/// Adds what the draft needs to the store (a contact, new equipment) and returns the
/// finished order.
fn commit(store: &mut Store, draft: Draft, now: Timestamp) -> Order {
    let Draft {
        mut order,
        new_contact,
        new_equipment,
    } = draft;
    if let Some((first, last)) = new_contact {
        let id = store.next_sub_id();
        if let Some(c) = store.customers.get_mut(&order.customer_id) {
            let is_primary = c.contacts.is_empty();
            c.contacts.push(Contact {
                id,
                prefix: None,
                fname: first.unwrap_or_default(),
                lname: last.unwrap_or_default(),
                suffix: None,
                contact_type: None,
                dob: None,
                anniversary: None,
                job_title: None,
                department: None,
                is_primary,
                phones: Vec::new(),
                emails: Vec::new(),
                created_at: now,
                updated_at: now,
            });
            c.updated_at = now;
            order.contact_id = Some(id);
        }
    }
    for mut e in new_equipment {
        e.id = next_id(&store.equipment, 1);
        order.equipment.push(e.id);
        store.equipment.insert(e.id, e);
    }
    order
}

pub fn job(store: &mut Store, obj: &Map<String, Value>, now: Timestamp) -> Result<i64, ApiError> {
    let mut b = Fields::new(obj, String::new());
    let draft = order(&mut b, store, StatusScope::Jobs, now);
    let labor = labor_charges(&mut b, store, now.date_naive(), now);
    let expenses = expenses(&mut b, store, now.date_naive(), now);
    b.finish()?;
    let mut order = commit(store, draft, now);
    order.id = next_id(&store.jobs, 1);
    store.next.job_number += 1;
    order.number = store.next.job_number.to_string();
    let closed_at = store.is_closed(order.status_id).then_some(now);
    let id = order.id;
    store.jobs.insert(
        id,
        Job {
            order,
            closed_at,
            labor_charges: labor,
            expenses,
            visits: Vec::new(),
            invoice_ids: Vec::new(),
        },
    );
    Ok(id)
}

pub fn estimate(
    store: &mut Store,
    obj: &Map<String, Value>,
    now: Timestamp,
) -> Result<i64, ApiError> {
    let mut b = Fields::new(obj, String::new());
    let mut draft = order(&mut b, store, StatusScope::Estimates, now);
    if let Some(requested) = b.timestamp("created_at") {
        draft.order.created_at = requested;
    }
    let opportunity_rating = match b.integer("opportunity_rating") {
        Some(r) if !(0..=5).contains(&r) => {
            b.fail(
                "opportunity_rating",
                "Opportunity Rating must be no greater than 5.".to_owned(),
            );
            None
        }
        r => r,
    };
    let opportunity_owner = b.reference("opportunity_owner", |v| store.find_tech(v));
    let mut tags = Vec::new();
    for item in b.array("tags") {
        let tag = match item {
            Value::String(s) => Some(s.trim().to_owned()),
            Value::Object(o) => o
                .get("tag")
                .and_then(Value::as_str)
                .map(|s| s.trim().to_owned()),
            _ => None,
        };
        match tag.filter(|t| !t.is_empty()) {
            Some(tag) => tags.push(Tag {
                tag,
                created_at: now,
            }),
            None => b.fail("tags", "Tag cannot be blank.".to_owned()),
        }
    }
    b.finish()?;
    let mut order = commit(store, draft, now);
    order.id = next_id(&store.estimates, 1);
    store.next.estimate_number += 1;
    order.number = store.next.estimate_number.to_string();
    let id = order.id;
    store.estimates.insert(
        id,
        Estimate {
            order,
            opportunity_rating,
            opportunity_owner,
            tags,
        },
    );
    Ok(id)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn php_style_form_keys_nest() {
        let m = form_to_json(
            [
                ("customer_name", "Ann Lee"),
                ("contacts[0][fname]", "Ann"),
                ("contacts[0][phones][0][phone]", "512-555-0100"),
                ("contacts[1][fname]", "Bob"),
                ("tags[]", "a"),
                ("tags[]", "b"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned())),
        );
        assert_eq!(
            Value::Object(m),
            json!({
                "customer_name": "Ann Lee",
                "contacts": [
                    {"fname": "Ann", "phones": [{"phone": "512-555-0100"}]},
                    {"fname": "Bob"}
                ],
                "tags": ["a", "b"],
            })
        );
    }

    #[test]
    fn yii_messages() {
        let obj = json!({"customer_name": "  ", "credit_rating": "Z", "is_vip": "maybe", "discount": "x"});
        let obj = obj.as_object().cloned().unwrap_or_default();
        let mut f = Fields::new(&obj, String::new());
        f.required("customer_name");
        f.choice("credit_rating", CREDIT_RATINGS);
        f.boolean("is_vip");
        f.number("discount");
        let messages: Vec<String> = f.errors.iter().map(|e| e.message.clone()).collect();
        assert_eq!(
            messages,
            [
                "Customer Name cannot be blank.",
                "Credit Rating \"Z\" is invalid.",
                "Is Vip must be either \"1\" or \"0\".",
                "Discount must be a number.",
            ]
        );
    }

    #[test]
    fn one_primary_each() {
        let mut v = [false, true, true];
        let mut refs: Vec<&mut bool> = v.iter_mut().collect();
        one_primary(&mut refs, |b| &mut **b);
        assert_eq!(v, [false, true, false]);
        let mut none = [false, false];
        let mut refs: Vec<&mut bool> = none.iter_mut().collect();
        one_primary(&mut refs, |b| &mut **b);
        assert_eq!(none, [true, false]);
    }
}
