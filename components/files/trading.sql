-- Analytics tables (ClickHouse `trading` database). Runs once, on an empty data volume.
-- The entrypoint runs init scripts without selecting a database, hence the qualified names.
CREATE TABLE IF NOT EXISTS trading.prism_analytics (
    timestamp DateTime64(9),
    agent_id String,
    symbol String,
    action String,
    price Float64,
    quantity Float64,
    portfolio_value Float64,
    metadata String
) ENGINE = MergeTree()
PARTITION BY toYYYYMMDD(timestamp)
ORDER BY (symbol, timestamp);

CREATE TABLE IF NOT EXISTS trading.order_analytics (
    date Date,
    symbol String,
    venue String,
    order_count UInt64,
    total_volume Float64,
    avg_price Float64,
    min_price Float64,
    max_price Float64
) ENGINE = SummingMergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (date, symbol, venue);

CREATE TABLE IF NOT EXISTS trading.portfolio_snapshots (
    date Date,
    user_id String,
    portfolio_value Float64,
    cash Float64,
    positions String -- JSON
) ENGINE = ReplacingMergeTree()
PARTITION BY toYYYYMM(date)
ORDER BY (user_id, date);
