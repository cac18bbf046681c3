//! The servicefusion connector for Switchboard. It depends on `connector-core` only.
//!
//! An empty shell until its own issue lands: it compiles and registers nothing, so the
//! gateway does not offer it yet.

use connector_core::Registration;

/// The gateway's registration entry; `None` until the connector has tools.
pub fn registration() -> Option<Registration> {
    None
}
