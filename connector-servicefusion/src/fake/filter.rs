//! The documented `filters[..]` of customers, jobs, estimates and techs. "Partial" is a
//! case-insensitive substring, "full" a case-insensitive equality; `status` and `tags`
//! take comma lists (any of); ranges are `filters[x][gte]`/`[lte]` with `Y-m-d` dates or
//! RFC 3339 timestamps (where `Y-m-d` is accepted too, as the whole day). Unknown
//! filter names are ignored, like the API ignores them; a malformed date is a 422.

use std::collections::BTreeMap;

use chrono::{NaiveDate, NaiveTime};
use serde_json::Value;

use super::{
    format::{DATE_FORMAT, TIMESTAMP_FORMAT, Timestamp, label, parse_date, parse_timestamp},
    model::{Contact, Customer, StatusScope, Store, Tech},
    order::{Estimate, Job, Order},
    query::{FilterParam, Params},
    reply::{ApiError, FieldError, valid},
};

/// Inclusive bounds on a date or timestamp field; a record without the value fails a
/// bounded range.
#[derive(Debug)]
struct Range<T> {
    gte: Option<T>,
    lte: Option<T>,
}

impl<T> Default for Range<T> {
    fn default() -> Self {
        Self {
            gte: None,
            lte: None,
        }
    }
}

impl<T: PartialOrd> Range<T> {
    fn matches(&self, v: Option<&T>) -> bool {
        if self.gte.is_none() && self.lte.is_none() {
            return true;
        }
        v.is_some_and(|v| {
            self.gte.as_ref().is_none_or(|g| v >= g) && self.lte.as_ref().is_none_or(|l| v <= l)
        })
    }
}

/// Bounds on a `Y-m-d` field.
type DateRange = Range<NaiveDate>;

/// Bounds on a timestamp field.
type TimeRange = Range<Timestamp>;

/// Reads the filters of one request, collecting the malformed ones.
struct Reader {
    filters: BTreeMap<String, FilterParam>,
    errors: Vec<FieldError>,
}

impl Reader {
    fn new(params: &Params) -> Self {
        Self {
            filters: params.filters(),
            errors: Vec::new(),
        }
    }

    /// A plain filter's value, lowercased; `None` when absent or blank.
    fn text(&self, name: &str) -> Option<String> {
        self.filters
            .get(name)
            .and_then(|f| f.value.as_deref())
            .map(|v| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
    }

    fn list(&self, name: &str) -> Option<Vec<String>> {
        let items: Vec<String> = self
            .text(name)?
            .split(',')
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
        (!items.is_empty()).then_some(items)
    }

    /// `[gte]`, `[lte]`, or a plain value meaning that one day.
    fn bounds(&self, name: &str) -> (Option<String>, Option<String>) {
        match self.filters.get(name) {
            None => (None, None),
            Some(f) => (
                f.gte.clone().or_else(|| f.value.clone()),
                f.lte.clone().or_else(|| f.value.clone()),
            ),
        }
    }

    /// A range filter, each bound read by `parse` (told whether it is the upper one); a
    /// bound that does not parse is reported as not being `format`.
    fn range<T>(
        &mut self,
        name: &str,
        format: &str,
        parse: impl Fn(&str, bool) -> Option<T>,
    ) -> Range<T> {
        let (gte, lte) = self.bounds(name);
        let mut bad = false;
        let mut bound = |s: Option<String>, upper: bool| {
            let s = s.filter(|s| !s.trim().is_empty())?;
            let v = parse(&s, upper);
            bad |= v.is_none();
            v
        };
        let range = Range {
            gte: bound(gte, false),
            lte: bound(lte, true),
        };
        if bad {
            self.errors.push(FieldError::new(
                name,
                format!("{} must be {format}.", label(name)),
            ));
        }
        range
    }

    fn dates(&mut self, name: &str) -> DateRange {
        self.range(name, DATE_FORMAT, |s, _| parse_date(s))
    }

    fn times(&mut self, name: &str) -> TimeRange {
        self.range(name, TIMESTAMP_FORMAT, |s, end_of_day| {
            parse_timestamp(s).or_else(|| {
                let day = parse_date(s)?;
                let time = if end_of_day {
                    NaiveTime::from_hms_opt(23, 59, 59)?
                } else {
                    NaiveTime::MIN
                };
                Some(day.and_time(time).and_utc())
            })
        })
    }

    fn finish(self) -> Result<(), ApiError> {
        valid(self.errors)
    }
}

fn partial(hay: Option<&str>, needle: &Option<String>) -> bool {
    needle
        .as_ref()
        .is_none_or(|n| hay.is_some_and(|h| h.to_lowercase().contains(n.as_str())))
}

fn full(hay: Option<&str>, needle: &Option<String>) -> bool {
    needle
        .as_ref()
        .is_none_or(|n| hay.is_some_and(|h| h.trim().to_lowercase() == *n))
}

/// At least one of `hays` passes `test` (`test` passes everything when unfiltered).
fn any<'h>(
    mut hays: impl Iterator<Item = &'h str>,
    needle: &Option<String>,
    test: fn(Option<&str>, &Option<String>) -> bool,
) -> bool {
    needle.is_none() || hays.any(|h| test(Some(h), needle))
}

