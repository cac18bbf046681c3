//! Projects: the list, one project with its tools, create, update, trash, and who is on
//! a project.

use connector_core::{
    Error, IsoDate, ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListProjects)
        .with(GetProject)
        .with(CreateProject)
        .with(UpdateProject)
        .with(TrashProject)
        .with(ListProjectPeople)
        .with(GrantProjectAccess)
        .with(RevokeProjectAccess)
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ProjectStatus {
    Active,
    Archived,
    Trashed,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListProjectsInput {
    /// Which projects; active when absent.
    pub status: Option<ProjectStatus>,
    /// Projects per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListProjects for Bc {
        name: "basecamp_list_projects",
        title: "List projects",
        access: Read,
        annotations: READ,
        description: "Lists the projects the connected person can see (active by default, or archived or trashed): id, name, description, and the tools each has switched on with their ids (todoset, message_board, chat, schedule, vault, kanban_board — a project may have several card tables). Pages with `cursor`.",
    }
    async fn call(client, input: ListProjectsInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let query: Vec<(String, String)> = match input.status {
                Some(ProjectStatus::Archived) => vec![("status".into(), "archived".into())],
                Some(ProjectStatus::Trashed) => vec![("status".into(), "trashed".into())],
                _ => Vec::new(),
            };
            gather(client, "/projects.json", &query, about("project", None, "basecamp_list_projects"), |p| model::project(p, false)).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GetProjectInput {
    pub project_id: i64,
    /// Also return the whole dock (every tool, with positions and disabled ones).
    #[serde(default)]
    pub include_dock: bool,
}

tool! {
    pub struct GetProject for Bc {
        name: "basecamp_get_project",
        title: "Get a project",
        access: Read,
        annotations: READ,
        description: "Returns one project: name, description, status, dates, whether clients are on it, and its switched-on tools by name with their ids, which the to-do, message, Campfire, schedule, docs and card-table tools take. `include_dock` adds the full dock.",
    }
    async fn call(client, input: GetProjectInput, _ctx) -> Value {
        let p = client
            .get(&format!("/projects/{}.json", input.project_id), &[], about("project", Some(input.project_id), "basecamp_list_projects"))
            .await?;
        Ok(model::project(&p, input.include_dock))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateProjectInput {
    #[schemars(length(min = 1, max = 255))]
    pub name: String,
    pub description: Option<String>,
}

tool! {
    pub struct CreateProject for Bc {
        name: "basecamp_create_project",
        title: "Create a project",
        access: Write,
        annotations: CREATE,
        description: "Creates a project with the default tools and the connected person as its only member (add people with basecamp_grant_project_access). Returns the project with its tools' ids. Basecamp refuses when the plan's project limit is reached.",
    }
    async fn call(client, input: CreateProjectInput, _ctx) -> Value {
        let created = client
            .write(Method::POST, "/projects.json", Some(json!({"name": input.name, "description": input.description})), about("project", None, "basecamp_list_projects"))
            .await?
            .unwrap_or_default();
        Ok(model::project(&created, false))
    }
}

#[derive(Debug, Clone, Copy, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Admissions {
    /// Only people invited to the project.
    Invite,
    /// Everyone on the account's staff.
    Employee,
    /// Everyone in the company.
    Team,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProjectInput {
    pub project_id: i64,
    /// A new name; the current one is kept when absent.
    pub name: Option<String>,
    /// A new description; the current one is kept when absent.
    pub description: Option<String>,
    /// Who may join: invited people only, all employees, or the whole team.
    pub admissions: Option<Admissions>,
    /// The project's schedule: first day.
    pub start_date: Option<IsoDate>,
    /// The project's schedule: last day.
    pub end_date: Option<IsoDate>,
}

tool! {
    pub struct UpdateProject for Bc {
        name: "basecamp_update_project",
        title: "Update a project",
        access: Write,
        annotations: UPDATE,
        description: "Changes a project's name, description, admissions or schedule dates; what is not given stays as it is.",
    }
    async fn call(client, input: UpdateProjectInput, _ctx) -> Value {
        let call = about("project", Some(input.project_id), "basecamp_list_projects");
        let path = format!("/projects/{}.json", input.project_id);
        let current = client.get(&path, &[], call).await?;
        let mut body = json!({
            "name": input.name.clone().or_else(|| current["name"].as_str().map(str::to_owned)),
            "description": input.description.clone().or_else(|| current["description"].as_str().map(str::to_owned)),
        });
        if let Some(a) = input.admissions {
            body["admissions"] = json!(match a { Admissions::Invite => "invite", Admissions::Employee => "employee", Admissions::Team => "team" });
        }
        match (input.start_date, input.end_date) {
            (Some(s), Some(e)) if e < s => return Err(Error::invalid_input(format!("argument `end_date`: {e} is before start_date {s}"))),
            (Some(s), Some(e)) => body["schedule_attributes"] = json!({"start_date": s, "end_date": e}),
            (None, None) => {}
            _ => return Err(Error::invalid_input("give both `start_date` and `end_date` to set the project's schedule")),
        }
        let updated = client.write(Method::PUT, &path, Some(body), call).await?.unwrap_or_default();
        Ok(model::project(&updated, false))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectRef {
    pub project_id: i64,
}

tool! {
    pub struct TrashProject for Bc {
        name: "basecamp_trash_project",
        title: "Trash a project",
        access: Write,
        annotations: DESTRUCTIVE,
        description: "Moves a project to the trash, with everything in it. It can be restored from the trash in Basecamp for 30 days, then it is deleted for good. Ask the user before doing this.",
    }
    async fn call(client, input: ProjectRef, _ctx) -> Value {
        client
            .write(Method::DELETE, &format!("/projects/{}.json", input.project_id), None, about("project", Some(input.project_id), "basecamp_list_projects"))
            .await?;
        Ok(json!({"trashed": true, "project_id": input.project_id, "note": "restorable from the trash in Basecamp for 30 days"}))
    }
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectPeopleInput {
    pub project_id: i64,
    /// People per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListProjectPeople for Bc {
        name: "basecamp_list_project_people",
        title: "List a project's people",
        access: Read,
        annotations: READ,
        description: "Lists the people on a project: id, name, email, title, company, and whether each is an admin, owner, client or employee. Use their ids to assign to-dos. Pages with `cursor`.",
    }
    async fn call(client, input: ProjectPeopleInput, ctx) -> Value {
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            gather(client, &format!("/projects/{}/people.json", input.project_id), &[], about("project", Some(input.project_id), "basecamp_list_projects"), model::profile).await
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPerson {
    pub name: String,
    pub email_address: String,
    pub title: Option<String>,
    pub company_name: Option<String>,
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrantInput {
    pub project_id: i64,
    /// People already on the account to add (ids from basecamp_list_people).
    #[serde(default)]
    pub person_ids: Vec<i64>,
    /// People new to the account: they are invited by email and added.
    #[serde(default)]
    pub new_people: Vec<NewPerson>,
}

tool! {
    pub struct GrantProjectAccess for Bc {
        name: "basecamp_grant_project_access",
        title: "Add people to a project",
        access: Write,
        annotations: UPDATE,
        description: "Gives people access to a project: account members by id, and new people by name and email (Basecamp invites them). Returns who was granted.",
    }
    async fn call(client, input: GrantInput, _ctx) -> Value {
        if input.person_ids.is_empty() && input.new_people.is_empty() {
            return Err(Error::invalid_input("give `person_ids` or `new_people`: whom to add"));
        }
        let create: Vec<Value> = input.new_people.iter().map(|p| json!({"name": p.name, "email_address": p.email_address, "title": p.title, "company_name": p.company_name})).collect();
        access(client, input.project_id, json!({"grant": input.person_ids, "create": create})).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RevokeInput {
    pub project_id: i64,
    /// People to take off the project.
    #[schemars(length(min = 1))]
    pub person_ids: Vec<i64>,
}

tool! {
    pub struct RevokeProjectAccess for Bc {
        name: "basecamp_revoke_project_access",
        title: "Remove people from a project",
        access: Write,
        annotations: DESTRUCTIVE,
        description: "Takes people off a project: they no longer see it or get its notifications. Their past work stays. Returns who was removed.",
    }
    async fn call(client, input: RevokeInput, _ctx) -> Value {
        access(client, input.project_id, json!({"revoke": input.person_ids})).await
    }
}

async fn access(client: &Bc, project_id: i64, body: Value) -> connector_core::Result<Value> {
    let changed = client
        .write(
            Method::PUT,
            &format!("/projects/{project_id}/people/users.json"),
            Some(body),
            about("project", Some(project_id), "basecamp_list_projects"),
        )
        .await?
        .unwrap_or_default();
    let people = |k: &str| -> Vec<Value> {
        changed
            .get(k)
            .and_then(Value::as_array)
            .map(|a| a.iter().map(model::person).collect())
            .unwrap_or_default()
    };
    Ok(json!({"granted": people("granted"), "revoked": people("revoked")}))
}
