//! Projects: list, read, folders, members; create, update, close, activate, membership.

use connector_core::{
    Result, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ws, page};
use crate::{
    client::Params,
    model::{self, IsoDate},
};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListProjects)
        .with(GetProject)
        .with(ListProjectFolders)
        .with(ListProjectMembers)
        .with(CreateProject)
        .with(UpdateProject)
        .with(CloseProject)
        .with(ActivateProject)
        .with(AddProjectMembers)
        .with(RemoveProjectMembers)
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema, PartialEq)]
#[serde(rename_all = "lowercase")]
pub enum ProjectStatus {
    Active,
    Pending,
    Archive,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjectsInput {
    /// Only projects in this state; all states by default.
    pub status: Option<ProjectStatus>,
    /// Items per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListProjects for Ws {
        name: "worksection_list_projects",
        title: "List projects",
        access: Read,
        annotations: READ,
        description: "Lists the account's projects: id, name, status (active, pending, archive), folder, manager, dates and tags. Filter by status. Pages with `cursor`; use worksection_get_project for one project's description, options and members.",
    }
    async fn call(client, input: ListProjectsInput, ctx) -> Value {
        let filter = input.status.map(|s| match s {
            ProjectStatus::Active => "active",
            ProjectStatus::Pending => "pending",
            ProjectStatus::Archive => "archive",
        });
        let (answer, snapshot) = client.read_list("get_projects", Params::new().opt("filter", filter), input.cursor.as_deref()).await?;
        let items = model::list(&answer).iter().map(model::project).collect();
        Ok(json!(page(items, input.cursor.as_deref(), input.limit, json!({"status": filter}), ctx.budget, snapshot)?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectId {
    /// The project's id (from worksection_list_projects).
    pub project_id: String,
}

async fn get_project(client: &Ws, id: &str) -> Result<Value> {
    let answer = client
        .read(
            "get_project",
            Params::new()
                .with("id_project", id)
                .with("extra", "text,options,users"),
        )
        .await?;
    model::object(&answer, "project")
}

tool! {
    pub struct GetProject for Ws {
        name: "worksection_get_project",
        title: "Get a project",
        access: Read,
        annotations: READ,
        description: "Returns one project with its description (as text), options, budget limits (max_time hours, max_money), tags and members.",
    }
    async fn call(client, input: ProjectId, _) -> Value {
        Ok(model::project(&get_project(client, &input.project_id).await?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

tool! {
    pub struct ListProjectFolders for Ws {
        name: "worksection_list_project_folders",
        title: "List project folders",
        access: Read,
        annotations: READ,
        description: "Lists the folders (project groups) projects are filed in, with whether each is a client company.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_project_groups", Params::new()).await?;
        let folders: Vec<Value> = model::list(&answer)
            .iter()
            .map(|g| json!({"id": g.get("id").and_then(model::id), "name": g.get("title"), "type": g.get("type"), "client": g.get("client").is_some_and(|c| c == 1 || c == "1")}))
            .collect();
        Ok(json!({"folders": folders}))
    }
}

tool! {
    pub struct ListProjectMembers for Ws {
        name: "worksection_list_project_members",
        title: "List project members",
        access: Read,
        annotations: READ,
        description: "Lists the people who are members of a project, with their emails (use the emails to assign tasks).",
    }
    async fn call(client, input: ProjectId, _) -> Value {
        let project = get_project(client, &input.project_id).await?;
        let members: Vec<Value> = project.get("users").and_then(Value::as_array).map(|u| u.iter().map(model::person).collect()).unwrap_or_default();
        Ok(json!({"project": model::project_ref(&project), "members": members}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectInput {
    /// The project's name.
    #[schemars(length(min = 1, max = 500))]
    pub title: String,
    /// What the project is about (plain text).
    pub description: Option<String>,
    /// The manager's email.
    #[schemars(email)]
    pub manager_email: Option<String>,
    /// Members' emails.
    #[serde(default)]
    pub member_emails: Vec<String>,
    /// The folder (project group) to file it in, by name.
    pub folder: Option<String>,
    pub start_date: Option<IsoDate>,
    pub due_date: Option<IsoDate>,
    /// Time budget in hours.
    #[schemars(range(min = 0.0))]
    pub max_time: Option<f64>,
    /// Money budget.
    #[schemars(range(min = 0.0))]
    pub max_money: Option<f64>,
    /// Project tags, by name.
    #[serde(default)]
    pub tags: Vec<String>,
}

tool! {
    pub struct CreateProject for Ws {
        name: "worksection_create_project",
        title: "Create a project",
        access: Write,
        annotations: CREATE,
        description: "Creates a project with an optional description, manager, members, folder, dates and budget. Returns the new project with its id.",
    }
    async fn call(client, input: CreateProjectInput, _) -> Value {
        let params = Params::new()
            .with("title", &input.title)
            .opt("email_user_from", if client.is_user_mode() { None } else { client.default_author() })
            .opt("email_manager", input.manager_email.as_deref())
            .list("members", &input.member_emails)
            .opt("text", input.description.as_deref())
            .opt("company", input.folder.as_deref())
            .plan(input.start_date.as_ref(), input.due_date.as_ref(), input.max_time, input.max_money)
            .list("tags", &input.tags);
        let answer = client.write("post_project", params).await?;
        Ok(model::project(&model::object(&answer, "project")?))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectInput {
    /// The project's id.
    pub project_id: String,
    /// A new name.
    pub title: Option<String>,
    /// A new manager, by email.
    #[schemars(email)]
    pub manager_email: Option<String>,
    pub start_date: Option<IsoDate>,
    pub due_date: Option<IsoDate>,
    /// Time budget in hours.
    #[schemars(range(min = 0.0))]
    pub max_time: Option<f64>,
    /// Money budget.
    #[schemars(range(min = 0.0))]
    pub max_money: Option<f64>,
}

tool! {
    pub struct UpdateProject for Ws {
        name: "worksection_update_project",
        title: "Update a project",
        access: Write,
        annotations: UPDATE,
        description: "Changes a project's name, manager, dates or budget; fields left out stay as they are. The description cannot be changed through the API.",
    }
    async fn call(client, input: UpdateProjectInput, _) -> Value {
        let params = Params::new()
            .with("id_project", &input.project_id)
            .opt("title", input.title.as_deref())
            .opt("email_manager", input.manager_email.as_deref())
            .plan(input.start_date.as_ref(), input.due_date.as_ref(), input.max_time, input.max_money);
        client.write("update_project", params).await?;
        Ok(model::project(&get_project(client, &input.project_id).await?))
    }
}

tool! {
    pub struct CloseProject for Ws {
        name: "worksection_close_project",
        title: "Close a project",
        access: Write,
        annotations: UPDATE,
        description: "Moves a project to the archive. It can be reopened with worksection_activate_project.",
    }
    async fn call(client, input: ProjectId, _) -> Value {
        client.write("close_project", Params::new().with("id_project", &input.project_id)).await?;
        Ok(json!({"project_id": input.project_id, "status": "archive"}))
    }
}

tool! {
    pub struct ActivateProject for Ws {
        name: "worksection_activate_project",
        title: "Reopen a project",
        access: Write,
        annotations: UPDATE,
        description: "Makes an archived project active again.",
    }
    async fn call(client, input: ProjectId, _) -> Value {
        client.write("activate_project", Params::new().with("id_project", &input.project_id)).await?;
        Ok(json!({"project_id": input.project_id, "status": "active"}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MembersInput {
    /// The project's id.
    pub project_id: String,
    /// The members' emails.
    #[schemars(length(min = 1))]
    pub emails: Vec<String>,
}

tool! {
    pub struct AddProjectMembers for Ws {
        name: "worksection_add_project_members",
        title: "Add project members",
        access: Write,
        annotations: UPDATE,
        description: "Adds people (by email) to a project's members. Returns the members afterwards.",
    }
    async fn call(client, input: MembersInput, _) -> Value {
        client.write("add_project_members", Params::new().with("id_project", &input.project_id).list("members", &input.emails)).await?;
        let project = get_project(client, &input.project_id).await?;
        Ok(json!({"project": model::project_ref(&project), "members": project.get("users").and_then(Value::as_array).map(|u| u.iter().map(model::person).collect::<Vec<_>>())}))
    }
}

tool! {
    pub struct RemoveProjectMembers for Ws {
        name: "worksection_remove_project_members",
        title: "Remove project members",
        access: Write,
        annotations: DESTRUCTIVE,
        description: "Removes people (by email) from a project's members; they lose access to it. Returns the members afterwards.",
    }
    async fn call(client, input: MembersInput, _) -> Value {
        client.write("delete_project_members", Params::new().with("id_project", &input.project_id).list("members", &input.emails)).await?;
        let project = get_project(client, &input.project_id).await?;
        Ok(json!({"project": model::project_ref(&project), "members": project.get("users").and_then(Value::as_array).map(|u| u.iter().map(model::person).collect::<Vec<_>>())}))
    }
}
