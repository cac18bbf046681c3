//! The fake Basecamp over real HTTP: Launchpad grants and refresh, the API's required
//! headers and error bodies, both route forms, geared pagination, caching, the request
//! window, write semantics (full-replacement to-dos, completion, positions, card moves,
//! comments), search, assignments, recordings, events, faults and the seed itself.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::collections::HashSet;

use chrono::NaiveDate;
use connector_basecamp::fake::{FakeBasecamp, FakeOptions, start, start_with};
use connector_core::{ExposeSecret, fake::Fault};
use reqwest::{Method, StatusCode, header};
use serde_json::{Value, json};

const UA: &str = "Switchboard tests (dev@switchboard.invalid)";
const EXPIRED: &str = "OAuth token expired (old age). Refresh your token or acquire a new one at \
     <a href=\"https://launchpad.37signals.com/authorization/new\">https://launchpad.37signals.com/authorization/new</a>";
const REDIRECT: &str = "http://localhost:7777/oauth/callback";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 3, 25).unwrap()
}

fn client() -> reqwest::Client {
    connector_core::http::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A fake (unlimited requests, fixed today) and an owner token.
struct Api {
    http: reqwest::Client,
    fake: FakeBasecamp,
    token: String,
}

impl Api {
    async fn with(options: FakeOptions) -> Self {
        let fake = start_with(options).await.unwrap();
        let (token, _) = fake.issue_tokens("victor@honchodesign.com");
        Self {
            http: client(),
            fake,
            token,
        }
    }

    async fn new() -> Self {
        Self::with(FakeOptions {
            requests_per_10s: 0,
            today: Some(today()),
            ..FakeOptions::default()
        })
        .await
    }

    /// An API path (`/todos/1.json`) or an absolute URL (a `Link` target).
    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.fake.api_base())
        }
    }

    fn request(&self, method: Method, path: &str) -> reqwest::RequestBuilder {
        self.http
            .request(method, self.url(path))
            .header(header::USER_AGENT, UA)
            .bearer_auth(&self.token)
    }

    /// A request without a body.
    async fn call(&self, method: Method, path: &str) -> reqwest::Response {
        self.request(method, path).send().await.unwrap()
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.call(Method::GET, path).await
    }

    /// A `POST` of `body` as it stands, declared as `content_type`.
    async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: &'static str,
    ) -> reqwest::Response {
        self.request(Method::POST, path)
            .header(header::CONTENT_TYPE, content_type)
            .body(body)
            .send()
            .await
            .unwrap()
    }

    /// A conditional `GET`.
    async fn get_if_none_match(&self, path: &str, etag: &str) -> reqwest::Response {
        self.request(Method::GET, path)
            .header(header::IF_NONE_MATCH, etag)
            .send()
            .await
            .unwrap()
    }

    async fn json(&self, path: &str) -> Value {
        let resp = self.get(path).await;
        assert_eq!(resp.status(), 200, "GET {path}");
        resp.json().await.unwrap()
    }

    async fn send(&self, method: Method, path: &str, body: Value) -> reqwest::Response {
        self.request(method, path).json(&body).send().await.unwrap()
    }

    /// Sends a JSON body, asserts the status and reads the JSON answer.
    async fn sent(&self, method: Method, path: &str, body: Value, status: u16) -> Value {
        body_of(self.send(method, path, body).await, status).await
    }

    /// Sends a JSON body and asserts the error answer.
    async fn send_fails(&self, method: Method, path: &str, body: Value, status: u16, error: &str) {
        fails(self.send(method, path, body).await, status, error).await;
    }

    fn record(&self, kind: &str, id: i64) -> Value {
        self.fake
            .record(kind, id)
            .unwrap_or_else(|| panic!("no {kind} {id}"))
    }
}

fn header_str<'r>(resp: &'r reqwest::Response, name: &str) -> Option<&'r str> {
    resp.headers().get(name).and_then(|v| v.to_str().ok())
}

fn next_link(resp: &reqwest::Response) -> Option<String> {
    let link = header_str(resp, "link")?;
    let start = link.find('<')? + 1;
    let end = link.find('>')?;
    assert!(link.ends_with("rel=\"next\""), "{link}");
    Some(link[start..end].to_owned())
}

/// The `key` string of every item of a JSON list.
fn strings<'v>(list: &'v Value, key: &str) -> Vec<&'v str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v[key].as_str().unwrap())
        .collect()
}

fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_i64().unwrap())
        .collect()
}

/// Asserts the status and reads the JSON body.
async fn body_of(resp: reqwest::Response, status: u16) -> Value {
    assert_eq!(resp.status(), status);
    resp.json().await.unwrap()
}

/// Asserts an error answer: its status and its `error` text.
async fn fails(resp: reqwest::Response, status: u16, error: &str) {
    assert_eq!(error_of(resp).await, (status, error.to_owned()));
}

async fn error_of(resp: reqwest::Response) -> (u16, String) {
    let status = resp.status().as_u16();
    let v: Value = resp.json().await.unwrap();
    (status, v["error"].as_str().unwrap_or_default().to_owned())
}

// ---- Launchpad ----

/// Runs the authorize step and returns the code Launchpad sends back.
async fn authorize(api: &Api, params: &[(&str, &str)]) -> reqwest::Response {
    api.http
        .get(format!("{}/authorization/new", api.fake.base_url()))
        .query(params)
        .send()
        .await
        .unwrap()
}

fn code_from(resp: &reqwest::Response, state: &str) -> String {
    assert_eq!(resp.status(), StatusCode::FOUND);
    let location = url::Url::parse(header_str(resp, "location").unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT), "{location}");
    let pairs: Vec<(String, String)> = location.query_pairs().into_owned().collect();
    assert!(
        pairs.contains(&("state".to_owned(), state.to_owned())),
        "{location}"
    );
    pairs
        .into_iter()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v)
        .unwrap()
}

/// The authorize step for the registered client: the code sent back with `state`.
async fn code_for(api: &Api, id: &str, state: &str) -> String {
    let params = [
        ("response_type", "code"),
        ("client_id", id),
        ("redirect_uri", REDIRECT),
        ("state", state),
    ];
    code_from(&authorize(api, &params).await, state)
}

/// The form that exchanges a code for tokens.
fn code_exchange<'a>(
    code: &'a str,
    id: &'a str,
    secret: &'a str,
    redirect_uri: &'a str,
) -> [(&'a str, &'a str); 5] {
    [
        ("grant_type", "authorization_code"),
        ("code", code),
        ("client_id", id),
        ("client_secret", secret),
        ("redirect_uri", redirect_uri),
    ]
}

/// The form of the refresh grant.
fn refresh_grant<'a>(refresh: &'a str, id: &'a str, secret: &'a str) -> [(&'a str, &'a str); 4] {
    [
        ("grant_type", "refresh_token"),
        ("refresh_token", refresh),
        ("client_id", id),
        ("client_secret", secret),
    ]
}

async fn token_form(api: &Api, form: &[(&str, &str)]) -> reqwest::Response {
    api.http
        .post(format!("{}/authorization/token", api.fake.base_url()))
        .form(form)
        .send()
        .await
        .unwrap()
}

async fn token_query(api: &Api, query: &[(&str, &str)]) -> reqwest::Response {
    api.http
        .post(format!("{}/authorization/token", api.fake.base_url()))
        .query(query)
        .send()
        .await
        .unwrap()
}

/// Launchpad's `authorization.json` with the owner's token.
async fn authorization_json(api: &Api) -> reqwest::Response {
    api.http
        .get(format!("{}/authorization.json", api.fake.base_url()))
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap()
}

