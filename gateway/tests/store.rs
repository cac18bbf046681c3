//! The store and vault on both backends: SQLite (a temp file) and PostgreSQL (the
//! server on 127.0.0.1:5432, one fresh database per test). Set
//! `SWITCHBOARD_TEST_POSTGRES` to point elsewhere.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "test code"
)]

use connector_core::{CredentialKind, Credentials, ExposeSecret};
use gateway::{
    store::{Role, Store, StoreError, TenantStatus},
    vault::{MasterKey, VaultError},
};
mod common;

const API_KEY: &str = "7776461cd931e7b1c8e9632ff8e979ce";

/// A fresh database, removed afterwards.
struct Db {
    url: String,
    pg: Option<common::PgDb>,
    _dir: tempfile::TempDir,
}

impl Db {
    async fn sqlite() -> Db {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("switchboard.db").display());
        Db {
            url,
            pg: None,
            _dir: dir,
        }
    }

    async fn postgres() -> Db {
        let pg = common::PgDb::new();
        Db {
            url: pg.url.clone(),
            pg: Some(pg),
            _dir: tempfile::tempdir().unwrap(),
        }
    }

    /// Everything the database holds, as bytes a person could read.
    fn raw_bytes(&self) -> Vec<u8> {
        match &self.pg {
            None => {
                let path = self.url.trim_start_matches("sqlite://");
                let mut bytes = std::fs::read(path).unwrap();
                // The write-ahead log holds recent pages too.
                bytes.extend(std::fs::read(format!("{path}-wal")).unwrap_or_default());
                bytes
            }
            Some(_) => {
                let out = std::process::Command::new("pg_dump")
                    .arg(&self.url)
                    .output()
                    .expect("pg_dump");
                assert!(
                    out.status.success(),
                    "pg_dump: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
                out.stdout
            }
        }
    }
}

async fn both() -> Vec<Db> {
    vec![Db::sqlite().await, Db::postgres().await]
}

fn api_key_credentials() -> Credentials {
    Credentials::new(CredentialKind::ApiKey)
        .with("account_url", "https://acme.worksection.com")
        .with("api_key", API_KEY)
}

#[tokio::test]
async fn teams_members_connections_and_isolation() {
    for db in both().await {
        let store = Store::open(&db.url, MasterKey::generate()).await.unwrap();
        let acme = store.create_tenant("acme", "Acme Ltd").await.unwrap();
        let globex = store.create_tenant("globex", "Globex").await.unwrap();
        assert!(
            matches!(store.create_tenant("acme", "again").await, Err(StoreError::Conflict(m)) if m.contains("acme"))
        );
        assert!(store.create_tenant("Not A Slug", "x").await.is_err());
        let owner = store
            .add_member(&acme.id, "Owner@Acme.example", Role::Owner)
            .await
            .unwrap();
        assert_eq!(owner.email, "owner@acme.example");
        assert!(
            store
                .add_member(&acme.id, "owner@acme.example", Role::Admin)
                .await
                .is_err()
        );
        store
            .add_member(&acme.id, "dev@acme.example", Role::Member)
            .await
            .unwrap();
        assert_eq!(store.members(&acme.id).await.unwrap().len(), 2);
        assert!(store.members(&globex.id).await.unwrap().is_empty());

        let a = store
            .add_connection(
                &acme.id,
                None,
                "worksection",
                "acme.worksection.com",
                &api_key_credentials(),
            )
            .await
            .unwrap();
        let mine = store
            .add_connection(
                &acme.id,
                Some(&owner.id),
                "worksection",
                "owner's own",
                &api_key_credentials(),
            )
            .await
            .unwrap();
        let g = store
            .add_connection(
                &globex.id,
                None,
                "worksection",
                "globex.worksection.com",
                &api_key_credentials().with("api_key", "globex-key"),
            )
            .await
            .unwrap();
        let listed = store.connections(&acme.id).await.unwrap();
        assert_eq!(listed.len(), 2);
        assert!(
            listed
                .iter()
                .any(|c| c.member_id.as_deref() == Some(owner.id.as_str()) && c.id == mine.id)
        );
        assert!(!listed.iter().any(|c| c.id == g.id));
        let creds = store.connection_credentials(&acme.id, &a.id).await.unwrap();
        assert_eq!(creds.get("api_key").unwrap().expose_secret(), API_KEY);
        assert_eq!(creds.kind(), Some(CredentialKind::ApiKey));
        // Another team's id, guessed or leaked, finds nothing, and learns nothing.
        let e = store
            .connection_credentials(&globex.id, &a.id)
            .await
            .unwrap_err();
        assert!(
            matches!(&e, StoreError::NotFound(m) if !m.contains("acme")),
            "{e}"
        );
        assert!(store.remove_connection(&globex.id, &a.id).await.is_err());
        store.remove_connection(&acme.id, &a.id).await.unwrap();
        assert_eq!(store.connections(&acme.id).await.unwrap().len(), 1);
        assert_eq!(store.tenants().await.unwrap().len(), 2);
        // Removing a member takes their own connection and tokens with them.
        let (_, dev_token) = store
            .issue_token(&acme.id, Some(&owner.id), "x", &[])
            .await
            .unwrap();
        store
            .set_tenant_status(&acme.id, TenantStatus::Active)
            .await
            .unwrap();
        assert!(store.verify_token(&dev_token).await.unwrap().is_some());
        store
            .remove_member(&acme.id, "OWNER@acme.example")
            .await
            .unwrap();
        assert!(store.verify_token(&dev_token).await.unwrap().is_none());
        assert!(
            !store
                .connections(&acme.id)
                .await
                .unwrap()
                .iter()
                .any(|c| c.id == mine.id)
        );
        assert!(
            store
                .remove_member(&globex.id, "dev@acme.example")
                .await
                .is_err(),
            "another team's member"
        );
        // Policies: everything allowed until set; a set policy reads back, per team.
        assert_eq!(
            store.policy(&acme.id).await.unwrap(),
            gateway::store::Policy::default()
        );
        let policy = gateway::store::Policy {
            read_only: true,
            enabled_connectors: Some(vec!["worksection".into()]),
            disabled_tools: vec!["worksection_delete_cost".into()],
        };
        store.set_policy(&acme.id, &policy).await.unwrap();
        assert_eq!(store.policy(&acme.id).await.unwrap(), policy);
        assert_eq!(
            store.policy(&globex.id).await.unwrap(),
            gateway::store::Policy::default()
        );
        assert_eq!(store.tenant_by_slug("globex").await.unwrap().id, globex.id);
    }
}

