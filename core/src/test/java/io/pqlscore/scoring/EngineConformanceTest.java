package io.pqlscore.scoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.testing.EngineDriver;
import io.pqlscore.testing.ExpectedTransition;
import io.pqlscore.testing.IdentityDriver;
import io.pqlscore.testing.Shared;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plain-Java rules alone (no Flink: {@code IdentityResolver}, then {@code ScoreEngine}) on the
 * conformance cases that need no pattern signals: transitions and rejections.
 */
class EngineConformanceTest {

    /**
     * Every case through the account stage's own code without Flink ({@code PassDriver}: the
     * parser, identity resolution, dedupe, the CEP patterns, the engine): transitions and
     * rejections.
     */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.MethodSource("allCases")
    void theAccountPassWithoutFlinkReproducesEveryCase(String name, String modelPath) throws Exception {
        ScoringModel model = ModelLoader.load(Shared.dir().resolve(modelPath));
        Path cases = Shared.conformance().resolve("cases");
        io.pqlscore.testing.PassDriver driver = new io.pqlscore.testing.PassDriver(model)
                .runLines(Files.readAllLines(cases.resolve(name + ".events.jsonl")));
        List<ExpectedTransition> expected = new ArrayList<>();
        for (String l : Files.readAllLines(cases.resolve(name + ".expected.jsonl"))) {
            expected.add(ExpectedTransition.of(io.pqlscore.model.JsonValues.parse(l)));
        }
        List<ExpectedTransition> actual = driver.transitions.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).isEmpty();
        List<String> expectedRejections = new ArrayList<>();
        for (String l : Files.readAllLines(cases.resolve(name + ".rejections.jsonl"))) {
            if (!l.isBlank()) {
                JsonNode n = io.pqlscore.model.JsonValues.parse(l);
                expectedRejections.add(n.get("line").asLong() + ":" + n.get("reason").asText());
            }
        }
        assertThat(driver.deadLetters.stream().map(d -> d.offset + ":" + d.reason).collect(Collectors.toList()))
                .containsExactlyInAnyOrderElementsOf(expectedRejections);
    }

    static java.util.stream.Stream<org.junit.jupiter.params.provider.Arguments> allCases() throws Exception {
        List<org.junit.jupiter.params.provider.Arguments> out = new ArrayList<>();
        List<String> rows = Files.readAllLines(Shared.conformance().resolve("cases.tsv"));
        for (String row : rows.subList(1, rows.size())) {
            if (!row.isBlank()) {
                String[] cols = row.split("\t");
                out.add(org.junit.jupiter.params.provider.Arguments.of(cols[0], cols[1]));
            }
        }
        return out.stream();
    }

    @ParameterizedTest
    @ValueSource(strings = {"01-rejections", "02-decay-and-ticks", "03-traits-and-groups", "04-ties-and-duplicates",
            "05-retention", "06-distinct-days", "07-active-users-gate", "10-where-tests", "13-identity",
            "15-identity-fine-print"})
    void engineAloneReproducesTheCase(String name) throws Exception {
        ScoringModel model = ModelLoader.load(Shared.conformance().resolve("model-simple.yaml"));
        Path cases = Shared.conformance().resolve("cases");
        EventParser parser = new EventParser(model);
        List<ParsedRecord> parsed = new ArrayList<>();
        List<String> rejections = new ArrayList<>();
        long line = 0;
        for (String l : Files.readAllLines(cases.resolve(name + ".events.jsonl"))) {
            line++;
            ParsedRecord r = parser.parse(l.getBytes(StandardCharsets.UTF_8), new SourcePosition("test", 0, line));
            parsed.add(r);
            if (!r.isValid()) {
                rejections.add(line + ":" + r.deadLetter.reason);
            }
        }
        // SPEC 8 first (records without an account id), then the engine per account
        IdentityDriver identity = new IdentityDriver(model.time().retentionMs());
        List<UsageEvent> events = identity.resolve(parsed);
        identity.rejected.forEach(d -> rejections.add(d.offset + ":" + d.reason));
        EngineDriver driver = new EngineDriver(new ScoreEngine(model)).run(events);
        List<String> expectedRejections = new ArrayList<>();
        for (String l : Files.readAllLines(cases.resolve(name + ".rejections.jsonl"))) {
            if (!l.isBlank()) {
                JsonNode n = io.pqlscore.model.JsonValues.parse(l);
                expectedRejections.add(n.get("line").asLong() + ":" + n.get("reason").asText());
            }
        }
        assertThat(rejections).containsExactlyInAnyOrderElementsOf(expectedRejections);
        List<ExpectedTransition> expected = new ArrayList<>();
        for (String l : Files.readAllLines(cases.resolve(name + ".expected.jsonl"))) {
            expected.add(ExpectedTransition.of(io.pqlscore.model.JsonValues.parse(l)));
        }
        List<ExpectedTransition> actual = driver.transitions.stream().map(ExpectedTransition::of).collect(Collectors.toList());
        assertThat(ExpectedTransition.diff(expected, actual)).isEmpty();
    }
}
