//! The documented request limit: per access token, fixed 60-second windows that start
//! at the token's first request, at most `limit` requests served in each. Refused
//! requests do not count. The state is what the `X-Rate-Limit-*` headers report.

use std::{
    collections::HashMap,
    sync::{
        Mutex,
        atomic::{AtomicUsize, Ordering},
    },
    time::{Duration, Instant, SystemTime, UNIX_EPOCH},
};

use axum::http::{HeaderName, HeaderValue, header::HeaderMap};

use super::server::lock;

pub const WINDOW: Duration = Duration::from_secs(60);

/// What the `X-Rate-Limit-*` headers say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateState {
    pub limit: u32,
    pub remaining: u32,
    /// UTC epoch seconds when the window ends, rounded up.
    pub reset: u64,
}

impl RateState {
    pub fn write(&self, headers: &mut HeaderMap) {
        for (name, value) in [
            ("x-rate-limit-limit", u64::from(self.limit)),
            ("x-rate-limit-remaining", u64::from(self.remaining)),
            ("x-rate-limit-reset", self.reset),
        ] {
            headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
        }
    }
}

#[derive(Debug)]
struct Window {
    started: Instant,
    /// Epoch seconds (fractional) of the end, for the `Reset` header.
    ends: f64,
    served: u32,
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// Epoch seconds `after` from now, rounded up.
pub fn epoch_after(after: Duration) -> u64 {
    (epoch_now() + after.as_secs_f64()).ceil() as u64
}

#[derive(Debug)]
pub struct RateLimiter {
    /// 0: no limit (and no headers).
    limit: u32,
    windows: Mutex<HashMap<String, Window>>,
    refused: AtomicUsize,
    max_in_window: AtomicUsize,
}

impl RateLimiter {
    pub fn new(limit: u32) -> Self {
        Self {
            limit,
            windows: Mutex::new(HashMap::new()),
            refused: AtomicUsize::new(0),
            max_in_window: AtomicUsize::new(0),
        }
    }

    fn fresh(&self) -> RateState {
        RateState {
            limit: self.limit,
            remaining: self.limit,
            reset: epoch_after(WINDOW),
        }
    }

    fn state(&self, w: &Window) -> RateState {
        RateState {
            limit: self.limit,
            remaining: self.limit.saturating_sub(w.served),
            reset: w.ends.ceil() as u64,
        }
    }

    /// Serves one request of `token` if its window has room. `Ok(None)` when unlimited.
    pub fn admit(&self, token: &str) -> Result<Option<RateState>, RateState> {
        if self.limit == 0 {
            return Ok(None);
        }
        let now = Instant::now();
        let mut windows = lock(&self.windows);
        let w = windows.entry(token.to_owned()).or_insert_with(|| Window {
            started: now,
            ends: epoch_now() + WINDOW.as_secs_f64(),
            served: 0,
        });
        if now.duration_since(w.started) >= WINDOW {
            *w = Window {
                started: now,
                ends: epoch_now() + WINDOW.as_secs_f64(),
                served: 0,
            };
        }
        if w.served >= self.limit {
            self.refused.fetch_add(1, Ordering::SeqCst);
            return Err(self.state(w));
        }
        w.served += 1;
        self.max_in_window
            .fetch_max(w.served as usize, Ordering::SeqCst);
        Ok(Some(self.state(w)))
    }

    /// The state of `token`'s window without counting (for answers that were not
    /// served: faults, authentication errors, unknown paths).
    pub fn peek(&self, token: Option<&str>) -> Option<RateState> {
        if self.limit == 0 {
            return None;
        }
        let windows = lock(&self.windows);
        Some(
            token
                .and_then(|t| windows.get(t))
                .filter(|w| w.started.elapsed() < WINDOW)
                .map_or_else(|| self.fresh(), |w| self.state(w)),
        )
    }

    pub fn limit(&self) -> u32 {
        self.limit
    }

    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn max_in_window(&self) -> usize {
        self.max_in_window.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_refuses_and_keeps_windows_apart() {
        let l = RateLimiter::new(2);
        assert_eq!(l.admit("a").map(|s| s.map(|s| s.remaining)), Ok(Some(1)));
        assert_eq!(l.admit("a").map(|s| s.map(|s| s.remaining)), Ok(Some(0)));
        assert!(l.admit("a").is_err());
        assert_eq!(l.refused(), 1);
        assert_eq!(l.admit("b").map(|s| s.map(|s| s.remaining)), Ok(Some(1)));
        assert_eq!(l.max_in_window(), 2);
        assert_eq!(l.peek(Some("a")).map(|s| s.remaining), Some(0));
        assert_eq!(l.peek(None).map(|s| s.remaining), Some(2));
    }

    #[test]
    fn unlimited_has_no_state() {
        let l = RateLimiter::new(0);
        assert_eq!(l.admit("a"), Ok(None));
        assert_eq!(l.peek(Some("a")), None);
    }
}
