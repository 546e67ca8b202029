-- request: customers who never purchased in the app

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
      transactions.status = 'completed' AND transactions.channel = 'app'
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
      transactions.status = 'completed' AND transactions.channel = 'app'
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
      transactions.status = 'completed' AND transactions.channel = 'app'
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
      transactions.status = 'completed' AND transactions.channel = 'app'
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
      transactions.status = 'completed' AND transactions.channel = 'app'
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
      transactions.status = 'completed' AND transactions.channel = 'app'
  )
ORDER BY
  customer_id;