#[tokio::test]
async fn credentials_are_sealed_at_rest_and_bound_to_their_row() {
    for db in both().await {
        let store = Store::open(&db.url, MasterKey::generate()).await.unwrap();
        let acme = store.create_tenant("acme", "Acme").await.unwrap();
        let globex = store.create_tenant("globex", "Globex").await.unwrap();
        let a1 = store
            .add_connection(&acme.id, None, "worksection", "one", &api_key_credentials())
            .await
            .unwrap();
        let a2 = store
            .add_connection(
                &acme.id,
                None,
                "worksection",
                "two",
                &api_key_credentials().with("api_key", "second-key-value"),
            )
            .await
            .unwrap();
        let g = store
            .add_connection(
                &globex.id,
                None,
                "worksection",
                "g",
                &api_key_credentials().with("api_key", "globex-key-value"),
            )
            .await
            .unwrap();
        let raw = db.raw_bytes();
        let text = String::from_utf8_lossy(&raw);
        assert!(
            !text.contains(API_KEY),
            "the API key is in the database in plaintext"
        );
        assert!(!text.contains("second-key-value") && !text.contains("globex-key-value"));

        let sealed = |id: &str| {
            let id = id.to_owned();
            let pool = store.pool().clone();
            async move {
                let row: (String,) =
                    sqlx::query_as("SELECT credentials FROM connections WHERE id = $1")
                        .bind(id)
                        .fetch_one(&pool)
                        .await
                        .unwrap();
                row.0
            }
        };
        let put = |id: &str, value: String| {
            let id = id.to_owned();
            let pool = store.pool().clone();
            async move {
                sqlx::query("UPDATE connections SET credentials = $1 WHERE id = $2")
                    .bind(value)
                    .bind(id)
                    .execute(&pool)
                    .await
                    .unwrap();
            }
        };
        // Copied to another connection of the same team: refused.
        let original_a2 = sealed(&a2.id).await;
        put(&a2.id, sealed(&a1.id).await).await;
        assert!(matches!(
            store.connection_credentials(&acme.id, &a2.id).await,
            Err(StoreError::Vault(VaultError::Tampered { .. }))
        ));
        put(&a2.id, original_a2).await;
        assert_eq!(
            store
                .connection_credentials(&acme.id, &a2.id)
                .await
                .unwrap()
                .get("api_key")
                .unwrap()
                .expose_secret(),
            "second-key-value"
        );
        // Copied to another team's row: refused (its data key is not that team's).
        put(&g.id, sealed(&a1.id).await).await;
        assert!(matches!(
            store.connection_credentials(&globex.id, &g.id).await,
            Err(StoreError::Vault(_))
        ));
        // One flipped character in the sealed value: refused.
        let s = sealed(&a1.id).await;
        let mut chars: Vec<char> = s.chars().collect();
        let i = chars.len() - 5;
        chars[i] = if chars[i] == 'A' { 'B' } else { 'A' };
        put(&a1.id, chars.into_iter().collect()).await;
        assert!(matches!(
            store.connection_credentials(&acme.id, &a1.id).await,
            Err(StoreError::Vault(_))
        ));
    }
}

