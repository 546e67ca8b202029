-- request: champions

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    WITH purchases AS (
      SELECT
        p.customer_id,
        CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
        COUNT(*) AS frequency,
        SUM(p.amount) AS monetary
      FROM (
        SELECT
          transactions.customer_id AS customer_id,
          transactions.transaction_ts AS ts,
          transactions.transaction_id AS instance,
          transactions.total_amount AS amount
        FROM transactions
        WHERE
          transactions.status = 'completed'
      ) AS p
      WHERE
        CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
      GROUP BY
        p.customer_id
    ), scored AS (
      SELECT
        p.customer_id,
        p.recency_days,
        p.frequency,
        p.monetary,
        NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id) AS r_score,
        NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,
        NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score
      FROM purchases AS p
    ), assignment AS (
      SELECT
        customers.customer_id AS customer_id,
        CASE
          WHEN s.customer_id IS NULL
          THEN 'no_recent_purchases'
          WHEN s.r_score BETWEEN 4 AND 5
          AND s.f_score BETWEEN 4 AND 5
          AND s.m_score BETWEEN 4 AND 5
          THEN 'champions'
          WHEN s.r_score BETWEEN 2 AND 5
          AND s.f_score BETWEEN 3 AND 5
          AND s.m_score BETWEEN 3 AND 5
          THEN 'loyal_customers'
          WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
          THEN 'new_customers'
          WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
          THEN 'promising'
          WHEN s.r_score BETWEEN 3 AND 5
          AND s.f_score BETWEEN 1 AND 3
          AND s.m_score BETWEEN 1 AND 3
          THEN 'potential_loyalists'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 2 AND 3
          AND s.m_score BETWEEN 2 AND 3
          THEN 'need_attention'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'about_to_sleep'
          WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
          THEN 'cannot_lose_them'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 2 AND 5
          AND s.m_score BETWEEN 2 AND 5
          THEN 'at_risk'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'hibernating'
          ELSE 'lost'
        END AS label,
        s.recency_days,
        s.frequency,
        s.monetary,
        s.r_score,
        s.f_score,
        s.m_score
      FROM customers
      LEFT JOIN scored AS s
        ON s.customer_id = customers.customer_id
    )
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id;

