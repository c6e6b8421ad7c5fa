-- Distinct orders per (category, sub-category) across every order file in the input bucket
-- (cumulative). An order id seen in several lines or files of one pair counts once. Same row
-- rules as cumulative_most_profitable_region.sql; each query file stands alone so it can be
-- pasted into the Athena console.
WITH cleaned AS (
    SELECT
        trim(BOTH w.ws FROM coalesce(o.order_id, '')) AS order_id,
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
        category,
        sub_category
    FROM cleaned
    WHERE
        order_id <> '' AND region <> '' AND category <> '' AND sub_category <> ''
        AND coalesce(regexp_extract(cost_price, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND coalesce(regexp_extract(list_price, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND coalesce(regexp_extract(quantity, '^[0-9]+$'), '') <> ''
        AND TRY_CAST(quantity AS DECIMAL(38, 0)) > 0
        AND coalesce(regexp_extract(discount_percent, '^[0-9]+(\.[0-9]+)?$'), '') <> ''
        AND TRY_CAST(discount_percent AS DECIMAL(38, 8)) <= 100
)

SELECT
    category,
    sub_category,
    count(DISTINCT order_id) AS order_count
FROM valid
GROUP BY category, sub_category
ORDER BY category, sub_category
