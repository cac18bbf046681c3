//! Estimates: the list with the job filters plus the requested date, one estimate, a
//! customer's open estimates, and a new estimate.

use connector_core::{
    IsoDate, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Query, Reference, Sf,
    customers::{JOB_ROW_EXPAND, JOB_ROW_FIELDS, job_row},
    get_one,
    jobs::{JobFilters, JobSort, NewWork, id_or_number, time_range},
    resolve_customer, snapshot_page, upstream_page,
};
use connector_core::cache::Gathered;

use crate::{client::open_statuses, model};

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListEstimates)
        .with(GetEstimate)
        .with(ListOpenEstimates)
        .with(CreateEstimate)
}

super::listing!(ListEstimatesInput, OpenEstimatesInput);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct ListEstimatesInput {
    #[serde(flatten)]
    pub filters: JobFilters,
    /// Requested on or after this date.
    pub requested_from: Option<IsoDate>,
    /// Requested on or before this date.
    pub requested_to: Option<IsoDate>,
    /// Order; newest start date first when absent.
    pub sort: Option<JobSort>,
    /// Estimates per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListEstimates for Sf {
        name: "servicefusion_list_estimates",
        title: "List estimates",
        access: Read,
        annotations: READ,
        description: "Lists estimates (quotes), filtered like jobs (status, number, PO, customer, contact, address, city, ZIP, phone, email, category, source, start/end dates) and by requested date. Each row: id, number, status, customer {id, name}, dates, category, total. Pages with `cursor`.",
    }
    async fn call(client, input: ListEstimatesInput, ctx) -> Value {
        let query = input.filters.query(client).await?;
        let query = time_range(query, "requested_date", input.requested_from.as_ref(), input.requested_to.as_ref())
            .fields(&estimate_fields())
            .expand(JOB_ROW_EXPAND)
            .param("sort", input.sort.unwrap_or_default().param());
        let currency = client.currency().to_owned();
        upstream_page(
            client, "estimates", &query, &input, ctx.budget,
            |e| job_row(e, &currency),
        ).await
    }
}

/// An estimate row shows what a job row does, without the closing date, with the
/// opportunity.
fn estimate_fields() -> Vec<&'static str> {
    JOB_ROW_FIELDS
        .iter()
        .copied()
        .filter(|f| *f != "closed_at")
        .chain(["opportunity_rating", "opportunity_owner"])
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EstimatePart {
    Techs,
    Notes,
    Tasks,
    Products,
    Services,
    OtherCharges,
    Payments,
    Equipment,
    Agents,
    CustomFields,
    Documents,
    Pictures,
}

impl EstimatePart {
    fn expand(self) -> &'static str {
        match self {
            EstimatePart::Techs => "techs_assigned",
            EstimatePart::Notes => "notes",
            EstimatePart::Tasks => "tasks",
            EstimatePart::Products => "products",
            EstimatePart::Services => "services",
            EstimatePart::OtherCharges => "other_charges",
            EstimatePart::Payments => "payments",
            EstimatePart::Equipment => "equipment",
            EstimatePart::Agents => "agents",
            EstimatePart::CustomFields => "custom_fields",
            EstimatePart::Documents => "documents",
            EstimatePart::Pictures => "pictures",
        }
    }
}

fn default_estimate_parts() -> Vec<EstimatePart> {
    vec![
        EstimatePart::Techs,
        EstimatePart::Notes,
        EstimatePart::Products,
        EstimatePart::Services,
    ]
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetEstimateInput {
    /// The estimate's id. Give this or `number`.
    pub estimate_id: Option<i64>,
    /// The estimate's number. Give this or `estimate_id`.
    pub number: Option<String>,
    /// What to include; techs, notes, products and services when absent.
    #[serde(default = "default_estimate_parts")]
    pub include: Vec<EstimatePart>,
}

tool! {
    pub struct GetEstimate for Sf {
        name: "servicefusion_get_estimate",
        title: "Get an estimate",
        access: Read,
        annotations: READ,
        description: "Returns one estimate by id or number: status, customer, contact, address, description, opportunity rating and owner, totals, and on request its technicians, notes, tasks, products, services, charges, payments, equipment, agents, custom fields, documents and pictures.",
    }
    async fn call(client, input: GetEstimateInput, _ctx) -> Value {
        let id = id_or_number(client, "estimates", input.estimate_id, input.number.as_deref()).await?;
        let expand: Vec<&str> = input.include.iter().map(|p| p.expand()).collect();
        let currency = client.currency().to_owned();
        get_one(client, "estimates", id, &expand, |e| model::job(e, &currency)).await
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OpenEstimatesInput {
    /// The customer's id or exact name.
    pub customer: Reference,
    /// Estimates per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListOpenEstimates for Sf {
        name: "servicefusion_list_open_estimates",
        title: "List a customer's open estimates",
        access: Read,
        annotations: READ,
        description: "Lists a customer's estimates that are still open (not won, lost or cancelled), newest first: number, status, dates, description and total. The customer is given by id or exact name. Pages with `cursor`.",
    }
    async fn call(client, input: OpenEstimatesInput, ctx) -> Value {
        snapshot_page(client, &input, ctx.budget, || async {
            let (id, name) = resolve_customer(client, &input.customer).await?;
            let statuses = open_statuses(client).await?;
            let query = Query::new()
                .filter("customer_name", Some(&name))
                .filter("status", Some(statuses.join(",")))
                .fields(&estimate_fields())
                .param("sort", JobSort::Newest.param());
            let (estimates, complete) = client.fetch_all("estimates", query.pairs(), 10, |_| false).await?;
            let currency = client.currency().to_owned();
            // The name filter matches part of a name; keep this customer's own.
            let items = estimates
                .iter()
                .filter(|e| model::id(e.get("customer_id")) == Some(id))
                .map(|e| job_row(e, &currency))
                .collect();
            Ok(Gathered {
                items,
                note: (!complete).then(|| "only the newest 500 open estimates matching the name were read".to_owned()),
            })
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(deny_unknown_fields)]
pub struct CreateEstimateInput {
    #[serde(flatten)]
    pub work: NewWork,
    /// How likely the customer is to accept, 1-5.
    #[schemars(range(min = 1, max = 5))]
    pub opportunity_rating: Option<u8>,
    /// Who owns the sale: a technician or sales rep, by id or full name.
    pub opportunity_owner: Option<Reference>,
    /// Tags for the estimate.
    #[serde(default)]
    pub tags: Vec<String>,
}

tool! {
    pub struct CreateEstimate for Sf {
        name: "servicefusion_create_estimate",
        title: "Create an estimate",
        access: Write,
        annotations: CREATE,
        description: "Creates an estimate (quote) for a customer given by id or exact name, with optional status, priority, category, source, technicians, dates, arrival window, description, notes, opportunity rating and owner. Contact and address default to the customer's primary ones. ServiceFusion's API cannot update or delete an estimate afterwards. Returns the new estimate with its id and number.",
    }
    async fn call(client, input: CreateEstimateInput, _ctx) -> Value {
        input.work.check()?;
        let mut body = input.work.body();
        if let Some(r) = input.opportunity_rating {
            body["opportunity_rating"] = json!(r);
        }
        if let Some(o) = &input.opportunity_owner {
            body["opportunity_owner"] = o.to_json();
        }
        if !input.tags.is_empty() {
            body["tags"] = json!(input.tags);
        }
        let created = client
            .create("estimates", body, Query::new().expand(&["techs_assigned", "notes"]).pairs())
            .await?;
        Ok(model::job(&created, client.currency()))
    }
}
