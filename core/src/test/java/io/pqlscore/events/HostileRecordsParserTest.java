package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.HostileRecords;
import io.pqlscore.testing.Shared;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The parser alone on the hostile records of {@link HostileRecords}: each gets exactly the reason
 * the generator expects, in bounded time, without throwing. (The whole job on them, through Kafka,
 * is {@code io.pqlscore.kafka.HostileInputTest}.)
 */
class HostileRecordsParserTest {

    @Test
    void everyHostileRecordGetsItsExpectedReasonQuickly() {
        ScoringModel model = ModelLoader.load(Shared.dir().resolve("model-format.yaml"));
        EventParser parser = new EventParser(model).eventTimeBounds(
                Timestamps.parseMillis(HostileRecords.MIN_EVENT_TIME), 365L * 86_400_000L);
        List<HostileRecords.Hostile> records = HostileRecords.generate(10_000, 7, false);
        assertThat(records).hasSize(10_000);
        List<String> wrong = new ArrayList<>();
        Map<String, Integer> byReason = new TreeMap<>();
        long t0 = System.nanoTime();
        long bytes = 0;
        long slowest = 0;
        String slowestKind = "";
        for (int i = 0; i < records.size(); i++) {
            HostileRecords.Hostile h = records.get(i);
            byte[] value = h.rejectedByParser() ? h.value() : HostileRecords.withTimestamp(h, "2026-04-01T00:00:00Z");
            bytes += value.length;
            long s = System.nanoTime();
            ParsedRecord r = parser.parse(value, new SourcePosition("hostile", 0, i));
            long took = System.nanoTime() - s;
            if (took > slowest) {
                slowest = took;
                slowestKind = h.toString();
            }
            String got = r.isValid() ? null : r.deadLetter.reason;
            byReason.merge(String.valueOf(got), 1, Integer::sum);
            if (!java.util.Objects.equals(got, h.parserReason())) {
                wrong.add(h + " got " + got + (r.isValid() ? "" : " (" + r.deadLetter.detail + ")") + ": "
                        + new String(value, 0, Math.min(value.length, 200), java.nio.charset.StandardCharsets.UTF_8));
            }
            if (h.resolvedLater()) {
                // SPEC 8: left to identity resolution, which the whole-job test (HostileInputTest) covers
                assertThat(r.event.accountId).as("account of " + h).isNull();
                assertThat(r.event.userId).as("user of " + h).isNotNull();
            }
            if (!r.isValid()) {
                // a dead letter is never much bigger than the record limit, whatever the record
                long carried = r.deadLetter.payload.length() + (r.deadLetter.payloadBase64 == null ? 0 : r.deadLetter.payloadBase64.length());
                assertThat(carried).as("payload carried for " + h).isLessThan(3L * EventParser.DEFAULT_MAX_RECORD_BYTES);
            }
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("hostile records: %d (%,d bytes) parsed in %d ms, slowest %.1f ms (%s); by reason %s; kinds %s%n",
                records.size(), bytes, ms, slowest / 1e6, slowestKind, byReason, HostileRecords.countByKind(records));
        assertThat(wrong).as("records whose reason is not the expected one").isEmpty();
        assertThat(byReason.keySet()).contains("too_large", "bad_json", "not_object", "bad_type", "bad_timestamp",
                "missing_account", "bad_field", "null");
        // the worst of them is parsed in well under a second (a 500,000-digit number used to take 20 s)
        assertThat(slowest / 1_000_000).as("slowest record, ms").isLessThan(2_000);
    }
}
