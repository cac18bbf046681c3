//! The credential vault's cryptography: AES-256-GCM envelope encryption.
//!
//! A master key (from `SWITCHBOARD_MASTER_KEY` or a key file) wraps one data key per
//! tenant. Data keys seal credentials. Every sealed value names the data key that sealed it
//! and is bound, as associated data, to its tenant and connection, so a ciphertext
//! copied to another row does not open. Rotating the master key re-wraps the data keys
//! and leaves every sealed credential as it is.
//!
//! It must never log, print or return a key or a plaintext in an error.

use std::{fmt, path::Path};

use aes_gcm::{
    Aes256Gcm, KeyInit, Nonce,
    aead::{Aead, Payload},
};
use base64::{Engine, engine::general_purpose::STANDARD as B64};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// The environment variable holding the master key (base64 of 32 bytes).
pub const MASTER_KEY_ENV: &str = "SWITCHBOARD_MASTER_KEY";

/// Why a vault operation failed. Messages name the setting and the fix, never a secret.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum VaultError {
    #[error(
        "{source_name} is not a master key: {why}; give the base64 of 32 random bytes (`openssl rand -base64 32`)"
    )]
    BadMasterKey { source_name: String, why: String },
    #[error("the key file {path} cannot be used: {why}")]
    KeyFile { path: String, why: String },
    #[error(
        "data key {key_id} is wrapped by master key {wrapped_by}, but the loaded master key is {loaded}; start with the key it was wrapped with, or finish `switchboard keys rotate`"
    )]
    WrongMasterKey {
        key_id: String,
        wrapped_by: String,
        loaded: String,
    },
    #[error(
        "a sealed value failed its integrity check ({what}): it was altered, or it belongs to another tenant or connection"
    )]
    Tampered { what: String },
    #[error("a sealed value is malformed ({what})")]
    Malformed { what: String },
}

/// The master key: wraps and unwraps data keys. `Debug` shows only its id.
pub struct MasterKey {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MasterKey({})", self.id)
    }
}

fn key_id(key: &[u8; 32], label: &str) -> String {
    // A fingerprint, not the key: the first 8 bytes of a labelled SHA-256.
    let digest = Sha256::new()
        .chain_update(label.as_bytes())
        .chain_update(key)
        .finalize();
    hex::encode(&digest[..8])
}

