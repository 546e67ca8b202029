-- request: lapsed customers

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS TIMESTAMP_NTZ)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP_NTZ)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS TIMESTAMPNTZ)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMPNTZ)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS DATETIME)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS DATETIME)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2026-04-04 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
  AND customers.customer_id IN (
    SELECT DISTINCT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
  )
ORDER BY
  customer_id;
