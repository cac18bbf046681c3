//! Jobs and estimates: the work order they share (contact and address copied from the
//! customer, references to statuses, categories, sources and payment types, techs,
//! lines, payments, notes, attachments), what only a job has (visits, logged labor,
//! expenses, invoices, `closed_at`) and what only an estimate has (opportunity, tags).
//! Totals are always computed from the lines, so they stay consistent whatever was
//! created.

use chrono::NaiveDate;
use serde_json::{Value, json};

use super::{
    format::{Timestamp, date, midnight, money, opt_date, opt_timestamp, quantity, timestamp},
    model::{
        CustomValue, Location, PaymentType, Store, TAX_NAME, TAX_RATE_BP, Tech, custom_fields, opt,
        url_key,
    },
    query::{Expand, Resource, concat, render_nested, total_len},
};

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

impl Priority {
    pub const ALL: [Priority; 3] = [Self::Low, Self::Normal, Self::High];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Normal => "Normal",
            Self::High => "High",
        }
    }
}

/// Where the work happens, copied from a customer location (or given) when the record
/// is created.
#[derive(Debug, Clone, Default)]
pub struct Address {
    pub street_1: Option<String>,
    pub street_2: Option<String>,
    pub city: Option<String>,
    pub state_prov: Option<String>,
    pub postal_code: Option<String>,
    pub location_name: Option<String>,
    pub is_gated: bool,
    pub gate_instructions: Option<String>,
}

