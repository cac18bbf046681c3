//! The fake Worksection API over real HTTP: auth (md5 hash, OAuth), envelopes and error
//! codes, reads after writes, the search grammar, limits, faults and quirks.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use connector_core::fake::Fault;
use connector_worksection::fake::{Dataset, FakeOptions, FakeWorksection, start_with};
use md5::{Digest, Md5};
use serde_json::Value;

const OFFICIAL_KEY: &str = "7776461cd931e7b1c8e9632ff8e979ce";

fn md5_hex(s: &str) -> String {
    hex::encode(Md5::digest(s.as_bytes()))
}

fn client() -> reqwest::Client {
    connector_core::http::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

async fn fake_with(options: FakeOptions) -> FakeWorksection {
    start_with(options).await.unwrap()
}

async fn unlimited() -> FakeWorksection {
    fake_with(FakeOptions {
        requests_per_second: 0,
        ..FakeOptions::default()
    })
    .await
}

/// Percent-encodes like a form (space as `%20` so raw and decoded differ visibly).
fn enc(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

fn query(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Sends an admin call with the hash of the encoded query (what the PHP SDK does).
async fn admin_raw(http: &reqwest::Client, fake: &FakeWorksection, q: &str) -> reqwest::Response {
    let hash = md5_hex(&format!("{q}{}", fake.api_key()));
    http.post(format!("{}/api/admin/v2/?{q}&hash={hash}", fake.base_url()))
        .send()
        .await
        .unwrap()
}

async fn admin(http: &reqwest::Client, fake: &FakeWorksection, pairs: &[(&str, &str)]) -> Value {
    let resp = admin_raw(http, fake, &query(pairs)).await;
    assert_eq!(resp.status(), 200);
    resp.json().await.unwrap()
}

async fn oauth(
    http: &reqwest::Client,
    fake: &FakeWorksection,
    token: &str,
    q: &str,
) -> reqwest::Response {
    http.get(format!("{}/api/oauth2?{q}", fake.base_url()))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

fn ok_data(v: &Value) -> &Value {
    assert_eq!(v["status"], "ok", "{v}");
    &v["data"]
}

fn error_code(v: &Value) -> (i64, String) {
    assert_eq!(v["status"], "error", "{v}");
    (
        v["status_code"].as_i64().unwrap_or(-1),
        v["message"].as_str().unwrap_or("").to_owned(),
    )
}

fn find<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap_or_else(|| panic!("no {name} in {list}"))
}

#[tokio::test]
async fn hash_raw_and_decoded_accepted_wrong_refused() {
    let fake = unlimited().await;
    let http = client();
    let key = fake.api_key();
    let q = query(&[
        ("action", "search_tasks"),
        ("filter", "name has 'Worksection'"),
    ]);
    assert!(q.contains("%20"), "{q}");
    // The hash of the encoded query.
    let v: Value = admin_raw(&http, &fake, &q).await.json().await.unwrap();
    assert_eq!(ok_data(&v).as_array().unwrap().len(), 2, "{v}");
    // The hash of the decoded query.
    let decoded = "action=search_tasks&filter=name has 'Worksection'";
    let h = md5_hex(&format!("{decoded}{key}"));
    let url = format!("{}/api/admin/v2?{q}&hash={h}", fake.base_url());
    let v: Value = http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(v["status"], "ok", "{v}");
    // A wrong hash and a missing one.
    for suffix in ["&hash=0123456789abcdef0123456789abcdef", ""] {
        let url = format!("{}/api/admin/v2/?{q}{suffix}", fake.base_url());
        let resp = http.get(url).send().await.unwrap();
        assert_eq!(resp.status(), 200);
        let v: Value = resp.json().await.unwrap();
        assert_eq!(
            error_code(&v),
            (2, "Action hash is missed or invalid".to_owned())
        );
    }
}

#[tokio::test]
async fn the_official_hash_example() {
    let fake = fake_with(FakeOptions {
        api_key: Some(OFFICIAL_KEY.to_owned()),
        ..FakeOptions::default()
    })
    .await;
    assert_eq!(
        md5_hex(&format!("action=get_tasks&id_project=26{OFFICIAL_KEY}")),
        "ec3ab2c28f21b4a07424f8ed688d6644"
    );
    let url = format!(
        "{}/api/admin/v2/?action=get_tasks&id_project=26&hash=ec3ab2c28f21b4a07424f8ed688d6644",
        fake.base_url()
    );
    let v: Value = client()
        .get(url)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // Authenticated: the answer is about the project, not the hash.
    assert_eq!(error_code(&v), (4, "Project is invalid".to_owned()));
}

#[tokio::test]
async fn shapes_ids_are_strings_and_formats_match() {
    let fake = unlimited().await;
    let http = client();
    let projects = admin(
        &http,
        &fake,
        &[("action", "get_projects"), ("extra", "text,options,users")],
    )
    .await;
    let list = ok_data(&projects).as_array().unwrap();
    assert_eq!(list.len(), 4);
    for p in list {
        assert!(p["id"].is_string());
        assert!(p["user_from"]["id"].is_string());
        assert!(p["page"].as_str().unwrap().starts_with("/project/"));
        assert_eq!(p["date_added"].as_str().unwrap().len(), 16, "{p}");
        assert!(p["options"].is_object());
    }
    let pending = list.iter().find(|p| p["status"] == "pending").unwrap();
    assert_eq!(pending["user_to"]["email"], "NOONE");
    assert_eq!(pending["user_to"]["id"], "0");

    let tasks = admin(
        &http,
        &fake,
        &[
            ("action", "get_tasks"),
            ("id_project", "8562"),
            (
                "extra",
                "text,files,comments,relations,subtasks,subscribers",
            ),
        ],
    )
    .await;
    let dev = find(ok_data(&tasks), "Development");
    assert!(dev["id"].is_string());
    assert_eq!(dev["priority"], "7");
    assert_eq!(dev["date_start"].as_str().unwrap().len(), 10);
    assert_eq!(dev["time_start"], "08:00");
    assert!(dev["relations"]["from"].is_array() && dev["relations"]["to"].is_array());
    assert!(
        dev["tags"]
            .as_object()
            .unwrap()
            .values()
            .any(|v| v == "In progress")
    );
    assert_eq!(dev["has_comments"], 1);
    assert!(dev["comments"].as_array().unwrap().len() <= 5);
    let sprint = &dev["child"][0];
    assert_eq!(sprint["name"], "Sprint 1");
    let sub = &sprint["child"][0];
    let (dev_id, sub_id) = (dev["id"].as_str().unwrap(), sub["id"].as_str().unwrap());
    assert_eq!(sub["page"], format!("/project/8562/{dev_id}/{sub_id}/"));
    assert!(dev["files"][0]["size"].is_string());

    // Without extra: no text; special assignee.
    let all = admin(&http, &fake, &[("action", "get_all_tasks")]).await;
    let ws = find(ok_data(&all), "Worksection implementation");
    assert!(ws.get("text").is_none());
    assert_eq!(
        ws["user_to"],
        serde_json::json!({"id": "2", "email": "ANY", "name": "Anyone"})
    );

    // Text vs HTML.
    let id = ws["id"].as_str().unwrap();
    let t = admin(
        &http,
        &fake,
        &[("action", "get_task"), ("id_task", id), ("extra", "text")],
    )
    .await;
    let text = ok_data(&t)["text"].as_str().unwrap().to_owned();
    assert!(text.contains("\r\n• ") && !text.contains('<'), "{text}");
    let h = admin(
        &http,
        &fake,
        &[("action", "get_task"), ("id_task", id), ("extra", "html")],
    )
    .await;
    assert!(ok_data(&h)["text"].as_str().unwrap().contains("<li>"));

    // Users, groups, contact groups with mixed id types, tags as numbers.
    let users = admin(&http, &fake, &[("action", "get_users")]).await;
    let users = ok_data(&users).as_array().unwrap();
    assert!(users.len() >= 6 && users.iter().any(|u| u["role"] == "Guest"));
    let groups = admin(&http, &fake, &[("action", "get_contact_groups")]).await;
    let groups = ok_data(&groups).as_array().unwrap();
    assert!(groups[0]["id"].is_number() && groups.last().unwrap()["id"].is_string());
    let tags = admin(
        &http,
        &fake,
        &[("action", "get_task_tags"), ("group", "Basic workflow")],
    )
    .await;
    assert!(ok_data(&tags)[0]["id"].is_number());

    // Costs: h:mm and money strings, totals.
    let costs = admin(
        &http,
        &fake,
        &[("action", "get_costs"), ("id_project", "6622")],
    )
    .await;
    let row = &ok_data(&costs)[0];
    assert!(
        row["time"].as_str().unwrap().contains(':') && row["money"].as_str().unwrap().contains('.')
    );
    assert!(costs["total"]["time"].is_string());

    // Errors.
    let v = admin(&http, &fake, &[("action", "get_task"), ("id_task", "1")]).await;
    assert_eq!(error_code(&v), (5, "Task is invalid".to_owned()));
    let v = admin(&http, &fake, &[("action", "no_such_action")]).await;
    assert_eq!(error_code(&v), (1, "Action is invalid".to_owned()));
    let v = admin(&http, &fake, &[("action", "me")]).await;
    assert_eq!(error_code(&v).0, 1);
    let v = admin(
        &http,
        &fake,
        &[("action", "post_task"), ("id_project", "6622")],
    )
    .await;
    assert_eq!(v["message_details"], "title");
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "post_task"),
            ("id_project", "6622"),
            ("title", "x"),
            ("dateend", "2021-01-01"),
        ],
    )
    .await;
    assert_eq!(error_code(&v), (11, "Invalid date".to_owned()));
    assert_eq!(v["message_details"], "dateend");
}