async fn profile_with(api: &Api, token: &str) -> reqwest::Response {
    api.http
        .get(api.url("/my/profile.json"))
        .header(header::USER_AGENT, UA)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn launchpad_code_grant_with_grant_type_in_a_form_body() {
    let api = Api::new().await;
    let (id, secret) = api.fake.oauth_client();
    let code = code_for(&api, &id, "s1").await;
    let form = code_exchange(&code, &id, &secret, REDIRECT);
    let resp = token_form(&api, &form).await;
    let v = body_of(resp, 200).await;
    assert_eq!(v["token_type"], "Bearer");
    assert_eq!(v["expires_in"], 1_209_600);
    let access = v["access_token"].as_str().unwrap();
    assert!(access.starts_with("BAhbB0ki"), "{access}");
    assert!(v["refresh_token"].as_str().unwrap().len() > 40);
    let me: Value = profile_with(&api, access).await.json().await.unwrap();
    assert_eq!(me["email_address"], "victor@honchodesign.com");
    assert_eq!(me["id"], api.fake.seed().owner);
    // A code works once.
    fails(token_form(&api, &form).await, 400, "invalid_grant").await;
    assert_eq!(api.fake.count("POST /authorization/token"), 2);
    assert_eq!(api.fake.count("GET /authorization/new"), 1);
}

#[tokio::test]
async fn launchpad_legacy_type_in_the_query_string_and_login_hint() {
    let api = Api::new().await;
    let (id, secret) = api.fake.oauth_client();
    let resp = authorize(
        &api,
        &[
            ("type", "web_server"),
            ("client_id", &id),
            ("redirect_uri", REDIRECT),
            ("state", "legacy"),
            ("login_hint", "annie@honchodesign.com"),
        ],
    )
    .await;
    let code = code_from(&resp, "legacy");
    let resp = token_query(
        &api,
        &[
            ("type", "web_server"),
            ("code", &code),
            ("client_id", &id),
            ("client_secret", &secret),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    let v = body_of(resp, 200).await;
    let me: Value = profile_with(&api, v["access_token"].as_str().unwrap())
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["name"], "Annie Bryan");
}

#[tokio::test]
async fn launchpad_refuses_unknown_clients_and_bad_secrets() {
    let api = Api::new().await;
    let (id, secret) = api.fake.oauth_client();
    let resp = authorize(
        &api,
        &[
            ("response_type", "code"),
            ("client_id", "nope"),
            ("redirect_uri", REDIRECT),
        ],
    )
    .await;
    fails(resp, 400, "invalid_client").await;
    let code = code_for(&api, &id, "x").await;
    // The right client with the wrong redirect URI: the code is refused (and spent).
    let resp = token_form(
        &api,
        &code_exchange(&code, &id, &secret, "http://localhost:1/elsewhere"),
    )
    .await;
    fails(resp, 400, "invalid_grant").await;
    let resp = token_form(&api, &code_exchange(&code, &id, "wrong", REDIRECT)).await;
    fails(resp, 401, "invalid_client").await;
}

#[tokio::test]
async fn launchpad_refresh_keeps_the_refresh_token_until_revoked() {
    let api = Api::new().await;
    let (id, secret) = api.fake.oauth_client();
    let (old_access, refresh) = api.fake.issue_tokens("victor@honchodesign.com");
    // Standard form body.
    let resp = token_form(&api, &refresh_grant(&refresh, &id, &secret)).await;
    let v = body_of(resp, 200).await;
    assert_eq!(v["refresh_token"], refresh.as_str());
    assert_eq!(v["expires_in"], 1_209_600);
    let new_access = v["access_token"].as_str().unwrap().to_owned();
    assert_ne!(new_access, old_access);
    assert_eq!(profile_with(&api, &new_access).await.status(), 200);
    // Legacy `type=refresh` in the query string.
    let resp = token_query(
        &api,
        &[
            ("type", "refresh"),
            ("refresh_token", &refresh),
            ("client_id", &id),
            ("client_secret", &secret),
        ],
    )
    .await;
    assert_eq!(resp.status(), 200);
    // Unknown refresh token.
    let resp = token_form(&api, &refresh_grant("BAhbB0kiAbogus", &id, &secret)).await;
    fails(resp, 400, "invalid_grant").await;
    // A password change.
    api.fake.revoke_refresh_tokens();
    let resp = token_form(&api, &refresh_grant(&refresh, &id, &secret)).await;
    fails(resp, 400, "authorization_expired").await;
}

#[tokio::test]
async fn authorization_json_lists_the_bc3_account_after_another_product() {
    let api = Api::new().await;
    let resp = authorization_json(&api).await;
    let v = body_of(resp, 200).await;
    assert_eq!(v["identity"]["first_name"], "Victor");
    assert_eq!(v["identity"]["last_name"], "Cooper");
    assert_eq!(v["identity"]["email_address"], "victor@honchodesign.com");
    let accounts = v["accounts"].as_array().unwrap();
    assert_eq!(accounts.len(), 2);
    assert_eq!(accounts[0]["product"], "bcx");
    let bc3 = &accounts[1];
    assert_eq!(bc3["product"], "bc3");
    assert_eq!(bc3["id"], api.fake.account_id());
    assert_eq!(bc3["name"], "Honcho Design");
    assert_eq!(bc3["href"], api.fake.api_base());
    let expires = chrono::DateTime::parse_from_rfc3339(v["expires_at"].as_str().unwrap()).unwrap();
    let in_secs = expires.timestamp() - chrono::Utc::now().timestamp();
    assert!((1_209_500..=1_209_600).contains(&in_secs), "{in_secs}");
    // An expired token: the API's words, here as on the API.
    api.fake.expire_access_tokens();
    let resp = authorization_json(&api).await;
    fails(resp, 401, EXPIRED).await;
}

#[tokio::test]
async fn the_default_account_carries_fresh_owner_tokens() {
    let account = start().await.unwrap();
    assert_eq!(account.config["contact"], "demo@switchboard.invalid");
    assert_eq!(account.config["launchpad_url"], account.base_url.as_str());
    assert!(account.label.starts_with("Basecamp fake at 127.0.0.1:"));
    let field = |n: &str| {
        account
            .credentials
            .get(n)
            .unwrap()
            .expose_secret()
            .to_owned()
    };
    assert_eq!(
        field("account_url"),
        format!("{}/195539477", account.base_url)
    );
    let expires: i64 = field("expires_at").parse().unwrap();
    assert!(expires > chrono::Utc::now().timestamp() + 1_209_000);
    let resp = client()
        .get(format!("{}/my/profile.json", field("account_url")))
        .header(header::USER_AGENT, UA)
        .bearer_auth(field("access_token"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(account.control.requests(), 1);
}

// ---- required headers and account state ----

#[tokio::test]
async fn user_agent_must_name_the_app_and_a_contact() {
    let api = Api::new().await;
    let url = api.url("/projects.json");
    for ua in [None, Some("reqwest/0.13"), Some("   ")] {
        let mut req = api.http.get(&url).bearer_auth(&api.token);
        if let Some(ua) = ua {
            req = req.header(header::USER_AGENT, ua);
        }
        let (status, error) = error_of(req.send().await.unwrap()).await;
        assert_eq!(status, 400, "{ua:?}");
        assert!(error.contains("User-Agent"), "{error}");
    }
    let ok = api
        .http
        .get(&url)
        .bearer_auth(&api.token)
        .header(
            header::USER_AGENT,
            "Freshbooks (http://freshbooks.com/contact.php)",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), 200);
    let log = api.fake.request_log();
    assert_eq!(log.len(), 4);
    assert_eq!(log[0].2, None);
    assert_eq!(log[1].2.as_deref(), Some("reqwest/0.13"));
    assert_eq!(log[3].1, "/195539477/projects.json");
}

#[tokio::test]
async fn writes_need_a_json_content_type() {
    let api = Api::new().await;
    let message = ids(&api
        .json(&format!(
            "/message_boards/{}/messages.json",
            api.fake.seed().message_board
        ))
        .await)[0];
    let path = format!("/recordings/{message}/comments.json");
    for ct in ["text/plain", "application/x-www-form-urlencoded"] {
        let resp = api.post_raw(&path, ct, r#"{"content":"hi"}"#).await;
        assert_eq!(
            error_of(resp).await,
            (415, "Unsupported Media Type".to_owned()),
            "{ct}"
        );
    }
    let resp = api
        .post_raw(
            &path,
            "application/json; charset=utf-8",
            r#"{"content":"<div>hi</div>"}"#,
        )
        .await;
    assert_eq!(resp.status(), 201);
    // Not JSON at all.
    let resp = api.post_raw(&path, "application/json", "{content:").await;
    fails(resp, 400, "Bad Request").await;
}

#[tokio::test]
async fn tokens_missing_unknown_and_expired() {
    let api = Api::new().await;
    let resp = api
        .http
        .get(api.url("/projects.json"))
        .header(header::USER_AGENT, UA)
        .send()
        .await
        .unwrap();
    assert_eq!(
        header_str(&resp, "www-authenticate"),
        Some("Bearer realm=\"Basecamp\"")
    );
    fails(resp, 401, "OAuth token invalid").await;
    let resp = profile_with(&api, "BAhbB0kiAbnope").await;
    fails(resp, 401, "OAuth token invalid").await;
    api.fake.expire_access_tokens();
    fails(api.get("/projects.json").await, 401, EXPIRED).await;
    // Tokens minted afterwards work.
    let (fresh, _) = api.fake.issue_tokens("nobody@example.com");
    let me: Value = profile_with(&api, &fresh).await.json().await.unwrap();
    assert_eq!(me["name"], "Victor Cooper");
}

#[tokio::test]
async fn an_inactive_account_answers_404_with_a_reason() {
    let api = Api::new().await;
    api.fake.set_account_inactive(true);
    let resp = api.get("/projects.json").await;
    assert_eq!(resp.status(), 404);
    assert_eq!(header_str(&resp, "reason"), Some("Account Inactive"));
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v, json!({"status": 404, "error": "Not Found"}));
    api.fake.set_account_inactive(false);
    let resp = api.get("/projects.json").await;
    assert_eq!(resp.status(), 200);
    assert_eq!(header_str(&resp, "reason"), None);
}

#[tokio::test]
async fn unknown_paths_and_accounts_are_404() {
    let api = Api::new().await;
    for path in ["/nothing.json", "/todos/1.json", "/projects/9.json"] {
        assert_eq!(
            error_of(api.get(path).await).await,
            (404, "Not Found".to_owned()),
            "{path}"
        );
    }
    let other = api
        .http
        .get(format!("{}/999/projects.json", api.fake.base_url()))
        .header(header::USER_AGENT, UA)
        .bearer_auth(&api.token)
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 404);
}

// ---- both route forms ----

#[tokio::test]
async fn flat_and_bucket_routes_answer_the_same() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let todo = ids(&api
        .json(&format!("/todolists/{}/todos.json", seed.big_todolist))
        .await)[0];
    let flat = api.json(&format!("/todos/{todo}.json")).await;
    let bucket = api
        .json(&format!("/buckets/{}/todos/{todo}.json", seed.big_project))
        .await;
    assert_eq!(flat, bucket);
    // Every `url` uses the bucket form.
    assert_eq!(
        flat["url"],
        format!(
            "{}/buckets/{}/todos/{todo}.json",
            api.fake.api_base(),
            seed.big_project
        )
    );
    assert_eq!(flat["parent"]["id"], seed.big_todolist);
    assert_eq!(flat["bucket"]["id"], seed.big_project);
    let list_flat = api
        .json(&format!(
            "/todolists/{}/todos.json?page=2",
            seed.big_todolist
        ))
        .await;
    let list_bucket = api
        .json(&format!(
            "/buckets/{}/todolists/{}/todos.json?page=2",
            seed.big_project, seed.big_todolist
        ))
        .await;
    assert_eq!(list_flat, list_bucket);
    // The wrong bucket hides the recording.
    let wrong = api
        .get(&format!("/buckets/{}/todos/{todo}.json", seed.card_project))
        .await;
    assert_eq!(wrong.status(), 404);
    // Both forms count under one label.
    assert_eq!(api.fake.count("GET /todos/{id}.json"), 3);
    assert_eq!(api.fake.count("GET /todolists/{id}/todos.json"), 3);
}

// ---- pagination ----

/// Follows `Link` from `first`, checking sizes and totals, and returns every id.
async fn walk(api: &Api, first: &str, total: usize) -> Vec<i64> {
    let mut url = first.to_owned();
    let mut all = Vec::new();
    let mut page = 0;
    loop {
        page += 1;
        let resp = api.get(&url).await;
        assert_eq!(resp.status(), 200);
        assert_eq!(
            header_str(&resp, "x-total-count"),
            Some(total.to_string().as_str())
        );
        let next = next_link(&resp);
        let items: Value = resp.json().await.unwrap();
        let expected = [15, 30, 50]
            .get(page - 1)
            .copied()
            .unwrap_or(100)
            .min(total - all.len());
        assert_eq!(items.as_array().unwrap().len(), expected, "page {page}");
        all.extend(ids(&items));
        match next {
            Some(next) => {
                assert!(next.starts_with(&api.fake.api_base()), "{next}");
                assert!(next.ends_with(&format!("page={}", page + 1)), "{next}");
                url = next;
            }
            None => break,
        }
    }
    assert_eq!(all.len(), total);
    all
}

#[tokio::test]
async fn geared_pages_walk_every_todo_once() {
    let api = Api::new().await;
    let list = api.fake.seed().big_todolist;
    let pending = walk(&api, &format!("/todolists/{list}/todos.json"), 262).await;
    let completed = walk(
        &api,
        &format!("/todolists/{list}/todos.json?completed=true"),
        65,
    )
    .await;
    let unique: HashSet<i64> = pending.iter().chain(&completed).copied().collect();
    assert_eq!(unique.len(), 327);
    // Pages: 15 + 30 + 50 + 100 + 67 pending, 15 + 30 + 20 completed.
    assert_eq!(api.fake.count("GET /todolists/{id}/todos.json"), 5 + 3);
    // Pending to-dos come in position order, 1..n.
    let first = api.json(&format!("/todolists/{list}/todos.json")).await;
    let positions: Vec<i64> = first
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["position"].as_i64().unwrap())
        .collect();
    assert_eq!(positions, (1..=15).collect::<Vec<_>>());
    // A page past the end is empty, with the total and no link.
    let resp = api
        .get(&format!("/todolists/{list}/todos.json?page=9"))
        .await;
    assert_eq!(header_str(&resp, "x-total-count"), Some("262"));
    assert!(next_link(&resp).is_none());
    assert_eq!(resp.json::<Value>().await.unwrap(), json!([]));
    // Nonsense page numbers: page 1, or an empty page, never a failure.
    for (page, len) in [
        ("0", 15),
        ("abc", 15),
        ("-2", 15),
        ("18446744073709551615", 0),
    ] {
        let items = api
            .json(&format!("/todolists/{list}/todos.json?page={page}"))
            .await;
        assert_eq!(items.as_array().unwrap().len(), len, "page={page}");
    }
}

