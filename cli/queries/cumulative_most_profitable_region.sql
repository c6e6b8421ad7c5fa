-- Most profitable region(s) across every order file in the input bucket (cumulative).
--
-- The row rules of the core (README "Row rules") in SQL: trimmed values, non-blank text columns,
-- plain non-negative decimals, a positive integer quantity, a discount from 0 to 100. Profit is
-- exact: 100 x line profit = (list_price x (100 - discount_percent) - 100 x cost_price) x quantity,
-- summed as DECIMAL in cents and rounded half-even only at the end, as the core does. Ties give one
-- row per region. Each query file stands alone so it can be pasted into the Athena console.
-- Runs unchanged on Athena (Trino) and DuckDB; tests/analytics checks it against the core.
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
        region,
        (
            TRY_CAST(list_price AS DECIMAL(38, 8)) * (100 - TRY_CAST(discount_percent AS DECIMAL(38, 8)))
            - 100 * TRY_CAST(cost_price AS DECIMAL(38, 8))
        ) * TRY_CAST(quantity AS DECIMAL(38, 0)) AS profit_cents
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

totals AS (
    SELECT
        region,
        sum(profit_cents) AS cents,
        floor(sum(profit_cents)) AS whole_cents
    FROM valid
    GROUP BY region
),

ranked AS (
    SELECT
        region,
        -- half-even: round up above .5, and at exactly .5 only when the whole part is odd
        CASE
            WHEN cents - whole_cents > 0.5 THEN whole_cents + 1
            WHEN cents - whole_cents = 0.5 AND mod(whole_cents, 2) <> 0 THEN whole_cents + 1
            ELSE whole_cents
        END AS rounded_cents,
        RANK() OVER (ORDER BY cents DESC) AS profit_rank
    FROM totals
)

SELECT
    region,
    CAST(CAST(rounded_cents * CAST(0.01 AS DECIMAL(3, 2)) AS DECIMAL(38, 2)) AS VARCHAR) AS total_profit
FROM ranked
WHERE profit_rank = 1
ORDER BY region
