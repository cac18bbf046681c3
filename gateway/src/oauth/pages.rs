//! `/oauth/authorize` and the pages behind it: sign-in by email code, the choice of
//! team, consent. One page (`/oauth/continue`) shows whichever step the browser's
//! session is at. Pages are CSRF-protected (a token bound to the session and the
//! request), refuse framing, and keep the session in a `__Host-` cookie (Secure
//! HttpOnly SameSite=Lax; on plain-http loopback development without the prefix).

use std::{collections::HashMap, sync::Arc};

use axum::{
    body::Bytes,
    extract::{Query, State},
    http::{HeaderMap, HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use url::Url;

use super::{AuthServer, CODE_TTL_SECS, SESSION_TTL_SECS, clients};
use crate::{
    html::{cookie, escape, harden, page},
    store::{AuthRequest, CodeError, CodeGrant, OAuthClient},
};

const SIGNIN: &str = "signin";

fn error_page(message: &str) -> Response {
    page(
        StatusCode::BAD_REQUEST,
        "This sign-in cannot go on",
        &format!(
            "<p class=\"error\">{}</p><p>Start again from your AI client.</p>",
            escape(message)
        ),
    )
}

fn cookie_name(server: &AuthServer) -> &'static str {
    if server.secure_cookies() {
        "__Host-sb_session"
    } else {
        "sb_session"
    }
}

pub(super) fn session_cookie(server: &AuthServer, id: &str) -> HeaderValue {
    let secure = if server.secure_cookies() {
        "; Secure"
    } else {
        ""
    };
    HeaderValue::from_str(&format!(
        "{}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={SESSION_TTL_SECS}{secure}",
        cookie_name(server)
    ))
    .unwrap_or_else(|_| HeaderValue::from_static(""))
}

pub(super) fn session_cookie_value<'h>(
    server: &AuthServer,
    headers: &'h HeaderMap,
) -> Option<&'h str> {
    session_id(server, headers)
}

fn session_id<'h>(server: &AuthServer, headers: &'h HeaderMap) -> Option<&'h str> {
    cookie(headers, cookie_name(server))
}

fn csrf(server: &AuthServer, session: &str, request: &str) -> String {
    server
        .connections
        .store()
        .signer("oauth-csrf")
        .signature(&format!("{session}|{request}"))
}

/// The redirect back to the client with `params` plus `state` and `iss` (RFC 9207).
/// A 302: clients break on 307 (it would repeat a POST).
fn back_to_client(
    server: &AuthServer,
    redirect_uri: &str,
    state: Option<&str>,
    params: &[(&str, &str)],
) -> Response {
    let Ok(mut url) = Url::parse(redirect_uri) else {
        return error_page("the client's redirect URI is not a URI");
    };
    {
        let mut q = url.query_pairs_mut();
        for (k, v) in params {
            q.append_pair(k, v);
        }
        if let Some(s) = state {
            q.append_pair("state", s);
        }
        q.append_pair("iss", &server.issuer);
    }
    let mut resp = StatusCode::FOUND.into_response();
    if let Ok(v) = HeaderValue::from_str(url.as_str()) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    harden(resp)
}

