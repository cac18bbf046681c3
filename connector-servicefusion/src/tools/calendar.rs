//! Calendar tasks: calls, meetings and reminders on the company calendar (read-only in
//! the API), listed newest first and one by one.

use connector_core::{
    ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Query, Sf, upstream_page};
use crate::{error::Call, model};

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListCalendarTasks).with(GetCalendarTask)
}

super::listing!(ListTasksInput);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTasksInput {
    /// Earliest start first instead of latest first.
    #[serde(default)]
    pub oldest_first: bool,
    /// Tasks per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListCalendarTasks for Sf {
        name: "servicefusion_list_calendar_tasks",
        title: "List calendar tasks",
        access: Read,
        annotations: READ,
        description: "Lists the company calendar's tasks (calls, meetings, reminders, time off), latest start first: type, description, dates and times, who it is assigned to, linked customers, jobs and estimates. The API cannot filter them; for one technician's days use servicefusion_get_tech_schedule. Read-only: the API cannot create calendar tasks. Pages with `cursor`.",
    }
    async fn call(client, input: ListTasksInput, ctx) -> Value {
        let sort = if input.oldest_first { "start_date,id" } else { "-start_date,-id" };
        let query = Query::new().param("sort", sort);
        let techs = client.lookup("techs").await?;
        upstream_page(
            client, "calendar-tasks", &query, &input, ctx.budget,
            |t| model::calendar_task(t, &techs),
        ).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskRef {
    /// The calendar task's id.
    pub task_id: i64,
}

tool! {
    pub struct GetCalendarTask for Sf {
        name: "servicefusion_get_calendar_task",
        title: "Get a calendar task",
        access: Read,
        annotations: READ,
        description: "Returns one calendar task: type, description, start and end, whether completed or public, its repeat rule, the technicians it is assigned to, and the customers, jobs and estimates it concerns.",
    }
    async fn call(client, input: TaskRef, _ctx) -> Value {
        let raw = client
            .get(
                &format!("calendar-tasks/{}", input.task_id),
                &[],
                Call { resource: "calendar-tasks", id: Some(input.task_id), create: false },
            )
            .await?;
        let techs = client.lookup("techs").await?;
        Ok(model::calendar_task(&raw, &techs))
    }
}
