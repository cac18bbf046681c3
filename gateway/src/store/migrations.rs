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
];
