-- request: top 50 customers by spend in the last 12 months

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC, transactions.customer_id
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
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
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC, transactions.customer_id NULLS LAST
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP_NTZ)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP_NTZ)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
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
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC, transactions.customer_id
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
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
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC NULLS LAST, transactions.customer_id
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMPNTZ)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMPNTZ)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
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
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC, transactions.customer_id NULLS LAST
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS DATETIME)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS DATETIME)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
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
      customer_id
    FROM (
      SELECT
        transactions.customer_id AS customer_id,
        ROW_NUMBER() OVER (
          ORDER BY COALESCE(SUM(transactions.total_amount), 0) DESC NULLS LAST, transactions.customer_id
        ) AS rank_position,
        COUNT(*) OVER () AS ranked_customers
      FROM transactions
      WHERE
        transactions.status = 'completed'
        AND transactions.transaction_ts >= CAST('2025-10-01 00:00:00' AS TIMESTAMP)
        AND transactions.transaction_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
      GROUP BY
        transactions.customer_id
    ) AS ranked
    WHERE
      rank_position <= 50
  )
ORDER BY
  customer_id;