#[tokio::test]
async fn short_collections_have_one_page_and_no_link() {
    let api = Api::new().await;
    let resp = api.get("/projects.json").await;
    assert_eq!(header_str(&resp, "x-total-count"), Some("5"));
    assert!(next_link(&resp).is_none());
    let projects: Value = resp.json().await.unwrap();
    // Newest first.
    let seed = api.fake.seed();
    assert_eq!(
        ids(&projects),
        seed.projects[..5].iter().rev().copied().collect::<Vec<_>>()
    );
    let archived = api.json("/projects.json?status=archived").await;
    assert_eq!(ids(&archived), vec![seed.archived_project]);
    let trashed = api.json("/projects.json?status=trashed").await;
    assert_eq!(ids(&trashed), vec![seed.trashed_project]);
}

// ---- caching ----

#[tokio::test]
async fn etags_give_304_until_the_data_changes() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let todo = ids(&api
        .json(&format!("/todolists/{}/todos.json", seed.big_todolist))
        .await)[3];
    let path = format!("/todos/{todo}.json");
    let resp = api.get(&path).await;
    let etag = header_str(&resp, "etag").unwrap().to_owned();
    assert!(etag.starts_with('"') && !etag.starts_with("W/"), "{etag}");
    assert!(
        header_str(&resp, "last-modified")
            .unwrap()
            .ends_with(" GMT")
    );
    let resp = api.get_if_none_match(&path, &etag).await;
    assert_eq!(resp.status(), 304);
    assert_eq!(header_str(&resp, "etag"), Some(etag.as_str()));
    assert!(resp.bytes().await.unwrap().is_empty());
    assert_eq!(api.fake.not_modified(), 1);
    // The log keeps what the client sent.
    assert_eq!(
        api.fake.request_log().last().unwrap().3.as_deref(),
        Some(etag.as_str())
    );
    // A write changes the tag.
    let resp = api
        .send(Method::PUT, &path, json!({"content": "Renamed"}))
        .await;
    assert_eq!(resp.status(), 200);
    let resp = api.get_if_none_match(&path, &etag).await;
    assert_eq!(resp.status(), 200);
    assert_ne!(header_str(&resp, "etag"), Some(etag.as_str()));
    assert_eq!(api.fake.not_modified(), 1);
    // Collections too, and their tag moves when a new item changes the total.
    let list_path = format!("/todolists/{}/todos.json?page=9", seed.big_todolist);
    let list_tag = header_str(&api.get(&list_path).await, "etag")
        .unwrap()
        .to_owned();
    let again = api.get_if_none_match(&list_path, &list_tag).await;
    assert_eq!(again.status(), 304);
    let created = api
        .send(
            Method::POST,
            &format!("/todolists/{}/todos.json", seed.big_todolist),
            json!({"content": "One more"}),
        )
        .await;
    assert_eq!(created.status(), 201);
    let after = api.get_if_none_match(&list_path, &list_tag).await;
    assert_eq!(after.status(), 200);
    assert_eq!(header_str(&after, "x-total-count"), Some("263"));
}

