//! The tool catalog: the naming rule, annotations, and an insta snapshot so any schema
//! change shows up in review.

#![allow(clippy::unwrap_used, reason = "test code")]

use connector_core::testkit::conformance;

#[test]
fn the_catalog_is_valid_and_snapshotted() {
    let connector = connector_core::erase(connector_worksection::Worksection).unwrap();
    conformance::catalog_is_valid(connector.as_ref());
    conformance::example_config_parses(connector.as_ref());
    let tools = connector.tools();
    assert!(tools.len() >= 45, "only {} tools", tools.len());
    for t in tools {
        let s = t.spec();
        if s.access == connector_core::Access::Write {
            assert!(!s.annotations.read_only, "{}", s.name);
        }
    }
    let destructive: Vec<&str> = tools
        .iter()
        .filter(|t| t.spec().annotations.destructive)
        .map(|t| t.spec().name)
        .collect();
    assert_eq!(
        destructive,
        [
            "worksection_remove_project_members",
            "worksection_delete_cost"
        ]
    );
    insta::assert_json_snapshot!("catalog", conformance::catalog(connector.as_ref()));
}