/// Ids that a comma list of references resolves to; names that resolve to nothing
/// match nothing.
fn resolved(items: &Option<Vec<String>>, find: impl Fn(&Value) -> Option<i64>) -> Option<Vec<i64>> {
    items.as_ref().map(|items| {
        items
            .iter()
            .filter_map(|s| find(&Value::from(s.as_str())))
            .collect()
    })
}

fn one_of(id: Option<i64>, ids: &Option<Vec<i64>>) -> bool {
    ids.as_ref()
        .is_none_or(|ids| id.is_some_and(|id| ids.contains(&id)))
}

pub fn customers<'a>(store: &'a Store, params: &Params) -> Result<Vec<&'a Customer>, ApiError> {
    let mut r = Reader::new(params);
    let name = r.text("name");
    let first = r.text("contact_first_name");
    let last = r.text("contact_last_name");
    let address = r.text("address");
    let city = r.text("city");
    let postal = r.text("postal_code");
    let phone = r.text("phone");
    let email = r.text("email");
    let tags = r.list("tags");
    let serviced = r.dates("last_serviced_date");
    let effective = r.times("agreement_date_effective");
    let expires = r.times("agreement_date_expires");
    r.finish()?;
    Ok(store
        .customers
        .values()
        .filter(|c| {
            partial(Some(&c.name), &name)
                && any(c.contacts.iter().map(|x| x.fname.as_str()), &first, partial)
                && any(c.contacts.iter().map(|x| x.lname.as_str()), &last, partial)
                && any(
                    c.locations
                        .iter()
                        .map(|l| l.street_1.as_str())
                        .chain(c.locations.iter().filter_map(|l| l.street_2.as_deref())),
                    &address,
                    partial,
                )
                && any(c.locations.iter().map(|l| l.city.as_str()), &city, full)
                && any(
                    c.locations.iter().map(|l| l.postal_code.as_str()),
                    &postal,
                    full,
                )
                && any(
                    c.contacts.iter().flat_map(Contact::phone_numbers),
                    &phone,
                    partial,
                )
                && any(
                    c.contacts.iter().flat_map(Contact::email_addresses),
                    &email,
                    full,
                )
                && tags
                    .as_ref()
                    .is_none_or(|tags| c.tags.iter().any(|t| tags.contains(&t.to_lowercase())))
                && serviced.matches(c.last_serviced_date.as_ref())
                && effective.matches(c.agreement.as_ref().map(|a| &a.effective))
                && expires.matches(c.agreement.as_ref().map(|a| &a.expires))
        })
        .collect())
}

/// The filters jobs and estimates share.
struct OrderFilter {
    statuses: Option<Vec<i64>>,
    number: Option<String>,
    po_number: Option<String>,
    customer_name: Option<String>,
    parent_customer_name: Option<String>,
    contact_first_name: Option<String>,
    contact_last_name: Option<String>,
    address: Option<String>,
    city: Option<String>,
    zip_code: Option<String>,
    phone: Option<String>,
    email: Option<String>,
    categories: Option<Vec<i64>>,
    sources: Option<Vec<i64>>,
    start: DateRange,
    end: DateRange,
}

impl OrderFilter {
    fn read(r: &mut Reader, store: &Store, scope: StatusScope) -> Self {
        Self {
            statuses: resolved(&r.list("status"), |v| store.find_status(v, scope)),
            number: r.text("number"),
            po_number: r.text("po_number"),
            customer_name: r.text("customer_name"),
            parent_customer_name: r.text("parent_customer_name"),
            contact_first_name: r.text("contact_first_name"),
            contact_last_name: r.text("contact_last_name"),
            address: r.text("address"),
            city: r.text("city"),
            zip_code: r.text("zip_code"),
            phone: r.text("phone"),
            email: r.text("email"),
            categories: resolved(&r.text("category").map(|c| vec![c]), |v| {
                store.find_category(v)
            }),
            sources: resolved(&r.text("source").map(|s| vec![s]), |v| store.find_source(v)),
            start: r.dates("start_date"),
            end: r.dates("end_date"),
        }
    }

