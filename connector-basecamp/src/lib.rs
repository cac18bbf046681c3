//! The basecamp connector for Switchboard. It depends on `connector-core` only.
//!
//! An empty shell until its own issue lands: it compiles, registers no tools and is
//! therefore not yet offered by the gateway.
