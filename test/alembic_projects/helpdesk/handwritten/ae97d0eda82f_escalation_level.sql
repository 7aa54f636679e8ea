-- Escalation level
--
-- Revision ID: ae97d0eda82f
-- Revises: 8f6d4ef8aa38
-- Create Date: 2022-11-21 14:33:26.502218

-- Written by hand: the Python revision runs its UPDATE with a bound
-- parameter ({"level": URGENT_LEVEL}), which Alembic's offline mode drops
-- (it writes "%(level)s").  URGENT_LEVEL is 1.

-- +upgrade
ALTER TABLE tickets ADD COLUMN escalation_level SMALLINT DEFAULT '0' NOT NULL;
UPDATE tickets SET escalation_level = 1 WHERE priority = 'urgent' AND status <> 'closed';

-- +downgrade
ALTER TABLE tickets DROP COLUMN escalation_level;
