//! Every tool against the fake ServiceFusion API, checked against the fake's own state;
//! the token paths (client credentials, authorization code, refresh), the rate limit
//! kept client-side and from the headers, and the errors a model must act on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::collections::BTreeSet;

use connector_core::{
    Budget, CredentialKind, ErrorKind, Upstream, UpstreamConfig,
    fake::Fault,
    testkit::{Harness, WithFake},
};
use connector_servicefusion::fake::{FakeOptions, FakeServiceFusion, start_with};
use serde_json::{Value, json};

type Fixture = WithFake<FakeServiceFusion>;

fn upstream() -> Upstream {
    Upstream::new(UpstreamConfig {
        base_delay_ms: 5,
        max_delay_ms: 200,
        max_queue_ms: 2_000,
        ..UpstreamConfig::default()
    })
    .unwrap()
}

async fn harness_with(options: FakeOptions, client_rpm: u32) -> Fixture {
    connector_core::http::install_crypto_provider();
    let fake = start_with(options).await.unwrap();
    let mut config = fake.account().config;
    config["requests_per_minute"] = json!(client_rpm);
    let tools = Harness::new(
        connector_core::erase(connector_servicefusion::ServiceFusion).unwrap(),
        config,
        &fake.account().credentials,
        &upstream(),
    );
    Fixture { fake, tools }
}

/// A fake without a rate limit, and a client allowed plenty: for the tools themselves.
async fn harness() -> Fixture {
    harness_with(
        FakeOptions {
            requests_per_minute: 0,
            ..FakeOptions::default()
        },
        600,
    )
    .await
}

/// The queries the fake received for `path` (`/v1/jobs`), decoded.
fn queries(h: &Fixture, path: &str) -> Vec<String> {
    h.fake
        .request_log()
        .into_iter()
        .filter(|(m, p)| m == "GET" && p.split('?').next() == Some(path))
        .map(|(_, p)| p)
        .collect()
}

