-- The callback attempt a state change belongs to (R40, R45): set on a callback's `dialing`
-- (attempt n starts) and `retry_wait` (attempt n was not answered); NULL for everything else.

ALTER TABLE interaction_states ADD COLUMN attempt INTEGER;
