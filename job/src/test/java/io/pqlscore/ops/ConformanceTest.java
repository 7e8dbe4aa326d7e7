package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.events.DeadLetter;
import io.pqlscore.model.JsonValues;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.JobRun;
import io.pqlscore.testing.Shared;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the whole job on every case of {@code contract/conformance} (bounded file replay, at
 * parallelism 1 and 4) and compares transitions and rejections exactly as the cases' README says.
 */
class ConformanceTest {

    @RegisterExtension
    static final MiniClusterExtension CLUSTER = new MiniClusterExtension(new MiniClusterResourceConfiguration.Builder()
            .setNumberTaskManagers(1).setNumberSlotsPerTaskManager(4).build());

    static Stream<Arguments> cases() throws IOException {
        List<Arguments> out = new ArrayList<>();
        List<String> rows = Files.readAllLines(Shared.conformance().resolve("cases.tsv"));
        for (String row : rows.subList(1, rows.size())) {
            if (row.isBlank()) {
                continue;
            }
            String[] cols = row.split("\t");
            for (int p : new int[] {1, 4}) {
                out.add(Arguments.of(cols[0], cols[1], p));
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} at parallelism {2}")
    @MethodSource("cases")
    void caseGivesExactlyTheExpectedTransitionsAndRejections(String name, String modelPath, int parallelism) throws Exception {
        Path cases = Shared.conformance().resolve("cases");
        ScoringModel model = ModelLoader.load(Shared.dir().resolve(modelPath));
        JobRun run = JobRun.run(model, cases.resolve(name + ".events.jsonl"), parallelism);

        List<ExpectedTransition> expected = readJsonLines(cases.resolve(name + ".expected.jsonl")).stream()
                .map(ExpectedTransition::of).collect(Collectors.toList());
        List<ExpectedTransition> actual = run.transitions.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).as("transition differences in " + name).isEmpty();

        List<String> expectedRejections = readJsonLines(cases.resolve(name + ".rejections.jsonl")).stream()
                .map(n -> n.get("line").asLong() + ":" + n.get("reason").asText()).sorted().collect(Collectors.toList());
        List<String> actualRejections = run.deadLetters.stream()
                .sorted(Comparator.comparingLong((DeadLetter d) -> d.offset))
                .map(d -> d.offset + ":" + d.reason).sorted().collect(Collectors.toList());
        assertThat(actualRejections).as("rejections in " + name).isEqualTo(expectedRejections);
    }

    static List<JsonNode> readJsonLines(Path p) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (String line : Files.readAllLines(p)) {
            if (!line.isBlank()) {
                out.add(JsonValues.MAPPER.readTree(line));
            }
        }
        return out;
    }
}
