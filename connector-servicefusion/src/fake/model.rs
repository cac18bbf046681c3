//! The fake company's records in memory and how each prints in the API's shapes:
//! integer ids, references as display strings (`agent`, `payment_type`, ...), money as
//! numbers, and the sub-collections that only appear when expanded. Jobs and estimates,
//! which share most of their shape, are in `order`; the whole company is the [`Store`].
//!
//! Some facts are stored but never printed because the documented shapes lack them while
//! the documented filters need them: a customer's tags and agreement dates.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use super::{
    format::{Timestamp, date, midnight, money, opt_date, opt_timestamp, quantity, timestamp},
    order::{Estimate, Job},
    query::{Expand, Resource},
};

/// Texas state sales tax plus the usual local 2%, in basis points.
pub const TAX_RATE_BP: i64 = 825;
pub const TAX_NAME: &str = "Texas Sales Tax";

pub fn opt(s: &Option<String>) -> Value {
    s.as_deref().map_or(Value::Null, Value::from)
}

fn ids(v: &[i64]) -> Value {
    v.iter().copied().map(Value::from).collect()
}

/// A short stable key derived from a record, for the URLs the API prints
/// (printable work orders, online payment).
pub fn url_key(kind: &str, id: i64) -> String {
    let digest = Sha256::digest(format!("{kind}:{id}").as_bytes());
    digest
        .iter()
        .take(24)
        .map(|b| {
            const ALPHABET: &[u8] =
                b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
            char::from(ALPHABET[usize::from(*b) % ALPHABET.len()])
        })
        .collect()
}

// ---- company setup ----

#[derive(Debug, Clone)]
pub struct Tech {
    pub id: i64,
    pub first_name: String,
    pub last_name: String,
    pub nickname_on_workorder: String,
    pub nickname_on_dispatch: String,
    pub color_code: String,
    pub email: String,
    pub phone_1: String,
    pub phone_2: Option<String>,
    pub gender: String,
    pub department: String,
    pub title: String,
    pub bio: Option<String>,
    pub is_phone_1_mobile: bool,
    pub is_phone_1_visible_to_client: bool,
    pub is_phone_2_mobile: bool,
    pub is_phone_2_visible_to_client: bool,
    pub is_sales_rep: bool,
    pub is_field_worker: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Tech {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name, self.last_name)
    }

    /// `{id, first_name, last_name}`: how agents and assigned techs print.
    pub fn brief(&self) -> Value {
        json!({"id": self.id, "first_name": self.first_name, "last_name": self.last_name})
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusCategory {
    OpenActive,
    OpenInactive,
    Closed,
}

impl StatusCategory {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::OpenActive => "OPEN_ACTIVE",
            Self::OpenInactive => "OPEN_INACTIVE",
            Self::Closed => "CLOSED",
        }
    }
}

/// Which records a status applies to: jobs and estimates share the status table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusScope {
    Jobs,
    Estimates,
    Both,
}

#[derive(Debug, Clone)]
pub struct JobStatus {
    pub id: i64,
    pub code: String,
    pub name: String,
    pub is_custom: bool,
    pub category: StatusCategory,
    pub scope: StatusScope,
}

#[derive(Debug, Clone)]
pub struct JobCategory {
    pub id: i64,
    pub name: String,
}

#[derive(Debug, Clone)]
pub struct Source {
    pub id: i64,
    pub short_name: String,
    pub long_name: String,
}

#[derive(Debug, Clone)]
pub struct PaymentType {
    pub id: i64,
    pub code: String,
    pub short_name: String,
    pub kind: String,
    pub is_custom: bool,
}

impl PaymentType {
    pub fn is_card(&self) -> bool {
        self.kind == "CC"
    }
}

/// A custom field the company defined; records carry values for some of them.
#[derive(Debug)]
pub struct FieldDef {
    pub name: &'static str,
    pub kind: &'static str,
    pub group: &'static str,
    pub is_required: bool,
}

const fn def(name: &'static str, kind: &'static str, group: &'static str) -> FieldDef {
    FieldDef {
        name,
        kind,
        group,
        is_required: false,
    }
}

