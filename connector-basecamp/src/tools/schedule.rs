//! The schedule: entries in a date range, one entry, new entries and changes.

use connector_core::{
    Error, IsoDate, Result, ToolSet, cursor_query,
    schemars::{self, JsonSchema},
    tool,
};
use http::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{Bc, about, container, gather, list_page};
use crate::model;

pub fn register(set: ToolSet<Bc>) -> ToolSet<Bc> {
    set.with(ListScheduleEntries)
        .with(GetScheduleEntry)
        .with(CreateScheduleEntry)
        .with(UpdateScheduleEntry)
}

const ENTRY_FINDER: &str = "basecamp_list_schedule_entries";

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ListEntriesInput {
    /// The project; its schedule is found from its tools. Give this or `schedule_id`.
    pub project_id: Option<i64>,
    pub schedule_id: Option<i64>,
    /// Only entries on or after this day.
    pub from: Option<IsoDate>,
    /// Only entries on or before this day.
    pub to: Option<IsoDate>,
    /// Entries per page (default 50).
    #[schemars(range(min = 1, max = 500))]
    pub limit: Option<u32>,
    /// `next_cursor` from the previous page; omit for the first page.
    pub cursor: Option<String>,
}

/// The day part of a Basecamp time (`2026-03-04T10:00:00.000Z` or `2026-03-04`).
fn day(v: &Value, key: &str) -> Option<IsoDate> {
    let s = v.get(key)?.as_str()?;
    IsoDate::parse(s.get(..10)?).ok()
}