/// The company's open statuses, as the statuses tool lists them.
async fn open_statuses(h: &Fixture) -> BTreeSet<String> {
    let statuses = h.call("servicefusion_list_job_statuses", json!({})).await;
    statuses["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["category"].as_str().unwrap().starts_with("OPEN"))
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect()
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(id).collect()
}

/// A customer of the seed with several jobs, found through the jobs list.
async fn busy_customer(h: &Fixture) -> (i64, String) {
    let jobs = h
        .call("servicefusion_list_jobs", json!({"limit": 50}))
        .await;
    let mut counts = std::collections::BTreeMap::<i64, (usize, String)>::new();
    for j in jobs["items"].as_array().unwrap() {
        let e = counts
            .entry(id(&j["customer"]))
            .or_insert((0, j["customer"]["name"].as_str().unwrap().to_owned()));
        e.0 += 1;
    }
    let (cid, (_, name)) = counts.into_iter().max_by_key(|(_, (n, _))| *n).unwrap();
    (cid, name)
}

#[tokio::test]
async fn customers_are_found_by_phone_name_city_and_dates() {
    let h = harness().await;
    let first = h
        .call("servicefusion_search_customers", json!({"limit": 5}))
        .await;
    assert!(
        first["total"].as_u64().unwrap() >= 300,
        "{}",
        first["total"]
    );
    let c = &first["items"][0];
    assert!(c.get("_expandable").is_none());
    assert!(c.get("customer_name").is_none(), "name is `name`: {c}");
    let raw = h.fake.record("customers", id(c)).unwrap();
    assert_eq!(c["name"], raw["customer_name"]);

    // By phone: a number from the fake's own record finds that customer.
    let phone = raw["contacts"][0]["phones"][0]["phone"]
        .as_str()
        .unwrap()
        .to_owned();
    let tail = &phone[phone.len() - 8..];
    let found = h
        .call("servicefusion_search_customers", json!({"phone": tail}))
        .await;
    assert!(
        ids(found["items"].as_array().unwrap()).contains(&id(c)),
        "{tail}: {found}"
    );
    let shown = found["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| id(x) == id(c))
        .unwrap();
    assert!(shown["contacts"].to_string().contains(&phone), "{shown}");

    // By part of a name, case aside.
    let name = raw["customer_name"].as_str().unwrap();
    let part = name.split_whitespace().next().unwrap().to_lowercase();
    let by_name = h
        .call(
            "servicefusion_search_customers",
            json!({"name": part, "limit": 200}),
        )
        .await;
    for x in by_name["items"].as_array().unwrap() {
        assert!(
            x["name"].as_str().unwrap().to_lowercase().contains(&part),
            "{x}"
        );
    }
    assert!(ids(by_name["items"].as_array().unwrap()).contains(&id(c)));

    // By city (whole name), and last serviced in a range.
    let city = raw["locations"][0]["city"].as_str().unwrap();
    let in_city = h
        .call(
            "servicefusion_search_customers",
            json!({"city": city, "limit": 200}),
        )
        .await;
    assert!(in_city["total"].as_u64().unwrap() >= 1);
    let recent = h
        .call(
            "servicefusion_search_customers",
            json!({"last_serviced_from": "2000-01-01", "sort": "last_serviced", "limit": 10}),
        )
        .await;
    let dates: Vec<&str> = recent["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|x| x["last_serviced_date"].as_str())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(dates, sorted, "newest service first");

    // What was asked upstream: only the fields shown, contacts expanded, a sort.
    let q = queries(&h, "/v1/customers");
    let last = q.last().unwrap();
    assert!(last.contains("fields=id,customer_name"), "{last}");
    assert!(last.contains("expand=contacts,contacts.phones"), "{last}");
    assert!(last.contains("sort=-last_serviced_date"), "{last}");
    assert!(
        last.contains("filters[last_serviced_date][gte]=2000-01-01"),
        "{last}"
    );

    // A bad date is refused before anything is sent.
    let e = h
        .fails(
            "servicefusion_search_customers",
            json!({"last_serviced_from": "03/01/2026"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("last_serviced_from"), "{e}");
}

#[tokio::test]
async fn paging_covers_every_customer_once_and_asks_for_what_is_needed() {
    let h = harness().await;
    let all = h
        .all_items(
            "servicefusion_search_customers",
            json!({"limit": 40}),
            Budget::default(),
        )
        .await;
    let total = h
        .call("servicefusion_search_customers", json!({"limit": 1}))
        .await["total"]
        .as_u64()
        .unwrap() as usize;
    let unique: BTreeSet<i64> = ids(&all).into_iter().collect();
    assert_eq!(unique.len(), all.len(), "a customer came twice");
    assert_eq!(all.len(), total);
    // 40 at a time is under ServiceFusion's maximum page: asked for as such.
    let q = queries(&h, "/v1/customers");
    assert!(q.iter().any(|p| p.contains("per-page=40")), "{q:?}");
    assert!(
        q.iter()
            .all(|p| !p.contains("per-page=5") || p.contains("per-page=50"))
    );

    // 120 at once takes three pages of 50, never more than 50 a page.
    let before = queries(&h, "/v1/customers").len();
    let big = h
        .try_call_with(
            &h.client,
            "servicefusion_search_customers",
            json!({"limit": 120}),
            Budget::new(400_000),
        )
        .await
        .unwrap();
    assert_eq!(big["returned"], 120);
    // Within the default budget the same call says how far it got, and where to go on.
    let cut = h
        .call("servicefusion_search_customers", json!({"limit": 120}))
        .await;
    let returned = cut["returned"].as_u64().unwrap();
    assert!(returned < 120 && cut["truncated"] == true, "{returned}");
    let next = h
        .call(
            "servicefusion_search_customers",
            json!({"limit": 120, "cursor": cut["next_cursor"]}),
        )
        .await;
    assert_eq!(
        ids(next["items"].as_array().unwrap())[0],
        ids(big["items"].as_array().unwrap())[returned as usize],
        "the next page starts where the budget cut"
    );
    let asked: Vec<String> = queries(&h, "/v1/customers")[before..].to_vec();
    assert_eq!(asked.len(), 3 + 3 + 3, "{asked:?}");
    assert!(asked.iter().all(|p| p.contains("per-page=50")), "{asked:?}");

    // A small budget still pages, each page within it, with nothing lost.
    let small = h
        .all_items(
            "servicefusion_search_customers",
            json!({"city": "Austin"}),
            Budget::new(4_000),
        )
        .await;
    let whole = h
        .try_call_with(
            &h.client,
            "servicefusion_search_customers",
            json!({"city": "Austin", "limit": 200}),
            Budget::new(1_000_000),
        )
        .await
        .unwrap();
    assert_eq!(
        whole["next_cursor"],
        Value::Null,
        "all of Austin in one page"
    );
    assert_eq!(ids(&small), ids(whole["items"].as_array().unwrap()));

    // A cursor belongs to its query.
    let p1 = h
        .call(
            "servicefusion_search_customers",
            json!({"city": "Austin", "limit": 2}),
        )
        .await;
    let e = h
        .fails(
            "servicefusion_search_customers",
            json!({"city": "Dallas", "cursor": p1["next_cursor"]}),
        )
        .await;
    assert!(e.message().contains("cursor"), "{e}");
}

#[tokio::test]
async fn one_customer_with_contacts_equipment_and_job_history() {
    let h = harness().await;
    let (cid, name) = busy_customer(&h).await;
    let by_id = h
        .call("servicefusion_get_customer", json!({"customer": cid}))
        .await;
    let by_name = h
        .call(
            "servicefusion_get_customer",
            json!({"customer": name.to_uppercase()}),
        )
        .await;
    assert_eq!(by_id, by_name);
    assert_eq!(by_id["name"], name);
    assert!(by_id["contacts"].as_array().is_some_and(|c| !c.is_empty()));
    assert!(by_id["locations"][0]["address"].is_string(), "{by_id}");
    assert!(by_id.get("custom_fields").is_none(), "only on request");
    let custom_id = (1..=5_000)
        .filter_map(|i| h.fake.record("customers", i))
        .find(|c| c["custom_fields"].as_array().is_some_and(|f| !f.is_empty()))
        .map(|c| id(&c))
        .expect("a customer with custom fields");
    let with_custom = h
        .call(
            "servicefusion_get_customer",
            json!({"customer": custom_id, "include": ["custom_fields"]}),
        )
        .await;
    assert!(with_custom["custom_fields"].is_object(), "{with_custom}");
    assert!(with_custom.get("contacts").is_none());

    // Equipment: the list and one piece, as the fake has them.
    let owner = (1..=2_000)
        .find_map(|i| {
            let c = h.fake.record("customers", i)?;
            let _ = c.get("id")?;
            Some(i)
        })
        .unwrap();
    let mut with_equipment = None;
    for cid in owner..owner + 400 {
        let eq = h
            .try_call(
                "servicefusion_list_customer_equipment",
                json!({"customer": cid}),
            )
            .await;
        if let Ok(eq) = eq
            && eq["total"].as_u64().unwrap_or(0) > 0
        {
            with_equipment = Some((cid, eq));
            break;
        }
    }
    let (eq_customer, eq) = with_equipment.expect("a customer with equipment");
    let piece = &eq["items"][0];
    assert_eq!(piece["customer"]["id"], eq_customer, "{piece}");
    let one = h
        .call(
            "servicefusion_get_equipment",
            json!({"customer": eq_customer, "equipment_id": id(piece)}),
        )
        .await;
    assert_eq!(one["serial_number"], piece["serial_number"]);
    let e = h
        .fails(
            "servicefusion_get_equipment",
            json!({"customer": eq_customer, "equipment_id": 999_999_999}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message()
            .contains("servicefusion_list_customer_equipment"),
        "{e}"
    );

    // Job history: this customer's jobs only, newest first, all of them.
    let history = h
        .all_items(
            "servicefusion_list_customer_jobs",
            json!({"customer": cid, "limit": 10}),
            Budget::default(),
        )
        .await;
    assert!(history.len() >= 2, "{history:?}");
    assert!(history.iter().all(|j| j["customer"]["id"] == cid));
    let starts: Vec<&str> = history
        .iter()
        .filter_map(|j| j["start_date"].as_str())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted);
    let raw_count = (1..=10_000)
        .filter_map(|i| h.fake.record("jobs", i))
        .filter(|j| j["customer_id"] == cid)
        .count();
    assert_eq!(history.len(), raw_count, "every job of the customer");

    // A name that is nobody's: the error says how to find the customer.
    let e = h
        .fails(
            "servicefusion_get_customer",
            json!({"customer": "Zebulon Quux"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message().contains("servicefusion_search_customers"),
        "{e}"
    );
}

#[tokio::test]
async fn a_customer_is_created_with_contacts_and_locations_and_read_back() {
    let h = harness().await;
    let created = h
        .call(
            "servicefusion_create_customer",
            json!({
                "customer_name": "Fernandez & Daughters Bakery",
                "contacts": [{"first_name": "Lucia", "last_name": "Fernandez", "is_primary": true,
                              "phones": [{"number": "512-555-0199", "type": "Mobile"}],
                              "emails": ["lucia@fernandez-bakery.example"]}],
                "locations": [{"street_1": "410 Congress Ave", "city": "Austin", "state": "TX",
                               "postal_code": "78701", "is_primary": true, "nickname": "Shop"}],
                "credit_rating": "A+",
                "is_vip": true,
                "custom_fields": {}
            }),
        )
        .await;
    let cid = id(&created);
    assert_eq!(created["name"], "Fernandez & Daughters Bakery");
    assert_eq!(created["credit_rating"], "A+");
    let raw = h.fake.record("customers", cid).unwrap();
    assert_eq!(raw["contacts"][0]["phones"][0]["phone"], "512-555-0199");
    assert_eq!(raw["locations"][0]["city"], "Austin");
    // It is found at once by the phone it was given.
    let found = h
        .call(
            "servicefusion_search_customers",
            json!({"phone": "555-0199"}),
        )
        .await;
    assert!(ids(found["items"].as_array().unwrap()).contains(&cid));

    // The same name again: a conflict that says so.
    let e = h
        .fails(
            "servicefusion_create_customer",
            json!({"customer_name": "Fernandez & Daughters Bakery"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::Conflict, "{e}");
    assert!(e.message().contains("customer_name"), "{e}");
    // A name over 45 characters never leaves the gateway.
    let before = h.fake.count("POST /v1/customers");
    let e = h
        .fails(
            "servicefusion_create_customer",
            json!({"customer_name": "x".repeat(46)}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains("customer_name"), "{e}");
    let e = h
        .fails(
            "servicefusion_create_customer",
            json!({"customer_name": "   "}),
        )
        .await;
    assert!(e.message().contains("customer_name"), "{e}");
    assert_eq!(h.fake.count("POST /v1/customers"), before);
    // A credit rating ServiceFusion does not know is refused by the schema.
    let e = h
        .fails(
            "servicefusion_create_customer",
            json!({"customer_name": "Rating Test", "credit_rating": "AAA"}),
        )
        .await;
    assert!(e.message().contains("credit_rating"), "{e}");
}

#[tokio::test]
async fn jobs_list_filter_and_read_with_what_they_hold() {
    let h = harness().await;
    let statuses = h.call("servicefusion_list_job_statuses", json!({})).await;
    let names: Vec<String> = statuses["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(names.len() >= 8, "{names:?}");

    let page = h
        .call("servicefusion_list_jobs", json!({"limit": 10}))
        .await;
    assert!(
        page["total"].as_u64().unwrap() >= 3_000,
        "{}",
        page["total"]
    );
    let job = &page["items"][0];
    assert!(
        job["customer"]["id"].is_i64() && job["customer"]["name"].is_string(),
        "{job}"
    );
    assert!(job.get("customer_id").is_none() && job.get("_expandable").is_none());
    // Newest first, and every job list is sorted explicitly.
    let starts: Vec<&str> = page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|j| j["start_date"].as_str())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(starts, sorted);

    // Filters: a status, a city and a start range together.
    let status = &names[0];
    let filtered = h
        .call(
            "servicefusion_list_jobs",
            json!({"status": [status.to_lowercase()], "start_from": "2020-01-01", "limit": 50}),
        )
        .await;
    for j in filtered["items"].as_array().unwrap() {
        assert_eq!(&j["status"], status, "{j}");
        assert!(j["start_date"].as_str().unwrap() >= "2020-01-01");
    }
    let closed = h
        .call(
            "servicefusion_list_jobs",
            json!({"closed_from": "2000-01-01", "sort": "recently_updated", "limit": 5}),
        )
        .await;
    assert!(
        closed["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|j| j["closed_at"].is_string())
    );
    let q = queries(&h, "/v1/jobs");
    assert!(
        q.iter()
            .any(|p| p.contains("filters[closed_date][gte]=2000-01-01T00:00:00+00:00")),
        "{q:?}"
    );
    // A status the company does not use is refused with the list of those it does.
    let e = h
        .fails("servicefusion_list_jobs", json!({"status": ["Teleported"]}))
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.message().contains(status.as_str()), "{e}");

    // One job: by id and by number, with technicians, visits and notes.
    let jid = id(job);
    let full = h
        .call("servicefusion_get_job", json!({"job_id": jid}))
        .await;
    let by_number = h
        .call("servicefusion_get_job", json!({"number": job["number"]}))
        .await;
    assert_eq!(full, by_number);
    let raw = h.fake.record("jobs", jid).unwrap();
    let raw_techs: BTreeSet<i64> = raw["techs_assigned"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    let techs: BTreeSet<i64> = full["techs"]
        .as_array()
        .map(|t| t.iter().map(id).collect())
        .unwrap_or_default();
    assert_eq!(techs, raw_techs, "{full}");
    let money = h
        .call(
            "servicefusion_get_job",
            json!({"job_id": jid, "include": ["products", "services", "payments", "invoices"]}),
        )
        .await;
    assert_eq!(money["currency"], "USD");
    assert!(money["total"].is_number(), "{money}");
    assert!(money.get("techs").is_none(), "only what was asked");

    let e = h
        .fails("servicefusion_get_job", json!({"job_id": 987_654_321}))
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(
        e.message().contains("987654321") && e.message().contains("servicefusion_list_jobs"),
        "{e}"
    );
    let e = h.fails("servicefusion_get_job", json!({})).await;
    assert!(e.message().contains("job_id"), "{e}");
    assert_eq!(
        h.fake.unsorted_job_lists(),
        0,
        "every job list carried a sort"
    );
}

#[tokio::test]
async fn open_jobs_are_those_in_open_statuses() {
    let h = harness().await;
    let open = open_statuses(&h).await;
    assert!(!open.is_empty());
    let jobs = h
        .all_items(
            "servicefusion_list_open_jobs",
            json!({"limit": 100}),
            Budget::default(),
        )
        .await;
    assert!(!jobs.is_empty());
    for j in &jobs {
        assert!(open.contains(j["status"].as_str().unwrap()), "{j}");
    }
    let raw_open = (1..=10_000)
        .filter_map(|i| h.fake.record("jobs", i))
        .filter(|j| open.contains(j["status"].as_str().unwrap_or("")))
        .count();
    assert_eq!(jobs.len(), raw_open);
    let starts: Vec<&str> = jobs
        .iter()
        .filter_map(|j| j["start_date"].as_str())
        .collect();
    let mut sorted = starts.clone();
    sorted.sort();
    assert_eq!(starts, sorted, "earliest first");
}

#[tokio::test]
async fn a_job_is_created_for_a_customer_and_read_back() {
    let h = harness().await;
    let (cid, name) = busy_customer(&h).await;
    let techs = h
        .call("servicefusion_list_techs", json!({"limit": 3}))
        .await;
    let tech = &techs["items"][0];
    let statuses = h.call("servicefusion_list_job_statuses", json!({})).await;
    let scheduled = statuses["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["category"] == "OPEN_ACTIVE")
        .unwrap()["name"]
        .clone();
    let categories = h.call("servicefusion_list_job_categories", json!({})).await;
    let category = categories["items"][0]["name"].clone();
    let created = h
        .call(
            "servicefusion_create_job",
            json!({
                "customer": name,
                "description": "No heat upstairs; thermostat blank",
                "status": scheduled,
                "priority": "High",
                "category": category,
                "techs": [tech["name"]],
                "start_date": "2027-01-12",
                "time_frame_start": "08:00",
                "time_frame_end": "10:00",
                "duration_minutes": 90,
                "notes": ["Dog in the yard"],
            }),
        )
        .await;
    let jid = id(&created);
    assert_eq!(created["customer"]["id"], cid);
    assert_eq!(created["status"], scheduled);
    assert_eq!(created["time_frame"], "08:00-10:00");
    assert_eq!(created["duration_minutes"], 90);
    let back = h
        .call("servicefusion_get_job", json!({"job_id": jid}))
        .await;
    assert_eq!(back["techs"][0]["id"], tech["id"], "{back}");
    assert_eq!(back["notes"][0]["text"], "Dog in the yard");
    let raw = h.fake.record("jobs", jid).unwrap();
    assert_eq!(raw["priority"], "High");
    assert_eq!(raw["duration"], 5400);
    // Contact and address came from the customer's primary ones.
    assert!(back["contact"]["name"].is_string(), "{back}");
    assert!(back["location"]["address"].is_string(), "{back}");
    // The customer's history shows it at once.
    let history = h
        .call(
            "servicefusion_list_customer_jobs",
            json!({"customer": cid, "limit": 200}),
        )
        .await;
    assert!(ids(history["items"].as_array().unwrap()).contains(&jid));

    // What ServiceFusion refuses comes back naming the field and where to look.
    let e = h
        .fails(
            "servicefusion_create_job",
            json!({"customer": name, "status": "Teleported"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message().contains("status") && e.message().contains("servicefusion_list_job_statuses"),
        "{e}"
    );
    let e = h
        .fails(
            "servicefusion_create_job",
            json!({"customer": "Nobody At All Inc"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(
        e.message().contains("servicefusion_search_customers"),
        "{e}"
    );
    let e = h
        .fails(
            "servicefusion_create_job",
            json!({"customer": cid, "start_date": "2027-01-12", "end_date": "2027-01-10"}),
        )
        .await;
    assert!(e.message().contains("end_date"), "{e}");
    let e = h
        .fails(
            "servicefusion_create_job",
            json!({"customer": cid, "time_frame_start": "8am"}),
        )
        .await;
    assert!(e.message().contains("time_frame_start"), "{e}");
}

#[tokio::test]
async fn estimates_list_read_open_and_create() {
    let h = harness().await;
    let list = h
        .call(
            "servicefusion_list_estimates",
            json!({"requested_from": "2000-01-01", "limit": 20}),
        )
        .await;
    assert!(list["total"].as_u64().unwrap() >= 1);
    let est = &list["items"][0];
    let full = h
        .call(
            "servicefusion_get_estimate",
            json!({"estimate_id": id(est)}),
        )
        .await;
    assert_eq!(full["number"], est["number"]);
    let by_number = h
        .call(
            "servicefusion_get_estimate",
            json!({"number": est["number"]}),
        )
        .await;
    assert_eq!(id(&by_number), id(est));
    let q = queries(&h, "/v1/estimates");
    assert!(
        q.iter()
            .any(|p| p.contains("filters[requested_date][gte]=2000-01-01")),
        "{q:?}"
    );

    // Open estimates of one customer: only theirs, only open.
    let open = open_statuses(&h).await;
    let mut checked = 0;
    for e in (1..=10_000).filter_map(|i| h.fake.record("estimates", i)) {
        if !open.contains(e["status"].as_str().unwrap_or("")) {
            continue;
        }
        let cid = e["customer_id"].as_i64().unwrap();
        let theirs = h
            .all_items(
                "servicefusion_list_open_estimates",
                json!({"customer": cid, "limit": 5}),
                Budget::default(),
            )
            .await;
        let expected: BTreeSet<i64> = (1..=10_000)
            .filter_map(|i| h.fake.record("estimates", i))
            .filter(|x| {
                x["customer_id"] == cid && open.contains(x["status"].as_str().unwrap_or(""))
            })
            .map(|x| x["id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids(&theirs).into_iter().collect::<BTreeSet<_>>(), expected);
        checked += 1;
        if checked == 3 {
            break;
        }
    }
    assert_eq!(checked, 3, "the seed has open estimates");

    let (cid, _) = busy_customer(&h).await;
    let created = h
        .call(
            "servicefusion_create_estimate",
            json!({"customer": cid, "description": "Replace 15-year-old furnace", "opportunity_rating": 4, "tags": ["replacement"]}),
        )
        .await;
    let eid = id(&created);
    assert_eq!(created["customer"]["id"], cid);
    let raw = h.fake.record("estimates", eid).unwrap();
    assert_eq!(raw["opportunity_rating"], 4);
}

#[tokio::test]
async fn technicians_their_jobs_and_schedule() {
    let h = harness().await;
    let techs = h
        .all_items("servicefusion_list_techs", json!({}), Budget::default())
        .await;
    assert!(techs.len() >= 10, "{techs:?}");
    let t = &techs[0];
    let first = h.fake.record("techs", id(t)).unwrap()["first_name"]
        .as_str()
        .unwrap()
        .to_owned();
    let filtered = h
        .call("servicefusion_list_techs", json!({"first_name": first}))
        .await;
    assert!(ids(filtered["items"].as_array().unwrap()).contains(&id(t)));
    let by_name = h
        .call("servicefusion_get_tech", json!({"tech": t["name"]}))
        .await;
    assert_eq!(id(&by_name), id(t));
    let e = h
        .fails("servicefusion_get_tech", json!({"tech": "Nobody Atall"}))
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);

    // A technician's jobs: each one has them assigned, and none is missed.
    let from = "2000-01-01";
    let mut best = (0, 0usize);
    for tech in &techs {
        let n = (1..=10_000)
            .filter_map(|i| h.fake.record("jobs", i))
            .filter(|j| {
                j["techs_assigned"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|x| x["id"] == tech["id"])
            })
            .count();
        if n > best.1 {
            best = (id(tech), n);
        }
    }
    let today = connector_core::IsoDate::today();
    let jobs = h
        .all_items(
            "servicefusion_list_tech_jobs",
            json!({"tech": best.0, "from": today.plus_days(-30).iso(), "to": today.plus_days(30).iso()}),
            Budget::default(),
        )
        .await;
    assert!(!jobs.is_empty());
    for j in &jobs {
        let raw = h.fake.record("jobs", id(j)).unwrap();
        let assigned = raw["techs_assigned"]
            .as_array()
            .unwrap()
            .iter()
            .chain(
                raw["visits"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .flat_map(|v| v["techs_assigned"].as_array().into_iter().flatten()),
            )
            .any(|x| x["id"] == best.0);
        assert!(assigned, "{j}");
    }
    let e = h
        .fails(
            "servicefusion_list_tech_jobs",
            json!({"tech": best.0, "from": from, "to": "2026-12-31"}),
        )
        .await;
    assert!(e.message().contains("93 days"), "{e}");

    // The schedule: jobs and calendar tasks of the week.
    let schedule = h
        .call(
            "servicefusion_get_tech_schedule",
            json!({"tech": best.0, "from": today.plus_days(-3).iso(), "to": today.plus_days(7).iso()}),
        )
        .await;
    assert_eq!(schedule["tech"]["id"], best.0);
    assert!(schedule["jobs"].is_array() && schedule["calendar_tasks"].is_array());
    for task in schedule["calendar_tasks"].as_array().unwrap() {
        assert!(
            task["techs"]
                .as_array()
                .unwrap()
                .iter()
                .any(|x| x["id"] == best.0),
            "{task}"
        );
    }
}

#[tokio::test]
async fn invoices_calendar_tasks_lookups_and_me() {
    let h = harness().await;
    let invoices = h
        .call("servicefusion_list_invoices", json!({"limit": 5}))
        .await;
    let inv = &invoices["items"][0];
    assert_eq!(inv["currency"], "USD");
    assert!(inv["total"].is_number());
    let one = h
        .call("servicefusion_get_invoice", json!({"invoice_id": id(inv)}))
        .await;
    assert_eq!(one["number"], inv["number"]);
    assert!(one.get("qbo_sync_token").is_none());

    let tasks = h
        .call("servicefusion_list_calendar_tasks", json!({"limit": 5}))
        .await;
    let task = &tasks["items"][0];
    let one = h
        .call(
            "servicefusion_get_calendar_task",
            json!({"task_id": id(task)}),
        )
        .await;
    assert_eq!(one["description"], task["description"]);
    if let Some(t) = one["techs"].as_array().and_then(|t| t.first()) {
        assert!(t["name"].is_string(), "technicians are named: {one}");
    }

    for (tool, min) in [
        ("servicefusion_list_job_statuses", 8),
        ("servicefusion_list_job_categories", 5),
        ("servicefusion_list_sources", 5),
        ("servicefusion_list_payment_types", 4),
    ] {
        let v = h.call(tool, json!({})).await;
        assert!(v["items"].as_array().unwrap().len() >= min, "{tool}: {v}");
    }
    // Lookups are read once and kept.
    let before = h.fake.count("GET /v1/job-statuses");
    h.call("servicefusion_list_job_statuses", json!({})).await;
    assert_eq!(h.fake.count("GET /v1/job-statuses"), before);

    let me = h.call("servicefusion_get_me", json!({})).await;
    assert!(me["name"].is_string() && me["email"].is_string(), "{me}");
}

#[tokio::test]
async fn client_credentials_tokens_are_reused_and_renewed() {
    let h = harness().await;
    for _ in 0..5 {
        h.call("servicefusion_get_me", json!({})).await;
    }
    assert_eq!(
        h.fake.token_grants("client_credentials"),
        1,
        "one token, reused"
    );
    // A token the API stops taking is replaced once, without the model noticing.
    h.fake.expire_access_tokens();
    h.call("servicefusion_get_me", json!({})).await;
    assert_eq!(h.fake.token_grants("client_credentials"), 2);
    // A secret that was changed in ServiceFusion: reconnect.
    h.fake.rotate_client_secret();
    h.fake.expire_access_tokens();
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::Unauthenticated, "{e}");
    assert!(e.message().contains("reconnect"), "{e}");
    assert!(e.message().contains("client id and secret"), "{e}");
    // Nothing secret in the error.
    let (cid, secret) = h.fake.client_credentials();
    assert!(!e.to_string().contains(&secret) && !format!("{e:?}").contains(&secret));
    assert!(
        !format!("{:?}", h.client).contains(&cid) || !format!("{:?}", h.client).contains(&secret)
    );

    // The gateway's refresh of client credentials is a new grant saved with them.
    let creds = h.fake.account().credentials;
    let renewed = h
        .connector
        .refresh(&h.config, &creds, &upstream())
        .await
        .unwrap()
        .expect("client credentials renew");
    assert!(renewed.get("access_token").is_some());
    let expires = h.connector.credentials_expire_at(&renewed).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires > now + 3_000 && expires <= now + 3_600, "{expires}");
    // Before the first grant the gateway is told the credentials need one.
    assert_eq!(h.connector.credentials_expire_at(&creds), Some(0));
}

#[tokio::test]
async fn a_signed_in_person_connects_refreshes_and_is_told_to_reconnect() {
    let h = harness().await;
    let up = upstream();
    let app = h.connector.oauth_app(&h.config).unwrap().unwrap();
    let redirect = "https://switchboard.example/connect/callback";
    let authorize = app.authorize_url(redirect, "st4te");
    assert!(authorize.as_str().contains("/oauth/authorize?"));
    assert!(authorize.as_str().contains("response_type=code"));
    assert!(
        !authorize.as_str().contains("scope="),
        "ServiceFusion has no scopes"
    );
    let code = h.fake.authorize_code(redirect);
    let tokens = app.exchange_code(&up, &code, redirect).await.unwrap();
    let creds = h
        .connector
        .complete_sign_in(&h.config, &tokens, &up)
        .await
        .unwrap();
    assert_eq!(creds.kind(), Some(CredentialKind::OAuth2AuthorizationCode));
    let client = h.connector.build(&h.config, &creds, &up).unwrap();
    h.try_call_with(
        &client,
        "servicefusion_get_me",
        json!({}),
        Budget::default(),
    )
    .await
    .unwrap();
    // A used code does not work twice.
    assert!(app.exchange_code(&up, &code, redirect).await.is_err());

    // Expired: the call says so (the gateway then refreshes); the refresh works and
    // rotates the refresh token.
    h.fake.expire_access_tokens();
    let e = h
        .try_call_with(
            &client,
            "servicefusion_get_me",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    let fresh = h
        .connector
        .refresh(&h.config, &creds, &up)
        .await
        .unwrap()
        .unwrap();
    let client = h.connector.build(&h.config, &fresh, &up).unwrap();
    h.try_call_with(
        &client,
        "servicefusion_get_me",
        json!({}),
        Budget::default(),
    )
    .await
    .unwrap();
    assert_eq!(h.fake.token_grants("refresh_token"), 1);
    let again = h
        .connector
        .refresh(&h.config, &creds, &up)
        .await
        .unwrap_err();
    assert_eq!(
        again.kind(),
        ErrorKind::Unauthenticated,
        "the old refresh token is spent"
    );
    assert!(again.message().contains("reconnect"), "{again}");
    h.fake.revoke_refresh_tokens();
    let e = h
        .connector
        .refresh(&h.config, &fresh, &up)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    // Credentials of both kinds print no secret.
    let shown = format!("{creds:?} {fresh:?}");
    for (k, v) in fresh.fields() {
        use connector_core::ExposeSecret;
        assert!(!shown.contains(v.expose_secret()), "{k} shown");
    }
}

#[tokio::test]
async fn the_budget_is_kept_client_side_and_from_the_headers() {
    // The client allows itself 3 a minute: the fourth call waits longer than the queue
    // allows and is answered "rate limited" without reaching ServiceFusion.
    let h = harness_with(
        FakeOptions {
            requests_per_minute: 0,
            ..FakeOptions::default()
        },
        3,
    )
    .await;
    for _ in 0..3 {
        h.call("servicefusion_get_me", json!({})).await;
    }
    let served = h.fake.count("GET /v1/me");
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    let wait = e.retry_after().unwrap().as_secs();
    assert!((40..=60).contains(&wait), "{wait}");
    assert_eq!(h.fake.count("GET /v1/me"), served, "the fourth never left");

    // ServiceFusion allows 4, the client thinks 60 (another replica used the rest): the
    // headers say 0 remaining, so the client holds further calls instead of earning 429s.
    let h = harness_with(
        FakeOptions {
            requests_per_minute: 4,
            ..FakeOptions::default()
        },
        60,
    )
    .await;
    for _ in 0..4 {
        h.call("servicefusion_get_me", json!({})).await;
    }
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.retry_after().unwrap().as_secs() >= 30, "{e:?}");
    assert_eq!(h.fake.rate_limited(), 0, "no 429 was earned");

    // A 429 that comes anyway (the fake says so once) is reported with its reset time.
    let h = harness().await;
    h.fake.control().inject(Fault::RateLimited, 1);
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.retry_after().is_some());
    assert!(e.message().contains("60 requests a minute"), "{e}");
}

#[tokio::test]
async fn upstream_failures_name_the_problem() {
    let h = harness().await;
    h.fake.control().inject(Fault::PermissionDenied, 1);
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.message().contains("Login Required"), "{e}");
    h.fake.control().inject(Fault::ServerError, 4);
    let e = h.fails("servicefusion_get_me", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::Upstream);
    assert!(e.is_retryable());
    h.fake.control().clear();
    // A write is never repeated blindly after a server error.
    let before = h.fake.count("POST /v1/customers");
    h.fake.control().inject(Fault::ServerError, 1);
    let e = h
        .fails(
            "servicefusion_create_customer",
            json!({"customer_name": "Once Only LLC"}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::Upstream);
    assert_eq!(h.fake.count("POST /v1/customers"), before + 1);
}
