//! The tool catalog: the naming rule, annotations, and an insta snapshot so any schema
//! change shows up in review.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::{Access, testkit::conformance};

#[test]
fn the_catalog_is_valid_and_snapshotted() {
    let connector = connector_core::erase(connector_basecamp::Basecamp).unwrap();
    conformance::catalog_is_valid(connector.as_ref());
    conformance::example_config_parses(connector.as_ref());
    let tools = connector.tools();
    assert!(tools.len() >= 35, "only {} tools", tools.len());
    let destructive: Vec<&str> = tools
        .iter()
        .filter(|t| t.spec().annotations.destructive)
        .map(|t| t.spec().name)
        .collect();
    assert_eq!(
        destructive,
        ["basecamp_trash_project", "basecamp_revoke_project_access"]
    );
    for t in tools {
        let s = t.spec();
        let writes = [
            "create",
            "update",
            "trash",
            "grant",
            "revoke",
            "complete",
            "uncomplete",
            "reposition",
            "post",
            "move",
        ]
        .iter()
        .any(|v| s.name.starts_with(&format!("basecamp_{v}_")));
        assert_eq!(s.access == Access::Write, writes, "{}", s.name);
    }
    insta::assert_json_snapshot!("catalog", conformance::catalog(connector.as_ref()));
}