impl Address {
    pub fn from_location(l: &Location) -> Self {
        Self {
            street_1: Some(l.street_1.clone()),
            street_2: l.street_2.clone(),
            city: Some(l.city.clone()),
            state_prov: Some(l.state_prov.clone()),
            postal_code: Some(l.postal_code.clone()),
            location_name: l.nickname.clone(),
            is_gated: l.is_gated,
            gate_instructions: l.gate_instructions.clone(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    Product,
    Service,
}

/// A product or service line.
#[derive(Debug, Clone)]
pub struct LineItem {
    pub kind: ItemKind,
    pub name: String,
    /// The catalog entry the line comes from (`product` / `service`).
    pub catalog: String,
    pub catalog_id: i64,
    pub description: Option<String>,
    pub multiplier: f64,
    pub rate: i64,
    pub cost: i64,
    pub taxable: bool,
    pub is_show_rate_items: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl LineItem {
    pub fn total(&self) -> i64 {
        (self.multiplier * self.rate as f64).round() as i64
    }

    fn cost_total(&self) -> i64 {
        (self.multiplier * self.cost as f64).round() as i64
    }

    fn render(&self, index: usize) -> Value {
        let mut v = json!({
            "name": self.name,
            "description": opt(&self.description),
            "multiplier": quantity(self.multiplier),
            "rate": money(self.rate),
            "total": money(self.total()),
            "cost": money(self.cost),
            "actual_cost": money(self.cost),
            "item_index": index,
            "parent_index": 0,
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.updated_at),
            "is_show_rate_items": self.is_show_rate_items,
            "tax": if self.taxable { Value::from(TAX_NAME) } else { Value::Null },
            "pattern_row_id": null,
            "qbo_class_id": null,
            "qbd_class_id": null,
        });
        match self.kind {
            ItemKind::Product => {
                v["product"] = self.catalog.as_str().into();
                v["product_list_id"] = self.catalog_id.into();
                v["warehouse_id"] = 200.into();
            }
            ItemKind::Service => {
                v["service"] = self.catalog.as_str().into();
                v["service_list_id"] = self.catalog_id.into();
                v["service_rate_id"] = (self.catalog_id + 100).into();
            }
        }
        v
    }
}

/// A fee or discount on top of the lines: a percentage of the products and services,
/// or a flat amount.
#[derive(Debug, Clone)]
pub struct OtherCharge {
    pub name: String,
    pub other_charge_id: i64,
    /// Cents, or hundredths of a percent when `is_percentage`.
    pub rate: i64,
    pub is_percentage: bool,
    pub is_discount: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl OtherCharge {
    fn total(&self, subtotal: i64) -> i64 {
        let amount = if self.is_percentage {
            (subtotal as f64 * self.rate as f64 / 10_000.0).round() as i64
        } else {
            self.rate
        };
        if self.is_discount { -amount } else { amount }
    }
}

/// Time a technician logged on a visit; billed only when the customer pays by the hour.
#[derive(Debug, Clone)]
pub struct LaborCharge {
    pub tech_id: i64,
    pub drive_minutes: i64,
    pub drive_rate: i64,
    pub drive_start: Option<String>,
    pub drive_end: Option<String>,
    pub is_drive_time_billed: bool,
    pub labor_minutes: i64,
    pub labor_rate: i64,
    pub labor_start: Option<String>,
    pub labor_end: Option<String>,
    pub is_labor_time_billed: bool,
    pub labor_date: NaiveDate,
    pub created_at: Timestamp,
}

impl LaborCharge {
    fn drive_cost(&self) -> i64 {
        self.drive_minutes * self.drive_rate / 60
    }

    fn labor_cost(&self) -> i64 {
        self.labor_minutes * self.labor_rate / 60
    }

    pub fn total(&self) -> i64 {
        let drive = if self.is_drive_time_billed {
            self.drive_cost()
        } else {
            0
        };
        let labor = if self.is_labor_time_billed {
            self.labor_cost()
        } else {
            0
        };
        drive + labor
    }

    fn render(&self, store: &Store) -> Value {
        json!({
            "drive_time": self.drive_minutes,
            "drive_time_rate": money(self.drive_rate),
            "drive_time_cost": money(self.drive_cost()),
            "drive_time_start": self.drive_start,
            "drive_time_end": self.drive_end,
            "is_drive_time_billed": self.is_drive_time_billed,
            "labor_time": self.labor_minutes,
            "labor_time_rate": money(self.labor_rate),
            "labor_time_cost": money(self.labor_cost()),
            "labor_time_start": self.labor_start,
            "labor_time_end": self.labor_end,
            "labor_date": date(self.labor_date),
            "is_labor_time_billed": self.is_labor_time_billed,
            "total": money(self.total()),
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.created_at),
            "is_status_generated": true,
            "user": store.tech_name(Some(self.tech_id)),
            "visit_id": null,
            "qbo_class_id": null,
            "qbd_class_id": null,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Expense {
    pub purchased_from: String,
    pub notes: Option<String>,
    pub amount: i64,
    pub is_billable: bool,
    pub date: NaiveDate,
    pub tech_id: Option<i64>,
    pub category: String,
    pub created_at: Timestamp,
}

impl Expense {
    fn render(&self, store: &Store) -> Value {
        json!({
            "purchased_from": self.purchased_from,
            "notes": opt(&self.notes),
            "amount": money(self.amount),
            "is_billable": self.is_billable,
            "date": date(self.date),
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.created_at),
            "user": store.tech_name(self.tech_id),
            "category": self.category,
            "qbo_class_id": null,
            "qbd_class_id": null,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Payment {
    pub id: i64,
    pub payment_type_id: i64,
    pub amount: i64,
    pub received_on: NaiveDate,
    pub memo: Option<String>,
    pub reference_number: Option<String>,
    pub invoice_id: Option<i64>,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Note {
    pub text: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Task {
    pub kind: String,
    pub description: String,
    pub start_time: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub is_completed: bool,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A picture or a document attached to a job or estimate.
#[derive(Debug, Clone)]
pub struct Attachment {
    pub name: String,
    pub file_location: String,
    pub comment: Option<String>,
    pub is_private: bool,
    pub customer_doc_id: i64,
    pub created_at: Timestamp,
}

impl Attachment {
    fn render(&self, doc_type: &str, sort: usize) -> Value {
        json!({
            "name": self.name,
            "file_location": self.file_location,
            "doc_type": doc_type,
            "comment": opt(&self.comment),
            "sort": sort + 1,
            "is_private": self.is_private,
            "created_at": timestamp(&self.created_at),
            "updated_at": timestamp(&self.created_at),
            "customer_doc_id": self.customer_doc_id,
        })
    }
}

#[derive(Debug, Clone)]
pub struct Signature {
    pub kind: String,
    pub file_name: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Visit {
    pub notes_for_techs: Option<String>,
    pub promised_start: Option<String>,
    pub promised_end: Option<String>,
    pub duration: i64,
    pub is_text_notified: bool,
    pub is_voice_notified: bool,
    pub start_date: Option<NaiveDate>,
    /// Technician ids with their status on this visit (`Completed`, `Started`, ...).
    pub techs: Vec<(i64, String)>,
}

impl Visit {
    fn render(&self, nested: &Expand, store: &Store) -> Value {
        let mut v = json!({
            "notes_for_techs": opt(&self.notes_for_techs),
            "time_frame_promised_start": self.promised_start,
            "time_frame_promised_end": self.promised_end,
            "duration": self.duration,
            "is_text_notified": self.is_text_notified,
            "is_voice_notified": self.is_voice_notified,
            "start_date": opt_date(self.start_date),
        });
        if nested.has("techs_assigned") {
            v["techs_assigned"] = self
                .techs
                .iter()
                .filter_map(|(id, status)| {
                    let mut t = store.techs.get(id)?.brief();
                    t["status"] = status.as_str().into();
                    Some(t)
                })
                .collect();
        }
        v
    }
}

#[derive(Debug, Clone)]
pub struct Tag {
    pub tag: String,
    pub created_at: Timestamp,
}

/// The money figures of a job or estimate, all derived from its lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Totals {
    pub subtotal: i64,
    pub taxes_fees: i64,
    pub drive_labor: i64,
    pub billable_expenses: i64,
    pub total: i64,
    pub payments: i64,
    pub due: i64,
    pub cost: i64,
}

impl Totals {
    pub fn payment_status(&self) -> &'static str {
        if self.payments <= 0 {
            "Unpaid"
        } else if self.due <= 0 {
            "Paid"
        } else {
            "Partially Paid"
        }
    }
}

/// What jobs and estimates share: the work order.
#[derive(Debug, Clone, Default)]
pub struct Order {
    pub id: i64,
    pub number: String,
    pub check_number: Option<String>,
    pub priority: Priority,
    pub description: Option<String>,
    pub tech_notes: Option<String>,
    pub completion_notes: Option<String>,
    pub duration: i64,
    pub promised_start: Option<String>,
    pub promised_end: Option<String>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub customer_id: i64,
    pub status_id: i64,
    pub sub_status: Option<String>,
    /// The customer contact the order is for (its phones and emails are the order's).
    pub contact_id: Option<i64>,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    pub address: Address,
    pub category_id: Option<i64>,
    pub source_id: Option<i64>,
    pub payment_type_id: Option<i64>,
    pub customer_payment_terms: Option<String>,
    pub project: Option<String>,
    pub phase: Option<String>,
    pub po_number: Option<String>,
    pub contract: Option<String>,
    pub note_to_customer: Option<String>,
    pub called_in_by: Option<String>,
    pub is_requires_follow_up: bool,
    pub agents: Vec<i64>,
    pub techs: Vec<i64>,
    pub custom_fields: Vec<CustomValue>,
    pub pictures: Vec<Attachment>,
    pub documents: Vec<Attachment>,
    pub equipment: Vec<i64>,
    pub tasks: Vec<Task>,
    pub notes: Vec<Note>,
    pub products: Vec<LineItem>,
    pub services: Vec<LineItem>,
    pub other_charges: Vec<OtherCharge>,
    pub payments: Vec<Payment>,
    pub signatures: Vec<Signature>,
}

/// Which of the two the order is, for the parts that differ in print.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OrderKind {
    Job,
    Estimate,
}

impl Order {
    fn lines(&self) -> impl Iterator<Item = &LineItem> {
        self.products.iter().chain(&self.services)
    }

    fn subtotal(&self) -> i64 {
        self.lines().map(LineItem::total).sum()
    }

    /// Totals with the job-only parts (labor, expenses) passed in.
    pub fn totals(&self, drive_labor: i64, billable_expenses: i64, expense_cost: i64) -> Totals {
        let subtotal = self.subtotal();
        let tax: i64 = self
            .lines()
            .filter(|l| l.taxable)
            .map(|l| l.total() * TAX_RATE_BP / 10_000)
            .sum();
        let fees: i64 = self.other_charges.iter().map(|c| c.total(subtotal)).sum();
        let taxes_fees = tax + fees;
        let total = subtotal + taxes_fees + drive_labor + billable_expenses;
        let payments: i64 = self.payments.iter().map(|p| p.amount).sum();
        Totals {
            subtotal,
            taxes_fees,
            drive_labor,
            billable_expenses,
            total,
            payments,
            due: total - payments,
            cost: self.lines().map(LineItem::cost_total).sum::<i64>() + expense_cost,
        }
    }

    /// A field; `totals` is called only for the money fields (it walks every line).
    fn field(&self, name: &str, store: &Store, totals: impl Fn() -> Totals) -> Option<Value> {
        let customer = store.customers.get(&self.customer_id);
        let a = &self.address;
        Some(match name {
            "id" => self.id.into(),
            "number" => self.number.as_str().into(),
            "check_number" => opt(&self.check_number),
            "priority" => self.priority.as_str().into(),
            "description" => opt(&self.description),
            "tech_notes" => opt(&self.tech_notes),
            "completion_notes" => opt(&self.completion_notes),
            "payment_status" => totals().payment_status().into(),
            "taxes_fees_total" => money(totals().taxes_fees),
            "drive_labor_total" => money(totals().drive_labor),
            "billable_expenses_total" => money(totals().billable_expenses),
            "total" => money(totals().total),
            "payments_deposits_total" => money(totals().payments),
            "due_total" => money(totals().due),
            "cost_total" => money(totals().cost),
            "duration" => self.duration.into(),
            "time_frame_promised_start" => opt(&self.promised_start),
            "time_frame_promised_end" => opt(&self.promised_end),
            "start_date" => opt_date(self.start_date),
            "end_date" => opt_date(self.end_date),
            "created_at" => timestamp(&self.created_at),
            "updated_at" => timestamp(&self.updated_at),
            "customer_id" => self.customer_id.into(),
            "customer_name" => customer.map_or(Value::Null, |c| c.name.as_str().into()),
            "parent_customer" => store.customer_name(customer.and_then(|c| c.parent_id)),
            "status" => store.status_name(self.status_id),
            "sub_status" => opt(&self.sub_status),
            "contact_first_name" => opt(&self.contact_first_name),
            "contact_last_name" => opt(&self.contact_last_name),
            "street_1" => opt(&a.street_1),
            "street_2" => opt(&a.street_2),
            "city" => opt(&a.city),
            "state_prov" => opt(&a.state_prov),
            "postal_code" => opt(&a.postal_code),
            "location_name" => opt(&a.location_name),
            "is_gated" => a.is_gated.into(),
            "gate_instructions" => opt(&a.gate_instructions),
            "category" => store.category_name(self.category_id),
            "source" => store.source_name(self.source_id),
            "payment_type" => store.payment_type_name(self.payment_type_id),
            "customer_payment_terms" => opt(&self.customer_payment_terms),
            "project" => opt(&self.project),
            "phase" => opt(&self.phase),
            "po_number" => opt(&self.po_number),
            "contract" => opt(&self.contract),
            "note_to_customer" => opt(&self.note_to_customer),
            "called_in_by" => opt(&self.called_in_by),
            "is_requires_follow_up" => self.is_requires_follow_up.into(),
            _ => return None,
        })
    }

    fn expansion(
        &self,
        key: &str,
        nested: &Expand,
        store: &Store,
        kind: OrderKind,
    ) -> Option<Value> {
        let techs = |ids: &[i64]| -> Value {
            ids.iter()
                .filter_map(|id| store.techs.get(id).map(Tech::brief))
                .collect()
        };
        Some(match key {
            "agents" => techs(&self.agents),
            "techs_assigned" => techs(&self.techs),
            "custom_fields" => custom_fields(&self.custom_fields),
            "pictures" => self
                .pictures
                .iter()
                .enumerate()
                .map(|(i, p)| p.render("IMG", i))
                .collect(),
            "documents" => self
                .documents
                .iter()
                .enumerate()
                .map(|(i, d)| d.render("DOC", i))
                .collect(),
            "equipment" => self
                .equipment
                .iter()
                .filter_map(|id| store.equipment.get(id))
                .map(|e| render_nested(e, store, nested))
                .collect(),
            "tasks" => self
                .tasks
                .iter()
                .map(|t| {
                    json!({
                        "type": t.kind,
                        "description": t.description,
                        "start_time": t.start_time,
                        "start_date": opt_date(t.start_date),
                        "end_date": opt_date(t.end_date),
                        "is_completed": t.is_completed,
                        "created_at": timestamp(&t.created_at),
                        "updated_at": timestamp(&t.updated_at),
                    })
                })
                .collect(),
            "notes" => self
                .notes
                .iter()
                .map(|n| {
                    json!({
                        "notes": n.text,
                        "created_at": timestamp(&n.created_at),
                        "updated_at": timestamp(&n.updated_at),
                    })
                })
                .collect(),
            "products" => self
                .products
                .iter()
                .enumerate()
                .map(|(i, l)| l.render(i))
                .collect(),
            "services" => self
                .services
                .iter()
                .enumerate()
                .map(|(i, l)| l.render(self.products.len() + i))
                .collect(),
            "other_charges" => {
                let subtotal = self.subtotal();
                self.other_charges
                    .iter()
                    .enumerate()
                    .map(|(i, c)| {
                        let rate = if c.is_percentage {
                            quantity(c.rate as f64 / 100.0)
                        } else {
                            money(c.rate)
                        };
                        json!({
                            "name": c.name,
                            "rate": rate,
                            "total": money(c.total(subtotal)),
                            "charge_index": i + 1,
                            "parent_index": 0,
                            "is_percentage": c.is_percentage,
                            "is_discount": c.is_discount,
                            "created_at": timestamp(&c.created_at),
                            "updated_at": timestamp(&c.updated_at),
                            "other_charge": c.name,
                            "applies_to": null,
                            "service_list_id": null,
                            "other_charge_id": c.other_charge_id,
                            "pattern_row_id": null,
                            "qbo_class_id": null,
                            "qbd_class_id": null,
                        })
                    })
                    .collect()
            }
            "payments" => self
                .payments
                .iter()
                .map(|p| self.render_payment(p, store, kind))
                .collect(),
            "signatures" => self
                .signatures
                .iter()
                .map(|s| {
                    json!({
                        "type": s.kind,
                        "file_name": s.file_name,
                        "created_at": timestamp(&s.created_at),
                        "updated_at": timestamp(&s.created_at),
                    })
                })
                .collect(),
            "printable_work_order" => {
                let (what, id) = match kind {
                    OrderKind::Job => ("Job", "jobId"),
                    OrderKind::Estimate => ("Estimate", "estimateId"),
                };
                let k = url_key(what, self.id);
                json!([
                    {"name": "Print With Rates",
                     "url": format!("https://servicefusion.com/print{what}WithRates?{id}={k}")},
                    {"name": "Print Without Rates",
                     "url": format!("https://servicefusion.com/print{what}WithoutRates?{id}={k}")},
                ])
            }
            _ => return None,
        })
    }

    fn render_payment(&self, p: &Payment, store: &Store, kind: OrderKind) -> Value {
        let pt = store.payment_types.get(&p.payment_type_id);
        let card = pt.is_some_and(PaymentType::is_card);
        let received = midnight(p.received_on);
        json!({
            "transaction_type": if card { Value::from("AUTH_CAPTURE") } else { Value::Null },
            "transaction_token": if card { Value::from(url_key("txn", p.id)) } else { Value::Null },
            "transaction_id": if card { Value::from(format!("{}-0_{}", self.id, p.id)) } else { Value::Null },
            "payment_transaction_id": p.id,
            "original_transaction_id": null,
            "apply_to": match kind { OrderKind::Job => "JOB", OrderKind::Estimate => "ESTIMATE" },
            "amount": money(p.amount),
            "memo": opt(&p.memo),
            "authorization_code": if card { Value::from(format!("{:06}", p.id % 1_000_000)) } else { Value::Null },
            "bill_to_street_address": opt(&self.address.street_1),
            "bill_to_postal_code": opt(&self.address.postal_code),
            "bill_to_country": if card { Value::from("USA") } else { Value::Null },
            "reference_number": opt(&p.reference_number),
            "is_resync_qbo": false,
            "created_at": timestamp(&p.created_at),
            "updated_at": timestamp(&p.created_at),
            "received_on": timestamp(&received),
            "qbo_synced_date": null,
            "qbo_id": null,
            "qbd_id": null,
            "customer": store.customer_name(Some(self.customer_id)),
            "type": pt.map_or(Value::Null, |t| t.short_name.as_str().into()),
            "invoice_id": p.invoice_id,
            "gateway_id": if card { Value::from(980_190_963) } else { Value::Null },
            "receipt_id": if card { Value::from(format!("ord-{}-{}", p.received_on.format("%d%m%y"), p.id)) } else { Value::Null },
        })
    }
}

// ---- the field lists: what jobs and estimates share, in print order ----

const ORDER_HEAD: &[&str] = &[
    "id",
    "number",
    "check_number",
    "priority",
    "description",
    "tech_notes",
    "completion_notes",
    "payment_status",
    "taxes_fees_total",
];
const ORDER_TOTALS_AND_DATES: &[&str] = &[
    "total",
    "payments_deposits_total",
    "due_total",
    "cost_total",
    "duration",
    "time_frame_promised_start",
    "time_frame_promised_end",
    "start_date",
    "end_date",
    "created_at",
    "updated_at",
];
const ORDER_CUSTOMER: &[&str] = &[
    "customer_id",
    "customer_name",
    "parent_customer",
    "status",
    "sub_status",
    "contact_first_name",
    "contact_last_name",
];
/// The address fields a create may give instead of the customer's location's.
pub const ADDRESS_FIELDS: &[&str] = &[
    "street_1",
    "street_2",
    "city",
    "state_prov",
    "postal_code",
    "location_name",
];
const ORDER_TAIL: &[&str] = &[
    "is_gated",
    "gate_instructions",
    "category",
    "source",
    "payment_type",
    "customer_payment_terms",
    "project",
    "phase",
    "po_number",
    "contract",
    "note_to_customer",
    "called_in_by",
    "is_requires_follow_up",
];
const ORDER_EXPANDABLE: &[&str] = &[
    "agents",
    "custom_fields",
    "pictures",
    "documents",
    "equipment",
    "equipment.custom_fields",
    "techs_assigned",
    "tasks",
    "notes",
    "products",
    "services",
    "other_charges",
];

const JOB_FIELD_PARTS: &[&[&str]] = &[
    ORDER_HEAD,
    &["drive_labor_total", "billable_expenses_total"],
    ORDER_TOTALS_AND_DATES,
    &["closed_at"],
    ORDER_CUSTOMER,
    ADDRESS_FIELDS,
    ORDER_TAIL,
];
const JOB_FIELDS: [&str; total_len(JOB_FIELD_PARTS)] = concat(JOB_FIELD_PARTS);
const JOB_EXPANDABLE_PARTS: &[&[&str]] = &[
    ORDER_EXPANDABLE,
    &[
        "labor_charges",
        "expenses",
        "payments",
        "invoices",
        "signatures",
        "printable_work_order",
        "visits",
        "visits.techs_assigned",
    ],
];
const JOB_EXPANDABLE: [&str; total_len(JOB_EXPANDABLE_PARTS)] = concat(JOB_EXPANDABLE_PARTS);

const ESTIMATE_FIELD_PARTS: &[&[&str]] = &[
    ORDER_HEAD,
    ORDER_TOTALS_AND_DATES,
    ORDER_CUSTOMER,
    ADDRESS_FIELDS,
    ORDER_TAIL,
    &["opportunity_rating", "opportunity_owner"],
];
const ESTIMATE_FIELDS: [&str; total_len(ESTIMATE_FIELD_PARTS)] = concat(ESTIMATE_FIELD_PARTS);
const ESTIMATE_EXPANDABLE_PARTS: &[&[&str]] = &[
    ORDER_EXPANDABLE,
    &["payments", "signatures", "printable_work_order", "tags"],
];
const ESTIMATE_EXPANDABLE: [&str; total_len(ESTIMATE_EXPANDABLE_PARTS)] =
    concat(ESTIMATE_EXPANDABLE_PARTS);

#[derive(Debug, Clone)]
pub struct Job {
    pub order: Order,
    pub closed_at: Option<Timestamp>,
    pub labor_charges: Vec<LaborCharge>,
    pub expenses: Vec<Expense>,
    pub visits: Vec<Visit>,
    pub invoice_ids: Vec<i64>,
}

impl Job {
    pub fn totals(&self) -> Totals {
        let labor = self.labor_charges.iter().map(LaborCharge::total).sum();
        let billable = self
            .expenses
            .iter()
            .filter(|e| e.is_billable)
            .map(|e| e.amount)
            .sum();
        let expense_cost = self.expenses.iter().map(|e| e.amount).sum();
        self.order.totals(labor, billable, expense_cost)
    }
}

impl Resource for Job {
    const FIELDS: &'static [&'static str] = &JOB_FIELDS;
    const EXPANDABLE: &'static [&'static str] = &JOB_EXPANDABLE;

    fn id(&self) -> i64 {
        self.order.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        if name == "closed_at" {
            return Some(opt_timestamp(self.closed_at.as_ref()));
        }
        self.order.field(name, store, || self.totals())
    }

    fn expansion(&self, key: &str, nested: &Expand, store: &Store) -> Option<Value> {
        Some(match key {
            "labor_charges" => self.labor_charges.iter().map(|l| l.render(store)).collect(),
            "expenses" => self.expenses.iter().map(|e| e.render(store)).collect(),
            "invoices" => self
                .invoice_ids
                .iter()
                .filter_map(|id| store.invoices.get(id))
                .map(|i| render_nested(i, store, &Expand::default()))
                .collect(),
            "visits" => self
                .visits
                .iter()
                .map(|v| v.render(nested, store))
                .collect(),
            _ => return self.order.expansion(key, nested, store, OrderKind::Job),
        })
    }
}

#[derive(Debug, Clone)]
pub struct Estimate {
    pub order: Order,
    pub opportunity_rating: Option<i64>,
    pub opportunity_owner: Option<i64>,
    pub tags: Vec<Tag>,
}

impl Estimate {
    pub fn totals(&self) -> Totals {
        self.order.totals(0, 0, 0)
    }
}

impl Resource for Estimate {
    const FIELDS: &'static [&'static str] = &ESTIMATE_FIELDS;
    const EXPANDABLE: &'static [&'static str] = &ESTIMATE_EXPANDABLE;

    fn id(&self) -> i64 {
        self.order.id
    }

    fn field(&self, name: &str, store: &Store) -> Option<Value> {
        match name {
            "opportunity_rating" => Some(self.opportunity_rating.into()),
            "opportunity_owner" => Some(store.tech_name(self.opportunity_owner)),
            _ => self.order.field(name, store, || self.totals()),
        }
    }

    fn expansion(&self, key: &str, nested: &Expand, store: &Store) -> Option<Value> {
        if key == "tags" {
            return Some(
                self.tags
                    .iter()
                    .map(|t| {
                        json!({
                            "tag": t.tag,
                            "created_at": timestamp(&t.created_at),
                            "updated_at": timestamp(&t.created_at),
                        })
                    })
                    .collect(),
            );
        }
        self.order
            .expansion(key, nested, store, OrderKind::Estimate)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn other_charges_apply_to_the_subtotal() {
        let t = chrono::DateTime::UNIX_EPOCH;
        let pct = OtherCharge {
            name: "Comfort Club Discount".into(),
            other_charge_id: 1,
            rate: 1500,
            is_percentage: true,
            is_discount: true,
            created_at: t,
            updated_at: t,
        };
        assert_eq!(pct.total(20_000), -3000);
        let flat = OtherCharge {
            rate: 4900,
            is_percentage: false,
            is_discount: false,
            ..pct
        };
        assert_eq!(flat.total(20_000), 4900);
    }
}
