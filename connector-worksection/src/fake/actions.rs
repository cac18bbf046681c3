//! The API's actions over the in-memory account: parameter checks with the API's error
//! codes, the writes, and the response bodies. Transport, auth and limits are in
//! `server.rs`; this module sees an authenticated caller and merged parameters.

use std::{collections::BTreeSet, sync::Arc};

use serde_json::{Map, Value, json};

use super::{
    filter::{self, FieldValue, Kind},
    model::{
        Assignee, ChildStyle, Cost, Extra, PROJECT_OPTIONS, Project, ProjectStatus, Store,
        TagScope, Task, Timer,
    },
    util::{
        DAY, checklist_html, fmt_date, fmt_minutes, fmt_money, input_to_html, parse_cost_time,
        parse_input_date, parse_money, truncate_text,
    },
};

/// Who is calling: the admin key (the account owner's rights, no user of its own) or an
/// OAuth user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    Admin,
    User(u64),
}

/// Request parameters merged from the query, the form body and the JSON body. Lookups
/// prefer the query, then the form, then JSON ("query wins").
#[derive(Debug, Default, Clone)]
pub struct Params {
    /// (source rank: 0 query, 1 form, 2 JSON; name; value), in arrival order.
    entries: Vec<(u8, String, String)>,
}

impl Params {
    pub fn push(&mut self, rank: u8, name: impl Into<String>, value: impl Into<String>) {
        self.entries.push((rank, name.into(), value.into()));
    }

    /// The value from the highest-ranked source.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.entries
            .iter()
            .filter(|(_, k, _)| k == name)
            .min_by_key(|(r, _, _)| *r)
            .map(|(_, _, v)| v.as_str())
    }

    /// The value, trimmed, when present and not empty (the official collection sends
    /// unused parameters as `name=`; an empty value counts as absent).
    pub fn value(&self, name: &str) -> Option<&str> {
        self.get(name).map(str::trim).filter(|v| !v.is_empty())
    }

    /// Every value of a repeated parameter (`todo[]`), from the best source that has any.
    pub fn all(&self, name: &str) -> Vec<String> {
        let best = self
            .entries
            .iter()
            .filter(|(_, k, _)| k == name)
            .map(|(r, _, _)| *r)
            .min();
        self.entries
            .iter()
            .filter(|(r, k, _)| k == name && Some(*r) == best)
            .map(|(_, _, v)| v.clone())
            .filter(|v| !v.trim().is_empty())
            .collect()
    }
}

/// A successful answer.
#[derive(Debug)]
pub enum Reply {
    Json(Value),
    File { name: String, bytes: Arc<[u8]> },
}

/// A business error: HTTP 200 with `status: error`.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: Option<u32>,
    pub message: String,
    pub details: Option<String>,
}

impl ApiError {
    pub fn body(&self) -> Value {
        let mut m = Map::new();
        m.insert("status".into(), "error".into());
        if let Some(c) = self.code {
            m.insert("status_code".into(), c.into());
        }
        m.insert("message".into(), self.message.clone().into());
        if let Some(d) = &self.details {
            m.insert("message_details".into(), d.clone().into());
        }
        Value::Object(m)
    }
}

type Out = Result<Reply, ApiError>;

fn err(code: u32, message: &str) -> ApiError {
    ApiError {
        code: Some(code),
        message: message.to_owned(),
        details: None,
    }
}

fn err_d(code: u32, message: &str, details: impl Into<String>) -> ApiError {
    ApiError {
        code: Some(code),
        message: message.to_owned(),
        details: Some(details.into()),
    }
}

pub fn required(field: &str) -> ApiError {
    err_d(10, "Field is required", field)
}

fn invalid_email(details: impl Into<String>) -> ApiError {
    err_d(11, "Invalid email", details)
}

fn ok() -> Out {
    Ok(Reply::Json(json!({"status": "ok"})))
}

fn ok_data(data: Value) -> Out {
    Ok(Reply::Json(json!({"status": "ok", "data": data})))
}

/// The documented quirk: some list actions answer an empty result without `data`.
fn ok_list_or_bare(items: Vec<Value>) -> Out {
    if items.is_empty() {
        ok()
    } else {
        ok_data(items.into())
    }
}

/// The per-response record cap.
const MAX_RECORDS: usize = 10_000;

fn too_many_tasks() -> ApiError {
    ApiError {
        code: None,
        message: "Too many tasks (10000 max)".to_owned(),
        details: None,
    }
}

/// Actions only an OAuth user may call.
pub const USER_ONLY: [&str; 5] = [
    "me",
    "get_my_timer",
    "start_my_timer",
    "stop_my_timer",
    "delete_my_timer",
];

fn split_list(s: &str) -> Vec<String> {
    s.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// An id from `name`, or from the legacy `page` path (`/project/P/` or `/project/P/T/`),
/// which some clients still send [unverified that the API accepts it].
fn id_from(p: &Params, name: &str) -> Option<String> {
    if let Some(v) = p.value(name) {
        return Some(v.to_owned());
    }
    let page = p.value("page")?;
    let parts: Vec<&str> = page
        .trim_matches('/')
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    match (name, parts.as_slice()) {
        ("id_project", ["project", pid, ..]) => Some((*pid).to_owned()),
        ("id_task", ["project", _, rest @ ..]) if !rest.is_empty() => {
            rest.last().map(|s| (*s).to_owned())
        }
        _ => None,
    }
}

struct Ctx<'a> {
    caller: Caller,
    p: &'a Params,
    now: i64,
}

impl Ctx<'_> {
    fn today(&self) -> i64 {
        self.now.div_euclid(DAY)
    }

    fn extra(&self) -> Extra {
        Extra::parse(self.p.get("extra"))
    }

    fn date(&self, name: &str) -> Result<Option<i64>, ApiError> {
        match self.p.value(name) {
            None => Ok(None),
            // Our choice of code and message: the docs show code 11 for validation
            // failures but no example for a malformed date.
            Some(v) => parse_input_date(v)
                .map(Some)
                .ok_or_else(|| err_d(11, "Invalid date", name)),
        }
    }

    fn number(&self, name: &str) -> Result<Option<f64>, ApiError> {
        match self.p.value(name) {
            None => Ok(None),
            Some(v) => v
                .replace(',', ".")
                .parse::<f64>()
                .ok()
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(Some)
                // Our choice, like "Invalid date".
                .ok_or_else(|| err_d(11, "Invalid number", name)),
        }
    }
}