// ---- the request window ----

#[tokio::test]
async fn the_window_answers_429_with_retry_after() {
    let api = Api::with(FakeOptions {
        requests_per_10s: 5,
        today: Some(today()),
        ..FakeOptions::default()
    })
    .await;
    for _ in 0..5 {
        assert_eq!(api.get("/projects.json").await.status(), 200);
    }
    let resp = api.get("/projects.json").await;
    assert_eq!(resp.status(), 429);
    let retry: u64 = header_str(&resp, "retry-after").unwrap().parse().unwrap();
    assert!((1..=10).contains(&retry), "{retry}");
    fails(resp, 429, "Too Many Requests").await;
    assert_eq!(api.get("/people.json").await.status(), 429);
    assert_eq!(api.fake.rate_limited(), 2);
    // Refused requests do not fill the window.
    assert_eq!(api.fake.max_requests_in_window(), 5);
    // Launchpad is another host in real life: not limited.
    let resp = authorization_json(&api).await;
    assert_eq!(resp.status(), 200);
}

// ---- to-dos ----

#[tokio::test]
async fn a_todo_put_replaces_everything() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let todos = api
        .json(&format!(
            "/todolists/{}/todos.json?page=2",
            seed.big_todolist
        ))
        .await;
    let full = todos
        .as_array()
        .unwrap()
        .iter()
        .find(|t| {
            !t["assignees"].as_array().unwrap().is_empty()
                && !t["due_on"].is_null()
                && !t["description"].as_str().unwrap().is_empty()
        })
        .expect("a to-do with assignees, a due date and a description")
        .clone();
    let id = full["id"].as_i64().unwrap();
    let v = api
        .sent(
            Method::PUT,
            &format!("/todos/{id}.json"),
            json!({"content": "Only the content"}),
            200,
        )
        .await;
    assert_eq!(v["content"], "Only the content");
    assert_eq!(v["title"], "Only the content");
    assert_eq!(v["description"], "");
    assert_eq!(v["description_attachments"], json!([]));
    assert_eq!(v["assignees"], json!([]));
    assert_eq!(v["completion_subscribers"], json!([]));
    assert_eq!(v["due_on"], Value::Null);
    assert_eq!(v["starts_on"], Value::Null);
    assert_ne!(v["updated_at"], full["updated_at"]);
    assert_eq!(api.record("todos", id), v);
    // Setting fields back.
    let steve = seed.people[8];
    let v = api
        .sent(
            Method::PUT,
            &format!("/todos/{id}.json"),
            json!({"content": "Back", "assignee_ids": [steve, 1], "due_on": "2026-04-01", "description": "<div>x</div>"}),
            200,
        )
        .await;
    assert_eq!(ids(&v["assignees"]), vec![steve]);
    assert_eq!(v["due_on"], "2026-04-01");
    assert_eq!(v["description"], "<div>x</div>");
    // `content` is always required; dates must be dates.
    api.send_fails(
        Method::PUT,
        &format!("/todos/{id}.json"),
        json!({"description": "x"}),
        422,
        "Content can't be blank",
    )
    .await;
    api.send_fails(
        Method::PUT,
        &format!("/todos/{id}.json"),
        json!({"content": "x", "due_on": ""}),
        422,
        "Due on is not a valid date",
    )
    .await;
}

#[tokio::test]
async fn creating_a_todo_expands_mentions() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let annie = api.record("people", seed.people[1]);
    let sgid = annie["attachable_sgid"].as_str().unwrap();
    let resp = api
        .send(
            Method::POST,
            &format!("/todolists/{}/todos.json", seed.big_todolist),
            json!({
                "content": "Ask Annie",
                "description": format!("<div>Ask <bc-attachment sgid=\"{sgid}\"></bc-attachment></div>"),
                "assignee_ids": [seed.owner],
                "due_on": "2026-03-30",
            }),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let location = header_str(&resp, "location").unwrap().to_owned();
    let v: Value = resp.json().await.unwrap();
    assert_eq!(v["app_url"], location.as_str());
    let description = v["description"].as_str().unwrap();
    assert!(
        description.contains("application/vnd.basecamp.mention"),
        "{description}"
    );
    assert!(
        description.contains("<figcaption>Annie</figcaption>"),
        "{description}"
    );
    assert_eq!(v["completed"], false);
    // New to-dos go after the last pending one.
    assert_eq!(v["position"], 263);
    assert_eq!(v["creator"]["id"], seed.owner);
    assert!(v["id"].as_i64().unwrap() > i64::from(u32::MAX));
    api.send_fails(
        Method::POST,
        &format!("/todolists/{}/todos.json", seed.big_todolist),
        json!({"content": "  "}),
        422,
        "Content can't be blank",
    )
    .await;
}

