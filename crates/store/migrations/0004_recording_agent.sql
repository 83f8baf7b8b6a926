-- Who paused or resumed a recording (R31: compliance auditors ask for it); NULL when Sentral
-- changed it (start, Privacy Shield, end) and for every change written before this column.

ALTER TABLE recordings ADD COLUMN agent INTEGER;
