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

/// A date argument, `YYYY-MM-DD`: checked when the arguments are decoded, so a model
/// that sends `31.03.2026` or `2026-02-30` is told exactly what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct IsoDate(pub chrono::NaiveDate);

impl IsoDate {
    pub fn parse(s: &str) -> std::result::Result<Self, String> {
        let bad = || format!("`{s}` is not a date in the form YYYY-MM-DD (for example 2026-03-31)");
        let b = s.as_bytes();
        let shaped = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shaped {
            return Err(bad());
        }
        let (year, month, day): (i32, u32, u32) = (
            s[0..4].parse().map_err(|_| bad())?,
            s[5..7].parse().map_err(|_| bad())?,
            s[8..10].parse().map_err(|_| bad())?,
        );
        if !(1..=12).contains(&month) {
            return Err(bad());
        }
        chrono::NaiveDate::from_ymd_opt(year, month, day)
            .map(IsoDate)
            .ok_or_else(|| {
                let days = (28..=31)
                    .rev()
                    .find(|d| chrono::NaiveDate::from_ymd_opt(year, month, *d).is_some())
                    .unwrap_or(28);
                format!("`{s}` is not a real date (that month has {days} days)")
            })
    }

    /// Today in UTC.
    pub fn today() -> Self {
        IsoDate(chrono::Utc::now().date_naive())
    }

    /// `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        self.0.format("%Y-%m-%d").to_string()
    }

    /// The date `days` later (earlier when negative).
    pub fn plus_days(&self, days: i64) -> Self {
        IsoDate(
            self.0
                .checked_add_signed(chrono::Duration::days(days))
                .unwrap_or(self.0),
        )
    }

    /// The day after, for inclusive "up to" bounds on timestamp fields.
    pub fn next_day(&self) -> Self {
        self.plus_days(1)
    }
}

impl std::fmt::Display for IsoDate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.iso())
    }
}

impl<'de> serde::Deserialize<'de> for IsoDate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        IsoDate::parse(&s).map_err(serde::de::Error::custom)
    }
}

impl serde::Serialize for IsoDate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.iso())
    }
}

impl JsonSchema for IsoDate {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "IsoDate".into()
    }

    fn inline_schema() -> bool {
        true
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "format": "date",
            "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "description": "A date, YYYY-MM-DD."
        })
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
    fn dates_are_checked_with_a_reason() {
        assert_eq!(IsoDate::parse("2026-03-31").unwrap().iso(), "2026-03-31");
        assert!(
            IsoDate::parse("2026-02-30")
                .unwrap_err()
                .contains("28 days")
        );
        assert!(
            IsoDate::parse("2024-02-30")
                .unwrap_err()
                .contains("29 days")
        );
        assert!(
            IsoDate::parse("31.03.2026")
                .unwrap_err()
                .contains("YYYY-MM-DD")
        );
        assert!(IsoDate::parse("2026-13-01").is_err());
        assert!(IsoDate::parse("2026-1-01").is_err());
        assert_eq!(
            IsoDate::parse("2024-02-28").unwrap().next_day().iso(),
            "2024-02-29"
        );
        assert_eq!(
            IsoDate::parse("2026-12-31").unwrap().next_day().iso(),
            "2027-01-01"
        );
        assert_eq!(
            IsoDate::parse("2026-03-01").unwrap().plus_days(-1).iso(),
            "2026-02-28"
        );
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
