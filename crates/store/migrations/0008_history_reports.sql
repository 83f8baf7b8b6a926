-- The supervisor's history and reports (R44, issue 23).
--
-- Rollups of the wallboard's figures per queue (and per agent and queue) per quarter of an hour
-- (UTC; every time zone's hours are whole quarters of an hour), kept by the history writer from
-- the facts the server's wallboard fold produces as they happen, so that a month's report reads
-- a few thousand rows whatever the size of the history. Each column is a counter of the figure of
-- the same name in crates/server/src/wallboard.rs (`QueueDay`).

CREATE TABLE queue_rollups (
    org TEXT NOT NULL,
    queue INTEGER NOT NULL,
    -- The start of the quarter hour (Unix ms, a multiple of 900000).
    bucket_unix_ms INTEGER NOT NULL,
    offered INTEGER NOT NULL DEFAULT 0,
    answered INTEGER NOT NULL DEFAULT 0,
    answered_in_threshold INTEGER NOT NULL DEFAULT 0,
    -- The sum of the answered contacts' waits in the queue.
    answered_wait_ms_total INTEGER NOT NULL DEFAULT 0,
    abandoned INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    handle_ms_total INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org, queue, bucket_unix_ms)
) STRICT, WITHOUT ROWID;

-- The same counters of what one agent did for one queue: answered and handled.
CREATE TABLE agent_rollups (
    org TEXT NOT NULL,
    agent INTEGER NOT NULL,
    queue INTEGER NOT NULL,
    bucket_unix_ms INTEGER NOT NULL,
    answered INTEGER NOT NULL DEFAULT 0,
    answered_wait_ms_total INTEGER NOT NULL DEFAULT 0,
    handled INTEGER NOT NULL DEFAULT 0,
    handle_ms_total INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (org, bucket_unix_ms, agent, queue)
) STRICT, WITHOUT ROWID;

-- The history's search (GET /api/v1/interactions): by wrap-up reason and by channel.
CREATE INDEX wrapups_by_reason ON wrapups (org, reason, interaction);
CREATE INDEX interactions_by_channel ON interactions (org, channel, id);
-- A search's window of days: the first and last id created in it, read from this index alone.
CREATE INDEX interactions_by_creation_id ON interactions (org, created_at_unix_ms, id);