/// `GET /oauth/authorize`. A bad client or redirect URI is shown here and never
/// redirected to (RFC 6749 §4.1.2.1); every other problem goes back to the client as an
/// error. A valid request waits for the person at `/oauth/continue`.
pub async fn authorize(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(client_id) = q.get("client_id") else {
        return error_page("The request names no client (client_id).");
    };
    let client: OAuthClient = match clients::resolve(&server, client_id).await {
        Ok(c) => c,
        Err(why) => return error_page(&format!("The client is not known: {why}.")),
    };
    let redirect_uri = match q.get("redirect_uri") {
        Some(r) if clients::redirect_matches(&client.redirect_uris, r) => r.clone(),
        Some(r) => {
            return error_page(&format!(
                "The redirect URI {r} is not one the client registered."
            ));
        }
        None if client.redirect_uris.len() == 1 => client.redirect_uris[0].clone(),
        None => {
            return error_page(
                "The request names no redirect_uri, and the client registered several.",
            );
        }
    };
    let state = q.get("state").map(String::as_str);
    // Errors go back to a pre-registered client; a client anyone could have registered
    // gets the error shown instead, so this endpoint is no open redirector.
    let fail = |error: &str, description: &str| {
        if client.kind == "static" {
            back_to_client(
                &server,
                &redirect_uri,
                state,
                &[("error", error), ("error_description", description)],
            )
        } else {
            page(
                StatusCode::BAD_REQUEST,
                "This sign-in cannot go on",
                &format!(
                    "<p class=\"error\">The client's request is not valid: <code>{}</code>: {}.</p><p>Tell the app's makers, or start again from it.</p>",
                    escape(error),
                    escape(description)
                ),
            )
        }
    };
    if q.get("response_type").map(String::as_str) != Some("code") {
        return fail(
            "unsupported_response_type",
            "only response_type=code is supported",
        );
    }
    let Some(challenge) = q.get("code_challenge").filter(|c| {
        c.len() == 43
            && c.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    }) else {
        return fail(
            "invalid_request",
            "PKCE is required: send code_challenge (S256)",
        );
    };
    if q.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return fail("invalid_request", "code_challenge_method must be S256");
    }
    let resource = match q.get("resource") {
        None => server.resource.clone(),
        Some(r) if *r == server.resource => r.clone(),
        Some(r) => {
            return fail(
                "invalid_target",
                &format!(
                    "this server issues tokens only for {}, not {r}",
                    server.resource
                ),
            );
        }
    };
    let supported = server.scopes_supported();
    let scopes: Vec<String> = match q
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
    {
        None => supported.clone(),
        Some(asked) if asked.is_empty() => supported.clone(),
        Some(asked) => {
            if let Some(bad) = asked.iter().find(|s| !supported.contains(s)) {
                return fail(
                    "invalid_scope",
                    &format!("`{bad}` is not a scope of this server"),
                );
            }
            asked
        }
    };
    let store = server.connections.store();
    let request = AuthRequest {
        id: store.new_request_id(),
        client_id: client.client_id.clone(),
        redirect_uri: redirect_uri.clone(),
        state: state.map(str::to_owned),
        code_challenge: challenge.clone(),
        resource,
        scopes,
        expires_at: super::token::now() + CODE_TTL_SECS,
    };
    if let Err(e) = store.create_auth_request(&request).await {
        tracing::error!(error = %e, "authorization request not saved");
        return fail("server_error", "the request could not be saved; try again");
    }
    let mut resp = see_other(&format!("/oauth/continue?request={}", request.id));
    if session_valid(&server, &headers).await.is_none()
        && let Ok(id) = store.create_session(SESSION_TTL_SECS).await
    {
        resp.headers_mut()
            .insert(header::SET_COOKIE, session_cookie(&server, &id));
    }
    resp
}

fn see_other(location: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(location) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    harden(resp)
}

async fn session_valid(
    server: &AuthServer,
    headers: &HeaderMap,
) -> Option<(String, crate::store::Session)> {
    let id = session_id(server, headers)?;
    let session = server.connections.store().session(id).await.ok()??;
    Some((id.to_owned(), session))
}

/// `GET /oauth/continue?request=…`: the step the browser is at.
pub async fn show(
    State(server): State<Arc<AuthServer>>,
    headers: HeaderMap,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let Some(request_id) = q.get("request") else {
        return error_page("The page was opened without its request.");
    };
    render(&server, &headers, request_id, None).await
}