pub const CUSTOMER_FIELDS: &[FieldDef] = &[
    def("Home Type", "select", "Property"),
    def("Year Built", "numeric", "Property"),
    def("Gate Code", "text", "Access"),
    def("Pets on Property", "checkbox", "Access"),
    def("Preferred Contact Method", "select", "Default"),
];

pub const ORDER_FIELDS: &[FieldDef] = &[
    def("Permit Number", "text", "Default"),
    def("Warranty Claim", "checkbox", "Default"),
    def("Thermostat Setting", "text", "Default"),
    def("Follow-up Date", "date", "Default"),
];

pub const EQUIPMENT_FIELDS: &[FieldDef] = &[
    def("Tonnage", "numeric", "Specs"),
    def("Refrigerant", "select", "Specs"),
    def("Filter Size", "text", "Specs"),
    def("Fuel Type", "select", "Specs"),
];

#[derive(Debug, Clone)]
pub struct CustomValue {
    pub def: &'static FieldDef,
    pub value: Value,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl CustomValue {
    fn render(&self) -> Value {
        json!({
            "name": self.def.name,
            "value": self.value,
            "type": self.def.kind,
            "group": self.def.group,
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
            "is_required": self.def.is_required,
        })
    }
}

pub fn custom_fields(values: &[CustomValue]) -> Value {
    values.iter().map(CustomValue::render).collect()
}

// ---- customers ----

#[derive(Debug, Clone)]
pub struct Phone {
    pub id: i64,
    pub phone: String,
    pub ext: Option<i64>,
    pub kind: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Email {
    pub id: i64,
    pub email: String,
    pub class: String,
    pub types_accepted: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Phone {
    fn render(&self) -> Value {
        json!({
            "phone": self.phone,
            "ext": self.ext,
            "type": self.kind,
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
            "is_mobile": self.kind == "Mobile",
        })
    }
}

impl Email {
    fn render(&self) -> Value {
        json!({
            "email": self.email,
            "class": self.class,
            "types_accepted": self.types_accepted,
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Contact {
    pub id: i64,
    pub prefix: Option<String>,
    pub fname: String,
    pub lname: String,
    pub suffix: Option<String>,
    pub contact_type: Option<String>,
    pub dob: Option<String>,
    pub anniversary: Option<String>,
    pub job_title: Option<String>,
    pub department: Option<String>,
    pub is_primary: bool,
    pub phones: Vec<Phone>,
    pub emails: Vec<Email>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Contact {
    pub fn full_name(&self) -> String {
        format!("{} {}", self.fname, self.lname).trim().to_owned()
    }

    /// The contact's phone numbers, as the `phone` filters search them.
    pub fn phone_numbers(&self) -> impl Iterator<Item = &str> {
        self.phones.iter().map(|p| p.phone.as_str())
    }

    /// The contact's email addresses, as the `email` filters search them.
    pub fn email_addresses(&self) -> impl Iterator<Item = &str> {
        self.emails.iter().map(|e| e.email.as_str())
    }

    fn render(&self, nested: &Expand) -> Value {
        let mut v = json!({
            "prefix": opt(&self.prefix),
            "fname": self.fname,
            "lname": self.lname,
            "suffix": opt(&self.suffix),
            "contact_type": opt(&self.contact_type),
            "dob": opt(&self.dob),
            "anniversary": opt(&self.anniversary),
            "job_title": opt(&self.job_title),
            "department": opt(&self.department),
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
            "is_primary": self.is_primary,
        });
        if nested.has("phones") {
            v["phones"] = self.phones.iter().map(Phone::render).collect();
        }
        if nested.has("emails") {
            v["emails"] = self.emails.iter().map(Email::render).collect();
        }
        v
    }
}

#[derive(Debug, Clone)]
pub struct Location {
    pub id: i64,
    pub street_1: String,
    pub street_2: Option<String>,
    pub city: String,
    pub state_prov: String,
    pub postal_code: String,
    pub country: String,
    pub nickname: Option<String>,
    pub gate_instructions: Option<String>,
    pub latitude: Option<f64>,
    pub longitude: Option<f64>,
    pub location_type: Option<String>,
    pub is_primary: bool,
    pub is_gated: bool,
    pub is_bill_to: bool,
    pub customer_contact: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Location {
    fn render(&self) -> Value {
        json!({
            "street_1": self.street_1,
            "street_2": opt(&self.street_2),
            "city": self.city,
            "state_prov": self.state_prov,
            "postal_code": self.postal_code,
            "country": self.country,
            "nickname": opt(&self.nickname),
            "gate_instructions": opt(&self.gate_instructions),
            "latitude": self.latitude,
            "longitude": self.longitude,
            "location_type": opt(&self.location_type),
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
            "is_primary": self.is_primary,
            "is_gated": self.is_gated,
            "is_bill_to": self.is_bill_to,
            "customer_contact": opt(&self.customer_contact),
        })
    }
}

/// A service agreement's term (filterable, not printed).
#[derive(Debug, Clone, Copy)]
pub struct Agreement {
    pub effective: Timestamp,
    pub expires: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Customer {
    pub id: i64,
    pub name: String,
    pub parent_id: Option<i64>,
    pub account_number: String,
    pub account_balance: i64,
    pub private_notes: Option<String>,
    pub public_notes: Option<String>,
    pub credit_rating: Option<String>,
    pub labor_charge_type: Option<String>,
    pub labor_charge_default_rate: Option<i64>,
    pub last_serviced_date: Option<NaiveDate>,
    pub is_bill_for_drive_time: bool,
    pub is_vip: bool,
    pub referral_source_id: Option<i64>,
    pub agent_id: Option<i64>,
    pub discount: Option<f64>,
    pub discount_type: Option<String>,
    pub payment_type_id: Option<i64>,
    pub payment_terms: Option<String>,
    pub assigned_contract: Option<String>,
    pub industry: Option<String>,
    pub is_taxable: bool,
    pub tax_item_name: Option<String>,
    pub qbo_sync_token: Option<i64>,
    pub qbo_currency: Option<String>,
    pub qbo_id: Option<i64>,
    pub qbd_id: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub contacts: Vec<Contact>,
    pub locations: Vec<Location>,
    pub custom_fields: Vec<CustomValue>,
    pub tags: Vec<String>,
    pub agreement: Option<Agreement>,
}

impl Customer {
    /// The primary contact, or the first one.
    pub fn primary_contact(&self) -> Option<&Contact> {
        self.contacts
            .iter()
            .find(|c| c.is_primary)
            .or(self.contacts.first())
    }

    pub fn primary_location(&self) -> Option<&Location> {
        self.locations
            .iter()
            .find(|l| l.is_primary)
            .or(self.locations.first())
    }

    pub fn contact(&self, id: i64) -> Option<&Contact> {
        self.contacts.iter().find(|c| c.id == id)
    }
}

impl Resource for Customer {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "customer_name",
        "fully_qualified_name",
        "parent_customer",
        "account_number",
        "account_balance",
        "private_notes",
        "public_notes",
        "credit_rating",
        "labor_charge_type",
        "labor_charge_default_rate",
        "last_serviced_date",
        "is_bill_for_drive_time",
        "is_vip",
        "referral_source",
        "agent",
        "discount",
        "discount_type",
        "payment_type",
        "payment_terms",
        "assigned_contract",
        "industry",
        "is_taxable",
        "tax_item_name",
        "qbo_sync_token",
        "qbo_currency",
        "qbo_id",
        "qbd_id",
        "created_at",
        "updated_at",
    ];
    const EXPANDABLE: &'static [&'static str] = &[
        "contacts",
        "contacts.phones",
        "contacts.emails",
        "locations",
        "custom_fields",
    ];

    fn id(&self) -> i64 {
        self.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        Some(match name {
            "id" => self.id.into(),
            "customer_name" | "fully_qualified_name" => self.name.as_str().into(),
            "parent_customer" => store.customer_name(self.parent_id),
            "account_number" => self.account_number.as_str().into(),
            "account_balance" => money(self.account_balance),
            "private_notes" => opt(&self.private_notes),
            "public_notes" => opt(&self.public_notes),
            "credit_rating" => opt(&self.credit_rating),
            "labor_charge_type" => opt(&self.labor_charge_type),
            "labor_charge_default_rate" => {
                self.labor_charge_default_rate.map_or(Value::Null, money)
            }
            "last_serviced_date" => opt_date(self.last_serviced_date),
            "is_bill_for_drive_time" => self.is_bill_for_drive_time.into(),
            "is_vip" => self.is_vip.into(),
            "referral_source" => store.source_name(self.referral_source_id),
            "agent" => store.tech_name(self.agent_id),
            "discount" => self.discount.map_or(Value::Null, quantity),
            "discount_type" => opt(&self.discount_type),
            "payment_type" => store.payment_type_name(self.payment_type_id),
            "payment_terms" => opt(&self.payment_terms),
            "assigned_contract" => opt(&self.assigned_contract),
            "industry" => opt(&self.industry),
            "is_taxable" => self.is_taxable.into(),
            "tax_item_name" => opt(&self.tax_item_name),
            "qbo_sync_token" => self.qbo_sync_token.into(),
            "qbo_currency" => opt(&self.qbo_currency),
            "qbo_id" => self.qbo_id.into(),
            "qbd_id" => opt(&self.qbd_id),
            "created_at" => timestamp(&self.created_at),
            "updated_at" => timestamp(&self.updated_at),
            _ => return None,
        })
    }

    fn expansion(&self, key: &str, nested: &Expand, _store: &Store) -> Option<Value> {
        Some(match key {
            "contacts" => self.contacts.iter().map(|c| c.render(nested)).collect(),
            "locations" => self.locations.iter().map(Location::render).collect(),
            "custom_fields" => custom_fields(&self.custom_fields),
            _ => return None,
        })
    }
}

// ---- equipment ----

#[derive(Debug, Clone)]
pub struct Equipment {
    pub id: i64,
    pub customer_id: i64,
    pub location_id: Option<i64>,
    pub kind: String,
    pub make: String,
    pub model: String,
    pub sku: Option<String>,
    pub serial_number: String,
    pub location: Option<String>,
    pub notes: Option<String>,
    pub extended_warranty_provider: Option<String>,
    pub is_extended_warranty: bool,
    pub extended_warranty_date: Option<NaiveDate>,
    pub warranty_date: Option<NaiveDate>,
    pub install_date: Option<NaiveDate>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub custom_fields: Vec<CustomValue>,
}

impl Resource for Equipment {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "type",
        "make",
        "model",
        "sku",
        "serial_number",
        "location",
        "notes",
        "extended_warranty_provider",
        "is_extended_warranty",
        "extended_warranty_date",
        "warranty_date",
        "install_date",
        "created_at",
        "updated_at",
        "customer_id",
        "customer",
        "customer_location",
    ];
    const EXPANDABLE: &'static [&'static str] = &["custom_fields"];

    fn id(&self) -> i64 {
        self.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        Some(match name {
            "id" => self.id.into(),
            "type" => self.kind.as_str().into(),
            "make" => self.make.as_str().into(),
            "model" => self.model.as_str().into(),
            "sku" => opt(&self.sku),
            "serial_number" => self.serial_number.as_str().into(),
            "location" => opt(&self.location),
            "notes" => opt(&self.notes),
            "extended_warranty_provider" => opt(&self.extended_warranty_provider),
            "is_extended_warranty" => self.is_extended_warranty.into(),
            "extended_warranty_date" => opt_date(self.extended_warranty_date),
            "warranty_date" => opt_date(self.warranty_date),
            "install_date" => opt_date(self.install_date),
            "created_at" => timestamp(&self.created_at),
            "updated_at" => timestamp(&self.updated_at),
            "customer_id" => self.customer_id.into(),
            "customer" => store.customer_name(Some(self.customer_id)),
            "customer_location" => store
                .customers
                .get(&self.customer_id)
                .and_then(|c| c.locations.iter().find(|l| Some(l.id) == self.location_id))
                .map_or(Value::Null, |l| opt(&l.nickname)),
            _ => return None,
        })
    }

    fn expansion(&self, key: &str, _nested: &Expand, _store: &Store) -> Option<Value> {
        (key == "custom_fields").then(|| custom_fields(&self.custom_fields))
    }
}

// ---- invoices ----

#[derive(Debug, Clone)]
pub struct Invoice {
    pub id: i64,
    pub number: i64,
    pub customer_id: i64,
    pub location_id: Option<i64>,
    pub contact_id: Option<i64>,
    pub po_number: Option<String>,
    pub terms: String,
    pub customer_message: Option<String>,
    pub notes: Option<String>,
    pub total: i64,
    pub is_paid: bool,
    pub date: NaiveDate,
    pub mail_send_date: Option<Timestamp>,
    pub qbo_synced_date: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// `terms` code → the `payment_terms` wording.
pub fn terms_wording(code: &str) -> String {
    match code {
        "DUR" => "Due Upon Receipt".to_owned(),
        "COD" => "Cash On Delivery".to_owned(),
        other => match other.strip_prefix("NET") {
            Some(days) => format!("Net {days}"),
            None => other.to_owned(),
        },
    }
}

impl Resource for Invoice {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "number",
        "currency",
        "po_number",
        "terms",
        "customer_message",
        "notes",
        "pay_online_url",
        "qbo_invoice_no",
        "qbo_sync_token",
        "qbo_synced_date",
        "qbo_id",
        "qbd_id",
        "total",
        "is_paid",
        "date",
        "mail_send_date",
        "created_at",
        "updated_at",
        "customer",
        "customer_contact",
        "payment_terms",
        "bill_to_customer_id",
        "bill_to_customer_location_id",
        "bill_to_customer_contact_id",
        "bill_to_email_id",
        "bill_to_phone_id",
    ];

    fn id(&self) -> i64 {
        self.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        let customer = store.customers.get(&self.customer_id);
        let contact = customer.and_then(|c| self.contact_id.and_then(|id| c.contact(id)));
        Some(match name {
            "id" => self.id.into(),
            "number" => self.number.into(),
            "currency" => "$".into(),
            "po_number" => opt(&self.po_number),
            "terms" => self.terms.as_str().into(),
            "customer_message" => opt(&self.customer_message),
            "notes" => opt(&self.notes),
            "pay_online_url" => format!(
                "https://app.servicefusion.com/invoiceOnline?id={}&key={}",
                url_key("invoice", self.id),
                url_key("invoice-key", self.id)
            )
            .into(),
            "qbo_invoice_no" | "qbo_sync_token" | "qbo_id" | "qbd_id" => Value::Null,
            "qbo_synced_date" => opt_timestamp(self.qbo_synced_date.as_ref()),
            "total" => money(self.total),
            "is_paid" => self.is_paid.into(),
            "date" => timestamp(&midnight(self.date)),
            "mail_send_date" => opt_timestamp(self.mail_send_date.as_ref()),
            "created_at" => timestamp(&self.created_at),
            "updated_at" => timestamp(&self.updated_at),
            "customer" => store.customer_name(Some(self.customer_id)),
            "customer_contact" => contact.map_or(Value::Null, |c| c.full_name().into()),
            "payment_terms" => terms_wording(&self.terms).into(),
            "bill_to_customer_id" => self.customer_id.into(),
            "bill_to_customer_location_id" => self.location_id.into(),
            "bill_to_customer_contact_id" => self.contact_id.into(),
            "bill_to_email_id" => contact.and_then(|c| c.emails.first()).map(|e| e.id).into(),
            "bill_to_phone_id" => contact.and_then(|c| c.phones.first()).map(|p| p.id).into(),
            _ => return None,
        })
    }
}

// ---- calendar ----

#[derive(Debug, Clone)]
pub struct Repeat {
    pub id: i64,
    pub repeat_type: String,
    pub repeat_frequency: i64,
    pub repeat_weekly_days: Vec<String>,
    pub stop_repeat_type: String,
    pub stop_repeat_on_occurrence: Option<i64>,
    pub stop_repeat_on_date: Option<Timestamp>,
    pub start_date: Timestamp,
    pub end_date: Timestamp,
}

#[derive(Debug, Clone)]
pub struct CalendarTask {
    pub id: i64,
    pub kind: String,
    pub description: String,
    pub start_time: Option<String>,
    pub end_time: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: Option<NaiveDate>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub is_public: bool,
    pub is_completed: bool,
    pub repeat: Option<Repeat>,
    pub users: Vec<i64>,
    pub customers: Vec<i64>,
    pub jobs: Vec<i64>,
    pub estimates: Vec<i64>,
}

impl Resource for CalendarTask {
    const FIELDS: &'static [&'static str] = &[
        "id",
        "type",
        "description",
        "start_time",
        "end_time",
        "start_date",
        "end_date",
        "created_at",
        "updated_at",
        "is_public",
        "is_completed",
        "repeat_id",
        "users_id",
        "customers_id",
        "jobs_id",
        "estimates_id",
    ];
    const EXPANDABLE: &'static [&'static str] = &["repeat"];

    fn id(&self) -> i64 {
        self.id
    }

    fn field(&self, name: &str, _store: &Store) -> Option<Value> {
        Some(match name {
            "id" => self.id.into(),
            "type" => self.kind.as_str().into(),
            "description" => self.description.as_str().into(),
            "start_time" => self.start_time.clone().into(),
            "end_time" => self.end_time.clone().into(),
            "start_date" => date(self.start_date).into(),
            "end_date" => opt_date(self.end_date),
            "created_at" => timestamp(&self.created_at),
            "updated_at" => timestamp(&self.updated_at),
            "is_public" => self.is_public.into(),
            "is_completed" => self.is_completed.into(),
            "repeat_id" => self.repeat.as_ref().map(|r| r.id).into(),
            "users_id" => ids(&self.users),
            "customers_id" => ids(&self.customers),
            "jobs_id" => ids(&self.jobs),
            "estimates_id" => ids(&self.estimates),
            _ => return None,
        })
    }

    fn expansion(&self, key: &str, _nested: &Expand, _store: &Store) -> Option<Value> {
        if key != "repeat" {
            return None;
        }
        Some(self.repeat.as_ref().map_or(Value::Null, |r| {
            json!({
                "id": r.id,
                "repeat_type": r.repeat_type,
                "repeat_frequency": r.repeat_frequency,
                "repeat_weekly_days": r.repeat_weekly_days,
                "repeat_monthly_type": null,
                "stop_repeat_type": r.stop_repeat_type,
                "stop_repeat_on_occurrence": r.stop_repeat_on_occurrence,
                "stop_repeat_on_date": opt_timestamp(r.stop_repeat_on_date.as_ref()),
                "start_date": timestamp(&r.start_date),
                "end_date": timestamp(&r.end_date),
            })
        }))
    }
}

// ---- lookups and the API user ----

/// A [`Resource`] whose fields all read off the record itself: each field is named once,
/// for both [`Resource::FIELDS`] and [`Resource::field`].
macro_rules! plain_resource {
    ($t:ty, |$r:ident| { $($name:literal => $value:expr),+ $(,)? }) => {
        impl Resource for $t {
            const FIELDS: &'static [&'static str] = &[$($name),+];

            fn id(&self) -> i64 {
                self.id
            }

            fn field(&self, name: &str, _store: &Store) -> Option<Value> {
                let $r = self;
                Some(match name {
                    $($name => $value,)+
                    _ => return None,
                })
            }
        }
    };
}

plain_resource!(Tech, |t| {
    "id" => t.id.into(),
    "first_name" => t.first_name.as_str().into(),
    "last_name" => t.last_name.as_str().into(),
    "nickname_on_workorder" => t.nickname_on_workorder.as_str().into(),
    "nickname_on_dispatch" => t.nickname_on_dispatch.as_str().into(),
    "color_code" => t.color_code.as_str().into(),
    "email" => t.email.as_str().into(),
    "phone_1" => t.phone_1.as_str().into(),
    "phone_2" => opt(&t.phone_2),
    "gender" => t.gender.as_str().into(),
    "department" => t.department.as_str().into(),
    "title" => t.title.as_str().into(),
    "bio" => opt(&t.bio),
    "is_phone_1_mobile" => t.is_phone_1_mobile.into(),
    "is_phone_1_visible_to_client" => t.is_phone_1_visible_to_client.into(),
    "is_phone_2_mobile" => t.is_phone_2_mobile.into(),
    "is_phone_2_visible_to_client" => t.is_phone_2_visible_to_client.into(),
    "is_sales_rep" => t.is_sales_rep.into(),
    "is_field_worker" => t.is_field_worker.into(),
    "created_at" => timestamp(&t.created_at),
    "updated_at" => timestamp(&t.updated_at),
});

/// `/v1/me`: the API user, who is one of the company's users (a tech record).
#[derive(Debug)]
pub struct Me<'a>(pub &'a Tech);

impl Resource for Me<'_> {
    const FIELDS: &'static [&'static str] = &["id", "first_name", "last_name", "email"];

