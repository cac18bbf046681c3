//! Costs and time: list, totals, a member's workload, a project time report; add,
//! update, delete an entry.

use std::collections::BTreeMap;

use connector_core::{
    Error, Result, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Ws, page, tasks::member_open_tasks};
use crate::{
    client::Params,
    model::{self, IsoDate, WorksectionDate},
};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListCosts)
        .with(GetCostTotals)
        .with(GetMemberWorkload)
        .with(GetProjectTimeReport)
        .with(AddCost)
        .with(UpdateCost)
        .with(DeleteCost)
}

#[derive(Debug, Deserialize, JsonSchema, Default)]
#[serde(deny_unknown_fields)]
pub struct CostFilter {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// From this date (inclusive).
    pub start_date: Option<IsoDate>,
    /// To this date (inclusive).
    pub end_date: Option<IsoDate>,
    /// Only entries recorded by a timer (true) or by hand (false).
    pub from_timer: Option<bool>,
}

fn filter_params(f: &CostFilter) -> Params {
    Params::new()
        .opt("id_project", f.project_id.as_deref())
        .opt("id_task", f.task_id.as_deref())
        .opt(
            "datestart",
            f.start_date.as_ref().map(IsoDate::to_worksection),
        )
        .opt("dateend", f.end_date.as_ref().map(IsoDate::to_worksection))
        .opt("is_timer", f.from_timer.map(|t| if t { 1 } else { 0 }))
}

