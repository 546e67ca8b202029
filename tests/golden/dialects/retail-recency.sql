-- request: customers whose last purchase was more than 90 days ago

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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        DATE_DIFF('DAY', CAST(MAX(transactions.transaction_ts) AS DATE), CAST('2026-09-30' AS DATE)) > 90
      )
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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        DATEDIFF(DAY, CAST(MAX(transactions.transaction_ts) AS DATE), CAST('2026-09-30' AS DATE)) > 90
      )
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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        DATE_DIFF(
          'DAY',
          DATE_TRUNC('DAY', CAST(MAX(transactions.transaction_ts) AS DATE)),
          DATE_TRUNC('DAY', CAST('2026-09-30' AS DATE))
        ) > 90
      )
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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        DATEDIFF(DAY, CAST(MAX(transactions.transaction_ts) AS DATE), CAST('2026-09-30' AS DATE)) > 90
      )
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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        DATE_DIFF(CAST('2026-09-30' AS DATE), CAST(MAX(transactions.transaction_ts) AS DATE), DAY) > 90
      )
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
  )
  AND NOT customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transactions
    WHERE
      transactions.status = 'completed'
    GROUP BY
      transactions.customer_id
    HAVING
      NOT (
        (
          CAST('2026-09-30' AS DATE) - CAST(MAX(transactions.transaction_ts) AS DATE)
        ) > 90
      )
  )
ORDER BY
  customer_id;
