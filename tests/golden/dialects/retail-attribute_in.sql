-- request: customers in Texas or California

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.region IN ('Texas', 'California')
ORDER BY
  customer_id;