#[tokio::test]
async fn writes_are_visible_in_later_reads() {
    let fake = unlimited().await;
    let http = client();
    let tasks = admin(
        &http,
        &fake,
        &[("action", "get_tasks"), ("id_project", "6622")],
    )
    .await;
    let parent = find(ok_data(&tasks), "Template creation")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let created = admin(
        &http,
        &fake,
        &[
            ("action", "post_task"),
            ("id_project", "6622"),
            ("id_parent", &parent),
            ("title", "Template review & sign-off"),
            ("email_user_to", "frank.harper@ws.com"),
            ("priority", "4"),
            ("text", "Check it"),
            ("todo[]", "layout"),
            ("todo[]", "copy"),
            ("datestart", "15.01.2030"),
            ("dateend", "17.01.2030"),
            ("tags", "design, To-do"),
            ("extra", "text"),
        ],
    )
    .await;
    let t = ok_data(&created);
    assert_eq!(t["text"], "Check it\r\n• layout\r\n• copy");
    assert_eq!(t["parent"]["id"], parent.as_str());
    assert_eq!(t["user_from"]["email"], "henry.gardner@ws.com");
    assert_eq!(t["date_end"], "2030-01-17");
    let id = t["id"].as_str().unwrap().to_owned();

    let got = admin(&http, &fake, &[("action", "get_task"), ("id_task", &id)]).await;
    assert_eq!(ok_data(&got)["name"], "Template review & sign-off");
    assert_eq!(ok_data(&got)["priority"], "4");

    admin(
        &http,
        &fake,
        &[
            ("action", "update_task"),
            ("id_task", &id),
            ("priority", "9"),
        ],
    )
    .await;
    let c = admin(
        &http,
        &fake,
        &[
            ("action", "post_comment"),
            ("id_task", &id),
            ("text", "line one\nline two"),
        ],
    )
    .await;
    assert_eq!(ok_data(&c)["text"], "line one\r\nline two");
    let comments = admin(
        &http,
        &fake,
        &[("action", "get_comments"), ("id_task", &id)],
    )
    .await;
    assert_eq!(ok_data(&comments).as_array().unwrap().len(), 1);

    let v = admin(
        &http,
        &fake,
        &[("action", "complete_task"), ("id_task", &parent)],
    )
    .await;
    assert_eq!(error_code(&v), (13, "Task has children".to_owned()));
    let v = admin(
        &http,
        &fake,
        &[("action", "complete_task"), ("id_task", &id)],
    )
    .await;
    assert_eq!(ok_data(&v)["status"], "done");
    let v = admin(
        &http,
        &fake,
        &[("action", "complete_task"), ("id_task", &id)],
    )
    .await;
    assert_eq!(error_code(&v).0, 12);
    let found = admin(
        &http,
        &fake,
        &[
            ("action", "search_tasks"),
            ("id_project", "6622"),
            ("status", "done"),
            ("filter", "name has 'sign-off'"),
        ],
    )
    .await;
    let found = ok_data(&found).as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["priority"], "9");
    assert!(found[0]["date_closed"].is_string());

    // Costs: admin needs email_user_from; the new row is listed and totalled.
    let v = admin(
        &http,
        &fake,
        &[("action", "add_costs"), ("id_task", &id), ("time", "1,5")],
    )
    .await;
    assert_eq!(v["message_details"], "email_user_from");
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "add_costs"),
            ("id_task", &id),
            ("time", "1,5"),
            ("money", "30"),
            ("email_user_from", "kate.greenway@ws.com"),
        ],
    )
    .await;
    assert!(v["id"].is_number(), "{v}");
    let costs = admin(&http, &fake, &[("action", "get_costs"), ("id_task", &id)]).await;
    assert_eq!(ok_data(&costs)[0]["time"], "1:30");
    assert_eq!(costs["total"]["money"], "30.00");
    let cost_id = v["id"].to_string();
    admin(
        &http,
        &fake,
        &[
            ("action", "update_costs"),
            ("id_costs", &cost_id),
            ("time", "2:15"),
        ],
    )
    .await;
    let total = admin(
        &http,
        &fake,
        &[("action", "get_costs_total"), ("id_task", &id)],
    )
    .await;
    assert_eq!(total["total"]["time"], "2:15");
    admin(
        &http,
        &fake,
        &[("action", "delete_costs"), ("id_costs", &cost_id)],
    )
    .await;
    let costs = admin(&http, &fake, &[("action", "get_costs"), ("id_task", &id)]).await;
    assert_eq!(ok_data(&costs).as_array().unwrap().len(), 0);

    // Tags.
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "update_task_tags"),
            ("id_task", &id),
            ("plus", "docs"),
        ],
    )
    .await;
    assert_eq!(error_code(&v), (16, "Tag is invalid".to_owned()));
    admin(
        &http,
        &fake,
        &[
            ("action", "update_task_tags"),
            ("id_task", &id),
            ("plus", "In progress,bug"),
            ("minus", "design"),
        ],
    )
    .await;
    let got = admin(&http, &fake, &[("action", "get_task"), ("id_task", &id)]).await;
    let mut tags: Vec<String> = ok_data(&got)["tags"]
        .as_object()
        .unwrap()
        .values()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    tags.sort();
    // "In progress" replaced "To-do": one tag per status group.
    assert_eq!(tags, ["In progress", "bug"]);

    // A project, its members and events.
    let p = admin(
        &http,
        &fake,
        &[
            ("action", "post_project"),
            ("title", "New brand launch"),
            ("members", "kate.greenway@ws.com"),
            ("extra", "options"),
        ],
    )
    .await;
    let pid = ok_data(&p)["id"].as_str().unwrap().to_owned();
    assert!(ok_data(&p)["options"].is_object());
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "add_project_members"),
            ("id_project", &pid),
            ("members", "brian.dragonfly@gmail.com"),
        ],
    )
    .await;
    assert_eq!(error_code(&v), (11, "Invalid email".to_owned()));
    admin(
        &http,
        &fake,
        &[
            ("action", "add_project_members"),
            ("id_project", &pid),
            ("members", "frank.harper@ws.com"),
        ],
    )
    .await;
    let p = admin(
        &http,
        &fake,
        &[
            ("action", "get_project"),
            ("id_project", &pid),
            ("extra", "users"),
        ],
    )
    .await;
    assert_eq!(ok_data(&p)["users"].as_array().unwrap().len(), 3);
    admin(
        &http,
        &fake,
        &[("action", "close_project"), ("id_project", &pid)],
    )
    .await;
    let v = admin(
        &http,
        &fake,
        &[("action", "close_project"), ("id_project", &pid)],
    )
    .await;
    assert_eq!(error_code(&v), (12, "Project is already closed".to_owned()));
    let ev = admin(&http, &fake, &[("action", "get_events"), ("period", "30m")]).await;
    let ev = ok_data(&ev).as_array().unwrap();
    assert!(
        ev.iter()
            .any(|e| e["object"]["type"] == "project" && e["object"]["id"] == pid.as_str())
    );
    assert!(
        ev.iter()
            .any(|e| e["action"] == "close" && e["object"]["id"] == id.as_str())
    );
    let v = admin(&http, &fake, &[("action", "get_events"), ("period", "60d")]).await;
    assert_eq!(error_code(&v), (10, "Field is required".to_owned()));
}

