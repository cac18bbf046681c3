//! The fake ServiceFusion API over real HTTP: every OAuth grant, authentication on
//! `/v1`, the per-token rate limit and its headers, the list envelope (paging, sort,
//! fields, expand, filters), methods and paths, creates and their validation, the
//! unsorted-jobs hang, injected faults, and the seeded company.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use std::{
    collections::BTreeSet,
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use chrono::NaiveDate;
use connector_core::{CredentialKind, ExposeSecret, fake::Fault};
use connector_servicefusion::fake::{FakeOptions, FakeServiceFusion, start, start_with};
use reqwest::{Method, header::HeaderMap};
use serde_json::{Value, json};

// ---- harness ----

fn http() -> reqwest::Client {
    connector_core::http::install_crypto_provider();
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// A fake without a rate limit or the unsorted-jobs hang, for everything else.
fn quiet() -> FakeOptions {
    FakeOptions {
        requests_per_minute: 0,
        unsorted_jobs_delay: Duration::ZERO,
        ..FakeOptions::default()
    }
}

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 6, 15).unwrap()
}

/// An answer: status, headers, JSON body (`Null` when there is none).
struct Answer {
    status: u16,
    headers: HeaderMap,
    body: Value,
}

impl Answer {
    /// Sends `req` and reads what comes back.
    async fn of(req: reqwest::RequestBuilder) -> Self {
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        let headers = r.headers().clone();
        let text = r.text().await.unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
        };
        Self {
            status,
            headers,
            body,
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn number(&self, name: &str) -> i64 {
        self.header(name)
            .unwrap_or_else(|| panic!("no {name} header"))
            .parse()
            .unwrap()
    }

    fn items(&self) -> &Vec<Value> {
        self.body["items"]
            .as_array()
            .unwrap_or_else(|| panic!("no items: {}", self.body))
    }

    fn total(&self) -> i64 {
        self.body["_meta"]["totalCount"].as_i64().unwrap()
    }

    #[track_caller]
    fn ok(&self) -> &Self {
        assert_eq!(self.status, 200, "{}", self.body);
        self
    }
}

struct Api {
    fake: FakeServiceFusion,
    http: reqwest::Client,
    token: String,
}

impl Api {
    async fn start(options: FakeOptions) -> Self {
        let fake = start_with(options).await.unwrap();
        let (token, _) = fake.issue_tokens();
        Self {
            fake,
            http: http(),
            token,
        }
    }

    async fn quiet() -> Self {
        Self::start(quiet()).await
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.fake.base_url())
    }

    async fn get(&self, path: &str, query: &[(&str, &str)]) -> Answer {
        Answer::of(
            self.http
                .get(self.url(path))
                .query(query)
                .bearer_auth(&self.token),
        )
        .await
    }

    /// Every item of a list, 50 at a time.
    async fn all(&self, path: &str, query: &[(&str, &str)]) -> Vec<Value> {
        let mut out = Vec::new();
        for page in 1.. {
            let p = page.to_string();
            let mut q = query.to_vec();
            q.extend([("per-page", "50"), ("page", p.as_str())]);
            let a = self.get(path, &q).await;
            a.ok();
            out.extend(a.items().iter().cloned());
            if page >= a.body["_meta"]["pageCount"].as_i64().unwrap() {
                return out;
            }
        }
        out
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        let mut req = self
            .http
            .request(method, self.url(path))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        Answer::of(req).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn token(&self, body: Value) -> Answer {
        Answer::of(self.http.post(self.url("/oauth/access_token")).json(&body)).await
    }

    /// A POST of `body` as it stands, declared as `content_type`, with the token.
    async fn post_raw(&self, path: &str, content_type: &str, body: &'static str) -> Answer {
        Answer::of(
            self.http
                .post(self.url(path))
                .bearer_auth(&self.token)
                .header("content-type", content_type)
                .body(body),
        )
        .await
    }

    /// The token endpoint with a raw body, declared as `content_type` when there is one.
    async fn token_raw(&self, content_type: Option<&str>, body: &'static str) -> Answer {
        let mut req = self.http.post(self.url("/oauth/access_token")).body(body);
        if let Some(ct) = content_type {
            req = req.header("content-type", ct);
        }
        Answer::of(req).await
    }

    /// The client-credentials grant, as JSON.
    async fn client_credentials(&self, id: &str, secret: &str) -> Answer {
        self.token(
            json!({"grant_type": "client_credentials", "client_id": id, "client_secret": secret}),
        )
        .await
    }

    async fn token_form(&self, form: &[(&str, &str)]) -> Answer {
        Answer::of(self.http.post(self.url("/oauth/access_token")).form(form)).await
    }

    /// `GET /v1/me` with a given token.
    async fn me_with(&self, token: &str) -> Answer {
        Answer::of(self.http.get(self.url("/v1/me")).bearer_auth(token)).await
    }

    /// Every seeded customer as `record` shows it.
    fn customers(&self) -> Vec<Value> {
        (1000..2000)
            .filter_map(|i| self.fake.record("customers", i))
            .collect()
    }
}

fn id(v: &Value) -> i64 {
    v["id"].as_i64().unwrap_or_else(|| panic!("no id: {v}"))
}

fn ids(items: &[Value]) -> Vec<i64> {
    items.iter().map(id).collect()
}

fn str_of<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("no {key}: {v}"))
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

/// Names written as words, as a set (to compare with [`keys`]).
fn words(names: &str) -> BTreeSet<String> {
    names.split_whitespace().map(str::to_owned).collect()
}

/// Names written as words, as the JSON list of them in that order.
fn word_list(names: &str) -> Value {
    names.split_whitespace().collect()
}

fn now_epoch() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn oauth_error(a: &Answer, status: u16, error: &str) -> String {
    assert_eq!(a.status, status, "{}", a.body);
    assert_eq!(a.body["error"], error, "{}", a.body);
    str_of(&a.body, "error_description").to_owned()
}

fn validation(a: &Answer) -> Vec<(String, String)> {
    assert_eq!(a.status, 422, "{}", a.body);
    a.body
        .as_array()
        .unwrap_or_else(|| panic!("a 422 is an array: {}", a.body))
        .iter()
        .map(|e| {
            (
                str_of(e, "field").to_owned(),
                str_of(e, "message").to_owned(),
            )
        })
        .collect()
}

/// A 422 body with one failure.
fn only_error(field: &str, message: &str) -> Value {
    json!([{"field": field, "message": message}])
}

fn has_error(a: &Answer, field: &str, message: &str) {
    let errors = validation(a);
    assert!(
        errors.iter().any(|(f, m)| f == field && m == message),
        "no ({field}, {message}) in {errors:?}"
    );
}

/// An error body as the API writes it.
fn api_error(code: u16, name: &str, message: &str) -> Value {
    json!({"code": code, "name": name, "message": message})
}

// ---- OAuth ----

