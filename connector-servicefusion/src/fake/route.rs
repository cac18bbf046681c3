//! The `/v1` paths the API has and the methods each accepts (GET everywhere, POST on
//! the customers, jobs and estimates collections; no PUT, PATCH or DELETE anywhere),
//! plus the labels requests are counted by.

/// A top-level collection of `/v1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Collection {
    CalendarTasks,
    Customers,
    Jobs,
    JobCategories,
    JobStatuses,
    Estimates,
    Invoices,
    PaymentTypes,
    Sources,
    Techs,
}

impl Collection {
    fn from_segment(s: &str) -> Option<Self> {
        Some(match s {
            "calendar-tasks" => Self::CalendarTasks,
            "customers" => Self::Customers,
            "jobs" => Self::Jobs,
            "job-categories" => Self::JobCategories,
            "job-statuses" => Self::JobStatuses,
            "estimates" => Self::Estimates,
            "invoices" => Self::Invoices,
            "payment-types" => Self::PaymentTypes,
            "sources" => Self::Sources,
            "techs" => Self::Techs,
            _ => return None,
        })
    }

    /// The resource name [`super::FakeServiceFusion::record`] takes.
    pub fn from_resource(s: &str) -> Option<Self> {
        Self::from_segment(s)
    }

    fn creatable(self) -> bool {
        matches!(self, Self::Customers | Self::Jobs | Self::Estimates)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    Me,
    List(Collection),
    View(Collection, i64),
    Equipment { customer: i64 },
    EquipmentView { customer: i64, id: i64 },
}

const GET: &[&str] = &["GET"];
const GET_POST: &[&str] = &["GET", "POST"];

/// Ids in paths are digits only (the API's URL rules); anything else is no route.
fn id(s: &str) -> Option<i64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

impl Route {
    /// The route of a path below `/v1/`, or `None` (a 404 "Page not found.").
    pub fn parse(path: &str) -> Option<Self> {
        let rest = path.strip_prefix("/v1/")?;
        let segments: Vec<&str> = rest.split('/').collect();
        match segments.as_slice() {
            ["me"] => Some(Self::Me),
            [c] => Collection::from_segment(c).map(Self::List),
            ["customers", customer, "equipment"] => Some(Self::Equipment {
                customer: id(customer)?,
            }),
            ["customers", customer, "equipment", e] => Some(Self::EquipmentView {
                customer: id(customer)?,
                id: id(e)?,
            }),
            [c, i] => Some(Self::View(Collection::from_segment(c)?, id(i)?)),
            _ => None,
        }
    }

    /// The methods this path accepts, as `Allow` lists them.
    pub fn methods(self) -> &'static [&'static str] {
        match self {
            Self::List(c) if c.creatable() => GET_POST,
            _ => GET,
        }
    }
}

/// `METHOD /path` with every numeric segment replaced by `{id}`.
pub fn label(method: &str, path: &str) -> String {
    let path: Vec<&str> = path
        .split('/')
        .map(|s| if id(s).is_some() { "{id}" } else { s })
        .collect();
    format!("{method} {}", path.join("/"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths() {
        assert_eq!(Route::parse("/v1/me"), Some(Route::Me));
        assert_eq!(
            Route::parse("/v1/job-statuses"),
            Some(Route::List(Collection::JobStatuses))
        );
        assert_eq!(
            Route::parse("/v1/customers/12/equipment/7"),
            Some(Route::EquipmentView {
                customer: 12,
                id: 7
            })
        );
        assert_eq!(Route::parse("/v1/jobs/abc"), None);
        assert_eq!(Route::parse("/v1/jobs/"), None);
        assert_eq!(Route::parse("/v1/contacts"), None);
        assert_eq!(Route::parse("/v1/me/1"), None);
    }

    #[test]
    fn labels() {
        assert_eq!(
            label("GET", "/v1/customers/12/equipment/7"),
            "GET /v1/customers/{id}/equipment/{id}"
        );
        assert_eq!(label("POST", "/v1/jobs"), "POST /v1/jobs");
    }
}
