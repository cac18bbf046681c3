//! Invoices: the list (ServiceFusion offers no filters on it, only order) and one invoice.

use connector_core::{
    ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Query, Sf, get_one, upstream_page};
use crate::model;

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListInvoices).with(GetInvoice)
}

super::listing!(ListInvoicesInput);

#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceSort {
    /// Latest invoice date first.
    #[default]
    Newest,
    Oldest,
    /// Highest number first.
    Number,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListInvoicesInput {
    /// Order; newest first when absent.
    pub sort: Option<InvoiceSort>,
    /// Invoices per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListInvoices for Sf {
        name: "servicefusion_list_invoices",
        title: "List invoices",
        access: Read,
        annotations: READ,
        description: "Lists invoices, newest first: number, date, customer, total, whether paid, terms. ServiceFusion's API cannot filter invoices; for one job's invoices use servicefusion_get_job with include [\"invoices\"]. Pages with `cursor`.",
    }
    async fn call(client, input: ListInvoicesInput, ctx) -> Value {
        let sort = match input.sort.unwrap_or_default() {
            InvoiceSort::Newest => "-date,-id",
            InvoiceSort::Oldest => "date,id",
            InvoiceSort::Number => "-number",
        };
        let query = Query::new()
            .fields(&["id", "number", "date", "customer", "bill_to_customer_id", "total", "is_paid", "terms", "po_number", "currency"])
            .param("sort", sort);
        let currency = client.currency().to_owned();
        upstream_page(
            client, "invoices", &query, &input, ctx.budget,
            |i| model::invoice(i, &currency),
        ).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceRef {
    /// The invoice's id (from servicefusion_list_invoices, or a job's invoices).
    pub invoice_id: i64,
}

tool! {
    pub struct GetInvoice for Sf {
        name: "servicefusion_get_invoice",
        title: "Get an invoice",
        access: Read,
        annotations: READ,
        description: "Returns one invoice: number, date, customer, contact, total, whether paid, terms, PO number, the message to the customer, notes, the online payment link and when it was mailed.",
    }
    async fn call(client, input: InvoiceRef, _ctx) -> Value {
        let currency = client.currency().to_owned();
        get_one(client, "invoices", input.invoice_id, &[], |i| model::invoice(i, &currency)).await
    }
}