#[tokio::test]
async fn client_credentials_grant_takes_json_and_forms() {
    let api = Api::quiet().await;
    let (id, secret) = api.fake.client_credentials();
    let a = api.client_credentials(&id, &secret).await;
    a.ok();
    assert_eq!(a.body["token_type"], "Bearer");
    assert_eq!(a.body["expires_in"], 3600);
    let access = str_of(&a.body, "access_token").to_owned();
    let refresh = str_of(&a.body, "refresh_token").to_owned();
    assert_eq!(access.len(), 32);
    assert_ne!(access, refresh);
    assert!(
        a.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let me = api.me_with(&access).await;
    me.ok();
    assert_eq!(
        keys(&me.body),
        words("id first_name last_name email _expandable")
    );
    assert_eq!(me.body["_expandable"], json!([]));

    let form = api
        .token_form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .await;
    form.ok();
    api.me_with(str_of(&form.body, "access_token")).await.ok();
    assert_eq!(api.fake.token_grants("client_credentials"), 2);

    // The OAuth app's credentials are not the API user's.
    let (app_id, app_secret) = api.fake.oauth_app();
    let wrong = api.client_credentials(&app_id, &app_secret).await;
    assert_eq!(
        oauth_error(&wrong, 401, "invalid_client"),
        "Invalid client's id or secret."
    );
    let missing = api
        .token(json!({"grant_type": "client_credentials", "client_id": id}))
        .await;
    assert!(oauth_error(&missing, 400, "invalid_request").contains("\"client_secret\""));

    // A rotated secret: the old one is refused, the new one works.
    let new_secret = api.fake.rotate_client_secret();
    assert_ne!(new_secret, secret);
    assert_eq!(
        api.fake.client_credentials(),
        (id.clone(), new_secret.clone())
    );
    let old = api.client_credentials(&id, &secret).await;
    oauth_error(&old, 401, "invalid_client");
    api.client_credentials(&id, &new_secret).await.ok();
    assert_eq!(api.fake.token_grants("client_credentials"), 3);
    assert_eq!(api.fake.count("POST /oauth/access_token"), 6);
}

#[tokio::test]
async fn the_token_endpoint_reads_json_and_forms_only() {
    let api = Api::quiet().await;
    let a = api
        .token_raw(Some("text/plain"), "grant_type=client_credentials")
        .await;
    assert_eq!(a.status, 415);
    assert_eq!(
        a.body,
        api_error(
            415,
            "Unsupported Media Type.",
            "None of your requested content types is supported."
        )
    );
    let a = api.token_raw(None, "{}").await;
    assert_eq!(a.status, 415, "no content type");

    let a = api.token_raw(Some("application/json"), "{not json").await;
    oauth_error(&a, 400, "invalid_request");
    let a = api.token(json!({"client_id": "x"})).await;
    assert!(oauth_error(&a, 400, "invalid_request").contains("\"grant_type\""));
    let a = api
        .token(json!({"grant_type": "password", "username": "a", "password": "b"}))
        .await;
    oauth_error(&a, 400, "unsupported_grant_type");

    let a = Answer::of(api.http.get(api.url("/oauth/access_token"))).await;
    assert_eq!(a.status, 405);
    assert_eq!(a.header("allow"), Some("POST"));
    assert_eq!(api.fake.token_grants("client_credentials"), 0);
}

#[tokio::test]
async fn authorization_code_flow_with_single_use_codes() {
    let api = Api::quiet().await;
    let (app_id, app_secret) = api.fake.oauth_app();
    let redirect = "http://localhost:9876/callback?from=test";
    let r = api
        .http
        .get(api.url("/oauth/authorize"))
        .query(&[
            ("response_type", "code"),
            ("client_id", &app_id),
            ("redirect_uri", redirect),
            ("state", "st4te"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 302);
    let location = url::Url::parse(r.headers()["location"].to_str().unwrap()).unwrap();
    assert_eq!(location.path(), "/callback");
    let pairs: std::collections::HashMap<String, String> =
        location.query_pairs().into_owned().collect();
    assert_eq!(pairs["state"], "st4te");
    assert_eq!(pairs["from"], "test");
    let code = pairs["code"].clone();

    let exchange = |code: String, redirect_uri: &str| {
        json!({"grant_type": "authorization_code", "client_id": app_id, "client_secret": app_secret,
               "code": code, "redirect_uri": redirect_uri})
    };
    let a = api.token(exchange(code.clone(), redirect)).await;
    a.ok();
    assert_eq!(a.body["expires_in"], 3600);
    api.me_with(str_of(&a.body, "access_token")).await.ok();
    assert_eq!(api.fake.token_grants("authorization_code"), 1);

    // Used once: never again.
    let again = api.token(exchange(code, redirect)).await;
    assert!(oauth_error(&again, 400, "invalid_grant").contains("code invalid or expired"));
    let unknown = api.token(exchange("made-up".into(), redirect)).await;
    assert!(oauth_error(&unknown, 400, "invalid_grant").contains("code invalid or expired"));

    // A code is bound to its redirect_uri, and a failed exchange spends it.
    let code = api.fake.authorize_code(redirect);
    let elsewhere = api
        .token(exchange(code.clone(), "http://evil.example/cb"))
        .await;
    assert!(oauth_error(&elsewhere, 400, "invalid_grant").contains("redirect_uri"));
    let spent = api.token(exchange(code, redirect)).await;
    oauth_error(&spent, 400, "invalid_grant");

    // The API user's credentials are not the app's; a wrong client does not spend it.
    let code = api.fake.authorize_code(redirect);
    let (user_id, user_secret) = api.fake.client_credentials();
    let a = api
        .token(json!({"grant_type": "authorization_code", "client_id": user_id, "client_secret": user_secret,
                      "code": code, "redirect_uri": redirect}))
        .await;
    oauth_error(&a, 401, "invalid_client");
    let a = api
        .token(json!({"grant_type": "authorization_code", "client_id": app_id, "client_secret": app_secret, "redirect_uri": redirect}))
        .await;
    assert!(oauth_error(&a, 400, "invalid_request").contains("\"code\""));
    // As a form.
    let form = api
        .token_form(&[
            ("grant_type", "authorization_code"),
            ("client_id", &app_id),
            ("client_secret", &app_secret),
            ("code", &code),
            ("redirect_uri", redirect),
        ])
        .await;
    form.ok();
    assert_eq!(api.fake.token_grants("authorization_code"), 2);
    assert_eq!(api.fake.count("GET /oauth/authorize"), 1);
}

#[tokio::test]
async fn authorize_refuses_unknown_clients_and_other_flows() {
    let api = Api::quiet().await;
    let (app_id, _) = api.fake.oauth_app();
    let ask = |client: String, response_type: &'static str, redirect: Option<&'static str>| {
        let mut q = vec![
            ("client_id", client),
            ("response_type", response_type.to_owned()),
        ];
        if let Some(r) = redirect {
            q.push(("redirect_uri", r.to_owned()));
        }
        api.http.get(api.url("/oauth/authorize")).query(&q)
    };
    let a = Answer::of(ask("nobody".into(), "code", Some("http://localhost/cb"))).await;
    oauth_error(&a, 400, "invalid_client");
    let a = Answer::of(ask(app_id.clone(), "token", Some("http://localhost/cb"))).await;
    oauth_error(&a, 400, "unsupported_response_type");
    let a = Answer::of(ask(app_id.clone(), "code", None)).await;
    assert!(oauth_error(&a, 400, "invalid_request").contains("redirect_uri"));
    let r = api
        .http
        .post(api.url("/oauth/authorize"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 405);
}

#[tokio::test]
async fn refresh_tokens_rotate_and_can_be_revoked() {
    let api = Api::quiet().await;
    let (id, secret) = api.fake.client_credentials();
    let first = api.client_credentials(&id, &secret).await;
    let old_access = str_of(&first.body, "access_token").to_owned();
    let refresh = str_of(&first.body, "refresh_token").to_owned();

    // The refresh token alone is enough.
    let a = api
        .token(json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .await;
    a.ok();
    let access = str_of(&a.body, "access_token").to_owned();
    let rotated = str_of(&a.body, "refresh_token").to_owned();
    assert_ne!(access, old_access);
    assert_ne!(rotated, refresh);
    api.me_with(&access).await.ok();
    // The access token of before keeps working until it expires.
    api.me_with(&old_access).await.ok();
    let reused = api
        .token(json!({"grant_type": "refresh_token", "refresh_token": refresh}))
        .await;
    oauth_error(&reused, 400, "invalid_grant");

    // Client credentials may come along; wrong ones are refused without spending it.
    let wrong = api
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rotated),
            ("client_id", &id),
            ("client_secret", "nope"),
        ])
        .await;
    oauth_error(&wrong, 401, "invalid_client");
    let a = api
        .token_form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", &rotated),
            ("client_id", &id),
            ("client_secret", &secret),
        ])
        .await;
    a.ok();
    assert_eq!(api.fake.token_grants("refresh_token"), 2);
    let missing = api.token(json!({"grant_type": "refresh_token"})).await;
    assert!(oauth_error(&missing, 400, "invalid_request").contains("\"refresh_token\""));

    // Minted pairs refresh too, until every refresh token is revoked.
    let (_, minted) = api.fake.issue_tokens();
    let latest = str_of(&a.body, "refresh_token").to_owned();
    api.fake.revoke_refresh_tokens();
    for token in [minted, latest] {
        let a = api
            .token(json!({"grant_type": "refresh_token", "refresh_token": token}))
            .await;
        oauth_error(&a, 400, "invalid_grant");
    }
    assert_eq!(api.fake.token_grants("refresh_token"), 2);
}

// ---- authentication on /v1 ----

#[tokio::test]
async fn v1_takes_a_bearer_or_a_query_token_never_both() {
    let api = Api::quiet().await;
    let unauthorized = api_error(
        401,
        "Unauthorized.",
        "Your request was made with invalid credentials.",
    );
    api.get("/v1/me", &[]).await.ok();
    Answer::of(
        api.http
            .get(api.url("/v1/me"))
            .query(&[("access_token", &api.token)]),
    )
    .await
    .ok();
    let r = api
        .http
        .get(api.url("/v1/me"))
        .header("authorization", format!("bearer {}", api.token))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200, "the scheme is case-insensitive");

    let both = api.get("/v1/me", &[("access_token", &api.token)]).await;
    assert_eq!(both.status, 400);
    assert_eq!(
        both.body,
        api_error(400, "Bad Request.", "Your request is invalid.")
    );
    let none = Answer::of(api.http.get(api.url("/v1/me"))).await;
    assert_eq!((none.status, &none.body), (401, &unauthorized));
    let unknown = api.me_with("not-a-token").await;
    assert_eq!((unknown.status, &unknown.body), (401, &unauthorized));

    api.fake.expire_access_tokens();
    let expired = api.get("/v1/me", &[]).await;
    assert_eq!((expired.status, &expired.body), (401, &unauthorized));
    let (fresh, _) = api.fake.issue_tokens();
    api.me_with(&fresh).await.ok();
}

#[tokio::test]
async fn access_tokens_expire_after_their_lifetime() {
    let api = Api::start(FakeOptions {
        token_ttl_secs: 1,
        ..quiet()
    })
    .await;
    let (id, secret) = api.fake.client_credentials();
    let a = api.client_credentials(&id, &secret).await;
    assert_eq!(a.body["expires_in"], 1);
    let token = str_of(&a.body, "access_token").to_owned();
    api.me_with(&token).await.ok();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(api.me_with(&token).await.status, 401);
}

// ---- rate limit ----

#[tokio::test]
async fn the_rate_limit_counts_per_token_in_fixed_windows() {
    let api = Api::start(FakeOptions {
        requests_per_minute: 5,
        ..quiet()
    })
    .await;
    assert_eq!(api.fake.account().config["requests_per_minute"], 5);
    let mut resets = BTreeSet::new();
    for remaining in (0..5).rev() {
        let a = api.get("/v1/me", &[]).await;
        a.ok();
        assert_eq!(a.number("x-rate-limit-limit"), 5);
        assert_eq!(a.number("x-rate-limit-remaining"), remaining);
        resets.insert(a.number("x-rate-limit-reset"));
    }
    assert_eq!(resets.len(), 1, "one window: {resets:?}");
    let reset = *resets.iter().next().unwrap();
    assert!(
        (now_epoch() + 58..=now_epoch() + 61).contains(&reset),
        "{reset}"
    );

    for _ in 0..2 {
        let a = api.get("/v1/me", &[]).await;
        assert_eq!(a.status, 429);
        assert_eq!(
            a.body,
            api_error(429, "Too Many Requests.", "Rate limit exceeded.")
        );
        assert_eq!(a.number("x-rate-limit-remaining"), 0);
        assert_eq!(a.number("x-rate-limit-reset"), reset);
        assert!(a.header("retry-after").is_none(), "undocumented");
    }
    assert_eq!(api.fake.rate_limited(), 2);
    assert_eq!(api.fake.max_requests_in_window(), 5, "429s do not count");

    // Another token has its own window.
    let (other, _) = api.fake.issue_tokens();
    let a = api.me_with(&other).await;
    a.ok();
    assert_eq!(a.number("x-rate-limit-remaining"), 4);
    // Answers that were not served still carry the headers.
    let a = Answer::of(api.http.get(api.url("/v1/me"))).await;
    assert_eq!(a.status, 401);
    assert_eq!(a.number("x-rate-limit-limit"), 5);
    let a = api.get("/v1/nothing-here", &[]).await;
    assert_eq!(a.status, 404);
    assert_eq!(a.number("x-rate-limit-remaining"), 0);
    assert_eq!(api.fake.max_requests_in_window(), 5);
    // The token endpoint is not limited.
    let (id, secret) = api.fake.client_credentials();
    api.client_credentials(&id, &secret).await.ok();
}

#[tokio::test]
async fn without_a_limit_there_are_no_limit_headers() {
    let api = Api::quiet().await;
    let a = api.get("/v1/me", &[]).await;
    assert!(a.header("x-rate-limit-limit").is_none());
    assert_eq!(api.fake.account().config["requests_per_minute"], 60);
    let documented = Api::start(FakeOptions {
        unsorted_jobs_delay: Duration::ZERO,
        ..FakeOptions::default()
    })
    .await;
    let a = documented.get("/v1/me", &[]).await;
    assert_eq!(a.number("x-rate-limit-limit"), 60);
    assert_eq!(a.number("x-rate-limit-remaining"), 59);
}

// ---- lists ----