#[tokio::test]
async fn search_filter_grammar() {
    let fake = unlimited().await;
    let http = client();
    let search = |filter: &'static str| {
        let (http, fake) = (http.clone(), fake.clone());
        async move {
            admin(
                &http,
                &fake,
                &[("action", "search_tasks"), ("filter", filter)],
            )
            .await
        }
    };
    let v = search("name has 'Worksection'").await;
    let names: Vec<&str> = ok_data(&v)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Worksection implementation", "Worksection docs"]);

    let v = search("(name has 'sprint' or name = 'testing') and project = 8562").await;
    assert_eq!(ok_data(&v).as_array().unwrap().len(), 5, "{v}");

    let v = search("project in (8506, 6724)").await;
    assert_eq!(ok_data(&v).as_array().unwrap().len(), 6);

    // Overdue: dates relative to today in the seed.
    let day = |offset: i64| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs() as i64;
        let d = now / 86_400 + offset;
        // DD.MM.YYYY of a day number (civil-from-days).
        let z = d + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let dd = doy - (153 * mp + 2) / 5 + 1;
        let mm = if mp < 10 { mp + 3 } else { mp - 9 };
        let yy = yoe + era * 400 + i64::from(mm <= 2);
        format!("{dd:02}.{mm:02}.{yy}")
    };
    let f = format!("dateend < '{}' and project = 6622", day(0));
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "search_tasks"),
            ("filter", &f),
            ("status", "active"),
        ],
    )
    .await;
    let names: Vec<&str> = ok_data(&v)
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Quarterly KPI report"]);

    let v = search("parent = 0 and project = 8506").await;
    assert_eq!(ok_data(&v).as_array().unwrap().len(), 2);

    for bad in [
        "priority >= 7",
        "name has Report",
        "(id = 1",
        "name has 'x' AND id = 1",
        "dateend > '2021-05-25'",
    ] {
        let v = admin(&http, &fake, &[("action", "search_tasks"), ("filter", bad)]).await;
        assert_eq!(error_code(&v), (11, "Invalid filter".to_owned()), "{bad}");
        assert!(v["message_details"].is_string());
    }
    let v = admin(&http, &fake, &[("action", "search_tasks")]).await;
    assert_eq!(
        error_code(&v),
        (10, "At least one of fields required".to_owned())
    );
}

