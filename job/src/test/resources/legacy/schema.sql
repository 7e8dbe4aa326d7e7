-- PostgreSQL schema of the pql-scoring job's tables (SPEC sections 5 and 6), PostgreSQL 12 or newer
-- (tested on 14). Idempotent: every statement can run again on an existing schema and changes
-- nothing there (CREATE ... IF NOT EXISTS; COMMENT ON replaces the comment with the same text).
-- It never alters an existing table: a later change of shape comes with its own migration.
--
-- Apply it with the job's own command (one transaction, reports what it created):
--   java -cp target/pql-scoring-job-*.jar io.pqlscore.jdbc.ApplySchema --jdbc-url jdbc:postgresql://HOST:5432/DB --jdbc-user OWNER
-- or with psql:  psql -v ON_ERROR_STOP=1 -1 -f src/main/resources/sql/schema.sql
--
-- The job itself never runs DDL: it needs only
--   GRANT SELECT, INSERT ON pql_transitions TO <job user>;
--   GRANT SELECT, INSERT, UPDATE ON pql_current_scores TO <job user>;
--
-- No CHECK constraints on kind, cause, direction or tiers: their values come from SPEC and the
-- scoring model, and a row the database refused would stop the job (it retries, then fails and
-- restarts on the same row) instead of being written.
-- ApplySchema splits the script at each ';' outside quotes and comments: no dollar quoting here.

CREATE TABLE IF NOT EXISTS pql_transitions (
    event_id        UUID           PRIMARY KEY,
    kind            TEXT           NOT NULL,
    account_id      TEXT           NOT NULL,
    user_id         TEXT,
    tier_from       TEXT           NOT NULL,
    tier_to         TEXT           NOT NULL,
    direction       TEXT           NOT NULL,
    score           NUMERIC(12, 2) NOT NULL,
    occurred_at     TIMESTAMPTZ    NOT NULL,
    cause           TEXT           NOT NULL,
    emitted_at      TIMESTAMPTZ    NOT NULL,
    model_id        TEXT           NOT NULL,
    model_version   TEXT           NOT NULL,
    breakdown       JSONB          NOT NULL,
    top_signals     JSONB          NOT NULL,
    active_users_7d INTEGER,
    traits          JSONB          NOT NULL,
    route           TEXT           NOT NULL,
    sla             INTERVAL,
    respond_by      TIMESTAMPTZ
);

-- An account's (and its users') history in time order.
CREATE INDEX IF NOT EXISTS pql_transitions_account_occurred_idx ON pql_transitions (account_id, occurred_at);
-- "Who became hot since yesterday": by target tier, then time.
CREATE INDEX IF NOT EXISTS pql_transitions_tier_to_occurred_idx ON pql_transitions (tier_to, occurred_at);
-- Everything in a time range.
CREATE INDEX IF NOT EXISTS pql_transitions_occurred_idx ON pql_transitions (occurred_at);

COMMENT ON TABLE pql_transitions IS
    'One row per tier change of a user (kind pql) or an account (kind pqa), SPEC 5. Written idempotently by event_id (INSERT ... ON CONFLICT (event_id) DO NOTHING), so replays and restarts never duplicate a row; a replayed row keeps its first emitted_at.';
COMMENT ON COLUMN pql_transitions.event_id IS
    'Deterministic id (UUID v5 of model id, model version, kind, entity, occurred_at, tier_to and trigger): the same transition has the same id in every run. Primary key.';
COMMENT ON COLUMN pql_transitions.kind IS
    'pql: a user''s tier changed; pqa: an account''s tier changed.';
COMMENT ON COLUMN pql_transitions.account_id IS
    'The account (Segment groupId) of the entity.';
COMMENT ON COLUMN pql_transitions.user_id IS
    'The user (Segment userId) for kind pql; NULL for kind pqa (accounts).';
COMMENT ON COLUMN pql_transitions.tier_from IS
    'Tier before the change; the base tier is none.';
COMMENT ON COLUMN pql_transitions.tier_to IS
    'Tier after the change (user tiers of the default model: none, engaged, pql, hot; account tiers: none, pqa).';
COMMENT ON COLUMN pql_transitions.direction IS
    'up or down.';
COMMENT ON COLUMN pql_transitions.score IS
    'The entity''s score at occurred_at, rounded to 2 decimals (an account held back by the active-users gate shows its real score).';
COMMENT ON COLUMN pql_transitions.occurred_at IS
    'Event time of the evaluation that changed the tier (the record''s timestamp, or the tick time for cause tick/retention).';
COMMENT ON COLUMN pql_transitions.cause IS
    'event: evaluation after a usage record; tick: an evaluation tick (decay or window expiry); retention: the entity was forgotten after the retention period without records.';
