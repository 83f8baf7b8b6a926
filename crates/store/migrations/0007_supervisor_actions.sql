-- A supervisor's action on an agent (R44): who set them Idle or logged them out, and why. The
-- agent's new state is in agent_states as usual.

CREATE TABLE supervisor_actions (
    seq INTEGER PRIMARY KEY,
    org TEXT NOT NULL,
    agent INTEGER NOT NULL,
    supervisor TEXT NOT NULL,
    action TEXT NOT NULL,
    reason TEXT,
    note TEXT NOT NULL,
    at_unix_ms INTEGER NOT NULL
) STRICT;

CREATE INDEX supervisor_actions_by_agent ON supervisor_actions (org, agent, at_unix_ms);
