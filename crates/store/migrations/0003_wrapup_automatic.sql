-- Whether a wrap-up was submitted by the organisation's automatic wrap-up (R36) rather than by
-- the agent; 0 for every wrap-up written before the option existed.

ALTER TABLE wrapups ADD COLUMN automatic INTEGER NOT NULL DEFAULT 0;