#[tokio::test]
async fn lists_come_in_the_envelope_with_pagination_headers() {
    let api = Api::quiet().await;
    let a = api.get("/v1/customers", &[]).await;
    a.ok();
    let total = a.total();
    assert_eq!(total, api.customers().len() as i64);
    assert_eq!(a.items().len(), 10);
    assert_eq!(
        a.body["_meta"],
        json!({"totalCount": total, "pageCount": (total + 9) / 10, "currentPage": 1, "perPage": 10})
    );
    assert_eq!(a.number("x-pagination-total-count"), total);
    assert_eq!(a.number("x-pagination-page-count"), (total + 9) / 10);
    assert_eq!(a.number("x-pagination-current-page"), 1);
    assert_eq!(a.number("x-pagination-per-page"), 10);
    assert_eq!(
        a.body["_expandable"],
        word_list("contacts contacts.phones contacts.emails locations custom_fields")
    );
    let first_page = ids(a.items());
    let mut sorted = first_page.clone();
    sorted.sort_unstable();
    assert_eq!(first_page, sorted, "id order by default");

    let second = api.get("/v1/customers", &[("page", "2")]).await;
    assert!(ids(second.items())[0] > *first_page.last().unwrap());

    // per-page is clamped into 1..=50; page into the pages there are.
    let big = api.get("/v1/customers", &[("per-page", "500")]).await;
    assert_eq!(
        (big.items().len(), big.number("x-pagination-per-page")),
        (50, 50)
    );
    for small in ["0", "-4", "abc"] {
        let a = api.get("/v1/customers", &[("per-page", small)]).await;
        assert_eq!(a.items().len(), 1, "per-page={small}");
        assert_eq!(a.body["_meta"]["perPage"], 1);
    }
    let pages = (total + 49) / 50;
    let last = api
        .get("/v1/customers", &[("per-page", "50"), ("page", "9999")])
        .await;
    assert_eq!(last.body["_meta"]["currentPage"], pages);
    assert_eq!(last.items().len() as i64, total - 50 * (pages - 1));
    for low in ["0", "-3"] {
        let a = api.get("/v1/customers", &[("page", low)]).await;
        assert_eq!(a.body["_meta"]["currentPage"], 1);
        assert_eq!(ids(a.items()), first_page);
    }

    // Nothing found: an empty page 1 of 0.
    let none = api
        .get(
            "/v1/customers",
            &[("filters[name]", "no such customer anywhere")],
        )
        .await;
    assert_eq!(
        none.body["_meta"],
        json!({"totalCount": 0, "pageCount": 0, "currentPage": 1, "perPage": 10})
    );
    assert_eq!(none.items().len(), 0);

    // Lookups without expansions have an empty `_expandable`.
    let statuses = api.get("/v1/job-statuses", &[("per-page", "50")]).await;
    assert_eq!(statuses.body["_expandable"], json!([]));
    assert_eq!(statuses.items()[0]["_expandable"], json!([]));
}

#[tokio::test]
async fn sort_ascending_descending_and_by_several_attributes() {
    let api = Api::quiet().await;
    let lower = |items: &[Value], key: &str| -> Vec<String> {
        items
            .iter()
            .map(|x| x[key].as_str().unwrap_or("").to_lowercase())
            .collect()
    };
    let techs = api
        .get("/v1/techs", &[("sort", "last_name"), ("per-page", "50")])
        .await;
    let names = lower(techs.items(), "last_name");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted);

    let customers = api
        .get(
            "/v1/customers",
            &[("sort", "-customer_name"), ("per-page", "50")],
        )
        .await;
    let names = lower(customers.items(), "customer_name");
    let mut sorted = names.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(names, sorted);

    // Several attributes: newest start first, then id.
    let jobs = api
        .get(
            "/v1/jobs",
            &[("sort", "-start_date,id"), ("per-page", "50")],
        )
        .await;
    let keys: Vec<(String, i64)> = jobs
        .items()
        .iter()
        .map(|j| (str_of(j, "start_date").to_owned(), id(j)))
        .collect();
    let mut sorted = keys.clone();
    sorted.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    assert_eq!(keys, sorted);
    // Unscheduled jobs have no start date: first ascending (like MySQL's NULLs).
    let asc = api.get("/v1/jobs", &[("sort", "start_date")]).await;
    assert!(asc.items()[0]["start_date"].is_null(), "{}", asc.items()[0]);

    // Money sorts as numbers.
    let by_total = api
        .get("/v1/jobs", &[("sort", "-total"), ("per-page", "20")])
        .await;
    let totals: Vec<f64> = by_total
        .items()
        .iter()
        .map(|j| j["total"].as_f64().unwrap())
        .collect();
    assert!(totals.windows(2).all(|w| w[0] >= w[1]), "{totals:?}");
    assert!(totals[0] > 1000.0, "{totals:?}");

    // Unknown attributes are ignored.
    let unknown = api.get("/v1/customers", &[("sort", "-shoe_size")]).await;
    let default = api.get("/v1/customers", &[]).await;
    assert_eq!(ids(unknown.items()), ids(default.items()));
}

#[tokio::test]
async fn fields_keep_top_level_fields_and_id() {
    let api = Api::quiet().await;
    let a = api
        .get(
            "/v1/customers",
            &[("fields", "customer_name,no_such_field")],
        )
        .await;
    for c in a.items() {
        assert_eq!(keys(c), words("id customer_name _expandable"));
    }
    let a = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("fields", "number,total"),
                ("expand", "notes"),
            ],
        )
        .await;
    assert_eq!(
        keys(&a.items()[0]),
        words("id number total notes _expandable")
    );
    let cid = id(&a.items()[0]);
    let one = api
        .get(&format!("/v1/jobs/{cid}"), &[("fields", "status")])
        .await;
    assert_eq!(keys(&one.body), words("id status _expandable"));
}

#[tokio::test]
async fn expand_includes_sub_collections_and_dotted_paths() {
    let api = Api::quiet().await;
    let plain = api.get("/v1/customers", &[]).await;
    assert!(plain.items()[0].get("contacts").is_none());

    let a = api.get("/v1/customers", &[("expand", "contacts")]).await;
    let c = &a.items()[0];
    let contact = &c["contacts"][0];
    assert!(contact.get("fname").is_some());
    assert!(contact.get("phones").is_none() && contact.get("emails").is_none());
    let rest = word_list("contacts.phones contacts.emails locations custom_fields");
    assert_eq!(c["_expandable"], rest);
    assert_eq!(a.body["_expandable"], rest);

    let a = api
        .get(
            "/v1/customers",
            &[("expand", "contacts.phones,locations,bogus")],
        )
        .await;
    let c = &a.items()[0];
    assert!(c["contacts"][0]["phones"].is_array());
    assert!(c["contacts"][0].get("emails").is_none());
    assert!(c["locations"].is_array());
    assert_eq!(
        c["_expandable"],
        json!(["contacts.emails", "custom_fields"])
    );
    assert_eq!(
        keys(&c["contacts"][0]["phones"][0]),
        words("phone ext type created_at updated_at is_mobile",)
    );

    // Jobs: visits, and the techs on them only when asked.
    let jobs = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("expand", "visits,invoices"),
                ("per-page", "50"),
            ],
        )
        .await;
    let job = jobs
        .items()
        .iter()
        .find(|j| !j["visits"].as_array().unwrap().is_empty())
        .unwrap();
    assert!(job["visits"][0].get("techs_assigned").is_none());
    let dotted = api
        .get(
            &format!("/v1/jobs/{}", id(job)),
            &[("expand", "visits.techs_assigned")],
        )
        .await;
    let tech = &dotted.body["visits"][0]["techs_assigned"][0];
    assert_eq!(keys(tech), words("id first_name last_name status"));
    let left: Vec<&str> = dotted.body["_expandable"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(!left.contains(&"visits") && !left.contains(&"visits.techs_assigned"));
    assert_eq!(left.len(), 18);

    // Every kind lists its expandables when nothing is expanded.
    let order_expandable = "agents custom_fields pictures documents equipment \
                            equipment.custom_fields techs_assigned tasks notes products services \
                            other_charges";
    let job_expandable = word_list(&format!(
        "{order_expandable} labor_charges expenses payments invoices signatures \
         printable_work_order visits visits.techs_assigned"
    ));
    let a = api
        .get("/v1/jobs", &[("sort", "id"), ("per-page", "1")])
        .await;
    assert_eq!(a.body["_expandable"], job_expandable);
    let estimate_expandable = word_list(&format!(
        "{order_expandable} payments signatures printable_work_order tags"
    ));
    let a = api.get("/v1/estimates", &[("per-page", "1")]).await;
    assert_eq!(a.body["_expandable"], estimate_expandable);
    let a = api.get("/v1/calendar-tasks", &[("per-page", "1")]).await;
    assert_eq!(a.body["_expandable"], json!(["repeat"]));
    let a = api
        .get(
            "/v1/calendar-tasks",
            &[("per-page", "1"), ("expand", "repeat")],
        )
        .await;
    assert_eq!(a.items()[0]["repeat"]["repeat_type"], "Weekly");
    for path in [
        "/v1/techs",
        "/v1/invoices",
        "/v1/sources",
        "/v1/payment-types",
        "/v1/job-categories",
    ] {
        assert_eq!(
            api.get(path, &[]).await.body["_expandable"],
            json!([]),
            "{path}"
        );
    }

    // Equipment's custom fields.
    let mut found = None;
    for c in api.customers() {
        let eq = api
            .get(
                &format!("/v1/customers/{}/equipment", id(&c)),
                &[("expand", "custom_fields")],
            )
            .await;
        if let Some(e) = eq
            .items()
            .iter()
            .find(|e| !e["custom_fields"].as_array().unwrap().is_empty())
        {
            found = Some(e.clone());
            break;
        }
    }
    let e = found.unwrap();
    assert_eq!(e["_expandable"], json!([]));
    assert_eq!(
        keys(&e["custom_fields"][0]),
        words("name value type group created_at updated_at is_required",)
    );
}

// ---- filters ----

/// Whether any string under `v` (recursively) satisfies `f`.
fn any_str(v: &Value, f: &dyn Fn(&str) -> bool) -> bool {
    match v {
        Value::String(s) => f(s),
        Value::Array(a) => a.iter().any(|x| any_str(x, f)),
        Value::Object(o) => o.values().any(|x| any_str(x, f)),
        _ => false,
    }
}

