-- A customer's earlier contacts (GET /api/v1/tasks/{id}/history): the newest interactions with
-- one customer number, found without reading the whole history.
CREATE INDEX interactions_by_customer ON interactions (org, customer_number, id);
