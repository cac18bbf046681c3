//! The `/v1` actions once a request is authenticated and admitted: lists (filtered, then
//! paged and shown by `query`), single objects, and the three creates.

use axum::http::{StatusCode, header};
use serde_json::Value;

use super::{
    create, filter,
    format::Timestamp,
    model::{Me, Store},
    query::{self, Params, Resource, View},
    reply::{ApiError, Reply},
    route::{Collection, Route},
};

pub fn read(store: &Store, route: Route, params: &Params) -> Result<Reply, ApiError> {
    let view = View::from_params(params);
    match route {
        Route::Me => {
            let me = store.techs.get(&store.me).ok_or(ApiError::Forbidden)?;
            Ok(Reply::ok(query::render(&Me(me), store, &view)))
        }
        Route::List(c) => list(store, c, params),
        Route::View(c, id) => show(store, c, id, &view)
            .map(Reply::ok)
            .ok_or(ApiError::ItemNotFound),
        Route::Equipment { customer } => {
            if !store.customers.contains_key(&customer) {
                return Err(ApiError::ItemNotFound);
            }
            let items = store
                .equipment
                .values()
                .filter(|e| e.customer_id == customer)
                .collect();
            Ok(query::list(items, store, params))
        }
        Route::EquipmentView { customer, id } => store
            .equipment
            .get(&id)
            .filter(|e| e.customer_id == customer)
            .map(|e| Reply::ok(query::render(e, store, &view)))
            .ok_or(ApiError::ItemNotFound),
    }
}

fn list(store: &Store, c: Collection, params: &Params) -> Result<Reply, ApiError> {
    fn all<R>(map: &std::collections::BTreeMap<i64, R>) -> Vec<&R> {
        map.values().collect()
    }
    Ok(match c {
        Collection::Customers => query::list(filter::customers(store, params)?, store, params),
        Collection::Jobs => query::list(filter::jobs(store, params)?, store, params),
        Collection::Estimates => query::list(filter::estimates(store, params)?, store, params),
        Collection::Techs => query::list(filter::techs(store, params)?, store, params),
        Collection::Invoices => query::list(all(&store.invoices), store, params),
        Collection::CalendarTasks => query::list(all(&store.calendar_tasks), store, params),
        Collection::JobCategories => query::list(all(&store.categories), store, params),
        Collection::JobStatuses => query::list(all(&store.statuses), store, params),
        Collection::PaymentTypes => query::list(all(&store.payment_types), store, params),
        Collection::Sources => query::list(all(&store.sources), store, params),
    })
}

/// One record of a collection as `view` shows it; `None` when there is no such record.
pub fn show(store: &Store, c: Collection, id: i64, view: &View) -> Option<Value> {
    fn one<R: Resource>(r: Option<&R>, store: &Store, view: &View) -> Option<Value> {
        r.map(|r| query::render(r, store, view))
    }
    match c {
        Collection::Customers => one(store.customers.get(&id), store, view),
        Collection::Jobs => one(store.jobs.get(&id), store, view),
        Collection::Estimates => one(store.estimates.get(&id), store, view),
        Collection::Techs => one(store.techs.get(&id), store, view),
        Collection::Invoices => one(store.invoices.get(&id), store, view),
        Collection::CalendarTasks => one(store.calendar_tasks.get(&id), store, view),
        Collection::JobCategories => one(store.categories.get(&id), store, view),
        Collection::JobStatuses => one(store.statuses.get(&id), store, view),
        Collection::PaymentTypes => one(store.payment_types.get(&id), store, view),
        Collection::Sources => one(store.sources.get(&id), store, view),
    }
}

/// The view that shows everything a record has (for `FakeServiceFusion::record`).
pub fn full_view(c: Collection) -> View {
    use super::{
        model::{CalendarTask, Customer},
        order::{Estimate, Job},
    };
    match c {
        Collection::Customers => View::full::<Customer>(),
        Collection::Jobs => View::full::<Job>(),
        Collection::Estimates => View::full::<Estimate>(),
        Collection::CalendarTasks => View::full::<CalendarTask>(),
        _ => View::default(),
    }
}

/// `POST` on a collection (the route has been checked to accept it).
pub fn create(
    store: &mut Store,
    route: Route,
    params: &Params,
    content_type: Option<&str>,
    body: &[u8],
    now: Timestamp,
    base_url: &str,
) -> Result<Reply, ApiError> {
    let Route::List(c) = route else {
        return Err(ApiError::MethodNotAllowed(route.methods()));
    };
    let obj = create::body(content_type, body)?;
    let id = match c {
        Collection::Customers => create::customer(store, &obj, now)?,
        Collection::Jobs => create::job(store, &obj, now)?,
        Collection::Estimates => create::estimate(store, &obj, now)?,
        _ => return Err(ApiError::MethodNotAllowed(route.methods())),
    };
    let view = View::from_params(params);
    let body = show(store, c, id, &view).ok_or(ApiError::Internal(
        "Failed to create the object for unknown reason.",
    ))?;
    let segment = match c {
        Collection::Customers => "customers",
        Collection::Jobs => "jobs",
        _ => "estimates",
    };
    Ok(Reply {
        status: StatusCode::CREATED,
        body,
        headers: vec![(header::LOCATION, format!("{base_url}/v1/{segment}/{id}"))],
    })
}
