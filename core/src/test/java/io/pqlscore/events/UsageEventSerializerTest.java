package io.pqlscore.events;

import static org.assertj.core.api.Assertions.assertThat;

import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.Shared;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.flink.core.memory.DataInputDeserializer;
import org.apache.flink.core.memory.DataOutputSerializer;
import org.junit.jupiter.api.Test;

/**
 * The waiting records of the ordered operators' snapshots and spill lists: every record of every
 * conformance case, parsed under the default model, comes back field for field, as do the fields
 * only identity resolution (a join) and state migration (pattern outcomes) set.
 */
class UsageEventSerializerTest {
    @Test
    void everyConformanceRecordRoundTrips() throws Exception {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        EventParser parser = new EventParser(model);
        List<UsageEvent> events = new ArrayList<>();
        try (Stream<Path> files = Files.list(Shared.conformance().resolve("cases"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".events.jsonl")).sorted().toList()) {
                long line = 0;
                for (byte[] raw : Files.readAllLines(f).stream().map(String::getBytes).toList()) {
                    ParsedRecord r = parser.parse(raw, new SourcePosition(f.toString(), 0, line++));
                    if (r.isValid()) {
                        events.add(r.event);
                    }
                }
            }
        }
        assertThat(events).hasSizeGreaterThan(1000);
        UsageEvent joined = events.stream().filter(UsageEvent::isGroup).findFirst().orElseThrow().inAccount("acme");
        joined.join = true;
        joined.joinTraitKeys = new String[] {"role"};
        joined.joinTraitValues = new String[] {"\"vp\""};
        events.add(joined);
        UsageEvent migrated = events.get(0).inAccount("acme");
        migrated.patternsRan = 0b1010;
        migrated.accountFired = 0b0010;
        migrated.userFired = 0b1000;
        events.add(migrated);
        for (UsageEvent e : events) {
            DataOutputSerializer out = new DataOutputSerializer(64);
            UsageEventSerializer.INSTANCE.serialize(e, out);
            UsageEvent back = UsageEventSerializer.INSTANCE.deserialize(new DataInputDeserializer(out.getCopyOfBuffer()));
            assertThat(back).usingRecursiveComparison()
                    .withEqualsForType((a, b) -> Double.compare(a, b) == 0, Double.class) // NaN: not a usage hit
                    .as(e.toString()).isEqualTo(e);
            assertThat(back.patternsRan).isEqualTo(e.patternsRan);
            assertThat(back.accountFired).isEqualTo(e.accountFired);
            assertThat(back.userFired).isEqualTo(e.userFired);
        }
    }
}
