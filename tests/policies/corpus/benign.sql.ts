/**
 * Everyday SQL an agent runs: read-only queries (through the shared gate) and ordinary updates and
 * deletes with proper WHERE clauses (through the WHERE policies too). None may be blocked.
 */
import type { Case } from "./hostile.ts"

const db = (sql: string, note: string): Case => ({ category: "db", payload: { sql }, note })

export const BENIGN_SQL_WRITES: ReadonlyArray<Case> = [
  db("UPDATE orders SET status = 'shipped' WHERE id = 4211", "mark one order shipped"),
  db("UPDATE orders SET status = $1, updated_at = now() WHERE id = $2", "parameterised status update"),
  db("UPDATE subscriptions SET cancelled_at = now() WHERE customer_id = :customer AND plan = 'pro'", "named parameters"),
  db("DELETE FROM sessions WHERE expires_at < now() - interval '30 days'", "expire old sessions"),
  db("DELETE FROM cart_items WHERE cart_id = 981 AND sku IN ('A-1', 'B-2')", "remove two items from a cart"),
  db("DELETE FROM notifications WHERE user_id = ANY($1)", "bulk delete by an id array parameter"),
  db("UPDATE feature_flags SET enabled = false WHERE name = 'new-checkout'", "turn a flag off"),
  db("UPDATE vendor_bills SET due_date = due_date + 7 WHERE id BETWEEN 100 AND 120", "shift a range of vendor bills"),
  db("DELETE FROM login_attempts WHERE created_at < CURRENT_DATE - 7", "prune a week-old table"),
  db("UPDATE tickets SET assignee = 'sam' WHERE (id = 12 OR id = 14) AND status = 'open'", "OR of equalities under AND"),
  db("UPDATE products SET price = price * 1.1 WHERE category = 'books' AND price < 20", "price bump in a category"),
  db("DELETE FROM temp_uploads WHERE uploaded_at <= '2025-01-01' AND processed = true", "old processed uploads"),
  db("INSERT INTO audit_events (kind, actor) VALUES ('deploy', 'agent'); UPDATE deploys SET finished = true WHERE id = 77", "insert then a narrow update")
]

export const BENIGN_SQL: ReadonlyArray<Case> = [
  db("SELECT id, status, total FROM orders WHERE customer_id = 42 ORDER BY created_at DESC LIMIT 20", "recent orders of one customer"),
  db("SELECT count(*) FROM orders WHERE created_at >= now() - interval '1 day'", "orders today"),
  db("SELECT date_trunc('week', created_at) AS week, sum(total) FROM orders GROUP BY 1 ORDER BY 1", "weekly revenue"),
  db("SELECT p.name, count(*) FROM products p JOIN order_items oi ON oi.product_id = p.id GROUP BY p.name ORDER BY 2 DESC LIMIT 10", "top products"),
  db("WITH recent AS (SELECT * FROM deploys WHERE finished_at > now() - interval '7 days') SELECT service, count(*) FROM recent GROUP BY service", "CTE over deploys"),
  db("SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'orders'", "inspect a table's columns"),
  db("SELECT id FROM jobs WHERE state = 'failed' AND attempts < 3", "retryable jobs"),
  db("SELECT drop_reason, count(*) FROM shipments GROUP BY drop_reason", "a column named drop_reason"),
  db("SELECT 'please drop by the office' AS note", "DDL words inside a string"),
  db("SELECT created_at, updated_at FROM accounts_public WHERE id = 9", "created_at is not CREATE"),
  db("SELECT to_char(now(), 'YYYY-MM-DD')", "a harmless function"),
  db("SELECT coalesce(nickname, 'anon') FROM profiles_public WHERE id = 5", "coalesce in a projection"),
  db("EXPLAIN SELECT * FROM orders WHERE id = 1", "EXPLAIN of a narrow query"),
  db("SELECT xmlforest(name, price) FROM products WHERE id = 3", "an XML function that runs no SQL text"),
  db("INSERT INTO events (kind, payload) VALUES ('signup', '{\"plan\": \"free\"}')", "insert a JSON event")
]