/// Cost rows and Worksection's totals for them, with the snapshot id for paging.
async fn costs(
    client: &Ws,
    f: &CostFilter,
    cursor: Option<&str>,
) -> Result<(Vec<Value>, Value, u64)> {
    let (answer, snapshot) = client
        .read_list("get_costs", filter_params(f), cursor)
        .await?;
    let rows = model::list(&answer).iter().map(model::cost).collect();
    Ok((
        rows,
        answer.get("total").cloned().unwrap_or(Value::Null),
        snapshot,
    ))
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListCostsInput {
    /// Only this project.
    pub project_id: Option<String>,
    /// Only this task.
    pub task_id: Option<String>,
    /// From this date (inclusive).
    pub start_date: Option<IsoDate>,
    /// To this date (inclusive).
    pub end_date: Option<IsoDate>,
    /// Only entries recorded by a timer (true) or by hand (false).
    pub from_timer: Option<bool>,
    /// Entries per page; by default as many as fit the result budget.
    #[schemars(range(min = 1, max = 1000))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

tool! {
    pub struct ListCosts for Ws {
        name: "worksection_list_costs",
        title: "List time and money entries",
        access: Read,
        annotations: READ,
        description: "Lists logged time and money entries (date, member, task, time h:mm and decimal hours, money, comment), by project, task or date range, with the totals of the whole selection. Pages with `cursor`.",
    }
    async fn call(client, input: ListCostsInput, ctx) -> Value {
        let f = CostFilter { project_id: input.project_id, task_id: input.task_id, start_date: input.start_date, end_date: input.end_date, from_timer: input.from_timer };
        let (rows, total, snapshot) = costs(client, &f, input.cursor.as_deref()).await?;
        let query = json!([f.project_id, f.task_id, f.start_date.as_ref().map(IsoDate::iso), f.end_date.as_ref().map(IsoDate::iso), f.from_timer]);
        let mut out = json!(page(rows, input.cursor.as_deref(), input.limit, query, ctx.budget, snapshot)?);
        out["totals"] = total;
        Ok(out)
    }
}

tool! {
    pub struct GetCostTotals for Ws {
        name: "worksection_get_cost_totals",
        title: "Get time and money totals",
        access: Read,
        annotations: READ,
        description: "Returns total time and money logged, overall and per project, for a project, task or date range.",
    }
    async fn call(client, input: CostFilter, _) -> Value {
        let answer = client.read("get_costs_total", filter_params(&input).with("extra", "projects")).await?;
        Ok(json!({"total": answer.get("total"), "projects": answer.get("projects")}))
    }
}

fn sum_hours(rows: &[Value]) -> f64 {
    (rows
        .iter()
        .filter_map(|r| r.get("hours").and_then(Value::as_f64))
        .sum::<f64>()
        * 100.0)
        .round()
        / 100.0
}

fn sum_money(rows: &[Value]) -> f64 {
    (rows
        .iter()
        .filter_map(|r| r.get("money").and_then(Value::as_f64))
        .sum::<f64>()
        * 100.0)
        .round()
        / 100.0
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WorkloadInput {
    /// The member's email.
    pub email: String,
    /// From this date (inclusive).
    pub start_date: Option<IsoDate>,
    /// To this date (inclusive).
    pub end_date: Option<IsoDate>,
}

tool! {
    pub struct GetMemberWorkload for Ws {
        name: "worksection_get_member_workload",
        title: "Get a member's workload",
        access: Read,
        annotations: READ,
        description: "Summarises one member's workload: open tasks assigned (with how many are overdue and the nearest due dates) and hours and money logged in the period, by project.",
    }
    async fn call(client, input: WorkloadInput, _) -> Value {
        let email = input.email.to_ascii_lowercase();
        let today = model::today_iso();
        let open: Vec<Value> = member_open_tasks(client, &input.email).await?
            .into_iter()
            .filter(|t| t.get("assignee").and_then(|a| a.get("email")).and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(&email)))
            .collect();
        let overdue = open.iter().filter(|t| t.get("due").and_then(Value::as_str).is_some_and(|d| d < today.as_str())).count();
        let mut next: Vec<&Value> = open.iter().filter(|t| t.get("due").is_some()).collect();
        next.sort_by(|a, b| a.get("due").and_then(Value::as_str).cmp(&b.get("due").and_then(Value::as_str)));
        // Worksection's own user filter on costs is unreliable, so filter here.
        // Without dates, the last 30 days: the account's whole history can be huge.
        let start_date = input.start_date.or_else(|| IsoDate::parse(&model::iso_days_from_today(-30)).ok());
        let f = CostFilter { start_date, end_date: input.end_date, ..Default::default() };
        let (rows, _, _) = costs(client, &f, None).await?;
        let mine: Vec<Value> = rows
            .into_iter()
            .filter(|r| r.get("member").and_then(|m| m.get("email")).and_then(Value::as_str).is_some_and(|e| e.eq_ignore_ascii_case(&email)))
            .collect();
        let mut by_project: BTreeMap<String, (f64, f64)> = BTreeMap::new();
        for r in &mine {
            let name = r.get("project").and_then(|p| p.get("name")).and_then(Value::as_str).unwrap_or("(no project)").to_owned();
            let e = by_project.entry(name).or_default();
            e.0 += r.get("hours").and_then(Value::as_f64).unwrap_or(0.0);
            e.1 += r.get("money").and_then(Value::as_f64).unwrap_or(0.0);
        }
        Ok(json!({
            "member": input.email,
            "open_tasks": open.len(),
            "overdue_tasks": overdue,
            "next_due": next.iter().take(10).map(|t| json!({"id": t.get("id"), "name": t.get("name"), "due": t.get("due"), "project": t.get("project")})).collect::<Vec<_>>(),
            "logged_hours": sum_hours(&mine),
            "logged_money": sum_money(&mine),
            "by_project": by_project.into_iter().map(|(p, (h, m))| json!({"project": p, "hours": (h * 100.0).round() / 100.0, "money": (m * 100.0).round() / 100.0})).collect::<Vec<_>>(),
        }))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ProjectReportInput {
    /// The project's id.
    pub project_id: String,
    /// From this date (inclusive).
    pub start_date: Option<IsoDate>,
    /// To this date (inclusive).
    pub end_date: Option<IsoDate>,
}

/// Sums rows by the id under `field` (`member` or `task`), keeping the name: two
/// tasks called "Meeting" stay two lines.
fn group(rows: &[Value], field: &str) -> Vec<Value> {
    let mut m: BTreeMap<String, (Value, f64, f64, usize)> = BTreeMap::new();
    for r in rows {
        let who = r.get(field).cloned().unwrap_or(Value::Null);
        let key = who
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("(none)")
            .to_owned();
        let e = m.entry(key).or_insert_with(|| (who, 0.0, 0.0, 0));
        e.1 += r.get("hours").and_then(Value::as_f64).unwrap_or(0.0);
        e.2 += r.get("money").and_then(Value::as_f64).unwrap_or(0.0);
        e.3 += 1;
    }
    let mut v: Vec<Value> = m
        .into_values()
        .map(|(who, h, money, n)| json!({field: who, "hours": (h * 100.0).round() / 100.0, "money": (money * 100.0).round() / 100.0, "entries": n}))
        .collect();
    v.sort_by(|a, b| {
        b["hours"]
            .as_f64()
            .partial_cmp(&a["hours"].as_f64())
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    v
}

tool! {
    pub struct GetProjectTimeReport for Ws {
        name: "worksection_get_project_time_report",
        title: "Get a project time report",
        access: Read,
        annotations: READ,
        description: "Reports time and money logged on a project in a period: totals, then by member and by task (most hours first).",
    }
    async fn call(client, input: ProjectReportInput, _) -> Value {
        let f = CostFilter { project_id: Some(input.project_id.clone()), start_date: input.start_date, end_date: input.end_date, ..Default::default() };
        let (rows, total, _) = costs(client, &f, None).await?;
        let by_member = group(&rows, "member");
        let mut by_task = group(&rows, "task");
        let tasks_total = by_task.len();
        by_task.truncate(50);
        Ok(json!({
            "project_id": input.project_id,
            "hours": sum_hours(&rows),
            "money": sum_money(&rows),
            "worksection_total": total,
            "entries": rows.len(),
            "by_member": by_member,
            "by_task": by_task,
            "tasks_total": tasks_total,
            "by_task_truncated": tasks_total > 50,
        }))
    }
}

/// Decimal hours as Worksection's `h:mm`.
fn hmm(hours: f64) -> String {
    let minutes = (hours * 60.0).round() as i64;
    format!("{}:{:02}", minutes / 60, minutes % 60)
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AddCostInput {
    /// The task the entry belongs to.
    pub task_id: String,
    /// Time spent, in hours (1.5 = 1 h 30 min).
    #[schemars(range(min = 0.0, max = 24.0))]
    pub hours: Option<f64>,
    /// Money spent.
    #[schemars(range(min = 0.0))]
    pub money: Option<f64>,
    /// What was done.
    pub comment: Option<String>,
    /// The day of the work; today by default.
    pub date: Option<IsoDate>,
    /// Who did it (email). Needed with the admin API key unless the connection has a default author.
    pub member_email: Option<String>,
}

tool! {
    pub struct AddCost for Ws {
        name: "worksection_add_cost",
        title: "Log time or money",
        access: Write,
        annotations: CREATE,
        description: "Logs time (hours) and/or money spent on a task, for a day, with a comment. Returns the new entry's id.",
    }
    async fn call(client, input: AddCostInput, _) -> Value {
        if input.hours.is_none() && input.money.is_none() {
            return Err(Error::invalid_input("argument `hours`: give hours or money (or both)"));
        }
        let author = input.member_email.as_deref().or(client.default_author());
        if !client.is_user_mode() && author.is_none() {
            return Err(Error::invalid_input(
                "argument `member_email`: with the admin API key Worksection needs to know who logged the time; give member_email, or set the connection's default author",
            ));
        }
        let params = Params::new()
            .with("id_task", &input.task_id)
            .opt("time", input.hours.map(hmm))
            .opt("money", input.money)
            .opt("comment", input.comment.as_deref())
            .opt("date", input.date.as_ref().map(IsoDate::to_worksection))
            .opt("email_user_from", if client.is_user_mode() { input.member_email.as_deref() } else { author });
        let answer = client.write("add_costs", params).await?;
        Ok(json!({"cost_id": answer.get("id").and_then(model::id), "task_id": input.task_id, "hours": input.hours, "money": input.money}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateCostInput {
    /// The entry's id (from worksection_list_costs).
    pub cost_id: String,
    /// New time, in hours.
    #[schemars(range(min = 0.0, max = 24.0))]
    pub hours: Option<f64>,
    /// New money amount.
    #[schemars(range(min = 0.0))]
    pub money: Option<f64>,
    /// New comment.
    pub comment: Option<String>,
    /// New day.
    pub date: Option<IsoDate>,
}

tool! {
    pub struct UpdateCost for Ws {
        name: "worksection_update_cost",
        title: "Change a time or money entry",
        access: Write,
        annotations: UPDATE,
        description: "Changes a logged entry's hours, money, comment or date; fields left out stay as they are.",
    }
    async fn call(client, input: UpdateCostInput, _) -> Value {
        let params = Params::new()
            .with("id_costs", &input.cost_id)
            .opt("time", input.hours.map(hmm))
            .opt("money", input.money)
            .opt("comment", input.comment.as_deref())
            .opt("date", input.date.as_ref().map(IsoDate::to_worksection));
        client.write("update_costs", params).await?;
        Ok(json!({"cost_id": input.cost_id, "updated": true}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CostId {
    /// The entry's id.
    pub cost_id: String,
}

tool! {
    pub struct DeleteCost for Ws {
        name: "worksection_delete_cost",
        title: "Delete a time or money entry",
        access: Write,
        annotations: DESTRUCTIVE,
        description: "Deletes a logged time or money entry for good.",
    }
    async fn call(client, input: CostId, _) -> Value {
        client.write("delete_costs", Params::new().with("id_costs", &input.cost_id)).await?;
        Ok(json!({"cost_id": input.cost_id, "deleted": true}))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn hours_become_h_mm() {
        assert_eq!(super::hmm(1.5), "1:30");
        assert_eq!(super::hmm(0.25), "0:15");
        assert_eq!(super::hmm(8.0), "8:00");
    }
}
