-- request: customers who opened an email in the last 30 days

-- duckdb
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS TIMESTAMP)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;

-- spark
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS TIMESTAMP_NTZ)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP_NTZ)
  )
ORDER BY
  customer_id NULLS LAST;

-- trino
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS TIMESTAMP)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;

-- snowflake
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS TIMESTAMPNTZ)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMPNTZ)
  )
ORDER BY
  customer_id;

-- bigquery
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS DATETIME)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS DATETIME)
  )
ORDER BY
  customer_id NULLS LAST;

-- postgres
SELECT
  customers.customer_id AS customer_id
FROM customers
WHERE
  customers.customer_id IN (
    SELECT DISTINCT
      campaign_events.customer_id AS customer_id
    FROM campaign_events
    JOIN campaigns
      ON campaign_events.campaign_id = campaigns.campaign_id
    WHERE
      campaign_events.event_type = 'opened'
      AND campaigns.channel = 'email'
      AND campaign_events.event_ts >= CAST('2026-09-01 00:00:00' AS TIMESTAMP)
      AND campaign_events.event_ts < CAST('2026-10-01 00:00:00' AS TIMESTAMP)
  )
ORDER BY
  customer_id;
