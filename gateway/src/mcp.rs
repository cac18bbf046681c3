//! The MCP endpoint's handler: a hand-written rmcp `ServerHandler` over the registry,
//! serving both protocol eras (2025-11-25 with `initialize`, 2026-07-28 stateless).
//!
//! This is the one place connector errors become MCP: domain failures are `isError`
//! results the model can act on; an unknown tool or a bug is a JSON-RPC error.

use std::{borrow::Cow, sync::Arc};

use connector_core::{
    Budget, CallContext, Content, Cursor, DynTool, Error, ErrorKind, ToolOutput, fit_value,
    shape::serialized_len,
};
use rmcp::{
    ErrorData, RoleServer, ServerHandler,
    model::{
        CacheScope, CallToolRequestParams, CallToolResponse, CallToolResult, ContentBlock,
        Implementation, JsonObject, ListResourceTemplatesResult, ListToolsResult,
        PaginatedRequestParams, ProtocolVersion, ReadResourceRequestParams, ReadResourceResponse,
        ReadResourceResult, Resource, ResourceContents, ResourceTemplate, ServerCapabilities,
        ServerConfig, Tool, ToolAnnotations,
    },
    service::RequestContext,
};
use serde_json::{Value, json};

use connector_core::ClientHandle;

use crate::{
    auth::Caller,
    connections::{Connections, Resolved},
    registry::{Active, Registry},
};

/// State shared by every request; cloned per request by rmcp's service factory.
#[derive(Debug, Clone)]
pub struct McpHandler {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    registry: Arc<Registry>,
    /// The MCP form of each tool, in name order, built once.
    tools: Vec<Tool>,
    page_size: usize,
    budget: Budget,
    /// Teams' connections; absent for `stdio` and tests of the bare endpoint.
    connections: Option<Arc<Connections>>,
}

/// The client a call uses, and the team's connection it came from (if it did).
type Chosen = (ClientHandle, Option<Resolved>);

impl McpHandler {
    pub fn new(registry: Registry, page_size: usize, budget: Budget) -> Self {
        Self::build(Arc::new(registry), page_size, budget, None)
    }

    /// A handler that also serves teams' connections.
    pub fn with_connections(
        connections: Arc<Connections>,
        page_size: usize,
        budget: Budget,
    ) -> Self {
        Self::build(
            connections.shared_registry(),
            page_size,
            budget,
            Some(connections),
        )
    }

