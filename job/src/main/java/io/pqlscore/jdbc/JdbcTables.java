package io.pqlscore.jdbc;

import java.util.List;
import java.util.stream.Collectors;

/**
 * The job's two PostgreSQL tables ({@code db/migration/V1__create_tables.sql}) as the writers see them: names,
 * written columns, keys and the two idempotent statements. Free of Flink types, so that
 * {@link ApplySchema} runs from the job jar with a plain {@code java -cp} (Flink is
 * {@code provided}).
 */
public final class JdbcTables {
    private JdbcTables() {}

    public static final String TRANSITIONS = "pql_transitions";
    public static final String SCORES = "pql_current_scores";

    /** The columns the transitions sink writes, in bind order. */
    public static final List<String> TRANSITION_COLUMNS = List.of("event_id", "kind", "account_id", "user_id",
            "tier_from", "tier_to", "direction", "score", "occurred_at", "cause", "emitted_at", "model_id",
            "model_version", "breakdown", "top_signals", "active_users_7d", "traits", "route", "sla", "respond_by");

    /** The primary key of {@link #TRANSITIONS}: the conflict target of {@link #INSERT_TRANSITION}. */
    public static final List<String> TRANSITION_KEY = List.of("event_id");

    /** The columns the scores sink writes, in bind order ({@code user_key} is computed by the table). */
    public static final List<String> SCORE_COLUMNS = List.of("kind", "account_id", "user_id", "tier", "score", "as_of",
            "model_id", "model_version", "breakdown", "forgotten");

    /**
     * The primary key of {@link #SCORES}: the conflict target of {@link #UPSERT_SCORE}.
     * {@code user_key} is {@code COALESCE(user_id, '')}, a stored generated column: a primary key
     * cannot hold the NULL {@code user_id} of accounts, and {@code UNIQUE NULLS NOT DISTINCT}
     * needs PostgreSQL 15.
     */
    public static final List<String> SCORE_KEY = List.of("kind", "account_id", "user_key");

    /** The columns an upsert replaces: everything but the key and user_id, which the key fixes. */
    private static final List<String> SCORE_VALUE_COLUMNS = List.of("tier", "score", "as_of", "model_id",
            "model_version", "breakdown", "forgotten");

    /** Inserts a transition unless its event_id is there already (a replay): the first row stays. */
    public static final String INSERT_TRANSITION = "INSERT INTO " + TRANSITIONS
            + " (" + String.join(", ", TRANSITION_COLUMNS) + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?::jsonb, ?, ?::jsonb, ?, ?::interval, ?)"
            + " ON CONFLICT (" + String.join(", ", TRANSITION_KEY) + ") DO NOTHING";

    /**
     * Upserts an entity's score with the {@code as_of} guard: the stored row is replaced only by a
     * newer {@code as_of}, or by the same {@code as_of} with different contents (a later evaluation
     * at the same instant); an older row changes nothing, and an identical one is not rewritten.
     */
    public static final String UPSERT_SCORE = "INSERT INTO " + SCORES
            + " (" + String.join(", ", SCORE_COLUMNS) + ")"
            + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?)"
            + " ON CONFLICT (" + String.join(", ", SCORE_KEY) + ") DO UPDATE SET "
            + SCORE_VALUE_COLUMNS.stream().map(c -> c + " = EXCLUDED." + c).collect(Collectors.joining(", "))
            + ", updated_at = now()"
            + " WHERE " + SCORES + ".as_of < EXCLUDED.as_of"
            + " OR (" + SCORES + ".as_of = EXCLUDED.as_of AND ("
            + SCORE_VALUE_COLUMNS.stream().map(c -> SCORES + "." + c).collect(Collectors.joining(", "))
            + ") IS DISTINCT FROM ("
            + SCORE_VALUE_COLUMNS.stream().map(c -> "EXCLUDED." + c).collect(Collectors.joining(", "))
            + "))";
}
