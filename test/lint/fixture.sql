-- The database the lint corpus runs against (test/t/012_lint.pl): tables
-- of three sizes, so that the same statement reads differently on each.
CREATE TABLE big (id int PRIMARY KEY, v varchar(16), n int, t text,
                  created timestamp, price numeric(10,2), code char(4));
INSERT INTO big SELECT g, 'v' || g, g, 't' || g, now(), g, 'c'
FROM generate_series(1, 100000) g;
CREATE INDEX big_n_idx ON big (n);
CREATE TABLE small (id int PRIMARY KEY, name text, big_id int, v varchar(16));
INSERT INTO small VALUES (1, 'a', 1, 'x'), (2, 'b', 2, 'y');
CREATE INDEX small_name_idx ON small (name);
CREATE TABLE empty (id int PRIMARY KEY, v text, n int);
CREATE INDEX empty_v_idx ON empty (v);
-- a partitioned table: its size is its partitions'
CREATE TABLE events (id int, at date, kind varchar(16) COLLATE "C")
PARTITION BY RANGE (at);
CREATE TABLE events_2025 PARTITION OF events
FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');
INSERT INTO events SELECT g, date '2025-01-01' + g % 300, 'k' FROM generate_series(1, 50000) g;
CREATE INDEX events_kind_idx ON events (kind);
CREATE SCHEMA archive;
CREATE TYPE mood AS ENUM ('sad', 'happy');
CREATE DOMAIN positive AS int CHECK (VALUE > 0);
ANALYZE big, small, empty, events;
