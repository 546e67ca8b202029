-- request: customers born before 1970

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id;

-- spark
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id;

-- snowflake
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id;

-- bigquery
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_birth_year <= 1969
ORDER BY
  customer_id;