    fn id(&self) -> i64 {
        self.0.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        Self::FIELDS
            .contains(&name)
            .then(|| self.0.field(name, store))
            .flatten()
    }
}

plain_resource!(JobStatus, |s| {
    "id" => s.id.into(),
    "code" => s.code.as_str().into(),
    "name" => s.name.as_str().into(),
    "is_custom" => s.is_custom.into(),
    "category" => s.category.as_str().into(),
});

plain_resource!(JobCategory, |c| {
    "id" => c.id.into(),
    "name" => c.name.as_str().into(),
});

plain_resource!(Source, |s| {
    "id" => s.id.into(),
    "short_name" => s.short_name.as_str().into(),
    "long_name" => s.long_name.as_str().into(),
});

plain_resource!(PaymentType, |p| {
    "id" => p.id.into(),
    "code" => p.code.as_str().into(),
    "short_name" => p.short_name.as_str().into(),
    "type" => p.kind.as_str().into(),
    "is_custom" => p.is_custom.into(),
});

// ---- the store ----

/// The next free numbers for records created through the API.
#[derive(Debug, Clone, Default)]
pub struct Counters {
    /// Contacts, phones, emails and locations share one id sequence.
    pub sub_id: i64,
    pub account_number: i64,
    pub job_number: i64,
    pub estimate_number: i64,
    pub customer_doc_id: i64,
}

