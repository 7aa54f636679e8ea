-- Initial migration with Stock model
--
-- Revision ID: 1975ea83b712
-- Revises:
-- Create Date: 2025-08-16 08:26:13.620580

-- +upgrade
CREATE TABLE stocks (
    id SERIAL NOT NULL,
    name varchar,
    market varchar,
    ticker varchar,
    PRIMARY KEY (id)
);
CREATE INDEX ix_stocks_id ON stocks (id);
CREATE INDEX ix_stocks_name ON stocks (name);
CREATE INDEX ix_stocks_market ON stocks (market);
CREATE INDEX ix_stocks_ticker ON stocks (ticker);

-- +downgrade
DROP INDEX ix_stocks_ticker;
DROP INDEX ix_stocks_market;
DROP INDEX ix_stocks_name;
DROP INDEX ix_stocks_id;
DROP TABLE stocks;
