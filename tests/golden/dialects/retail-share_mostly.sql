-- request: customers who mostly buy in the app

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
    GROUP BY
      transactions.customer_id
    HAVING
      100.0 * COUNT(*) FILTER(WHERE
        transactions.channel = 'app') / COUNT(*) > 50
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
    GROUP BY
      transactions.customer_id
    HAVING
      100.0 * COUNT(*) FILTER(WHERE
        transactions.channel = 'app') / COUNT(*) > 50
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
    GROUP BY
      transactions.customer_id
    HAVING
      CAST(100.0 * COUNT(*) FILTER(WHERE
        transactions.channel = 'app') AS DOUBLE) / COUNT(*) > 50
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
    GROUP BY
      transactions.customer_id
    HAVING
      100.0 * COUNT_IF(transactions.channel = 'app') / COUNT(*) > 50
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
    GROUP BY
      transactions.customer_id
    HAVING
      100.0 * COUNTIF(transactions.channel = 'app') / COUNT(*) > 50
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
    GROUP BY
      transactions.customer_id
    HAVING
      CAST(100.0 * COUNT(*) FILTER(WHERE
        transactions.channel = 'app') AS DOUBLE PRECISION) / COUNT(*) > 50
  )
ORDER BY
  customer_id;
