//! Input schemas for tools: generated from the Rust input type (schemars 1.x, JSON Schema
//! 2020-12, subschemas inlined so there is never a `$ref` to resolve), and argument
//! validation before a tool runs.

use std::sync::Arc;

use schemars::{JsonSchema, generate::SchemaSettings};
use serde_json::{Map, Value};

use crate::{Error, Result};

/// A tool's input schema together with its compiled validator.
#[derive(Clone)]
pub struct InputSchema {
    schema: Arc<Map<String, Value>>,
    validator: Arc<jsonschema::Validator>,
}

impl std::fmt::Debug for InputSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("InputSchema")
            .field("schema", &self.schema)
            .finish_non_exhaustive()
    }
}

impl InputSchema {
    /// Generates the schema of `T`. Fails if the root is not `type: object`, if the
    /// schema keeps a `$ref`, or if it does not compile as 2020-12.
    pub fn of<T: JsonSchema>() -> Result<Self> {
        let mut settings = SchemaSettings::draft2020_12();
        settings.inline_subschemas = true;
        let schema = settings.into_generator().into_root_schema_for::<T>();
        let value = serde_json::to_value(&schema)
            .map_err(|e| Error::unexpected(format!("schema did not serialize: {e}")))?;
        Self::from_value(value)
    }

    /// Accepts a hand-written schema under the same rules as [`InputSchema::of`].
    pub fn from_value(value: Value) -> Result<Self> {
        let Value::Object(mut map) = value else {
            return Err(Error::unexpected(
                "a tool input schema must be a JSON object",
            ));
        };
        if map.get("type").and_then(Value::as_str) != Some("object") {
            return Err(Error::unexpected(
                "a tool input schema must have `type: object` at the root",
            ));
        }
        if contains_ref(&Value::Object(map.clone())) {
            return Err(Error::unexpected(
                "a tool input schema must not contain `$ref`; inline the subschema",
            ));
        }
        // Titles of Rust types mean nothing to a model; drop the root one.
        map.remove("title");
        map.remove("$defs");
        let value = Value::Object(map);
        let validator = jsonschema::draft202012::options()
            .should_validate_formats(true)
            .build(&value)
            .map_err(|e| Error::unexpected(format!("tool input schema is invalid: {e}")))?;
        let Value::Object(map) = value else {
            return Err(Error::unexpected("schema changed shape"));
        };
        Ok(InputSchema {
            schema: Arc::new(map),
            validator: Arc::new(validator),
        })
    }

    pub fn as_map(&self) -> &Arc<Map<String, Value>> {
        &self.schema
    }

    /// Checks `args` against the schema. The error names each offending field (as a JSON
    /// pointer into the arguments) and what was expected, so a model can correct itself.
    pub fn validate(&self, args: &Value) -> Result<()> {
        let problems: Vec<String> = self
            .validator
            .iter_errors(args)
            .take(5)
            .map(|e| self.describe(&e, args))
            .collect();
        if problems.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_input(format!(
                "invalid arguments: {}",
                problems.join("; ")
            )))
        }
    }
}

impl InputSchema {
    fn describe(&self, e: &jsonschema::ValidationError<'_>, args: &Value) -> String {
        use jsonschema::error::ValidationErrorKind as K;
        let path = e.instance_path().as_str();
        let field = path.trim_start_matches('/').replace('/', ".");
        match e.kind() {
            K::AdditionalProperties { unexpected } | K::UnevaluatedProperties { unexpected } => {
                format!(
                    "unknown argument {}; this tool takes: {}",
                    names(unexpected),
                    self.property_names()
                )
            }
            K::FalseSchema if !field.is_empty() => {
                format!(
                    "unknown argument `{field}`; this tool takes: {}",
                    self.property_names()
                )
            }
            // jsonschema reports a property refused by `additionalProperties: false` at the
            // object, not the property; name the unknown keys ourselves.
            K::FalseSchema => {
                let known = self.schema.get("properties").and_then(Value::as_object);
                let unknown: Vec<String> = args
                    .as_object()
                    .map(|a| {
                        a.keys()
                            .filter(|k| known.is_none_or(|p| !p.contains_key(*k)))
                            .cloned()
                            .collect()
                    })
                    .unwrap_or_default();
                format!(
                    "unknown argument {}; this tool takes: {}",
                    names(&unknown),
                    self.property_names()
                )
            }
            _ if field.is_empty() => format!("arguments: {e}"),
            _ => format!("argument `{field}`: {e}"),
        }
    }

    fn property_names(&self) -> String {
        let props = self.schema.get("properties").and_then(Value::as_object);
        match props {
            Some(p) if !p.is_empty() => p
                .keys()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", "),
            _ => "no arguments".to_owned(),
        }
    }
}

fn names(list: &[String]) -> String {
    list.iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn contains_ref(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.contains_key("$ref") || m.values().any(contains_ref),
        Value::Array(a) => a.iter().any(contains_ref),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Input {
        /// Project id.
        project_id: u64,
        limit: Option<u32>,
        status: Option<Status>,
    }

    #[derive(schemars::JsonSchema, serde::Deserialize)]
    #[serde(rename_all = "lowercase")]
    #[allow(dead_code)]
    enum Status {
        Active,
        Done,
    }

    #[test]
    fn generated_schema_is_a_flat_2020_12_object() {
        let s = InputSchema::of::<Input>().unwrap();
        let v = Value::Object((**s.as_map()).clone());
        assert_eq!(v["type"], "object");
        assert_eq!(v["$schema"], "https://json-schema.org/draft/2020-12/schema");
        assert!(!contains_ref(&v));
        assert_eq!(v["additionalProperties"], false);
    }

    #[test]
    fn validation_names_the_field_and_the_expectation() {
        let s = InputSchema::of::<Input>().unwrap();
        s.validate(&json!({"project_id": 3})).unwrap();
        let e = s
            .validate(&json!({"project_id": "three"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("argument `project_id`"), "{e}");
        assert!(e.contains("integer"), "{e}");
        let e = s.validate(&json!({})).unwrap_err().to_string();
        assert!(e.contains("project_id"), "{e}");
        let e = s
            .validate(&json!({"project_id": 1, "status": "open"}))
            .unwrap_err()
            .to_string();
        assert!(e.contains("argument `status`"), "{e}");
    }

    #[test]
    fn non_object_roots_are_refused() {
        assert!(InputSchema::from_value(json!({"type": "string"})).is_err());
        assert!(
            InputSchema::from_value(
                json!({"type": "object", "properties": {"a": {"$ref": "http://x"}}})
            )
            .is_err()
        );
    }
}