fn cipher(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

fn seal_raw(key: &[u8; 32], plaintext: &[u8], aad: &[u8]) -> Result<String, VaultError> {
    let nonce: [u8; 12] = rand::random();
    let ct = cipher(key)
        .encrypt(
            Nonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::Malformed {
            what: "encryption failed".into(),
        })?;
    let mut blob = nonce.to_vec();
    blob.extend_from_slice(&ct);
    Ok(B64.encode(blob))
}

fn open_raw(
    key: &[u8; 32],
    sealed: &str,
    aad: &[u8],
    what: &str,
) -> Result<Zeroizing<Vec<u8>>, VaultError> {
    let blob = B64.decode(sealed).map_err(|_| VaultError::Malformed {
        what: format!("{what}: not base64"),
    })?;
    if blob.len() < 12 + 16 {
        return Err(VaultError::Malformed {
            what: format!("{what}: too short"),
        });
    }
    let (nonce, ct) = blob.split_at(12);
    cipher(key)
        .decrypt(Nonce::from_slice(nonce), Payload { msg: ct, aad })
        .map(Zeroizing::new)
        .map_err(|_| VaultError::Tampered {
            what: what.to_owned(),
        })
}

impl MasterKey {
    fn from_bytes(bytes: &[u8], source_name: &str) -> Result<Self, VaultError> {
        let key: [u8; 32] = bytes.try_into().map_err(|_| VaultError::BadMasterKey {
            source_name: source_name.to_owned(),
            why: format!("it decodes to {} bytes, not 32", bytes.len()),
        })?;
        Ok(MasterKey {
            id: key_id(&key, "switchboard master key"),
            key: Zeroizing::new(key),
        })
    }

    /// Parses the base64 form (`SWITCHBOARD_MASTER_KEY`, or a key file's content).
    pub fn from_base64(text: &str, source_name: &str) -> Result<Self, VaultError> {
        let bytes =
            Zeroizing::new(
                B64.decode(text.trim())
                    .map_err(|_| VaultError::BadMasterKey {
                        source_name: source_name.to_owned(),
                        why: "it is not valid base64".into(),
                    })?,
            );
        Self::from_bytes(&bytes, source_name)
    }

    /// A new random key.
    pub fn generate() -> Self {
        let key: [u8; 32] = rand::random();
        MasterKey {
            id: key_id(&key, "switchboard master key"),
            key: Zeroizing::new(key),
        }
    }

    /// The base64 form, for writing a key file.
    pub fn to_base64(&self) -> Zeroizing<String> {
        Zeroizing::new(B64.encode(*self.key))
    }

    /// Reads a key file, refusing one that others can read.
    pub fn read_file(path: &Path) -> Result<Self, VaultError> {
        let shown = path.display().to_string();
        let bad = |why: String| VaultError::KeyFile {
            path: shown.clone(),
            why,
        };
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(path)
                .map_err(|e| bad(e.to_string()))?
                .permissions()
                .mode();
            if mode & 0o077 != 0 {
                return Err(bad(format!(
                    "its mode is {:o}; others may read it: chmod 600 it",
                    mode & 0o777
                )));
            }
        }
        let text = Zeroizing::new(std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?);
        Self::from_base64(&text, &format!("the key file {shown}"))
    }

    /// Reads the key file, or creates it (mode 0600) with a new key. Returns whether it
    /// was created, so the caller can warn that the key must be kept.
    pub fn read_or_create_file(path: &Path) -> Result<(Self, bool), VaultError> {
        if path.exists() {
            return Self::read_file(path).map(|k| (k, false));
        }
        let shown = path.display().to_string();
        let bad = |why: String| VaultError::KeyFile {
            path: shown.clone(),
            why,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| bad(e.to_string()))?;
        }
        let key = Self::generate();
        // Written whole and synced under a temporary name, then linked into place: a
        // crash leaves no half-written key, and of two processes starting together only
        // one key wins (the link fails if the file exists) and the other reads it.
        let temp = path.with_extension(format!("tmp-{}", hex::encode(rand::random::<[u8; 6]>())));
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let written = (|| {
            let mut f = opts.open(&temp)?;
            std::io::Write::write_all(&mut f, key.to_base64().as_bytes())?;
            f.sync_all()?;
            std::fs::hard_link(&temp, path)
        })();
        let _ = std::fs::remove_file(&temp);
        match written {
            Ok(()) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty())
                    && let Ok(d) = std::fs::File::open(dir)
                {
                    let _ = d.sync_all();
                }
                Ok((key, true))
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                Self::read_file(path).map(|k| (k, false))
            }
            Err(e) => Err(bad(e.to_string())),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// A key for `purpose` (signing connect links, OTP codes), derived from the master
    /// key: every replica holding the master key derives the same one, and nothing
    /// derived is stored.
    pub fn derive(&self, purpose: &str) -> Zeroizing<[u8; 32]> {
        use hmac::Mac;
        let mut mac = <hmac::Hmac<sha2::Sha256> as hmac::Mac>::new_from_slice(self.key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
        mac.update(b"switchboard/derive/v1|");
        mac.update(purpose.as_bytes());
        Zeroizing::new(mac.finalize().into_bytes().into())
    }

    /// Wraps a tenant's data key.
    pub fn wrap(&self, dek: &DataKey, tenant_id: &str) -> Result<WrappedKey, VaultError> {
        let aad = format!("switchboard/dek/v1|{tenant_id}|{}", dek.id);
        Ok(WrappedKey {
            master_key_id: self.id.clone(),
            data_key_id: dek.id.clone(),
            blob: seal_raw(&self.key, dek.key.as_ref(), aad.as_bytes())?,
        })
    }

    /// Unwraps a tenant's data key.
    pub fn unwrap(&self, wrapped: &WrappedKey, tenant_id: &str) -> Result<DataKey, VaultError> {
        if wrapped.master_key_id != self.id {
            return Err(VaultError::WrongMasterKey {
                key_id: wrapped.data_key_id.clone(),
                wrapped_by: wrapped.master_key_id.clone(),
                loaded: self.id.clone(),
            });
        }
        let aad = format!("switchboard/dek/v1|{tenant_id}|{}", wrapped.data_key_id);
        let bytes = open_raw(&self.key, &wrapped.blob, aad.as_bytes(), "data key")?;
        let key: [u8; 32] = bytes
            .as_slice()
            .try_into()
            .map_err(|_| VaultError::Malformed {
                what: "data key length".into(),
            })?;
        Ok(DataKey {
            id: wrapped.data_key_id.clone(),
            key: Zeroizing::new(key),
        })
    }

    /// Re-wraps a data key under `new` (key rotation); the sealed credentials stay as they are.
    pub fn rewrap(
        &self,
        wrapped: &WrappedKey,
        tenant_id: &str,
        new: &MasterKey,
    ) -> Result<WrappedKey, VaultError> {
        new.wrap(&self.unwrap(wrapped, tenant_id)?, tenant_id)
    }
}

