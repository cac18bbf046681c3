//! The API's value notations and the fake's clock: RFC 3339 timestamps with `+00:00`,
//! `Y-m-d` dates, `HH:MM` times, money as JSON numbers, Yii2 attribute labels for
//! validation messages, and random token strings.

use chrono::{DateTime, NaiveDate, NaiveTime, SecondsFormat, TimeDelta, Utc};
use rand::Rng;
use serde_json::Value;

pub type Timestamp = DateTime<Utc>;

/// The real clock shifted so that "today" is the day the seed is relative to: records
/// created through the API are then the newest ones whatever `today` was set to.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    shift: TimeDelta,
}

impl Clock {
    pub fn new(today: Option<NaiveDate>) -> Self {
        let real = Utc::now().date_naive();
        let shift = today.map_or(TimeDelta::zero(), |t| t.signed_duration_since(real));
        Self { shift }
    }

    pub fn now(&self) -> Timestamp {
        Utc::now() + self.shift
    }

    pub fn today(&self) -> NaiveDate {
        self.now().date_naive()
    }
}

/// `2018-08-07T18:31:28+00:00`, as every `created_at`/`updated_at` is printed.
pub fn timestamp(t: &Timestamp) -> Value {
    Value::String(t.to_rfc3339_opts(SecondsFormat::Secs, false))
}

pub fn opt_timestamp(t: Option<&Timestamp>) -> Value {
    t.map_or(Value::Null, timestamp)
}

/// `2018-08-07`.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

pub fn opt_date(d: Option<NaiveDate>) -> Value {
    d.map_or(Value::Null, |d| Value::String(date(d)))
}

/// A date printed as a timestamp at midnight, as invoices print `date`.
pub fn midnight(d: NaiveDate) -> Timestamp {
    d.and_time(NaiveTime::MIN).and_utc()
}

/// Money in cents as the API prints it: a JSON number, integral when it is whole
/// (`193`, `193.25`).
pub fn money(cents: i64) -> Value {
    if cents % 100 == 0 {
        Value::from(cents / 100)
    } else {
        Value::from(cents as f64 / 100.0)
    }
}

/// A decimal amount in cents, rounded.
pub fn cents(amount: f64) -> i64 {
    (amount * 100.0).round() as i64
}

/// A quantity printed as an integer when it is one (`3`), else as a decimal (`1.5`).
pub fn quantity(q: f64) -> Value {
    if q.fract() == 0.0 && q.abs() < 1e15 {
        Value::from(q as i64)
    } else {
        Value::from(q)
    }
}

/// The label Yii2 derives from an attribute name for its messages:
/// `customer_name` → `Customer Name`, `is_vip` → `Is Vip`.
pub fn label(field: &str) -> String {
    field
        .split(['_', '-', '.'])
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a date must be, as validation messages word it.
pub const DATE_FORMAT: &str = "a date in the format Y-m-d";

/// What a timestamp must be (where a `Y-m-d` date is taken too).
pub const TIMESTAMP_FORMAT: &str =
    "a date in the format RFC 3339 (2002-10-02T10:00:00-05:00) or Y-m-d";

/// A strict `Y-m-d` date.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
}

/// An RFC 3339 timestamp (`2002-10-02T10:00:00-05:00`), in UTC.
pub fn parse_timestamp(s: &str) -> Option<Timestamp> {
    DateTime::parse_from_rfc3339(s.trim())
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

/// A time of day as `H:MM` or `HH:MM` (seconds tolerated), printed back as `HH:MM`.
pub fn parse_time(s: &str) -> Option<String> {
    let s = s.trim();
    let t = NaiveTime::parse_from_str(s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S"))
        .ok()?;
    Some(t.format("%H:%M").to_string())
}

/// PHP's `(int)` of a query parameter: the leading integer, else 0.
pub fn php_int(s: &str) -> i64 {
    let s = s.trim();
    let (sign, digits) = match s.strip_prefix('-') {
        Some(rest) => (-1, rest),
        None => (1, s.strip_prefix('+').unwrap_or(s)),
    };
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse::<i64>().map_or(0, |n| sign * n)
}

const TOKEN_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// A random string over the URL-safe alphabet, shaped like the documented tokens
/// (`-2Mt0oncDlmsQ9D3QZ290MiV9sK_vRDR`).
pub fn random_token(len: usize) -> String {
    let mut rng = rand::rng();
    (0..len)
        .map(|_| char::from(TOKEN_ALPHABET[rng.random_range(0..TOKEN_ALPHABET.len())]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_like_yii() {
        assert_eq!(label("customer_name"), "Customer Name");
        assert_eq!(label("is_vip"), "Is Vip");
        assert_eq!(label("start_date"), "Start Date");
    }

    #[test]
    fn money_is_integral_when_whole() {
        assert_eq!(money(19300).to_string(), "193");
        assert_eq!(money(19325).to_string(), "193.25");
        assert_eq!(money(-550).to_string(), "-5.5");
    }

    #[test]
    fn php_int_reads_the_leading_integer() {
        assert_eq!(php_int("12abc"), 12);
        assert_eq!(php_int("abc"), 0);
        assert_eq!(php_int("-3"), -3);
        assert_eq!(php_int(""), 0);
    }

    #[test]
    fn strict_formats() {
        assert!(parse_date("2024-02-30").is_none());
        assert!(parse_date("2024-2-3").is_none());
        assert!(parse_date("2024-02-03").is_some());
        assert_eq!(parse_time("9:05").as_deref(), Some("09:05"));
        assert!(parse_time("25:00").is_none());
        let t = parse_timestamp("2002-10-02T10:00:00-05:00");
        assert_eq!(
            t.map(|t| timestamp(&t)),
            Some(Value::from("2002-10-02T15:00:00+00:00"))
        );
    }
}
