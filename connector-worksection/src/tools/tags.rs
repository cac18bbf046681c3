//! Tags: task and project tags and their groups, tasks having a tag; setting and
//! removing tags on a task or project.

use connector_core::{
    Error, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ws, page, task_table, tasks::load_tasks};
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListTaskTags)
        .with(ListTaskTagGroups)
        .with(ListProjectTags)
        .with(ListProjectTagGroups)
        .with(ListTaggedTasks)
        .with(SetTaskTags)
        .with(SetProjectTags)
}

fn tag(v: &Value) -> Value {
    let g = v.get("group").unwrap_or(&Value::Null);
    json!({
        "id": v.get("id").and_then(model::id),
        "name": v.get("title"),
        "group": {"id": g.get("id").and_then(model::id), "name": g.get("title"), "type": g.get("type"), "access": g.get("access")},
    })
}

fn group(v: &Value) -> Value {
    json!({"id": v.get("id").and_then(model::id), "name": v.get("title"), "type": v.get("type"), "access": v.get("access")})
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum TagType {
    /// Workflow states: a task has one of a status group.
    Status,
    /// Free labels.
    Label,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskTagsInput {
    /// Only tags of this group (name or id).
    pub group: Option<String>,
    /// Only status tags or only labels.
    #[serde(rename = "type")]
    pub kind: Option<TagType>,
}

fn kind_str(k: Option<TagType>) -> Option<&'static str> {
    k.map(|k| match k {
        TagType::Status => "status",
        TagType::Label => "label",
    })
}

tool! {
    pub struct ListTaskTags for Ws {
        name: "worksection_list_task_tags",
        title: "List task tags",
        access: Read,
        annotations: READ,
        description: "Lists the tags tasks can carry, each with its group (status groups are workflows, label groups are free labels).",
    }
    async fn call(client, input: TaskTagsInput, _) -> Value {
        let answer = client.read("get_task_tags", Params::new().opt("group", input.group.as_deref()).opt("type", kind_str(input.kind))).await?;
        Ok(json!({"tags": model::list(&answer).iter().map(tag).collect::<Vec<_>>()}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GroupsInput {
    /// Only status groups or only label groups.
    #[serde(rename = "type")]
    pub kind: Option<TagType>,
}

tool! {
    pub struct ListTaskTagGroups for Ws {
        name: "worksection_list_task_tag_groups",
        title: "List task tag groups",
        access: Read,
        annotations: READ,
        description: "Lists the groups task tags belong to, with type (status or label) and access (public or private).",
    }
    async fn call(client, input: GroupsInput, _) -> Value {
        let answer = client.read("get_task_tag_groups", Params::new().opt("type", kind_str(input.kind))).await?;
        Ok(json!({"groups": model::list(&answer).iter().map(group).collect::<Vec<_>>()}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

tool! {
    pub struct ListProjectTags for Ws {
        name: "worksection_list_project_tags",
        title: "List project tags",
        access: Read,
        annotations: READ,
        description: "Lists the tags projects can carry, each with its group.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_project_tags", Params::new()).await?;
        Ok(json!({"tags": model::list(&answer).iter().map(tag).collect::<Vec<_>>()}))
    }
}

tool! {
    pub struct ListProjectTagGroups for Ws {
        name: "worksection_list_project_tag_groups",
        title: "List project tag groups",
        access: Read,
        annotations: READ,
        description: "Lists the groups project tags belong to.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_project_tag_groups", Params::new()).await?;
        Ok(json!({"groups": model::list(&answer).iter().map(group).collect::<Vec<_>>()}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaggedInput {
    /// The tag's name.
    pub tag: String,
    /// Only this project; the whole account by default.
    pub project_id: Option<String>,
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
    pub struct ListTaggedTasks for Ws {
        name: "worksection_list_tagged_tasks",
        title: "List tasks with a tag",
        access: Read,
        annotations: READ,
        description: "Lists the tasks carrying a tag (by name, case-insensitive), as a table. Pages with `cursor`.",
    }
    async fn call(client, input: TaggedInput, ctx) -> Value {
        let want = input.tag.trim().to_lowercase();
        let (loaded, snapshot) = load_tasks(client, input.project_id.as_deref(), input.active_only, true, input.cursor.as_deref()).await?;
        let tasks: Vec<Value> = loaded.into_iter()
            .filter(|t| t.get("tags").and_then(Value::as_array).is_some_and(|tags| tags.iter().any(|x| x.as_str().is_some_and(|s| s.to_lowercase() == want))))
            .collect();
        let query = json!({"tag": want, "project": input.project_id, "active": input.active_only});
        Ok(task_table(page(tasks, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetTaskTagsInput {
    /// The task's id.
    pub task_id: String,
    /// Tags to add (names or ids).
    #[serde(default)]
    pub add: Vec<String>,
    /// Tags to remove (names or ids).
    #[serde(default)]
    pub remove: Vec<String>,
}

tool! {
    pub struct SetTaskTags for Ws {
        name: "worksection_set_task_tags",
        title: "Tag or untag a task",
        access: Write,
        annotations: UPDATE,
        description: "Adds and/or removes tags on a task (names or ids; other tags stay). Returns the task's tags afterwards.",
    }
    async fn call(client, input: SetTaskTagsInput, _) -> Value {
        if input.add.is_empty() && input.remove.is_empty() {
            return Err(Error::invalid_input("argument `add`: give tags to add or to remove"));
        }
        client.write("update_task_tags", Params::new().with("id_task", &input.task_id).list("plus", &input.add).list("minus", &input.remove)).await?;
        let task = super::tasks::get_task(client, &input.task_id, &[]).await?;
        Ok(json!({"task_id": input.task_id, "tags": task.get("tags").cloned().unwrap_or(json!([]))}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SetProjectTagsInput {
    /// The project's id.
    pub project_id: String,
    /// Tags to add (names or ids).
    #[serde(default)]
    pub add: Vec<String>,
    /// Tags to remove (names or ids).
    #[serde(default)]
    pub remove: Vec<String>,
}

tool! {
    pub struct SetProjectTags for Ws {
        name: "worksection_set_project_tags",
        title: "Tag or untag a project",
        access: Write,
        annotations: UPDATE,
        description: "Adds and/or removes tags on a project (names or ids; other tags stay).",
    }
    async fn call(client, input: SetProjectTagsInput, _) -> Value {
        if input.add.is_empty() && input.remove.is_empty() {
            return Err(Error::invalid_input("argument `add`: give tags to add or to remove"));
        }
        client.write("update_project_tags", Params::new().with("id_project", &input.project_id).list("plus", &input.add).list("minus", &input.remove)).await?;
        Ok(json!({"project_id": input.project_id, "added": input.add, "removed": input.remove}))
    }
}
