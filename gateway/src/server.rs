//! The HTTP server: one axum router, layers in request-path order.
//!
//! request id + tracing → body limit → Host/Origin checks (rmcp) → public routes
//! (health) → bearer auth → MCP endpoint.

use std::{sync::Arc, time::Duration};

use axum::{
    Json, Router,
    extract::{Request, State},
    http::{HeaderValue, StatusCode},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::get,
};
use rmcp::transport::{
    StreamableHttpServerConfig, StreamableHttpService,
    streamable_http_server::session::never::NeverSessionManager,
};
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::{TokenAuth, require_token},
    build_info,
    config::Config,
    mcp::McpHandler,
};

/// The router for `config` serving `handler`. With the REST API (and so a store),
/// teams' tokens are accepted; `anonymous_as` (demo on loopback) is who token-less
/// requests act as.
pub fn router(
    config: &Config,
    handler: McpHandler,
    api: Option<crate::api::Api>,
    oauth: Option<crate::oauth::AuthServer>,
    anonymous_as: Option<crate::store::TokenGrant>,
) -> Router {
    let store = api.as_ref().map(|a| a.connections.store().clone());
    let mcp_config = StreamableHttpServerConfig::default()
        .with_legacy_session_mode(false)
        .with_json_response(true)
        .with_allowed_hosts(config.allowed_hosts())
        .with_allowed_origins(config.server.allowed_origins.clone())
        .with_max_request_body_bytes(config.server.max_body_bytes);
    let tool_count = handler.registry().tool_count();
    let registry = handler.shared_registry();
    let mcp = StreamableHttpService::new(
        move || Ok(handler.clone()),
        Arc::new(NeverSessionManager::default()),
        mcp_config,
    );
    let resource_metadata_url = format!(
        "{}/.well-known/oauth-protected-resource/mcp",
        config.server.public_url.trim_end_matches('/')
    );
    let mut auth = TokenAuth::new(
        &config.auth.token_sha256,
        config.auth.allow_anonymous,
        resource_metadata_url.clone(),
    )
    .with_resource(config.mcp_url(), crate::oauth::scopes_of(&registry));
    if let Some(store) = store {
        auth = auth.with_store(store);
    }
    if let Some(grant) = anonymous_as {
        auth = auth.with_anonymous_as(grant);
    }
    let auth = Arc::new(auth);
    let protected = Router::new()
        .nest_service("/mcp", mcp)
        .layer(middleware::from_fn_with_state(
            Arc::new(crate::auth::ScopeGate {
                registry,
                resource_metadata_url,
            }),
            crate::auth::require_scope,
        ))
        .layer(middleware::from_fn_with_state(auth, require_token))
        .layer(middleware::from_fn_with_state(
            BodyLimit(config.server.max_body_bytes),
            json_body_guard,
        ));
    let mut public = Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .with_state(Health { tool_count });
    if let Some(oauth) = oauth {
        public = public.merge(
            crate::oauth::router(oauth).layer(axum::extract::DefaultBodyLimit::max(64 * 1024)),
        );
    }
    if let Some(api) = api {
        public = public.merge(
            crate::api::router(api).layer(axum::extract::DefaultBodyLimit::max(
                config.server.max_body_bytes,
            )),
        );
    }
    public
        .merge(protected)
        .layer(middleware::from_fn(request_id))
}

#[derive(Debug, Clone, Copy)]
struct Health {
    tool_count: usize,
}

async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok", "build": build_info()}))
}

async fn readyz(State(h): State<Health>) -> Response {
    // Nothing to wait for yet but the registry, which is built before we listen.
    (
        StatusCode::OK,
        Json(json!({"status": "ready", "tools": h.tool_count, "build": build_info()})),
    )
        .into_response()
}

#[derive(Debug, Clone, Copy)]
struct BodyLimit(usize);

fn jsonrpc_error(status: StatusCode, code: i64, message: String) -> Response {
    (
        status,
        Json(json!({"jsonrpc": "2.0", "id": null, "error": {"code": code, "message": message}})),
    )
        .into_response()
}

/// Reads a POST body once, before auth: over the limit is 413, and a body that is not
/// JSON is a JSON-RPC parse error (-32700), both with a message naming the problem.
async fn json_body_guard(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    if req.method() != axum::http::Method::POST {
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, limit.0).await {
        Ok(b) => b,
        Err(_) => {
            return jsonrpc_error(
                StatusCode::PAYLOAD_TOO_LARGE,
                -32600,
                format!(
                    "the request body is larger than {} bytes (server.max_body_bytes); send less per request",
                    limit.0
                ),
            );
        }
    };
    if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&bytes) {
        return jsonrpc_error(
            StatusCode::BAD_REQUEST,
            -32700,
            format!("Parse error: the body is not valid JSON ({e})"),
        );
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// Tags each request with an id (the caller's `X-Request-Id` if it is sane) and a span.
async fn request_id(mut req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| {
            v.len() <= 64
                && v.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        })
        .map(str::to_owned)
        .unwrap_or_else(|| hex::encode(rand::random::<[u8; 8]>()));
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert("x-request-id", v);
    }
    let method = req.method().clone();
    // A connect link's path is a credential of sorts: it stays out of the log.
    let path = match req.uri().path() {
        p if p.starts_with("/connect/") && p != "/connect/callback" => "/connect/{link}".to_owned(),
        p => p.to_owned(),
    };
    let mcp_method = req
        .headers()
        .get("mcp-method")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span = tracing::info_span!("request", id = %id, %method, %path, mcp_method = %mcp_method);
    let started = std::time::Instant::now();
    let mut resp = tracing::Instrument::instrument(next.run(req), span.clone()).await;
    let _g = span.enter();
    tracing::debug!(
        status = resp.status().as_u16(),
        elapsed_ms = started.elapsed().as_millis() as u64,
        "response"
    );
    if let Ok(v) = HeaderValue::from_str(&id) {
        resp.headers_mut().insert("x-request-id", v);
    }
    resp
}

/// Serves until `shutdown` fires (SIGTERM/SIGINT), then lets calls in flight finish
/// for up to `grace`.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    shutdown: CancellationToken,
    grace: Duration,
) -> std::io::Result<()> {
    let signal = shutdown.clone();
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { signal.cancelled().await });
    let mut server = std::pin::pin!(server.into_future());
    tokio::select! {
        r = &mut server => r,
        () = async { shutdown.cancelled().await; tokio::time::sleep(grace).await } => {
            tracing::warn!(grace_secs = grace.as_secs(), "calls still in flight after the grace period; stopping");
            Ok(())
        }
    }
}

/// Cancels `token` on SIGTERM or SIGINT.
pub fn cancel_on_signal(token: CancellationToken) {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(s) => s,
                    Err(e) => {
                        tracing::error!(error = %e, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        token.cancel();
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {},
                _ = term.recv() => {},
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutdown requested; finishing calls in flight");
        token.cancel();
    });
}
