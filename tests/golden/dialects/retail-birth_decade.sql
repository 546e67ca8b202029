-- request: customers born in the 1980s

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.birth_date BETWEEN CAST('1980-01-01' AS DATE) AND CAST('1989-12-31' AS DATE)
ORDER BY
  customer_id;
