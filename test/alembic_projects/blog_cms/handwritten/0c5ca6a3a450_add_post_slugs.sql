-- add post slugs
--
-- Revision ID: 0c5ca6a3a450
-- Revises: 6513269e0d37
-- Create Date: 2023-03-02 14:48:05.117093

-- Written by hand: the Python revision reads every post (op.get_bind()),
-- slugifies the title in Python and writes each row back, which Alembic
-- cannot render offline.  The same backfill in SQL ("<slug>-<id>").

-- +upgrade
ALTER TABLE posts ADD COLUMN slug VARCHAR(220);
UPDATE posts
   SET slug = coalesce(nullif(btrim(regexp_replace(lower(title), '[^a-z0-9]+', '-', 'g'), '-'), ''), 'post')
              || '-' || id;
ALTER TABLE posts ALTER COLUMN slug SET NOT NULL;
ALTER TABLE posts ADD CONSTRAINT uq_posts_slug UNIQUE (slug);

-- +downgrade
ALTER TABLE posts DROP CONSTRAINT uq_posts_slug;
ALTER TABLE posts DROP COLUMN slug;