#[tokio::test]
async fn customer_filters() {
    let api = Api::quiet().await;
    let everyone = api.customers();
    let count = |p: &dyn Fn(&Value) -> bool| everyone.iter().filter(|c| p(c)).count();

    // name: partial, case aside; apostrophes and ampersands are names like any other.
    let found = api
        .all("/v1/customers", &[("filters[name]", "o'brien")])
        .await;
    assert!(!found.is_empty());
    assert!(found.iter().all(|c| {
        str_of(c, "customer_name")
            .to_lowercase()
            .contains("o'brien")
    }));
    let amp = api.all("/v1/customers", &[("filters[name]", " & ")]).await;
    assert_eq!(
        amp.len(),
        count(&|c| str_of(c, "customer_name").contains(" & "))
    );

    // city and postal_code: whole values only.
    let austin = api
        .all(
            "/v1/customers",
            &[("filters[city]", "AUSTIN"), ("expand", "locations")],
        )
        .await;
    assert!(austin.len() > 50);
    assert_eq!(
        austin.len(),
        count(&|c| c["locations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["city"] == "Austin"))
    );
    assert_eq!(
        api.get("/v1/customers", &[("filters[city]", "Aust")])
            .await
            .total(),
        0
    );
    let zip = str_of(&everyone[0]["locations"][0], "postal_code").to_owned();
    let by_zip = api
        .all("/v1/customers", &[("filters[postal_code]", &zip)])
        .await;
    assert!(ids(&by_zip).contains(&id(&everyone[0])));
    assert_eq!(
        by_zip.len(),
        count(&|c| c["locations"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["postal_code"] == zip.as_str()))
    );
    assert_eq!(
        api.get("/v1/customers", &[("filters[postal_code]", &zip[..3])])
            .await
            .total(),
        0
    );

    // address: part of the street.
    let street = str_of(&everyone[5]["locations"][0], "street_1").to_owned();
    let part = street.split_whitespace().nth(1).unwrap().to_lowercase();
    let by_street = api
        .all("/v1/customers", &[("filters[address]", &part)])
        .await;
    assert!(ids(&by_street).contains(&id(&everyone[5])));

    // phone: a part of any contact's number; email: a whole address.
    let phone = str_of(&everyone[3]["contacts"][0]["phones"][0], "phone").to_owned();
    let by_phone = api
        .all(
            "/v1/customers",
            &[
                ("filters[phone]", &phone[4..]),
                ("expand", "contacts.phones"),
            ],
        )
        .await;
    assert!(ids(&by_phone).contains(&id(&everyone[3])));
    assert!(
        by_phone
            .iter()
            .all(|c| any_str(&c["contacts"], &|s| s.contains(&phone[4..])))
    );
    let email = str_of(&everyone[3]["contacts"][0]["emails"][0], "email").to_owned();
    let by_email = api
        .all(
            "/v1/customers",
            &[("filters[email]", &email.to_uppercase())],
        )
        .await;
    assert!(ids(&by_email).contains(&id(&everyone[3])));
    let half = &email[..email.len() / 2];
    assert_eq!(
        api.get("/v1/customers", &[("filters[email]", half)])
            .await
            .total(),
        0
    );

    // Contact names: part of the first or last name of any contact.
    let last = str_of(&everyone[7]["contacts"][0], "lname").to_lowercase();
    let by_last = api
        .all("/v1/customers", &[("filters[contact_last_name]", &last)])
        .await;
    assert!(ids(&by_last).contains(&id(&everyone[7])));
    let first = str_of(&everyone[7]["contacts"][0], "fname").to_owned();
    let by_first = api
        .all("/v1/customers", &[("filters[contact_first_name]", &first)])
        .await;
    assert!(ids(&by_first).contains(&id(&everyone[7])));

    // tags: whole tags, any of a comma list.
    let commercial = api
        .get("/v1/customers", &[("filters[tags]", "commercial")])
        .await
        .total();
    assert_eq!(
        commercial as usize,
        count(&|c| c["industry"] != "Residential")
    );
    let vip_or_contract = api
        .get(
            "/v1/customers",
            &[("filters[tags]", "VIP,Service Agreement")],
        )
        .await
        .total();
    assert_eq!(
        vip_or_contract as usize,
        count(&|c| c["is_vip"] == true || !c["assigned_contract"].is_null())
    );
    assert_eq!(
        api.get("/v1/customers", &[("filters[tags]", "resid")])
            .await
            .total(),
        0
    );

    // last_serviced_date: an inclusive Y-m-d range.
    let (from, to) = ("2025-01-01", "2025-12-31");
    let served = api
        .all(
            "/v1/customers",
            &[
                ("filters[last_serviced_date][gte]", from),
                ("filters[last_serviced_date][lte]", to),
            ],
        )
        .await;
    assert!(!served.is_empty());
    assert_eq!(
        served.len(),
        count(&|c| c["last_serviced_date"]
            .as_str()
            .is_some_and(|d| (from..=to).contains(&d)))
    );

    // Agreement dates: RFC 3339 (Y-m-d taken too); only customers with an agreement.
    let with_contract = count(&|c| !c["assigned_contract"].is_null());
    let effective = api
        .all(
            "/v1/customers",
            &[(
                "filters[agreement_date_effective][gte]",
                "2000-01-01T00:00:00-05:00",
            )],
        )
        .await;
    assert_eq!(effective.len(), with_contract);
    let recent = api
        .all(
            "/v1/customers",
            &[("filters[agreement_date_expires][gte]", "2099-01-01")],
        )
        .await;
    assert!(recent.is_empty());

    // Malformed dates are a 422 naming the filter; unknown filters are ignored.
    let a = api
        .get(
            "/v1/customers",
            &[("filters[last_serviced_date][gte]", "03/01/2026")],
        )
        .await;
    assert_eq!(
        a.body,
        only_error(
            "last_serviced_date",
            "Last Serviced Date must be a date in the format Y-m-d."
        )
    );
    let a = api
        .get(
            "/v1/customers",
            &[("filters[agreement_date_effective][lte]", "yesterday")],
        )
        .await;
    let errors = validation(&a);
    assert_eq!(errors[0].0, "agreement_date_effective");
    assert!(
        errors[0]
            .1
            .starts_with("Agreement Date Effective must be a date"),
        "{errors:?}"
    );
    let ignored = api
        .get("/v1/customers", &[("filters[favorite_color]", "teal")])
        .await;
    assert_eq!(ignored.total(), everyone.len() as i64);
}

#[tokio::test]
async fn job_filters() {
    let api = Api::quiet().await;
    let all: Vec<Value> = (2000..6000)
        .filter_map(|i| api.fake.record("jobs", i))
        .collect();
    let count = |p: &dyn Fn(&Value) -> bool| all.iter().filter(|j| p(j)).count() as i64;
    let total = |q: Vec<(&'static str, String)>| {
        let api = &api;
        async move {
            let mut query: Vec<(&str, &str)> = q.iter().map(|(k, v)| (*k, v.as_str())).collect();
            query.push(("sort", "id"));
            let a = api.get("/v1/jobs", &query).await;
            a.ok();
            a.total()
        }
    };

    // status: any of a comma list, case aside; estimate statuses are no job statuses.
    let scheduled = count(&|j| j["status"] == "Scheduled");
    let unscheduled = count(&|j| j["status"] == "Unscheduled");
    assert!(scheduled > 0 && unscheduled > 0);
    assert_eq!(
        total(vec![("filters[status]", "scheduled,UNSCHEDULED".into())]).await,
        scheduled + unscheduled
    );
    assert_eq!(total(vec![("filters[status]", "Won".into())]).await, 0);

    // number, po_number and invoice_number: whole values.
    let sample = all
        .iter()
        .find(|j| !j["po_number"].is_null() && !j["invoices"].as_array().unwrap().is_empty())
        .unwrap();
    let number = str_of(sample, "number").to_owned();
    assert_eq!(total(vec![("filters[number]", number.clone())]).await, 1);
    assert_eq!(
        total(vec![("filters[number]", number[..3].to_owned())]).await,
        0
    );
    let po = str_of(sample, "po_number").to_owned();
    assert_eq!(
        total(vec![("filters[po_number]", po.clone())]).await,
        count(&|j| j["po_number"] == po.as_str())
    );
    let invoice = sample["invoices"][0]["number"]
        .as_i64()
        .unwrap()
        .to_string();
    let by_invoice = api
        .get(
            "/v1/jobs",
            &[("sort", "id"), ("filters[invoice_number]", &invoice)],
        )
        .await;
    assert_eq!(ids(by_invoice.items()), vec![id(sample)]);

    // Customer and parent customer names: parts of them.
    let name = str_of(sample, "customer_name").to_owned();
    let part = name.split_whitespace().last().unwrap().to_uppercase();
    assert_eq!(
        total(vec![("filters[customer_name]", part.clone())]).await,
        count(&|j| str_of(j, "customer_name").to_uppercase().contains(&part))
    );
    let managed = count(&|j| {
        j["parent_customer"]
            .as_str()
            .is_some_and(|p| p.contains("Hill Country"))
    });
    assert!(managed > 0);
    assert_eq!(
        total(vec![(
            "filters[parent_customer_name]",
            "hill country".into()
        )])
        .await,
        managed
    );

    // The job's contact and location.
    let first = str_of(sample, "contact_first_name").to_owned();
    assert_eq!(
        total(vec![("filters[contact_first_name]", first.to_lowercase())]).await,
        count(&|j| j["contact_first_name"]
            .as_str()
            .is_some_and(|f| f.to_lowercase().contains(&first.to_lowercase())))
    );
    let last = str_of(sample, "contact_last_name").to_owned();
    assert!(total(vec![("filters[contact_last_name]", last.clone())]).await >= 1);
    let street = str_of(sample, "street_1").to_owned();
    let by_street = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("filters[address]", &street[2..]),
                ("per-page", "50"),
            ],
        )
        .await;
    assert!(
        by_street
            .items()
            .iter()
            .all(|j| str_of(j, "street_1").contains(&street[2..]))
    );
    assert!(by_street.total() >= 1);
    let city = str_of(sample, "city").to_owned();
    assert_eq!(
        total(vec![("filters[city]", city.to_lowercase())]).await,
        count(&|j| j["city"] == city.as_str())
    );
    assert_eq!(
        total(vec![("filters[city]", city[..3].to_owned())]).await,
        0
    );
    let zip = str_of(sample, "postal_code").to_owned();
    assert_eq!(
        total(vec![("filters[zip_code]", zip.clone())]).await,
        count(&|j| j["postal_code"] == zip.as_str())
    );

    // phone and email come from the job's contact, as the customer has them.
    let customer = api
        .fake
        .record("customers", sample["customer_id"].as_i64().unwrap())
        .unwrap();
    let contact = customer["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| {
            c["fname"] == sample["contact_first_name"] && c["lname"] == sample["contact_last_name"]
        })
        .unwrap();
    let phone = str_of(&contact["phones"][0], "phone").to_owned();
    let by_phone = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("filters[phone]", &phone[4..]),
                ("per-page", "50"),
            ],
        )
        .await;
    assert!(by_phone.total() >= 1);
    let email = str_of(&contact["emails"][0], "email").to_owned();
    let by_email = api
        .all("/v1/jobs", &[("sort", "id"), ("filters[email]", &email)])
        .await;
    assert!(ids(&by_email).contains(&id(sample)));
    assert!(
        by_email
            .iter()
            .all(|j| j["customer_id"] == sample["customer_id"])
    );

    // category and source: whole names, case aside.
    assert_eq!(
        total(vec![("filters[category]", "ac repair".into())]).await,
        count(&|j| j["category"] == "AC Repair")
    );
    assert_eq!(total(vec![("filters[category]", "AC".into())]).await, 0);
    assert_eq!(
        total(vec![("filters[source]", "YELP".into())]).await,
        count(&|j| j["source"] == "Yelp")
    );

    // Date ranges (Y-m-d) and timestamp ranges (RFC 3339 or Y-m-d as whole days).
    let in_range = |key: &'static str, from: &'static str, to: &'static str| {
        move |j: &Value| j[key].as_str().is_some_and(|d| d >= from && d <= to)
    };
    assert_eq!(
        total(vec![
            ("filters[start_date][gte]", "2025-03-01".into()),
            ("filters[start_date][lte]", "2025-03-31".into())
        ])
        .await,
        count(&in_range("start_date", "2025-03-01", "2025-03-31"))
    );
    assert_eq!(
        total(vec![("filters[end_date][gte]", "2025-03-01".into())]).await,
        count(&|j| j["end_date"].as_str().is_some_and(|d| d >= "2025-03-01"))
    );
    assert_eq!(
        total(vec![(
            "filters[updated_date][gte]",
            "2025-06-01T00:00:00+00:00".into()
        )])
        .await,
        count(&|j| str_of(j, "updated_at") >= "2025-06-01T00:00:00+00:00")
    );
    // 2025-06-01T00:00:00-05:00 is 05:00 UTC.
    assert_eq!(
        total(vec![(
            "filters[closed_date][gte]",
            "2025-06-01T00:00:00-05:00".into()
        )])
        .await,
        count(&|j| j["closed_at"]
            .as_str()
            .is_some_and(|d| d >= "2025-06-01T05:00:00+00:00"))
    );
    assert_eq!(
        total(vec![("filters[closed_date][lte]", "2025-06-01".into())]).await,
        count(&|j| j["closed_at"]
            .as_str()
            .is_some_and(|d| d <= "2025-06-01T23:59:59+00:00"))
    );

    let a = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("filters[start_date][gte]", "2025-13-01"),
                ("filters[closed_date][lte]", "soon"),
            ],
        )
        .await;
    let errors = validation(&a);
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert_eq!(
        errors[0],
        (
            "start_date".to_owned(),
            "Start Date must be a date in the format Y-m-d.".to_owned()
        )
    );
    assert_eq!(errors[1].0, "closed_date");
}

