//! Customers: search, one customer, their equipment, their job history, a new customer.

use connector_core::{
    Error, IsoDate, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    Query, Reference, Sf, check_statuses, get_one, resolve_customer, snapshot_page, upstream_page,
};
use connector_core::cache::Gathered;

use crate::{error::Call, model};

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(SearchCustomers)
        .with(GetCustomer)
        .with(ListCustomerEquipment)
        .with(GetEquipment)
        .with(ListCustomerJobs)
        .with(CreateCustomer)
}

super::listing!(SearchInput, CustomerListInput, CustomerJobsInput);

/// What a customer row shows.
const ROW_FIELDS: &[&str] = &[
    "id",
    "customer_name",
    "parent_customer",
    "account_number",
    "account_balance",
    "last_serviced_date",
    "is_vip",
    "payment_terms",
];
const ROW_EXPAND: &[&str] = &[
    "contacts",
    "contacts.phones",
    "contacts.emails",
    "locations",
];

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerSort {
    /// A to Z.
    Name,
    /// Most recently serviced first.
    LastServiced,
    /// Newest customers first.
    Newest,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    /// Part of the customer's name.
    pub name: Option<String>,
    /// Part of a contact's phone number as stored, e.g. `555-0142` or `512-555`.
    pub phone: Option<String>,
    /// A contact's whole email address.
    pub email: Option<String>,
    /// A contact's first name (part).
    pub contact_first_name: Option<String>,
    /// A contact's last name (part).
    pub contact_last_name: Option<String>,
    /// Part of the street address.
    pub address: Option<String>,
    /// The whole city name.
    pub city: Option<String>,
    /// The whole postal code.
    pub postal_code: Option<String>,
    /// Customers with any of these tags.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Last serviced on or after this date.
    pub last_serviced_from: Option<IsoDate>,
    /// Last serviced on or before this date.
    pub last_serviced_to: Option<IsoDate>,
    /// Service agreement in effect from on or after this date.
    pub agreement_effective_from: Option<IsoDate>,
    pub agreement_effective_to: Option<IsoDate>,
    /// Service agreement expiring on or after this date.
    pub agreement_expires_from: Option<IsoDate>,
    /// Service agreement expiring on or before this date (renewals due).
    pub agreement_expires_to: Option<IsoDate>,
    /// Order of the results; by name when absent.
    pub sort: Option<CustomerSort>,
    /// Customers per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct SearchCustomers for Sf {
        name: "servicefusion_search_customers",
        title: "Search customers",
        access: Read,
        annotations: READ,
        description: "Finds customers by any mix of name, phone, email, contact name, address, city, postal code, tags, last-serviced date and service-agreement dates; with no filter it lists all customers. Each result has the id, name, balance, contacts (phones, emails) and locations. Phone is matched as part of the stored number, so give the digits with dashes as people write them (`555-0142`). Pages with `cursor`.",
    }
    async fn call(client, input: SearchInput, ctx) -> Value {
        let sort = match input.sort.unwrap_or(CustomerSort::Name) {
            CustomerSort::Name => "customer_name",
            CustomerSort::LastServiced => "-last_serviced_date",
            CustomerSort::Newest => "-created_at",
        };
        let query = Query::new()
            .filter("name", input.name.as_ref())
            .filter("phone", input.phone.as_ref())
            .filter("email", input.email.as_ref())
            .filter("contact_first_name", input.contact_first_name.as_ref())
            .filter("contact_last_name", input.contact_last_name.as_ref())
            .filter("address", input.address.as_ref())
            .filter("city", input.city.as_ref())
            .filter("postal_code", input.postal_code.as_ref())
            .filter("tags", (!input.tags.is_empty()).then(|| input.tags.join(",")))
            .range("last_serviced_date", input.last_serviced_from.as_ref(), input.last_serviced_to.as_ref())
            .range("agreement_date_effective", input.agreement_effective_from.as_ref(), input.agreement_effective_to.as_ref())
            .range("agreement_date_expires", input.agreement_expires_from.as_ref(), input.agreement_expires_to.as_ref())
            .fields(ROW_FIELDS)
            .expand(ROW_EXPAND)
            .param("sort", sort);
        let currency = client.currency().to_owned();
        upstream_page(
            client, "customers", &query, &input, ctx.budget,
            |c| model::customer(c, &currency),
        ).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CustomerPart {
    Contacts,
    Locations,
    CustomFields,
}

fn default_parts() -> Vec<CustomerPart> {
    vec![CustomerPart::Contacts, CustomerPart::Locations]
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetCustomerInput {
    /// The customer's id, or its exact name.
    pub customer: Reference,
    /// What to include besides the customer's own fields; contacts and locations when absent.
    #[serde(default = "default_parts")]
    pub include: Vec<CustomerPart>,
}

tool! {
    pub struct GetCustomer for Sf {
        name: "servicefusion_get_customer",
        title: "Get a customer",
        access: Read,
        annotations: READ,
        description: "Returns one customer by id or exact name: account number, balance, credit rating, payment terms, notes, last service date, and on request its contacts (phones, emails), locations (addresses, gate instructions) and custom fields.",
    }
    async fn call(client, input: GetCustomerInput, _ctx) -> Value {
        let (id, _) = resolve_customer(client, &input.customer).await?;
        let mut expand = Vec::new();
        for part in &input.include {
            match part {
                CustomerPart::Contacts => expand.extend(["contacts", "contacts.phones", "contacts.emails"]),
                CustomerPart::Locations => expand.push("locations"),
                CustomerPart::CustomFields => expand.push("custom_fields"),
            }
        }
        let currency = client.currency().to_owned();
        get_one(client, "customers", id, &expand, |c| model::customer(c, &currency)).await
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerListInput {
    /// The customer's id, or its exact name.
    pub customer: Reference,
    /// Items per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListCustomerEquipment for Sf {
        name: "servicefusion_list_customer_equipment",
        title: "List a customer's equipment",
        access: Read,
        annotations: READ,
        description: "Lists the equipment on file for a customer (furnaces, AC units, water heaters…): type, make, model, serial number, location, install and warranty dates. Pages with `cursor`.",
    }
    async fn call(client, input: CustomerListInput, ctx) -> Value {
        let (id, _) = resolve_customer(client, &input.customer).await?;
        let query = Query::new().expand(&["custom_fields"]).param("sort", "id");
        upstream_page(
            client, &format!("customers/{id}/equipment"), &query, &input, ctx.budget, model::equipment,
        ).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEquipmentInput {
    /// The customer's id, or its exact name.
    pub customer: Reference,
    /// The equipment's id, from servicefusion_list_customer_equipment.
    pub equipment_id: i64,
}

tool! {
    pub struct GetEquipment for Sf {
        name: "servicefusion_get_equipment",
        title: "Get a piece of equipment",
        access: Read,
        annotations: READ,
        description: "Returns one piece of a customer's equipment with its custom fields: type, make, model, SKU, serial number, where it is, notes, install, warranty and extended-warranty dates.",
    }
    async fn call(client, input: GetEquipmentInput, _ctx) -> Value {
        let (customer, _) = resolve_customer(client, &input.customer).await?;
        let raw = client
            .get(
                &format!("customers/{customer}/equipment/{}", input.equipment_id),
                Query::new().expand(&["custom_fields"]).pairs(),
                Call { resource: "equipment", id: Some(input.equipment_id), create: false },
            )
            .await?;
        Ok(model::equipment(&raw))
    }
}

/// What a job row shows, and what it fetches with each job.
pub const JOB_ROW_FIELDS: &[&str] = &[
    "id",
    "number",
    "status",
    "sub_status",
    "priority",
    "customer_id",
    "customer_name",
    "description",
    "category",
    "start_date",
    "end_date",
    "time_frame_promised_start",
    "time_frame_promised_end",
    "street_1",
    "city",
    "total",
    "due_total",
    "closed_at",
];
pub const JOB_ROW_EXPAND: &[&str] = &["techs_assigned"];

/// Longest job description shown in a list row.
const ROW_TEXT: usize = 160;

/// A job (or estimate) as a list row: the description clipped.
pub fn job_row(v: &Value, currency: &str) -> Value {
    let mut row = model::job(v, currency);
    if let Some(d) = row.get("description").and_then(Value::as_str)
        && d.chars().count() > ROW_TEXT
    {
        let clipped: String = d.chars().take(ROW_TEXT).collect();
        row["description"] = json!(format!("{clipped}… [get the job for the rest]"));
    }
    row
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerJobsInput {
    /// The customer's id, or its exact name.
    pub customer: Reference,
    /// Only jobs in these statuses (names from servicefusion_list_job_statuses).
    #[serde(default)]
    pub status: Vec<String>,
    /// Only jobs starting on or after this date.
    pub from: Option<IsoDate>,
    /// Only jobs starting on or before this date.
    pub to: Option<IsoDate>,
    /// Jobs per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// Most upstream pages one job-history read may take (50 jobs each).
const HISTORY_REQUESTS: usize = 10;

tool! {
    pub struct ListCustomerJobs for Sf {
        name: "servicefusion_list_customer_jobs",
        title: "List a customer's job history",
        access: Read,
        annotations: READ,
        description: "A customer's jobs, newest first: number, status, dates, category, technicians and totals; optionally only some statuses or a date range. The customer is given by id or exact name. Reads up to 500 jobs; a note says when there were more (narrow the dates). Pages with `cursor`.",
    }
    async fn call(client, input: CustomerJobsInput, ctx) -> Value {
        snapshot_page(client, &input, ctx.budget, || async {
            let (id, name) = resolve_customer(client, &input.customer).await?;
            let statuses = check_statuses(client, &input.status).await?;
            let query = Query::new()
                .filter("customer_name", Some(&name))
                .filter("status", (!statuses.is_empty()).then(|| statuses.join(",")))
                .range("start_date", input.from.as_ref(), input.to.as_ref())
                .fields(JOB_ROW_FIELDS)
                .expand(JOB_ROW_EXPAND)
                .param("sort", "-start_date,-id");
            let (jobs, complete) = client.fetch_all("jobs", query.pairs(), HISTORY_REQUESTS, |_| false).await?;
            let currency = client.currency().to_owned();
            // The name filter matches part of a name; keep this customer's jobs only.
            let items = jobs
                .iter()
                .filter(|j| model::id(j.get("customer_id")) == Some(id))
                .map(|j| job_row(j, &currency))
                .collect();
            Ok(Gathered {
                items,
                note: (!complete).then(|| format!("only the newest {} jobs matching the name were read; pass `from`/`to` to see older ones", HISTORY_REQUESTS * crate::client::MAX_PER_PAGE)),
            })
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PhoneInput {
    /// The number as people write it, e.g. `512-555-0142`.
    pub number: String,
    /// Mobile, Home, Work, Fax…
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub ext: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactInput {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    /// Billing, Service, Owner…
    pub contact_type: Option<String>,
    pub job_title: Option<String>,
    /// The contact ServiceFusion uses by default on jobs.
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    pub phones: Vec<PhoneInput>,
    #[serde(default)]
    pub emails: Vec<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LocationInput {
    pub street_1: String,
    pub street_2: Option<String>,
    pub city: Option<String>,
    /// State or province.
    pub state: Option<String>,
    pub postal_code: Option<String>,
    pub country: Option<String>,
    /// A short name for the place: Home, Office, Warehouse…
    pub nickname: Option<String>,
    /// The address ServiceFusion uses by default on jobs.
    #[serde(default)]
    pub is_primary: bool,
    #[serde(default)]
    pub is_gated: bool,
    pub gate_instructions: Option<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum CreditRating {
    #[serde(rename = "A+")]
    APlus,
    A,
    #[serde(rename = "B+")]
    BPlus,
    B,
    #[serde(rename = "C+")]
    CPlus,
    C,
    U,
}

impl CreditRating {
    fn as_str(self) -> &'static str {
        match self {
            CreditRating::APlus => "A+",
            CreditRating::A => "A",
            CreditRating::BPlus => "B+",
            CreditRating::B => "B",
            CreditRating::CPlus => "C+",
            CreditRating::C => "C",
            CreditRating::U => "U",
        }
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCustomerInput {
    /// The customer's name, unique in the account (at most 45 characters).
    #[schemars(length(min = 1, max = 45))]
    pub customer_name: String,
    /// The parent customer's exact name, for a site of a larger customer.
    pub parent_customer: Option<String>,
    /// ServiceFusion assigns one when absent.
    pub account_number: Option<String>,
    #[serde(default)]
    pub contacts: Vec<ContactInput>,
    #[serde(default)]
    pub locations: Vec<LocationInput>,
    /// Notes only the office sees.
    pub private_notes: Option<String>,
    /// Notes shown on the customer's documents.
    pub public_notes: Option<String>,
    pub credit_rating: Option<CreditRating>,
    /// A payment type name or id (servicefusion_list_payment_types).
    pub payment_type: Option<Reference>,
    /// Payment terms code, e.g. `DUR` (due upon receipt), `NET30`.
    pub payment_terms: Option<String>,
    /// How the customer found the company (a source name).
    pub referral_source: Option<String>,
    pub industry: Option<String>,
    #[serde(default)]
    pub is_vip: bool,
    pub is_taxable: Option<bool>,
    /// Custom field values by field name.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
}

tool! {
    pub struct CreateCustomer for Sf {
        name: "servicefusion_create_customer",
        title: "Create a customer",
        access: Write,
        annotations: CREATE,
        description: "Creates a customer with its contacts (phones, emails) and locations (addresses). Only `customer_name` is required; it must be unique. Mark one contact and one location `is_primary`: new jobs default to them. ServiceFusion's API cannot update or delete customers afterwards, so check the details first. Returns the new customer with its id.",
    }
    async fn call(client, input: CreateCustomerInput, _ctx) -> Value {
        if input.customer_name.trim().is_empty() {
            return Err(Error::invalid_input("argument `customer_name`: give the customer's name"));
        }
        let contacts: Vec<Value> = input.contacts.iter().map(|c| json!({
            "fname": c.first_name, "lname": c.last_name, "contact_type": c.contact_type,
            "job_title": c.job_title, "is_primary": c.is_primary,
            "phones": c.phones.iter().map(|p| json!({"phone": p.number, "type": p.kind, "ext": p.ext})).collect::<Vec<_>>(),
            "emails": c.emails.iter().map(|e| json!({"email": e})).collect::<Vec<_>>(),
        })).collect();
        let locations: Vec<Value> = input.locations.iter().map(|l| json!({
            "street_1": l.street_1, "street_2": l.street_2, "city": l.city, "state_prov": l.state,
            "postal_code": l.postal_code, "country": l.country, "nickname": l.nickname,
            "is_primary": l.is_primary, "is_gated": l.is_gated, "gate_instructions": l.gate_instructions,
        })).collect();
        let custom: Vec<Value> = input.custom_fields.iter().map(|(k, v)| json!({"name": k, "value": v})).collect();
        let body = model::body(json!({
            "customer_name": input.customer_name.trim(),
            "parent_customer": input.parent_customer,
            "account_number": input.account_number,
            "private_notes": input.private_notes,
            "public_notes": input.public_notes,
            "credit_rating": input.credit_rating.map(CreditRating::as_str),
            "payment_type": input.payment_type.as_ref().map(Reference::to_json),
            "payment_terms": input.payment_terms,
            "referral_source": input.referral_source,
            "industry": input.industry,
            "is_vip": input.is_vip,
            "is_taxable": input.is_taxable,
            "contacts": contacts,
            "locations": locations,
            "custom_fields": custom,
        }));
        let created = client
            .create("customers", body, Query::new().expand(&["contacts", "contacts.phones", "contacts.emails", "locations", "custom_fields"]).pairs())
            .await?;
        Ok(model::customer(&created, client.currency()))
    }
}
