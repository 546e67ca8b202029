-- request: customers in Texas

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id;

-- spark
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id;

-- snowflake
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id;

-- bigquery
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  (
    SELECT
      customer_address.ca_state
    FROM customer_address
    WHERE
      customer.c_current_addr_sk = customer_address.ca_address_sk
  ) = 'TX'
ORDER BY
  customer_id;