async fn render(
    server: &AuthServer,
    headers: &HeaderMap,
    request_id: &str,
    note: Option<&str>,
) -> Response {
    let store = server.connections.store();
    let request = match store.auth_request(request_id).await {
        Ok(Some(r)) => r,
        Ok(None) => return error_page("This sign-in request expired or was already answered."),
        Err(e) => {
            tracing::error!(error = %e, "authorization request lookup failed");
            return error_page("The request could not be read just now.");
        }
    };
    let Some((sid, session)) = session_valid(server, headers).await else {
        return error_page(
            "Your browser did not keep the sign-in cookie. Allow cookies for this site and start again.",
        );
    };
    let token = csrf(server, &sid, request_id);
    let client = clients::resolve(server, &request.client_id).await.ok();
    let client_name = client
        .as_ref()
        .map_or("an AI client", |c| c.name.as_str())
        .to_owned();
    let note_html = note
        .map(|n| format!("<p class=\"error\">{}</p>", escape(n)))
        .unwrap_or_default();
    let hidden = format!(
        "<input type=\"hidden\" name=\"request\" value=\"{}\"><input type=\"hidden\" name=\"csrf\" value=\"{}\">",
        escape(request_id),
        escape(&token)
    );
    let Some(email) = session.email else {
        if let Some(pending) = session.pending_email {
            return page(
                StatusCode::OK,
                "Enter your code",
                &format!(
                    "{note_html}<p>If <strong>{e}</strong> belongs to a team on this server, a 6-digit code is on its way to it.</p>\
                     <form method=\"post\" action=\"/oauth/continue\">{hidden}<input type=\"hidden\" name=\"action\" value=\"code\">\
                     <label>Code<input type=\"text\" name=\"code\" inputmode=\"numeric\" autocomplete=\"one-time-code\" maxlength=\"6\" required autofocus></label>\
                     <button type=\"submit\">Sign in</button></form>\
                     <form method=\"post\" action=\"/oauth/continue\">{hidden}<input type=\"hidden\" name=\"action\" value=\"restart\"><button type=\"submit\">Use another address</button></form>",
                    e = escape(&pending)
                ),
            );
        }
        return page(
            StatusCode::OK,
            "Sign in to Switchboard",
            &format!(
                "{note_html}<p><strong>{c}</strong> wants to use your team's tools. Sign in with the email address your team knows you by.</p>\
                 <form method=\"post\" action=\"/oauth/continue\">{hidden}<input type=\"hidden\" name=\"action\" value=\"email\">\
                 <label>Email<input type=\"email\" name=\"email\" autocomplete=\"email\" required autofocus></label>\
                 <button type=\"submit\">Send me a code</button></form>",
                c = escape(&client_name)
            ),
        );
    };
    let teams = match store.memberships(&email).await {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = %e, "memberships lookup failed");
            return error_page("Your teams could not be read just now.");
        }
    };
    if teams.is_empty() {
        return page(
            StatusCode::FORBIDDEN,
            "No team",
            &format!(
                "<p>{} is not a member of an active team on this server. A team admin can add you, or a new team can sign up (POST /api/register).</p>\
                 <form method=\"post\" action=\"/oauth/continue\">{hidden}<input type=\"hidden\" name=\"action\" value=\"restart\"><button type=\"submit\">Use another address</button></form>",
                escape(&email)
            ),
        );
    }
    let team_choice = if teams.len() == 1 {
        format!(
            "<input type=\"hidden\" name=\"team\" value=\"{}\"><p>Team: <strong>{}</strong></p>",
            escape(&teams[0].0),
            escape(&teams[0].2)
        )
    } else {
        let mut html = String::from("<fieldset><legend>Which team?</legend>");
        for (i, (id, slug, name, _)) in teams.iter().enumerate() {
            html.push_str(&format!(
                "<label><input type=\"radio\" name=\"team\" value=\"{}\"{}> {} <span class=\"muted\">({})</span></label>",
                escape(id),
                if i == 0 { " checked" } else { "" },
                escape(name),
                escape(slug)
            ));
        }
        html.push_str("</fieldset>");
        html
    };
    let scopes: String = request
        .scopes
        .iter()
        .map(|s| {
            let (connector, level) = s.split_once(':').unwrap_or((s, ""));
            let what = if level == "write" { "read and change" } else { "read" };
            let shown = server
                .connections
                .connector(connector)
                .map_or(connector, |a| a.connector.info().display_name);
            format!("<li>{what} your team's {} data <span class=\"muted\">(<code>{}</code>)</span></li>", escape(shown), escape(s))
        })
        .collect();
    page(
        StatusCode::OK,
        "Allow access?",
        &format!(
            "{note_html}<p>Signed in as <strong>{e}</strong>.</p>\
             <p><strong>{c}</strong> asks to:</p><ul>{scopes}</ul>\
             <p class=\"muted\">After you allow it, you are sent back to <strong>{host}</strong> (<code>{r}</code>). Allow only if you started this from that app.</p>\
             <form method=\"post\" action=\"/oauth/continue\">{hidden}{team_choice}\
             <button type=\"submit\" name=\"action\" value=\"approve\">Allow</button>\
             <button type=\"submit\" name=\"action\" value=\"deny\">Deny</button></form>",
            e = escape(&email),
            c = escape(&client_name),
            r = escape(&request.redirect_uri),
            host = escape(
                &Url::parse(&request.redirect_uri)
                    .ok()
                    .map(|u| match u.host_str() {
                        Some(h) => h.to_owned(),
                        None => format!("{}:", u.scheme()),
                    })
                    .unwrap_or_default()
            ),
        ),
    )
}

