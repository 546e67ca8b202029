-- request: customers who spent more than $300 on outdoor gear in the last quarter

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      transactions.customer_id AS customer_id
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
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
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS TIMESTAMP_NTZ)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS TIMESTAMP_NTZ)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
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
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
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
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS TIMESTAMPNTZ)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS TIMESTAMPNTZ)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
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
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS DATETIME)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS DATETIME)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
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
    FROM transaction_items
    JOIN transactions
      ON transaction_items.transaction_id = transactions.transaction_id
    JOIN products
      ON transaction_items.product_id = products.product_id
    WHERE
      transactions.status = 'completed'
      AND products.category = 'Outdoor'
      AND transactions.transaction_ts >= CAST('2026-04-01 00:00:00' AS TIMESTAMP)
      AND transactions.transaction_ts < CAST('2026-07-01 00:00:00' AS TIMESTAMP)
    GROUP BY
      transactions.customer_id
    HAVING
      COALESCE(SUM(transaction_items.quantity * transaction_items.unit_price), 0) > 300
  )
ORDER BY
  customer_id;
