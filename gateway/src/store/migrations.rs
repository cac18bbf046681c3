//! The schema, as numbered migrations that run at start. One dialect serves SQLite and
//! PostgreSQL: TEXT ids, BIGINT unix seconds, TEXT for sealed values (base64).
//!
//! A migration that fails stops the process with its reason (fail closed), and a
//! database newer than this binary is refused rather than half-understood.

/// (version, name, statements separated by `;`).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "tenants, members, data keys, connections, tokens, policies",
        "
    CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        slug TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        status TEXT NOT NULL,
        tier TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE members (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        email TEXT NOT NULL,
        role TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        UNIQUE (tenant_id, email)
    );
    CREATE TABLE data_keys (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        master_key_id TEXT NOT NULL,
        wrapped TEXT NOT NULL,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE connections (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        member_id TEXT REFERENCES members(id) ON DELETE CASCADE,
        connector TEXT NOT NULL,
        label TEXT NOT NULL,
        credentials TEXT NOT NULL,
        status TEXT NOT NULL,
        last_error TEXT,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL
    );
    CREATE INDEX connections_by_tenant ON connections (tenant_id, connector);
    CREATE TABLE api_tokens (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        member_id TEXT REFERENCES members(id) ON DELETE CASCADE,
        token_sha256 TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT,
        revoked_at BIGINT
    );
    CREATE TABLE policies (
        tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        read_only INTEGER NOT NULL,
        enabled_connectors TEXT,
        disabled_tools TEXT NOT NULL
    )
    ",
    ),
    (
        2,
        "OTP challenges, one-time connect links, connection versions",
        "
    CREATE TABLE otp_challenges (
        id TEXT PRIMARY KEY,
        purpose TEXT NOT NULL,
        email TEXT NOT NULL,
        tenant_id TEXT REFERENCES tenants(id) ON DELETE CASCADE,
        code_mac TEXT NOT NULL,
        client_key TEXT NOT NULL,
        attempts BIGINT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        consumed_at BIGINT
    );
    CREATE INDEX otp_by_email ON otp_challenges (email, created_at);
    CREATE INDEX otp_by_client ON otp_challenges (client_key, created_at);
    CREATE TABLE connect_links (
        id TEXT PRIMARY KEY,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        member_id TEXT REFERENCES members(id) ON DELETE CASCADE,
        connector TEXT NOT NULL,
        oauth_nonce TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
    );
    CREATE INDEX links_by_tenant ON connect_links (tenant_id, connector);
    ALTER TABLE connections ADD COLUMN version BIGINT NOT NULL DEFAULT 1
    ",
    ),
    (
        3,
        "refresh leases on connections",
        "
    ALTER TABLE connections ADD COLUMN refresh_owner TEXT;
    ALTER TABLE connections ADD COLUMN refresh_lease_until BIGINT NOT NULL DEFAULT 0
    ",
    ),
    (
        4,
        "the OAuth authorization server: clients, requests, sessions, codes, refresh tokens",
        "
    CREATE TABLE oauth_clients (
        client_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        name TEXT NOT NULL,
        redirect_uris TEXT NOT NULL,
        auth_method TEXT NOT NULL,
        secret_sha256 TEXT,
        created_at BIGINT NOT NULL,
        fetched_at BIGINT
    );
    CREATE TABLE oauth_requests (
        id TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        state TEXT,
        code_challenge TEXT NOT NULL,
        resource TEXT NOT NULL,
        scopes TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE oauth_sessions (
        id_sha256 TEXT PRIMARY KEY,
        email TEXT,
        pending_email TEXT,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
    );
    CREATE TABLE oauth_codes (
        code_sha256 TEXT PRIMARY KEY,
        client_id TEXT NOT NULL,
        redirect_uri TEXT NOT NULL,
        code_challenge TEXT NOT NULL,
        resource TEXT NOT NULL,
        scopes TEXT NOT NULL,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        family_id TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        used_at BIGINT
    );
    CREATE TABLE oauth_refresh_tokens (
        token_sha256 TEXT PRIMARY KEY,
        family_id TEXT NOT NULL,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        member_id TEXT NOT NULL REFERENCES members(id) ON DELETE CASCADE,
        client_id TEXT NOT NULL,
        scopes TEXT NOT NULL,
        resource TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        expires_at BIGINT NOT NULL,
        rotated_at BIGINT,
        revoked_at BIGINT
    );
    CREATE INDEX refresh_by_family ON oauth_refresh_tokens (family_id);
    CREATE TABLE oauth_revoked_families (
        family_id TEXT PRIMARY KEY,
        revoked_at BIGINT NOT NULL
    );
    ALTER TABLE api_tokens ADD COLUMN client_id TEXT;
    ALTER TABLE api_tokens ADD COLUMN resource TEXT;
    ALTER TABLE api_tokens ADD COLUMN family_id TEXT;
    CREATE INDEX tokens_by_family ON api_tokens (family_id)
    ",
    ),
    (
        5,
        "teams' own OIDC providers (SSO) and their sign-in states",
        "
    CREATE TABLE tenant_sso (
        tenant_id TEXT PRIMARY KEY REFERENCES tenants(id) ON DELETE CASCADE,
        issuer TEXT NOT NULL,
        client_id TEXT NOT NULL,
        client_secret TEXT NOT NULL,
        email_domain TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL
    );
    CREATE TABLE oauth_sso_states (
        id TEXT PRIMARY KEY,
        request_id TEXT NOT NULL,
        session_sha256 TEXT NOT NULL,
        tenant_id TEXT NOT NULL REFERENCES tenants(id) ON DELETE CASCADE,
        nonce TEXT NOT NULL,
        code_verifier TEXT NOT NULL,
        expires_at BIGINT NOT NULL
    )
    ",
    ),
    (
        6,
        "a shared counter for per-address limits",
        "
    CREATE TABLE rate_hits (
        key TEXT NOT NULL,
        at BIGINT NOT NULL
    );
    CREATE INDEX rate_hits_by_key ON rate_hits (key, at)
    ",
    ),
];
