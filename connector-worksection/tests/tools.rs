//! Every tool against the fake Worksection API, the error paths a model must be able to
//! act on, user mode (OAuth) with refresh, the rate limit, and the shaping ratio.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::sync::Arc;

use connector_core::{
    Budget, CallContext, ClientHandle, CredentialKind, Credentials, DynConnector, ErrorKind,
    Upstream, UpstreamConfig, fake::Fault,
};
use connector_worksection::fake::{Dataset, FakeOptions, FakeWorksection, start_with};
use serde_json::{Value, json};

struct Harness {
    fake: FakeWorksection,
    connector: Arc<dyn DynConnector>,
    client: ClientHandle,
    config: Value,
}

fn upstream() -> Upstream {
    Upstream::new(UpstreamConfig {
        base_delay_ms: 5,
        max_delay_ms: 200,
        max_queue_ms: 3_000,
        ..UpstreamConfig::default()
    })
    .unwrap()
}

async fn harness_with(options: FakeOptions, client_rps: u32) -> Harness {
    connector_core::http::install_crypto_provider();
    let fake = start_with(options).await.unwrap();
    let connector = connector_core::erase(connector_worksection::Worksection).unwrap();
    let mut config = fake.account().config;
    config["requests_per_second"] = json!(client_rps);
    let client = connector
        .build(&config, &fake.account().credentials, &upstream())
        .unwrap();
    Harness {
        fake,
        connector,
        client,
        config,
    }
}

async fn harness() -> Harness {
    harness_with(
        FakeOptions {
            requests_per_second: 0,
            ..FakeOptions::default()
        },
        100,
    )
    .await
}

impl Harness {
    async fn try_call(&self, name: &str, args: Value) -> connector_core::Result<Value> {
        self.call_with(&self.client, name, args, Budget::default())
            .await
    }

    async fn call_with(
        &self,
        client: &ClientHandle,
        name: &str,
        args: Value,
        budget: Budget,
    ) -> connector_core::Result<Value> {
        let tool = self
            .connector
            .tools()
            .iter()
            .find(|t| t.spec().name == name)
            .unwrap_or_else(|| panic!("no tool {name}"));
        tool.call(client, args, &CallContext { budget })
            .await
            .map(|o| o.structured)
    }

    async fn call(&self, name: &str, args: Value) -> Value {
        match self.try_call(name, args.clone()).await {
            Ok(v) => v,
            Err(e) => panic!("{name}({args}) failed: {e}"),
        }
    }

    /// A client signed in as `email` through OAuth (user mode).
    fn user_client(&self, email: &str) -> ClientHandle {
        let (access, refresh) = self.fake.issue_oauth_tokens(email);
        let creds = Credentials::new(CredentialKind::OAuth2AuthorizationCode)
            .with("account_url", self.fake.base_url())
            .with("access_token", access)
            .with("refresh_token", refresh);
        self.connector
            .build(&self.config, &creds, &upstream())
            .unwrap()
    }
}

fn rows(table: &Value) -> Vec<Value> {
    let cols: Vec<String> = table["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap().to_owned())
        .collect();
    table["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut o = serde_json::Map::new();
            for (c, v) in cols.iter().zip(r.as_array().unwrap()) {
                o.insert(c.clone(), v.clone());
            }
            Value::Object(o)
        })
        .collect()
}

/// Follows `next_cursor` to the end, returning every row/item.
async fn all_pages(h: &Harness, name: &str, args: Value, budget: Budget) -> (Vec<Value>, usize) {
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut a = args.clone();
        if let Some(c) = &cursor {
            a["cursor"] = json!(c);
        }
        let page = h.call_with(&h.client, name, a, budget).await.unwrap();
        pages += 1;
        assert!(
            connector_core::shape::serialized_len(&page) <= budget.chars,
            "{name}: page over budget"
        );
        if page.get("rows").is_some() {
            out.extend(rows(&page));
        } else {
            out.extend(page["items"].as_array().unwrap().iter().cloned());
        }
        match page["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_owned()),
            None => return (out, pages),
        }
        assert!(pages < 500, "{name}: paging does not end");
    }
}