    fn matches(&self, o: &Order, store: &Store) -> bool {
        let customer = store.customers.get(&o.customer_id);
        let parent = customer
            .and_then(|c| c.parent_id)
            .and_then(|p| store.customers.get(&p));
        let contact = customer.and_then(|c| o.contact_id.and_then(|id| c.contact(id)));
        let a = &o.address;
        one_of(Some(o.status_id), &self.statuses)
            && full(Some(&o.number), &self.number)
            && full(o.po_number.as_deref(), &self.po_number)
            && partial(customer.map(|c| c.name.as_str()), &self.customer_name)
            && partial(parent.map(|c| c.name.as_str()), &self.parent_customer_name)
            && partial(o.contact_first_name.as_deref(), &self.contact_first_name)
            && partial(o.contact_last_name.as_deref(), &self.contact_last_name)
            && any(
                a.street_1.iter().chain(&a.street_2).map(String::as_str),
                &self.address,
                partial,
            )
            && full(a.city.as_deref(), &self.city)
            && full(a.postal_code.as_deref(), &self.zip_code)
            && any(
                contact.into_iter().flat_map(Contact::phone_numbers),
                &self.phone,
                partial,
            )
            && any(
                contact.into_iter().flat_map(Contact::email_addresses),
                &self.email,
                full,
            )
            && one_of(o.category_id, &self.categories)
            && one_of(o.source_id, &self.sources)
            && self.start.matches(o.start_date.as_ref())
            && self.end.matches(o.end_date.as_ref())
    }
}

pub fn jobs<'a>(store: &'a Store, params: &Params) -> Result<Vec<&'a Job>, ApiError> {
    let mut r = Reader::new(params);
    let common = OrderFilter::read(&mut r, store, StatusScope::Jobs);
    let invoice_number = r.text("invoice_number");
    let updated = r.times("updated_date");
    let closed = r.times("closed_date");
    r.finish()?;
    Ok(store
        .jobs
        .values()
        .filter(|j| {
            common.matches(&j.order, store)
                && invoice_number.as_ref().is_none_or(|n| {
                    j.invoice_ids
                        .iter()
                        .filter_map(|id| store.invoices.get(id))
                        .any(|i| i.number.to_string() == *n)
                })
                && updated.matches(Some(&j.order.updated_at))
                && closed.matches(j.closed_at.as_ref())
        })
        .collect())
}

pub fn estimates<'a>(store: &'a Store, params: &Params) -> Result<Vec<&'a Estimate>, ApiError> {
    let mut r = Reader::new(params);
    let common = OrderFilter::read(&mut r, store, StatusScope::Estimates);
    // The estimate was requested when it was created (`created_at` is settable on create).
    let requested = r.times("requested_date");
    r.finish()?;
    Ok(store
        .estimates
        .values()
        .filter(|e| common.matches(&e.order, store) && requested.matches(Some(&e.order.created_at)))
        .collect())
}

pub fn techs<'a>(store: &'a Store, params: &Params) -> Result<Vec<&'a Tech>, ApiError> {
    let r = Reader::new(params);
    let first = r.text("first_name");
    let last = r.text("last_name");
    let email = r.text("email");
    let workorder = r.text("nickname_on_workorder");
    let dispatch = r.text("nickname_on_dispatch");
    r.finish()?;
    Ok(store
        .techs
        .values()
        .filter(|t| {
            partial(Some(&t.first_name), &first)
                && partial(Some(&t.last_name), &last)
                && partial(Some(&t.email), &email)
                && partial(Some(&t.nickname_on_workorder), &workorder)
                && partial(Some(&t.nickname_on_dispatch), &dispatch)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_inclusive_and_need_a_value() {
        let d = |s| parse_date(s);
        let r = DateRange {
            gte: d("2024-01-01"),
            lte: d("2024-01-31"),
        };
        assert!(r.matches(d("2024-01-01").as_ref()) && r.matches(d("2024-01-31").as_ref()));
        assert!(!r.matches(d("2024-02-01").as_ref()) && !r.matches(None));
        assert!(DateRange::default().matches(None));
    }

    #[test]
    fn malformed_dates_are_reported_by_filter_name() {
        let p = Params::parse(Some(
            "filters[start_date][gte]=01/02/2024&filters[updated_date][lte]=yesterday",
        ));
        let mut r = Reader::new(&p);
        let _ = r.dates("start_date");
        let _ = r.times("updated_date");
        assert_eq!(r.errors.len(), 2);
        assert_eq!(r.errors[0].field, "start_date");
        assert_eq!(
            r.errors[0].message,
            "Start Date must be a date in the format Y-m-d."
        );
        assert_eq!(r.errors[1].field, "updated_date");
    }

    #[test]
    fn a_plain_date_is_the_whole_day_for_timestamps() {
        let p = Params::parse(Some("filters[closed_date][lte]=2024-03-05"));
        let mut r = Reader::new(&p);
        let range = r.times("closed_date");
        let late = parse_timestamp("2024-03-05T23:00:00+00:00");
        assert!(range.matches(late.as_ref()));
    }
}