#[tokio::test]
async fn large_dataset_and_the_ten_thousand_cap() {
    let started = std::time::Instant::now();
    let fake = fake_with(FakeOptions {
        dataset: Dataset::Large,
        requests_per_second: 0,
        ..FakeOptions::default()
    })
    .await;
    eprintln!("large seeding took {:?}", started.elapsed());
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "seeding took {:?}",
        started.elapsed()
    );
    let http = client();
    let count = |v: &Value| {
        fn walk(list: &Value) -> usize {
            list.as_array()
                .map_or(0, |a| a.iter().map(|t| 1 + walk(&t["child"])).sum())
        }
        walk(ok_data(v))
    };
    let all = admin(
        &http,
        &fake,
        &[("action", "get_all_tasks"), ("extra", "subtasks,archive")],
    )
    .await;
    let total = count(&all);
    assert!((5_200..10_000).contains(&total), "{total}");
    let all = admin(
        &http,
        &fake,
        &[("action", "get_all_tasks"), ("extra", "subtasks,html")],
    )
    .await;
    let long = ok_data(&all)
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["text"].as_str().is_some_and(|s| s.len() > 3000))
        .count();
    assert!(long > 100, "{long}");
    let before = count(&all);

    // Push the active projects over 10,000 records.
    let project = "8566";
    let needed = 10_001 - before;
    let mut workers = Vec::new();
    for w in 0..8 {
        let (http, fake) = (http.clone(), fake.clone());
        workers.push(tokio::spawn(async move {
            for i in (w..needed).step_by(8) {
                let title = format!("Bulk {i}");
                let v = admin(
                    &http,
                    &fake,
                    &[
                        ("action", "post_task"),
                        ("id_project", project),
                        ("title", &title),
                    ],
                )
                .await;
                assert_eq!(v["status"], "ok", "{v}");
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let v = admin(
        &http,
        &fake,
        &[("action", "get_all_tasks"), ("extra", "subtasks")],
    )
    .await;
    assert_eq!(
        v,
        serde_json::json!({"status": "error", "message": "Too many tasks (10000 max)"})
    );
    // Top-level tasks alone are still under the cap.
    let v = admin(&http, &fake, &[("action", "get_all_tasks")]).await;
    assert_eq!(v["status"], "ok");
}

#[tokio::test]
async fn rate_limit_both_modes() {
    for http_429 in [false, true] {
        let fake = fake_with(FakeOptions {
            rate_limit_http_429: http_429,
            ..FakeOptions::default()
        })
        .await;
        let http = client();
        let q = query(&[("action", "get_users")]);
        let first = admin_raw(&http, &fake, &q).await;
        assert_eq!(first.status(), 200);
        let second = admin_raw(&http, &fake, &q).await;
        let expected_status = if http_429 { 429 } else { 200 };
        assert_eq!(second.status(), expected_status);
        assert_eq!(
            second
                .headers()
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned()),
            http_429.then(|| "1".to_owned())
        );
        let body: Value = second.json().await.unwrap();
        assert_eq!(
            body,
            serde_json::json!({"status": "error", "message": "Too many requests"})
        );
        // Another account (an OAuth token) has its own budget.
        let (token, _) = fake.issue_oauth_tokens("frank.harper@ws.com");
        let v: Value = oauth(&http, &fake, &token, "action=me")
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(ok_data(&v)["email"], "frank.harper@ws.com");
        tokio::time::sleep(Duration::from_millis(1050)).await;
        let third: Value = admin_raw(&http, &fake, &q).await.json().await.unwrap();
        assert_eq!(third["status"], "ok");
        assert_eq!(fake.action_count("get_users"), 3);
    }
}

#[tokio::test]
async fn oauth_code_flow_refresh_rotation_and_revocation() {
    let fake = unlimited().await;
    let http = client();
    let (id, secret) = fake.oauth_client();
    let base = fake.base_url();
    let redirect = "https://app.example/callback";

    let resp = http
        .get(format!("{base}/oauth2/authorize"))
        .query(&[
            ("client_id", id.as_str()),
            ("redirect_uri", redirect),
            ("response_type", "code"),
            ("state", "xyz"),
            ("scope", "projects_read,tasks_read"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(redirect));
    let q: std::collections::HashMap<_, _> = location.query_pairs().into_owned().collect();
    assert_eq!(q["state"], "xyz");
    let code = q["code"].clone();

    let bad = http
        .get(format!("{base}/oauth2/authorize"))
        .query(&[
            ("client_id", "nope"),
            ("redirect_uri", redirect),
            ("response_type", "code"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 400);

    // The code exchange, form-encoded POST.
    let form = [
        ("client_id", id.as_str()),
        ("client_secret", secret.as_str()),
        ("grant_type", "authorization_code"),
        ("code", code.as_str()),
        ("redirect_uri", redirect),
    ];
    let tokens: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(tokens["token_type"], "Bearer");
    assert_eq!(tokens["expires_in"], 86400);
    assert_eq!(tokens["account_url"], base.as_str());
    let access = tokens["access_token"].as_str().unwrap().to_owned();
    let refresh = tokens["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(access.split('.').count(), 3);
    // A code works once.
    let again: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&form)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        again,
        serde_json::json!({"error": "invalid_request", "errorDescription": "Authorization code has been revoked"})
    );

    // The user API with the bearer token, and with access_token in the query.
    let v: Value = oauth(&http, &fake, &access, "action=me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(ok_data(&v)["email"], "henry.gardner@ws.com");
    let url = format!("{base}/api/oauth2/?action=get_my_timer&access_token={access}");
    let v: Value = http.get(url).send().await.unwrap().json().await.unwrap();
    assert_eq!(v, serde_json::json!({"status": "ok"}));
    let v: Value = oauth(
        &http,
        &fake,
        &access,
        "action=start_my_timer&id_task=330090",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(v["status"], "ok", "{v}");
    let v: Value = oauth(
        &http,
        &fake,
        &access,
        "action=start_my_timer&id_task=330090",
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(error_code(&v).0, 6);
    let v: Value = oauth(&http, &fake, &access, "action=get_my_timer")
        .await
        .json()
        .await
        .unwrap();
    assert!(ok_data(&v)["time"].is_i64());
    let v: Value = oauth(&http, &fake, &access, "action=stop_my_timer&comment=done")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "ok");
    let v: Value = oauth(
        &http,
        &fake,
        &access,
        "action=get_costs&id_task=330090&is_timer=1",
    )
    .await
    .json()
    .await
    .unwrap();
    let row = ok_data(&v)
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["comment"] == "done")
        .unwrap()
        .clone();
    assert_eq!(row["user_from"]["email"], "henry.gardner@ws.com");
    assert_eq!(row["is_timer"], true);
    // With OAuth, add_costs needs no email_user_from.
    let v: Value = oauth(
        &http,
        &fake,
        &access,
        "action=add_costs&id_task=330090&time=0:20",
    )
    .await
    .json()
    .await
    .unwrap();
    assert!(v["id"].is_number(), "{v}");

    // An unknown token and an expired one: 401.
    let resp = oauth(&http, &fake, "nonsense", "action=me").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        serde_json::json!({"status": "error", "message": "Access token is invalid"})
    );
    fake.expire_access_tokens();
    let resp = oauth(&http, &fake, &access, "action=me").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        serde_json::json!({"status": "error", "message": "Access token is expired"})
    );

    // Refresh rotates: the new pair works, the old refresh token does not.
    let refresh_form = |token: &str| {
        vec![
            ("client_id", id.clone()),
            ("client_secret", secret.clone()),
            ("grant_type", "refresh_token".to_owned()),
            ("refresh_token", token.to_owned()),
        ]
    };
    let fresh: Value = http
        .post(format!("{base}/oauth2/refresh"))
        .form(&refresh_form(&refresh))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fresh["expires_in"], 86400);
    assert!(fresh.get("account_url").is_none());
    let access2 = fresh["access_token"].as_str().unwrap().to_owned();
    let refresh2 = fresh["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(refresh2, refresh);
    let v: Value = oauth(&http, &fake, &access2, "action=me")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(v["status"], "ok");
    let reused: Value = http
        .post(format!("{base}/oauth2/refresh"))
        .form(&refresh_form(&refresh))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        reused,
        serde_json::json!({"error": "invalid_request", "errorDescription": "Cannot decrypt the refresh token"})
    );
    // Query-string refresh (GET), as the Python SDK sends it.
    let q: Vec<(&str, String)> = refresh_form(&refresh2);
    let fresh3: Value = http
        .get(format!("{base}/oauth2/refresh"))
        .query(&q)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let refresh3 = fresh3["refresh_token"].as_str().unwrap().to_owned();

    let me: Value = http
        .post(format!("{base}/oauth2/resource"))
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", secret.as_str()),
            ("access_token", fresh3["access_token"].as_str().unwrap()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "henry.gardner@ws.com");
    assert_eq!(me["account_url"], base.as_str());

    fake.revoke_refresh_tokens();
    let revoked: Value = http
        .post(format!("{base}/oauth2/refresh"))
        .form(&refresh_form(&refresh3))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        revoked["errorDescription"],
        "Cannot decrypt the refresh token"
    );
    let wrong: Value = http
        .post(format!("{base}/oauth2/token"))
        .form(&[
            ("client_id", id.as_str()),
            ("client_secret", "bad"),
            ("grant_type", "authorization_code"),
            ("code", "x"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        wrong,
        serde_json::json!({"error": "invalid_client", "errorDescription": "Client authentication failed"})
    );
    assert!(fake.action_count("oauth2_refresh") >= 4);
}

#[tokio::test]
async fn injected_faults() {
    let fake = unlimited().await;
    let http = client();
    let control = fake.control();
    let (token, _) = fake.issue_oauth_tokens("kate.greenway@ws.com");
    let q = query(&[("action", "get_users")]);

    control.inject(Fault::Unauthenticated, 2);
    let v: Value = admin_raw(&http, &fake, &q).await.json().await.unwrap();
    assert_eq!(error_code(&v).0, 2);
    let resp = oauth(&http, &fake, &token, "action=me").await;
    assert_eq!(resp.status(), 401);
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "Access token is expired"
    );

    control.inject(Fault::PermissionDenied, 1);
    let resp = admin_raw(&http, &fake, &q).await;
    assert_eq!(resp.status(), 403);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        serde_json::json!({"status": "error", "message": "Access denied"})
    );

    control.inject(Fault::NotFound, 1);
    let v: Value = admin_raw(&http, &fake, &q).await.json().await.unwrap();
    assert_eq!(error_code(&v), (5, "Task is invalid".to_owned()));

    control.inject(Fault::RateLimited, 1);
    let resp = admin_raw(&http, &fake, &q).await;
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().get("retry-after").is_none());
    assert_eq!(
        resp.json::<Value>().await.unwrap()["message"],
        "Too many requests"
    );

    control.inject(Fault::ServerError, 1);
    let resp = admin_raw(&http, &fake, &q).await;
    assert_eq!(resp.status(), 500);
    assert!(
        resp.text()
            .await
            .unwrap()
            .contains("500 Internal Server Error")
    );

    // Faults are used up; requests are counted, faulted ones included.
    let v: Value = admin_raw(&http, &fake, &q).await.json().await.unwrap();
    assert_eq!(v["status"], "ok");
    assert_eq!(control.requests(), 7);
    assert_eq!(fake.action_count("get_users"), 6);

    let fake429 = fake_with(FakeOptions {
        rate_limit_http_429: true,
        ..FakeOptions::default()
    })
    .await;
    fake429.control().inject(Fault::RateLimited, 1);
    let resp = admin_raw(&http, &fake429, &q).await;
    assert_eq!(resp.status(), 429);
    assert_eq!(resp.headers()["retry-after"], "1");
}

#[tokio::test]
async fn empty_list_quirk_and_url_limit() {
    let fake = unlimited().await;
    let http = client();
    let tasks = admin(
        &http,
        &fake,
        &[("action", "get_tasks"), ("id_project", "6622")],
    )
    .await;
    let quiet = find(ok_data(&tasks), "Worksection docs")["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for action in ["get_comments", "get_files"] {
        let v = admin(&http, &fake, &[("action", action), ("id_task", &quiet)]).await;
        assert_eq!(v, serde_json::json!({"status": "ok"}), "{action}");
    }
    let timers = admin(&http, &fake, &[("action", "get_timers")]).await;
    let timer = ok_data(&timers)[0].clone();
    assert_eq!(timer["time"].as_str().unwrap().len(), 8);
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "stop_timer"),
            ("timer", timer["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(v["status"], "ok");
    let v = admin(&http, &fake, &[("action", "get_timers")]).await;
    assert_eq!(v, serde_json::json!({"status": "ok"}));
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "stop_timer"),
            ("timer", timer["id"].as_str().unwrap()),
        ],
    )
    .await;
    assert_eq!(error_code(&v), (7, "Timer not found".to_owned()));
    // Elsewhere an empty list is `data: []`.
    let v = admin(
        &http,
        &fake,
        &[
            ("action", "search_tasks"),
            ("filter", "name has 'no such task'"),
        ],
    )
    .await;
    assert_eq!(v, serde_json::json!({"status": "ok", "data": []}));

    let long = "x".repeat(8200);
    let resp = admin_raw(
        &http,
        &fake,
        &query(&[
            ("action", "post_comment"),
            ("id_task", &quiet),
            ("text", &long),
        ]),
    )
    .await;
    assert_eq!(resp.status(), 414);
    assert_eq!(resp.text().await.unwrap(), "Request-URL Too Large");
    // The same text in a POST body is fine.
    let q = query(&[("action", "post_comment"), ("id_task", &quiet)]);
    let hash = md5_hex(&format!("{q}{}", fake.api_key()));
    let v: Value = http
        .post(format!("{}/api/admin/v2/?{q}&hash={hash}", fake.base_url()))
        .form(&[("text", long.as_str())])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(ok_data(&v)["text"].as_str().unwrap().len(), 8200);
}

