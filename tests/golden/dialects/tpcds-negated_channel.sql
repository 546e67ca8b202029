-- request: customers who never bought from the catalog

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  NOT customer.c_customer_sk IN (
    SELECT
      catalog_sales.cs_bill_customer_sk AS customer_id
    FROM catalog_sales
    WHERE
      NOT catalog_sales.cs_bill_customer_sk IS NULL
  )
ORDER BY
  customer_id;