    fn build(
        registry: Arc<Registry>,
        page_size: usize,
        budget: Budget,
        connections: Option<Arc<Connections>>,
    ) -> Self {
        let tools = registry.tools().map(|t| to_mcp_tool(t.as_ref())).collect();
        McpHandler {
            inner: Arc::new(Inner {
                registry,
                tools,
                page_size: page_size.max(1),
                budget,
                connections,
            }),
        }
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    pub fn shared_registry(&self) -> Arc<Registry> {
        self.inner.registry.clone()
    }

    /// The client a call uses: the team's own connection for a team's token (the
    /// member's own first, then the team's), else the configured account.
    async fn client_for(&self, caller: Option<&Caller>, active: &Active) -> Result<Chosen, Error> {
        let info = active.connector.info();
        let Some(Caller::Tenant(grant)) = caller else {
            return active.client.clone().map(|c| (c, None)).ok_or_else(|| {
                Error::new(
                    ErrorKind::Unauthenticated,
                    format!("no {} account is connected to this server: the operator must configure connectors.{}.credentials", info.display_name, info.id),
                )
            });
        };
        let Some(connections) = &self.inner.connections else {
            return Err(Error::unexpected(
                "a team's token reached a server without a store",
            ));
        };
        let resolved = connections.resolve(grant, active).await?;
        Ok((resolved.client.clone(), Some(resolved)))
    }
}

impl McpHandler {
    /// The caller's policy and token scopes: `None` for operator and anonymous callers,
    /// who see every tool.
    async fn limits_for(
        &self,
        caller: Option<&Caller>,
    ) -> Result<Option<(crate::store::Policy, Vec<String>)>, Error> {
        let (Some(Caller::Tenant(grant)), Some(connections)) = (caller, &self.inner.connections)
        else {
            return Ok(None);
        };
        let policy = connections
            .store()
            .policy(&grant.tenant_id)
            .await
            .map_err(|e| {
                Error::new(
                    ErrorKind::Upstream,
                    format!("the team's policy could not be read: {e}"),
                )
                .with_retryable(true)
            })?;
        Ok(Some((policy, grant.scopes.clone())))
    }
}

use crate::auth::scopes_allow;

/// Whether `limits` allow `tool`: the team's policy, then the token's scopes.
fn permitted(
    limits: &Option<(crate::store::Policy, Vec<String>)>,
    tool: &dyn DynTool,
    connector: &str,
) -> Result<(), String> {
    let Some((policy, scopes)) = limits else {
        return Ok(());
    };
    let spec = tool.spec();
    let writes = spec.access == connector_core::Access::Write;
    policy.allows(connector, spec.name, writes)?;
    scopes_allow(scopes, connector, writes)
}

/// Whether `limits` allow reading `connector`'s resources: the connector enabled for
/// the team, and a token scoped to read it (when scoped at all).
fn may_read(
    limits: &Option<(crate::store::Policy, Vec<String>)>,
    connector: &str,
) -> Result<(), String> {
    let Some((policy, scopes)) = limits else {
        return Ok(());
    };
    policy.allows_connector(connector)?;
    scopes_allow(scopes, connector, false)
}

fn caller(ctx: &RequestContext<RoleServer>) -> Option<Caller> {
    ctx.extensions
        .get::<http::request::Parts>()?
        .extensions
        .get::<Caller>()
        .cloned()
}

fn to_mcp_tool(tool: &dyn DynTool) -> Tool {
    let spec = tool.spec();
    let a = spec.annotations;
    Tool::new(
        spec.name,
        spec.description,
        Arc::new(JsonObject::clone(tool.input_schema().as_map())),
    )
    .with_title(spec.title)
    .with_annotations(
        ToolAnnotations::with_title(spec.title)
            .read_only(a.read_only)
            .destructive(a.destructive)
            .idempotent(a.idempotent)
            .open_world(a.open_world),
    )
}

const SERVER_NAME: &str = "switchboard";

impl ServerHandler for McpHandler {
    fn get_info(&self) -> ServerConfig {
        // Prompts and resources are declared (empty for now) so clients that list them
        // get a cacheable empty list rather than -32601.
        ServerConfig::new(
            ServerCapabilities::builder()
                .enable_tools()
                .enable_prompts()
                .enable_resources()
                .build(),
        )
        .with_server_info(Implementation::new(SERVER_NAME, env!("CARGO_PKG_VERSION")))
        .with_instructions(
            "Switchboard gives you the team's SaaS tools. Tool names start with the SaaS they act on. \
             List tools page with `cursor`; a result that was shortened says so with `truncated` and `next_cursor`.",
        )
    }

    fn supported_protocol_versions(&self) -> Cow<'static, [ProtocolVersion]> {
        Cow::Borrowed(ProtocolVersion::known_up_to(&ProtocolVersion::V_2026_07_28))
    }

