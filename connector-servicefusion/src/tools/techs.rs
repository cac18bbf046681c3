//! Technicians: the list, one technician, the jobs assigned to one, and their schedule.
//!
//! ServiceFusion cannot filter jobs or calendar tasks by technician, so both are read
//! here for a date range (within a request budget) and filtered by the assignment.

use connector_core::{
    Error, IsoDate, Result, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{
    Query, Reference, Sf, check_statuses,
    customers::{JOB_ROW_EXPAND, JOB_ROW_FIELDS, job_row},
    get_one,
    jobs::JobSort,
    resolve_tech, snapshot_page, upstream_page,
};
use connector_core::cache::Gathered;

use crate::model;

pub fn register(set: ToolSet<Sf>) -> ToolSet<Sf> {
    set.with(ListTechs)
        .with(GetTech)
        .with(ListTechJobs)
        .with(GetTechSchedule)
}

super::listing!(ListTechsInput, TechJobsInput);

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListTechsInput {
    /// Part of the first name.
    pub first_name: Option<String>,
    /// Part of the last name.
    pub last_name: Option<String>,
    /// Part of the email address.
    pub email: Option<String>,
    /// Part of the nickname printed on work orders.
    pub nickname_on_workorder: Option<String>,
    /// Part of the nickname shown on the dispatch board.
    pub nickname_on_dispatch: Option<String>,
    /// Technicians per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTechs for Sf {
        name: "servicefusion_list_techs",
        title: "List technicians",
        access: Read,
        annotations: READ,
        description: "Lists the company's technicians and other users (field workers, sales reps), optionally by part of the first or last name, email or nicknames: id, name, nicknames, email, phones, department, title. Pages with `cursor`.",
    }
    async fn call(client, input: ListTechsInput, ctx) -> Value {
        let query = Query::new()
            .filter("first_name", input.first_name.as_ref())
            .filter("last_name", input.last_name.as_ref())
            .filter("email", input.email.as_ref())
            .filter("nickname_on_workorder", input.nickname_on_workorder.as_ref())
            .filter("nickname_on_dispatch", input.nickname_on_dispatch.as_ref())
            .param("sort", "last_name,first_name");
        upstream_page(
            client, "techs", &query, &input, ctx.budget,
            model::tech,
        ).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TechRef {
    /// The technician's id, or full name, first or last name, or nickname.
    pub tech: Reference,
}

tool! {
    pub struct GetTech for Sf {
        name: "servicefusion_get_tech",
        title: "Get a technician",
        access: Read,
        annotations: READ,
        description: "Returns one technician by id or name: nicknames, email, phones, department, title, bio, and whether they are a field worker or sales rep.",
    }
    async fn call(client, input: TechRef, _ctx) -> Value {
        let (id, _) = resolve_tech(client, &input.tech).await?;
        get_one(client, "techs", id, &[], model::tech).await
    }
}

/// The longest date range one read covers.
const MAX_DAYS: i64 = 93;
/// Upstream pages one read may take (50 items each).
const READ_REQUESTS: usize = 10;

/// `from..=to` with defaults and bounds checked.
fn range(
    from: Option<IsoDate>,
    to: Option<IsoDate>,
    default_from: i64,
    default_days: i64,
) -> Result<(IsoDate, IsoDate)> {
    let from = from.unwrap_or_else(|| IsoDate::today().plus_days(default_from));
    let to = to.unwrap_or_else(|| from.plus_days(default_days));
    if to < from {
        return Err(Error::invalid_input(format!(
            "argument `to`: {to} is before `from` {from}"
        )));
    }
    if (to.0 - from.0).num_days() > MAX_DAYS {
        return Err(Error::invalid_input(format!(
            "arguments `from`/`to`: at most {MAX_DAYS} days at a time; ask for a shorter range"
        )));
    }
    Ok((from, to))
}

fn assigned_to(job: &Value, tech: i64) -> bool {
    let listed = |key: &str| {
        job.get(key)
            .and_then(Value::as_array)
            .is_some_and(|ts| ts.iter().any(|t| model::id(t.get("id")) == Some(tech)))
    };
    listed("techs_assigned")
        || job
            .get("visits")
            .and_then(Value::as_array)
            .is_some_and(|vs| {
                vs.iter().any(|v| {
                    v.get("techs_assigned")
                        .and_then(Value::as_array)
                        .is_some_and(|ts| ts.iter().any(|t| model::id(t.get("id")) == Some(tech)))
                })
            })
}

/// A technician's jobs starting in `from..=to`, earliest first, and whether the whole
/// range was read.
async fn tech_jobs(
    client: &Sf,
    tech: i64,
    from: &IsoDate,
    to: &IsoDate,
    statuses: &[String],
) -> Result<(Vec<Value>, bool)> {
    let query = Query::new()
        .filter("status", (!statuses.is_empty()).then(|| statuses.join(",")))
        .range("start_date", Some(from), Some(to))
        .fields(JOB_ROW_FIELDS)
        .expand(JOB_ROW_EXPAND)
        .param("sort", JobSort::Oldest.param());
    let (jobs, complete) = client
        .fetch_all("jobs", query.pairs(), READ_REQUESTS, |_| false)
        .await?;
    let currency = client.currency().to_owned();
    Ok((
        jobs.iter()
            .filter(|j| assigned_to(j, tech))
            .map(|j| job_row(j, &currency))
            .collect(),
        complete,
    ))
}

fn partial_note(what: &str, to: &IsoDate) -> String {
    format!(
        "the {what} were read up to ServiceFusion's request budget for one call ({} pages) before reaching {to}; ask for a shorter date range to see the rest",
        READ_REQUESTS
    )
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TechJobsInput {
    /// The technician's id, or name or nickname.
    pub tech: Reference,
    /// Jobs starting on or after this date; 30 days ago when absent.
    pub from: Option<IsoDate>,
    /// Jobs starting on or before this date; 60 days after `from` when absent.
    pub to: Option<IsoDate>,
    /// Only these statuses.
    #[serde(default)]
    pub status: Vec<String>,
    /// Jobs per page (1-200, default 25).
    #[schemars(range(min = 1, max = 200))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListTechJobs for Sf {
        name: "servicefusion_list_tech_jobs",
        title: "List a technician's jobs",
        access: Read,
        annotations: READ,
        description: "Lists the jobs a technician is assigned to (directly or on a visit) that start in a date range (default: the last 30 days and the next 30; at most 93 days), earliest first, optionally in some statuses. Pages with `cursor`.",
    }
    async fn call(client, input: TechJobsInput, ctx) -> Value {
        snapshot_page(client, &input, ctx.budget, || async {
            let (from, to) = range(input.from, input.to, -30, 60)?;
            let (tech, _) = resolve_tech(client, &input.tech).await?;
            let statuses = check_statuses(client, &input.status).await?;
            let (items, complete) = tech_jobs(client, tech, &from, &to, &statuses).await?;
            Ok(Gathered { items, note: (!complete).then(|| partial_note("jobs", &to)) })
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleInput {
    /// The technician's id, or name or nickname.
    pub tech: Reference,
    /// First day; today when absent.
    pub from: Option<IsoDate>,
    /// Last day; a week after `from` when absent. At most 93 days.
    pub to: Option<IsoDate>,
}

/// A calendar task falls in `from..=to` when it starts by `to` and ends on or after `from`.
fn task_in(task: &Value, from: &IsoDate, to: &IsoDate) -> bool {
    let day = |k: &str| {
        task.get(k)
            .and_then(Value::as_str)
            .and_then(|d| IsoDate::parse(d.get(..10).unwrap_or(d)).ok())
    };
    let start = day("start_date");
    let end = day("end_date").or(start);
    start.is_some_and(|s| s <= *to) && end.is_some_and(|e| e >= *from)
}

fn assigned_task(task: &Value, tech: i64) -> bool {
    task.get("users_id")
        .and_then(Value::as_array)
        .is_some_and(|us| us.iter().any(|u| model::id(Some(u)) == Some(tech)))
}

tool! {
    pub struct GetTechSchedule for Sf {
        name: "servicefusion_get_tech_schedule",
        title: "Get a technician's schedule",
        access: Read,
        annotations: READ,
        description: "A technician's schedule for a date range (default: the next 7 days from today; at most 93 days): the jobs they are assigned to, earliest first, and their calendar tasks (calls, meetings, time off). Says when the range was too busy to read whole.",
    }
    async fn call(client, input: ScheduleInput, _ctx) -> Value {
        let (from, to) = range(input.from, input.to, 0, 7)?;
        let (tech, name) = resolve_tech(client, &input.tech).await?;
        let (jobs, jobs_complete) = tech_jobs(client, tech, &from, &to, &[]).await?;
        // Newest first, so reading stops once tasks start before the range.
        let query = Query::new().param("sort", "-start_date,-id");
        let from_iso = from.iso();
        let (tasks, tasks_complete) = client
            .fetch_all("calendar-tasks", query.pairs(), READ_REQUESTS, |t| {
                t.get("start_date").and_then(Value::as_str).is_some_and(|d| *d < *from_iso.as_str())
                    && t.get("end_date").and_then(Value::as_str).is_none_or(|d| *d < *from_iso.as_str())
            })
            .await?;
        let techs = client.lookup("techs").await?;
        let mut tasks: Vec<Value> = tasks
            .iter()
            .filter(|t| assigned_task(t, tech) && task_in(t, &from, &to))
            .map(|t| model::calendar_task(t, &techs))
            .collect();
        tasks.reverse();
        let mut out = json!({
            "tech": {"id": tech, "name": name},
            "from": from,
            "to": to,
            "jobs": jobs,
            "calendar_tasks": tasks,
        });
        let mut notes = Vec::new();
        if !jobs_complete {
            notes.push(partial_note("jobs", &to));
        }
        if !tasks_complete {
            notes.push(partial_note("calendar tasks", &to));
        }
        if !notes.is_empty() {
            out["note"] = json!(notes.join("; "));
        }
        Ok(out)
    }
}
