-- pro plans get a trial
--
-- Revision ID: 6bf47d2caf82
-- Revises: eeea26e87555
-- Create Date: 2024-02-05 11:18:44.330276

-- Written by hand: the Python revision binds {"days": TRIAL_DAYS}; offline,
-- Alembic drops the parameter and writes "trial_days = NULL".  TRIAL_DAYS is 14.

-- +upgrade
UPDATE plans SET trial_days = 14 WHERE code LIKE 'pro%' AND trial_days = 0;
ALTER TABLE plans ADD CONSTRAINT ck_plans_trial_days_range CHECK (trial_days BETWEEN 0 AND 90);

-- +downgrade
ALTER TABLE plans DROP CONSTRAINT ck_plans_trial_days_range;
UPDATE plans SET trial_days = 0 WHERE code LIKE 'pro%';
