//! Schedules and their entries. The entry `PUT` replaces what it names and clears the
//! rest, except participants, which an omitted `participant_ids` leaves alone (as BC3
//! does).

use super::{children, created, new_child, replaced, rich_text, show_found, status_filter};
use crate::fake::{
    model::{Kind, Recording, Span, Store},
    reply::{ApiError, Item, Reply},
    routes::{Field, Req},
    util::{DAY_MS, parse_instant},
};

pub fn schedule(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::Schedule)
}

/// By start time.
pub fn entries(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let schedule = req.find(store, req.id(0), |k| k == Kind::Schedule)?;
    let mut items = children(
        store,
        schedule.id,
        |k| k == Kind::ScheduleEntry,
        status_filter(req),
    );
    items.sort_by_key(|i| match i {
        Item::Recording(id) => store
            .rec(*id)
            .and_then(|r| r.span)
            .map_or(0, |s| s.starts_at),
        _ => 0,
    });
    Ok(Reply::list(items))
}

/// `summary` (blank reads back as "Untitled"), `starts_at`, `ends_at`, `all_day`,
/// `description`; participants only when `participant_ids` is present.
fn apply_entry_fields(
    store: &Store,
    req: &Req,
    entry: &mut Recording,
    creating: bool,
) -> Result<(), ApiError> {
    let instant = |name: &str, label: &str| -> Result<(i64, bool), ApiError> {
        let raw = req
            .text(name)
            .ok_or_else(|| ApiError::invalid(format!("{label} can't be blank")))?;
        parse_instant(&raw).ok_or_else(|| ApiError::invalid(format!("{label} is not a valid time")))
    };
    let summary = match creating {
        true => req.required("summary", "Summary")?,
        false => req
            .text("summary")
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| "Untitled".to_owned()),
    };
    let (starts_at, start_is_date) = instant("starts_at", "Starts at")?;
    let (mut ends_at, end_is_date) = instant("ends_at", "Ends at")?;
    let all_day = req.flag("all_day") || (start_is_date && end_is_date);
    if all_day && end_is_date {
        // A bare end date means the whole of that day.
        ends_at += DAY_MS - 1;
    }
    if ends_at < starts_at {
        return Err(ApiError::invalid("Ends at must be after the start"));
    }
    entry.title = summary;
    entry.description = rich_text(store, req.text("description"));
    entry.span = Some(Span {
        starts_at,
        ends_at,
        all_day,
    });
    if creating || !matches!(req.field("participant_ids"), Field::Absent) {
        entry.people = req.people(store, "participant_ids");
    }
    Ok(())
}

pub fn create(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let schedule = req.find(store, req.id(0), |k| k == Kind::Schedule)?.clone();
    let mut entry = new_child(store, Kind::ScheduleEntry, &schedule, req.me);
    apply_entry_fields(store, req, &mut entry, true)?;
    let id = store.insert(entry);
    created(store, id)
}

pub fn entry(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    show_found(store, req, |k| k == Kind::ScheduleEntry)
}

pub fn replace(store: &mut Store, req: &Req) -> Result<Reply, ApiError> {
    let mut entry = req
        .find(store, req.id(0), |k| k == Kind::ScheduleEntry)?
        .clone();
    apply_entry_fields(store, req, &mut entry, false)?;
    replaced(store, entry, req.me)
}
