//! Timers: everyone's running timers; the signed-in user's own timer (user mode).

use connector_core::{
    Error, ErrorKind, Result, ToolSet,
    schemars::{self, JsonSchema},
    tool,
};
use serde::Deserialize;
use serde_json::{Value, json};

use super::Ws;
use crate::{client::Params, model};

pub fn register(set: ToolSet<Ws>) -> ToolSet<Ws> {
    set.with(ListRunningTimers)
        .with(GetMyTimer)
        .with(StartMyTimer)
        .with(StopMyTimer)
        .with(StopTimer)
}

fn user_mode_only(client: &Ws, what: &str) -> Result<()> {
    if client.is_user_mode() {
        Ok(())
    } else {
        Err(Error::new(
            ErrorKind::Unsupported,
            format!(
                "{what} needs the Worksection account connected by signing in (OAuth); with the admin API key there is no \"my\" timer"
            ),
        ))
    }
}

/// Elapsed time as seconds: `get_timers` says `HH:MM:SS`, `get_my_timer` an integer.
fn seconds(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => {
            let parts: Vec<u64> = s
                .split(':')
                .map(|p| p.trim().parse().ok())
                .collect::<Option<_>>()?;
            Some(parts.iter().fold(0, |acc, p| acc * 60 + p))
        }
        _ => None,
    }
}

fn timer(v: &Value) -> Value {
    let mut out = json!({
        "id": v.get("id").and_then(model::id),
        "started": model::iso(v.get("date_started").or(v.get("time_start"))),
        "elapsed_seconds": seconds(v.get("time")),
    });
    if let Some(t) = v.get("task") {
        out["task"] = json!({"id": t.get("id").and_then(model::id), "name": t.get("name")});
        if let Some(p) = t.get("project") {
            out["project"] = model::project_ref(p);
        }
    }
    if let Some(u) = v.get("user_from") {
        out["member"] = model::person(u);
    }
    out
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NoInput {}

tool! {
    pub struct ListRunningTimers for Ws {
        name: "worksection_list_running_timers",
        title: "List running timers",
        access: Read,
        annotations: READ,
        description: "Lists the timers running now across the account: who, on which task, since when and for how long.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        let answer = client.read("get_timers", Params::new()).await?;
        Ok(json!({"timers": model::list(&answer).iter().map(timer).collect::<Vec<_>>()}))
    }
}

tool! {
    pub struct GetMyTimer for Ws {
        name: "worksection_get_my_timer",
        title: "Get my timer",
        access: Read,
        annotations: READ,
        description: "Returns the signed-in user's running timer (task and seconds elapsed), or says none is running. Needs the account connected by signing in.",
    }
    async fn call(client, _input: NoInput, _) -> Value {
        user_mode_only(client, "worksection_get_my_timer")?;
        let answer = client.read("get_my_timer", Params::new()).await?;
        Ok(match answer.get("data") {
            Some(t @ Value::Object(o)) if !o.is_empty() => json!({"running": true, "timer": timer(t)}),
            _ => json!({"running": false}),
        })
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StartInput {
    /// The task to time.
    pub task_id: String,
}

tool! {
    pub struct StartMyTimer for Ws {
        name: "worksection_start_my_timer",
        title: "Start my timer",
        access: Write,
        annotations: CREATE,
        description: "Starts the signed-in user's timer on a task. Fails if a timer is already running. Needs the account connected by signing in.",
    }
    async fn call(client, input: StartInput, _) -> Value {
        user_mode_only(client, "worksection_start_my_timer")?;
        client.write("start_my_timer", Params::new().with("id_task", &input.task_id)).await?;
        Ok(json!({"running": true, "task_id": input.task_id}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct StopInput {
    /// What was done; saved with the time entry.
    pub comment: Option<String>,
}

tool! {
    pub struct StopMyTimer for Ws {
        name: "worksection_stop_my_timer",
        title: "Stop my timer",
        access: Write,
        annotations: CREATE,
        description: "Stops the signed-in user's timer and logs the time as an entry on its task, with an optional comment. Needs the account connected by signing in.",
    }
    async fn call(client, input: StopInput, _) -> Value {
        user_mode_only(client, "worksection_stop_my_timer")?;
        client.write("stop_my_timer", Params::new().opt("comment", input.comment.as_deref())).await?;
        Ok(json!({"running": false, "logged": true}))
    }
}

#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TimerId {
    /// The timer's id (from worksection_list_running_timers).
    pub timer_id: String,
}

tool! {
    pub struct StopTimer for Ws {
        name: "worksection_stop_timer",
        title: "Stop a member's timer",
        access: Write,
        annotations: CREATE,
        description: "Stops someone's running timer (by timer id) and logs its time on the task.",
    }
    async fn call(client, input: TimerId, _) -> Value {
        client.write("stop_timer", Params::new().with("timer", &input.timer_id)).await?;
        Ok(json!({"timer_id": input.timer_id, "stopped": true}))
    }
}
