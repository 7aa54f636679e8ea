-- add categories
--
-- Revision ID: 36f681e74ef5
-- Revises: e8e20ed90475
-- Create Date: 2023-06-01 10:12:33.480925

-- Written by hand: the Python revision moves posts to "Uncategorized"
-- through an ORM Session on op.get_bind(), which has no offline SQL.

-- +upgrade
CREATE TABLE categories (
    id SERIAL NOT NULL,
    name VARCHAR(80) NOT NULL,
    slug VARCHAR(80) NOT NULL,
    description TEXT,
    PRIMARY KEY (id),
    CONSTRAINT uq_categories_slug UNIQUE (slug)
);
ALTER TABLE posts ADD COLUMN category_id INTEGER;
ALTER TABLE posts ADD CONSTRAINT fk_posts_category_id_categories FOREIGN KEY(category_id) REFERENCES categories (id) ON DELETE SET NULL;
INSERT INTO categories (name, slug) VALUES ('Uncategorized', 'uncategorized');
UPDATE posts
   SET category_id = (SELECT id FROM categories WHERE slug = 'uncategorized')
 WHERE category_id IS NULL;

-- +downgrade
ALTER TABLE posts DROP CONSTRAINT fk_posts_category_id_categories;
ALTER TABLE posts DROP COLUMN category_id;
DROP TABLE categories;