/// Runs one action. `Err` is the API's error envelope.
pub fn dispatch(store: &mut Store, caller: Caller, action: &str, p: &Params, now: i64) -> Out {
    let ctx = Ctx { caller, p, now };
    if caller == Caller::Admin && USER_ONLY.contains(&action) {
        // Our choice of code and message: the docs only say these fail with the admin key.
        return Err(err(1, "Action is invalid for admin API key"));
    }
    match action {
        "me" => store.me(&ctx),
        "get_users" => store.get_users(&ctx),
        "get_user_groups" => store.get_user_groups(),
        "get_contacts" => store.get_contacts(),
        "get_contact_groups" => store.get_contact_groups(),
        "subscribe" => store.subscribe(&ctx, true),
        "unsubscribe" => store.subscribe(&ctx, false),
        "get_projects" => store.get_projects(&ctx),
        "get_project" => store.get_project(&ctx),
        "post_project" => store.post_project(&ctx),
        "update_project" => store.update_project(&ctx),
        "close_project" => store.set_project_closed(&ctx, true),
        "activate_project" => store.set_project_closed(&ctx, false),
        "add_project_members" => store.project_members(&ctx, true),
        "delete_project_members" => store.project_members(&ctx, false),
        "get_project_groups" => store.get_project_groups(),
        "get_events" => store.get_events(&ctx),
        "get_all_tasks" => store.get_all_tasks(&ctx),
        "get_tasks" => store.get_tasks(&ctx),
        "get_task" => store.get_task(&ctx),
        "post_task" => store.post_task(&ctx),
        "update_task" => store.update_task(&ctx),
        "complete_task" => store.complete_task(&ctx),
        "reopen_task" => store.reopen_task(&ctx),
        "search_tasks" => store.search_tasks(&ctx),
        "get_comments" => store.get_comments(&ctx),
        "post_comment" => store.post_comment(&ctx),
        "get_task_tags" => store.get_tags(&ctx, TagScope::Task),
        "get_project_tags" => store.get_tags(&ctx, TagScope::Project),
        "get_task_tag_groups" => store.get_tag_groups(&ctx, TagScope::Task),
        "get_project_tag_groups" => store.get_tag_groups(&ctx, TagScope::Project),
        "update_task_tags" => store.update_tags(&ctx, TagScope::Task),
        "update_project_tags" => store.update_tags(&ctx, TagScope::Project),
        "get_costs" => store.get_costs(&ctx, false),
        "get_costs_total" => store.get_costs(&ctx, true),
        "add_costs" => store.add_costs(&ctx),
        "update_costs" => store.update_costs(&ctx),
        "delete_costs" => store.delete_costs(&ctx),
        "get_timers" => store.get_timers(&ctx),
        "stop_timer" => store.stop_timer(&ctx),
        "get_my_timer" => store.get_my_timer(&ctx),
        "start_my_timer" => store.start_my_timer(&ctx),
        "stop_my_timer" => store.stop_my_timer(&ctx, true),
        "delete_my_timer" => store.stop_my_timer(&ctx, false),
        "get_files" => store.get_files(&ctx),
        "download" => store.download(&ctx),
        _ => Err(err(1, "Action is invalid")),
    }
}

impl Store {
    // ---- lookups shared by actions ----

    fn project_param(&self, ctx: &Ctx<'_>) -> Result<u64, ApiError> {
        let raw = id_from(ctx.p, "id_project").ok_or_else(|| required("id_project"))?;
        raw.parse::<u64>()
            .ok()
            .filter(|id| self.projects.contains_key(id))
            .ok_or_else(|| err(4, "Project is invalid"))
    }

    fn task_param(&self, ctx: &Ctx<'_>) -> Result<u64, ApiError> {
        let raw = id_from(ctx.p, "id_task").ok_or_else(|| required("id_task"))?;
        raw.parse::<u64>()
            .ok()
            .filter(|id| self.tasks.contains_key(id))
            .ok_or_else(|| err(5, "Task is invalid"))
    }

    /// Who a write is attributed to: the token's user with OAuth (any `email_user_from`
    /// is ignored), else `email_user_from`, else the account owner.
    fn author(&self, ctx: &Ctx<'_>) -> Result<u64, ApiError> {
        match ctx.caller {
            Caller::User(u) => Ok(u),
            Caller::Admin => match ctx.p.value("email_user_from") {
                None => Ok(self.owner),
                Some(e) => self.user_by_email(e).ok_or_else(|| invalid_email(e)),
            },
        }
    }

    /// A comma list of user emails; every one must belong to a user of the account.
    fn user_emails(&self, list: &str) -> Result<Vec<u64>, ApiError> {
        let mut ids = Vec::new();
        let mut bad = Vec::new();
        for e in split_list(list) {
            match self.user_by_email(&e) {
                Some(id) => ids.push(id),
                None => bad.push(e),
            }
        }
        if bad.is_empty() {
            Ok(ids)
        } else {
            Err(invalid_email(bad.join(",")))
        }
    }

    fn assignee(&self, v: &str) -> Result<Assignee, ApiError> {
        match v.trim() {
            "ANY" => Ok(Assignee::Any),
            "NOONE" => Ok(Assignee::Noone),
            e => self
                .user_by_email(e)
                .map(Assignee::User)
                .ok_or_else(|| invalid_email(e)),
        }
    }

    /// Resolves tag names or ids of a scope; unknown ones are error 16.
    fn resolve_tags(&self, scope: TagScope, list: &str) -> Result<Vec<u64>, ApiError> {
        let mut out = Vec::new();
        for item in split_list(list) {
            let found = self.tags.values().find(|t| {
                self.tag_group(t.group).is_some_and(|g| g.scope == scope)
                    && (t.id.to_string() == item || t.title.eq_ignore_ascii_case(&item))
            });
            match found {
                Some(t) => out.push(t.id),
                None => return Err(err_d(16, "Tag is invalid", item)),
            }
        }
        Ok(out)
    }

    /// Adds a tag, dropping any other tag of the same status group (a status group holds
    /// one value per object).
    fn add_tag(&self, tags: &mut BTreeSet<u64>, tag: u64) {
        let group = self.tags.get(&tag).map(|t| t.group);
        let is_status = group
            .and_then(|g| self.tag_group(g))
            .is_some_and(|g| g.kind == "status");
        if is_status {
            tags.retain(|t| self.tags.get(t).map(|x| x.group) != group);
        }
        tags.insert(tag);
    }

    fn tag_set(&self, tags: &[u64]) -> BTreeSet<u64> {
        let mut set = BTreeSet::new();
        for t in tags {
            self.add_tag(&mut set, *t);
        }
        set
    }

    // ---- members ----

