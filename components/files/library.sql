-- ML library metadata (PostgreSQL `library` database). Runs once, on an empty data volume.
CREATE TABLE strategies (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    description TEXT,
    owner       TEXT NOT NULL,
    params      JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE models (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    version     TEXT NOT NULL,
    framework   TEXT NOT NULL,
    -- Where the weights live in SeaweedFS S3, e.g. s3://models/xgboost_v1.pkl
    artifact    TEXT NOT NULL,
    metrics     JSONB NOT NULL DEFAULT '{}'::jsonb,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now(),
    UNIQUE (strategy_id, version)
);

CREATE TABLE features (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    dtype       TEXT NOT NULL,
    definition  TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE backtests (
    id          BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    strategy_id BIGINT NOT NULL REFERENCES strategies (id),
    model_id    BIGINT REFERENCES models (id),
    period      TSTZRANGE NOT NULL,
    results     JSONB NOT NULL DEFAULT '{}'::jsonb,
    -- Large result files stay in S3; this row points at them.
    report      TEXT,
    created_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);
