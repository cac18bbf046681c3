//! Tools: the typed trait connector authors implement, and the object-safe twin
//! ([`DynTool`]) the gateway holds. The twin is blanket-implemented here, so no connector
//! writes erasure code.

use std::{any::Any, fmt, future::Future, pin::Pin, sync::Arc};

use schemars::JsonSchema;
use serde::{Serialize, de::DeserializeOwned};
use serde_json::Value;

use crate::{Error, ErrorKind, Result, schema::InputSchema, shape::Budget};

/// Whether a tool only reads (`<connector>:read`) or also changes data (`<connector>:write`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Access {
    Read,
    Write,
}

/// MCP tool annotations: hints to clients, never trusted for authorization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Annotations {
    pub read_only: bool,
    pub destructive: bool,
    pub idempotent: bool,
    pub open_world: bool,
}

impl Annotations {
    /// Reads upstream data.
    pub const READ: Annotations = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: true,
    };
    /// Creates something new; repeating it creates another.
    pub const CREATE: Annotations = Annotations {
        read_only: false,
        destructive: false,
        idempotent: false,
        open_world: true,
    };
    /// Changes something to a given state; repeating it changes nothing more.
    pub const UPDATE: Annotations = Annotations {
        read_only: false,
        destructive: false,
        idempotent: true,
        open_world: true,
    };
    /// Removes or irreversibly overwrites data.
    pub const DESTRUCTIVE: Annotations = Annotations {
        read_only: false,
        destructive: true,
        idempotent: true,
        open_world: true,
    };
    /// Touches nothing outside this process (local computations, echo).
    pub const LOCAL: Annotations = Annotations {
        read_only: true,
        destructive: false,
        idempotent: true,
        open_world: false,
    };
}

/// The fixed description of a tool.
#[derive(Debug, Clone, Copy)]
pub struct ToolSpec {
    /// `<connector>_<verb>_<noun>`, lowercase `[a-z0-9_]`, at most 48 characters.
    pub name: &'static str,
    pub title: &'static str,
    /// Written for a model: what it does, when to use it, what it returns.
    pub description: &'static str,
    pub access: Access,
    pub annotations: Annotations,
}

/// Per-call facts a tool may use.
#[derive(Debug, Clone, Default)]
pub struct CallContext {
    /// The character budget of the serialized result.
    pub budget: Budget,
}

/// One piece of a tool's result beyond its structured JSON.
#[non_exhaustive]
#[derive(Debug, Clone, PartialEq)]
pub enum Content {
    Text(String),
    /// Base64 data with its MIME type.
    Image {
        data: String,
        mime_type: String,
    },
    ResourceLink {
        uri: String,
        name: String,
        mime_type: Option<String>,
    },
}

/// What a tool returns once erased: structured JSON plus optional extra content.
#[derive(Debug, Clone, PartialEq)]
pub struct ToolOutput {
    pub structured: Value,
    pub content: Vec<Content>,
}

impl ToolOutput {
    pub fn json(structured: Value) -> Self {
        ToolOutput {
            structured,
            content: Vec::new(),
        }
    }
}

/// A tool, as connector authors write it: typed input and output, a plain `async fn`.
///
/// `C` is the connector's client, built once per upstream account.
pub trait Tool<C>: Send + Sync + 'static {
    type Input: DeserializeOwned + JsonSchema + Send;
    type Output: Serialize + Send;

    fn spec(&self) -> ToolSpec;

    fn call(
        &self,
        client: &C,
        input: Self::Input,
        ctx: &CallContext,
    ) -> impl Future<Output = Result<Self::Output>> + Send;

    /// Turns the typed output into the erased form. Override to add images or links.
    fn render(&self, output: Self::Output) -> Result<ToolOutput> {
        serde_json::to_value(output)
            .map(ToolOutput::json)
            .map_err(|e| Error::unexpected(format!("tool output did not serialize: {e}")))
    }
}

/// A built connector client, type-erased. Tools downcast it back to their `C`.
pub type ClientHandle = Arc<dyn ConnectorClient>;

/// What every built client is: shareable, and printable without its secrets.
pub trait ConnectorClient: Any + Send + Sync + fmt::Debug {
    fn as_any(&self) -> &dyn Any;
}

impl<T: Any + Send + Sync + fmt::Debug> ConnectorClient for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
}

/// A boxed future, as the erased twins return.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// The object-safe twin of [`Tool`], held by the gateway.
pub trait DynTool: Send + Sync {
    fn spec(&self) -> &ToolSpec;
    fn input_schema(&self) -> &InputSchema;
    /// Validates `args` against the schema, decodes them and runs the tool.
    fn call<'a>(
        &'a self,
        client: &'a ClientHandle,
        args: Value,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<ToolOutput>>;
}

impl fmt::Debug for dyn DynTool {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DynTool")
            .field("name", &self.spec().name)
            .finish()
    }
}

struct Erased<C, T> {
    tool: T,
    spec: ToolSpec,
    schema: InputSchema,
    _client: std::marker::PhantomData<fn() -> C>,
}