#[tokio::test]
async fn completion_is_204_and_moves_between_filters() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let list = seed.big_todolist;
    let id = ids(&api.json(&format!("/todolists/{list}/todos.json")).await)[0];
    let resp = api
        .call(Method::POST, &format!("/todos/{id}/completion.json"))
        .await;
    assert_eq!(resp.status(), 204);
    let todo = api.json(&format!("/todos/{id}.json")).await;
    assert_eq!(todo["completed"], true);
    assert_eq!(todo["completion"]["creator"]["id"], seed.owner);
    let pending = api.get(&format!("/todolists/{list}/todos.json")).await;
    assert_eq!(header_str(&pending, "x-total-count"), Some("261"));
    assert!(!ids(&pending.json().await.unwrap()).contains(&id));
    let done = api
        .get(&format!("/todolists/{list}/todos.json?completed=true"))
        .await;
    assert_eq!(header_str(&done, "x-total-count"), Some("66"));
    let events = api.json(&format!("/recordings/{id}/events.json")).await;
    assert_eq!(events[0]["action"], "completed");
    let resp = api
        .call(Method::DELETE, &format!("/todos/{id}/completion.json"))
        .await;
    assert_eq!(resp.status(), 204);
    let todo = api.json(&format!("/todos/{id}.json")).await;
    assert_eq!(todo["completed"], false);
    assert!(todo.get("completion").is_none());
    let list_json = api.json(&format!("/todolists/{list}.json")).await;
    assert_eq!(list_json["completed_ratio"], "65/327");
}

