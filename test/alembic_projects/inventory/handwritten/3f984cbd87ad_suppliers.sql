-- suppliers
--
-- Revision ID: 3f984cbd87ad
-- Revises: 5c907403e430
-- Create Date: 2022-02-07 16:51:13.020734

-- Written by hand: the Python revision gives products without a supplier
-- an "Unknown supplier" through an ORM Session, which has no offline SQL.

-- +upgrade
CREATE TABLE suppliers (
    id SERIAL NOT NULL,
    name VARCHAR(120) NOT NULL,
    email VARCHAR(255),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL,
    CONSTRAINT pk_suppliers PRIMARY KEY (id)
);
ALTER TABLE products ADD COLUMN supplier_id INTEGER;
ALTER TABLE products ADD CONSTRAINT fk_products_supplier_id_suppliers FOREIGN KEY(supplier_id) REFERENCES suppliers (id);
-- only when there are products to give it to, as the Python does
INSERT INTO suppliers (name)
SELECT 'Unknown supplier' WHERE EXISTS (SELECT 1 FROM products WHERE supplier_id IS NULL);
UPDATE products SET supplier_id = (SELECT min(id) FROM suppliers WHERE name = 'Unknown supplier')
 WHERE supplier_id IS NULL;

-- +downgrade
ALTER TABLE products DROP CONSTRAINT fk_products_supplier_id_suppliers;
ALTER TABLE products DROP COLUMN supplier_id;
DROP TABLE suppliers;