    fn me(&self, ctx: &Ctx<'_>) -> Out {
        let Caller::User(u) = ctx.caller else {
            return Err(err(1, "Action is invalid for admin API key"));
        };
        match self.users.get(&u) {
            Some(user) => ok_data(self.user_full_json(user, false)),
            None => Err(err(1, "Action is invalid")),
        }
    }

    fn get_users(&self, ctx: &Ctx<'_>) -> Out {
        let admin = ctx.caller == Caller::Admin;
        let users: Vec<Value> = self
            .users
            .values()
            .map(|u| self.user_full_json(u, admin))
            .collect();
        ok_data(users.into())
    }

    fn get_user_groups(&self) -> Out {
        let groups: Vec<Value> = self
            .user_groups
            .iter()
            .map(|g| {
                json!({"id": g.id.to_string(), "title": g.title, "type": "company",
                       "client": u8::from(g.client)})
            })
            .collect();
        ok_data(groups.into())
    }

    fn get_contacts(&self) -> Out {
        let contacts: Vec<Value> = self
            .contacts
            .values()
            .map(|c| self.contact_json(c))
            .collect();
        ok_data(contacts.into())
    }

    fn get_contact_groups(&self) -> Out {
        // Presets carry numeric ids, folders string ids, in one array (as documented).
        let mut groups: Vec<Value> = ["USERS", "DEFAULT", "TEAM_ONLY", "HIDDEN"]
            .iter()
            .enumerate()
            .map(|(i, t)| json!({"id": i + 1, "title": t, "type": "preset"}))
            .collect();
        groups.extend(
            self.contact_folders
                .iter()
                .map(|(id, t)| json!({"id": id.to_string(), "title": t, "type": "folder"})),
        );
        ok_data(groups.into())
    }

    fn subscribe(&mut self, ctx: &Ctx<'_>, on: bool) -> Out {
        let task = self.task_param(ctx)?;
        let email = ctx
            .p
            .value("email_user")
            .ok_or_else(|| required("email_user"))?;
        // One user per call: a list is refused whole, as in the official example.
        let user = self
            .user_by_email(email)
            .ok_or_else(|| invalid_email(email))?;
        if let Some(t) = self.tasks.get_mut(&task) {
            if on && !t.subscribers.contains(&user) {
                t.subscribers.push(user);
            } else if !on {
                t.subscribers.retain(|u| *u != user);
            }
        }
        ok()
    }

    // ---- projects ----

    fn get_projects(&self, ctx: &Ctx<'_>) -> Out {
        let want = match ctx.p.value("filter") {
            Some("active") => Some(ProjectStatus::Active),
            Some("pending") => Some(ProjectStatus::Pending),
            Some("archive" | "archived") => Some(ProjectStatus::Archive),
            _ => None,
        };
        let extra = ctx.extra();
        let projects: Vec<Value> = self
            .projects
            .values()
            .filter(|p| want.is_none_or(|w| p.status == w))
            .map(|p| self.project_json(p, extra))
            .collect();
        ok_data(projects.into())
    }

    fn get_project(&self, ctx: &Ctx<'_>) -> Out {
        let id = self.project_param(ctx)?;
        let Some(p) = self.projects.get(&id) else {
            return Err(err(4, "Project is invalid"));
        };
        ok_data(self.project_json(p, ctx.extra()))
    }

    /// Applies `options.*` parameters and checks the one documented conflict.
    fn apply_options(ctx: &Ctx<'_>, options: &mut [u8; 14]) -> Result<(), ApiError> {
        for (i, name) in PROJECT_OPTIONS.iter().enumerate() {
            if let Some(v) = ctx.p.value(&format!("options.{name}")) {
                options[i] = u8::from(v == "1");
            }
        }
        let exclusive = options[11] + options[12] + options[13];
        if exclusive > 1 {
            return Err(err(
                11,
                "Only one parameter (options.time_require or options.time_today or options.timer_only) can be set as 1.",
            ));
        }
        Ok(())
    }

    fn company_or_default(&mut self, ctx: &Ctx<'_>) -> String {
        match ctx.p.value("company") {
            Some(c) => {
                let known = self.folders.iter().any(|(_, t)| t == c)
                    || self.user_groups.iter().any(|g| g.title == c);
                if !known {
                    let id = self.ids.group();
                    self.folders.push((id, c.to_owned()));
                }
                c.to_owned()
            }
            None => self
                .users
                .get(&self.owner)
                .map(|u| u.group.clone())
                .unwrap_or_default(),
        }
    }

    fn post_project(&mut self, ctx: &Ctx<'_>) -> Out {
        let title = ctx.p.value("title").ok_or_else(|| required("title"))?;
        let author = self.author(ctx)?;
        let manager = match ctx.p.value("email_manager") {
            Some(e) => Some(self.user_by_email(e).ok_or_else(|| invalid_email(e))?),
            None => None,
        };
        if let Some(v) = ctx.p.value("email_user_to") {
            self.assignee(v)?;
        }
        let mut members = vec![author];
        if let Some(list) = ctx.p.value("members") {
            members.extend(self.user_emails(list)?);
        }
        if let Some(m) = manager {
            members.push(m);
        }
        let mut seen = BTreeSet::new();
        members.retain(|m| seen.insert(*m));
        let date_start = ctx.date("datestart")?;
        let date_end = ctx.date("dateend")?;
        let max_time = ctx.number("max_time")?;
        let max_money = ctx.number("max_money")?;
        let tags = match ctx.p.value("tags") {
            Some(list) => self.resolve_tags(TagScope::Project, list)?,
            None => Vec::new(),
        };
        let mut options = [0u8; 14];
        Self::apply_options(ctx, &mut options)?;
        let company = self.company_or_default(ctx);
        let id = self.ids.project();
        let project = Project {
            id,
            name: title.to_owned(),
            status: ProjectStatus::Active,
            company,
            user_from: author,
            manager,
            text: truncate_text(&input_to_html(ctx.p.get("text").unwrap_or(""))),
            date_added: ctx.now,
            date_start,
            date_end,
            date_closed: None,
            options,
            max_time,
            max_money,
            tags: self.tag_set(&tags),
            members,
        };
        self.projects.insert(id, project);
        self.push_event(
            "post",
            "project",
            id,
            author,
            ctx.now,
            Some(json!({"title": title, "user_to": self.manager_json(manager)})),
        );
        let Some(p) = self.projects.get(&id) else {
            return Err(err(4, "Project is invalid"));
        };
        ok_data(self.project_json(p, ctx.extra()))
    }