#[tokio::test]
async fn todos_reposition_within_and_across_lists() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let list = seed.big_todolist;
    let first_page = ids(&api.json(&format!("/todolists/{list}/todos.json")).await);
    let moved = first_page[9];
    let resp = api
        .send(
            Method::PUT,
            &format!("/todos/{moved}/position.json"),
            json!({"position": 1}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let now = ids(&api.json(&format!("/todolists/{list}/todos.json")).await);
    assert_eq!(now[0], moved);
    assert_eq!(now[1..10], first_page[..9]);
    // Into another list of the project, second place.
    let target = seed.todolists[0];
    assert_ne!(target, list);
    let resp = api
        .send(
            Method::PUT,
            &format!("/todos/{moved}/position.json"),
            json!({"position": 2, "parent_id": target}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let there = ids(&api.json(&format!("/todolists/{target}/todos.json")).await);
    assert_eq!(there[1], moved);
    let todo = api.json(&format!("/todos/{moved}.json")).await;
    assert_eq!(todo["parent"]["id"], target);
    assert_eq!(todo["position"], 2);
    let events = api.json(&format!("/recordings/{moved}/events.json")).await;
    assert_eq!(events[0]["action"], "adopted");
    assert_eq!(events[0]["details"]["parent_id_was"], list);
    assert_eq!(events[0]["details"]["new_parent_id"], target);
    let back = ids(&api.json(&format!("/todolists/{list}/todos.json")).await);
    assert_eq!(
        back[..14],
        first_page
            .iter()
            .filter(|i| **i != moved)
            .copied()
            .collect::<Vec<_>>()
    );
    api.send_fails(
        Method::PUT,
        &format!("/todos/{moved}/position.json"),
        json!({"position": 0}),
        422,
        "Position must be greater than or equal to 1",
    )
    .await;
    let resp = api
        .send(
            Method::PUT,
            &format!("/todos/{moved}/position.json"),
            json!({"position": 1, "parent_id": seed.chat}),
        )
        .await;
    assert_eq!(resp.status(), 404);
}

// ---- card tables ----

#[tokio::test]
async fn cards_move_between_columns_and_tables_list_their_columns() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let table = api
        .json(&format!("/card_tables/{}.json", seed.card_tables[0]))
        .await;
    let lists = table["lists"].as_array().unwrap();
    assert_eq!(
        strings(&table["lists"], "type"),
        [
            "Kanban::Triage",
            "Kanban::NotNowColumn",
            "Kanban::Column",
            "Kanban::Column",
            "Kanban::DoneColumn"
        ]
    );
    let triage = lists[0]["id"].as_i64().unwrap();
    let in_progress = lists[3]["id"].as_i64().unwrap();
    assert_eq!(lists[3]["title"], "In progress");
    assert_eq!(lists[3]["color"], "orange");
    let triage_cards = ids(&api
        .json(&format!("/card_tables/lists/{triage}/cards.json"))
        .await);
    assert_eq!(
        triage_cards.len(),
        lists[0]["cards_count"].as_u64().unwrap() as usize
    );
    let card = triage_cards[0];
    let resp = api
        .send(
            Method::POST,
            &format!("/card_tables/cards/{card}/moves.json"),
            json!({"column_id": in_progress, "position": 2}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let column = ids(&api
        .json(&format!("/card_tables/lists/{in_progress}/cards.json"))
        .await);
    assert_eq!(column[1], card);
    let moved = api.json(&format!("/card_tables/cards/{card}.json")).await;
    assert_eq!(moved["parent"]["id"], in_progress);
    assert_eq!(moved["parent"]["type"], "Kanban::Column");
    assert_eq!(moved["position"], 2);
    assert!(moved["steps"].is_array());
    // Into Done: the card reads as completed.
    let done = lists[4]["id"].as_i64().unwrap();
    let resp = api
        .send(
            Method::POST,
            &format!("/card_tables/cards/{card}/moves.json"),
            json!({"column_id": done}),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let moved = api.json(&format!("/card_tables/cards/{card}.json")).await;
    assert_eq!(moved["completed"], true);
    assert_eq!(moved["position"], 1);
    for bad in [json!(0), json!(-3), json!("abc")] {
        let resp = api
            .send(
                Method::POST,
                &format!("/card_tables/cards/{card}/moves.json"),
                json!({"column_id": triage, "position": bad}),
            )
            .await;
        assert_eq!(resp.status(), 400, "{bad}");
    }
    // A column of another project is not there.
    let elsewhere = api
        .send(
            Method::POST,
            &format!("/card_tables/cards/{card}/moves.json"),
            json!({"column_id": seed.chat}),
        )
        .await;
    assert_eq!(elsewhere.status(), 404);
}

#[tokio::test]
async fn card_updates_leave_what_they_do_not_name() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let table = api
        .json(&format!("/card_tables/{}.json", seed.card_tables[1]))
        .await;
    let column = table["lists"][2]["id"].as_i64().unwrap();
    let card = api
        .sent(
            Method::POST,
            &format!("/card_tables/lists/{column}/cards.json"),
            json!({"title": "Investigation", "content": "<div>Look into it</div>", "due_on": "2026-04-02"}),
            201,
        )
        .await;
    let id = card["id"].as_i64().unwrap();
    assert_eq!(card["type"], "Kanban::Card");
    let v = api
        .sent(
            Method::PUT,
            &format!("/card_tables/cards/{id}.json"),
            json!({"title": "Updated investigation"}),
            200,
        )
        .await;
    assert_eq!(v["title"], "Updated investigation");
    assert_eq!(v["due_on"], "2026-04-02");
    assert_eq!(v["content"], "<div>Look into it</div>");
    let v = api
        .sent(
            Method::PUT,
            &format!("/card_tables/cards/{id}.json"),
            json!({"due_on": ""}),
            200,
        )
        .await;
    assert_eq!(v["due_on"], Value::Null);
    assert_eq!(v["title"], "Updated investigation");
}

// ---- projects and people ----

#[tokio::test]
async fn projects_are_created_with_a_full_dock_until_the_limit() {
    let api = Api::with(FakeOptions {
        requests_per_10s: 0,
        project_limit: Some(7),
        today: Some(today()),
        ..FakeOptions::default()
    })
    .await;
    let project = api
        .sent(
            Method::POST,
            "/projects.json",
            json!({"name": "Marketing Campaign", "description": "For Client: Xyz Corp Conference"}),
            201,
        )
        .await;
    let names = strings(&project["dock"], "name");
    assert_eq!(
        names,
        [
            "message_board",
            "todoset",
            "vault",
            "chat",
            "schedule",
            "questionnaire",
            "inbox",
            "kanban_board"
        ]
    );
    let todoset = &project["dock"][1];
    assert_eq!(todoset["enabled"], true);
    assert_eq!(
        todoset["url"],
        format!(
            "{}/buckets/{}/todosets/{}.json",
            api.fake.api_base(),
            project["id"],
            todoset["id"]
        )
    );
    assert_eq!(
        api.json(todoset["url"].as_str().unwrap()).await["name"],
        "To-dos"
    );
    let resp = api
        .send(
            Method::POST,
            "/projects.json",
            json!({"name": "One too many"}),
        )
        .await;
    assert_eq!(resp.status(), 507);
    assert_eq!(
        resp.json::<Value>().await.unwrap(),
        json!({"error": "The project limit for this account has been reached."})
    );
    // Trashing one frees a slot.
    let id = project["id"].as_i64().unwrap();
    let resp = api
        .call(Method::DELETE, &format!("/projects/{id}.json"))
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        api.json(&format!("/projects/{id}.json")).await["status"],
        "trashed"
    );
    let resp = api
        .send(
            Method::POST,
            "/projects.json",
            json!({"name": "Now it fits"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    api.send_fails(
        Method::PUT,
        &format!("/projects/{id}.json"),
        json!({"description": "no name"}),
        422,
        "Name can't be blank",
    )
    .await;
}

#[tokio::test]
async fn project_access_grants_revokes_and_creates_people() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let website = seed.projects[4];
    let before = ids(&api.json(&format!("/projects/{website}/people.json")).await);
    let client = seed.client;
    let revoke = before[1];
    let v = api
        .sent(
            Method::PUT,
            &format!("/projects/{website}/people/users.json"),
            json!({"grant": [client], "revoke": [revoke], "create": [{"name": "Victor Copper", "email_address": "victor@hanchodesign.com", "title": "Prankster", "company_name": "Hancho Design"}]}),
            200,
        )
        .await;
    let granted = ids(&v["granted"]);
    assert_eq!(granted.len(), 2);
    assert_eq!(granted[0], client);
    assert_eq!(v["granted"][1]["name"], "Victor Copper");
    assert_eq!(v["granted"][1]["company"]["name"], "Hancho Design");
    assert_eq!(ids(&v["revoked"]), vec![revoke]);
    let after = ids(&api.json(&format!("/projects/{website}/people.json")).await);
    assert!(after.contains(&client) && !after.contains(&revoke) && after.contains(&granted[1]));
    let everyone = api.get("/people.json").await;
    assert_eq!(header_str(&everyone, "x-total-count"), Some("13"));
}

// ---- messages, comments, Campfire, schedule, docs ----

#[tokio::test]
async fn comments_answer_201_with_a_location_and_show_up_last() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let messages = api
        .json(&format!(
            "/message_boards/{}/messages.json",
            seed.message_board
        ))
        .await;
    // Newest first: the last of the fifteen is the oldest.
    let message = messages.as_array().unwrap().last().unwrap().clone();
    assert_eq!(message["subject"], "We won Leto!");
    assert_eq!(message["comments_count"], 10);
    let id = message["id"].as_i64().unwrap();
    let resp = api
        .send(
            Method::POST,
            &format!("/recordings/{id}/comments.json"),
            json!({"content": "<div><em>Wow!</em> That is cool.</div>"}),
        )
        .await;
    assert_eq!(resp.status(), 201);
    let location = header_str(&resp, "location").unwrap().to_owned();
    let comment: Value = resp.json().await.unwrap();
    assert_eq!(location, comment["app_url"].as_str().unwrap());
    assert!(
        location.ends_with(&format!("/messages/{id}#__recording_{}", comment["id"])),
        "{location}"
    );
    assert_eq!(comment["title"], "Re: We won Leto!");
    assert_eq!(comment["parent"]["type"], "Message");
    let comments = api.json(&format!("/recordings/{id}/comments.json")).await;
    assert_eq!(
        comments.as_array().unwrap().last().unwrap()["id"],
        comment["id"]
    );
    let after = api.json(&format!("/messages/{id}.json")).await;
    assert_eq!(
        after["comments_count"].as_u64().unwrap(),
        message["comments_count"].as_u64().unwrap() + 1
    );
    // Events: the comment's own, and one on the message.
    let events = api.json(&format!("/recordings/{id}/events.json")).await;
    assert_eq!(events[0]["action"], "comment_created");
    assert_eq!(events[0]["details"]["comment_id"], comment["id"]);
    let own = api
        .json(&format!("/recordings/{}/events.json", comment["id"]))
        .await;
    assert_eq!(own[0]["action"], "created");
    assert_eq!(own[0]["creator"]["id"], seed.owner);
    // Not everything takes comments.
    let resp = api
        .send(
            Method::POST,
            &format!("/recordings/{}/comments.json", seed.chat),
            json!({"content": "x"}),
        )
        .await;
    assert_eq!(resp.status(), 404);
    api.send_fails(
        Method::POST,
        &format!("/recordings/{id}/comments.json"),
        json!({}),
        422,
        "Content can't be blank",
    )
    .await;
}

#[tokio::test]
async fn messages_need_a_subject_and_active_status() {
    let api = Api::new().await;
    let board = api.fake.seed().message_board;
    let path = format!("/message_boards/{board}/messages.json");
    let resp = api
        .send(Method::POST, &path, json!({"subject": "Kickoff"}))
        .await;
    assert_eq!(resp.status(), 422);
    api.send_fails(
        Method::POST,
        &path,
        json!({"status": "active"}),
        422,
        "Subject can't be blank",
    )
    .await;
    let created = api
        .sent(
            Method::POST,
            &path,
            json!({"subject": "Kickoff", "status": "active", "content": "<div><strong>Welcome</strong></div>"}),
            201,
        )
        .await;
    let list = api.json(&path).await;
    assert_eq!(list[0]["id"], created["id"]);
    let board_json = api.json(&format!("/message_boards/{board}.json")).await;
    assert_eq!(board_json["messages_count"], 16);
    assert_eq!(board_json["type"], "Message::Board");
}

#[tokio::test]
async fn campfire_lines_read_oldest_first_and_keep_their_type() {
    let api = Api::new().await;
    let chat = api.fake.seed().chat;
    let resp = api.get(&format!("/chats/{chat}/lines.json")).await;
    assert_eq!(header_str(&resp, "x-total-count"), Some("140"));
    let first: Value = resp.json().await.unwrap();
    let times = strings(&first, "created_at");
    assert!(times.is_sorted(), "{times:?}");
    let newest = api
        .json(&format!("/chats/{chat}/lines.json?direction=desc"))
        .await;
    assert!(newest[0]["created_at"].as_str().unwrap() > times[14]);
    let plain = api
        .sent(
            Method::POST,
            &format!("/chats/{chat}/lines.json"),
            json!({"content": "Good morning"}),
            201,
        )
        .await;
    assert_eq!(plain["type"], "Chat::Lines::Text");
    let rich = api
        .send(
            Method::POST,
            &format!("/chats/{chat}/lines.json"),
            json!({"content": "<strong>Hello</strong> from the API", "content_type": "text/html"}),
        )
        .await;
    let rich: Value = rich.json().await.unwrap();
    assert_eq!(rich["type"], "Chat::Lines::RichText");
    assert_eq!(rich["title"], "Hello from the API");
    let line_id = rich["id"].as_i64().unwrap();
    assert_eq!(
        rich["url"],
        format!(
            "{}/buckets/{}/chats/{chat}/lines/{line_id}.json",
            api.fake.api_base(),
            api.fake.seed().big_project
        )
    );
    assert_eq!(
        api.json(&format!("/chats/{chat}/lines/{line_id}.json"))
            .await,
        rich
    );
    // 142 lines now: the fourth page holds the last 47.
    let last_page = api.json(&format!("/chats/{chat}/lines.json?page=4")).await;
    assert_eq!(last_page.as_array().unwrap().len(), 47);
    assert_eq!(last_page.as_array().unwrap().last().unwrap()["id"], line_id);
    let chats = api.json("/chats.json").await;
    assert_eq!(chats.as_array().unwrap().len(), 5);
}

#[tokio::test]
async fn schedule_entries_need_times_and_keep_participants() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let path = format!("/schedules/{}/entries.json", seed.schedule);
    api.send_fails(
        Method::POST,
        &path,
        json!({"summary": "Important Meeting", "starts_at": "2015-06-04T00:00:00Z"}),
        422,
        "Ends at can't be blank",
    )
    .await;
    let entry = api
        .sent(
            Method::POST,
            &path,
            json!({"summary": "Important Meeting", "starts_at": "2026-03-26T15:00:00Z",
                   "ends_at": "2026-03-26T16:30:00Z", "participant_ids": [seed.owner]}),
            201,
        )
        .await;
    assert_eq!(entry["starts_at"], "2026-03-26T15:00:00.000Z");
    assert_eq!(ids(&entry["participants"]), vec![seed.owner]);
    let id = entry["id"].as_i64().unwrap();
    let v = api
        .sent(
            Method::PUT,
            &format!("/schedule_entries/{id}.json"),
            json!({"summary": "All Day Meeting", "starts_at": "2026-03-27", "ends_at": "2026-03-27", "all_day": true}),
            200,
        )
        .await;
    assert_eq!(v["all_day"], true);
    assert_eq!(v["starts_at"], "2026-03-27");
    assert_eq!(v["ends_at"], "2026-03-27");
    assert_eq!(ids(&v["participants"]), vec![seed.owner]);
    let resp = api
        .send(
            Method::PUT,
            &format!("/schedule_entries/{id}.json"),
            json!({"summary": "No times"}),
        )
        .await;
    assert_eq!(resp.status(), 422);
}

#[tokio::test]
async fn documents_replace_title_and_content() {
    let api = Api::new().await;
    let vault = api.fake.seed().vault;
    let docs = api.json(&format!("/vaults/{vault}/documents.json")).await;
    assert_eq!(docs.as_array().unwrap().len(), 6);
    let id = docs[0]["id"].as_i64().unwrap();
    let v = api
        .sent(
            Method::PUT,
            &format!("/documents/{id}.json"),
            json!({"content": "<div>Only content</div>"}),
            200,
        )
        .await;
    assert_eq!(v["title"], "Untitled");
    assert_eq!(v["content"], "<div>Only content</div>");
    let resp = api
        .send(Method::PUT, &format!("/documents/{id}.json"), json!({}))
        .await;
    assert_eq!(resp.status(), 400);
    api.send_fails(
        Method::POST,
        &format!("/vaults/{vault}/documents.json"),
        json!({"title": "New Hire Info"}),
        422,
        "Content can't be blank",
    )
    .await;
    let sub = api.json(&format!("/vaults/{vault}/vaults.json")).await;
    assert_eq!(sub[0]["title"], "Brand assets");
    let uploads = api.json(&format!("/vaults/{vault}/uploads.json")).await;
    assert_eq!(uploads.as_array().unwrap().len(), 5);
    assert_eq!(uploads[0]["filename"], "company-logo.png");
    assert_eq!(uploads[0]["byte_size"], 1281);
    assert_eq!(uploads[0]["content_type"], "image/png");
    assert!(
        uploads[0]["download_url"]
            .as_str()
            .unwrap()
            .ends_with("/download/company-logo.png")
    );
}

// ---- across projects ----

#[tokio::test]
async fn search_pages_with_per_page_and_filters_by_type() {
    let api = Api::new().await;
    let resp = api.get("/search.json?q=hinge&per_page=5").await;
    assert_eq!(resp.status(), 200);
    let total: usize = header_str(&resp, "x-total-count").unwrap().parse().unwrap();
    assert!(total > 5, "{total}");
    let next = next_link(&resp).unwrap();
    assert!(
        next.contains("per_page=5") && next.ends_with("page=2"),
        "{next}"
    );
    let hits: Value = resp.json().await.unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 5);
    for hit in hits.as_array().unwrap() {
        let text = format!("{} {}", hit["title"], hit["plain_text_content"]).to_lowercase();
        assert!(text.contains("hinge"), "{hit}");
    }
    let todos = api.json("/search.json?q=hinge&type=Todo").await;
    assert!(!todos.as_array().unwrap().is_empty());
    assert!(
        todos
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["type"] == "Todo")
    );
    let in_project = api
        .json(&format!(
            "/search.json?q=hinge&bucket_id={}",
            api.fake.seed().card_project
        ))
        .await;
    assert!(
        in_project
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["bucket"]["id"] == api.fake.seed().card_project)
    );
    assert_eq!(error_of(api.get("/search.json").await).await.0, 400);
    assert_eq!(api.json("/search.json?q=zzzqqq").await, json!([]));
}

