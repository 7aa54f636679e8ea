-- number invoices
--
-- Revision ID: 8edec3baea9e
-- Revises: 13deab1031d0
-- Create Date: 2024-03-11 13:02:58.447710

-- Written by hand: the Python revision reads the issued invoices and numbers
-- them per year ("INV-2024-00001") in Python; the same in one UPDATE.

-- +upgrade
UPDATE invoices i
   SET number = format('INV-%s-%s', n.year, lpad(n.seq::text, 5, '0'))
  FROM (SELECT id,
               extract(year FROM issued_at)::int AS year,
               row_number() OVER (PARTITION BY extract(year FROM issued_at) ORDER BY issued_at, id) AS seq
          FROM invoices
         WHERE number IS NULL AND issued_at IS NOT NULL) n
 WHERE n.id = i.id;
ALTER TABLE invoices ADD CONSTRAINT uq_invoices_number UNIQUE (number);
ALTER TABLE invoices ADD CONSTRAINT ck_invoices_number_format CHECK (number LIKE 'INV-%');

-- +downgrade
ALTER TABLE invoices DROP CONSTRAINT ck_invoices_number_format;
ALTER TABLE invoices DROP CONSTRAINT uq_invoices_number;
