//! Jobs: the list with every documented filter, one job with what it holds, the open
//! jobs, and a new job. Estimates share the filters (`estimates.rs`).

use connector_core::{
    Error, IsoDate, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{
    Query, Reference, Sf, check_statuses,
    customers::{JOB_ROW_EXPAND, JOB_ROW_FIELDS, job_row},
    get_one, resolve_customer, upstream_page,
};
use crate::{client::open_statuses, model};

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListJobs)
        .with(GetJob)
        .with(ListOpenJobs)
        .with(CreateJob)
}

super::listing!(ListJobsInput, OpenJobsInput);

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobSort {
    /// Latest start date first.
    #[default]
    Newest,
    /// Earliest start date first (a schedule).
    Oldest,
    /// Most recently changed first.
    RecentlyUpdated,
    /// By job number, highest first.
    Number,
}

impl JobSort {
    /// An explicit sort always: an unsorted job list can hang at ServiceFusion.
    pub fn param(self) -> &'static str {
        match self {
            JobSort::Newest => "-start_date,-id",
            JobSort::Oldest => "start_date,id",
            JobSort::RecentlyUpdated => "-updated_at,-id",
            JobSort::Number => "-number",
        }
    }
}

// The filters jobs and estimates share (flattened into both tools' inputs).
#[derive(Debug, Default, Serialize, Deserialize, JsonSchema)]
pub struct JobFilters {
    /// Any of these statuses (names from servicefusion_list_job_statuses).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status: Vec<String>,
    /// The number shown on the document.
    pub number: Option<String>,
    pub po_number: Option<String>,
    /// Part of the customer's name.
    pub customer_name: Option<String>,
    /// Part of the parent customer's name.
    pub parent_customer_name: Option<String>,
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    /// Part of the service address.
    pub address: Option<String>,
    pub city: Option<String>,
    pub zip_code: Option<String>,
    /// Part of the contact's phone number as stored, e.g. `555-0142`.
    pub phone: Option<String>,
    pub email: Option<String>,
    /// A job category name (servicefusion_list_job_categories).
    pub category: Option<String>,
    /// A source name (servicefusion_list_sources).
    pub source: Option<String>,
    /// Starting on or after this date.
    pub start_from: Option<IsoDate>,
    /// Starting on or before this date.
    pub start_to: Option<IsoDate>,
    /// Ending on or after this date.
    pub end_from: Option<IsoDate>,
    /// Ending on or before this date.
    pub end_to: Option<IsoDate>,
}

impl JobFilters {
    pub async fn query(&self, client: &Sf) -> connector_core::Result<Query> {
        let statuses = check_statuses(client, &self.status).await?;
        Ok(Query::new()
            .filter("status", (!statuses.is_empty()).then(|| statuses.join(",")))
            .filter("number", self.number.as_ref())
            .filter("po_number", self.po_number.as_ref())
            .filter("customer_name", self.customer_name.as_ref())
            .filter("parent_customer_name", self.parent_customer_name.as_ref())
            .filter("contact_first_name", self.contact_first_name.as_ref())
            .filter("contact_last_name", self.contact_last_name.as_ref())
            .filter("address", self.address.as_ref())
            .filter("city", self.city.as_ref())
            .filter("zip_code", self.zip_code.as_ref())
            .filter("phone", self.phone.as_ref())
            .filter("email", self.email.as_ref())
            .filter("category", self.category.as_ref())
            .filter("source", self.source.as_ref())
            .range(
                "start_date",
                self.start_from.as_ref(),
                self.start_to.as_ref(),
            )
            .range("end_date", self.end_from.as_ref(), self.end_to.as_ref()))
    }
}