#[tokio::test]
async fn my_assignments_and_due_scopes() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let resp = api.get("/my/assignments/due.json?scope=soonish").await;
    fails(
        resp,
        400,
        "Invalid scope 'soonish'. Valid options: overdue, due_today, due_tomorrow, \
         due_later_this_week, due_next_week, due_later",
    )
    .await;
    let today_list = api.json("/my/assignments/due.json?scope=due_today").await;
    assert!(ids(&today_list).contains(&seed.due_today_todo));
    assert!(
        today_list
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["due_on"] == "2026-03-25")
    );
    let overdue = api.json("/my/assignments/due.json").await;
    assert!(ids(&overdue).contains(&seed.overdue_todo));
    assert!(
        overdue
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a["due_on"].as_str().unwrap() < "2026-03-25")
    );
    let mine = api.json("/my/assignments.json").await;
    assert_eq!(
        ids(&mine["priorities"]),
        vec![seed.overdue_todo, seed.due_today_todo]
    );
    assert!(mine["priorities"][0]["priority_recording_id"].is_i64());
    assert!(!mine["non_priorities"].as_array().unwrap().is_empty());
    assert_eq!(
        mine["priorities"][0]["bucket"]["name"],
        "Marketing Campaign 2026"
    );
    let done = api.json("/my/assignments/completed.json").await;
    assert!(
        done.as_array()
            .unwrap()
            .iter()
            .all(|a| a["completed"] == true)
    );
}

