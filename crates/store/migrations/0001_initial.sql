-- Sentral's initial schema: organisations, users, sessions, idempotent responses (R43) and the
-- interaction history (R44, R45).
--
-- Times are Unix milliseconds; ids are the engine's numbers; enums are stable lowercase text
-- (crates/store/src/names.rs). History tables have no foreign keys: they are a journal of what
-- the engine recorded, and a record must never be refused because an earlier one was lost.

CREATE TABLE organisations (
    slug TEXT PRIMARY KEY NOT NULL,
    name TEXT NOT NULL,
    -- The whole configuration, one TOML document; the server parses it.
    config_toml TEXT NOT NULL,
    config_version INTEGER NOT NULL
) STRICT;

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    org TEXT NOT NULL REFERENCES organisations (slug) ON DELETE CASCADE,
    username TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    -- An argon2 PHC string.
    password_hash TEXT NOT NULL,
    agent_id INTEGER,
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until_unix_ms INTEGER
) STRICT;

CREATE INDEX users_by_org ON users (org, username);

CREATE TABLE sessions (
    -- A hash of the bearer token; the token itself is never stored.
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_unix_ms INTEGER NOT NULL,
    expires_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX sessions_by_user ON sessions (user_id);
CREATE INDEX sessions_by_expiry ON sessions (expires_unix_ms);

CREATE TABLE idempotent_responses (
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    status INTEGER NOT NULL,
    body TEXT NOT NULL,
    created_unix_ms INTEGER NOT NULL,
    PRIMARY KEY (user_id, key)
) STRICT;

CREATE INDEX idempotent_responses_by_age ON idempotent_responses (created_unix_ms);

-- One row per interaction, updated as its records arrive.
CREATE TABLE interactions (
    org TEXT NOT NULL,
    id INTEGER NOT NULL,
    channel TEXT NOT NULL,
    -- A courtesy callback is created `inbound` and becomes `courtesy_callback`.
    kind TEXT NOT NULL,
    customer_number TEXT,
    -- Web callbacks only; set apart from the engine's records, which do not carry it.
    customer_name TEXT,
    dnis TEXT,
    -- The last queue it was in.
    queue INTEGER,
    -- The last state it was in.
    state TEXT,
    -- A JSON array of agent ids: every agent who owned or was consulted on it, in order.
    agents TEXT NOT NULL DEFAULT '[]',
    created_at_unix_ms INTEGER NOT NULL,
    connected_at_unix_ms INTEGER,
    -- NULL while the interaction is live.
    ended_at_unix_ms INTEGER,
    end_reason TEXT,
    PRIMARY KEY (org, id)
) STRICT;

CREATE INDEX interactions_by_queue ON interactions (org, queue, id);
CREATE INDEX interactions_by_creation ON interactions (org, created_at_unix_ms);
CREATE INDEX interactions_live ON interactions (org, id) WHERE ended_at_unix_ms IS NULL;

-- Every state change of every interaction; `seq` keeps the order they were written in.
CREATE TABLE interaction_states (
    seq INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    interaction INTEGER NOT NULL,
    state TEXT NOT NULL,
    agent INTEGER,
    queue INTEGER,
    at_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX interaction_states_by_interaction ON interaction_states (org, interaction, seq);
CREATE INDEX interaction_states_by_agent ON interaction_states (org, agent, interaction);

CREATE TABLE agent_states (
    seq INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent INTEGER NOT NULL,
    state TEXT NOT NULL,
    reason TEXT,
    at_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX agent_states_by_agent ON agent_states (org, agent, at_unix_ms);
CREATE INDEX agent_states_by_time ON agent_states (org, at_unix_ms);

-- Every saved version of an interaction's CAD values, secure ones included.
CREATE TABLE variables (
    org TEXT NOT NULL,
    interaction INTEGER NOT NULL,
    version INTEGER NOT NULL,
    -- A JSON object: name → value.
    values_json TEXT NOT NULL,
    agent INTEGER,
    PRIMARY KEY (org, interaction, version)
) STRICT;

CREATE TABLE wrapups (
    seq INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    interaction INTEGER NOT NULL,
    agent INTEGER NOT NULL,
    reason TEXT NOT NULL,
    at_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX wrapups_by_interaction ON wrapups (org, interaction, seq);

-- Every recording state change (on, paused, off) of an interaction.
CREATE TABLE recordings (
    seq INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    interaction INTEGER NOT NULL,
    state TEXT NOT NULL,
    resumes_at_unix_ms INTEGER,
    at_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX recordings_by_interaction ON recordings (org, interaction, seq);
