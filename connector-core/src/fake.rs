//! The interface between a connector's fake upstream and its users: the conformance
//! suite, the gateway's tests and `switchboard demo`. The fakes themselves live in each
//! connector crate (feature `fake`); this module only names what they must offer.

use std::{
    collections::VecDeque,
    fmt,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
};

use serde_json::Value;

use crate::{BoxFuture, Result, secret::Credentials};

/// A failure the fake must produce the way the real API does (its status codes and
/// error bodies), so the connector's `parse_error` is tested against the real shapes.
#[non_exhaustive]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// The credential is rejected (wrong, expired or revoked).
    Unauthenticated,
    /// The account may not do this.
    PermissionDenied,
    /// The object does not exist.
    NotFound,
    /// Too many requests, with the API's retry hint.
    RateLimited,
    /// The API fails internally.
    ServerError,
}

/// Control over a running fake.
pub trait FakeControl: Send + Sync + fmt::Debug {
    /// The next `times` API requests fail with `fault`.
    fn inject(&self, fault: Fault, times: usize);
    /// Drops the faults not yet served.
    fn clear(&self);
    /// API requests served so far (faulted ones included).
    fn requests(&self) -> usize;
}

/// A running fake with a seeded account: the connector config that points at it and the
/// credentials it accepts. The server runs until the process ends.
#[derive(Debug)]
pub struct FakeAccount {
    /// Base URL of the fake, e.g. `http://127.0.0.1:40123`.
    pub base_url: String,
    /// The connector's config section (JSON), pointing at the fake.
    pub config: Value,
    pub credentials: Credentials,
    /// A human label for the account, as the console would show it.
    pub label: String,
    pub control: std::sync::Arc<dyn FakeControl>,
}

/// Starts a connector's fake, seeded with realistic data.
pub type StartFake = fn() -> BoxFuture<'static, Result<FakeAccount>>;

/// What a fake's request handlers share with its control: the faults still to serve
/// and the requests served. It is the fake's [`FakeControl`].
#[derive(Debug, Default)]
pub struct FaultControl {
    pending: Mutex<VecDeque<Fault>>,
    requests: AtomicUsize,
}

impl FaultControl {
    /// Counts a request the fake received.
    pub fn count(&self) {
        self.requests.fetch_add(1, Ordering::SeqCst);
    }

    /// The fault the current request must produce, if any.
    pub fn next_fault(&self) -> Option<Fault> {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }
}

impl FakeControl for FaultControl {
    fn inject(&self, fault: Fault, times: usize) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend(std::iter::repeat_n(fault, times));
    }

    fn clear(&self) {
        self.pending
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}
