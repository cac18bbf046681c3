//! Rate limiting toward upstream APIs, keyed by upstream account.
//!
//! Upstreams document their budgets as "N requests per window" (60 a minute, 50 every ten
//! seconds) and count them in windows, so the limiter keeps that contract exactly: at most
//! `requests` in any span of `per`. A token bucket that refills continuously would let
//! through up to twice the budget in one window (a full burst, then the refill), which is
//! exactly the 429 the limiter exists to prevent; see ADR 8.
//!
//! An upstream can also say the budget is spent ("429, retry after 30 s", or a remaining
//! count of 0): [`UpstreamLimiter::pause`] holds every request on that account until then.
//!
//! The limiter is a trait so the gateway can put a shared (Redis) budget behind it when
//! it runs as several replicas; the implementation here is exact for one process.

use std::{
    collections::{HashMap, VecDeque},
    fmt,
    num::NonZeroU32,
    sync::Mutex,
    time::{Duration, Instant},
};

use crate::tool::BoxFuture;

/// An upstream's documented request budget for one account: `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per `per`. A zero count is treated as one.
    pub const fn new(requests: u32, per: Duration) -> Self {
        RateLimit {
            requests: match NonZeroU32::new(requests) {
                Some(n) => n,
                None => NonZeroU32::MIN,
            },
            per,
        }
    }

    /// `requests` per minute. A zero count is treated as one.
    pub const fn per_minute(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(60))
    }

    /// `requests` per second. A zero count is treated as one.
    pub const fn per_second(requests: u32) -> Self {
        Self::new(requests, Duration::from_secs(1))
    }
}

/// Decides whether one more request to an upstream account may go now.
pub trait UpstreamLimiter: Send + Sync + fmt::Debug {
    /// `Ok(())` to go now (the request is counted), or `Err(wait)`: the earliest moment a
    /// request may succeed.
    fn try_acquire<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> BoxFuture<'a, Result<(), Duration>>;

    /// The upstream said the account's budget is spent: no request on `key` goes for
    /// `wait`. A shorter pause than one already in force changes nothing.
    fn pause<'a>(&'a self, key: &'a str, wait: Duration) -> BoxFuture<'a, ()>;
}

#[derive(Debug, Default)]
struct Account {
    /// When each request of the last window went, oldest first.
    sent: VecDeque<Instant>,
    paused_until: Option<Instant>,
}

/// In-process sliding-window limiter: exact for one replica, per key.
#[derive(Default)]
pub struct InProcessLimiter {
    accounts: Mutex<HashMap<String, Account>>,
}

impl fmt::Debug for InProcessLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("InProcessLimiter").finish_non_exhaustive()
    }
}

impl InProcessLimiter {
    pub fn new() -> Self {
        Self::default()
    }

    fn acquire_at(&self, key: &str, limit: RateLimit, now: Instant) -> Result<(), Duration> {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        // Accounts idle for a whole window hold nothing worth keeping.
        if accounts.len() > 4_096 {
            accounts.retain(|_, a| {
                a.sent
                    .back()
                    .is_some_and(|t| now.duration_since(*t) < limit.per)
                    || a.paused_until.is_some_and(|p| p > now)
            });
        }
        let account = accounts.entry(key.to_owned()).or_default();
        if let Some(until) = account.paused_until {
            if until > now {
                return Err(until - now);
            }
            account.paused_until = None;
        }
        while account
            .sent
            .front()
            .is_some_and(|t| now.duration_since(*t) >= limit.per)
        {
            account.sent.pop_front();
        }
        if account.sent.len() < limit.requests.get() as usize {
            account.sent.push_back(now);
            return Ok(());
        }
        // Full: the next slot frees when the oldest request leaves the window.
        let oldest = account.sent.front().copied().unwrap_or(now);
        Err((oldest + limit.per).saturating_duration_since(now))
    }

    fn pause_at(&self, key: &str, wait: Duration, now: Instant) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        let account = accounts.entry(key.to_owned()).or_default();
        let until = now + wait;
        if account.paused_until.is_none_or(|p| p < until) {
            account.paused_until = Some(until);
        }
    }
}

impl UpstreamLimiter for InProcessLimiter {
    fn try_acquire<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> BoxFuture<'a, Result<(), Duration>> {
        let result = self.acquire_at(key, limit, Instant::now());
        Box::pin(std::future::ready(result))
    }

    fn pause<'a>(&'a self, key: &'a str, wait: Duration) -> BoxFuture<'a, ()> {
        self.pause_at(key, wait, Instant::now());
        Box::pin(std::future::ready(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn budget_is_per_key_and_reports_the_wait() {
        let l = InProcessLimiter::new();
        let limit = RateLimit::per_minute(2);
        let t0 = Instant::now();
        assert!(l.acquire_at("acct-a", limit, t0).is_ok());
        assert!(
            l.acquire_at("acct-a", limit, t0 + Duration::from_secs(10))
                .is_ok()
        );
        let wait = l
            .acquire_at("acct-a", limit, t0 + Duration::from_secs(20))
            .unwrap_err();
        assert_eq!(wait, Duration::from_secs(40));
        assert!(l.acquire_at("acct-b", limit, t0).is_ok());
        // The first request leaves the window at 60 s: one slot frees, not two.
        let t60 = t0 + Duration::from_secs(60);
        assert!(l.acquire_at("acct-a", limit, t60).is_ok());
        assert_eq!(
            l.acquire_at("acct-a", limit, t60).unwrap_err(),
            Duration::from_secs(10)
        );
    }

    #[test]
    fn no_window_ever_holds_more_than_the_budget() {
        // Greedy callers, one attempt every 100 ms for five minutes: every span of 60 s
        // holds at most 60 granted requests, and the budget is used in full.
        let l = InProcessLimiter::new();
        let limit = RateLimit::per_minute(60);
        let t0 = Instant::now();
        let granted: Vec<Duration> = (0..3_000u64)
            .map(|i| Duration::from_millis(i * 100))
            .filter(|at| l.acquire_at("k", limit, t0 + *at).is_ok())
            .collect();
        for (i, start) in granted.iter().enumerate() {
            let in_window = granted[i..]
                .iter()
                .take_while(|t| **t - *start < Duration::from_secs(60))
                .count();
            assert!(
                in_window <= 60,
                "{in_window} requests within 60 s of {start:?}"
            );
        }
        assert_eq!(granted.len(), 300, "five full windows of 60");
    }

    #[test]
    fn a_pause_holds_every_request_on_the_key_until_it_ends() {
        let l = InProcessLimiter::new();
        let limit = RateLimit::per_minute(100);
        let t0 = Instant::now();
        l.pause_at("k", Duration::from_secs(30), t0);
        assert_eq!(
            l.acquire_at("k", limit, t0 + Duration::from_secs(10))
                .unwrap_err(),
            Duration::from_secs(20)
        );
        // A shorter pause does not cut the longer one short.
        l.pause_at("k", Duration::from_secs(1), t0 + Duration::from_secs(10));
        assert!(
            l.acquire_at("k", limit, t0 + Duration::from_secs(12))
                .is_err()
        );
        assert!(l.acquire_at("other", limit, t0).is_ok());
        assert!(
            l.acquire_at("k", limit, t0 + Duration::from_secs(30))
                .is_ok()
        );
    }
}