/// `POST /oauth/continue`: an answer to the step shown.
pub async fn act(
    State(server): State<Arc<AuthServer>>,
    parts: axum::http::request::Parts,
    body: Bytes,
) -> Response {
    let headers = parts.headers.clone();
    let form: HashMap<String, String> = url::form_urlencoded::parse(&body)
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let Some(request_id) = form.get("request").cloned() else {
        return error_page("The form came without its request.");
    };
    let Some((sid, session)) = session_valid(&server, &headers).await else {
        return error_page(
            "Your browser did not keep the sign-in cookie. Allow cookies for this site and start again.",
        );
    };
    // The token is bound to this browser's session and this request: a form posted from
    // another site carries none that fits.
    let expected = csrf(&server, &sid, &request_id);
    if form.get("csrf").map(String::as_bytes) != Some(expected.as_bytes()) {
        return page(
            StatusCode::FORBIDDEN,
            "This form has expired",
            "<p>Reload the page and try again.</p>",
        );
    }
    let store = server.connections.store();
    let Ok(Some(request)) = store.auth_request(&request_id).await else {
        return error_page("This sign-in request expired or was already answered.");
    };
    let again = || see_other(&format!("/oauth/continue?request={request_id}"));
    match form.get("action").map(String::as_str) {
        Some("email") => {
            // Counted for every address, member or not, so the limit tells nobody who is.
            if server
                .over_budget("signin", &parts, server.config.sign_ins_per_ip_per_hour)
                .await
                .is_some()
            {
                return render(
                    &server,
                    &headers,
                    &request_id,
                    Some("Too many sign-in codes were asked for from your network in the last hour; try again later."),
                )
                .await;
            }
            let Some(email) = form
                .get("email")
                .map(|e| e.trim().to_ascii_lowercase())
                .filter(|e| {
                    e.contains('@') && e.len() <= 254 && e.parse::<lettre::Address>().is_ok()
                })
            else {
                return render(
                    &server,
                    &headers,
                    &request_id,
                    Some("That is not an email address."),
                )
                .await;
            };
            let since = super::token::now() - 3600;
            let sent = store
                .recent_challenges(SIGNIN, Some(&email), None, since)
                .await
                .unwrap_or(0);
            if sent >= 10 {
                return render(&server, &headers, &request_id, Some("Too many codes were sent to this address in the last hour; try again later.")).await;
            }
            // A team that signs its people in through its own provider: off to it.
            if let Some(domain) = email.rsplit_once('@').map(|(_, d)| d)
                && let Ok(Some(sso)) = store.sso_for_domain(domain).await
            {
                return super::sso::start(&server, &sso, &request_id, &sid).await;
            }
            let _ = store.set_session_pending(&sid, &email).await;
            // A code goes out only to a member of an active team; the page reads the same
            // either way, so it tells nobody who is a member.
            if store.memberships(&email).await.is_ok_and(|t| !t.is_empty()) {
                let code = format!("{:06}", rand::random_range(0..1_000_000u32));
                let client_key = store.signer("client-ip").signature(&sid);
                match store
                    .create_challenge(SIGNIN, &email, None, &code, &client_key, CODE_TTL_SECS)
                    .await
                {
                    Ok(challenge) => {
                        let text = format!(
                            "Your Switchboard sign-in code is {code}.\n\nIt works for 10 minutes. If you did not try to sign in, ignore this mail.\n"
                        );
                        if server
                            .mailer
                            .send_code(store, &challenge, &email, &code, &text)
                            .await
                            .is_err()
                        {
                            return render(
                                &server,
                                &headers,
                                &request_id,
                                Some(
                                    "The code could not be mailed just now; try again in a minute.",
                                ),
                            )
                            .await;
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "sign-in challenge not saved"),
                }
            }
            again()
        }
        Some("code") => {
            let Some(pending) = session.pending_email else {
                return again();
            };
            let code = form
                .get("code")
                .map(|c| c.trim().to_owned())
                .unwrap_or_default();
            match store.check_code(SIGNIN, &pending, &code).await {
                Ok(Ok(_)) => {
                    // A new session id once signed in: a cookie planted before sign-in
                    // must not become a signed-in session.
                    match store
                        .renew_session(&sid, Some(&pending), SESSION_TTL_SECS)
                        .await
                    {
                        Ok(id) => {
                            tracing::info!("signed in for OAuth");
                            let mut resp = again();
                            resp.headers_mut()
                                .insert(header::SET_COOKIE, session_cookie(&server, &id));
                            resp
                        }
                        Err(e) => {
                            tracing::error!(error = %e, "session not renewed");
                            render(
                                &server,
                                &headers,
                                &request_id,
                                Some("The sign-in could not be saved; try again."),
                            )
                            .await
                        }
                    }
                }
                Ok(Err(CodeError::Wrong { left })) => {
                    render(
                        &server,
                        &headers,
                        &request_id,
                        Some(&format!("That code is not right; {left} attempt(s) left.")),
                    )
                    .await
                }
                Ok(Err(CodeError::TooManyAttempts | CodeError::NoChallenge)) => {
                    let _ = store.clear_session_pending(&sid).await;
                    render(
                        &server,
                        &headers,
                        &request_id,
                        Some("That code no longer works. Ask for a new one."),
                    )
                    .await
                }
                Err(e) => {
                    tracing::error!(error = %e, "code check failed");
                    render(
                        &server,
                        &headers,
                        &request_id,
                        Some("The code could not be checked just now; try again."),
                    )
                    .await
                }
            }
        }
        Some("restart") => match store.renew_session(&sid, None, SESSION_TTL_SECS).await {
            Ok(id) => {
                let mut resp = again();
                resp.headers_mut()
                    .insert(header::SET_COOKIE, session_cookie(&server, &id));
                resp
            }
            Err(_) => again(),
        },
        Some("deny") => {
            if !store
                .finish_auth_request(&request.id)
                .await
                .unwrap_or(false)
            {
                return error_page("This sign-in request was already answered.");
            }
            back_to_client(
                &server,
                &request.redirect_uri,
                request.state.as_deref(),
                &[
                    ("error", "access_denied"),
                    ("error_description", "the person declined"),
                ],
            )
        }
        Some("approve") => {
            let Some(email) = session.email else {
                return again();
            };
            let teams = store.memberships(&email).await.unwrap_or_default();
            let Some((tenant_id, _, _, member_id)) = form
                .get("team")
                .and_then(|t| teams.iter().find(|(id, ..)| id == t))
                .cloned()
            else {
                return render(
                    &server,
                    &headers,
                    &request_id,
                    Some("Choose one of your teams."),
                )
                .await;
            };
            if !store
                .finish_auth_request(&request.id)
                .await
                .unwrap_or(false)
            {
                return error_page("This sign-in request was already answered.");
            }
            let grant = CodeGrant {
                client_id: request.client_id.clone(),
                redirect_uri: request.redirect_uri.clone(),
                code_challenge: request.code_challenge.clone(),
                resource: request.resource.clone(),
                scopes: request.scopes.clone(),
                tenant_id,
                member_id,
                family_id: store.new_family_id(),
            };
            match store.issue_code(&grant, CODE_TTL_SECS).await {
                Ok(code) => {
                    tracing::info!(client_id = %request.client_id, email = %email, scopes = %request.scopes.join(" "), "access granted");
                    back_to_client(
                        &server,
                        &request.redirect_uri,
                        request.state.as_deref(),
                        &[("code", &code)],
                    )
                }
                Err(e) => {
                    tracing::error!(error = %e, "authorization code not saved");
                    back_to_client(
                        &server,
                        &request.redirect_uri,
                        request.state.as_deref(),
                        &[
                            ("error", "server_error"),
                            ("error_description", "the grant could not be saved"),
                        ],
                    )
                }
            }
        }
        _ => again(),
    }
}
