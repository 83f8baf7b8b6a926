-- An interaction's state change updates its row inside SQLite (issue 21): the history writer
-- used to send an INSERT into interaction_states and then this UPDATE as a second statement,
-- and each statement is a round trip to the SQLite worker thread (two thread wake-ups). A state
-- change is the most frequent record, so this halves the round trips of most of a batch.
-- What it does is what the writer's UPDATE did: the last state, the last queue, `kind` once a
-- courtesy callback is made, the first connection time, and each agent who owned the call,
-- dialled it or took a consult, once, in order.
CREATE TRIGGER interaction_states_update_interaction
AFTER INSERT ON interaction_states
BEGIN
    UPDATE interactions SET
        state = NEW.state,
        queue = COALESCE(NEW.queue, queue),
        kind = CASE WHEN NEW.state = 'courtesy_callback' THEN 'courtesy_callback' ELSE kind END,
        connected_at_unix_ms = CASE
            WHEN NEW.state = 'connected' THEN COALESCE(connected_at_unix_ms, NEW.at_unix_ms)
            ELSE connected_at_unix_ms END,
        agents = CASE
            WHEN NEW.agent IS NOT NULL
                 AND NEW.state IN ('connected', 'dialing', 'consult_accepted')
                 AND NOT EXISTS (SELECT 1 FROM json_each(agents) WHERE value = NEW.agent)
            THEN json_insert(agents, '$[#]', NEW.agent)
            ELSE agents END
    WHERE org = NEW.org AND id = NEW.interaction;
END;