#[tokio::test]
async fn master_key_rotation_keeps_everything_readable_and_retires_the_old_key() {
    for db in both().await {
        let old = MasterKey::generate();
        let old_b64 = old.to_base64();
        let store = Store::open(&db.url, old).await.unwrap();
        let acme = store.create_tenant("acme", "Acme").await.unwrap();
        let globex = store.create_tenant("globex", "Globex").await.unwrap();
        let a = store
            .add_connection(&acme.id, None, "worksection", "a", &api_key_credentials())
            .await
            .unwrap();
        let g = store
            .add_connection(&globex.id, None, "worksection", "g", &api_key_credentials())
            .await
            .unwrap();
        let before: Vec<(String,)> =
            sqlx::query_as("SELECT credentials FROM connections ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        let new = MasterKey::generate();
        let new_b64 = new.to_base64();
        assert_eq!(store.rotate_master_key(new).await.unwrap(), 2);
        assert_eq!(
            store.master_key_id(),
            MasterKey::from_base64(&new_b64, "new").unwrap().id()
        );
        let after: Vec<(String,)> =
            sqlx::query_as("SELECT credentials FROM connections ORDER BY id")
                .fetch_all(store.pool())
                .await
                .unwrap();
        assert_eq!(before, after, "rotation re-wraps data keys only");
        // The running server keeps serving through the rotation.
        let creds = store.connection_credentials(&acme.id, &a.id).await.unwrap();
        assert_eq!(creds.get("api_key").unwrap().expose_secret(), API_KEY);
        // A team created after the rotation gets a data key under the new master key.
        let initech = store.create_tenant("initech", "Initech").await.unwrap();
        let i = store
            .add_connection(
                &initech.id,
                None,
                "worksection",
                "i",
                &api_key_credentials(),
            )
            .await
            .unwrap();
        drop(store);

        let with_new = Store::open(&db.url, MasterKey::from_base64(&new_b64, "new").unwrap())
            .await
            .unwrap();
        assert_eq!(
            with_new
                .connection_credentials(&acme.id, &a.id)
                .await
                .unwrap()
                .get("api_key")
                .unwrap()
                .expose_secret(),
            API_KEY
        );
        assert_eq!(
            with_new
                .connection_credentials(&globex.id, &g.id)
                .await
                .unwrap()
                .get("api_key")
                .unwrap()
                .expose_secret(),
            API_KEY
        );
        let creds = with_new
            .connection_credentials(&initech.id, &i.id)
            .await
            .unwrap();
        assert_eq!(
            creds.get("api_key").unwrap().expose_secret(),
            API_KEY,
            "the new team's key is under the new master key"
        );
        drop(with_new);
        // The old key alone opens nothing: the store refuses to start with it.
        let e = Store::open(&db.url, MasterKey::from_base64(&old_b64, "old").unwrap())
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Vault(VaultError::WrongMasterKey { .. })),
            "{e}"
        );
    }
}

#[tokio::test]
async fn tokens_are_stored_hashed_and_honour_team_status_and_revocation() {
    for db in both().await {
        let store = Store::open(&db.url, MasterKey::generate()).await.unwrap();
        let acme = store.create_tenant("acme", "Acme").await.unwrap();
        let owner = store
            .add_member(&acme.id, "owner@acme.example", Role::Owner)
            .await
            .unwrap();
        let (token_id, token) = store
            .issue_token(
                &acme.id,
                Some(&owner.id),
                "laptop",
                &["worksection:read".into()],
            )
            .await
            .unwrap();
        assert!(
            !String::from_utf8_lossy(&db.raw_bytes()).contains(&token),
            "the token is stored in plaintext"
        );
        // A pending team's tokens do not work yet.
        assert_eq!(store.verify_token(&token).await.unwrap(), None);
        store
            .set_tenant_status(&acme.id, TenantStatus::Active)
            .await
            .unwrap();
        let grant = store.verify_token(&token).await.unwrap().unwrap();
        assert_eq!(grant.tenant_id, acme.id);
        assert_eq!(grant.member_id.as_deref(), Some(owner.id.as_str()));
        assert_eq!(grant.scopes, ["worksection:read"]);
        assert_eq!(store.verify_token("sb_not_a_token").await.unwrap(), None);
        store
            .set_tenant_status(&acme.id, TenantStatus::Suspended)
            .await
            .unwrap();
        assert_eq!(store.verify_token(&token).await.unwrap(), None);
        store
            .set_tenant_status(&acme.id, TenantStatus::Active)
            .await
            .unwrap();
        store.revoke_token(&acme.id, &token_id).await.unwrap();
        assert_eq!(store.verify_token(&token).await.unwrap(), None);
        assert!(store.revoke_token(&acme.id, &token_id).await.is_err());
    }
}

#[tokio::test]
async fn migrations_run_once_and_a_newer_schema_is_refused() {
    for db in both().await {
        let key = MasterKey::generate();
        let b64 = key.to_base64();
        let store = Store::open(&db.url, key).await.unwrap();
        store.create_tenant("acme", "Acme").await.unwrap();
        drop(store);
        // Reopening keeps the data and applies nothing twice.
        let store = Store::open(&db.url, MasterKey::from_base64(&b64, "k").unwrap())
            .await
            .unwrap();
        assert_eq!(store.tenants().await.unwrap().len(), 1);
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (99, 'from the future', 0)").execute(store.pool()).await.unwrap();
        drop(store);
        let e = Store::open(&db.url, MasterKey::generate())
            .await
            .unwrap_err();
        assert!(matches!(e, StoreError::TooNew { found: 99, .. }), "{e}");
        assert!(e.to_string().contains("newer"), "{e}");
    }
}