    async fn list_tools(
        &self,
        req: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListToolsResult, ErrorData> {
        let query = json!("tools/list");
        let cursor = req.and_then(|r| r.cursor);
        let limits = self
            .limits_for(caller(&ctx).as_ref())
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let visible: Vec<Tool>;
        let all: &[Tool] = if limits.is_some() {
            visible = self
                .inner
                .registry
                .tools_with_connectors()
                .filter(|(t, c)| permitted(&limits, t.as_ref(), c).is_ok())
                .map(|(t, _)| to_mcp_tool(t.as_ref()))
                .collect();
            &visible
        } else {
            &self.inner.tools
        };
        let start = Cursor::decode(cursor.as_deref(), &query)
            .map_err(|e| ErrorData::invalid_params(e.message().to_owned(), None))?
            .offset;
        if start > all.len() {
            return Err(ErrorData::invalid_params(
                "invalid cursor: past the end of the tool list",
                None,
            ));
        }
        let end = (start + self.inner.page_size).min(all.len());
        let mut result = ListToolsResult::with_all_items(all[start..end].to_vec())
            .with_ttl_ms(60_000)
            .with_cache_scope(CacheScope::Private);
        if end < all.len() {
            result.next_cursor = Some(Cursor::new(end, &query).encode());
        }
        Ok(result)
    }

    async fn list_resource_templates(
        &self,
        _req: Option<PaginatedRequestParams>,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ListResourceTemplatesResult, ErrorData> {
        let limits = self
            .limits_for(caller(&ctx).as_ref())
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        let templates = self
            .inner
            .registry
            .connectors()
            .filter(|a| may_read(&limits, a.connector.info().id).is_ok())
            .flat_map(|a| a.connector.resource_templates().iter())
            .map(|t| {
                let mut r = ResourceTemplate::new(t.uri_template, t.name);
                r.title = Some(t.title.to_owned());
                r.description = Some(t.description.to_owned());
                r.mime_type = t.mime_type.map(str::to_owned);
                r
            })
            .collect();
        Ok(ListResourceTemplatesResult::with_all_items(templates)
            .with_ttl_ms(60_000)
            .with_cache_scope(CacheScope::Private))
    }

    async fn read_resource(
        &self,
        req: ReadResourceRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<ReadResourceResponse, ErrorData> {
        let modern = ctx
            .protocol_version()
            .is_some_and(|v| v >= ProtocolVersion::V_2026_07_28);
        let not_found = |msg: String| {
            // "Resource not found" moved from -32002 to -32602 in 2026-07-28.
            if modern {
                ErrorData::invalid_params(msg, None)
            } else {
                ErrorData::resource_not_found(msg, None)
            }
        };
        let uri = req.uri;
        let scheme = uri.split_once("://").map(|(s, _)| s).unwrap_or_default();
        let Some(active) = self
            .inner
            .registry
            .connectors()
            .find(|a| a.connector.info().id == scheme)
        else {
            return Err(not_found(format!(
                "no resource {uri}: no connector serves the scheme `{scheme}`"
            )));
        };
        let who = caller(&ctx);
        let limits = self
            .limits_for(who.as_ref())
            .await
            .map_err(|e| ErrorData::internal_error(e.to_string(), None))?;
        if let Err(why) = may_read(&limits, scheme) {
            return Err(not_found(format!("no resource {uri}: {why}")));
        }
        let client = match self.client_for(who.as_ref(), active).await {
            Ok((c, _)) => c,
            Err(e) => return Err(not_found(format!("no resource {uri}: {e}"))),
        };
        let connector = active.connector.clone();
        let budget = self.inner.budget;
        let uri2 = uri.clone();
        let outcome =
            tokio::spawn(async move { connector.read_resource(&client, &uri2, budget).await })
                .await;
        match outcome {
            Ok(Ok(Some(contents))) => Ok(ReadResourceResult::new(
                contents
                    .into_iter()
                    .map(|c| match c {
                        connector_core::ResourceContent::Text {
                            uri,
                            mime_type,
                            text,
                        } => ResourceContents::TextResourceContents {
                            uri,
                            mime_type: Some(mime_type),
                            text,
                            meta: None,
                        },
                        connector_core::ResourceContent::Blob {
                            uri,
                            mime_type,
                            blob,
                        } => ResourceContents::BlobResourceContents {
                            uri,
                            mime_type: Some(mime_type),
                            blob,
                            meta: None,
                        },
                    })
                    .collect(),
            )
            .into()),
            Ok(Ok(None)) => Err(not_found(format!("no resource {uri}"))),
            Ok(Err(e)) if e.kind() == ErrorKind::NotFound => {
                Err(not_found(format!("no resource {uri}: {e}")))
            }
            Ok(Err(e)) => {
                tracing::info!(%uri, error = %e, "resource read failed");
                Err(ErrorData::internal_error(
                    format!("reading {uri} failed: {e}"),
                    None,
                ))
            }
            Err(_) => {
                tracing::error!(%uri, "resource read crashed");
                Err(ErrorData::internal_error(
                    format!("reading {uri} crashed because of a bug in Switchboard"),
                    None,
                ))
            }
        }
    }

    fn get_tool(&self, name: &str) -> Option<Tool> {
        self.inner.tools.iter().find(|t| t.name == name).cloned()
    }

    async fn call_tool(
        &self,
        req: CallToolRequestParams,
        ctx: RequestContext<RoleServer>,
    ) -> Result<CallToolResponse, ErrorData> {
        let name = req.name.to_string();
        let Some((tool, active)) = self.inner.registry.tool(&name) else {
            return Err(ErrorData::invalid_params(
                format!("Unknown tool: {name}. Call tools/list for the tools this server offers."),
                None,
            ));
        };
        let who = caller(&ctx);
        let limits = match self.limits_for(who.as_ref()).await {
            Ok(l) => l,
            Err(e) => return Ok(error_result(&e).into()),
        };
        if let Err(why) = permitted(&limits, tool.as_ref(), active.connector.info().id) {
            return Ok(error_result(&Error::new(ErrorKind::PermissionDenied, why)).into());
        }
        let (client, resolved) = match self.client_for(who.as_ref(), active).await {
            Ok(c) => c,
            Err(e) => return Ok(error_result(&e).into()),
        };
        let args = Value::Object(req.arguments.unwrap_or_default());
        let budget = self.inner.budget;
        let started = std::time::Instant::now();
        let mut outcome = run_tool(tool, client, args.clone(), budget).await;
        // The upstream refused the team's credentials: another replica may have
        // refreshed them, or a refresh may fix them; else the connection is marked and
        // the model is told how to reconnect. A refused call changed nothing, so it is
        // safe to make once more.
        if let (Ok(Err(e)), Some(Caller::Tenant(grant)), Some(failed), Some(connections)) =
            (&outcome, &who, &resolved, &self.inner.connections)
            && e.kind() == ErrorKind::Unauthenticated
        {
            outcome = match connections.recover(grant, active, failed, e).await {
                Ok(fresh) => run_tool(tool, fresh.client, args, budget).await,
                Err(e) => Ok(Err(e)),
            };
        }
        let elapsed_ms = started.elapsed().as_millis() as u64;
        match outcome {
            Ok(Ok(output)) => {
                tracing::info!(tool = %name, elapsed_ms, outcome = "ok", "tool call");
                Ok(success_result(output, self.inner.budget).into())
            }
            Ok(Err(e)) if e.kind() == ErrorKind::Unexpected => {
                tracing::error!(tool = %name, elapsed_ms, error = ?e, "tool failed with an internal error");
                Err(ErrorData::internal_error(
                    format!(
                        "{name} failed because of a bug in Switchboard; the operator's log has the details"
                    ),
                    None,
                ))
            }
            Ok(Err(e)) => {
                tracing::info!(tool = %name, elapsed_ms, outcome = e.kind().as_str(), error = %e, "tool call");
                Ok(error_result(&e).into())
            }
            Err(join) => {
                tracing::error!(tool = %name, elapsed_ms, panicked = join.is_panic(), "tool crashed");
                Err(ErrorData::internal_error(
                    format!(
                        "{name} crashed because of a bug in Switchboard; the server is unaffected and the operator's log has the details"
                    ),
                    None,
                ))
            }
        }
    }
}

/// Runs a tool in its own task, so a panicking tool fails this call and nothing else.
async fn run_tool(
    tool: &Arc<dyn DynTool>,
    client: ClientHandle,
    args: Value,
    budget: Budget,
) -> Result<connector_core::Result<ToolOutput>, tokio::task::JoinError> {
    let tool = Arc::clone(tool);
    tokio::spawn(async move { tool.call(&client, args, &CallContext { budget }).await }).await
}

/// A successful result, shortened to the budget if it must be (and then saying so).
fn success_result(output: ToolOutput, budget: Budget) -> CallToolResult {
    let original = serialized_len(&output.structured);
    let (structured, cut) = fit_value(output.structured, budget);
    let mut result = CallToolResult::structured(structured);
    if cut {
        result.content.push(ContentBlock::text(format!(
            "Note: this result was shortened from {original} to at most {} characters to fit the context budget. Ask for less (filters, a smaller limit) or page with `cursor`.",
            budget.chars
        )));
    }
    for extra in output.content {
        result.content.push(match extra {
            Content::Text(t) => ContentBlock::text(t),
            Content::Image { data, mime_type } => ContentBlock::image(data, mime_type),
            Content::ResourceLink {
                uri,
                name,
                mime_type,
            } => {
                let r = Resource::new(uri, name);
                ContentBlock::resource_link(match mime_type {
                    Some(m) => r.with_mime_type(m),
                    None => r,
                })
            }
            _ => continue,
        });
    }
    result
}

/// A domain failure as an `isError` result the model can act on.
pub fn error_result(e: &Error) -> CallToolResult {
    let mut error = json!({
        "kind": e.kind().as_str(),
        "message": e.to_string(),
        "retryable": e.is_retryable(),
    });
    if let Some(after) = e.retry_after() {
        error["retry_after_secs"] = json!(after.as_secs().max(1));
    }
    if let Some(status) = e.upstream_status() {
        error["upstream_status"] = json!(status);
    }
    for (key, value) in e.context() {
        if *key == "connect_url" {
            error["connect_url"] = json!(value);
        }
    }
    let mut text = format!("{}: {}", e.kind(), e);
    if let Some(after) = e.retry_after() {
        text.push_str(&format!(" (retry after {} s)", after.as_secs().max(1)));
    }
    let mut result = CallToolResult::structured_error(json!({ "error": error }));
    result.content = vec![ContentBlock::text(text)];
    result
}
