//! People: everyone the connected person can see, one person, and themselves.

use connector_core::{
    ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Bc, about, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListPeople).with(GetPerson).with(GetMyProfile)
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListPeopleInput {
    /// People per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListPeople for Bc {
        name: "basecamp_list_people",
        title: "List people",
        access: Read,
        annotations: READ,
        description: "Lists everyone on the account the connected person can see: id, name, email, title, company, time zone, and whether each is an owner, admin, employee or client. Pages with `cursor`.",
    }
    async fn call(client, input: ListPeopleInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, "/people.json", &[], about("person", None, "basecamp_list_people"), model::profile).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PersonRef {
    pub person_id: i64,
}

tool! {
    pub struct GetPerson for Bc {
        name: "basecamp_get_person",
        title: "Get a person",
        access: Read,
        annotations: READ,
        description: "Returns one person: name, email, title, company, location, time zone, and their role on the account.",
    }
    async fn call(client, input: PersonRef, _ctx) -> Value {
        let p = client
            .get(&format!("/people/{}.json", input.person_id), &[], about("person", Some(input.person_id), "basecamp_list_people"))
            .await?;
        Ok(model::profile(&p))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

tool! {
    pub struct GetMyProfile for Bc {
        name: "basecamp_get_my_profile",
        title: "Who am I in Basecamp",
        access: Read,
        annotations: READ,
        description: "Returns the person this connection acts as: id (for assigning to-dos to themselves), name, email, title, company, time zone.",
    }
    async fn call(client, _input: NoInput, _ctx) -> Value {
        let me = client.get("/my/profile.json", &[], about("profile", None, "basecamp_list_people")).await?;
        Ok(model::profile(&me))
    }
}