    fn update_project(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.project_param(ctx)?;
        let Some(mut p) = self.projects.get(&id).cloned() else {
            return Err(err(4, "Project is invalid"));
        };
        if let Some(e) = ctx.p.value("email_manager") {
            p.manager = Some(self.user_by_email(e).ok_or_else(|| invalid_email(e))?);
        }
        if let Some(v) = ctx.p.value("email_user_to") {
            self.assignee(v)?;
        }
        if let Some(list) = ctx.p.value("members") {
            for m in self.user_emails(list)? {
                if !p.members.contains(&m) {
                    p.members.push(m);
                }
            }
        }
        if let Some(t) = ctx.p.value("title") {
            t.clone_into(&mut p.name);
        }
        if let Some(d) = ctx.date("datestart")? {
            p.date_start = Some(d);
        }
        if let Some(d) = ctx.date("dateend")? {
            p.date_end = Some(d);
        }
        if let Some(v) = ctx.number("max_time")? {
            p.max_time = Some(v);
        }
        if let Some(v) = ctx.number("max_money")? {
            p.max_money = Some(v);
        }
        if let Some(list) = ctx.p.get("tags") {
            let tags = self.resolve_tags(TagScope::Project, list)?;
            p.tags = self.tag_set(&tags);
        }
        Self::apply_options(ctx, &mut p.options)?;
        let author = self.author(ctx)?;
        self.projects.insert(id, p);
        self.push_event("update", "project", id, author, ctx.now, None);
        let Some(p) = self.projects.get(&id) else {
            return Err(err(4, "Project is invalid"));
        };
        ok_data(self.project_json(p, ctx.extra()))
    }

    fn set_project_closed(&mut self, ctx: &Ctx<'_>, close: bool) -> Out {
        let id = self.project_param(ctx)?;
        let author = self.author(ctx)?;
        let Some(p) = self.projects.get_mut(&id) else {
            return Err(err(4, "Project is invalid"));
        };
        match (close, p.status) {
            (true, ProjectStatus::Archive) => return Err(err(12, "Project is already closed")),
            (false, ProjectStatus::Active) => return Err(err(12, "Project is already active")),
            (true, _) => {
                p.status = ProjectStatus::Archive;
                p.date_closed = Some(ctx.now);
            }
            (false, _) => {
                p.status = ProjectStatus::Active;
                p.date_closed = None;
            }
        }
        let action = if close { "close" } else { "reopen" };
        self.push_event(action, "project", id, author, ctx.now, None);
        ok()
    }

    fn project_members(&mut self, ctx: &Ctx<'_>, add: bool) -> Out {
        let id = self.project_param(ctx)?;
        let list = ctx.p.value("members").ok_or_else(|| required("members"))?;
        let users = self.user_emails(list)?;
        if let Some(p) = self.projects.get_mut(&id) {
            for u in users {
                if add && !p.members.contains(&u) {
                    p.members.push(u);
                } else if !add {
                    p.members.retain(|m| *m != u);
                }
            }
        }
        ok()
    }

    fn get_project_groups(&self) -> Out {
        let mut groups: Vec<(String, Value)> = self
            .folders
            .iter()
            .map(|(id, t)| {
                (
                    t.clone(),
                    json!({"id": id.to_string(), "title": t, "type": "folder"}),
                )
            })
            .collect();
        groups.extend(self.user_groups.iter().map(|g| {
            (
                g.title.clone(),
                json!({"id": g.id.to_string(), "title": g.title, "type": "company",
                       "client": u8::from(g.client)}),
            )
        }));
        groups.sort_by(|a, b| a.0.cmp(&b.0));
        ok_data(
            groups
                .into_iter()
                .map(|(_, v)| v)
                .collect::<Vec<_>>()
                .into(),
        )
    }

    fn get_events(&self, ctx: &Ctx<'_>) -> Out {
        let period = ctx.p.value("period").unwrap_or("");
        let (num, unit) = period.split_at(period.len().saturating_sub(1));
        let secs = match (num.parse::<i64>(), unit) {
            (Ok(n @ 1..=360), "m") => n * 60,
            (Ok(n @ 1..=72), "h") => n * 3600,
            (Ok(n @ 1..=30), "d") => n * DAY,
            // As the official example answers `period=60d`.
            _ => return Err(required("period")),
        };
        let project = match ctx.p.value("id_project") {
            Some(_) => Some(self.project_param(ctx)?),
            None => None,
        };
        let since = ctx.now - secs;
        let events: Vec<Value> = self
            .events
            .iter()
            .filter(|e| e.date_added >= since && project.is_none_or(|p| e.project == p))
            .map(|e| self.event_json(e))
            .collect();
        ok_data(events.into())
    }

    // ---- tasks ----

    fn task_list(&self, ctx: &Ctx<'_>, ids: Vec<u64>) -> Out {
        let extra = ctx.extra();
        let active_only = ctx.p.value("filter") == Some("active");
        let ids: Vec<u64> = ids
            .into_iter()
            .filter(|id| !active_only || self.tasks.get(id).is_some_and(|t| !t.done))
            .collect();
        if self.count_with_children(&ids, extra.subtasks, active_only) > MAX_RECORDS {
            return Err(too_many_tasks());
        }
        let style = extra.subtasks.then_some(ChildStyle::Full);
        let tasks: Vec<Value> = ids
            .iter()
            .filter_map(|id| self.tasks.get(id))
            .map(|t| self.task_json(t, extra, style, active_only, false))
            .collect();
        ok_data(tasks.into())
    }

    fn get_all_tasks(&self, ctx: &Ctx<'_>) -> Out {
        let extra = ctx.extra();
        let ids = self
            .tasks
            .values()
            .filter(|t| t.parent.is_none())
            .filter(|t| {
                self.projects
                    .get(&t.project)
                    .is_some_and(|p| extra.archive || p.status != ProjectStatus::Archive)
            })
            .map(|t| t.id)
            .collect();
        self.task_list(ctx, ids)
    }

    fn get_tasks(&self, ctx: &Ctx<'_>) -> Out {
        let project = self.project_param(ctx)?;
        let ids = self
            .tasks
            .values()
            .filter(|t| t.parent.is_none() && t.project == project)
            .map(|t| t.id)
            .collect();
        self.task_list(ctx, ids)
    }

    fn get_task(&self, ctx: &Ctx<'_>) -> Out {
        let id = self.task_param(ctx)?;
        let Some(t) = self.tasks.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        let extra = ctx.extra();
        let active_only = ctx.p.value("filter") == Some("active");
        let style = extra.subtasks.then_some(ChildStyle::Brief);
        ok_data(self.task_json(t, extra, style, active_only, true))
    }

