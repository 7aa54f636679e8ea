-- first_response_at
--
-- Revision ID: 18f15f557203
-- Revises: 3018a38fd547
-- Create Date: 2023-03-06 10:09:48.330906

-- Written by hand: the Python revision reads the first agent reply of each
-- ticket and writes it back row by row; one UPDATE does the same.

-- +upgrade
ALTER TABLE tickets ADD COLUMN first_response_at TIMESTAMP WITHOUT TIME ZONE;
UPDATE tickets t
   SET first_response_at = m.first_reply
  FROM (SELECT ticket_id, min(created_at) AS first_reply
          FROM ticket_messages
         WHERE author_type = 'agent' AND NOT internal
         GROUP BY ticket_id) m
 WHERE m.ticket_id = t.id;
CREATE INDEX ix_tickets_first_response_at ON tickets (first_response_at);

-- +downgrade
DROP INDEX ix_tickets_first_response_at;
ALTER TABLE tickets DROP COLUMN first_response_at;