COMMENT ON COLUMN pql_transitions.emitted_at IS
    'Wall-clock time the job produced the transition (of the first run that wrote it; replays do not change it).';
COMMENT ON COLUMN pql_transitions.model_id IS
    'Id of the scoring model that produced the transition.';
COMMENT ON COLUMN pql_transitions.model_version IS
    'Version of the scoring model.';
COMMENT ON COLUMN pql_transitions.breakdown IS
    'Points per category at occurred_at, after caps, as a JSON object, e.g. {"frequency": 15.00, "activation": 19.66, ...}.';
COMMENT ON COLUMN pql_transitions.top_signals IS
    'The signals that contributed most, best first, as a JSON array of {"signal", "category", "points", "last_seen"}.';
COMMENT ON COLUMN pql_transitions.active_users_7d IS
    'Accounts: identified users with activity in the 7 days up to occurred_at; NULL for users.';
COMMENT ON COLUMN pql_transitions.traits IS
    'The fit traits used, as a JSON object {"account": {...}, "user": {...}} (accounts: account only).';
COMMENT ON COLUMN pql_transitions.route IS
    'Where the lead goes (SPEC 6): the tier''s route from the model (default model: self_serve, sales, sales_priority, enterprise), enterprise by the model''s override, none for downward transitions.';
COMMENT ON COLUMN pql_transitions.sla IS
    'First-touch SLA of the route; NULL when the tier has none (e.g. self_serve, and every downward transition).';
COMMENT ON COLUMN pql_transitions.respond_by IS
    'occurred_at + sla: when the first touch is due; NULL without an SLA.';

CREATE TABLE IF NOT EXISTS pql_current_scores (
    kind          TEXT           NOT NULL,
    account_id    TEXT           NOT NULL,
    user_id       TEXT,
    user_key      TEXT           GENERATED ALWAYS AS (COALESCE(user_id, '')) STORED,
    tier          TEXT           NOT NULL,
    score         NUMERIC(12, 2) NOT NULL,
    as_of         TIMESTAMPTZ    NOT NULL,
    model_id      TEXT           NOT NULL,
    model_version TEXT           NOT NULL,
    breakdown     JSONB          NOT NULL,
    forgotten     BOOLEAN        NOT NULL,
    updated_at    TIMESTAMPTZ    NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, account_id, user_key)
);

-- "Who is hot right now", "all PQAs".
CREATE INDEX IF NOT EXISTS pql_current_scores_kind_tier_idx ON pql_current_scores (kind, tier);

COMMENT ON TABLE pql_current_scores IS
    'The latest score of every user (kind pql) and account (kind pqa), one row per entity (SPEC 5). Upserted with an as_of guard: a row is only replaced by one with a later (or equal) as_of, so replays and out-of-order writes never bring back an older score. Entities the job has forgotten (retention) keep their last row with forgotten = true.';
COMMENT ON COLUMN pql_current_scores.kind IS
    'pql: a user; pqa: an account.';
COMMENT ON COLUMN pql_current_scores.account_id IS
    'The account (Segment groupId) of the entity.';
COMMENT ON COLUMN pql_current_scores.user_id IS
    'The user (Segment userId) for kind pql; NULL for kind pqa.';
COMMENT ON COLUMN pql_current_scores.user_key IS
    'user_id, or the empty string for accounts (computed): part of the primary key (kind, account_id, user_key), since a NULL user_id cannot be (NULLS NOT DISTINCT needs PostgreSQL 15). Query user_id instead.';
COMMENT ON COLUMN pql_current_scores.tier IS
    'The entity''s current tier (none when below every tier, and after retention).';
COMMENT ON COLUMN pql_current_scores.score IS
    'The score at as_of, rounded to 2 decimals.';
COMMENT ON COLUMN pql_current_scores.as_of IS
    'Event time of the evaluation this row comes from; the upsert never replaces a row with an older as_of.';
COMMENT ON COLUMN pql_current_scores.model_id IS
    'Id of the scoring model that computed the score.';
COMMENT ON COLUMN pql_current_scores.model_version IS
    'Version of the scoring model.';
COMMENT ON COLUMN pql_current_scores.breakdown IS
    'Points per category at as_of, after caps, as a JSON object.';
COMMENT ON COLUMN pql_current_scores.forgotten IS
    'true when the job forgot the entity at as_of (retention: no records for the retention period); its state is gone and a new record starts it from zero.';
COMMENT ON COLUMN pql_current_scores.updated_at IS
    'Wall-clock time the row was last written (a replay that brings nothing newer does not touch it).';