    fn priority(ctx: &Ctx<'_>) -> Result<Option<u8>, ApiError> {
        match ctx.p.value("priority") {
            None => Ok(None),
            Some(v) => v
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= 10)
                .map(Some)
                // Our choice, like "Invalid date".
                .ok_or_else(|| err_d(11, "Invalid priority", "priority")),
        }
    }

    fn post_task(&mut self, ctx: &Ctx<'_>) -> Out {
        let project = self.project_param(ctx)?;
        let title = ctx.p.value("title").ok_or_else(|| required("title"))?;
        let parent = match ctx.p.value("id_parent") {
            None => None,
            Some(raw) => {
                let parent = raw
                    .parse::<u64>()
                    .ok()
                    .and_then(|id| self.tasks.get(&id))
                    .filter(|t| t.project == project)
                    .ok_or_else(|| err(5, "Task is invalid"))?;
                if parent.done {
                    return Err(err(8, "Task is closed"));
                }
                if self.depth_of(parent.id) >= 2 {
                    // Our choice: Worksection nests subtasks two levels deep; how the
                    // API refuses a third level is not documented.
                    return Err(err_d(
                        5,
                        "Task is invalid",
                        "id_parent (subtasks nest at most two levels)",
                    ));
                }
                Some(parent.id)
            }
        };
        let author = self.author(ctx)?;
        let user_to = match ctx.p.value("email_user_to") {
            Some(v) => self.assignee(v)?,
            None => Assignee::Noone,
        };
        let priority = Self::priority(ctx)?.unwrap_or(1);
        let date_start = ctx.date("datestart")?;
        let date_end = ctx.date("dateend")?;
        let max_time = ctx.number("max_time")?;
        let max_money = ctx.number("max_money")?;
        let tags = match ctx.p.value("tags") {
            Some(list) => self.resolve_tags(TagScope::Task, list)?,
            None => Vec::new(),
        };
        let mut text = input_to_html(ctx.p.get("text").unwrap_or(""));
        let todo = ctx.p.all("todo[]");
        if !todo.is_empty() {
            text.push_str(&checklist_html(&todo));
        }
        let mut subscribers = vec![author];
        if let Assignee::User(u) = user_to {
            subscribers.push(u);
        }
        // Addresses that are not users of the account are skipped, not refused: the
        // official example subscribes an outside address and succeeds.
        if let Some(list) = ctx.p.value("subscribe") {
            subscribers.extend(
                split_list(list)
                    .iter()
                    .filter_map(|e| self.user_by_email(e)),
            );
        }
        let mut seen = BTreeSet::new();
        subscribers.retain(|s| seen.insert(*s));
        let id = self.ids.task();
        let task = Task {
            id,
            project,
            parent,
            name: title.to_owned(),
            done: false,
            priority,
            user_from: author,
            user_to,
            text: truncate_text(&text),
            date_added: ctx.now,
            date_start,
            date_end,
            time_start: None,
            time_end: None,
            date_closed: None,
            max_time,
            max_money,
            tags: self.tag_set(&tags),
            subscribers,
            children: Vec::new(),
            comments: Vec::new(),
            files: Vec::new(),
        };
        self.tasks.insert(id, task);
        if let Some(p) = parent.and_then(|p| self.tasks.get_mut(&p)) {
            p.children.push(id);
        }
        let new = json!({"title": title, "user_to": self.assignee_json(user_to)});
        self.push_event("post", "task", id, author, ctx.now, Some(new));
        let Some(t) = self.tasks.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        ok_data(self.task_json(t, ctx.extra(), None, false, false))
    }

    fn update_task(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.task_param(ctx)?;
        let Some(mut t) = self.tasks.get(&id).cloned() else {
            return Err(err(5, "Task is invalid"));
        };
        let before = t.clone();
        if let Some(v) = ctx.p.value("email_user_to") {
            t.user_to = self.assignee(v)?;
        }
        if let Some(p) = Self::priority(ctx)? {
            t.priority = p;
        }
        if let Some(v) = ctx.p.value("title") {
            v.clone_into(&mut t.name);
        }
        if let Some(d) = ctx.date("datestart")? {
            t.date_start = Some(d);
        }
        if let Some(d) = ctx.date("dateend")? {
            t.date_end = Some(d);
        }
        if let Some(d) = ctx.date("dateclosed")?
            && t.done
        {
            t.date_closed = Some(d * DAY + ctx.now.rem_euclid(DAY));
        }
        if let Some(v) = ctx.number("max_time")? {
            t.max_time = Some(v);
        }
        if let Some(v) = ctx.number("max_money")? {
            t.max_money = Some(v);
        }
        if let Some(list) = ctx.p.get("tags") {
            let tags = self.resolve_tags(TagScope::Task, list)?;
            t.tags = self.tag_set(&tags);
        }
        let author = self.author(ctx)?;
        let (mut new, mut old) = (Map::new(), Map::new());
        if t.name != before.name {
            new.insert("title".into(), t.name.clone().into());
            old.insert("title".into(), before.name.clone().into());
        }
        if t.priority != before.priority {
            new.insert("priority".into(), t.priority.to_string().into());
            old.insert("priority".into(), before.priority.to_string().into());
        }
        if t.user_to != before.user_to {
            new.insert("user_to".into(), self.assignee_json(t.user_to));
            old.insert("user_to".into(), self.assignee_json(before.user_to));
        }
        let date = |d: Option<i64>| d.map(fmt_date).unwrap_or_default();
        if t.date_end != before.date_end {
            new.insert("date_end".into(), date(t.date_end).into());
            old.insert("date_end".into(), date(before.date_end).into());
        }
        if t.date_start != before.date_start {
            new.insert("date_start".into(), date(t.date_start).into());
            old.insert("date_start".into(), date(before.date_start).into());
        }
        self.tasks.insert(id, t);
        if !new.is_empty() {
            self.push_task_update(id, author, ctx.now, Value::Object(new), Value::Object(old));
        }
        let Some(t) = self.tasks.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        ok_data(self.task_json(t, ctx.extra(), None, false, false))
    }

    fn has_open_descendant(&self, id: u64) -> bool {
        let mut stack = self
            .tasks
            .get(&id)
            .map(|t| t.children.clone())
            .unwrap_or_default();
        while let Some(c) = stack.pop() {
            if let Some(t) = self.tasks.get(&c) {
                if !t.done {
                    return true;
                }
                stack.extend(t.children.iter().copied());
            }
        }
        false
    }

    fn complete_task(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.task_param(ctx)?;
        let author = self.author(ctx)?;
        if self.tasks.get(&id).is_some_and(|t| t.done) {
            return Err(err(12, "Task is already closed"));
        }
        if self.has_open_descendant(id) {
            return Err(err(13, "Task has children"));
        }
        if let Some(t) = self.tasks.get_mut(&id) {
            t.done = true;
            t.date_closed = Some(ctx.now);
        }
        self.push_event("close", "task", id, author, ctx.now, None);
        // The official example answers with the task; the RU docs say just `ok`. We send
        // the task as it is now (done).
        let Some(t) = self.tasks.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        ok_data(self.task_json(t, Extra::default(), None, false, false))
    }

    fn reopen_task(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.task_param(ctx)?;
        let author = self.author(ctx)?;
        let Some(t) = self.tasks.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        if !t.done {
            return Err(err(12, "Task is already active"));
        }
        if t.parent
            .and_then(|p| self.tasks.get(&p))
            .is_some_and(|p| p.done)
        {
            return Err(err(14, "Parent task is done"));
        }
        if let Some(t) = self.tasks.get_mut(&id) {
            t.done = false;
            t.date_closed = None;
        }
        self.push_event("reopen", "task", id, author, ctx.now, None);
        ok()
    }

    fn search_tasks(&self, ctx: &Ctx<'_>) -> Out {
        let p = ctx.p;
        let keys = [
            "filter",
            "id_project",
            "id_task",
            "email_user_from",
            "email_user_to",
        ];
        if keys.iter().all(|k| p.value(k).is_none()) && p.value("page").is_none() {
            return Err(err_d(
                10,
                "At least one of fields required",
                "filter, id_project, id_task, email_user_from, email_user_to",
            ));
        }
        let project = match id_from(p, "id_project") {
            Some(_) => Some(self.project_param(ctx)?),
            None => None,
        };
        // `id_task` searches that task and its subtasks (our reading of the docs).
        let within: Option<BTreeSet<u64>> = match p.value("id_task") {
            Some(_) => {
                let root = self.task_param(ctx)?;
                let mut set = BTreeSet::new();
                let mut stack = vec![root];
                while let Some(id) = stack.pop() {
                    if set.insert(id)
                        && let Some(t) = self.tasks.get(&id)
                    {
                        stack.extend(t.children.iter().copied());
                    }
                }
                Some(set)
            }
            None => None,
        };
        let from = match p.value("email_user_from") {
            Some(e) => Some(self.user_by_email(e).ok_or_else(|| invalid_email(e))?),
            None => None,
        };
        let to = match p.value("email_user_to") {
            Some(v) => Some(self.assignee(v)?),
            None => None,
        };
        let status = match p.value("status") {
            Some("done") => Some(true),
            Some("active") => Some(false),
            _ => None,
        };
        let expr = match p.value("filter") {
            Some(f) => Some(
                filter::parse(f, &|name| match name {
                    "id" | "project" | "parent" => Some(Kind::Int),
                    "name" => Some(Kind::Str),
                    "dateadd" | "datestart" | "dateend" | "dateclose" => Some(Kind::Date),
                    _ => None,
                })
                .map_err(|d| err_d(11, "Invalid filter", d))?,
            ),
            None => None,
        };
        let matches = |t: &Task| {
            let Some(e) = &expr else {
                return true;
            };
            filter::eval(e, &|field| match field {
                "id" => FieldValue::Int(Some(t.id as i64)),
                "project" => FieldValue::Int(Some(t.project as i64)),
                // Top-level tasks match `parent=0` (our choice).
                "parent" => FieldValue::Int(Some(t.parent.unwrap_or(0) as i64)),
                "name" => FieldValue::Str(t.name.clone()),
                "dateadd" => FieldValue::Date(Some(t.date_added.div_euclid(DAY))),
                "datestart" => FieldValue::Date(t.date_start),
                "dateend" => FieldValue::Date(t.date_end),
                "dateclose" => FieldValue::Date(t.date_closed.map(|d| d.div_euclid(DAY))),
                _ => FieldValue::Int(None),
            })
        };
        let found: Vec<&Task> = self
            .tasks
            .values()
            .filter(|t| project.is_none_or(|p| t.project == p))
            .filter(|t| within.as_ref().is_none_or(|w| w.contains(&t.id)))
            .filter(|t| from.is_none_or(|f| t.user_from == f))
            .filter(|t| to.is_none_or(|a| t.user_to == a))
            .filter(|t| status.is_none_or(|done| t.done == done))
            .filter(|t| matches(t))
            .collect();
        if found.len() > MAX_RECORDS {
            return Err(too_many_tasks());
        }
        let extra = ctx.extra();
        let tasks: Vec<Value> = found
            .into_iter()
            .map(|t| self.task_json(t, extra, None, false, false))
            .collect();
        ok_data(tasks.into())
    }

    // ---- comments ----

    fn get_comments(&self, ctx: &Ctx<'_>) -> Out {
        let id = self.task_param(ctx)?;
        let with_files = ctx.extra().files;
        let comments = self
            .tasks
            .get(&id)
            .map(|t| {
                t.comments
                    .iter()
                    .rev()
                    .filter_map(|c| self.comments.get(c))
                    .map(|c| self.comment_json(c, with_files))
                    .collect()
            })
            .unwrap_or_default();
        ok_list_or_bare(comments)
    }

    fn post_comment(&mut self, ctx: &Ctx<'_>) -> Out {
        let task = self.task_param(ctx)?;
        let text = ctx.p.value("text").map(str::to_owned);
        let todo = ctx.p.all("todo[]");
        if text.is_none() && todo.is_empty() {
            return Err(required("text"));
        }
        let author = self.author(ctx)?;
        let mut body = text
            .unwrap_or_default()
            .replace("\r\n", "\n")
            .replace('\n', "\r\n");
        for item in &todo {
            if !body.is_empty() {
                body.push_str("\r\n");
            }
            body.push_str("• ");
            body.push_str(item.trim());
        }
        // Mentions are appended as names, as in the official example.
        if let Some(list) = ctx.p.value("mention") {
            for id in split_list(list)
                .iter()
                .filter_map(|e| self.user_by_email(e))
            {
                if let Some(u) = self.users.get(&id) {
                    body.push(' ');
                    body.push_str(&u.name());
                }
            }
        }
        let id = self.ids.comment();
        self.comments.insert(
            id,
            super::model::Comment {
                id,
                task,
                user_from: author,
                text: truncate_text(&body),
                date_added: ctx.now,
                files: Vec::new(),
            },
        );
        if let Some(t) = self.tasks.get_mut(&task) {
            t.comments.push(id);
        }
        self.push_event(
            "post",
            "comment",
            id,
            author,
            ctx.now,
            Some(json!({"text": body})),
        );
        let Some(c) = self.comments.get(&id) else {
            return Err(err(5, "Task is invalid"));
        };
        ok_data(self.comment_json(c, false))
    }

    // ---- tags ----

    fn get_tags(&self, ctx: &Ctx<'_>, scope: TagScope) -> Out {
        let group = ctx.p.value("group");
        let kind = ctx.p.value("type");
        let access = ctx.p.value("access");
        let tags: Vec<Value> = self
            .tags
            .values()
            .filter(|t| {
                self.tag_group(t.group).is_some_and(|g| {
                    g.scope == scope
                        && group.is_none_or(|w| g.id.to_string() == w || g.title == w)
                        && kind.is_none_or(|k| g.kind == k)
                        && access.is_none_or(|a| g.access == a)
                })
            })
            .map(|t| self.tag_json(t))
            .collect();
        ok_data(tags.into())
    }

    fn get_tag_groups(&self, ctx: &Ctx<'_>, scope: TagScope) -> Out {
        let kind = ctx.p.value("type");
        let access = ctx.p.value("access");
        let groups: Vec<Value> = self
            .tag_groups
            .iter()
            .filter(|g| {
                g.scope == scope
                    && kind.is_none_or(|k| g.kind == k)
                    && access.is_none_or(|a| g.access == a)
            })
            .map(Store::tag_group_json)
            .collect();
        ok_data(groups.into())
    }

    fn update_tags(&mut self, ctx: &Ctx<'_>, scope: TagScope) -> Out {
        let current = match scope {
            TagScope::Task => {
                let id = self.task_param(ctx)?;
                self.tasks.get(&id).map(|t| (id, t.tags.clone()))
            }
            TagScope::Project => {
                let id = self.project_param(ctx)?;
                self.projects.get(&id).map(|p| (id, p.tags.clone()))
            }
        };
        let Some((id, mut tags)) = current else {
            return Err(err(5, "Task is invalid"));
        };
        let plus = self.resolve_tags(scope, ctx.p.value("plus").unwrap_or(""))?;
        let minus = self.resolve_tags(scope, ctx.p.value("minus").unwrap_or(""))?;
        for m in minus {
            tags.remove(&m);
        }
        for t in plus {
            self.add_tag(&mut tags, t);
        }
        match scope {
            TagScope::Task => {
                if let Some(t) = self.tasks.get_mut(&id) {
                    t.tags = tags;
                }
            }
            TagScope::Project => {
                if let Some(p) = self.projects.get_mut(&id) {
                    p.tags = tags;
                }
            }
        }
        ok()
    }

    // ---- costs ----

    fn get_costs(&self, ctx: &Ctx<'_>, total_only: bool) -> Out {
        let p = ctx.p;
        let project = match id_from(p, "id_project") {
            Some(_) => Some(self.project_param(ctx)?),
            None => None,
        };
        let task = match p.value("id_task") {
            Some(_) => Some(self.task_param(ctx)?),
            None => None,
        };
        let start = ctx.date("datestart")?;
        let end = ctx.date("dateend")?;
        let is_timer = match p.value("is_timer") {
            Some("1") => Some(true),
            Some("0") => Some(false),
            _ => None,
        };
        let expr = match p.value("filter") {
            Some(f) => Some(
                filter::parse(f, &|name| match name {
                    "id" | "project" => Some(Kind::Int),
                    "comment" => Some(Kind::Str),
                    "dateadd" => Some(Kind::Date),
                    _ => None,
                })
                .map_err(|d| err_d(11, "Invalid filter", d))?,
            ),
            None => None,
        };
        let project_of = |c: &Cost| self.tasks.get(&c.task).map(|t| t.project).unwrap_or(0);
        let rows: Vec<&Cost> = self
            .costs
            .values()
            .filter(|c| project.is_none_or(|p| project_of(c) == p))
            .filter(|c| task.is_none_or(|t| c.task == t))
            .filter(|c| start.is_none_or(|s| c.date >= s) && end.is_none_or(|e| c.date <= e))
            .filter(|c| is_timer.is_none_or(|t| c.is_timer == t))
            .filter(|c| {
                expr.as_ref().is_none_or(|e| {
                    filter::eval(e, &|field| match field {
                        "id" => FieldValue::Int(Some(c.id as i64)),
                        "project" => FieldValue::Int(Some(project_of(c) as i64)),
                        "comment" => FieldValue::Str(c.comment.clone()),
                        // `dateadd` compares the cost's date (our reading).
                        "dateadd" => FieldValue::Date(Some(c.date)),
                        _ => FieldValue::Int(None),
                    })
                })
            })
            .collect();
        let minutes: i64 = rows.iter().map(|c| c.minutes).sum();
        let cents: i64 = rows.iter().map(|c| c.money_cents).sum();
        let total = json!({"time": fmt_minutes(minutes), "money": fmt_money(cents)});
        if total_only {
            return Ok(Reply::Json(json!({"status": "ok", "total": total})));
        }
        let data: Vec<Value> = rows.into_iter().map(|c| self.cost_json(c)).collect();
        Ok(Reply::Json(
            json!({"status": "ok", "data": data, "total": total}),
        ))
    }

    /// Time and money of a cost row from `time`, `money` and `is_rate` (with `is_rate=1`
    /// the money is a rate per hour: the given one, else the user's).
    fn cost_amounts(
        &self,
        ctx: &Ctx<'_>,
        user: u64,
        minutes: Option<i64>,
    ) -> Result<(Option<i64>, Option<i64>), ApiError> {
        let minutes = match ctx.p.value("time") {
            Some(v) => Some(parse_cost_time(v).ok_or_else(|| err_d(11, "Invalid time", "time"))?),
            None => minutes,
        };
        let money = match ctx.p.value("money") {
            Some(v) => Some(parse_money(v).ok_or_else(|| err_d(11, "Invalid money", "money"))?),
            None => None,
        };
        if ctx.p.value("is_rate") == Some("1") {
            let rate = money.unwrap_or_else(|| {
                self.users
                    .get(&user)
                    .map(|u| i64::from(u.rate) * 100)
                    .unwrap_or(0)
            });
            let hours_x60 = minutes.unwrap_or(0);
            return Ok((minutes, Some(rate * hours_x60 / 60)));
        }
        Ok((minutes, money))
    }

    fn add_costs(&mut self, ctx: &Ctx<'_>) -> Out {
        let task = self.task_param(ctx)?;
        if ctx.p.value("time").is_none() && ctx.p.value("money").is_none() {
            return Err(required("time or money"));
        }
        let user = match ctx.caller {
            Caller::User(u) => u,
            Caller::Admin => {
                let e = ctx
                    .p
                    .value("email_user_from")
                    .ok_or_else(|| required("email_user_from"))?;
                self.user_by_email(e).ok_or_else(|| invalid_email(e))?
            }
        };
        let (minutes, money) = self.cost_amounts(ctx, user, None)?;
        let date = ctx.date("date")?.unwrap_or_else(|| ctx.today());
        let id = self.ids.cost();
        self.costs.insert(
            id,
            Cost {
                id,
                task,
                user_from: user,
                comment: ctx.p.value("comment").unwrap_or("").to_owned(),
                minutes: minutes.unwrap_or(0),
                money_cents: money.unwrap_or(0),
                date,
                is_timer: false,
            },
        );
        Ok(Reply::Json(json!({"status": "ok", "id": id})))
    }

    fn cost_param(&self, ctx: &Ctx<'_>) -> Result<u64, ApiError> {
        // The RU docs' examples use `id`; the parameter list, Postman and SDKs `id_costs`.
        let raw = ctx
            .p
            .value("id_costs")
            .or_else(|| ctx.p.value("id"))
            .ok_or_else(|| required("id_costs"))?;
        raw.parse::<u64>()
            .ok()
            .filter(|id| self.costs.contains_key(id))
            // Our choice: the docs show no error for an unknown cost row; 10 is what the
            // API uses for "WebHook not found".
            .ok_or_else(|| err(10, "Costs not found"))
    }

    fn update_costs(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.cost_param(ctx)?;
        let Some(mut cost) = self.costs.get(&id).cloned() else {
            return Err(err(10, "Costs not found"));
        };
        let (minutes, money) = self.cost_amounts(ctx, cost.user_from, Some(cost.minutes))?;
        if let Some(m) = minutes {
            cost.minutes = m;
        }
        if let Some(m) = money {
            cost.money_cents = m;
        }
        if let Some(c) = ctx.p.get("comment") {
            c.trim().clone_into(&mut cost.comment);
        }
        if let Some(d) = ctx.date("date")? {
            cost.date = d;
        }
        self.costs.insert(id, cost);
        ok()
    }

    fn delete_costs(&mut self, ctx: &Ctx<'_>) -> Out {
        let id = self.cost_param(ctx)?;
        self.costs.remove(&id);
        ok()
    }

    // ---- timers ----

    fn get_timers(&self, ctx: &Ctx<'_>) -> Out {
        let timers = self
            .timers
            .values()
            .map(|t| self.timer_json(t, ctx.now))
            .collect();
        ok_list_or_bare(timers)
    }

    /// Ends a timer as a cost row marked `is_timer`. The duration is rounded to the
    /// nearest minute, at least one (our choice: a zero-length row is useless).
    fn finish_timer(&mut self, timer: Timer, comment: &str, now: i64) {
        let minutes = ((now - timer.started + 30) / 60).max(1);
        let id = self.ids.cost();
        self.costs.insert(
            id,
            Cost {
                id,
                task: timer.task,
                user_from: timer.user,
                comment: comment.to_owned(),
                minutes,
                money_cents: 0,
                date: now.div_euclid(DAY),
                is_timer: true,
            },
        );
    }

    fn stop_timer(&mut self, ctx: &Ctx<'_>) -> Out {
        let raw = ctx.p.value("timer").ok_or_else(|| required("timer"))?;
        let timer = raw
            .parse::<u64>()
            .ok()
            .and_then(|id| self.timers.remove(&id))
            .ok_or_else(|| err(7, "Timer not found"))?;
        self.finish_timer(timer, "", ctx.now);
        ok()
    }

    fn my_timer(&self, ctx: &Ctx<'_>) -> Option<u64> {
        let Caller::User(u) = ctx.caller else {
            return None;
        };
        self.timers.values().find(|t| t.user == u).map(|t| t.id)
    }

    fn get_my_timer(&self, ctx: &Ctx<'_>) -> Out {
        let Some(t) = self.my_timer(ctx).and_then(|id| self.timers.get(&id)) else {
            // Our choice: no running timer is an ok answer without `data`, like the
            // documented empty lists.
            return ok();
        };
        ok_data(json!({
            "time": ctx.now - t.started,
            "date_started": super::util::fmt_datetime(t.started),
            "task": self.task_plain(t.task),
        }))
    }

    fn start_my_timer(&mut self, ctx: &Ctx<'_>) -> Out {
        let task = self.task_param(ctx)?;
        let Caller::User(user) = ctx.caller else {
            return Err(err(1, "Action is invalid for admin API key"));
        };
        if self.my_timer(ctx).is_some() {
            return Err(err(6, "Timer is already started"));
        }
        let id = self.ids.timer();
        self.timers.insert(
            id,
            Timer {
                id,
                user,
                task,
                started: ctx.now,
            },
        );
        ok()
    }

    fn stop_my_timer(&mut self, ctx: &Ctx<'_>, keep: bool) -> Out {
        let timer = self
            .my_timer(ctx)
            .and_then(|id| self.timers.remove(&id))
            .ok_or_else(|| err(7, "Timer is not started"))?;
        if keep {
            let comment = ctx.p.value("comment").unwrap_or("").to_owned();
            self.finish_timer(timer, &comment, ctx.now);
        }
        ok()
    }

    // ---- files ----

    fn get_files(&self, ctx: &Ctx<'_>) -> Out {
        // Newest first, as in the official example.
        let files: Vec<Value> = if ctx.p.value("id_task").is_some() {
            // A task's files: its own and those attached to its comments.
            let task = self.task_param(ctx)?;
            self.files
                .values()
                .rev()
                .filter(|f| {
                    f.task == Some(task)
                        || f.comment
                            .and_then(|c| self.comments.get(&c))
                            .is_some_and(|c| c.task == task)
                })
                .map(|f| self.file_full(f))
                .collect()
        } else {
            let project = self.project_param(ctx)?;
            self.files
                .values()
                .rev()
                .filter(|f| f.project == project)
                .map(|f| self.file_full(f))
                .collect()
        };
        ok_list_or_bare(files)
    }

    fn download(&self, ctx: &Ctx<'_>) -> Out {
        let raw = ctx.p.value("id_file").ok_or_else(|| required("id_file"))?;
        let file = raw
            .parse::<u64>()
            .ok()
            .and_then(|id| self.files.get(&id))
            .ok_or_else(|| err(4, "File not found"))?;
        Ok(Reply::File {
            name: file.name.clone(),
            bytes: file.bytes.clone(),
        })
    }
}
