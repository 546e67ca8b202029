-- request: customers who bought in store in 2002

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
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
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS TIMESTAMP_NTZ)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS TIMESTAMP_NTZ)
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
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
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
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS TIMESTAMPNTZ)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS TIMESTAMPNTZ)
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
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS DATETIME)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS DATETIME)
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
      store_sales.ss_customer_sk AS customer_id
    FROM store_sales
    JOIN date_dim
      ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
    WHERE
      NOT store_sales.ss_customer_sk IS NULL
      AND date_dim.d_date >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND date_dim.d_date < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;