tool! {
    pub struct ListScheduleEntries for Bc {
        name: "basecamp_list_schedule_entries",
        title: "List schedule entries",
        access: Read,
        annotations: READ,
        description: "Lists a project's schedule entries (events, deadlines, all-day items), optionally only those overlapping a date range, in start order: summary, start and end, all-day or not, participants, description. Pages with `cursor`.",
    }
    async fn call(client, input: ListEntriesInput, ctx) -> Value {
        if let (Some(f), Some(t)) = (&input.from, &input.to) && t < f {
            return Err(Error::invalid_input(format!("argument `to`: {t} is before `from` {f}")));
        }
        let args = cursor_query(&input);
        list_page(client, &args, input.cursor.as_deref(), input.limit, ctx.budget, || async {
            let schedule = container(client, input.schedule_id, input.project_id, "schedule", "schedule_id").await?;
            let mut entries = gather(client, &format!("/schedules/{schedule}/entries.json"), &[], about("schedule", Some(schedule), "basecamp_get_project"), |e| model::compact(e.clone())).await?;
            entries.items.retain(|e| {
                let (start, end) = (day(e, "starts_at"), day(e, "ends_at").or_else(|| day(e, "starts_at")));
                input.to.is_none_or(|t| start.is_none_or(|s| s <= t))
                    && input.from.is_none_or(|f| end.is_none_or(|e| e >= f))
            });
            entries.items.sort_by(|a, b| a["starts_at"].as_str().cmp(&b["starts_at"].as_str()));
            Ok(entries)
        }).await
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryRef {
    pub entry_id: i64,
}

tool! {
    pub struct GetScheduleEntry for Bc {
        name: "basecamp_get_schedule_entry",
        title: "Get a schedule entry",
        access: Read,
        annotations: READ,
        description: "Returns one schedule entry: summary, description, start and end, all-day or not, how it repeats, participants, its project.",
    }
    async fn call(client, input: EntryRef, _ctx) -> Value {
        let e = client
            .get(&format!("/schedule_entries/{}.json", input.entry_id), &[], about("schedule entry", Some(input.entry_id), ENTRY_FINDER))
            .await?;
        Ok(model::compact((*e).clone()))
    }
}

/// A time for an entry: a date for all-day entries, else an ISO 8601 time with its
/// offset; checked here so Basecamp is never sent something it misreads.
fn moment(arg: &str, value: &str, all_day: bool) -> Result<String> {
    if all_day {
        return IsoDate::parse(value.get(..10).unwrap_or(value))
            .map(|d| d.iso())
            .map_err(|e| Error::invalid_input(format!("argument `{arg}`: {e}")));
    }
    chrono::DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&chrono::Utc).to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
        .map_err(|_| {
            Error::invalid_input(format!(
                "argument `{arg}`: `{value}` is not a time like 2026-03-04T15:00:00-06:00 (with its offset); for a whole day set `all_day` and give a date"
            ))
        })
}

fn check_order(starts: &str, ends: &str) -> Result<()> {
    if ends < starts {
        return Err(Error::invalid_input(format!(
            "argument `ends_at`: {ends} is before starts_at {starts}"
        )));
    }
    Ok(())
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateEntryInput {
    /// The project; its schedule is found from its tools. Give this or `schedule_id`.
    pub project_id: Option<i64>,
    pub schedule_id: Option<i64>,
    #[schemars(length(min = 1))]
    pub summary: String,
    /// When it starts: `2026-03-04T15:00:00-06:00`, or a date when `all_day`.
    pub starts_at: String,
    /// When it ends, in the same form.
    pub ends_at: String,
    #[serde(default)]
    pub all_day: bool,
    pub description: Option<String>,
    /// People taking part (ids from basecamp_list_project_people).
    #[serde(default)]
    pub participant_ids: Vec<i64>,
    /// Tell the participants now.
    #[serde(default)]
    pub notify: bool,
}

tool! {
    pub struct CreateScheduleEntry for Bc {
        name: "basecamp_create_schedule_entry",
        title: "Add to a schedule",
        access: Write,
        annotations: CREATE,
        description: "Adds an entry (meeting, deadline, event) to a project's schedule: summary, start and end (times with their offset, or dates for an all-day entry), description, participants. Returns the entry with its id.",
    }
    async fn call(client, input: CreateEntryInput, _ctx) -> Value {
        let starts = moment("starts_at", &input.starts_at, input.all_day)?;
        let ends = moment("ends_at", &input.ends_at, input.all_day)?;
        check_order(&starts, &ends)?;
        let schedule = container(client, input.schedule_id, input.project_id, "schedule", "schedule_id").await?;
        let body = json!({
            "summary": input.summary, "starts_at": starts, "ends_at": ends, "all_day": input.all_day,
            "description": input.description, "participant_ids": input.participant_ids, "notify": input.notify,
        });
        let created = client
            .write(Method::POST, &format!("/schedules/{schedule}/entries.json"), Some(body), about("schedule", Some(schedule), "basecamp_get_project"))
            .await?
            .unwrap_or_default();
        Ok(model::compact(created))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateEntryInput {
    pub entry_id: i64,
    pub summary: Option<String>,
    pub starts_at: Option<String>,
    pub ends_at: Option<String>,
    pub all_day: Option<bool>,
    pub description: Option<String>,
    /// The complete new set of participants.
    pub participant_ids: Option<Vec<i64>>,
}

tool! {
    pub struct UpdateScheduleEntry for Bc {
        name: "basecamp_update_schedule_entry",
        title: "Change a schedule entry",
        access: Write,
        annotations: UPDATE,
        description: "Changes a schedule entry's summary, times, all-day flag, description or participants; what is not given stays as it is (the entry is read first and written back whole).",
    }
    async fn call(client, input: UpdateEntryInput, _ctx) -> Value {
        let call = about("schedule entry", Some(input.entry_id), ENTRY_FINDER);
        let path = format!("/schedule_entries/{}.json", input.entry_id);
        let current = client.get(&path, &[], call).await?;
        let all_day = input.all_day.or_else(|| current["all_day"].as_bool()).unwrap_or(false);
        let time = |arg: &str, given: &Option<String>| -> Result<String> {
            match given {
                Some(v) => moment(arg, v, all_day),
                None => moment(arg, current[arg].as_str().unwrap_or_default(), all_day),
            }
        };
        let (starts, ends) = (time("starts_at", &input.starts_at)?, time("ends_at", &input.ends_at)?);
        check_order(&starts, &ends)?;
        let participants = input.participant_ids.clone().unwrap_or_else(|| {
            current["participants"].as_array().map(|a| a.iter().filter_map(|p| p["id"].as_i64()).collect()).unwrap_or_default()
        });
        let body = json!({
            "summary": input.summary.clone().or_else(|| current["summary"].as_str().map(str::to_owned)),
            "description": input.description.clone().or_else(|| current["description"].as_str().map(str::to_owned)),
            "starts_at": starts, "ends_at": ends, "all_day": all_day, "participant_ids": participants,
        });
        let saved = client.write(Method::PUT, &path, Some(body), call).await?.unwrap_or_default();
        Ok(model::compact(saved))
    }
}
