//! Test support shared by every connector (feature `testkit`, never in a release build):
//! the conformance suite each connector's `tests/conformance.rs` runs against its fake,
//! a harness that calls a connector's tools by name, and a small test connector with a
//! loopback fake for the gateway's own tests.

pub mod conformance;
mod harness;
pub mod notes;

pub use harness::{Harness, WithFake, call_tool, rows};