/// `filters[name][gte|lte]` for a timestamp filter, from dates: the whole first and last day.
pub fn time_range(query: Query, name: &str, from: Option<&IsoDate>, to: Option<&IsoDate>) -> Query {
    let query = match from {
        Some(f) => query.param(
            &format!("filters[{name}][gte]"),
            format!("{}T00:00:00+00:00", f.iso()),
        ),
        None => query,
    };
    match to {
        Some(t) => query.param(
            &format!("filters[{name}][lte]"),
            format!("{}T23:59:59+00:00", t.iso()),
        ),
        None => query,
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ListJobsInput {
    #[serde(flatten)]
    pub filters: JobFilters,
    /// An invoice number the job was billed on.
    pub invoice_number: Option<String>,
    /// Changed on or after this date.
    pub updated_from: Option<IsoDate>,
    pub updated_to: Option<IsoDate>,
    /// Closed on or after this date.
    pub closed_from: Option<IsoDate>,
    pub closed_to: Option<IsoDate>,
    /// Order; newest start date first when absent.
    pub sort: Option<JobSort>,
    /// Jobs per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListJobs for Sf {
        name: "servicefusion_list_jobs",
        title: "List jobs",
        access: Read,
        annotations: READ,
        description: "Lists jobs (work orders), filtered by any mix of status, number, PO or invoice number, customer, contact, address, city, ZIP, phone, email, category, source and start/end/updated/closed date ranges. Each row: id, number, status, customer {id, name}, dates and time frame, category, technicians, total and amount due. Newest first unless `sort` says otherwise. ServiceFusion cannot filter by technician: use servicefusion_list_tech_jobs. Pages with `cursor`.",
    }
    async fn call(client, input: ListJobsInput, ctx) -> Value {
        let query = input.filters.query(client).await?
            .filter("invoice_number", input.invoice_number.as_ref());
        let query = time_range(query, "updated_date", input.updated_from.as_ref(), input.updated_to.as_ref());
        let query = time_range(query, "closed_date", input.closed_from.as_ref(), input.closed_to.as_ref())
            .fields(JOB_ROW_FIELDS)
            .expand(JOB_ROW_EXPAND)
            .param("sort", input.sort.unwrap_or_default().param());
        let currency = client.currency().to_owned();
        upstream_page(
            client, "jobs", &query, &input, ctx.budget,
            |j| job_row(j, &currency),
        ).await
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum JobPart {
    Techs,
    Visits,
    Notes,
    Tasks,
    Products,
    Services,
    OtherCharges,
    LaborCharges,
    Expenses,
    Payments,
    Invoices,
    Equipment,
    Agents,
    CustomFields,
    Documents,
    Pictures,
}

impl JobPart {
    pub fn expand(self) -> &'static [&'static str] {
        match self {
            JobPart::Techs => &["techs_assigned"],
            JobPart::Visits => &["visits", "visits.techs_assigned"],
            JobPart::Notes => &["notes"],
            JobPart::Tasks => &["tasks"],
            JobPart::Products => &["products"],
            JobPart::Services => &["services"],
            JobPart::OtherCharges => &["other_charges"],
            JobPart::LaborCharges => &["labor_charges"],
            JobPart::Expenses => &["expenses"],
            JobPart::Payments => &["payments"],
            JobPart::Invoices => &["invoices"],
            JobPart::Equipment => &["equipment"],
            JobPart::Agents => &["agents"],
            JobPart::CustomFields => &["custom_fields"],
            JobPart::Documents => &["documents"],
            JobPart::Pictures => &["pictures"],
        }
    }
}

fn default_job_parts() -> Vec<JobPart> {
    vec![JobPart::Techs, JobPart::Visits, JobPart::Notes]
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetJobInput {
    /// The job's id (from a list). Give this or `number`.
    pub job_id: Option<i64>,
    /// The job's number as shown on the work order. Give this or `job_id`.
    pub number: Option<String>,
    /// What to include; technicians, visits and notes when absent.
    #[serde(default = "default_job_parts")]
    pub include: Vec<JobPart>,
}

/// The id of a job or estimate given by id or by its number.
pub async fn id_or_number(
    client: &Sf,
    resource: &'static str,
    id: Option<i64>,
    number: Option<&str>,
) -> connector_core::Result<i64> {
    let what = if resource == "jobs" {
        "job"
    } else {
        "estimate"
    };
    match (id, number.map(str::trim).filter(|n| !n.is_empty())) {
        (Some(id), _) => Ok(id),
        (None, Some(number)) => {
            let query = Query::new()
                .filter("number", Some(number))
                .fields(&["id", "number"])
                .param("sort", "-id");
            let found = client.fetch(resource, query.pairs(), 0, 5, 1).await?;
            found
                .items
                .iter()
                .find(|j| {
                    j.get("number")
                        .and_then(Value::as_str)
                        .is_some_and(|n| n.eq_ignore_ascii_case(number))
                })
                .and_then(|j| model::id(j.get("id")))
                .ok_or_else(|| {
                    Error::new(
                        connector_core::ErrorKind::NotFound,
                        format!(
                            "ServiceFusion has no {what} numbered {number}; list {what}s to find it"
                        ),
                    )
                })
        }
        (None, None) => Err(Error::invalid_input(format!(
            "give `{what}_id` or `number` to say which {what}"
        ))),
    }
}

tool! {
    pub struct GetJob for Sf {
        name: "servicefusion_get_job",
        title: "Get a job",
        access: Read,
        annotations: READ,
        description: "Returns one job by id or number: status, customer, contact, service address with gate instructions, schedule and time frame, description and notes for the technician, totals. `include` adds what it holds: techs (who is assigned), visits (each with its techs), notes, tasks, products, services, charges, expenses, payments, invoices, equipment, agents, custom fields, documents, pictures.",
    }
    async fn call(client, input: GetJobInput, _ctx) -> Value {
        let id = id_or_number(client, "jobs", input.job_id, input.number.as_deref()).await?;
        let expand: Vec<&str> = input.include.iter().flat_map(|p| p.expand().iter().copied()).collect();
        let currency = client.currency().to_owned();
        get_one(client, "jobs", id, &expand, |j| model::job(j, &currency)).await
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenJobsInput {
    /// Only this customer's open jobs (id or exact name).
    pub customer: Option<Reference>,
    /// Only this category.
    pub category: Option<String>,
    /// Starting on or after this date.
    pub start_from: Option<IsoDate>,
    /// Starting on or before this date.
    pub start_to: Option<IsoDate>,
    /// Jobs per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListOpenJobs for Sf {
        name: "servicefusion_list_open_jobs",
        title: "List open jobs",
        access: Read,
        annotations: READ,
        description: "Lists the jobs still open (every status whose category is open: unscheduled, scheduled, dispatched, in progress, on hold…), earliest start first, optionally for one customer, category or date range. Pages with `cursor`.",
    }
    async fn call(client, input: OpenJobsInput, ctx) -> Value {
        let statuses = open_statuses(client).await?;
        let customer = match &input.customer {
            Some(c) => Some(resolve_customer(client, c).await?.1),
            None => None,
        };
        let query = Query::new()
            .filter("status", Some(statuses.join(",")))
            .filter("customer_name", customer.as_ref())
            .filter("category", input.category.as_ref())
            .range("start_date", input.start_from.as_ref(), input.start_to.as_ref())
            .fields(JOB_ROW_FIELDS)
            .expand(JOB_ROW_EXPAND)
            .param("sort", JobSort::Oldest.param());
        let currency = client.currency().to_owned();
        upstream_page(
            client, "jobs", &query, &input, ctx.budget,
            |j| job_row(j, &currency),
        ).await
    }
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
pub enum Priority {
    Low,
    Normal,
    High,
}

impl Priority {
    fn as_str(self) -> &'static str {
        match self {
            Priority::Low => "Low",
            Priority::Normal => "Normal",
            Priority::High => "High",
        }
    }
}

// A time of day, `HH:MM` (24 hours).
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct TimeOfDay(#[schemars(regex(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"))] pub String);

// What a new job and a new estimate share (flattened into both tools' inputs).
#[derive(Debug, Deserialize, JsonSchema)]
pub struct NewWork {
    /// The customer's id or exact name.
    pub customer: Reference,
    /// What the work is, as the customer described it.
    pub description: Option<String>,
    /// A status name or id; the company's default (usually Unscheduled) when absent.
    pub status: Option<Reference>,
    pub priority: Option<Priority>,
    /// A job category name or id.
    pub category: Option<Reference>,
    /// How the customer found the company: a source name or id.
    pub source: Option<Reference>,
    /// A payment type name or id.
    pub payment_type: Option<Reference>,
    /// Technicians to assign, by id or full name.
    #[serde(default)]
    pub techs: Vec<Reference>,
    pub start_date: Option<IsoDate>,
    pub end_date: Option<IsoDate>,
    /// Start of the arrival window promised to the customer.
    pub time_frame_start: Option<TimeOfDay>,
    /// End of the arrival window.
    pub time_frame_end: Option<TimeOfDay>,
    /// Expected length in minutes (ServiceFusion's default is 60).
    #[schemars(range(min = 1, max = 100000))]
    pub duration_minutes: Option<u32>,
    /// Notes for the technicians.
    pub tech_notes: Option<String>,
    /// Notes added to the job, one entry each.
    #[serde(default)]
    pub notes: Vec<String>,
    pub po_number: Option<String>,
    /// The contact on site; the customer's primary contact when absent.
    pub contact_first_name: Option<String>,
    pub contact_last_name: Option<String>,
    /// The service address; the customer's primary location when absent.
    pub street_1: Option<String>,
    pub street_2: Option<String>,
    pub city: Option<String>,
    pub state: Option<String>,
    pub postal_code: Option<String>,
    /// Shown to the customer on the work order.
    pub note_to_customer: Option<String>,
    /// Custom field values by field name.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
}

impl NewWork {
    /// The request body ServiceFusion takes for a job or an estimate.
    pub fn body(&self) -> Value {
        let techs: Vec<Value> = self
            .techs
            .iter()
            .map(|t| match t.id() {
                Some(id) => json!({"id": id}),
                None => t.to_json(),
            })
            .collect();
        let custom: Vec<Value> = self
            .custom_fields
            .iter()
            .map(|(k, v)| json!({"name": k, "value": v}))
            .collect();
        model::body(json!({
            "customer_name": self.customer.to_json(),
            "description": self.description,
            "status": self.status.as_ref().map(Reference::to_json),
            "priority": self.priority.map(Priority::as_str),
            "category": self.category.as_ref().map(Reference::to_json),
            "source": self.source.as_ref().map(Reference::to_json),
            "payment_type": self.payment_type.as_ref().map(Reference::to_json),
            "techs_assigned": techs,
            "start_date": self.start_date,
            "end_date": self.end_date,
            "time_frame_promised_start": self.time_frame_start.as_ref().map(|t| &t.0),
            "time_frame_promised_end": self.time_frame_end.as_ref().map(|t| &t.0),
            "duration": self.duration_minutes.map(|m| u64::from(m) * 60),
            "tech_notes": self.tech_notes,
            "notes": self.notes.iter().map(|n| json!({"notes": n})).collect::<Vec<_>>(),
            "po_number": self.po_number,
            "contact_first_name": self.contact_first_name,
            "contact_last_name": self.contact_last_name,
            "street_1": self.street_1,
            "street_2": self.street_2,
            "city": self.city,
            "state_prov": self.state,
            "postal_code": self.postal_code,
            "note_to_customer": self.note_to_customer,
            "custom_fields": custom,
        }))
    }

    /// Checks what ServiceFusion would only refuse with a less helpful message.
    pub fn check(&self) -> connector_core::Result<()> {
        if let (Some(s), Some(e)) = (&self.start_date, &self.end_date)
            && e < s
        {
            return Err(Error::invalid_input(format!(
                "argument `end_date`: {e} is before start_date {s}"
            )));
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CreateJobInput {
    #[serde(flatten)]
    pub work: NewWork,
    /// Who called the job in.
    pub called_in_by: Option<String>,
    /// Flag the job for a follow-up.
    pub requires_follow_up: Option<bool>,
}

tool! {
    pub struct CreateJob for Sf {
        name: "servicefusion_create_job",
        title: "Create a job",
        access: Write,
        annotations: CREATE,
        description: "Creates a job (work order) for a customer given by id or exact name, with optional status, priority, category, source, technicians (ids or names), start/end dates, arrival window, duration, description, notes and PO number. Contact and service address default to the customer's primary ones. Status, category and source names must exist in the account (see the list tools). ServiceFusion's API cannot update or delete a job afterwards, so get the details right first. Returns the new job with its id, number and assigned technicians.",
    }
    async fn call(client, input: CreateJobInput, _ctx) -> Value {
        input.work.check()?;
        let mut body = input.work.body();
        if let Some(by) = &input.called_in_by {
            body["called_in_by"] = json!(by);
        }
        if let Some(f) = input.requires_follow_up {
            body["is_requires_follow_up"] = json!(f);
        }
        let created = client
            .create("jobs", body, Query::new().expand(&["techs_assigned", "notes"]).pairs())
            .await?;
        Ok(model::job(&created, client.currency()))
    }
}
