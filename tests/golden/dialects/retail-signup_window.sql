-- request: customers who signed up in the last 30 days

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.signup_date BETWEEN CAST('2026-09-01' AS DATE) AND CAST('2026-09-30' AS DATE)
ORDER BY
  customer_id;