#[tokio::test]
async fn recordings_by_type_need_a_type() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    assert_eq!(
        error_of(api.get("/projects/recordings.json").await).await.0,
        400
    );
    assert_eq!(
        error_of(api.get("/projects/recordings.json?type=Bogus").await)
            .await
            .0,
        400
    );
    let resp = api
        .get(&format!(
            "/projects/recordings.json?type=Todolist&bucket={}&sort=created_at&direction=asc",
            seed.big_project
        ))
        .await;
    assert_eq!(header_str(&resp, "x-total-count"), Some("4"));
    let lists: Value = resp.json().await.unwrap();
    let created = strings(&lists, "created_at");
    assert!(created.is_sorted(), "{created:?}");
    let archived = api
        .json(&format!(
            "/projects/recordings.json?type=Todolist&bucket={}&status=archived",
            seed.big_project
        ))
        .await;
    assert_eq!(archived[0]["title"], "Old launch plan");
    // Status changes answer 204 and move recordings between the filters.
    let doc = api
        .json(&format!("/vaults/{}/documents.json", seed.vault))
        .await[0]["id"]
        .as_i64()
        .unwrap();
    let resp = api
        .call(
            Method::PUT,
            &format!("/recordings/{doc}/status/archived.json"),
        )
        .await;
    assert_eq!(resp.status(), 204);
    assert_eq!(
        api.json(&format!("/vaults/{}/documents.json", seed.vault))
            .await
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let resp = api
        .call(
            Method::PUT,
            &format!(
                "/buckets/{}/recordings/{doc}/status/active.json",
                seed.big_project
            ),
        )
        .await;
    assert_eq!(resp.status(), 204);
    let events = api.json(&format!("/recordings/{doc}/events.json")).await;
    let actions = strings(&events, "action");
    assert_eq!(actions[..2], ["unarchived", "archived"]);
    assert_eq!(*actions.last().unwrap(), "created");
}

// ---- faults ----

#[tokio::test]
async fn injected_faults_use_the_api_shapes() {
    let api = Api::new().await;
    let control = api.fake.control();
    control.inject(Fault::ServerError, 2);
    for _ in 0..2 {
        let resp = api.get("/projects.json").await;
        assert_eq!(
            resp.json::<Value>().await.unwrap(),
            json!({"status": 500, "error": "Internal Server Error"})
        );
    }
    assert_eq!(api.get("/projects.json").await.status(), 200);
    control.inject(Fault::Unauthenticated, 1);
    fails(api.get("/projects.json").await, 401, EXPIRED).await;
    control.inject(Fault::PermissionDenied, 1);
    fails(api.get("/projects.json").await, 403, "Forbidden").await;
    control.inject(Fault::NotFound, 1);
    fails(api.get("/projects.json").await, 404, "Not Found").await;
    control.inject(Fault::RateLimited, 1);
    let resp = api.get("/projects.json").await;
    assert_eq!(resp.status(), 429);
    assert_eq!(header_str(&resp, "retry-after"), Some("1"));
    // Only the window's own refusals count as rate limited.
    assert_eq!(api.fake.rate_limited(), 0);
    control.inject(Fault::ServerError, 3);
    control.clear();
    assert_eq!(api.get("/projects.json").await.status(), 200);
    // Launchpad is not faulted.
    control.inject(Fault::ServerError, 1);
    let resp = authorization_json(&api).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(api.get("/projects.json").await.status(), 500);
    assert_eq!(control.requests(), 10);
    assert_eq!(api.fake.count("GET /projects.json"), 9);
}

// ---- the seed ----

#[tokio::test]
async fn the_seed_has_two_card_tables_and_a_big_list() {
    let api = Api::new().await;
    let seed = api.fake.seed();
    let project = api
        .json(&format!("/projects/{}.json", seed.card_project))
        .await;
    let boards: Vec<&Value> = project["dock"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["name"] == "kanban_board" && d["enabled"] == true)
        .collect();
    assert_eq!(
        boards
            .iter()
            .map(|b| b["id"].as_i64().unwrap())
            .collect::<Vec<_>>(),
        seed.card_tables
    );
    assert_eq!(boards[1]["title"], "Bug Triage");
    assert_eq!(project["client_company"]["name"], "Leto Brand");
    let bug_table = api
        .json(&format!("/card_tables/{}.json", seed.card_tables[1]))
        .await;
    assert_eq!(bug_table["lists"].as_array().unwrap().len(), 6);
    let list = api
        .json(&format!("/todolists/{}.json", seed.big_todolist))
        .await;
    assert_eq!(list["name"], "Launch checklist");
    assert_eq!(list["completed_ratio"], "65/327");
    let todoset = api.json(&format!("/todosets/{}.json", seed.todoset)).await;
    assert_eq!(todoset["todolists_count"], 4);
    assert_eq!(ids(&todoset["todolists"]), seed.todolists);
    assert_eq!(seed.people.len(), 12);
    assert_eq!(seed.projects.len(), 7);
    let owner = api.record("people", seed.owner);
    assert_eq!(
        (owner["owner"].clone(), owner["admin"].clone()),
        (json!(true), json!(true))
    );
    assert!(
        owner["avatar_url"]
            .as_str()
            .unwrap()
            .contains("/people/BAhp")
    );
    assert_eq!(api.record("people", seed.client)["client"], true);
    // Big ids, signed sgids, and the bloat the connector must trim.
    let todo = api
        .json(&format!("/todos/{}.json", seed.due_today_todo))
        .await;
    assert!(todo["id"].as_i64().unwrap() > i64::from(u32::MAX));
    assert!(
        todo["bookmark_url"]
            .as_str()
            .unwrap()
            .contains("/my/bookmarks/BAh7")
    );
    assert!(
        todo["creator"]["attachable_sgid"]
            .as_str()
            .unwrap()
            .starts_with("BAh7")
    );
    assert_eq!(
        todo["completion_url"],
        format!(
            "{}/todos/{}/completion.json",
            api.fake.api_base(),
            seed.due_today_todo
        )
    );
    assert_eq!(todo["due_on"], "2026-03-25");
    // Rich text with mentions and inline files somewhere on the first page of the big list.
    let page = api
        .json(&format!("/todolists/{}/todos.json", seed.big_todolist))
        .await;
    let descriptions = strings(&page, "description").concat();
    assert!(descriptions.contains("application/vnd.basecamp.mention"));
    assert!(descriptions.contains("<a href="));
    assert!(
        page.as_array()
            .unwrap()
            .iter()
            .any(|t| !t["description_attachments"].as_array().unwrap().is_empty()),
        "an inline file"
    );
    // Same options, same account.
    let again = start_with(FakeOptions {
        today: Some(today()),
        ..FakeOptions::default()
    })
    .await
    .unwrap();
    assert_eq!(again.seed(), seed);
    let portable = |fake: &FakeBasecamp| {
        serde_json::to_string(&fake.record("todos", seed.due_today_todo).unwrap())
            .unwrap()
            .replace(&fake.base_url(), "BASE")
    };
    assert_eq!(portable(&again), portable(&api.fake));
}
