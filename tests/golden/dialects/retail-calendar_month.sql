-- request: customers who bought last month

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS TIMESTAMP_NTZ)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS TIMESTAMP_NTZ)
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS TIMESTAMPNTZ)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS TIMESTAMPNTZ)
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS DATETIME)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS DATETIME)
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-08-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-09-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;
