-- request: customers who spent over $1000 in the last 12 months

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP_NTZ)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP_NTZ)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMPNTZ)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMPNTZ)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS DATETIME)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS DATETIME)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
      AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transactions.total_amount), 0) > 1000
  )
ORDER BY
  customer_id;