/// The whole company. Maps are keyed by id, so iteration is in id order (the default
/// sort).
#[derive(Debug, Clone, Default)]
pub struct Store {
    pub me: i64,
    pub techs: BTreeMap<i64, Tech>,
    pub statuses: BTreeMap<i64, JobStatus>,
    pub categories: BTreeMap<i64, JobCategory>,
    pub sources: BTreeMap<i64, Source>,
    pub payment_types: BTreeMap<i64, PaymentType>,
    pub customers: BTreeMap<i64, Customer>,
    pub equipment: BTreeMap<i64, Equipment>,
    pub jobs: BTreeMap<i64, Job>,
    pub estimates: BTreeMap<i64, Estimate>,
    pub invoices: BTreeMap<i64, Invoice>,
    pub calendar_tasks: BTreeMap<i64, CalendarTask>,
    pub next: Counters,
}

/// The id after the highest one of a map (or `first` for an empty map).
pub fn next_id<T>(map: &BTreeMap<i64, T>, first: i64) -> i64 {
    map.last_key_value().map_or(first, |(k, _)| k + 1)
}

/// How a reference prints: the name of the record `id` points at, or `null`.
fn name_of<T>(map: &BTreeMap<i64, T>, id: Option<i64>, name: impl Fn(&T) -> Value) -> Value {
    id.and_then(|id| map.get(&id)).map_or(Value::Null, name)
}