#[tokio::test]
async fn estimate_and_tech_filters() {
    let api = Api::quiet().await;
    let all: Vec<Value> = (6000..7000)
        .filter_map(|i| api.fake.record("estimates", i))
        .collect();
    let count = |p: &dyn Fn(&Value) -> bool| all.iter().filter(|e| p(e)).count() as i64;
    let won_or_sent = api
        .get("/v1/estimates", &[("filters[status]", "won,Estimate Sent")])
        .await;
    assert_eq!(
        won_or_sent.total(),
        count(&|e| e["status"] == "Won" || e["status"] == "Estimate Sent")
    );
    assert_eq!(
        api.get("/v1/estimates", &[("filters[status]", "Invoiced")])
            .await
            .total(),
        0
    );
    // requested_date is when the estimate was requested (created).
    let requested = api
        .all(
            "/v1/estimates",
            &[("filters[requested_date][gte]", "2026-01-01T00:00:00+00:00")],
        )
        .await;
    assert_eq!(
        requested.len() as i64,
        count(&|e| str_of(e, "created_at") >= "2026-01-01")
    );
    assert!(
        requested
            .iter()
            .all(|e| str_of(e, "created_at") >= "2026-01-01")
    );
    let sample = &all[10];
    let number = str_of(sample, "number");
    let one = api
        .get("/v1/estimates", &[("filters[number]", number)])
        .await;
    assert_eq!(ids(one.items()), vec![id(sample)]);
    let name = str_of(sample, "customer_name");
    let theirs = api
        .all("/v1/estimates", &[("filters[customer_name]", name)])
        .await;
    assert!(ids(&theirs).contains(&id(sample)));
    let a = api
        .get(
            "/v1/estimates",
            &[("filters[requested_date][gte]", "last week")],
        )
        .await;
    assert_eq!(validation(&a)[0].0, "requested_date");

    // Techs: every filter is a part of the value, case aside.
    let techs = |q: &'static [(&'static str, &'static str)]| {
        let api = &api;
        async move {
            api.get("/v1/techs", q)
                .await
                .items()
                .iter()
                .map(|t| format!("{} {}", str_of(t, "first_name"), str_of(t, "last_name")))
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(
        techs(&[("filters[first_name]", "MAR")]).await,
        ["Marcus Reyes"]
    );
    assert_eq!(
        techs(&[("filters[last_name]", "o'neal")]).await,
        ["Brandon O'Neal"]
    );
    assert_eq!(techs(&[("filters[email]", "sarah.k")]).await, ["Sarah Kim"]);
    assert_eq!(
        techs(&[("filters[nickname_on_workorder]", "Hector G")]).await,
        ["Hector Garza"]
    );
    assert_eq!(
        techs(&[("filters[nickname_on_dispatch]", "plumbing")])
            .await
            .len(),
        5
    );
}

// ---- methods and paths ----

#[tokio::test]
async fn only_get_and_post_exist() {
    let api = Api::quiet().await;
    let cid = id(&api.customers()[0]);
    let not_allowed = |methods: &str| {
        api_error(
            405,
            "Method not allowed.",
            &format!(
                "Method Not Allowed. This url can only handle the following request methods: {methods}.\n"
            ),
        )
    };
    for (method, path, allowed) in [
        (Method::PUT, format!("/v1/customers/{cid}"), "GET"),
        (Method::DELETE, "/v1/jobs".to_owned(), "GET, POST"),
        (Method::PATCH, "/v1/estimates".to_owned(), "GET, POST"),
        (
            Method::DELETE,
            format!("/v1/customers/{cid}/equipment"),
            "GET",
        ),
        (Method::POST, "/v1/techs".to_owned(), "GET"),
        (Method::POST, "/v1/invoices".to_owned(), "GET"),
        (Method::POST, format!("/v1/customers/{cid}"), "GET"),
        (Method::POST, "/v1/me".to_owned(), "GET"),
        (Method::PUT, "/v1/jobs/1".to_owned(), "GET"),
    ] {
        let a = api.send(method.clone(), &path, Some(json!({}))).await;
        assert_eq!(a.status, 405, "{method} {path}");
        assert_eq!(a.header("allow"), Some(allowed), "{method} {path}");
        assert_eq!(a.body, not_allowed(allowed), "{method} {path}");
    }
    // Before authentication, like the API's verb filter.
    let r = api.http.delete(api.url("/v1/jobs")).send().await.unwrap();
    assert_eq!(r.status(), 405);

    let page = api_error(404, "Not Found.", "Page not found.");
    for path in [
        "/v1/contacts",
        "/v1/jobs/abc",
        "/v1/products/1",
        "/v1/jobs/",
        "/nope",
        "/v2/jobs",
    ] {
        let a = api.get(path, &[]).await;
        assert_eq!((a.status, &a.body), (404, &page), "{path}");
        assert!(
            a.header("content-type")
                .unwrap()
                .starts_with("application/json")
        );
    }
    let item = api_error(404, "Not Found.", "Item not found.");
    let other = id(&api.customers()[1]);
    let equipment = api
        .get(&format!("/v1/customers/{other}/equipment"), &[])
        .await;
    let mut paths = vec![
        "/v1/jobs/1".to_owned(),
        format!("/v1/estimates/{cid}"),
        "/v1/customers/999999/equipment".to_owned(),
        "/v1/techs/1".to_owned(),
    ];
    if let Some(e) = equipment.items().first() {
        // Someone else's equipment is not this customer's.
        let owner = api
            .customers()
            .into_iter()
            .find(|c| id(c) != other)
            .unwrap();
        paths.push(format!("/v1/customers/{}/equipment/{}", id(&owner), id(e)));
    }
    for path in paths {
        let a = api.get(&path, &[]).await;
        assert_eq!((a.status, &a.body), (404, &item), "{path}");
    }
}

// ---- creates ----

#[tokio::test]
async fn customers_are_created_and_read_back() {
    let api = Api::quiet().await;
    let before = api.get("/v1/customers", &[]).await.total();
    let a = api
        .post(
            "/v1/customers",
            json!({"customer_name": "Zed's Plumbing & Air"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let cid = id(&a.body);
    assert_eq!(
        a.header("location").unwrap(),
        format!("{}/v1/customers/{cid}", api.fake.base_url())
    );
    assert_eq!(a.body["customer_name"], "Zed's Plumbing & Air");
    assert_eq!(a.body["fully_qualified_name"], "Zed's Plumbing & Air");
    assert_eq!(a.body["account_balance"], 0);
    assert!(
        a.body["account_number"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .is_ok()
    );
    assert!(a.body["created_at"].as_str().unwrap().ends_with("+00:00"));
    let got = api.get(&format!("/v1/customers/{cid}"), &[]).await;
    assert_eq!(got.body, a.body);
    assert_eq!(api.get("/v1/customers", &[]).await.total(), before + 1);
    let by_name = api
        .get("/v1/customers", &[("filters[name]", "zed's plumbing")])
        .await;
    assert_eq!(ids(by_name.items()), vec![cid]);

    // With contacts, locations, custom fields and references by id or name.
    let a = api
        .send(
            Method::POST,
            "/v1/customers?expand=contacts.phones,contacts.emails,locations,custom_fields",
            Some(json!({
                "customer_name": "Bluebonnet Bakery",
                "parent_customer": "Zed's Plumbing & Air",
                "credit_rating": "b+",
                "agent": "sarah kim",
                "payment_type": "CHECK",
                "referral_source": 980192645,
                "is_vip": "1",
                "discount": "10.5",
                "discount_type": "%",
                "contacts": [
                    {"fname": "Ana", "lname": "Ruiz", "phones": [{"phone": "512-555-0177", "ext": 12, "type": "Work"}],
                     "emails": [{"email": "ana@bluebonnet.example"}]},
                    {"fname": "Bo", "lname": "Ruiz", "is_primary": true}
                ],
                "locations": [{"street_1": "12 Pecan St", "city": "Kyle", "state_prov": "Texas", "postal_code": "78640",
                               "latitude": "29.98", "longitude": -97.87}],
                "custom_fields": [{"name": "gate code", "value": "4321"}]
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let c = &a.body;
    assert_eq!(c["parent_customer"], "Zed's Plumbing & Air");
    assert_eq!(c["credit_rating"], "B+");
    assert_eq!(c["agent"], "Sarah Kim");
    assert_eq!(c["payment_type"], "Check");
    assert_eq!(c["referral_source"], "Customer Referral");
    assert_eq!(c["is_vip"], true);
    assert_eq!(c["discount"], 10.5);
    assert_eq!(c["contacts"][0]["is_primary"], false);
    assert_eq!(c["contacts"][1]["is_primary"], true);
    assert_eq!(c["contacts"][0]["phones"][0]["phone"], "512-555-0177");
    assert_eq!(c["contacts"][0]["phones"][0]["is_mobile"], false);
    assert_eq!(
        c["contacts"][0]["emails"][0]["email"],
        "ana@bluebonnet.example"
    );
    assert_eq!(
        c["locations"][0]["is_primary"], true,
        "the only location is the primary"
    );
    assert_eq!(c["locations"][0]["latitude"], 29.98);
    assert_eq!(c["custom_fields"][0]["name"], "Gate Code");
    assert_eq!(c["custom_fields"][0]["value"], "4321");
    assert_eq!(c["_expandable"], json!([]));
    let found = api
        .get("/v1/customers", &[("filters[phone]", "555-0177")])
        .await;
    assert!(ids(found.items()).contains(&id(c)));

    // A form body reads the same.
    let a = Answer::of(
        api.http
            .post(api.url("/v1/customers"))
            .bearer_auth(&api.token)
            .query(&[("expand", "contacts.phones")])
            .form(&[
                ("customer_name", "Formed Fabrication"),
                ("is_taxable", "0"),
                ("contacts[0][fname]", "Fay"),
                ("contacts[0][phones][0][phone]", "737-555-0100"),
            ]),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["is_taxable"], false);
    assert_eq!(a.body["contacts"][0]["phones"][0]["phone"], "737-555-0100");
    assert_eq!(api.fake.count("POST /v1/customers"), 3);
}

#[tokio::test]
async fn customer_validation_speaks_yii() {
    let api = Api::quiet().await;
    let before = api.get("/v1/customers", &[]).await.total();
    let a = api
        .post("/v1/customers", json!({"customer_name": "  "}))
        .await;
    assert_eq!(
        a.body,
        only_error("customer_name", "Customer Name cannot be blank.")
    );
    let a = api.post("/v1/customers", json!({})).await;
    has_error(&a, "customer_name", "Customer Name cannot be blank.");
    let a = api
        .post("/v1/customers", json!({"customer_name": "x".repeat(46)}))
        .await;
    assert_eq!(
        a.body,
        only_error(
            "customer_name",
            "Customer Name is too long (maximum is 45 characters)."
        )
    );
    api.post("/v1/customers", json!({"customer_name": "y".repeat(45)}))
        .await;
    let a = api
        .post(
            "/v1/customers",
            json!({"customer_name": "barton creek dental"}),
        )
        .await;
    has_error(
        &a,
        "customer_name",
        "Customer Name \"barton creek dental\" has already been taken.",
    );

    // Everything wrong at once, each named.
    let a = api
        .post(
            "/v1/customers",
            json!({
                "customer_name": "All Wrong LLC",
                "credit_rating": "AAA",
                "qbo_currency": "EUR",
                "agent": "Nobody Atall",
                "payment_type": 12345,
                "referral_source": "Carrier Pigeon",
                "parent_customer": "No Such Parent",
                "labor_charge_type": "daily",
                "discount_type": "#",
                "is_vip": "maybe",
                "last_serviced_date": "2024/01/01",
                "contacts": [{"lname": "Nofirst", "emails": [{"email": "not-an-email"}]}],
                "custom_fields": [{"name": "Shoe Size", "value": 11}]
            }),
        )
        .await;
    for (field, message) in [
        ("credit_rating", "Credit Rating \"AAA\" is invalid."),
        ("qbo_currency", "Qbo Currency \"EUR\" is invalid."),
        ("agent", "Agent \"Nobody Atall\" is invalid."),
        ("payment_type", "Payment Type \"12345\" is invalid."),
        (
            "referral_source",
            "Referral Source \"Carrier Pigeon\" is invalid.",
        ),
        (
            "parent_customer",
            "Parent Customer \"No Such Parent\" is invalid.",
        ),
        (
            "labor_charge_type",
            "Labor Charge Type \"daily\" is invalid.",
        ),
        ("discount_type", "Discount Type \"#\" is invalid."),
        ("is_vip", "Is Vip must be either \"1\" or \"0\"."),
        (
            "last_serviced_date",
            "Last Serviced Date must be a date in the format Y-m-d.",
        ),
        ("contacts[0].fname", "Fname cannot be blank."),
        (
            "contacts[0].emails[0].email",
            "Email is not a valid email address.",
        ),
        ("custom_fields[0].name", "Name \"Shoe Size\" is invalid."),
    ] {
        has_error(&a, field, message);
    }
    assert_eq!(validation(&a).len(), 13);
    assert_eq!(
        api.get("/v1/customers", &[]).await.total(),
        before + 1,
        "nothing stored on a 422"
    );

    // What the body cannot be.
    let a = api
        .post_raw("/v1/customers", "text/xml", "<customer/>")
        .await;
    assert_eq!(a.status, 415);
    let a = api
        .post_raw("/v1/customers", "application/json", "{\"customer_name\": ")
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(a.body["name"], "Bad Request.");
    assert!(str_of(&a.body, "message").starts_with("Invalid JSON data in request body"));
}

#[tokio::test]
async fn jobs_are_created_with_defaults_from_the_customer() {
    let api = Api::quiet().await;
    let customer = api
        .customers()
        .into_iter()
        .find(|c| c["contacts"].as_array().unwrap().len() > 1 && c["industry"] == "Residential")
        .unwrap();
    let cid = id(&customer);
    let primary = customer["contacts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["is_primary"] == true)
        .unwrap()
        .clone();
    let home = customer["locations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["is_primary"] == true)
        .unwrap()
        .clone();
    let newest = api
        .get("/v1/jobs", &[("sort", "-id"), ("per-page", "1")])
        .await;
    let last_number: i64 = str_of(&newest.items()[0], "number").parse().unwrap();

    let a = api.post("/v1/jobs", json!({"customer_name": cid})).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let j = &a.body;
    assert_eq!(j["customer_id"], cid);
    assert_eq!(j["customer_name"], customer["customer_name"]);
    assert_eq!(j["number"], (last_number + 1).to_string());
    assert_eq!(j["status"], "Unscheduled");
    assert_eq!(j["priority"], "Normal");
    assert_eq!(j["duration"], 3600);
    assert_eq!(j["closed_at"], Value::Null);
    assert_eq!(j["contact_first_name"], primary["fname"]);
    assert_eq!(j["contact_last_name"], primary["lname"]);
    assert_eq!(j["street_1"], home["street_1"]);
    assert_eq!(j["city"], home["city"]);
    assert_eq!(j["postal_code"], home["postal_code"]);
    assert_eq!(j["payment_type"], customer["payment_type"]);
    assert_eq!(j["customer_payment_terms"], customer["payment_terms"]);
    assert_eq!(j["total"], 0);
    assert_eq!(
        a.header("location").unwrap(),
        format!("{}/v1/jobs/{}", api.fake.base_url(), id(j))
    );
    let listed = api
        .get(
            "/v1/jobs",
            &[("sort", "id"), ("filters[number]", str_of(j, "number"))],
        )
        .await;
    assert_eq!(ids(listed.items()), vec![id(j)]);

    // Everything named by id or name, techs in every documented form, lines and totals.
    let techs = api.get("/v1/techs", &[("per-page", "50")]).await;
    let field: Vec<&Value> = techs
        .items()
        .iter()
        .filter(|t| t["is_field_worker"] == true)
        .collect();
    let name = |t: &Value| format!("{} {}", str_of(t, "first_name"), str_of(t, "last_name"));
    let a = api
        .send(
            Method::POST,
            "/v1/jobs?expand=techs_assigned,notes,products,services,agents&fields=number,status,total,taxes_fees_total,category,source,closed_at,start_date,end_date,time_frame_promised_start,priority,duration,contact_first_name,street_1,city",
            Some(json!({
                "customer_name": str_of(&customer, "customer_name").to_uppercase(),
                "status": "completed",
                "priority": "high",
                "duration": "5400",
                "category": "ac repair",
                "source": 980192643,
                "payment_type": "cc",
                "start_date": "2026-07-01",
                "end_date": "2026-07-02",
                "time_frame_promised_start": "8:00",
                "techs_assigned": [id(field[0]), name(field[1]), {"id": id(field[2])},
                                   {"first_name": field[3]["first_name"], "last_name": field[3]["last_name"]}],
                "agents": ["Sarah Kim"],
                "notes": [{"notes": "Dog in the yard"}],
                "products": [{"name": "Run Capacitor 45/5 MFD", "multiplier": 2, "rate": 185, "tax": "Texas Sales Tax"}],
                "services": [{"name": "Diagnostic Fee", "rate": "89"}],
                "contact_first_name": "Pat",
                "contact_last_name": "Newcontact",
                "street_1": "1 Congress Ave",
                "city": "Austin"
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let j = &a.body;
    assert_eq!(j["number"], (last_number + 2).to_string());
    assert_eq!(j["status"], "Completed");
    assert!(
        j["closed_at"].as_str().unwrap().ends_with("+00:00"),
        "a closed status closes the job"
    );
    assert_eq!(j["priority"], "High");
    assert_eq!(j["duration"], 5400);
    assert_eq!(j["category"], "AC Repair");
    assert_eq!(j["source"], "Yelp");
    assert_eq!(
        (j["start_date"].clone(), j["end_date"].clone()),
        (json!("2026-07-01"), json!("2026-07-02"))
    );
    assert_eq!(j["time_frame_promised_start"], "08:00");
    assert_eq!(
        ids(j["techs_assigned"].as_array().unwrap()),
        ids(&field[..4].iter().map(|t| (*t).clone()).collect::<Vec<_>>())
    );
    assert_eq!(
        keys(&j["techs_assigned"][0]),
        words("id first_name last_name")
    );
    assert_eq!(j["agents"][0]["first_name"], "Sarah");
    assert_eq!(j["notes"][0]["notes"], "Dog in the yard");
    assert_eq!(j["products"][0]["total"], 370);
    // 2 × 185 + 89, and 8.25% tax on the taxable product line.
    assert_eq!(j["taxes_fees_total"], 30.52);
    assert_eq!(j["total"], 489.52);
    assert_eq!(
        (j["street_1"].clone(), j["city"].clone()),
        (json!("1 Congress Ave"), json!("Austin"))
    );
    // A contact the customer did not have is added to it.
    let after = api.fake.record("customers", cid).unwrap();
    assert_eq!(
        after["contacts"].as_array().unwrap().len(),
        customer["contacts"].as_array().unwrap().len() + 1
    );
    assert!(
        after["contacts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|c| c["lname"] == "Newcontact")
    );
    assert_eq!(
        api.fake.record("jobs", id(j)).unwrap()["payment_type"],
        "Credit Card"
    );
}

#[tokio::test]
async fn job_validation_names_each_field() {
    let api = Api::quiet().await;
    let cid = id(&api.customers()[0]);
    let a = api
        .post("/v1/jobs", json!({"description": "no customer"}))
        .await;
    assert_eq!(
        a.body,
        only_error("customer_name", "Customer Name cannot be blank.")
    );
    let a = api
        .post("/v1/jobs", json!({"customer_name": "Nobody Inc"}))
        .await;
    assert_eq!(
        a.body,
        only_error("customer_name", "Customer Name \"Nobody Inc\" is invalid.")
    );
    let a = api
        .post("/v1/jobs", json!({"customer_name": 99_999_999}))
        .await;
    has_error(
        &a,
        "customer_name",
        "Customer Name \"99999999\" is invalid.",
    );
    let a = api
        .post(
            "/v1/jobs",
            json!({
                "customer_name": cid,
                "status": "Foo",
                "category": "Teleportation",
                "source": "Carrier Pigeon",
                "payment_type": "Bitcoin",
                "priority": "Urgent",
                "techs_assigned": ["Ghost Tech", {"id": 1}],
                "start_date": "01/12/2027",
                "time_frame_promised_start": "8am",
                "duration": "long",
                "notes": [{"notes": ""}]
            }),
        )
        .await;
    for (field, message) in [
        ("status", "Status \"Foo\" is invalid."),
        ("category", "Category \"Teleportation\" is invalid."),
        ("source", "Source \"Carrier Pigeon\" is invalid."),
        ("payment_type", "Payment Type \"Bitcoin\" is invalid."),
        ("priority", "Priority \"Urgent\" is invalid."),
        (
            "techs_assigned",
            "Techs Assigned \"Ghost Tech\" is invalid.",
        ),
        ("techs_assigned", "Techs Assigned \"1\" is invalid."),
        (
            "start_date",
            "Start Date must be a date in the format Y-m-d.",
        ),
        (
            "time_frame_promised_start",
            "Time Frame Promised Start must be a time in the format H:i.",
        ),
        ("duration", "Duration must be an integer."),
        ("notes[0].notes", "Notes cannot be blank."),
    ] {
        has_error(&a, field, message);
    }
    // An estimate's status is not a job's.
    let a = api
        .post("/v1/jobs", json!({"customer_name": cid, "status": "Won"}))
        .await;
    has_error(&a, "status", "Status \"Won\" is invalid.");
    assert_eq!(api.fake.count("POST /v1/jobs"), 5);
    let a = api
        .post_raw("/v1/jobs", "multipart/form-data; boundary=x", "--x--")
        .await;
    assert_eq!(a.status, 415);
}

#[tokio::test]
async fn estimates_are_created_with_their_own_statuses_and_tags() {
    let api = Api::quiet().await;
    let customer = &api.customers()[2];
    let newest = api
        .get("/v1/estimates", &[("sort", "-id"), ("per-page", "1")])
        .await;
    let last_number: i64 = str_of(&newest.items()[0], "number").parse().unwrap();
    let a = api
        .send(
            Method::POST,
            "/v1/estimates?expand=tags",
            Some(json!({
                "customer_name": customer["customer_name"],
                "description": "Replace 15-year-old furnace",
                "opportunity_rating": 4,
                "opportunity_owner": "Mike Patterson",
                "tags": ["Replacement", {"tag": "Financing"}],
                "created_at": "2026-05-01T10:00:00-05:00"
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let e = &a.body;
    assert_eq!(e["number"], (last_number + 1).to_string());
    assert_eq!(e["status"], "Estimate Requested");
    assert_eq!(e["opportunity_rating"], 4);
    assert_eq!(e["opportunity_owner"], "Mike Patterson");
    assert_eq!(e["created_at"], "2026-05-01T15:00:00+00:00");
    assert_eq!(e["tags"][0]["tag"], "Replacement");
    assert_eq!(e["tags"][1]["tag"], "Financing");
    assert!(e.get("closed_at").is_none() && e.get("drive_labor_total").is_none());
    assert_eq!(
        e["_expandable"].as_array().unwrap().len(),
        15,
        "all but tags: {}",
        e["_expandable"]
    );
    let requested = api
        .get(
            "/v1/estimates",
            &[
                ("filters[requested_date][gte]", "2026-05-01"),
                ("filters[requested_date][lte]", "2026-05-01"),
            ],
        )
        .await;
    assert!(ids(requested.items()).contains(&id(e)));

    let a = api
        .post(
            "/v1/estimates",
            json!({"customer_name": id(customer), "status": "Scheduled", "opportunity_rating": 9, "opportunity_owner": "Nobody"}),
        )
        .await;
    has_error(&a, "status", "Status \"Scheduled\" is invalid.");
    has_error(
        &a,
        "opportunity_rating",
        "Opportunity Rating must be no greater than 5.",
    );
    has_error(
        &a,
        "opportunity_owner",
        "Opportunity Owner \"Nobody\" is invalid.",
    );
    let won = api
        .post(
            "/v1/estimates",
            json!({"customer_name": id(customer), "status": "won"}),
        )
        .await;
    assert_eq!(won.status, 201);
    assert_eq!(won.body["status"], "Won");
}

// ---- the unsorted-jobs hang ----

#[tokio::test]
async fn job_lists_without_sort_hang_but_answer() {
    let api = Api::start(FakeOptions {
        unsorted_jobs_delay: Duration::from_millis(400),
        ..quiet()
    })
    .await;
    let t = Instant::now();
    let a = api.get("/v1/jobs", &[("per-page", "5")]).await;
    assert!(
        t.elapsed() >= Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    a.ok();
    assert_eq!(a.items().len(), 5);
    assert_eq!(api.fake.unsorted_job_lists(), 1);

    let t = Instant::now();
    api.get("/v1/jobs", &[("sort", "-start_date")]).await.ok();
    let jid = id(&a.items()[0]);
    api.get(&format!("/v1/jobs/{jid}"), &[]).await.ok();
    api.get("/v1/estimates", &[]).await.ok();
    assert!(
        t.elapsed() < Duration::from_millis(400),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(api.fake.unsorted_job_lists(), 1);
    assert_eq!(api.fake.count("GET /v1/jobs"), 2);
    assert_eq!(api.fake.count("GET /v1/jobs/{id}"), 1);
}

// ---- faults ----

#[tokio::test]
async fn injected_faults_answer_like_the_api() {
    let api = Api::start(FakeOptions {
        requests_per_minute: 10,
        ..quiet()
    })
    .await;
    let control = api.fake.control();
    for (fault, status, name, message) in [
        (
            Fault::Unauthenticated,
            401,
            "Unauthorized.",
            "Your request was made with invalid credentials.",
        ),
        (
            Fault::PermissionDenied,
            403,
            "Forbidden.",
            "Login Required.",
        ),
        (Fault::NotFound, 404, "Not Found.", "Item not found."),
        (
            Fault::RateLimited,
            429,
            "Too Many Requests.",
            "Rate limit exceeded.",
        ),
        (
            Fault::ServerError,
            500,
            "Internal server error.",
            "An internal server error occurred.",
        ),
    ] {
        let body = api_error(status, name, message);
        control.inject(fault, 1);
        let a = api.get("/v1/me", &[]).await;
        assert_eq!((a.status, &a.body), (status, &body), "{fault:?}");
        if fault == Fault::RateLimited {
            assert_eq!(a.number("x-rate-limit-remaining"), 0);
            let reset = a.number("x-rate-limit-reset");
            assert!((now_epoch()..=now_epoch() + 2).contains(&reset), "{reset}");
        }
    }
    assert_eq!(
        api.fake.rate_limited(),
        0,
        "injected 429s are not the limiter's"
    );
    assert_eq!(
        api.fake.max_requests_in_window(),
        0,
        "faults are not served requests"
    );

    // Several in a row, the token endpoint untouched, then served again.
    control.inject(Fault::ServerError, 2);
    let (id, secret) = api.fake.client_credentials();
    api.client_credentials(&id, &secret).await.ok();
    assert_eq!(api.get("/v1/me", &[]).await.status, 500);
    assert_eq!(api.get("/v1/customers", &[]).await.status, 500);
    api.get("/v1/me", &[]).await.ok();
    control.inject(Fault::NotFound, 3);
    control.clear();
    api.get("/v1/me", &[]).await.ok();
    // Every HTTP request is counted, faulted or not.
    assert_eq!(control.requests(), 10);
    assert_eq!(api.fake.count("GET /v1/me"), 8);
    assert_eq!(api.fake.max_requests_in_window(), 2);
}

// ---- the seeded company ----

#[tokio::test]
async fn the_seed_is_a_texas_hvac_and_plumbing_company() {
    let api = Api::start(FakeOptions {
        today: Some(today()),
        ..quiet()
    })
    .await;
    let total = |path: &'static str| {
        let api = &api;
        async move { api.get(path, &[("sort", "id")]).await.total() }
    };
    assert_eq!(total("/v1/customers").await, 320);
    assert_eq!(total("/v1/jobs").await, 3150);
    assert_eq!(total("/v1/estimates").await, 420);
    assert_eq!(total("/v1/calendar-tasks").await, 300);
    assert_eq!(total("/v1/techs").await, 16);
    assert_eq!(total("/v1/job-categories").await, 10);
    assert_eq!(total("/v1/sources").await, 8);
    assert_eq!(total("/v1/payment-types").await, 6);
    let invoices = total("/v1/invoices").await;
    assert!((2_000..3_000).contains(&invoices), "{invoices}");

    let statuses = api.get("/v1/job-statuses", &[("per-page", "50")]).await;
    let categories: BTreeSet<&str> = statuses
        .items()
        .iter()
        .map(|s| s["category"].as_str().unwrap())
        .collect();
    assert_eq!(
        categories,
        ["CLOSED", "OPEN_ACTIVE", "OPEN_INACTIVE"]
            .into_iter()
            .collect()
    );
    assert_eq!(statuses.items().len(), 18);
    let on_site = statuses
        .items()
        .iter()
        .find(|s| s["name"] == "On Site")
        .unwrap();
    assert_eq!(
        (
            on_site["code"].clone(),
            on_site["is_custom"].clone(),
            on_site["category"].clone()
        ),
        (json!("06_ONS"), json!(true), json!("OPEN_ACTIVE"))
    );

    let customers = api.customers();
    assert_eq!(customers.len(), 320);
    let names: Vec<&str> = customers
        .iter()
        .map(|c| str_of(c, "customer_name"))
        .collect();
    assert!(names.iter().any(|n| n.contains('\'')) && names.iter().any(|n| n.contains('&')));
    assert!(names.iter().all(|n| n.chars().count() <= 45));
    assert!(
        customers
            .iter()
            .filter(|c| !c["parent_customer"].is_null())
            .count()
            >= 20
    );
    let phone = |s: &str| {
        let b = s.as_bytes();
        s.len() == 12
            && b[3] == b'-'
            && &s[4..8] == "555-"
            && s.bytes().filter(u8::is_ascii_digit).count() == 10
    };
    for c in &customers {
        let contacts = c["contacts"].as_array().unwrap();
        assert!((1..=3).contains(&contacts.len()), "{c}");
        assert_eq!(
            contacts.iter().filter(|x| x["is_primary"] == true).count(),
            1
        );
        for p in contacts
            .iter()
            .flat_map(|x| x["phones"].as_array().unwrap())
        {
            assert!(phone(str_of(p, "phone")), "{p}");
        }
        let locations = c["locations"].as_array().unwrap();
        assert!((1..=2).contains(&locations.len()));
        assert!(locations.iter().all(|l| l["state_prov"] == "Texas"));
    }

    // Equipment: furnaces, ACs and water heaters across the customers.
    let mut equipment = 0;
    let mut kinds = BTreeSet::new();
    for c in &customers {
        let a = api
            .get(
                &format!("/v1/customers/{}/equipment", id(c)),
                &[("per-page", "50")],
            )
            .await;
        equipment += a.total();
        for e in a.items() {
            kinds.insert(str_of(e, "type").to_owned());
            assert_eq!(e["customer_id"], c["id"]);
            assert!(e["install_date"].is_string() && e["warranty_date"].is_string());
        }
    }
    assert!((550..=700).contains(&equipment), "{equipment}");
    for k in [
        "Air Conditioner",
        "Gas Furnace",
        "Water Heater",
        "Rooftop Unit",
    ] {
        assert!(kinds.contains(k), "{kinds:?}");
    }

    // Jobs: two years back and a month ahead, mostly closed, with consistent money.
    let first = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "start_date"),
                ("filters[start_date][gte]", "2000-01-01"),
                ("per-page", "1"),
            ],
        )
        .await;
    let last = api
        .get("/v1/jobs", &[("sort", "-start_date"), ("per-page", "1")])
        .await;
    assert!(str_of(&first.items()[0], "start_date") >= "2024-06-15");
    assert!(str_of(&first.items()[0], "start_date") <= "2024-06-25");
    assert!(str_of(&last.items()[0], "start_date") >= "2026-07-05");
    assert!(str_of(&last.items()[0], "start_date") <= "2026-07-15");
    let closed = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("filters[status]", "Completed,Invoiced,Cancelled"),
            ],
        )
        .await
        .total();
    assert!(closed > 3150 * 80 / 100, "{closed}");
    let sample = api
        .get(
            "/v1/jobs",
            &[("sort", "id"), ("filters[status]", "Invoiced"), ("per-page", "50"),
              ("expand", "products,services,other_charges,payments,invoices,visits.techs_assigned,techs_assigned")],
        )
        .await;
    for j in sample.items() {
        let lines: f64 = ["products", "services"]
            .iter()
            .flat_map(|k| j[*k].as_array().unwrap())
            .map(|l| l["total"].as_f64().unwrap())
            .sum();
        let paid: f64 = j["payments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["amount"].as_f64().unwrap())
            .sum();
        let total = j["total"].as_f64().unwrap();
        let parts = lines
            + j["taxes_fees_total"].as_f64().unwrap()
            + j["drive_labor_total"].as_f64().unwrap()
            + j["billable_expenses_total"].as_f64().unwrap();
        assert!((total - parts).abs() < 0.005, "{j}");
        assert!((j["payments_deposits_total"].as_f64().unwrap() - paid).abs() < 0.005);
        assert!((j["due_total"].as_f64().unwrap() - (total - paid)).abs() < 0.005);
        let invoice = &j["invoices"][0];
        assert_eq!(invoice["total"], j["total"]);
        assert!(invoice["number"].is_i64());
        assert_eq!(invoice["is_paid"], json!(total - paid < 0.005));
        assert!(j["number"].is_string());
        assert!(!j["closed_at"].is_null());
        let crew = j["techs_assigned"].as_array().unwrap().len();
        assert!((1..=2).contains(&crew));
        assert!(
            !j["visits"][0]["techs_assigned"]
                .as_array()
                .unwrap()
                .is_empty()
        );
    }

    // Calendar tasks around today, assigned to techs.
    let tech_ids: BTreeSet<i64> = ids(api.get("/v1/techs", &[("per-page", "50")]).await.items())
        .into_iter()
        .collect();
    let tasks = api.all("/v1/calendar-tasks", &[]).await;
    for t in &tasks {
        let users = t["users_id"].as_array().unwrap();
        assert!(
            !users.is_empty()
                && users
                    .iter()
                    .all(|u| tech_ids.contains(&u.as_i64().unwrap()))
        );
        let d = str_of(t, "start_date");
        assert!(("2026-05-01"..="2026-06-29").contains(&d), "{d}");
    }
    let me = api.get("/v1/me", &[]).await;
    assert!(
        tech_ids.contains(&id(&me.body)),
        "the API user is one of the company's users"
    );

    // The same day, the same company.
    let again = start_with(FakeOptions {
        today: Some(today()),
        ..quiet()
    })
    .await
    .unwrap();
    for (resource, i) in [
        ("jobs", 2500),
        ("customers", 1100),
        ("estimates", 6100),
        ("calendar-tasks", 16_050),
        ("invoices", 11_500),
    ] {
        assert_eq!(
            api.fake.record(resource, i),
            again.record(resource, i),
            "{resource} {i}"
        );
        assert!(api.fake.record(resource, i).is_some());
    }
    assert!(api.fake.record("jobs", 1).is_none() && api.fake.record("widgets", 2500).is_none());
}

#[tokio::test]
async fn shapes_follow_the_documentation() {
    let api = Api::start(FakeOptions {
        today: Some(today()),
        ..quiet()
    })
    .await;
    let timestamp = |s: &str| {
        chrono::DateTime::parse_from_rfc3339(s).is_ok() && s.ends_with("+00:00") && s.len() == 25
    };
    let date = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok() && s.len() == 10;

    let job = api
        .get(
            "/v1/jobs",
            &[
                ("sort", "id"),
                ("filters[status]", "Invoiced"),
                ("per-page", "1"),
            ],
        )
        .await;
    let j = &job.items()[0];
    let job_fields = words(
        "id number check_number priority description tech_notes completion_notes payment_status \
         taxes_fees_total drive_labor_total billable_expenses_total total \
         payments_deposits_total due_total cost_total duration time_frame_promised_start \
         time_frame_promised_end start_date end_date created_at updated_at closed_at \
         customer_id customer_name parent_customer status sub_status contact_first_name \
         contact_last_name street_1 street_2 city state_prov postal_code location_name is_gated \
         gate_instructions category source payment_type customer_payment_terms project phase \
         po_number contract note_to_customer called_in_by is_requires_follow_up _expandable",
    );
    assert_eq!(keys(j), job_fields);
    assert!(j["number"].is_string() && j["customer_id"].is_i64() && j["total"].is_number());
    assert!(timestamp(str_of(j, "created_at")) && timestamp(str_of(j, "closed_at")));
    assert!(date(str_of(j, "start_date")));
    let tf = str_of(j, "time_frame_promised_start");
    assert!(tf.len() == 5 && &tf[2..3] == ":", "{tf}");

    let est = api.get("/v1/estimates", &[("per-page", "1")]).await;
    let e = &est.items()[0];
    let mut estimate_fields = job_fields.clone();
    for gone in ["closed_at", "drive_labor_total", "billable_expenses_total"] {
        estimate_fields.remove(gone);
    }
    estimate_fields.extend([
        "opportunity_rating".to_owned(),
        "opportunity_owner".to_owned(),
    ]);
    assert_eq!(keys(e), estimate_fields);

    let customer = api.get("/v1/customers", &[("per-page", "1")]).await;
    assert_eq!(
        keys(&customer.items()[0]),
        words(
            "id customer_name fully_qualified_name parent_customer account_number \
             account_balance private_notes public_notes credit_rating labor_charge_type \
             labor_charge_default_rate last_serviced_date is_bill_for_drive_time is_vip \
             referral_source agent discount discount_type payment_type payment_terms \
             assigned_contract industry is_taxable tax_item_name qbo_sync_token qbo_currency \
             qbo_id qbd_id created_at updated_at _expandable",
        )
    );
    let invoice = api.get("/v1/invoices", &[("per-page", "1")]).await;
    let i = &invoice.items()[0];
    assert_eq!(
        keys(i),
        words(
            "id number currency po_number terms customer_message notes pay_online_url \
             qbo_invoice_no qbo_sync_token qbo_synced_date qbo_id qbd_id total is_paid date \
             mail_send_date created_at updated_at customer customer_contact payment_terms \
             bill_to_customer_id bill_to_customer_location_id bill_to_customer_contact_id \
             bill_to_email_id bill_to_phone_id _expandable",
        )
    );
    assert!(i["number"].is_i64() && i["currency"] == "$" && timestamp(str_of(i, "date")));
    let tech = api.get("/v1/techs", &[("per-page", "1")]).await;
    assert_eq!(
        keys(&tech.items()[0]),
        words(
            "id first_name last_name nickname_on_workorder nickname_on_dispatch color_code \
             email phone_1 phone_2 gender department title bio is_phone_1_mobile \
             is_phone_1_visible_to_client is_phone_2_mobile is_phone_2_visible_to_client \
             is_sales_rep is_field_worker created_at updated_at _expandable",
        )
    );
    let task = api.get("/v1/calendar-tasks", &[("per-page", "1")]).await;
    assert_eq!(
        keys(&task.items()[0]),
        words(
            "id type description start_time end_time start_date end_date created_at updated_at \
             is_public is_completed repeat_id users_id customers_id jobs_id estimates_id \
             _expandable",
        )
    );
    for (path, fields) in [
        (
            "/v1/job-statuses",
            "id code name is_custom category _expandable",
        ),
        ("/v1/job-categories", "id name _expandable"),
        ("/v1/sources", "id short_name long_name _expandable"),
        (
            "/v1/payment-types",
            "id code short_name type is_custom _expandable",
        ),
    ] {
        let a = api.get(path, &[("per-page", "1")]).await;
        assert_eq!(keys(&a.items()[0]), words(fields), "{path}");
        let one = api.get(&format!("{path}/{}", id(&a.items()[0])), &[]).await;
        assert_eq!(one.body, a.items()[0], "{path}");
    }
    let owner = api
        .customers()
        .into_iter()
        .find(|c| c["industry"] == "Residential")
        .unwrap();
    let eq = api
        .get(&format!("/v1/customers/{}/equipment", id(&owner)), &[])
        .await;
    if let Some(e) = eq.items().first() {
        assert_eq!(
            keys(e),
            words(
                "id type make model sku serial_number location notes extended_warranty_provider \
                 is_extended_warranty extended_warranty_date warranty_date install_date \
                 created_at updated_at customer_id customer customer_location _expandable",
            )
        );
        let one = api
            .get(
                &format!("/v1/customers/{}/equipment/{}", id(&owner), id(e)),
                &[],
            )
            .await;
        assert_eq!(&one.body, e);
    }
}

// ---- the handle ----

#[tokio::test]
async fn the_account_the_counts_and_the_request_log() {
    let api = Api::quiet().await;
    let account = api.fake.account();
    let port = api.fake.base_url().rsplit(':').next().unwrap().to_owned();
    assert_eq!(account.base_url, api.fake.base_url());
    assert!(api.fake.base_url().starts_with("http://127.0.0.1:"));
    assert_eq!(
        account.label,
        format!("ServiceFusion fake at 127.0.0.1:{port}")
    );
    let (app_id, app_secret) = api.fake.oauth_app();
    assert_eq!(
        account.config,
        json!({"base_url": api.fake.base_url(), "requests_per_minute": 60,
               "oauth_client_id": app_id, "oauth_client_secret": app_secret})
    );
    let (id, secret) = api.fake.client_credentials();
    assert_eq!(
        account.credentials.kind(),
        Some(CredentialKind::OAuth2ClientCredentials)
    );
    assert_eq!(
        account
            .credentials
            .get("client_id")
            .unwrap()
            .expose_secret(),
        id
    );
    assert_eq!(
        account
            .credentials
            .get("client_secret")
            .unwrap()
            .expose_secret(),
        secret
    );
    let shown = format!("{:?}", api.fake);
    for s in [&id, &secret, &app_id, &app_secret, &api.token] {
        assert!(!shown.contains(s.as_str()), "{shown}");
    }

    let cid = api.customers()[0]["id"].as_i64().unwrap();
    api.get(&format!("/v1/customers/{cid}"), &[]).await.ok();
    api.get(&format!("/v1/customers/{cid}/equipment"), &[])
        .await
        .ok();
    api.get(
        "/v1/customers",
        &[("filters[name]", "O'Brien & Co"), ("sort", "-id")],
    )
    .await
    .ok();
    assert_eq!(api.fake.count("GET /v1/customers/{id}"), 1);
    assert_eq!(api.fake.count("GET /v1/customers/{id}/equipment"), 1);
    assert_eq!(api.fake.count("GET /v1/customers"), 1);
    assert_eq!(api.fake.count("GET /v1/jobs"), 0);
    let log = api.fake.request_log();
    assert_eq!(log.len(), 3);
    assert_eq!(log[0], ("GET".to_owned(), format!("/v1/customers/{cid}")));
    assert_eq!(
        log[2],
        (
            "GET".to_owned(),
            "/v1/customers?filters[name]=O'Brien & Co&sort=-id".to_owned()
        )
    );
    assert_eq!(api.fake.control().requests(), 3);

    // `start` gives the default fake's account.
    let default = start().await.unwrap();
    assert_eq!(default.config["requests_per_minute"], 60);
    assert!(
        default
            .label
            .starts_with("ServiceFusion fake at 127.0.0.1:")
    );
}
