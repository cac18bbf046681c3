//! Every tool against the fake Basecamp, checked against the fake's own records; the
//! Launchpad sign-in and refresh, the User-Agent, conditional reads, the shared rate
//! limit, and the errors a model must act on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::collections::BTreeSet;

use connector_basecamp::fake::{FakeBasecamp, FakeOptions, start_with};
use connector_core::{
    Budget, ErrorKind, Upstream, UpstreamConfig,
    fake::Fault,
    testkit::{Harness, WithFake},
};
use serde_json::{Value, json};

type Fixture = WithFake<FakeBasecamp>;

fn upstream() -> Upstream {
    Upstream::new(UpstreamConfig {
        base_delay_ms: 5,
        max_delay_ms: 1_500,
        max_queue_ms: 2_000,
        ..UpstreamConfig::default()
    })
    .unwrap()
}

async fn harness_with(options: FakeOptions) -> Fixture {
    connector_core::http::install_crypto_provider();
    let fake = start_with(options).await.unwrap();
    let tools = Harness::new(
        connector_core::erase(connector_basecamp::Basecamp).unwrap(),
        fake.account().config,
        &fake.account().credentials,
        &upstream(),
    );
    Fixture { fake, tools }
}

async fn harness() -> Fixture {
    harness_with(FakeOptions {
        requests_per_10s: 0,
        ..FakeOptions::default()
    })
    .await
}

/// The fake's stored record, which a test checks a tool's effect against.
fn record(h: &Fixture, kind: &str, id: i64) -> Value {
    h.fake
        .record(kind, id)
        .unwrap_or_else(|| panic!("no {kind} {id} in the fake"))
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id in {v}"))
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(id).collect()
}

/// No bloat a model cannot use survives shaping, anywhere in a result.
fn assert_lean(v: &Value) {
    let text = v.to_string();
    for noise in [
        "avatar_url",
        "attachable_sgid",
        "bookmark_url",
        "subscription_url",
        "app_url",
        "\"url\"",
        "boosts_url",
        "\"bucket\"",
    ] {
        assert!(!text.contains(noise), "{noise} in {text}");
    }
}

