-- request: customers aged 25 to 34

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST(DATE_PART('year', AGE(CAST('2026-09-30' AS DATE), customers.birth_date)) AS INT)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST((
      YEAR(CAST('2026-09-30' AS DATE)) - YEAR(CAST(customers.birth_date AS DATE)) - CASE
        WHEN MONTH(CAST('2026-09-30' AS DATE)) < MONTH(CAST(customers.birth_date AS DATE))
        OR (
          MONTH(CAST('2026-09-30' AS DATE)) = MONTH(CAST(customers.birth_date AS DATE))
          AND DAY(CAST('2026-09-30' AS DATE)) < DAY(CAST(customers.birth_date AS DATE))
        )
        THEN 1
        ELSE 0
      END
    ) AS INT)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST((
      YEAR(CAST('2026-09-30' AS DATE)) - YEAR(CAST(customers.birth_date AS DATE)) - CASE
        WHEN MONTH(CAST('2026-09-30' AS DATE)) < MONTH(CAST(customers.birth_date AS DATE))
        OR (
          MONTH(CAST('2026-09-30' AS DATE)) = MONTH(CAST(customers.birth_date AS DATE))
          AND DAY(CAST('2026-09-30' AS DATE)) < DAY(CAST(customers.birth_date AS DATE))
        )
        THEN 1
        ELSE 0
      END
    ) AS INTEGER)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST((
      YEAR(CAST('2026-09-30' AS DATE)) - YEAR(CAST(customers.birth_date AS DATE)) - CASE
        WHEN MONTH(CAST('2026-09-30' AS DATE)) < MONTH(CAST(customers.birth_date AS DATE))
        OR (
          MONTH(CAST('2026-09-30' AS DATE)) = MONTH(CAST(customers.birth_date AS DATE))
          AND DAY(CAST('2026-09-30' AS DATE)) < DAY(CAST(customers.birth_date AS DATE))
        )
        THEN 1
        ELSE 0
      END
    ) AS INT)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST((
      EXTRACT(YEAR FROM CAST('2026-09-30' AS DATE)) - EXTRACT(YEAR FROM CAST(customers.birth_date AS DATE)) - CASE
        WHEN EXTRACT(MONTH FROM CAST('2026-09-30' AS DATE)) < EXTRACT(MONTH FROM CAST(customers.birth_date AS DATE))
        OR (
          EXTRACT(MONTH FROM CAST('2026-09-30' AS DATE)) = EXTRACT(MONTH FROM CAST(customers.birth_date AS DATE))
          AND EXTRACT(DAY FROM CAST('2026-09-30' AS DATE)) < EXTRACT(DAY FROM CAST(customers.birth_date AS DATE))
        )
        THEN 1
        ELSE 0
      END
    ) AS INT64)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  (
    CAST((
      EXTRACT(YEAR FROM CAST('2026-09-30' AS DATE)) - EXTRACT(YEAR FROM CAST(customers.birth_date AS DATE)) - CASE
        WHEN EXTRACT(MONTH FROM CAST('2026-09-30' AS DATE)) < EXTRACT(MONTH FROM CAST(customers.birth_date AS DATE))
        OR (
          EXTRACT(MONTH FROM CAST('2026-09-30' AS DATE)) = EXTRACT(MONTH FROM CAST(customers.birth_date AS DATE))
          AND EXTRACT(DAY FROM CAST('2026-09-30' AS DATE)) < EXTRACT(DAY FROM CAST(customers.birth_date AS DATE))
        )
        THEN 1
        ELSE 0
      END
    ) AS INT)
  ) BETWEEN 25 AND 34
ORDER BY
  customer_id;
