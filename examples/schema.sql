-- The Stock model as SQL: the desired schema for autogenerate
-- (pim_migrate check / revision --autogenerate --schema-file).
CREATE TABLE stocks (
    id integer PRIMARY KEY,
    name varchar,
    market varchar,
    ticker varchar,
    sector varchar
);
CREATE INDEX ix_stocks_id ON stocks (id);
CREATE INDEX ix_stocks_name ON stocks (name);
CREATE INDEX ix_stocks_market ON stocks (market);
CREATE INDEX ix_stocks_ticker ON stocks (ticker);
CREATE INDEX ix_stocks_sector ON stocks (sector);
