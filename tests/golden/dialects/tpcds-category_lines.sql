-- request: customers who bought Music in 2002

-- duckdb
SELECT
  customer.c_customer_sk AS customer_id
FROM customer
WHERE
  customer.c_customer_sk IN (
    SELECT DISTINCT
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'store_purchases:' || CAST(store_sales.ss_ticket_number AS TEXT) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'web_purchases:' || CAST(web_sales.ws_order_number AS TEXT) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'catalog_purchases:' || CAST(catalog_sales.cs_order_number AS TEXT) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
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
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'store_purchases:' || CAST(store_sales.ss_ticket_number AS STRING) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'web_purchases:' || CAST(web_sales.ws_order_number AS STRING) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'catalog_purchases:' || CAST(catalog_sales.cs_order_number AS STRING) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS TIMESTAMP_NTZ)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS TIMESTAMP_NTZ)
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
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        CONCAT(CAST('store_purchases:' AS VARCHAR), CAST(store_sales.ss_ticket_number AS VARCHAR)) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        CONCAT(CAST('web_purchases:' AS VARCHAR), CAST(web_sales.ws_order_number AS VARCHAR)) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        CONCAT(
          CAST('catalog_purchases:' AS VARCHAR),
          CAST(catalog_sales.cs_order_number AS VARCHAR)
        ) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
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
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'store_purchases:' || CAST(store_sales.ss_ticket_number AS VARCHAR) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'web_purchases:' || CAST(web_sales.ws_order_number AS VARCHAR) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'catalog_purchases:' || CAST(catalog_sales.cs_order_number AS VARCHAR) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS TIMESTAMPNTZ)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS TIMESTAMPNTZ)
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
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'store_purchases:' || CAST(store_sales.ss_ticket_number AS STRING) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'web_purchases:' || CAST(web_sales.ws_order_number AS STRING) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'catalog_purchases:' || CAST(catalog_sales.cs_order_number AS STRING) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS DATETIME)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS DATETIME)
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
      purchases.customer_id AS customer_id
    FROM (
      SELECT
        store_sales.ss_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'store_purchases:' || CAST(store_sales.ss_ticket_number AS TEXT) AS instance,
        store_sales.ss_net_paid AS amount,
        item.i_category AS category
      FROM store_sales
      JOIN item
        ON store_sales.ss_item_sk = item.i_item_sk
      JOIN date_dim
        ON store_sales.ss_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT store_sales.ss_customer_sk IS NULL
      UNION ALL
      SELECT
        web_sales.ws_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'web_purchases:' || CAST(web_sales.ws_order_number AS TEXT) AS instance,
        web_sales.ws_net_paid AS amount,
        item.i_category AS category
      FROM web_sales
      JOIN item
        ON web_sales.ws_item_sk = item.i_item_sk
      JOIN date_dim
        ON web_sales.ws_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT web_sales.ws_bill_customer_sk IS NULL
      UNION ALL
      SELECT
        catalog_sales.cs_bill_customer_sk AS customer_id,
        date_dim.d_date AS ts,
        'catalog_purchases:' || CAST(catalog_sales.cs_order_number AS TEXT) AS instance,
        catalog_sales.cs_net_paid AS amount,
        item.i_category AS category
      FROM catalog_sales
      JOIN item
        ON catalog_sales.cs_item_sk = item.i_item_sk
      JOIN date_dim
        ON catalog_sales.cs_sold_date_sk = date_dim.d_date_sk
      WHERE
        NOT catalog_sales.cs_bill_customer_sk IS NULL
    ) AS purchases
    WHERE
      purchases.category = 'Music'
      AND purchases.ts >= CAST('2002-01-01 00:00:00' AS TIMESTAMP)
      AND purchases.ts < CAST('2003-01-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;
