//! Projects (with their docks) and people: listing, creating (with the plan's project
//! limit), updating, trashing, and who has access.

use std::cmp::Reverse;

use serde_json::{Value, json};

use super::status_filter;
use crate::fake::{
    model::{Person, Status, Store},
    render,
    reply::{ApiError, Item, Reply},
    routes::{Field, Req},
    util::parse_date,
};

fn project_of<'s>(
    store: &'s Store,
    req: &Req,
) -> Result<&'s crate::fake::model::Project, ApiError> {
    store
        .projects
        .get(&req.id(0))
        .ok_or_else(ApiError::not_found)
}

fn project_reply(store: &Store, id: i64) -> Result<Reply, ApiError> {
    let p = store.projects.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::project(store, id), p.updated_at))
}

/// Newest first, as documented.
pub fn list(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let status = status_filter(req);
    let mut projects: Vec<_> = store
        .projects
        .values()
        .filter(|p| p.status == status)
        .collect();
    projects.sort_by_key(|p| Reverse((p.created_at, p.id)));
    Ok(Reply::list(
        projects.iter().map(|p| Item::Project(p.id)).collect(),
    ))
}

pub fn create(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    if let Some(limit) = store.project_limit {
        // Trashed projects no longer count against the plan.
        let used = store
            .projects
            .values()
            .filter(|p| p.status != Status::Trashed)
            .count();
        if used >= limit {
            return Err(ApiError::project_limit());
        }
    }
    let name = req.required("name", "Name")?;
    let now = store.now();
    let id = store.create_project(name.trim(), req.text("description").as_deref(), req.me, now);
    let location = format!("{}/projects/{id}", store.urls.app);
    Ok(Reply::created(render::project(store, id), now, location))
}

pub fn show(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    project_reply(store, project_of(store, req)?.id)
}

pub fn update(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = project_of(store, req)?.id;
    let name = req.required("name", "Name")?;
    let admissions = match req.text("admissions") {
        Some(a) if ["invite", "employee", "team"].contains(&a.as_str()) => Some(a),
        Some(_) => return Err(ApiError::invalid("Admissions is not included in the list")),
        None => None,
    };
    let schedule = match req.field("schedule_attributes") {
        Field::Value(Value::Object(s)) => {
            let date = |k: &str| s.get(k).and_then(Value::as_str).and_then(parse_date);
            match (date("start_date"), date("end_date")) {
                (Some(start), Some(end)) if start <= end => Some((start, end)),
                _ => {
                    return Err(ApiError::invalid(
                        "Schedule needs both a start_date and an end_date, the start first",
                    ));
                }
            }
        }
        _ => None,
    };
    let now = store.now();
    if let Some(p) = store.projects.get_mut(&id) {
        p.name = name.trim().to_owned();
        match req.field("description") {
            Field::Value(v) => {
                p.description = Some(v.as_str().map_or_else(|| v.to_string(), str::to_owned))
            }
            Field::Null => p.description = None,
            Field::Absent => {}
        }
        if let Some(a) = admissions {
            p.admissions = a;
        }
        if let Some((start, end)) = schedule {
            p.start_date = Some(start);
            p.end_date = Some(end);
        }
        p.updated_at = now;
    }
    project_reply(store, id)
}

/// Trashed, not deleted: the project shows up under `status=trashed`.
pub fn trash(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = project_of(store, req)?.id;
    let now = store.now();
    if let Some(p) = store.projects.get_mut(&id) {
        p.status = Status::Trashed;
        p.updated_at = now;
    }
    Ok(Reply::NoContent)
}

pub fn people(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let p = project_of(store, req)?;
    Ok(Reply::list(
        p.people.iter().map(|id| Item::Person(*id)).collect(),
    ))
}

/// `{grant, revoke, create}` → `{granted, revoked}` (people in full).
pub fn access(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let id = project_of(store, req)?.id;
    if ["grant", "revoke", "create"]
        .iter()
        .all(|k| matches!(req.field(k), Field::Absent))
    {
        return Err(ApiError::bad_request(
            "Include at least one of grant, revoke or create",
        ));
    }
    let mut new_people = Vec::new();
    if let Field::Value(Value::Array(create)) = req.field("create") {
        for entry in create {
            let text = |k: &str| {
                entry
                    .get(k)
                    .and_then(Value::as_str)
                    .map(str::trim)
                    .filter(|s| !s.is_empty())
            };
            let (Some(name), Some(email)) = (text("name"), text("email_address")) else {
                return Err(ApiError::invalid("Name and email address can't be blank"));
            };
            new_people.push((
                name.to_owned(),
                email.to_owned(),
                text("title").map(str::to_owned),
                text("company_name").map(str::to_owned),
            ));
        }
    }
    let now = store.now();
    let mut granted = req.people(store, "grant");
    for (name, email, title, company) in new_people {
        let existing = store.person_by_email(&email);
        let person = match existing {
            Some(p) => p,
            None => {
                let pid = store.person_id();
                let company = company.map(|c| (1_033_447_900 + (c.len() as i64 * 7919) % 997, c));
                store.people.insert(
                    pid,
                    Person {
                        id: pid,
                        name,
                        email,
                        title,
                        bio: None,
                        location: None,
                        created_at: now,
                        updated_at: now,
                        admin: false,
                        owner: false,
                        client: false,
                        employee: false,
                        company,
                        time_zone: "America/Chicago".to_owned(),
                    },
                );
                pid
            }
        };
        if !granted.contains(&person) {
            granted.push(person);
        }
    }
    let revoke = req.people(store, "revoke");
    let mut revoked = Vec::new();
    if let Some(p) = store.projects.get_mut(&id) {
        for g in &granted {
            if !p.people.contains(g) {
                p.people.push(*g);
            }
        }
        for r in revoke {
            if let Some(i) = p.people.iter().position(|x| *x == r) {
                p.people.remove(i);
                revoked.push(r);
            }
        }
        p.updated_at = now;
    }
    let body = json!({
        "granted": render::people(store, &granted),
        "revoked": render::people(store, &revoked),
    });
    Ok(Reply::ok(body, now))
}

/// Everyone on the account, by name.
pub fn all_people(store: &mut Store, _req: &Req) -> Result<Reply, ApiError> {
    let mut people: Vec<_> = store.people.values().collect();
    people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
    Ok(Reply::list(
        people.iter().map(|p| Item::Person(p.id)).collect(),
    ))
}

fn person_reply(store: &Store, id: i64) -> Result<Reply, ApiError> {
    let p = store.people.get(&id).ok_or_else(ApiError::not_found)?;
    Ok(Reply::ok(render::person(store, id), p.updated_at))
}

pub fn person(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    person_reply(store, req.id(0))
}

pub fn profile(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    person_reply(store, req.me)
}