-- spark
WITH purchases AS (
  SELECT
    p.customer_id,
    CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
    COUNT(*) AS frequency,
    SUM(p.amount) AS monetary
  FROM (
    SELECT
      transactions.customer_id AS customer_id,
      transactions.transaction_ts AS ts,
      transactions.transaction_id AS instance,
      transactions.total_amount AS amount
    FROM transactions
    WHERE
      transactions.status = 'completed'
  ) AS p
  WHERE
    CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
  GROUP BY
    p.customer_id
), scored AS (
  SELECT
    p.customer_id,
    p.recency_days,
    p.frequency,
    p.monetary,
    NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id NULLS LAST) AS r_score,
    NTILE(5) OVER (ORDER BY p.frequency NULLS LAST, p.customer_id NULLS LAST) AS f_score,
    NTILE(5) OVER (ORDER BY p.monetary NULLS LAST, p.customer_id NULLS LAST) AS m_score
  FROM purchases AS p
), assignment AS (
  SELECT
    customers.customer_id AS customer_id,
    CASE
      WHEN s.customer_id IS NULL
      THEN 'no_recent_purchases'
      WHEN s.r_score BETWEEN 4 AND 5
      AND s.f_score BETWEEN 4 AND 5
      AND s.m_score BETWEEN 4 AND 5
      THEN 'champions'
      WHEN s.r_score BETWEEN 2 AND 5
      AND s.f_score BETWEEN 3 AND 5
      AND s.m_score BETWEEN 3 AND 5
      THEN 'loyal_customers'
      WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
      THEN 'new_customers'
      WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
      THEN 'promising'
      WHEN s.r_score BETWEEN 3 AND 5
      AND s.f_score BETWEEN 1 AND 3
      AND s.m_score BETWEEN 1 AND 3
      THEN 'potential_loyalists'
      WHEN s.r_score BETWEEN 2 AND 3
      AND s.f_score BETWEEN 2 AND 3
      AND s.m_score BETWEEN 2 AND 3
      THEN 'need_attention'
      WHEN s.r_score BETWEEN 2 AND 3
      AND s.f_score BETWEEN 1 AND 2
      AND s.m_score BETWEEN 1 AND 2
      THEN 'about_to_sleep'
      WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
      THEN 'cannot_lose_them'
      WHEN s.r_score BETWEEN 1 AND 2
      AND s.f_score BETWEEN 2 AND 5
      AND s.m_score BETWEEN 2 AND 5
      THEN 'at_risk'
      WHEN s.r_score BETWEEN 1 AND 2
      AND s.f_score BETWEEN 1 AND 2
      AND s.m_score BETWEEN 1 AND 2
      THEN 'hibernating'
      ELSE 'lost'
    END AS label,
    s.recency_days,
    s.frequency,
    s.monetary,
    s.r_score,
    s.f_score,
    s.m_score
  FROM customers
  LEFT JOIN scored AS s
    ON s.customer_id = customers.customer_id
)
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    WITH purchases AS (
      SELECT
        p.customer_id,
        CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
        COUNT(*) AS frequency,
        SUM(p.amount) AS monetary
      FROM (
        SELECT
          transactions.customer_id AS customer_id,
          transactions.transaction_ts AS ts,
          transactions.transaction_id AS instance,
          transactions.total_amount AS amount
        FROM transactions
        WHERE
          transactions.status = 'completed'
      ) AS p
      WHERE
        CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
      GROUP BY
        p.customer_id
    ), scored AS (
      SELECT
        p.customer_id,
        p.recency_days,
        p.frequency,
        p.monetary,
        NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id) AS r_score,
        NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,
        NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score
      FROM purchases AS p
    ), assignment AS (
      SELECT
        customers.customer_id AS customer_id,
        CASE
          WHEN s.customer_id IS NULL
          THEN 'no_recent_purchases'
          WHEN s.r_score BETWEEN 4 AND 5
          AND s.f_score BETWEEN 4 AND 5
          AND s.m_score BETWEEN 4 AND 5
          THEN 'champions'
          WHEN s.r_score BETWEEN 2 AND 5
          AND s.f_score BETWEEN 3 AND 5
          AND s.m_score BETWEEN 3 AND 5
          THEN 'loyal_customers'
          WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
          THEN 'new_customers'
          WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
          THEN 'promising'
          WHEN s.r_score BETWEEN 3 AND 5
          AND s.f_score BETWEEN 1 AND 3
          AND s.m_score BETWEEN 1 AND 3
          THEN 'potential_loyalists'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 2 AND 3
          AND s.m_score BETWEEN 2 AND 3
          THEN 'need_attention'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'about_to_sleep'
          WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
          THEN 'cannot_lose_them'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 2 AND 5
          AND s.m_score BETWEEN 2 AND 5
          THEN 'at_risk'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'hibernating'
          ELSE 'lost'
        END AS label,
        s.recency_days,
        s.frequency,
        s.monetary,
        s.r_score,
        s.f_score,
        s.m_score
      FROM customers
      LEFT JOIN scored AS s
        ON s.customer_id = customers.customer_id
    )
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    WITH purchases AS (
      SELECT
        p.customer_id,
        CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
        COUNT(*) AS frequency,
        SUM(p.amount) AS monetary
      FROM (
        SELECT
          transactions.customer_id AS customer_id,
          transactions.transaction_ts AS ts,
          transactions.transaction_id AS instance,
          transactions.total_amount AS amount
        FROM transactions
        WHERE
          transactions.status = 'completed'
      ) AS p
      WHERE
        CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
      GROUP BY
        p.customer_id
    ), scored AS (
      SELECT
        p.customer_id,
        p.recency_days,
        p.frequency,
        p.monetary,
        NTILE(5) OVER (ORDER BY p.recency_days DESC NULLS LAST, p.customer_id) AS r_score,
        NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,
        NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score
      FROM purchases AS p
    ), assignment AS (
      SELECT
        customers.customer_id AS customer_id,
        CASE
          WHEN s.customer_id IS NULL
          THEN 'no_recent_purchases'
          WHEN s.r_score BETWEEN 4 AND 5
          AND s.f_score BETWEEN 4 AND 5
          AND s.m_score BETWEEN 4 AND 5
          THEN 'champions'
          WHEN s.r_score BETWEEN 2 AND 5
          AND s.f_score BETWEEN 3 AND 5
          AND s.m_score BETWEEN 3 AND 5
          THEN 'loyal_customers'
          WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
          THEN 'new_customers'
          WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
          THEN 'promising'
          WHEN s.r_score BETWEEN 3 AND 5
          AND s.f_score BETWEEN 1 AND 3
          AND s.m_score BETWEEN 1 AND 3
          THEN 'potential_loyalists'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 2 AND 3
          AND s.m_score BETWEEN 2 AND 3
          THEN 'need_attention'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'about_to_sleep'
          WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
          THEN 'cannot_lose_them'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 2 AND 5
          AND s.m_score BETWEEN 2 AND 5
          THEN 'at_risk'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'hibernating'
          ELSE 'lost'
        END AS label,
        s.recency_days,
        s.frequency,
        s.monetary,
        s.r_score,
        s.f_score,
        s.m_score
      FROM customers
      LEFT JOIN scored AS s
        ON s.customer_id = customers.customer_id
    )
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    WITH purchases AS (
      SELECT
        p.customer_id,
        CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
        COUNT(*) AS frequency,
        SUM(p.amount) AS monetary
      FROM (
        SELECT
          transactions.customer_id AS customer_id,
          transactions.transaction_ts AS ts,
          transactions.transaction_id AS instance,
          transactions.total_amount AS amount
        FROM transactions
        WHERE
          transactions.status = 'completed'
      ) AS p
      WHERE
        CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
      GROUP BY
        p.customer_id
    ), scored AS (
      SELECT
        p.customer_id,
        p.recency_days,
        p.frequency,
        p.monetary,
        NTILE(5) OVER (ORDER BY p.recency_days DESC, p.customer_id NULLS LAST) AS r_score,
        NTILE(5) OVER (ORDER BY p.frequency NULLS LAST, p.customer_id NULLS LAST) AS f_score,
        NTILE(5) OVER (ORDER BY p.monetary NULLS LAST, p.customer_id NULLS LAST) AS m_score
      FROM purchases AS p
    ), assignment AS (
      SELECT
        customers.customer_id AS customer_id,
        CASE
          WHEN s.customer_id IS NULL
          THEN 'no_recent_purchases'
          WHEN s.r_score BETWEEN 4 AND 5
          AND s.f_score BETWEEN 4 AND 5
          AND s.m_score BETWEEN 4 AND 5
          THEN 'champions'
          WHEN s.r_score BETWEEN 2 AND 5
          AND s.f_score BETWEEN 3 AND 5
          AND s.m_score BETWEEN 3 AND 5
          THEN 'loyal_customers'
          WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
          THEN 'new_customers'
          WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
          THEN 'promising'
          WHEN s.r_score BETWEEN 3 AND 5
          AND s.f_score BETWEEN 1 AND 3
          AND s.m_score BETWEEN 1 AND 3
          THEN 'potential_loyalists'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 2 AND 3
          AND s.m_score BETWEEN 2 AND 3
          THEN 'need_attention'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'about_to_sleep'
          WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
          THEN 'cannot_lose_them'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 2 AND 5
          AND s.m_score BETWEEN 2 AND 5
          THEN 'at_risk'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'hibernating'
          ELSE 'lost'
        END AS label,
        s.recency_days,
        s.frequency,
        s.monetary,
        s.r_score,
        s.f_score,
        s.m_score
      FROM customers
      LEFT JOIN scored AS s
        ON s.customer_id = customers.customer_id
    )
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    WITH purchases AS (
      SELECT
        p.customer_id,
        CAST('2026-09-30' AS DATE) - MAX(CAST(p.ts AS DATE)) AS recency_days,
        COUNT(*) AS frequency,
        SUM(p.amount) AS monetary
      FROM (
        SELECT
          transactions.customer_id AS customer_id,
          transactions.transaction_ts AS ts,
          transactions.transaction_id AS instance,
          transactions.total_amount AS amount
        FROM transactions
        WHERE
          transactions.status = 'completed'
      ) AS p
      WHERE
        CAST(p.ts AS DATE) BETWEEN CAST('2025-10-01' AS DATE) AND CAST('2026-09-30' AS DATE)
      GROUP BY
        p.customer_id
    ), scored AS (
      SELECT
        p.customer_id,
        p.recency_days,
        p.frequency,
        p.monetary,
        NTILE(5) OVER (ORDER BY p.recency_days DESC NULLS LAST, p.customer_id) AS r_score,
        NTILE(5) OVER (ORDER BY p.frequency, p.customer_id) AS f_score,
        NTILE(5) OVER (ORDER BY p.monetary, p.customer_id) AS m_score
      FROM purchases AS p
    ), assignment AS (
      SELECT
        customers.customer_id AS customer_id,
        CASE
          WHEN s.customer_id IS NULL
          THEN 'no_recent_purchases'
          WHEN s.r_score BETWEEN 4 AND 5
          AND s.f_score BETWEEN 4 AND 5
          AND s.m_score BETWEEN 4 AND 5
          THEN 'champions'
          WHEN s.r_score BETWEEN 2 AND 5
          AND s.f_score BETWEEN 3 AND 5
          AND s.m_score BETWEEN 3 AND 5
          THEN 'loyal_customers'
          WHEN s.r_score BETWEEN 4 AND 5 AND s.f_score = 1 AND s.m_score = 1
          THEN 'new_customers'
          WHEN s.r_score BETWEEN 3 AND 4 AND s.f_score = 1 AND s.m_score = 1
          THEN 'promising'
          WHEN s.r_score BETWEEN 3 AND 5
          AND s.f_score BETWEEN 1 AND 3
          AND s.m_score BETWEEN 1 AND 3
          THEN 'potential_loyalists'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 2 AND 3
          AND s.m_score BETWEEN 2 AND 3
          THEN 'need_attention'
          WHEN s.r_score BETWEEN 2 AND 3
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'about_to_sleep'
          WHEN s.r_score = 1 AND s.f_score BETWEEN 4 AND 5 AND s.m_score BETWEEN 4 AND 5
          THEN 'cannot_lose_them'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 2 AND 5
          AND s.m_score BETWEEN 2 AND 5
          THEN 'at_risk'
          WHEN s.r_score BETWEEN 1 AND 2
          AND s.f_score BETWEEN 1 AND 2
          AND s.m_score BETWEEN 1 AND 2
          THEN 'hibernating'
          ELSE 'lost'
        END AS label,
        s.recency_days,
        s.frequency,
        s.monetary,
        s.r_score,
        s.f_score,
        s.m_score
      FROM customers
      LEFT JOIN scored AS s
        ON s.customer_id = customers.customer_id
    )
    SELECT
      assignment.customer_id
    FROM assignment
    WHERE
      assignment.label = 'champions'
  )
ORDER BY
  customer_id;
