//! Test support shared by every connector (feature `testkit`, never in a release build):
//! the conformance suite each connector's `tests/conformance.rs` runs against its fake,
//! and a small test connector with a loopback fake for the gateway's own tests.

pub mod conformance;
pub mod notes;