#[tokio::test]
async fn download_the_png() {
    let fake = unlimited().await;
    let http = client();
    let files = admin(
        &http,
        &fake,
        &[("action", "get_files"), ("id_task", "330090")],
    )
    .await;
    let files = ok_data(&files).as_array().unwrap();
    assert!(files.len() >= 4);
    let png = files
        .iter()
        .find(|f| f["name"] == "Image file.png")
        .unwrap();
    assert_eq!(
        png["page"],
        format!("/download/{}/", png["id"].as_str().unwrap())
    );
    let comments = admin(
        &http,
        &fake,
        &[
            ("action", "get_comments"),
            ("id_task", "330090"),
            ("extra", "files"),
        ],
    )
    .await;
    assert!(
        ok_data(&comments)
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["files"].is_array())
    );

    let resp = admin_raw(
        &http,
        &fake,
        &query(&[
            ("action", "download"),
            ("id_file", png["id"].as_str().unwrap()),
        ]),
    )
    .await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "image/png");
    assert_eq!(
        resp.headers()["content-disposition"],
        "attachment; filename=\"Image file.png\""
    );
    let bytes = resp.bytes().await.unwrap();
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(bytes.len().to_string(), png["size"].as_str().unwrap());
    // IHDR: 8×8.
    assert_eq!(&bytes[16..24], &[0, 0, 0, 8, 0, 0, 0, 8]);

    let v = admin(&http, &fake, &[("action", "download"), ("id_file", "1")]).await;
    assert_eq!(error_code(&v), (4, "File not found".to_owned()));
}