impl<C, T> DynTool for Erased<C, T>
where
    C: Send + Sync + 'static,
    T: Tool<C>,
{
    fn spec(&self) -> &ToolSpec {
        &self.spec
    }

    fn input_schema(&self) -> &InputSchema {
        &self.schema
    }

    fn call<'a>(
        &'a self,
        client: &'a ClientHandle,
        args: Value,
        ctx: &'a CallContext,
    ) -> BoxFuture<'a, Result<ToolOutput>> {
        Box::pin(async move {
            self.schema.validate(&args)?;
            let input: T::Input = serde_json::from_value(args)
                .map_err(|e| Error::invalid_input(format!("invalid arguments: {e}")))?;
            let client = (**client).as_any().downcast_ref::<C>().ok_or_else(|| {
                Error::new(
                    ErrorKind::Unexpected,
                    format!(
                        "tool {} was handed another connector's client",
                        self.spec.name
                    ),
                )
            })?;
            let output = self.tool.call(client, input, ctx).await?;
            self.tool.render(output)
        })
    }
}

/// The tools of one connector, collected in order. Building fails on an invalid schema,
/// which the conformance suite turns into a test failure for the connector that has it.
pub struct ToolSet<C> {
    tools: Vec<Arc<dyn DynTool>>,
    errors: Vec<String>,
    _client: std::marker::PhantomData<fn() -> C>,
}

impl<C> fmt::Debug for ToolSet<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.tools.iter().map(|t| t.spec().name))
            .finish()
    }
}

impl<C: Send + Sync + 'static> Default for ToolSet<C> {
    fn default() -> Self {
        Self::new()
    }
}

impl<C: Send + Sync + 'static> ToolSet<C> {
    pub fn new() -> Self {
        ToolSet {
            tools: Vec::new(),
            errors: Vec::new(),
            _client: std::marker::PhantomData,
        }
    }

    /// Adds a tool.
    pub fn with<T: Tool<C>>(mut self, tool: T) -> Self {
        let spec = tool.spec();
        match InputSchema::of::<T::Input>() {
            Ok(schema) => self.tools.push(Arc::new(Erased {
                tool,
                spec,
                schema,
                _client: std::marker::PhantomData,
            })),
            Err(e) => self.errors.push(format!("{}: {e}", spec.name)),
        }
        self
    }

    /// The erased tools, or every schema problem found.
    pub fn build(self) -> Result<Vec<Arc<dyn DynTool>>> {
        if self.errors.is_empty() {
            Ok(self.tools)
        } else {
            Err(Error::unexpected(self.errors.join("; ")))
        }
    }
}

/// Checks a tool name against the naming rule: `<connector>_<verb>_<noun>`, lowercase
/// `[a-z0-9_]`, at most 48 characters.
pub fn check_tool_name(connector_id: &str, name: &str) -> std::result::Result<(), String> {
    if name.len() > 48 {
        return Err(format!("{name}: longer than 48 characters"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    {
        return Err(format!("{name}: only lowercase a-z, 0-9 and _ are allowed"));
    }
    let Some(rest) = name
        .strip_prefix(connector_id)
        .and_then(|r| r.strip_prefix('_'))
    else {
        return Err(format!("{name}: must start with `{connector_id}_`"));
    };
    let parts: Vec<&str> = rest.split('_').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!("{name}: must be `{connector_id}_<verb>_<noun>`"));
    }
    Ok(())
}

/// Declares a tool: a unit struct and its [`Tool`] impl, with the spec beside the body.
///
/// ```text
/// connector_core::tool! {
///     /// Lists projects.
///     pub struct ListProjects for MyClient {
///         name: "my_list_projects", title: "List projects",
///         access: Read, annotations: READ,
///         description: "Lists projects …",
///     }
///     async fn call(client, input: ListInput, ctx) -> serde_json::Value { … }
/// }
/// ```
#[macro_export]
macro_rules! tool {
    (
        $(#[$meta:meta])*
        $vis:vis struct $ty:ident for $client:ty {
            name: $name:literal,
            title: $title:literal,
            access: $access:ident,
            annotations: $ann:ident,
            description: $desc:expr $(,)?
        }
        async fn call($c:tt, $input:tt: $in_ty:ty, $ctx:tt) -> $out:ty $body:block
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, Default)]
        $vis struct $ty;

        impl $crate::Tool<$client> for $ty {
            type Input = $in_ty;
            type Output = $out;

            fn spec(&self) -> $crate::ToolSpec {
                $crate::ToolSpec {
                    name: $name,
                    title: $title,
                    description: $desc,
                    access: $crate::Access::$access,
                    annotations: $crate::Annotations::$ann,
                }
            }

            async fn call(&self, $c: &$client, $input: $in_ty, $ctx: &$crate::CallContext) -> $crate::Result<$out> $body
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tool_names_follow_the_rule() {
        assert!(check_tool_name("worksection", "worksection_list_projects").is_ok());
        assert!(check_tool_name("worksection", "worksection_projects").is_err());
        assert!(check_tool_name("worksection", "basecamp_list_todos").is_err());
        assert!(check_tool_name("worksection", "worksection_List_projects").is_err());
        assert!(check_tool_name("a", &format!("a_get_{}", "x".repeat(44))).is_err());
    }
}
