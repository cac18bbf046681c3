//! Members: the team, one member, the signed-in user, groups, contacts, a member's tasks.

use connector_core::{
    Error, ErrorKind, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{ListInput, Ws, page, task_table, tasks::member_tasks};
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListMembers)
        .with(GetMember)
        .with(GetCurrentUser)
        .with(ListMemberGroups)
        .with(ListContacts)
        .with(ListContactGroups)
        .with(ListMemberTasks)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

async fn members(client: &Ws, cursor: Option<&str>) -> connector_core::Result<(Vec<Value>, u64)> {
    let (answer, snapshot) = client.read_list("get_users", Params::new(), cursor).await?;
    Ok((
        model::list(&answer).iter().map(model::member).collect(),
        snapshot,
    ))
}

tool! {
    pub struct ListMembers for Ws {
        name: "worksection_list_members",
        title: "List team members",
        access: Read,
        annotations: READ,
        description: "Lists the account's members: id, name, email, title, group, department and role (owner, admin, user, guest, reader).",
    }
    async fn call(client, input: ListInput, ctx) -> Value {
        let (items, snapshot) = members(client, input.cursor.as_deref()).await?;
        Ok(json!(page(items, input.cursor.as_deref(), input.limit, json!("members"), ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberRef {
    /// The member's email or id.
    pub member: String,
}

tool! {
    pub struct GetMember for Ws {
        name: "worksection_get_member",
        title: "Get a team member",
        access: Read,
        annotations: READ,
        description: "Returns one member, found by email or id.",
    }
    async fn call(client, input: MemberRef, _) -> Value {
        let want = input.member.trim().to_ascii_lowercase();
        members(client, None)
            .await?
            .0
            .into_iter()
            .find(|m| m.get("id").and_then(Value::as_str) == Some(want.as_str()) || m.get("email").and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(&want)))
            .ok_or_else(|| Error::new(ErrorKind::NotFound, format!("no member {} in this Worksection account; worksection_list_members shows who there is", input.member)))
    }
}

tool! {
    pub struct GetCurrentUser for Ws {
        name: "worksection_get_current_user",
        title: "Get the signed-in user",
        access: Read,
        annotations: READ,
        description: "Returns the person the connection acts as. Needs the account connected by signing in (OAuth); with the admin API key there is no personal user.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        if !client.is_user_mode() {
            return Err(Error::new(ErrorKind::Unsupported, "the connection uses the admin API key, which acts as the account, not a person; connect by signing in to use this"));
        }
        let answer = client.read("me", Params::new()).await?;
        Ok(model::member(&model::object(&answer, "user")?))
    }
}

tool! {
    pub struct ListMemberGroups for Ws {
        name: "worksection_list_member_groups",
        title: "List teams",
        access: Read,
        annotations: READ,
        description: "Lists the member groups (teams and client companies) of the account.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_user_groups", Params::new()).await?;
        Ok(json!({"groups": model::list(&answer).iter().map(|g| json!({"id": g.get("id").and_then(model::id), "name": g.get("title"), "type": g.get("type"), "client": g.get("client").is_some_and(|c| c == 1 || c == "1")})).collect::<Vec<_>>()}))
    }
}

tool! {
    pub struct ListContacts for Ws {
        name: "worksection_list_contacts",
        title: "List contacts",
        access: Read,
        annotations: READ,
        description: "Lists the account's contacts (people outside the team): name, email, title, phone and group.",
    }
    async fn call(client, input: ListInput, ctx) -> Value {
        let (answer, snapshot) = client.read_list("get_contacts", Params::new(), input.cursor.as_deref()).await?;
        let items = model::list(&answer).iter().map(model::member).collect();
        Ok(json!(page(items, input.cursor.as_deref(), input.limit, json!("contacts"), ctx.budget, snapshot)?))
    }
}

tool! {
    pub struct ListContactGroups for Ws {
        name: "worksection_list_contact_groups",
        title: "List contact groups",
        access: Read,
        annotations: READ,
        description: "Lists the groups (folders) contacts are filed in.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_contact_groups", Params::new()).await?;
        Ok(json!({"groups": model::list(&answer).iter().map(|g| json!({"id": g.get("id").and_then(model::id), "name": g.get("title"), "type": g.get("type")})).collect::<Vec<_>>()}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberTasksInput {
    /// The member's email.
    pub email: String,
    /// Only open tasks (the default).
    #[serde(default = "yes")]
    pub active_only: bool,
    /// Rows per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

fn yes() -> bool {
    true
}

tool! {
    pub struct ListMemberTasks for Ws {
        name: "worksection_list_member_tasks",
        title: "List a member's tasks",
        access: Read,
        annotations: READ,
        description: "Lists the tasks assigned to a member (by email), open ones by default, as a table. Pages with `cursor`.",
    }
    async fn call(client, input: MemberTasksInput, ctx) -> Value {
        let (tasks, snapshot) = member_tasks(client, &input.email, input.active_only, input.cursor.as_deref()).await?;
        let query = json!({"member": input.email.to_ascii_lowercase(), "active": input.active_only});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}
