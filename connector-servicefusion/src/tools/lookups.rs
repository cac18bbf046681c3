//! The company's lookups (job statuses, job categories, sources, payment types), which
//! other tools' arguments name, and the API user the connection acts as.

use connector_core::{
    ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Sf;
use crate::{error::Call, model};

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListJobStatuses)
        .with(ListJobCategories)
        .with(ListSources)
        .with(ListPaymentTypes)
        .with(GetMe)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

/// A whole lookup list, read once and kept for ten minutes.
async fn lookup(client: &Sf, resource: &'static str) -> connector_core::Result<Value> {
    let items: Vec<Value> = client
        .lookup(resource)
        .await?
        .iter()
        .map(model::lookup)
        .collect();
    Ok(json!({"items": items, "total": items.len()}))
}

tool! {
    pub struct ListJobStatuses for Sf {
        name: "servicefusion_list_job_statuses",
        title: "List job statuses",
        access: Read,
        annotations: READ,
        description: "Lists the job and estimate statuses this company uses: id, code, name, and category (OPEN_ACTIVE, OPEN_INACTIVE or CLOSED). Status arguments of other tools take these names.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        lookup(client, "job-statuses").await
    }
}

tool! {
    pub struct ListJobCategories for Sf {
        name: "servicefusion_list_job_categories",
        title: "List job categories",
        access: Read,
        annotations: READ,
        description: "Lists the job categories (kinds of work) this company uses, by id and name, for filtering and creating jobs and estimates.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        lookup(client, "job-categories").await
    }
}

tool! {
    pub struct ListSources for Sf {
        name: "servicefusion_list_sources",
        title: "List lead sources",
        access: Read,
        annotations: READ,
        description: "Lists the lead sources (how customers found the company: referral, web, Yelp…) by id, short and long name, for filtering and creating jobs and estimates.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        lookup(client, "sources").await
    }
}

tool! {
    pub struct ListPaymentTypes for Sf {
        name: "servicefusion_list_payment_types",
        title: "List payment types",
        access: Read,
        annotations: READ,
        description: "Lists the payment types this company accepts (cash, check, card, direct bill…): id, code, name, type, for creating customers, jobs and estimates.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        lookup(client, "payment-types").await
    }
}

tool! {
    pub struct GetMe for Sf {
        name: "servicefusion_get_me",
        title: "Get the connected API user",
        access: Read,
        annotations: READ,
        description: "Returns the ServiceFusion user this connection acts as: id, name and email.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        me(client).await
    }
}

/// `GET /v1/me`, shaped: `{id, name, email}`.
pub async fn me(client: &Sf) -> connector_core::Result<Value> {
    let raw = client
        .get(
            "me",
            &[],
            Call {
                resource: "me",
                id: None,
                create: false,
            },
        )
        .await?;
    let mut out = model::person(&raw);
    if let Some(e) = raw.get("email") {
        out["email"] = e.clone();
    }
    Ok(out)
}
