//! Rate limiting toward upstream APIs, keyed by upstream account.
//!
//! The limiter is a trait so the gateway can put a shared (Redis) budget behind it when
//! it runs as several replicas; the in-process GCRA implementation here uses `governor`.

use std::{
    collections::HashMap,
    fmt,
    num::NonZeroU32,
    sync::{Arc, Mutex},
    time::Duration,
};

use governor::{
    DefaultKeyedRateLimiter, Quota, RateLimiter,
    clock::{Clock, DefaultClock},
};

use crate::tool::BoxFuture;

/// An upstream's documented request budget for one account: `requests` per `per`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
pub struct RateLimit {
    pub requests: NonZeroU32,
    pub per: Duration,
}

impl RateLimit {
    /// `requests` per minute. A zero count is treated as one.
    pub const fn per_minute(requests: u32) -> Self {
        RateLimit {
            requests: match NonZeroU32::new(requests) {
                Some(n) => n,
                None => NonZeroU32::MIN,
            },
            per: Duration::from_secs(60),
        }
    }

    /// `requests` per second. A zero count is treated as one.
    pub const fn per_second(requests: u32) -> Self {
        RateLimit {
            requests: match NonZeroU32::new(requests) {
                Some(n) => n,
                None => NonZeroU32::MIN,
            },
            per: Duration::from_secs(1),
        }
    }
}

/// Decides whether one more request to an upstream account may go now.
pub trait UpstreamLimiter: Send + Sync + fmt::Debug {
    /// `Ok(())` to go now, or `Err(wait)`: the earliest moment a request may succeed.
    fn try_acquire<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> BoxFuture<'a, Result<(), Duration>>;
}

/// In-process GCRA limiter: exact for one replica, per key.
#[derive(Default)]
pub struct InProcessLimiter {
    limiters: Mutex<HashMap<RateLimit, Arc<DefaultKeyedRateLimiter<String>>>>,
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

    fn limiter_for(&self, limit: RateLimit) -> Arc<DefaultKeyedRateLimiter<String>> {
        let mut map = match self.limiters.lock() {
            Ok(m) => m,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(limit)
            .or_insert_with(|| {
                let period = limit.per / limit.requests.get();
                let quota = Quota::with_period(period.max(Duration::from_nanos(1)))
                    .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
                    .allow_burst(limit.requests);
                Arc::new(RateLimiter::keyed(quota))
            })
            .clone()
    }
}

impl UpstreamLimiter for InProcessLimiter {
    fn try_acquire<'a>(
        &'a self,
        key: &'a str,
        limit: RateLimit,
    ) -> BoxFuture<'a, Result<(), Duration>> {
        let limiter = self.limiter_for(limit);
        let key = key.to_owned();
        Box::pin(async move {
            limiter
                .check_key(&key)
                .map_err(|not_until| not_until.wait_time_from(DefaultClock::default().now()))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn budget_is_per_key_and_reports_the_wait() {
        let l = InProcessLimiter::new();
        let limit = RateLimit::per_minute(2);
        assert!(l.try_acquire("acct-a", limit).await.is_ok());
        assert!(l.try_acquire("acct-a", limit).await.is_ok());
        let wait = l.try_acquire("acct-a", limit).await.unwrap_err();
        assert!(
            wait > Duration::from_secs(20) && wait <= Duration::from_secs(30),
            "{wait:?}"
        );
        assert!(l.try_acquire("acct-b", limit).await.is_ok());
    }
}
