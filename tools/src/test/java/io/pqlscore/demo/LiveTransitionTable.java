package io.pqlscore.demo;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.model.JsonValues;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the transitions topic as a downstream consumer would (read_committed: only what the job's
 * Kafka transactions committed) and redraws a readable table in the terminal: who, tier, score,
 * top reasons, route. Plain text without a TTY (each redraw then just follows the previous one).
 */
final class LiveTransitionTable implements AutoCloseable {
    private static final int ROWS = 18;
    private static final String CLEAR = "\033[H\033[2J";

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final PrintStream out;
    private final boolean ansi;
    private final Deque<JsonNode> recent = new ArrayDeque<>();
    private final Map<String, String> tierByEntity = new TreeMap<>();
    private long seen;

    LiveTransitionTable(String bootstrapServers, String topic, PrintStream out, boolean ansi) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "pql-demo-table");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        this.consumer = new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.consumer.subscribe(List.of(topic));
        this.out = out;
        this.ansi = ansi;
    }

    /** Polls for up to {@code wait} and redraws. */
    void refresh(Duration wait, String header) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(wait)) {
            JsonNode t = JsonValues.parse(new String(r.value(), java.nio.charset.StandardCharsets.UTF_8));
            seen++;
            recent.addFirst(t);
            while (recent.size() > ROWS) {
                recent.removeLast();
            }
            tierByEntity.put(who(t), t.path("tier_to").asText());
        }
        draw(header);
    }

    long transitionsSeen() {
        return seen;
    }

    private void draw(String header) {
        StringBuilder b = new StringBuilder();
        if (ansi) {
            b.append(CLEAR);
        }
        b.append(header).append('\n');
        Map<String, Integer> perTier = new TreeMap<>();
        for (String tier : tierByEntity.values()) {
            perTier.merge(tier, 1, Integer::sum);
        }
        b.append(String.format("transitions committed: %d   entities now by tier: %s%n%n", seen, perTier));
        b.append(String.format("%-19s %-4s %-22s %-18s %-15s %6s  %-40s %s%n", "OCCURRED (event time)", "KIND",
                "ACCOUNT", "USER", "TIER", "SCORE", "TOP REASONS", "ROUTE"));
        for (JsonNode t : recent) {
            b.append(String.format("%-19s %-4s %-22s %-18s %-15s %6s  %-40s %s%n",
                    t.path("occurred_at").asText().replace('T', ' ').substring(0, 19),
                    t.path("kind").asText(),
                    cut(t.path("account_id").asText(), 22),
                    cut(t.path("user_id").isNull() ? "-" : t.path("user_id").asText(), 18),
                    cut(t.path("tier_from").asText() + (t.path("direction").asText().equals("up") ? " ↑ " : " ↓ ")
                            + t.path("tier_to").asText(), 15),
                    String.format("%.2f", t.path("score").asDouble()),
                    cut(reasons(t), 40),
                    route(t)));
        }
        if (recent.isEmpty()) {
            b.append("(waiting for the first committed transitions: they appear on each checkpoint)\n");
        }
        out.print(b);
        out.flush();
    }

    private static String who(JsonNode t) {
        return t.path("kind").asText() + ":" + t.path("account_id").asText() + "/" + t.path("user_id").asText("");
    }

    private static String reasons(JsonNode t) {
        StringBuilder b = new StringBuilder();
        for (JsonNode s : t.path("top_signals")) {
            if (b.length() > 0) {
                b.append(", ");
            }
            b.append(s.path("signal").asText()).append(' ').append(s.path("points").asText());
        }
        return b.toString();
    }

    private static String route(JsonNode t) {
        JsonNode r = t.path("routing");
        String sla = r.path("sla").isNull() ? "" : " (SLA " + r.path("sla").asText().replace("PT", "").toLowerCase() + ")";
        return r.path("route").asText() + sla;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n - 1) + "…";
    }

    @Override
    public void close() {
        consumer.close();
    }
}