impl Store {
    pub fn customer_name(&self, id: Option<i64>) -> Value {
        name_of(&self.customers, id, |c| c.name.as_str().into())
    }

    pub fn tech_name(&self, id: Option<i64>) -> Value {
        name_of(&self.techs, id, |t| t.full_name().into())
    }

    pub fn status_name(&self, id: i64) -> Value {
        name_of(&self.statuses, Some(id), |s| s.name.as_str().into())
    }

    pub fn category_name(&self, id: Option<i64>) -> Value {
        name_of(&self.categories, id, |c| c.name.as_str().into())
    }

    pub fn source_name(&self, id: Option<i64>) -> Value {
        name_of(&self.sources, id, |s| s.short_name.as_str().into())
    }

    pub fn payment_type_name(&self, id: Option<i64>) -> Value {
        name_of(&self.payment_types, id, |p| p.short_name.as_str().into())
    }

    pub fn is_closed(&self, status_id: i64) -> bool {
        self.statuses
            .get(&status_id)
            .is_some_and(|s| s.category == StatusCategory::Closed)
    }

    pub fn next_sub_id(&mut self) -> i64 {
        self.next.sub_id += 1;
        self.next.sub_id
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_are_worded() {
        assert_eq!(terms_wording("DUR"), "Due Upon Receipt");
        assert_eq!(terms_wording("NET30"), "Net 30");
    }
}
