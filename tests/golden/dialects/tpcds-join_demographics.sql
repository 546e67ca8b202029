-- request: married women

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id;

-- spark
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id;

-- snowflake
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id;

-- bigquery
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_demographics.cd_marital_status
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'M'
  AND (
    SELECT
      customer_demographics.cd_gender
    FROM customer_demographics
    WHERE
      customer.c_current_cdemo_sk = customer_demographics.cd_demo_sk
  ) = 'F'
ORDER BY
  customer_id;