/// A data key as stored: which master key wrapped it, and the wrapped bytes (base64).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrappedKey {
    pub master_key_id: String,
    pub data_key_id: String,
    pub blob: String,
}

/// A tenant's data key, unwrapped. `Debug` shows only its id.
pub struct DataKey {
    id: String,
    key: Zeroizing<[u8; 32]>,
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DataKey({})", self.id)
    }
}

/// What a sealed credential is bound to: opening it anywhere else fails.
#[derive(Debug, Clone, Copy)]
pub struct Binding<'a> {
    pub tenant_id: &'a str,
    pub connection_id: &'a str,
}

impl Binding<'_> {
    fn aad(&self, key_id: &str) -> String {
        format!(
            "switchboard/credential/v1|{}|{}|{key_id}",
            self.tenant_id, self.connection_id
        )
    }
}

impl DataKey {
    pub fn generate() -> Self {
        let key: [u8; 32] = rand::random();
        DataKey {
            id: hex::encode(rand::random::<[u8; 8]>()),
            key: Zeroizing::new(key),
        }
    }

    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plaintext` as `v1.<data key id>.<base64 nonce+ciphertext>`.
    pub fn seal(&self, plaintext: &[u8], binding: Binding<'_>) -> Result<String, VaultError> {
        Ok(format!(
            "v1.{}.{}",
            self.id,
            seal_raw(&self.key, plaintext, binding.aad(&self.id).as_bytes())?
        ))
    }

    /// Opens a value this key sealed for `binding`.
    pub fn open(
        &self,
        sealed: &str,
        binding: Binding<'_>,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        let (key_id, body) = parse_sealed(sealed)?;
        if key_id != self.id {
            return Err(VaultError::Malformed {
                what: format!("sealed by data key {key_id}, not {}", self.id),
            });
        }
        open_raw(
            &self.key,
            body,
            binding.aad(key_id).as_bytes(),
            "credential",
        )
    }
}

/// The data key id a sealed value names, to find the key that opens it.
pub fn sealed_key_id(sealed: &str) -> Result<&str, VaultError> {
    parse_sealed(sealed).map(|(id, _)| id)
}

fn parse_sealed(sealed: &str) -> Result<(&str, &str), VaultError> {
    let mut parts = sealed.splitn(3, '.');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(id), Some(body)) if !id.is_empty() => Ok((id, body)),
        _ => Err(VaultError::Malformed {
            what: "not a v1 sealed value".into(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const API_KEY: &[u8] = b"7776461cd931e7b1c8e9632ff8e979ce";

    fn b(tenant: &'static str, connection: &'static str) -> Binding<'static> {
        Binding {
            tenant_id: tenant,
            connection_id: connection,
        }
    }

    #[test]
    fn sealed_credentials_open_only_where_they_belong() {
        let dek = DataKey::generate();
        let sealed = dek.seal(API_KEY, b("t1", "c1")).unwrap();
        assert!(!sealed.contains("7776461cd931"));
        assert_eq!(
            dek.open(&sealed, b("t1", "c1")).unwrap().as_slice(),
            API_KEY
        );
        // Moved to another connection or tenant: refused.
        assert!(matches!(
            dek.open(&sealed, b("t1", "c2")),
            Err(VaultError::Tampered { .. })
        ));
        assert!(matches!(
            dek.open(&sealed, b("t2", "c1")),
            Err(VaultError::Tampered { .. })
        ));
        // One flipped byte anywhere in the ciphertext: refused.
        let (prefix, body) = sealed.rsplit_once('.').unwrap();
        let mut raw = B64.decode(body).unwrap();
        for i in [0, 12, raw.len() - 1] {
            raw[i] ^= 0x01;
            let bad = format!("{prefix}.{}", B64.encode(&raw));
            assert!(
                dek.open(&bad, b("t1", "c1")).is_err(),
                "flip at {i} went unnoticed"
            );
            raw[i] ^= 0x01;
        }
        // Another tenant's key cannot open it either.
        assert!(DataKey::generate().open(&sealed, b("t1", "c1")).is_err());
    }

    #[test]
    fn rotation_rewraps_data_keys_and_the_old_master_key_is_no_longer_needed() {
        let old = MasterKey::generate();
        let new = MasterKey::generate();
        let dek = DataKey::generate();
        let wrapped = old.wrap(&dek, "t1").unwrap();
        let sealed = dek.seal(API_KEY, b("t1", "c1")).unwrap();
        let rewrapped = old.rewrap(&wrapped, "t1", &new).unwrap();
        assert_eq!(rewrapped.master_key_id, new.id());
        assert_eq!(rewrapped.data_key_id, dek.id());
        let reopened = new.unwrap(&rewrapped, "t1").unwrap();
        assert_eq!(
            reopened.open(&sealed, b("t1", "c1")).unwrap().as_slice(),
            API_KEY,
            "ciphertexts unchanged"
        );
        assert!(matches!(
            old.unwrap(&rewrapped, "t1"),
            Err(VaultError::WrongMasterKey { .. })
        ));
        // A wrapped key moved to another tenant does not unwrap.
        assert!(matches!(
            new.unwrap(&rewrapped, "t2"),
            Err(VaultError::Tampered { .. })
        ));
    }

    #[test]
    fn master_keys_load_with_errors_that_name_the_source() {
        let k = MasterKey::generate();
        let again = MasterKey::from_base64(&k.to_base64(), MASTER_KEY_ENV).unwrap();
        assert_eq!(again.id(), k.id());
        let e = MasterKey::from_base64("c2hvcnQ=", MASTER_KEY_ENV)
            .unwrap_err()
            .to_string();
        assert!(e.contains(MASTER_KEY_ENV) && e.contains("32"), "{e}");
        let e = MasterKey::from_base64("%%%", MASTER_KEY_ENV)
            .unwrap_err()
            .to_string();
        assert!(e.contains("base64"), "{e}");
        assert!(!format!("{k:?}").contains(k.to_base64().as_str()));
    }

    #[cfg(unix)]
    #[test]
    fn key_files_are_created_owner_only_and_refused_when_readable_by_others() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/master.key");
        let (k, created) = MasterKey::read_or_create_file(&path).unwrap();
        assert!(created);
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        let (again, created) = MasterKey::read_or_create_file(&path).unwrap();
        assert!(!created);
        assert_eq!(again.id(), k.id());
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let e = MasterKey::read_file(&path).unwrap_err().to_string();
        assert!(e.contains("chmod 600"), "{e}");
    }
}