#[tokio::test]
async fn projects_read_create_update_trash_and_people() {
    let h = harness().await;
    let active = h
        .all_items("basecamp_list_projects", json!({}), Budget::default())
        .await;
    assert!(active.len() >= 5, "{active:?}");
    assert_lean(&Value::Array(active.clone()));
    let big = active
        .iter()
        .find(|p| id(p) == h.fake.seed().big_project)
        .unwrap();
    let tools: Vec<&str> = big["tools"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert!(
        tools.contains(&"todoset") && tools.contains(&"chat"),
        "{tools:?}"
    );
    let archived = h
        .call("basecamp_list_projects", json!({"status": "archived"}))
        .await;
    assert_eq!(
        ids(archived["items"].as_array().unwrap()),
        [h.fake.seed().archived_project]
    );
    let trashed = h
        .call("basecamp_list_projects", json!({"status": "trashed"}))
        .await;
    assert!(ids(trashed["items"].as_array().unwrap()).contains(&h.fake.seed().trashed_project));

    let one = h
        .call(
            "basecamp_get_project",
            json!({"project_id": h.fake.seed().card_project}),
        )
        .await;
    let boards = one["tools"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"] == "kanban_board")
        .count();
    assert_eq!(boards, 2, "both card tables: {one}");
    assert!(one.get("dock").is_none());
    let with_dock = h
        .call(
            "basecamp_get_project",
            json!({"project_id": h.fake.seed().card_project, "include_dock": true}),
        )
        .await;
    assert!(with_dock["dock"].as_array().unwrap().len() >= 8);

    let created = h
        .call(
            "basecamp_create_project",
            json!({"name": "Autumn catalogue", "description": "Shoot and print"}),
        )
        .await;
    let pid = id(&created);
    assert_eq!(record(&h, "projects", pid)["name"], "Autumn catalogue");
    let renamed = h
        .call(
            "basecamp_update_project",
            json!({"project_id": pid, "name": "Autumn catalogue 2026"}),
        )
        .await;
    assert_eq!(renamed["name"], "Autumn catalogue 2026");
    assert_eq!(
        record(&h, "projects", pid)["description"],
        "Shoot and print",
        "the description survives a rename"
    );

    // People on a project, added and taken off.
    let people = h
        .all_items(
            "basecamp_list_project_people",
            json!({"project_id": pid}),
            Budget::default(),
        )
        .await;
    assert_eq!(
        ids(&people),
        [h.fake.seed().owner],
        "only the creator at first"
    );
    assert!(people[0]["email_address"].is_string());
    let someone = *h
        .fake
        .seed()
        .people
        .iter()
        .find(|p| **p != h.fake.seed().owner)
        .unwrap();
    let granted = h
        .call(
            "basecamp_grant_project_access",
            json!({"project_id": pid, "person_ids": [someone]}),
        )
        .await;
    assert_eq!(ids(granted["granted"].as_array().unwrap()), [someone]);
    let revoked = h
        .call(
            "basecamp_revoke_project_access",
            json!({"project_id": pid, "person_ids": [someone]}),
        )
        .await;
    assert_eq!(ids(revoked["revoked"].as_array().unwrap()), [someone]);
    let e = h
        .fails("basecamp_grant_project_access", json!({"project_id": pid}))
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    h.call("basecamp_trash_project", json!({"project_id": pid}))
        .await;
    assert_eq!(record(&h, "projects", pid)["status"], "trashed");
    let e = h
        .fails(
            "basecamp_get_project",
            json!({"project_id": 4_242_424_242_i64}),
        )
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("basecamp_list_projects"), "{e}");
}

#[tokio::test]
async fn the_project_limit_is_explained() {
    let h = harness_with(FakeOptions {
        requests_per_10s: 0,
        project_limit: Some(1),
        ..FakeOptions::default()
    })
    .await;
    let e = h
        .fails("basecamp_create_project", json!({"name": "One too many"}))
        .await;
    assert_eq!(e.kind(), ErrorKind::Unsupported);
    assert!(
        e.message().contains("project limit") && e.message().contains("upgrade"),
        "{e}"
    );
}

#[tokio::test]
async fn all_of_a_big_list_exactly_once_never_just_15() {
    let h = harness().await;
    let lists = h
        .call(
            "basecamp_list_todolists",
            json!({"project_id": h.fake.seed().big_project}),
        )
        .await;
    assert!(ids(lists["items"].as_array().unwrap()).contains(&h.fake.seed().big_todolist));
    let by_set = h
        .call(
            "basecamp_list_todolists",
            json!({"todoset_id": h.fake.seed().todoset}),
        )
        .await;
    assert_eq!(lists["items"], by_set["items"]);
    let archived = h
        .call(
            "basecamp_list_todolists",
            json!({"project_id": h.fake.seed().big_project, "status": "archived"}),
        )
        .await;
    assert!(archived["total"].as_u64().unwrap() >= 1);

    let open = h
        .all_items(
            "basecamp_list_todos",
            json!({"todolist_id": h.fake.seed().big_todolist, "limit": 40}),
            Budget::default(),
        )
        .await;
    let done = h
        .all_items(
            "basecamp_list_todos",
            json!({"todolist_id": h.fake.seed().big_todolist, "status": "completed", "limit": 100}),
            Budget::new(8_000),
        )
        .await;
    let unique: BTreeSet<i64> = ids(&open).into_iter().chain(ids(&done)).collect();
    assert_eq!(unique.len(), open.len() + done.len(), "no to-do twice");
    assert!(unique.len() >= 300, "{}", unique.len());
    assert!(done.iter().all(|t| t["completed"] == true));
    assert!(
        open.iter()
            .all(|t| t.get("completed").is_none_or(|c| c == false))
    );
    assert_lean(&Value::Array(open.clone()));
    // Basecamp's geared pages were followed to the end; reading again costs 304s.
    let pages = h.fake.count("GET /todolists/{id}/todos.json");
    assert!(pages >= 5, "{pages} pages");
    let before = h.fake.not_modified();
    h.call(
        "basecamp_list_todos",
        json!({"todolist_id": h.fake.seed().big_todolist}),
    )
    .await;
    assert!(
        h.fake.not_modified() >= before + 4,
        "unchanged pages are 304s"
    );

    let e = h
        .fails("basecamp_list_todos", json!({"todolist_id": 77}))
        .await;
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.message().contains("basecamp_list_todolists"), "{e}");
}

