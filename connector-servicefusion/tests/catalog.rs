//! The tool catalog: the naming rule, annotations, what the descriptions promise, and an
//! insta snapshot so any schema change shows up in review.

#![allow(clippy::unwrap_used, clippy::panic, reason = "test code")]

use connector_core::{Access, testkit::conformance};
use serde_json::{Value, json};

#[test]
fn the_catalog_is_valid_and_snapshotted() {
    let connector = connector_core::erase(connector_servicefusion::ServiceFusion).unwrap();
    conformance::catalog_is_valid(connector.as_ref());
    conformance::example_config_parses(connector.as_ref());
    let tools = connector.tools();
    assert!(tools.len() >= 25, "only {} tools", tools.len());
    let writes: Vec<&str> = tools
        .iter()
        .filter(|t| t.spec().access == Access::Write)
        .map(|t| t.spec().name)
        .collect();
    assert_eq!(
        writes,
        [
            "servicefusion_create_customer",
            "servicefusion_create_job",
            "servicefusion_create_estimate"
        ]
    );
    for t in tools {
        let s = t.spec();
        // Nothing here deletes or overwrites: the API cannot.
        assert!(!s.annotations.destructive, "{}", s.name);
        // Writes say the API cannot take them back, so a model checks first.
        if s.access == Access::Write {
            assert!(
                s.description.contains("cannot update or delete"),
                "{}: {}",
                s.name,
                s.description
            );
        }
    }
    insta::assert_json_snapshot!("catalog", conformance::catalog(connector.as_ref()));
}

#[test]
fn shared_filters_and_id_or_name_arguments_have_strict_schemas() {
    let connector = connector_core::erase(connector_servicefusion::ServiceFusion).unwrap();
    let schema = |name: &str| -> Value {
        let t = connector
            .tools()
            .iter()
            .find(|t| t.spec().name == name)
            .unwrap_or_else(|| panic!("no tool {name}"));
        Value::Object((**t.input_schema().as_map()).clone())
    };
    // Flattened filters still refuse unknown arguments.
    let jobs = schema("servicefusion_list_jobs");
    assert_eq!(jobs["additionalProperties"], json!(false), "{jobs}");
    for field in [
        "status",
        "customer_name",
        "start_from",
        "closed_to",
        "cursor",
    ] {
        assert!(jobs["properties"].get(field).is_some(), "{field} in {jobs}");
    }
    let tool = connector
        .tools()
        .iter()
        .find(|t| t.spec().name == "servicefusion_list_jobs")
        .unwrap();
    let e = tool
        .input_schema()
        .validate(&json!({"tech_id": 5}))
        .unwrap_err();
    assert!(e.message().contains("unknown argument `tech_id`"), "{e}");
    // A customer is an id or a name.
    let job = schema("servicefusion_create_job");
    let customer = job["properties"]["customer"].to_string();
    assert!(
        customer.contains("integer") && customer.contains("string"),
        "{customer}"
    );
    assert_eq!(job["required"], json!(["customer"]));
}