fn ids(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn projects_read_and_write() {
    let h = harness().await;
    let all = h.call("worksection_list_projects", json!({})).await;
    assert!(all["total"].as_u64().unwrap() >= 4);
    let first = &all["items"][0];
    assert!(first.get("page").is_none(), "page paths are dropped");
    let active = h
        .call("worksection_list_projects", json!({"status": "active"}))
        .await;
    assert!(
        active["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["status"] == "active")
    );
    let archived = h
        .call("worksection_list_projects", json!({"status": "archive"}))
        .await;
    assert!(archived["total"].as_u64().unwrap() >= 1);
    let folders = h.call("worksection_list_project_folders", json!({})).await;
    assert!(!folders["folders"].as_array().unwrap().is_empty());

    let members = h.call("worksection_list_members", json!({})).await;
    let emails: Vec<String> = members["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|m| m["email"].as_str().map(str::to_owned))
        .collect();
    assert!(emails.len() >= 3);

    let created = h
        .call(
            "worksection_create_project",
            json!({"title": "Launch plan", "description": "Everything for the launch", "manager_email": emails[1], "member_emails": [emails[1], emails[2]], "due_date": "2027-03-31", "max_time": 120}),
        )
        .await;
    let pid = created["id"].as_str().unwrap().to_owned();
    assert_eq!(created["name"], "Launch plan");
    let got = h
        .call("worksection_get_project", json!({"project_id": pid}))
        .await;
    assert_eq!(got["due"], "2027-03-31");
    assert!(got["text"].as_str().unwrap().contains("launch"));
    let updated = h
        .call(
            "worksection_update_project",
            json!({"project_id": pid, "title": "Launch plan v2", "start_date": "2027-01-04"}),
        )
        .await;
    assert_eq!(updated["name"], "Launch plan v2");
    assert_eq!(updated["start"], "2027-01-04");

    let m = h
        .call(
            "worksection_add_project_members",
            json!({"project_id": pid, "emails": [emails[0]]}),
        )
        .await;
    assert!(
        m["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == emails[0].as_str())
    );
    let m = h
        .call(
            "worksection_remove_project_members",
            json!({"project_id": pid, "emails": [emails[2]]}),
        )
        .await;
    assert!(
        !m["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == emails[2].as_str())
    );
    let listed = h
        .call(
            "worksection_list_project_members",
            json!({"project_id": pid}),
        )
        .await;
    assert!(
        listed["members"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["email"] == emails[0].as_str())
    );

    h.call("worksection_close_project", json!({"project_id": pid}))
        .await;
    let got = h
        .call("worksection_get_project", json!({"project_id": pid}))
        .await;
    assert_ne!(got["status"], "active");
    let again = h
        .try_call("worksection_close_project", json!({"project_id": pid}))
        .await
        .unwrap_err();
    assert_eq!(again.kind(), ErrorKind::Conflict);
    h.call("worksection_activate_project", json!({"project_id": pid}))
        .await;
    let got = h
        .call("worksection_get_project", json!({"project_id": pid}))
        .await;
    assert_eq!(got["status"], "active");
}

#[tokio::test]
async fn the_task_lifecycle_reads_back() {
    let h = harness().await;
    let projects = h
        .call("worksection_list_projects", json!({"status": "active"}))
        .await;
    let pid = projects["items"][0]["id"].as_str().unwrap().to_owned();
    let members = h.call("worksection_list_members", json!({})).await;
    let email = members["items"][1]["email"].as_str().unwrap().to_owned();

    let task = h
        .call(
            "worksection_create_task",
            json!({"project_id": pid, "title": "Prepare Q3 report", "description": "Numbers & charts", "checklist": ["collect", "draft"], "assignee_email": email, "due_date": "2027-07-01", "priority": 8, "subscriber_emails": [email]}),
        )
        .await;
    let tid = task["id"].as_str().unwrap().to_owned();
    assert_eq!(task["priority"], 8);
    let sub = h
        .call(
            "worksection_create_task",
            json!({"project_id": pid, "title": "Collect data", "parent_task_id": tid}),
        )
        .await;
    let sub_id = sub["id"].as_str().unwrap().to_owned();

    let comment = h
        .call(
            "worksection_post_comment",
            json!({"task_id": tid, "text": "Started on the numbers."}),
        )
        .await;
    assert!(comment["text"].as_str().unwrap().contains("numbers"));
    let logged = h
        .call(
            "worksection_add_cost",
            json!({"task_id": tid, "hours": 1.5, "comment": "data pull", "date": "2026-11-30"}),
        )
        .await;
    let cost_id = logged["cost_id"].as_str().unwrap().to_owned();

    // Completing a parent with an open subtask is refused with a reason the model can act on.
    let refused = h
        .try_call("worksection_complete_task", json!({"task_id": tid}))
        .await
        .unwrap_err();
    assert_eq!(refused.kind(), ErrorKind::Conflict);
    assert!(refused.to_string().contains("subtasks"), "{refused}");
    h.call("worksection_complete_task", json!({"task_id": sub_id}))
        .await;
    let done = h
        .call("worksection_complete_task", json!({"task_id": tid}))
        .await;
    assert_eq!(done["status"], "done");

    let got = h.call("worksection_get_task", json!({"task_id": tid, "include": ["text", "comments", "subtasks", "subscribers", "files", "relations"]})).await;
    assert_eq!(got["status"], "done");
    assert!(
        got["text"].as_str().unwrap().contains("Numbers & charts"),
        "{got}"
    );
    assert!(
        got["text"].as_str().unwrap().contains("collect"),
        "checklist in the text: {got}"
    );
    assert_eq!(got["assignee"]["email"], email.as_str());
    assert_eq!(got["due"], "2027-07-01");
    let thread = h
        .call("worksection_list_task_comments", json!({"task_id": tid}))
        .await;
    assert!(
        thread["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["text"].as_str().unwrap().contains("Started"))
    );
    let costs = h
        .call("worksection_list_costs", json!({"task_id": tid}))
        .await;
    let row = costs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cost_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["hours"], 1.5);
    assert_eq!(row["date"], "2026-11-30");
    let subs = h
        .call("worksection_list_subtasks", json!({"task_id": tid}))
        .await;
    assert_eq!(subs["subtasks"][0]["id"], sub_id.as_str());
    let subscribers = h
        .call("worksection_list_task_subscribers", json!({"task_id": tid}))
        .await;
    assert!(
        subscribers["subscribers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["email"] == email.as_str())
    );

    let reopened = h
        .call("worksection_reopen_task", json!({"task_id": tid}))
        .await;
    assert_eq!(reopened["status"], "active");
    let updated = h.call("worksection_update_task", json!({"task_id": tid, "title": "Prepare Q3 report (final)", "priority": 3, "start_date": "2027-06-01"})).await;
    assert_eq!(updated["name"], "Prepare Q3 report (final)");
    assert_eq!(updated["priority"], 3);

    let owner = members["items"][0]["email"].as_str().unwrap().to_owned();
    h.call(
        "worksection_subscribe_member",
        json!({"task_id": tid, "email": owner}),
    )
    .await;
    h.call(
        "worksection_unsubscribe_member",
        json!({"task_id": tid, "email": owner}),
    )
    .await;
    let subscribers = h
        .call("worksection_list_task_subscribers", json!({"task_id": tid}))
        .await;
    assert!(
        !subscribers["subscribers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["email"] == owner.as_str())
    );

    h.call(
        "worksection_update_cost",
        json!({"cost_id": cost_id, "hours": 2.25, "comment": "data pull and cleanup"}),
    )
    .await;
    let costs = h
        .call("worksection_list_costs", json!({"task_id": tid}))
        .await;
    let row = costs["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == cost_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(row["hours"], 2.25);
    h.call("worksection_delete_cost", json!({"cost_id": cost_id}))
        .await;
    let costs = h
        .call("worksection_list_costs", json!({"task_id": tid}))
        .await;
    assert!(
        !costs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["id"] == cost_id.as_str())
    );
}

#[tokio::test]
async fn task_views_search_and_reports() {
    let h = harness().await;
    let (all, _) = all_pages(
        &h,
        "worksection_list_all_tasks",
        json!({"active_only": false}),
        Budget::new(4_000),
    )
    .await;
    assert!(all.len() >= 30);
    let mut seen = ids(&all);
    seen.sort();
    let before = seen.len();
    seen.dedup();
    assert_eq!(before, seen.len(), "every task exactly once");
    let project = all[0]["project_id"].as_str().unwrap().to_owned();

    let ptasks = h
        .call(
            "worksection_list_project_tasks",
            json!({"project_id": project, "active_only": false}),
        )
        .await;
    assert!(
        rows(&ptasks)
            .iter()
            .all(|t| t["project_id"] == project.as_str())
    );
    let done = h
        .call(
            "worksection_list_tasks_by_status",
            json!({"status": "done"}),
        )
        .await;
    assert!(rows(&done).iter().all(|t| t["status"] == "done"));
    assert!(!rows(&done).is_empty());
    let high = h
        .call(
            "worksection_list_tasks_by_priority",
            json!({"min_priority": 7}),
        )
        .await;
    let high = rows(&high);
    assert!(!high.is_empty() && high.iter().all(|t| t["priority"].as_i64().unwrap() >= 7));
    let overdue = h.call("worksection_list_overdue_tasks", json!({})).await;
    let today = connector_worksection::today_iso();
    assert!(
        rows(&overdue)
            .iter()
            .all(|t| t["due"].as_str().unwrap() < today.as_str() && t["status"] == "active")
    );
    assert!(!rows(&overdue).is_empty(), "the seed has overdue tasks");

    let name = all[0]["name"].as_str().unwrap();
    let word = name.split_whitespace().next().unwrap();
    let found = h
        .call("worksection_search_tasks", json!({"name_contains": word}))
        .await;
    assert!(
        rows(&found)
            .iter()
            .all(|t| t["name"].as_str().unwrap().contains(word))
    );
    assert!(!rows(&found).is_empty());
    let in_project = h
        .call(
            "worksection_search_tasks",
            json!({"project_id": project, "status": "active"}),
        )
        .await;
    assert!(
        rows(&in_project)
            .iter()
            .all(|t| t["project_id"] == project.as_str())
    );
    let raw = h
        .call(
            "worksection_search_tasks",
            json!({"raw_filter": format!("project={project}")}),
        )
        .await;
    assert!(!rows(&raw).is_empty());
    let bad = h
        .try_call(
            "worksection_search_tasks",
            json!({"raw_filter": "name has ((("}),
        )
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput, "{bad}");
    let quote = h
        .try_call("worksection_search_tasks", json!({"name_contains": "it's"}))
        .await
        .unwrap_err();
    assert!(quote.to_string().contains("name_contains"));

    let with_relations = h
        .call(
            "worksection_get_task_relations",
            json!({"task_id": all[0]["id"]}),
        )
        .await;
    assert!(with_relations["relations"].get("depends_on").is_some());

    let stats = h
        .call(
            "worksection_get_project_stats",
            json!({"project_id": project}),
        )
        .await;
    assert!(stats["tasks"]["total"].as_u64().unwrap() >= 1);
    let team = h.call("worksection_get_team_workload", json!({})).await;
    assert!(!team["members"].as_array().unwrap().is_empty());
    let members = h.call("worksection_list_members", json!({})).await;
    let busy = team["members"][0]["member"]["email"]
        .as_str()
        .unwrap()
        .to_owned();
    let load = h
        .call("worksection_get_member_workload", json!({"email": busy}))
        .await;
    assert!(load["open_tasks"].as_u64().unwrap() >= 1);
    let theirs = h
        .call("worksection_list_member_tasks", json!({"email": busy}))
        .await;
    assert_eq!(
        rows(&theirs).len() as u64,
        load["open_tasks"].as_u64().unwrap()
    );
    assert!(members["items"].as_array().unwrap().len() >= 3);
    let report = h
        .call(
            "worksection_get_project_time_report",
            json!({"project_id": project}),
        )
        .await;
    assert!(report.get("by_member").is_some());
    let totals = h.call("worksection_get_cost_totals", json!({})).await;
    assert!(totals.get("total").is_some());
    let events = h
        .call("worksection_list_events", json!({"period": "30d"}))
        .await;
    assert!(events["total"].as_u64().unwrap() >= 1);
    assert!(!events["counts"].as_object().unwrap().is_empty());
    let bad = h
        .try_call("worksection_list_events", json!({"period": "99d"}))
        .await
        .unwrap_err();
    assert_eq!(bad.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn members_tags_files_and_timers() {
    let h = harness().await;
    let members = h.call("worksection_list_members", json!({})).await;
    let first = members["items"][0].clone();
    let one = h
        .call("worksection_get_member", json!({"member": first["email"]}))
        .await;
    assert_eq!(one["id"], first["id"]);
    let missing = h
        .try_call(
            "worksection_get_member",
            json!({"member": "nobody@example.invalid"}),
        )
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    assert!(
        !h.call("worksection_list_member_groups", json!({})).await["groups"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !h.call("worksection_list_contacts", json!({})).await["items"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert!(
        !h.call("worksection_list_contact_groups", json!({})).await["groups"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let admin_me = h
        .try_call("worksection_get_current_user", json!({}))
        .await
        .unwrap_err();
    assert_eq!(admin_me.kind(), ErrorKind::Unsupported);

    let tags = h.call("worksection_list_task_tags", json!({})).await;
    let tag_names: Vec<String> = tags["tags"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap().to_owned())
        .collect();
    assert!(tag_names.len() >= 2);
    assert!(
        !h.call("worksection_list_task_tag_groups", json!({})).await["groups"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let status_only = h
        .call("worksection_list_task_tags", json!({"type": "status"}))
        .await;
    assert!(
        status_only["tags"]
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["group"]["type"] == "status")
    );
    assert!(h.call("worksection_list_project_tags", json!({})).await["tags"].is_array());
    assert!(
        h.call("worksection_list_project_tag_groups", json!({}))
            .await["groups"]
            .is_array()
    );

    let all = h
        .call("worksection_list_all_tasks", json!({"limit": 5}))
        .await;
    let tid = rows(&all)[0]["id"].as_str().unwrap().to_owned();
    let pid = rows(&all)[0]["project_id"].as_str().unwrap().to_owned();
    let label = tag_names.last().unwrap().clone();
    let tagged = h
        .call(
            "worksection_set_task_tags",
            json!({"task_id": tid, "add": [label]}),
        )
        .await;
    assert!(
        tagged["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == label.as_str())
    );
    let with_tag = h
        .call("worksection_list_tagged_tasks", json!({"tag": label}))
        .await;
    assert!(rows(&with_tag).iter().any(|t| t["id"] == tid.as_str()));
    let untagged = h
        .call(
            "worksection_set_task_tags",
            json!({"task_id": tid, "remove": [label]}),
        )
        .await;
    assert!(
        !untagged["tags"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t == label.as_str())
    );
    let unknown = h
        .try_call(
            "worksection_set_task_tags",
            json!({"task_id": tid, "add": ["no-such-tag-anywhere"]}),
        )
        .await
        .unwrap_err();
    assert_eq!(unknown.kind(), ErrorKind::InvalidInput);
    let ptags = h.call("worksection_list_project_tags", json!({})).await;
    if let Some(ptag) = ptags["tags"].as_array().unwrap().first() {
        h.call(
            "worksection_set_project_tags",
            json!({"project_id": pid, "add": [ptag["name"]]}),
        )
        .await;
    }

    // Files: find a task with an image, a text file and a binary among the seed.
    let files = h
        .call("worksection_list_files", json!({"project_id": pid}))
        .await;
    let mut by_kind = std::collections::BTreeMap::new();
    let projects = h.call("worksection_list_projects", json!({})).await;
    for p in projects["items"].as_array().unwrap() {
        let fs = h
            .call("worksection_list_files", json!({"project_id": p["id"]}))
            .await;
        for f in fs["items"].as_array().unwrap() {
            let read = h
                .call("worksection_read_file", json!({"file_id": f["id"]}))
                .await;
            by_kind
                .entry(read["kind"].as_str().unwrap().to_owned())
                .or_insert(read);
        }
    }
    assert!(files["items"].is_array());
    for kind in ["text", "image", "link"] {
        assert!(
            by_kind.contains_key(kind),
            "the seed should have a {kind} file: {by_kind:?}"
        );
    }
    let missing = h
        .try_call("worksection_read_file", json!({"file_id": "999999"}))
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    let with_files = h
        .call("worksection_list_all_tasks", json!({"active_only": false}))
        .await;
    let mut found_attachments = false;
    for t in rows(&with_files).iter().take(15) {
        let att = h
            .call(
                "worksection_list_task_attachments",
                json!({"task_id": t["id"]}),
            )
            .await;
        if !att["items"].as_array().unwrap().is_empty() {
            found_attachments = true;
            let disc = h
                .call(
                    "worksection_get_task_discussion",
                    json!({"task_id": t["id"]}),
                )
                .await;
            assert!(!disc["all_files"].as_array().unwrap().is_empty());
            break;
        }
    }
    assert!(found_attachments);

    // Timers: the account's running timers; "my" timer needs user mode.
    let running = h.call("worksection_list_running_timers", json!({})).await;
    assert!(
        !running["timers"].as_array().unwrap().is_empty(),
        "the seed has a running timer"
    );
    let not_user = h
        .try_call("worksection_start_my_timer", json!({"task_id": tid}))
        .await
        .unwrap_err();
    assert_eq!(not_user.kind(), ErrorKind::Unsupported);
    let user_email = members["items"][2]["email"].as_str().unwrap().to_owned();
    let user = h.user_client(&user_email);
    let me = h
        .call_with(
            &user,
            "worksection_get_current_user",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap();
    assert_eq!(me["email"], user_email.as_str());
    let idle = h
        .call_with(
            &user,
            "worksection_get_my_timer",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap();
    assert_eq!(idle["running"], false);
    h.call_with(
        &user,
        "worksection_start_my_timer",
        json!({"task_id": tid}),
        Budget::default(),
    )
    .await
    .unwrap();
    let twice = h
        .call_with(
            &user,
            "worksection_start_my_timer",
            json!({"task_id": tid}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(twice.kind(), ErrorKind::Conflict);
    let busy = h
        .call_with(
            &user,
            "worksection_get_my_timer",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap();
    assert_eq!(busy["running"], true);
    h.call_with(
        &user,
        "worksection_stop_my_timer",
        json!({"comment": "focused work"}),
        Budget::default(),
    )
    .await
    .unwrap();
    let costs = h
        .call(
            "worksection_list_costs",
            json!({"task_id": tid, "from_timer": true}),
        )
        .await;
    assert!(
        costs["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["comment"].as_str().is_some_and(|t| t.contains("focused")))
    );
    let timer_id = running["timers"][0]["id"].as_str().unwrap().to_owned();
    h.call("worksection_stop_timer", json!({"timer_id": timer_id}))
        .await;
    let after = h.call("worksection_list_running_timers", json!({})).await;
    assert!(
        !after["timers"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == timer_id.as_str())
    );
}

#[tokio::test]
async fn errors_the_model_can_act_on() {
    let h = harness().await;
    // A wrong API key.
    let wrong = Credentials::new(CredentialKind::ApiKey)
        .with("account_url", h.fake.base_url())
        .with("api_key", "0123456789abcdef0123456789abcdef");
    let bad_client = h.connector.build(&h.config, &wrong, &upstream()).unwrap();
    let e = h
        .call_with(
            &bad_client,
            "worksection_list_projects",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(
        e.to_string().contains("API key") && e.to_string().contains("reconnect"),
        "{e}"
    );
    assert!(!e.to_string().contains("0123456789abcdef"));
    // An unknown task, named.
    let e = h
        .try_call("worksection_get_task", json!({"task_id": "987654321"}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
    assert!(e.to_string().contains("987654321"), "{e}");
    // An invalid date, refused before any request, naming the field.
    let before = h.fake.action_count("post_task");
    let e = h
        .try_call(
            "worksection_create_task",
            json!({"project_id": "1", "title": "x", "due_date": "2026-02-30"}),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::InvalidInput);
    assert!(e.to_string().contains("due_date"), "{e}");
    assert_eq!(h.fake.action_count("post_task"), before);
    // An upstream outage: retryable, says so.
    h.fake.control().inject(Fault::ServerError, 10);
    let e = h
        .try_call("worksection_list_members", json!({}))
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Upstream);
    assert!(e.is_retryable());
    assert!(e.to_string().contains("try again"), "{e}");
}

#[tokio::test]
async fn the_one_request_per_second_limit_is_respected_and_recovered() {
    // The client keeps to 1 request/s: a burst of reads all succeed against a strict fake.
    let h = harness_with(
        FakeOptions {
            requests_per_second: 1,
            ..FakeOptions::default()
        },
        1,
    )
    .await;
    for _ in 0..3 {
        h.call("worksection_list_project_folders", json!({})).await;
        h.call("worksection_list_contacts", json!({})).await;
    }
    // A client allowed more than the fake: "Too many requests" in HTTP 200 is retried.
    for http_429 in [false, true] {
        let h = harness_with(
            FakeOptions {
                requests_per_second: 1,
                rate_limit_http_429: http_429,
                ..FakeOptions::default()
            },
            20,
        )
        .await;
        h.call("worksection_list_contacts", json!({})).await;
        h.call("worksection_list_member_groups", json!({})).await;
        h.call("worksection_list_project_folders", json!({})).await;
    }
}

#[tokio::test]
async fn user_mode_tokens_refresh_and_a_dead_refresh_says_reconnect() {
    let h = harness().await;
    let app = h
        .connector
        .oauth_app(&h.config)
        .unwrap()
        .expect("the fake's config has an OAuth client");
    let up = upstream();
    // The code flow: the fake's authorize page approves and redirects with a code.
    let url = app.authorize_url("https://switchboard.example/connect/callback", "state-123");
    assert!(
        url.as_str().contains("scope=projects_read%2C"),
        "comma-separated scopes: {url}"
    );
    let resp = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(url.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 302);
    let location = url::Url::parse(resp.headers()["location"].to_str().unwrap()).unwrap();
    let code = location
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    assert_eq!(
        location
            .query_pairs()
            .find(|(k, _)| k == "state")
            .unwrap()
            .1,
        "state-123"
    );
    let tokens = app
        .exchange_code(&up, &code, "https://switchboard.example/connect/callback")
        .await
        .unwrap();
    let creds = h
        .connector
        .complete_sign_in(&h.config, &tokens, &up)
        .await
        .unwrap();
    assert!(h.connector.credentials_expire_at(&creds).is_some());
    let client = h.connector.build(&h.config, &creds, &up).unwrap();
    let me = h
        .call_with(
            &client,
            "worksection_get_current_user",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap();
    assert!(me["email"].is_string());

    // Expired access token: a clear error; the refresh rotates the refresh token.
    h.fake.expire_access_tokens();
    let e = h
        .call_with(
            &client,
            "worksection_list_members",
            json!({}),
            Budget::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Unauthenticated);
    assert!(e.to_string().contains("expired"), "{e}");
    let refreshed = h
        .connector
        .refresh(&h.config, &creds, &up)
        .await
        .unwrap()
        .unwrap();
    use connector_core::ExposeSecret;
    assert_ne!(
        refreshed.get("refresh_token").unwrap().expose_secret(),
        creds.get("refresh_token").unwrap().expose_secret()
    );
    assert_eq!(
        refreshed.get("account_url").unwrap().expose_secret(),
        creds.get("account_url").unwrap().expose_secret()
    );
    let client = h.connector.build(&h.config, &refreshed, &up).unwrap();
    h.call_with(
        &client,
        "worksection_list_members",
        json!({}),
        Budget::default(),
    )
    .await
    .unwrap();
    // The old refresh token was rotated away; a revoked one says "reconnect".
    let reused = h
        .connector
        .refresh(&h.config, &creds, &up)
        .await
        .unwrap_err();
    assert_eq!(reused.kind(), ErrorKind::Unauthenticated);
    h.fake.revoke_refresh_tokens();
    let dead = h
        .connector
        .refresh(&h.config, &refreshed, &up)
        .await
        .unwrap_err();
    assert_eq!(dead.kind(), ErrorKind::Unauthenticated);
    assert!(dead.to_string().contains("reconnect"), "{dead}");
}

#[tokio::test]
async fn the_large_account_pages_exactly_once_and_shapes_small() {
    let h = harness_with(
        FakeOptions {
            dataset: Dataset::Large,
            requests_per_second: 0,
            ..FakeOptions::default()
        },
        100,
    )
    .await;
    let (tasks, pages) = all_pages(
        &h,
        "worksection_list_all_tasks",
        json!({"active_only": false}),
        Budget::default(),
    )
    .await;
    let mut seen = ids(&tasks);
    let total = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), total, "no task twice");
    assert!(total >= 5_000, "{total} tasks");
    assert!(pages > 1);

    // The shaped pages against the raw answer for the same tasks.
    let report = connector_worksection::bench::all_tasks_shaping(&h.fake)
        .await
        .unwrap();
    assert_eq!(report.items, total);
    assert!(
        report.ratio() <= 0.25,
        "shaped output is {:.3} of the raw bytes: {report:?}",
        report.ratio()
    );
}

#[tokio::test]
async fn resources_serve_files_and_task_context() {
    let h = harness().await;
    let templates: Vec<&str> = h
        .connector
        .resource_templates()
        .iter()
        .map(|t| t.uri_template)
        .collect();
    assert_eq!(
        templates,
        ["worksection://file/{id}", "worksection://task/{id}/context"]
    );
    let all = h
        .call("worksection_list_all_tasks", json!({"limit": 1}))
        .await;
    let tid = rows(&all)[0]["id"].as_str().unwrap().to_owned();
    let uri = format!("worksection://task/{tid}/context");
    let ctx = h
        .connector
        .read_resource(&h.client, &uri, Budget::default())
        .await
        .unwrap()
        .unwrap();
    let connector_core::ResourceContent::Text {
        text, mime_type, ..
    } = &ctx[0]
    else {
        panic!("text expected")
    };
    assert_eq!(mime_type, "application/json");
    let v: Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["task"]["id"], tid.as_str());
    let projects = h.call("worksection_list_projects", json!({})).await;
    let mut file_id = None;
    for p in projects["items"].as_array().unwrap() {
        let fs = h
            .call("worksection_list_files", json!({"project_id": p["id"]}))
            .await;
        if let Some(f) = fs["items"].as_array().unwrap().first() {
            file_id = Some(f["id"].as_str().unwrap().to_owned());
            break;
        }
    }
    let file_id = file_id.expect("the seed has files");
    let file = h
        .connector
        .read_resource(
            &h.client,
            &format!("worksection://file/{file_id}"),
            Budget::default(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(file.len(), 1);
    assert!(
        h.connector
            .read_resource(&h.client, "worksection://nothing/1", Budget::default())
            .await
            .unwrap()
            .is_none()
    );
    let missing = h
        .connector
        .read_resource(&h.client, "worksection://file/999999", Budget::default())
        .await
        .unwrap_err();
    assert_eq!(missing.kind(), ErrorKind::NotFound);
}

#[tokio::test]
async fn paging_survives_writes_and_files_are_cached() {
    let h = harness().await;
    // Page 1 of the open tasks, then close some of them, then the rest of the pages:
    // the pages still cover the list as it was, each task once.
    let first = h
        .call("worksection_list_all_tasks", json!({"limit": 5}))
        .await;
    let total = first["total"].as_u64().unwrap() as usize;
    let mut seen = ids(&rows(&first));
    for t in rows(&first)
        .iter()
        .filter(|t| t["parent_id"].is_null())
        .take(2)
    {
        // Leaf tasks only; a parent with open subtasks cannot be completed.
        let _ = h
            .try_call("worksection_complete_task", json!({"task_id": t["id"]}))
            .await;
    }
    let mut cursor = first["next_cursor"].as_str().map(str::to_owned);
    while let Some(c) = cursor {
        let page = h
            .call(
                "worksection_list_all_tasks",
                json!({"limit": 5, "cursor": c}),
            )
            .await;
        seen.extend(ids(&rows(&page)));
        cursor = page["next_cursor"].as_str().map(str::to_owned);
    }
    let n = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), n, "no task twice");
    assert_eq!(n, total, "no task skipped");
    // A fresh first page sees the writes.
    let fresh = h
        .call("worksection_list_all_tasks", json!({"limit": 5}))
        .await;
    assert!(fresh["total"].as_u64().unwrap() as usize <= total);

    // A file read twice is downloaded once.
    let projects = h.call("worksection_list_projects", json!({})).await;
    let pid = projects["items"][0]["id"].clone();
    let files = h
        .call("worksection_list_files", json!({"project_id": pid}))
        .await;
    let fid = files["items"][0]["id"].clone();
    h.call("worksection_read_file", json!({"file_id": fid}))
        .await;
    let downloads = h.fake.action_count("download");
    h.call("worksection_read_file", json!({"file_id": fid}))
        .await;
    assert_eq!(h.fake.action_count("download"), downloads);

    // Events say what changed.
    let events = h
        .call("worksection_list_events", json!({"period": "30d"}))
        .await;
    let items = events["items"].as_array().unwrap();
    assert!(items.iter().all(|e| e.get("project_id").is_some()));
    assert!(items.iter().any(|e| e.get("changes").is_some()), "{events}");
}