#[tokio::test]
async fn a_todo_is_created_reassigned_without_loss_completed_and_moved() {
    let h = harness().await;
    let people: Vec<i64> = h
        .fake
        .seed()
        .people
        .iter()
        .copied()
        .filter(|p| *p != h.fake.seed().client)
        .collect();
    let (a, b, c) = (people[0], people[1], people[2]);
    let list = h
        .call(
            "basecamp_create_todolist",
            json!({"project_id": h.fake.seed().big_project, "name": "Press kit", "description": "For the launch"}),
        )
        .await;
    let list_id = id(&list);
    let todo = h
        .call(
            "basecamp_create_todo",
            json!({
                "todolist_id": list_id,
                "content": "Draft the press release",
                "description": "<div>Use the <strong>new</strong> tagline</div>",
                "assignee_ids": [a, b],
                "completion_subscriber_ids": [c],
                "due_on": "2027-02-01",
                "starts_on": "2027-01-20",
            }),
        )
        .await;
    let tid = id(&todo);
    assert_eq!(todo["description"], "Use the **new** tagline");

    // Reassign (b off, c on) and move the due date: nothing else is lost.
    let saved = h
        .call(
            "basecamp_update_todo",
            json!({"todo_id": tid, "remove_assignee_ids": [b], "add_assignee_ids": [c], "due_on": "2027-02-08"}),
        )
        .await;
    let raw = record(&h, "todos", tid);
    let assignees: BTreeSet<i64> = raw["assignees"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(assignees, BTreeSet::from([a, c]));
    assert_eq!(raw["due_on"], "2027-02-08");
    assert_eq!(raw["starts_on"], "2027-01-20", "start date kept");
    assert!(
        raw["description"]
            .as_str()
            .unwrap()
            .contains("<strong>new</strong>"),
        "description kept: {raw}"
    );
    let subscribers: Vec<i64> = raw["completion_subscribers"]
        .as_array()
        .unwrap()
        .iter()
        .map(id)
        .collect();
    assert_eq!(subscribers, [c], "completion subscribers kept");
    assert_eq!(saved["due_on"], "2027-02-08");
    let e = h
        .fails(
            "basecamp_update_todo",
            json!({"todo_id": tid, "due_on": "2027-01-01"}),
        )
        .await;
    assert!(e.message().contains("due_on"), "{e}");

    let got = h.call("basecamp_get_todo", json!({"todo_id": tid})).await;
    assert_eq!(got["assignees"].as_array().unwrap().len(), 2);
    assert_lean(&got);

    h.call("basecamp_complete_todo", json!({"todo_id": tid}))
        .await;
    assert_eq!(record(&h, "todos", tid)["completed"], true);
    h.call("basecamp_uncomplete_todo", json!({"todo_id": tid}))
        .await;
    assert_eq!(record(&h, "todos", tid)["completed"], false);

    let second = h
        .call(
            "basecamp_create_todo",
            json!({"todolist_id": list_id, "content": "Book the photographer"}),
        )
        .await;
    h.call(
        "basecamp_reposition_todo",
        json!({"todo_id": id(&second), "position": 1}),
    )
    .await;
    let order = h
        .call("basecamp_list_todos", json!({"todolist_id": list_id}))
        .await;
    assert_eq!(ids(order["items"].as_array().unwrap())[0], id(&second));
    let e = h
        .fails(
            "basecamp_reposition_todo",
            json!({"todo_id": id(&second), "position": 0}),
        )
        .await;
    assert!(e.message().contains("position"), "{e}");
}

#[tokio::test]
async fn messages_and_comments() {
    let h = harness().await;
    let messages = h
        .all_items(
            "basecamp_list_messages",
            json!({"project_id": h.fake.seed().big_project}),
            Budget::default(),
        )
        .await;
    assert!(messages.len() >= 15);
    let by_board = h
        .call(
            "basecamp_list_messages",
            json!({"message_board_id": h.fake.seed().message_board, "limit": 100}),
        )
        .await;
    assert_eq!(ids(&messages), ids(by_board["items"].as_array().unwrap()));
    let commented = messages
        .iter()
        .find(|m| m["comments_count"].as_u64().unwrap_or(0) >= 5)
        .unwrap();
    let full = h
        .call("basecamp_get_message", json!({"message_id": id(commented)}))
        .await;
    assert_lean(&full);
    assert!(
        !full["content"].as_str().unwrap().contains('<'),
        "text, not HTML"
    );

    let comments = h
        .all_items(
            "basecamp_list_comments",
            json!({"recording_id": id(commented)}),
            Budget::default(),
        )
        .await;
    assert_eq!(
        comments.len() as u64,
        commented["comments_count"].as_u64().unwrap()
    );
    // Mentions read as @Name wherever the seed has them.
    let texts: String = comments
        .iter()
        .chain(&messages)
        .filter_map(|c| c["content"].as_str())
        .collect();
    assert!(texts.contains('@'), "no mention among {texts}");

    let posted = h
        .call(
            "basecamp_post_message",
            json!({"project_id": h.fake.seed().big_project, "subject": "Launch moved", "content": "<div>To <em>May 3</em></div>"}),
        )
        .await;
    let mid = id(&posted);
    assert_eq!(record(&h, "messages", mid)["subject"], "Launch moved");
    h.call(
        "basecamp_update_message",
        json!({"message_id": mid, "subject": "Launch moved to May"}),
    )
    .await;
    let raw = record(&h, "messages", mid);
    assert_eq!(raw["subject"], "Launch moved to May");
    assert!(
        raw["content"].as_str().unwrap().contains("May 3"),
        "content kept"
    );
    let comment = h
        .call(
            "basecamp_post_comment",
            json!({"recording_id": mid, "content": "Thanks for the heads-up"}),
        )
        .await;
    h.call(
        "basecamp_update_comment",
        json!({"comment_id": id(&comment), "content": "Thanks — noted"}),
    )
    .await;
    assert_eq!(
        record(&h, "comments", id(&comment))["content"],
        "Thanks — noted"
    );
    let e = h
        .fails("basecamp_update_message", json!({"message_id": mid}))
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn campfire_lines_newest_first_and_a_new_line() {
    let h = harness().await;
    let chats = h.call("basecamp_list_chats", json!({})).await;
    assert!(ids(chats["items"].as_array().unwrap()).contains(&h.fake.seed().chat));
    let lines = h
        .all_items(
            "basecamp_list_chat_lines",
            json!({"chat_id": h.fake.seed().chat, "limit": 30}),
            Budget::default(),
        )
        .await;
    assert!(lines.len() >= 100, "{}", lines.len());
    let times: Vec<&str> = lines
        .iter()
        .filter_map(|l| l["created_at"].as_str())
        .collect();
    let mut sorted = times.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(times, sorted, "newest first");
    let said = h
        .call(
            "basecamp_post_chat_line",
            json!({"project_id": h.fake.seed().big_project, "content": "Coffee in 5?"}),
        )
        .await;
    assert_eq!(record(&h, "lines", id(&said))["content"], "Coffee in 5?");
    let latest = h
        .call(
            "basecamp_list_chat_lines",
            json!({"project_id": h.fake.seed().big_project, "limit": 1}),
        )
        .await;
    assert_eq!(id(&latest["items"][0]), id(&said));
}

#[tokio::test]
async fn schedule_entries_in_a_range_created_and_changed() {
    let h = harness().await;
    let all = h
        .all_items(
            "basecamp_list_schedule_entries",
            json!({"schedule_id": h.fake.seed().schedule}),
            Budget::default(),
        )
        .await;
    assert!(all.len() >= 10);
    let today = connector_core::IsoDate::today();
    let week = h
        .all_items(
            "basecamp_list_schedule_entries",
            json!({"project_id": h.fake.seed().big_project, "from": today.iso(), "to": today.plus_days(7).iso()}),
            Budget::default(),
        )
        .await;
    assert!(week.len() < all.len());
    for e in &week {
        let starts = &e["starts_at"].as_str().unwrap()[..10];
        assert!(starts <= today.plus_days(7).iso().as_str(), "{e}");
    }
    let one = h
        .call(
            "basecamp_get_schedule_entry",
            json!({"entry_id": id(&all[0])}),
        )
        .await;
    assert_lean(&one);

    let someone = h.fake.seed().people[1];
    let created = h
        .call(
            "basecamp_create_schedule_entry",
            json!({"project_id": h.fake.seed().big_project, "summary": "Launch rehearsal",
                   "starts_at": "2027-03-04T15:00:00-06:00", "ends_at": "2027-03-04T16:30:00-06:00",
                   "participant_ids": [someone]}),
        )
        .await;
    let eid = id(&created);
    let raw = record(&h, "schedule_entries", eid);
    assert!(
        raw["starts_at"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-04T21:00:00"),
        "{raw}"
    );
    h.call(
        "basecamp_update_schedule_entry",
        json!({"entry_id": eid, "summary": "Launch rehearsal (final)"}),
    )
    .await;
    let raw = record(&h, "schedule_entries", eid);
    assert_eq!(raw["summary"], "Launch rehearsal (final)");
    assert_eq!(raw["participants"][0]["id"], someone, "participants kept");
    assert!(
        raw["ends_at"]
            .as_str()
            .unwrap()
            .starts_with("2027-03-04T22:30:00"),
        "times kept: {raw}"
    );
    let e = h
        .fails(
            "basecamp_create_schedule_entry",
            json!({"project_id": h.fake.seed().big_project, "summary": "x", "starts_at": "tomorrow 3pm", "ends_at": "2027-03-04T16:30:00Z"}),
        )
        .await;
    assert!(e.message().contains("starts_at"), "{e}");
}

#[tokio::test]
async fn cards_across_two_tables_listed_created_changed_and_moved() {
    let h = harness().await;
    let tables = h
        .call(
            "basecamp_list_card_tables",
            json!({"project_id": h.fake.seed().card_project}),
        )
        .await;
    let tables = tables["card_tables"].as_array().unwrap().clone();
    assert_eq!(
        ids(&tables),
        h.fake.seed().card_tables,
        "every card table, in order"
    );
    let second = &tables[1];
    let columns = second["columns"].as_array().unwrap();
    let done = columns.iter().find(|c| c["done"] == true).unwrap();
    let working: Vec<&Value> = columns
        .iter()
        .filter(|c| c["type"] == "Kanban::Column")
        .collect();
    assert!(working.len() >= 2);
    let cols = h
        .call(
            "basecamp_list_card_columns",
            json!({"card_table_id": id(second)}),
        )
        .await;
    assert_eq!(cols["columns"].as_array().unwrap().len(), columns.len());

    let from = working[0];
    let cards = h
        .all_items(
            "basecamp_list_cards",
            json!({"column_id": id(from)}),
            Budget::default(),
        )
        .await;
    assert_eq!(
        cards.len() as u64,
        from["cards_count"].as_u64().unwrap_or(0)
    );
    let created = h
        .call(
            "basecamp_create_card",
            json!({"column_id": id(from), "title": "Crash on resume", "content": "Steps: open, sleep, wake", "due_on": "2027-01-30"}),
        )
        .await;
    let cid = id(&created);
    h.call(
        "basecamp_update_card",
        json!({"card_id": cid, "title": "Crash on resume from sleep"}),
    )
    .await;
    let raw = record(&h, "cards", cid);
    assert_eq!(raw["title"], "Crash on resume from sleep");
    assert_eq!(raw["due_on"], "2027-01-30", "due date kept");
    let moved = h
        .call(
            "basecamp_move_card",
            json!({"card_id": cid, "column_id": id(working[1])}),
        )
        .await;
    assert_eq!(moved["column"]["id"], id(working[1]));
    assert_eq!(record(&h, "cards", cid)["parent"]["id"], id(working[1]));
    let finished = h
        .call(
            "basecamp_move_card",
            json!({"card_id": cid, "column_id": id(done)}),
        )
        .await;
    assert_eq!(finished["done"], true);
    let card = h.call("basecamp_get_card", json!({"card_id": cid})).await;
    assert_eq!(card["done"], true);
    assert_lean(&card);
    let e = h
        .fails("basecamp_update_card", json!({"card_id": cid}))
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn docs_and_files() {
    let h = harness().await;
    let vault = h
        .call(
            "basecamp_list_vaults",
            json!({"project_id": h.fake.seed().big_project}),
        )
        .await;
    assert_eq!(id(&vault["folder"]), h.fake.seed().vault);
    let sub = &vault["subfolders"][0];
    let docs = h
        .call(
            "basecamp_list_documents",
            json!({"vault_id": h.fake.seed().vault}),
        )
        .await;
    assert!(docs["total"].as_u64().unwrap() >= 6);
    let in_sub = h
        .call("basecamp_list_documents", json!({"vault_id": id(sub)}))
        .await;
    assert!(in_sub["total"].as_u64().unwrap() >= 1);
    let doc = h
        .call(
            "basecamp_get_document",
            json!({"document_id": id(&docs["items"][0])}),
        )
        .await;
    assert!(doc["content"].is_string());
    assert_lean(&doc);
    let created = h
        .call(
            "basecamp_create_document",
            json!({"project_id": h.fake.seed().big_project, "title": "Launch FAQ", "content": "<h1>FAQ</h1><p>When? May.</p>"}),
        )
        .await;
    let did = id(&created);
    h.call(
        "basecamp_update_document",
        json!({"document_id": did, "title": "Launch FAQ (v2)"}),
    )
    .await;
    let raw = record(&h, "documents", did);
    assert_eq!(raw["title"], "Launch FAQ (v2)");
    assert!(
        raw["content"].as_str().unwrap().contains("When? May."),
        "content kept"
    );
    let uploads = h
        .call(
            "basecamp_list_uploads",
            json!({"project_id": h.fake.seed().big_project}),
        )
        .await;
    assert!(uploads["total"].as_u64().unwrap() >= 5);
    let up = h
        .call(
            "basecamp_get_upload",
            json!({"upload_id": id(&uploads["items"][0])}),
        )
        .await;
    assert!(up["filename"].is_string(), "{up}");
    assert_lean(&up);
}

#[tokio::test]
async fn search_assignments_recordings_events_and_people() {
    let h = harness().await;
    let todo = record(&h, "todos", h.fake.seed().due_today_todo);
    let word = todo["content"]
        .as_str()
        .unwrap()
        .split_whitespace()
        .last()
        .unwrap()
        .to_owned();
    let found = h
        .all_items(
            "basecamp_search_recordings",
            json!({"query": word, "type": "Todo"}),
            Budget::default(),
        )
        .await;
    assert!(
        ids(&found).contains(&h.fake.seed().due_today_todo),
        "{word}: {found:?}"
    );
    assert!(found.iter().all(|r| r["type"] == "Todo"));
    assert_lean(&Value::Array(found));

    let open = h
        .all_items("basecamp_list_my_assignments", json!({}), Budget::default())
        .await;
    assert!(!open.is_empty());
    let today = h
        .call(
            "basecamp_list_my_assignments",
            json!({"scope": "due_today"}),
        )
        .await;
    assert!(ids(today["items"].as_array().unwrap()).contains(&h.fake.seed().due_today_todo));
    let overdue = h
        .call("basecamp_list_my_assignments", json!({"scope": "overdue"}))
        .await;
    assert!(ids(overdue["items"].as_array().unwrap()).contains(&h.fake.seed().overdue_todo));
    let completed = h
        .call(
            "basecamp_list_my_assignments",
            json!({"scope": "completed"}),
        )
        .await;
    assert!(completed["items"].is_array());
    let e = h
        .fails("basecamp_list_my_assignments", json!({"scope": "someday"}))
        .await;
    assert_eq!(e.kind(), ErrorKind::InvalidInput);

    let recordings = h
        .all_items(
            "basecamp_list_recordings",
            json!({"type": "Message", "project_ids": [h.fake.seed().big_project]}),
            Budget::default(),
        )
        .await;
    assert!(recordings.len() >= 15);
    assert!(recordings.iter().all(|r| r["type"] == "Message"));
    let comment = h
        .call(
            "basecamp_post_comment",
            json!({"recording_id": h.fake.seed().due_today_todo, "content": "On it"}),
        )
        .await;
    assert!(comment["id"].is_i64());
    let events = h
        .call(
            "basecamp_list_events",
            json!({"recording_id": h.fake.seed().due_today_todo}),
        )
        .await;
    let actions: Vec<&str> = events["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(actions.contains(&"comment_created"), "{actions:?}");

    let people = h
        .all_items("basecamp_list_people", json!({}), Budget::default())
        .await;
    assert_eq!(people.len(), h.fake.seed().people.len());
    assert_lean(&Value::Array(people.clone()));
    let one = h
        .call(
            "basecamp_get_person",
            json!({"person_id": h.fake.seed().owner}),
        )
        .await;
    assert_eq!(id(&one), h.fake.seed().owner);
    let me = h.call("basecamp_get_my_profile", json!({})).await;
    assert_eq!(id(&me), h.fake.seed().owner);
}

#[tokio::test]
async fn every_request_names_switchboard_and_the_operator() {
    let h = harness().await;
    h.call("basecamp_list_projects", json!({})).await;
    h.call(
        "basecamp_post_chat_line",
        json!({"project_id": h.fake.seed().big_project, "content": "hello"}),
    )
    .await;
    // Launchpad too: a token refresh names us the same way.
    h.connector
        .refresh(&h.config, &h.fake.account().credentials, &upstream())
        .await
        .unwrap();
    let log = h.fake.request_log();
    assert!(
        log.iter()
            .any(|(m, p, _, _)| m == "POST" && p.starts_with("/authorization/token")),
        "{log:?}"
    );
    for (method, path, ua, _) in &log {
        let ua = ua
            .as_deref()
            .unwrap_or_else(|| panic!("{method} {path}: no User-Agent"));
        assert!(
            ua.starts_with("Switchboard/") && ua.contains("(demo@switchboard.invalid)"),
            "{method} {path}: {ua}"
        );
    }
}

#[tokio::test]
async fn a_429_holds_every_call_on_the_account_until_retry_after() {
    let h = harness().await;
    h.fake.control().inject(Fault::RateLimited, 1);
    // The one 429 (Retry-After: 1) is waited out and the call succeeds.
    let started = std::time::Instant::now();
    h.call("basecamp_get_my_profile", json!({})).await;
    assert!(started.elapsed() >= std::time::Duration::from_millis(900));
    // Beyond the client's patience the model gets the wait, and every call on the
    // account is held, not only the one that met the 429.
    let impatient = connector_core::Upstream::new(UpstreamConfig {
        max_delay_ms: 100,
        max_queue_ms: 100,
        ..UpstreamConfig::default()
    })
    .unwrap();
    let client = h
        .connector
        .build(&h.config, &h.fake.account().credentials, &impatient)
        .unwrap();
    h.fake.control().inject(Fault::RateLimited, 1);
    let e = h
        .try_call_with(
            &client,
            "basecamp_get_my_profile",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited);
    assert!(e.retry_after().is_some());
    let served = h.fake.count("GET /people.json");
    let e = h
        .try_call_with(
            &client,
            "basecamp_list_people",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::RateLimited, "{e}");
    assert_eq!(h.fake.count("GET /people.json"), served, "held, not sent");
}

#[tokio::test]
async fn the_client_keeps_under_fifty_requests_per_ten_seconds() {
    let h = harness_with(FakeOptions {
        requests_per_10s: 50,
        ..FakeOptions::default()
    })
    .await;
    // 60 reads at once on one account: none earns a 429; those over the budget wait or
    // are told how long to wait.
    let results = futures::future::join_all(
        (0..60).map(|_| h.try_call("basecamp_get_my_profile", json!({}))),
    )
    .await;
    assert_eq!(h.fake.rate_limited(), 0);
    assert!(h.fake.max_requests_in_window() <= 50);
    let ok = results.iter().filter(|r| r.is_ok()).count();
    assert!(ok >= 50, "{ok}");
    for r in results.iter().filter_map(|r| r.as_ref().err()) {
        assert_eq!(r.kind(), ErrorKind::RateLimited);
    }
}

#[tokio::test]
async fn an_inactive_account_and_an_expired_token_are_explained() {
    let h = harness().await;
    h.fake.set_account_inactive(true);
    let e = h.fails("basecamp_list_projects", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::PermissionDenied);
    assert!(e.message().contains("inactive"), "{e}");
    h.fake.set_account_inactive(false);
    h.fake.expire_access_tokens();
    let e = h.fails("basecamp_get_my_profile", json!({})).await;
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.message().contains("old age"), "{e}");
}

#[tokio::test]
async fn sign_in_finds_the_basecamp_account_and_refresh_survives_until_a_password_change() {
    let h = harness().await;
    let up = upstream();
    let app = h.connector.oauth_app(&h.config).unwrap().unwrap();
    let redirect = "https://switchboard.example/connect/callback";
    let authorize = app.authorize_url(redirect, "st4te");
    assert!(
        authorize.path().ends_with("/authorization/new"),
        "{authorize}"
    );
    assert!(
        authorize.as_str().contains("type=web_server"),
        "{authorize}"
    );
    // The fake approves at once and sends the browser back with a code.
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let back = http.get(authorize.as_str()).send().await.unwrap();
    let location = back.headers()["location"].to_str().unwrap().to_owned();
    let code = url::Url::parse(&location)
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let tokens = app.exchange_code(&up, &code, redirect).await.unwrap();
    let creds = h
        .connector
        .complete_sign_in(&h.config, &tokens, &up)
        .await
        .unwrap();
    use connector_core::ExposeSecret;
    assert_eq!(
        creds.get("account_url").unwrap().expose_secret(),
        &h.fake.api_base(),
        "the bc3 account, not the bcx one listed first"
    );
    let expires = h.connector.credentials_expire_at(&creds).unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(expires > now + 13 * 86_400, "two weeks");
    let client = h.connector.build(&h.config, &creds, &up).unwrap();
    let label = h.connector.verify(&client).await.unwrap().unwrap();
    assert!(label.contains(&h.fake.account_id().to_string()), "{label}");

    // Two weeks on: the refresh keeps the refresh token and the account.
    h.fake.expire_access_tokens();
    let fresh = h
        .connector
        .refresh(&h.config, &creds, &up)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        fresh.get("refresh_token").unwrap().expose_secret(),
        creds.get("refresh_token").unwrap().expose_secret()
    );
    assert_eq!(
        fresh.get("account_url").unwrap().expose_secret(),
        &h.fake.api_base()
    );
    let client = h.connector.build(&h.config, &fresh, &up).unwrap();
    h.try_call_with(
        &client,
        "basecamp_get_my_profile",
        json!({}),
        Budget::default(),
    )
    .await
    .unwrap();
    // A password change: refresh is refused, and the message says to reconnect.
    h.fake.revoke_refresh_tokens();
    let e = h
        .connector
        .refresh(&h.config, &fresh, &up)
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(
        e.message().contains("password") && e.message().contains("Reconnect"),
        "{e}"
    );
    for (_, v) in fresh.fields() {
        assert!(
            !e.to_string().contains(v.expose_secret()) || v.expose_secret().starts_with("http")
        );
    }
}
