-- Most common ship mode(s) per category across every order file in the input bucket (cumulative).
--
-- Counts distinct order ids per (category, ship mode) over valid rows whose ship mode is usable:
-- not blank and not one of the missing-value tokens (Not Available, unknown, N/A, NA, null, none;
-- any case). Ties give one row per mode. Same row rules as cumulative_most_profitable_region.sql;
-- each query file stands alone so it can be pasted into the Athena console.
WITH cleaned AS (
    SELECT
        trim(BOTH w.ws FROM coalesce(o.order_id, '')) AS order_id,
        trim(BOTH w.ws FROM coalesce(o.ship_mode, '')) AS ship_mode,
        trim(BOTH w.ws FROM coalesce(o.region, '')) AS region,
        trim(BOTH w.ws FROM coalesce(o.category, '')) AS category,
        trim(BOTH w.ws FROM coalesce(o.sub_category, '')) AS sub_category,
        trim(BOTH w.ws FROM coalesce(o.cost_price, '')) AS cost_price,
        trim(BOTH w.ws FROM coalesce(o.list_price, '')) AS list_price,
        trim(BOTH w.ws FROM coalesce(o.quantity, '')) AS quantity,
        trim(BOTH w.ws FROM coalesce(o.discount_percent, '')) AS discount_percent
    FROM orders AS o
    CROSS JOIN (SELECT concat(' ', chr(9), chr(10), chr(11), chr(12), chr(13)) AS ws) AS w
),

valid AS (
    SELECT
        order_id,
        ship_mode,
        category
    FROM cleaned
    WHERE
        order_id <> '' AND region <> '' AND category <> '' AND sub_category <> ''
        AND coalesce(regexp_extract(cost_price, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND coalesce(regexp_extract(list_price, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND coalesce(regexp_extract(quantity, '^[0-9]+$'), '') <> ''
        AND TRY_CAST(quantity AS DECIMAL(38, 0)) > 0
        AND coalesce(regexp_extract(discount_percent, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND TRY_CAST(discount_percent AS DECIMAL(38, 8)) <= 100
),

counts AS (
    SELECT
        category,
        ship_mode,
        count(DISTINCT order_id) AS order_count
    FROM valid
    WHERE lower(ship_mode) NOT IN ('', 'not available', 'unknown', 'n/a', 'na', 'null', 'none')
    GROUP BY category, ship_mode
),

ranked AS (
    SELECT
        category,
        ship_mode,
        order_count,
        RANK() OVER (PARTITION BY category ORDER BY order_count DESC) AS mode_rank
    FROM counts
)

SELECT
    category,
    ship_mode,
    order_count
FROM ranked
WHERE mode_rank = 1
ORDER BY category, ship_mode
