-- request: customers who returned something in store

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_returns.sr_customer_sk AS customer_id
    FROM store_returns
    WHERE
      NOT store_returns.sr_customer_sk IS NULL
  )
ORDER BY
  customer_id;
