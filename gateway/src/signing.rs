//! HMAC-SHA256 signatures for values handed out and taken back: connect links, the
//! upstream OAuth `state`, OTP codes. The key is derived from the master key
//! ([`crate::vault::MasterKey::derive`]), so every replica signs and checks alike.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

/// Signs and checks values for one purpose.
pub struct Signer {
    key: Zeroizing<[u8; 32]>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(**REDACTED**)")
    }
}

impl Signer {
    pub fn new(key: Zeroizing<[u8; 32]>) -> Self {
        Signer { key }
    }

    fn mac(&self, value: &str) -> Hmac<Sha256> {
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(value.as_bytes());
        mac
    }

    /// The signature of `value`, URL-safe base64.
    pub fn signature(&self, value: &str) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(value).finalize().into_bytes())
    }

    /// `value.signature`. `value` must not contain `.`.
    pub fn sign(&self, value: &str) -> String {
        format!("{value}.{}", self.signature(value))
    }

    /// The value of a `value.signature` token whose signature is right (checked in
    /// constant time), else `None`.
    pub fn verify<'t>(&self, token: &'t str) -> Option<&'t str> {
        let (value, signature) = token.rsplit_once('.')?;
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        self.mac(value).verify_slice(&signature).ok()?;
        Some(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_tampering_fails() {
        let s = Signer::new(Zeroizing::new([7; 32]));
        let token = s.sign("link_abc");
        assert_eq!(s.verify(&token), Some("link_abc"));
        assert_eq!(s.verify(&token.replace("abc", "abd")), None);
        assert_eq!(s.verify("link_abc"), None);
        let other = Signer::new(Zeroizing::new([8; 32]));
        assert_eq!(other.verify(&token), None);
    }
}
