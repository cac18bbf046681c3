//! Account URLs a team supplies (its Worksection address) are where Switchboard will
//! send that team's credentials, so they are checked before anything is sent: the host
//! must match the connector's pattern, and no address it resolves to may be private,
//! loopback or link-local (no reaching into the operator's network) unless the operator
//! allows it.

use std::net::{IpAddr, Ipv4Addr};

use url::Url;

/// What a team's account URL may be.
#[derive(Debug, Clone)]
pub struct HostRule {
    pub patterns: Vec<String>,
    pub allow_private: bool,
}

/// Whether `host` matches `pattern` (`*.example.com` matches any subdomain).
fn matches(pattern: &str, host: &str) -> bool {
    let pattern = pattern.trim().to_ascii_lowercase();
    match pattern.strip_prefix("*.") {
        Some(suffix) => host
            .strip_suffix(suffix)
            .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
        None => host == pattern,
    }
}

/// Addresses no team's URL may reach unless the operator allows private addresses.
pub fn is_private(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => private_v4(v4),
        IpAddr::V6(v6) => {
            let seg = v6.segments();
            let embedded_v4 = |hi: u16, lo: u16| {
                Ipv4Addr::new((hi >> 8) as u8, hi as u8, (lo >> 8) as u8, lo as u8)
            };
            // Forms that carry an IPv4 address: mapped ::ffff:a.b.c.d, compatible ::a.b.c.d,
            // NAT64 64:ff9b::/96 and 64:ff9b:1::/48, 6to4 2002::/16.
            if let Some(v4) = v6.to_ipv4_mapped() {
                return private_v4(v4);
            }
            if seg[..6] == [0; 6] && !v6.is_loopback() && !v6.is_unspecified() {
                return private_v4(embedded_v4(seg[6], seg[7]));
            }
            if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
                return private_v4(embedded_v4(seg[6], seg[7]));
            }
            if seg[0] == 0x64 && seg[1] == 0xff9b && seg[2] == 1 {
                return true;
            }
            if seg[0] == 0x2002 {
                return private_v4(embedded_v4(seg[1], seg[2]));
            }
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (seg[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
                || (seg[0] & 0xffc0) == 0xfec0 // site-local fec0::/10 (deprecated)
                || seg[0] == 0x2001 && seg[1] == 0xdb8 // documentation
        }
    }
}

fn private_v4(v4: Ipv4Addr) -> bool {
    let [a, b, ..] = v4.octets();
    v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && v4.octets()[2] == 0) // IETF protocol assignments
        || a >= 240
}

impl HostRule {
    /// The account URL in canonical form (`scheme://host[:port]`), or why it is refused.
    pub async fn check(&self, raw: &str, field: &str) -> Result<Url, String> {
        let url = Url::parse(raw.trim()).map_err(|_| {
            format!("`{field}` is not a URL; give the account's address, such as https://acme.worksection.com")
        })?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(format!("`{field}` must not carry a user name or password"));
        }
        let Some(host) = url
            .host_str()
            .map(|h| h.trim_matches(['[', ']']).to_ascii_lowercase())
        else {
            return Err(format!("`{field}` has no host"));
        };
        if !self.patterns.iter().any(|p| matches(p, &host)) {
            return Err(format!(
                "`{field}`: {host} is not an allowed host for this connector (allowed: {}); give your account's own address",
                self.patterns.join(", ")
            ));
        }
        let port = url.port_or_known_default().unwrap_or(443);
        let addresses: Vec<IpAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![ip],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| {
                    format!("`{field}`: {host} cannot be resolved ({e}); check the address")
                })?
                .map(|a| a.ip())
                .collect(),
        };
        if addresses.is_empty() {
            return Err(format!("`{field}`: {host} resolves to no address"));
        }
        if !self.allow_private
            && let Some(ip) = addresses.iter().find(|ip| is_private(**ip))
        {
            return Err(format!(
                "`{field}`: {host} resolves to {ip}, a private, loopback or link-local address, which teams' connections may not reach"
            ));
        }
        // Plain http only where private addresses are allowed (a local upstream).
        let secure = url.scheme() == "https" || (url.scheme() == "http" && self.allow_private);
        if !secure {
            return Err(format!("`{field}` must be an https:// URL"));
        }
        let mut canonical = url.clone();
        canonical.set_path("");
        canonical.set_query(None);
        canonical.set_fragment(None);
        Ok(canonical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(patterns: &[&str], allow_private: bool) -> HostRule {
        HostRule {
            patterns: patterns.iter().map(|p| (*p).to_owned()).collect(),
            allow_private,
        }
    }

    #[test]
    fn patterns_match_subdomains_only() {
        assert!(matches("*.worksection.com", "acme.worksection.com"));
        assert!(matches("*.worksection.com", "a.b.worksection.com"));
        assert!(!matches("*.worksection.com", "worksection.com"));
        assert!(!matches("*.worksection.com", "evilworksection.com"));
        assert!(!matches(
            "*.worksection.com",
            "acme.worksection.com.evil.io"
        ));
        assert!(matches("127.0.0.1", "127.0.0.1"));
    }

    #[test]
    fn private_addresses_are_recognised() {
        for ip in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "127.0.0.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:10.0.0.1",
            "::10.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2002:0a00:0001::1",
            "fec0::1",
        ] {
            assert!(is_private(ip.parse().unwrap()), "{ip}");
        }
        for ip in [
            "8.8.8.8",
            "2606:4700::1111",
            "104.16.0.1",
            "64:ff9b::808:808",
            "2002:0808:0808::1",
        ] {
            assert!(!is_private(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_and_made_canonical() {
        let ws = rule(&["*.worksection.com"], false);
        let err = ws
            .check("https://acme.example.com", "account_url")
            .await
            .unwrap_err();
        assert!(err.contains("not an allowed host"), "{err}");
        let public = rule(&["8.8.8.8"], false);
        let err = public
            .check("http://8.8.8.8", "account_url")
            .await
            .unwrap_err();
        assert!(err.contains("https"), "{err}");
        assert_eq!(
            public
                .check("https://8.8.8.8/x", "account_url")
                .await
                .unwrap()
                .as_str(),
            "https://8.8.8.8/"
        );
        let err = ws
            .check("https://u:p@acme.worksection.com", "account_url")
            .await
            .unwrap_err();
        assert!(err.contains("user name"), "{err}");
        let lo = rule(&["127.0.0.1", "*.localhost"], false);
        let err = lo
            .check("https://127.0.0.1:8443", "account_url")
            .await
            .unwrap_err();
        assert!(err.contains("private, loopback"), "{err}");
        let open = rule(&["127.0.0.1"], true);
        let url = open
            .check("http://127.0.0.1:9000/some/path?x=1", "account_url")
            .await
            .unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9000/");
    }
}
