package io.pqlscore.testing;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.events.Timestamps;
import io.pqlscore.model.JsonValues;
import io.pqlscore.scoring.Transition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** The fields of a transition the conformance cases fix, compared as their README says. */
public final class ExpectedTransition {
    final String kind;
    final String accountId;
    final String userId;
    final String tierFrom;
    final String tierTo;
    final String direction;
    final double score;
    final long occurredAt;
    final String cause;

    ExpectedTransition(String kind, String accountId, String userId, String tierFrom, String tierTo, String direction,
            double score, long occurredAt, String cause) {
        this.kind = kind;
        this.accountId = accountId;
        this.userId = userId;
        this.tierFrom = tierFrom;
        this.tierTo = tierTo;
        this.direction = direction;
        this.score = score;
        this.occurredAt = occurredAt;
        this.cause = cause;
    }

    public static ExpectedTransition of(JsonNode n) {
        return new ExpectedTransition(n.get("kind").asText(), n.get("account_id").asText(),
                n.get("user_id").isNull() ? null : n.get("user_id").asText(), n.get("tier_from").asText(),
                n.get("tier_to").asText(), n.get("direction").asText(), n.get("score").asDouble(),
                Timestamps.parseMillis(n.get("occurred_at").asText()), n.get("cause").asText());
    }

    /** The transitions of a case's {@code .expected.jsonl} file. */
    public static List<ExpectedTransition> readAll(Path expectedJsonLines) throws IOException {
        List<ExpectedTransition> out = new ArrayList<>();
        for (String line : Files.readAllLines(expectedJsonLines, StandardCharsets.UTF_8)) {
            if (!line.isBlank()) {
                out.add(of(JsonValues.MAPPER.readTree(line)));
            }
        }
        return out;
    }

    public static ExpectedTransition of(Transition t) {
        return new ExpectedTransition(t.kind, t.accountId, t.userId, t.tierFrom, t.tierTo, t.direction, t.score,
                t.occurredAt, t.cause);
    }

    boolean matches(ExpectedTransition o) {
        return kind.equals(o.kind) && accountId.equals(o.accountId) && Objects.equals(userId, o.userId)
                && tierFrom.equals(o.tierFrom) && tierTo.equals(o.tierTo) && direction.equals(o.direction)
                && occurredAt == o.occurredAt && cause.equals(o.cause) && Math.abs(score - o.score) <= 0.01 + 1e-9;
    }

    /** Multiset difference description; empty when {@code actual} matches {@code expected}. */
    public static List<String> diff(List<ExpectedTransition> expected, List<ExpectedTransition> actual) {
        List<ExpectedTransition> left = new ArrayList<>(actual);
        List<String> problems = new ArrayList<>();
        for (ExpectedTransition e : expected) {
            int hit = -1;
            for (int i = 0; i < left.size(); i++) {
                if (e.matches(left.get(i))) {
                    hit = i;
                    break;
                }
            }
            if (hit < 0) {
                problems.add("missing  " + e);
            } else {
                left.remove(hit);
            }
        }
        for (ExpectedTransition a : left) {
            problems.add("extra    " + a);
        }
        return problems;
    }

    @Override
    public String toString() {
        return String.format("%s %s/%s %s->%s (%s) %.2f at %s by %s", kind, accountId, userId, tierFrom, tierTo,
                direction, score, Timestamps.format(occurredAt), cause);
    }
}
