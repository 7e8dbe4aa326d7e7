package io.pqlscore.generator;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.pqlscore.events.EventParser;
import io.pqlscore.events.ParsedRecord;
import io.pqlscore.events.SourcePosition;
import io.pqlscore.events.UsageEvent;
import io.pqlscore.generator.GeneratedRecord.Kind;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import io.pqlscore.scoring.ScoreEngine;
import io.pqlscore.scoring.Transition;
import io.pqlscore.testing.EngineDriver;
import io.pqlscore.testing.IdentityDriver;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event generator: determinism, validity against the parser and the default model, the
 * disorder bound, duplicates, bad records, heavy-tailed teams, scoring outcomes, pacing, live
 * mode, the Kafka sink and the command's exit codes. Small populations: the whole class runs in
 * a few seconds.
 */
class EventGeneratorTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static ScoringModel model;
    static EventParser parser;
    /** 200 accounts, two weeks, 2 % bad records, 1 % duplicates: shared by several tests. */
    static List<GeneratedRecord> sample;
    /** The sample through the job's parser, index for index. */
    static List<ParsedRecord> parsed;

    @TempDir
    Path tmp;

    @BeforeAll
    static void generateSample() {
        model = ModelLoader.loadDefault();
        parser = new EventParser(model);
        sample = list(new GeneratorConfig().accounts(200).days(14).badRatio(0.02).duplicateRatio(0.01).seed(11));
        parsed = new ArrayList<>(sample.size());
        for (GeneratedRecord r : sample) {
            parsed.add(parse(r, parsed.size() + 1));
        }
    }

    static List<GeneratedRecord> list(GeneratorConfig c) {
        List<GeneratedRecord> out = new ArrayList<>();
        EventGenerator.records(c).forEachRemaining(out::add);
        return out;
    }

    static ParsedRecord parse(GeneratedRecord r, long i) {
        return parser.parse(r.json().getBytes(UTF_8), new SourcePosition("generator", 0, i));
    }

    // ------------------------------------------------------------------ determinism

    @Test
    void sameSeedAndOptionsWriteTheSameBytes() throws Exception {
        Path a = tmp.resolve("a.jsonl");
        Path b = tmp.resolve("b.jsonl");
        Path c = tmp.resolve("c.jsonl");
        String[] common = {"--accounts", "150", "--days", "5", "--bad-ratio", "0.01", "--quiet"};
        assertThat(runQuietly(concat(common, "--seed", "7", "--out", a.toString()))).isZero();
        assertThat(runQuietly(concat(common, "--seed", "7", "--out", b.toString()))).isZero();
        assertThat(runQuietly(concat(common, "--seed", "8", "--out", c.toString()))).isZero();
        byte[] first = Files.readAllBytes(a);
        assertThat(first.length).isGreaterThan(100_000);
        assertThat(Files.readAllBytes(b)).isEqualTo(first);
        assertThat(Files.readAllBytes(c)).isNotEqualTo(first);

        // the library stream is the same text
        GeneratorConfig cfg = new GeneratorConfig().accounts(150).days(5).badRatio(0.01).seed(7);
        String streamed = EventGenerator.stream(cfg).map(l -> l + "\n").collect(Collectors.joining());
        assertThat(streamed).isEqualTo(new String(first, UTF_8));
    }

    @Test
    void eventsCutsTheSameStreamAtACount() {
        List<GeneratedRecord> all = list(new GeneratorConfig().accounts(100).days(3).seed(3));
        List<GeneratedRecord> cut = list(new GeneratorConfig().accounts(100).days(3).events(1000).seed(3));
        assertThat(cut).hasSize(1000);
        for (int i = 0; i < cut.size(); i++) {
            assertThat(cut.get(i).json()).isEqualTo(all.get(i).json());
        }
        // --events without --days is not bounded by time
        assertThat(list(new GeneratorConfig().accounts(20).events(50_000).seed(3))).hasSize(50_000);
    }

    // ------------------------------------------------------------------ validity

    @Test
    void validRecordsParseAndBadOnesAreRejectedForTheIntendedReason() {
        Map<String, Integer> badByReason = new TreeMap<>();
        for (int i = 0; i < sample.size(); i++) {
            GeneratedRecord r = sample.get(i);
            ParsedRecord p = parsed.get(i);
            if (r.kind() == Kind.BAD) {
                assertThat(p.isValid()).as("bad record %s", r).isFalse();
                assertThat(p.deadLetter.reason).as("reason of %s (%s)", r.json(), p.deadLetter.detail)
                        .isEqualTo(r.badReason());
                badByReason.merge(r.badReason(), 1, Integer::sum);
            } else {
                assertThat(p.isValid()).as("%s: %s", r.json(), p.deadLetter).isTrue();
                assertThat(p.event.accountId).isEqualTo(r.key());
                assertThat(p.event.timestamp).isEqualTo(r.eventTime());
            }
        }
        assertThat(badByReason.keySet()).containsExactlyInAnyOrder("bad_json", "missing_account", "bad_timestamp", "bad_field");
        long bad = sample.stream().filter(r -> r.kind() == Kind.BAD).count();
        assertThat((double) bad / sample.size()).isBetween(0.015, 0.025);
    }

    // ------------------------------------------------------------------ Segment style (SPEC 8)

    @Test
    void segmentStyleSendsCallsAsSegmentsLibrariesDoAndEveryOneResolvesToItsAccount() {
        GeneratorConfig cfg = new GeneratorConfig().accounts(200).days(14).duplicateRatio(0.01).badRatio(0.01).seed(11)
                .segmentStyle(true);
        List<GeneratedRecord> records = list(cfg);
        List<ParsedRecord> parsedRecords = new ArrayList<>();
        long identifies = 0;
        long userActivity = 0;
        long taggedActivity = 0;
        Map<String, Long> firstGroup = new HashMap<>();
        Map<String, Long> firstUntagged = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            GeneratedRecord r = records.get(i);
            ParsedRecord p = parse(r, i + 1);
            parsedRecords.add(p);
            if (r.kind() == Kind.BAD) {
                assertThat(p.isValid()).as("bad record %s", r).isFalse();
                assertThat(p.deadLetter.reason).isEqualTo(r.badReason());
                continue;
            }
            assertThat(p.isValid()).as("%s: %s", r.json(), p.deadLetter).isTrue();
            UsageEvent e = p.event;
            if (e.isIdentify()) {
                identifies++;
                assertThat(e.accountId).as("identify %s", r.json()).isNull();
            } else if (e.isGroup() && e.userId != null) {
                firstGroup.merge(e.userId, e.timestamp, Math::min);
            } else if (e.isActivity() && e.userId != null) {
                userActivity++;
                if (e.accountId != null) {
                    taggedActivity++;
                } else {
                    firstUntagged.merge(e.userId, e.timestamp, Math::min);
                }
            } else if (e.isActivity()) {
                assertThat(e.accountId).as("activity without a user names its account: %s", r.json()).isEqualTo(r.key());
            }
        }
        assertThat(identifies).isPositive();
        assertThat((double) taggedActivity / userActivity).as("share of user activity still naming its account")
                .isBetween(0.05, 0.15);
        // every user joins its account (a group call naming it) before its first activity without an account id
        List<String> before = firstUntagged.entrySet().stream()
                .filter(x -> firstGroup.get(x.getKey()) == null || firstGroup.get(x.getKey()) >= x.getValue())
                .map(Map.Entry::getKey).limit(5).collect(Collectors.toList());
        assertThat(before).as("users with activity without an account id before their group call").isEmpty();

        // identity resolution gives every valid record its intended account: nothing is missing_account
        IdentityDriver identity = new IdentityDriver(model.time().retentionMs());
        List<UsageEvent> resolved = identity.resolve(parsedRecords);
        assertThat(identity.rejected).isEmpty();
        Map<String, String> accountOf = new HashMap<>();
        for (int i = 0; i < records.size(); i++) {
            if (records.get(i).kind() != Kind.BAD) {
                accountOf.put(parsedRecords.get(i).event.messageId, records.get(i).key());
            }
        }
        assertThat(resolved).allSatisfy(e -> assertThat(e.accountId).as(e.toString()).isEqualTo(accountOf.get(e.messageId)));
        assertThat(identity.memberships).isGreaterThan(200);
        EngineDriver driver = new EngineDriver(new ScoreEngine(model)).run(resolved);
        assertThat(driver.transitions).filteredOn(t -> t.kind.equals(Transition.PQA)).isNotEmpty();
    }

    @Test
    void withoutBadRatioEveryRecordIsValidForTheDefaultModel() {
        List<GeneratedRecord> records = list(new GeneratorConfig().accounts(200).days(7).seed(5));
        assertThat(records.size()).isGreaterThan(20_000);
        long i = 0;
        for (GeneratedRecord r : records) {
            assertThat(r.kind()).isNotEqualTo(Kind.BAD);
            ParsedRecord p = parse(r, ++i);
            assertThat(p.isValid()).as("%s: %s", r.json(), p.deadLetter).isTrue();
        }
    }

    @Test
    void messageIdsAreUniqueExceptForRetries() {
        Set<String> ids = new HashSet<>();
        Map<String, String> textById = new HashMap<>();
        for (int i = 0; i < sample.size(); i++) {
            GeneratedRecord r = sample.get(i);
            ParsedRecord p = parsed.get(i);
            if (r.kind() == Kind.VALID) {
                assertThat(ids.add(p.event.messageId)).as("unique %s", p.event.messageId).isTrue();
                textById.put(p.event.messageId, r.json());
            } else if (r.kind() == Kind.DUPLICATE) {
                // an exact copy of a record that came before it
                assertThat(textById.get(p.event.messageId)).isEqualTo(r.json());
            }
        }
    }

    // ------------------------------------------------------------------ order and faults

    @Test
    void eventTimeNeverTrailsTheMaximumSoFarByMaxDisorder() {
        for (long disorder : new long[] {0, 10_000, 120_000, 299_999}) {
            List<GeneratedRecord> records = list(new GeneratorConfig().accounts(150).days(4).maxDisorderMs(disorder)
                    .duplicateRatio(0.02).seed(disorder));
            long max = Long.MIN_VALUE;
            long maxLag = 0;
            long prevArrival = Long.MIN_VALUE;
            long i = 0;
            for (GeneratedRecord r : records) {
                long t = parse(r, ++i).event.timestamp; // the text's own timestamp, offsets and all
                if (max != Long.MIN_VALUE) {
                    assertThat(t).as("record %d behind the max so far by more than %d ms", i, disorder)
                            .isGreaterThanOrEqualTo(max - disorder);
                    maxLag = Math.max(maxLag, max - t);
                }
                max = Math.max(max, t);
                assertThat(r.arrivalTime()).isGreaterThanOrEqualTo(prevArrival);
                assertThat(r.arrivalTime() - r.eventTime()).isBetween(0L, Math.max(0, disorder - 1));
                prevArrival = r.arrivalTime();
            }
            if (disorder == 0) {
                assertThat(maxLag).isZero();
            } else {
                assertThat(maxLag).as("some disorder is there").isGreaterThan(Math.min(disorder / 2, 5_000));
            }
        }
    }

    @Test
    void duplicatesComeAtAboutTheRequestedRatio() {
        long dups = sample.stream().filter(r -> r.kind() == Kind.DUPLICATE).count();
        assertThat((double) dups / sample.size()).isBetween(0.008, 0.012);

        List<GeneratedRecord> defaults = list(new GeneratorConfig().accounts(300).days(14).seed(2));
        long d = defaults.stream().filter(r -> r.kind() == Kind.DUPLICATE).count();
        assertThat((double) d / defaults.size()).isBetween(0.0035, 0.0065);
        assertThat(list(new GeneratorConfig().accounts(100).days(3).duplicateRatio(0).seed(2)))
                .noneMatch(r -> r.kind() == Kind.DUPLICATE);
    }

    // ------------------------------------------------------------------ realism

    @Test
    void theDefaultExistingRatioIsTheStreamAsBefore() {
        List<GeneratedRecord> byDefault = list(new GeneratorConfig().accounts(50).days(2).seed(8));
        List<GeneratedRecord> explicit = list(new GeneratorConfig().accounts(50).days(2).seed(8)
                .existingRatio(GeneratorConfig.DEFAULT_EXISTING_RATIO));
        assertThat(explicit).extracting(GeneratedRecord::json).containsExactlyElementsOf(
                byDefault.stream().map(GeneratedRecord::json).toList());
    }

    /** A soak needs a population that only arrives: with ratio 0 nobody signed up before the start. */
    @Test
    void existingRatioIsTheShareOfAccountsSignedUpBeforeTheStart() {
        EventStream some = new EventStream(new GeneratorConfig().accounts(5_000).seed(4).days(100));
        long before = Arrays.stream(some.population().signupDay).filter(d -> d < 0).count();
        assertThat(before / 5_000.0).isBetween(0.37, 0.43);
        EventStream none = new EventStream(new GeneratorConfig().accounts(5_000).seed(4).days(100).existingRatio(0));
        assertThat(Arrays.stream(none.population().signupDay).min().orElseThrow()).isGreaterThanOrEqualTo(0);
        assertThat(Arrays.stream(none.population().signupDay).max().orElseThrow()).isLessThan(100);
    }

    @Test
    void teamSizesAreHeavyTailed() {
        EventStream world = new EventStream(new GeneratorConfig().accounts(10_000).seed(4).days(1));
        int[] team = world.population().team.clone();
        Arrays.sort(team);
        double mean = Arrays.stream(team).average().orElse(0);
        assertThat(mean).as("mean team size").isBetween(8.5, 13.0);
        assertThat(team[team.length / 2]).as("median").isLessThanOrEqualTo(3);
        assertThat(team[team.length - 1]).as("max").isGreaterThanOrEqualTo(150).isLessThanOrEqualTo(200);

        // and the users who actually show up in two weeks
        Map<String, Set<String>> usersByAccount = new HashMap<>();
        for (ParsedRecord p : parsed) {
            if (p.isValid() && p.event.userId != null) {
                usersByAccount.computeIfAbsent(p.event.accountId, k -> new HashSet<>()).add(p.event.userId);
            }
        }
        int[] seen = usersByAccount.values().stream().mapToInt(Set::size).sorted().toArray();
        int median = seen[seen.length / 2];
        assertThat(seen[seen.length - 1]).as("largest team seen vs median %d", median).isGreaterThanOrEqualTo(10 * median);
    }

    @Test
    void recordsCoverTheDefaultModelAndTheSegmentVariety() throws Exception {
        Map<String, Integer> counts = new TreeMap<>();
        Set<String> features = new HashSet<>();
        Set<String> roles = new HashSet<>();
        Set<String> industries = new HashSet<>();
        Set<String> plans = new HashSet<>();
        int zulu = 0;
        int offset = 0;
        int accountInPropertiesOnly = 0;
        int anonymous = 0;
        Map<String, List<double[]>> usage = new HashMap<>(); // account|metric -> (time, ratio)
        for (GeneratedRecord r : sample) {
            if (r.kind() != Kind.VALID) {
                continue;
            }
            JsonNode n = JSON.readTree(r.json());
            String type = n.get("type").textValue();
            String name = type.equals("track") ? n.get("event").textValue()
                    : n.has("name") ? n.get("name").textValue() : "";
            counts.merge(type + ":" + name, 1, Integer::sum);
            String ts = n.get("timestamp").textValue();
            if (ts.endsWith("Z")) {
                zulu++;
            } else {
                offset++;
            }
            JsonNode props = n.get("properties");
            if (props != null && props.has("accountId") && !n.path("context").has("groupId")) {
                accountInPropertiesOnly++;
            }
            if (!n.has("userId")) {
                anonymous++;
            }
            if (name.equals("Feature Used")) {
                features.add(props.get("feature").textValue());
            }
            if (type.equals("identify")) {
                roles.add(n.get("traits").get("role").textValue());
                assertThat(n.get("traits").get("email").textValue()).contains("@");
            }
            if (type.equals("group")) {
                JsonNode t = n.get("traits");
                industries.add(t.get("industry").textValue());
                plans.add(t.get("plan").textValue());
                assertThat(t.get("employees").isInt()).isTrue();
            }
            if (name.equals("Usage Reported")) {
                String account = n.path("context").path("groupId").asText(props.path("accountId").asText());
                usage.computeIfAbsent(account + "|" + props.get("metric").textValue(), k -> new ArrayList<>())
                        .add(new double[] {r.eventTime(), props.get("used").doubleValue() / props.get("limit").doubleValue()});
            }
        }
        assertThat(counts).containsKeys("track:Onboarding Completed", "track:Data Source Connected",
                "track:Dashboard Created", "track:Report Shared", "track:Integration Connected", "track:User Invited",
                "track:Feature Used", "track:Checkout Started", "track:Usage Reported", "page:Pricing", "page:Billing",
                "page:Upgrade", "page:Home", "screen:Home", "identify:", "group:");
        // the funnel narrows
        assertThat(counts.get("track:Onboarding Completed")).isGreaterThan(counts.get("track:Data Source Connected"));
        assertThat(counts.get("track:Data Source Connected")).isGreaterThan(counts.get("track:Integration Connected"));
        assertThat(counts.get("track:Checkout Started")).isLessThan(counts.get("page:Pricing"));
        assertThat(features).hasSizeGreaterThanOrEqualTo(10);
        assertThat(roles).contains("vp", "director", "head", "founder", "manager", "engineer", "analyst");
        assertThat(industries).contains("software", "fintech", "ecommerce", "healthcare");
        assertThat(plans).contains("free", "trial", "pro");
        assertThat(zulu).isGreaterThan(offset).isGreaterThan(0);
        assertThat(offset).isGreaterThan(sample.size() / 50);
        assertThat(accountInPropertiesOnly).isGreaterThan(sample.size() / 100);
        assertThat(anonymous).isGreaterThan(0);

        // usage readings: some series cross 80 % of their limit upwards, most never reach it
        int crossing = 0;
        for (List<double[]> series : usage.values()) {
            series.sort((x, y) -> Double.compare(x[0], y[0]));
            for (int k = 1; k < series.size(); k++) {
                if (series.get(k - 1)[1] < 0.8 && series.get(k)[1] >= 0.8) {
                    crossing++;
                    break;
                }
            }
        }
        assertThat(crossing).isGreaterThan(5).isLessThan(usage.size() / 2);
    }

    @Test
    void theDefaultModelFindsPqlsAndPqas() {
        List<UsageEvent> events = new ArrayList<>();
        for (ParsedRecord p : parsed) {
            if (p.isValid()) {
                events.add(p.event);
            }
        }
        EngineDriver driver = new EngineDriver(new ScoreEngine(model)).run(events);
        List<Transition> up = driver.transitions.stream().filter(t -> t.direction.equals("up")).collect(Collectors.toList());
        long pql = up.stream().filter(t -> t.kind.equals(Transition.PQL) && (t.tierTo.equals("pql") || t.tierTo.equals("hot"))).count();
        long hot = up.stream().filter(t -> t.kind.equals(Transition.PQL) && t.tierTo.equals("hot")).count();
        long pqa = up.stream().filter(t -> t.kind.equals(Transition.PQA)).count();
        long users = events.stream().filter(e -> e.userId != null).map(e -> e.accountId + "/" + e.userId).distinct().count();
        assertThat(pql).as("users becoming PQL or hot").isGreaterThan(0);
        assertThat(hot).as("users becoming hot").isGreaterThan(0);
        assertThat(pqa).as("accounts becoming PQA").isGreaterThan(0);
        // ... but PQLs stay a minority of the users
        assertThat(pql).isLessThan(users / 3);
        assertThat(driver.duplicates).isEqualTo((int) sample.stream().filter(r -> r.kind() == Kind.DUPLICATE).count());
    }

    // ------------------------------------------------------------------ pacing and live mode

    @Test
    void rateIsHonoured() throws Exception {
        Path out = tmp.resolve("paced.jsonl");
        long t0 = System.nanoTime();
        assertThat(runQuietly("--events", "2000", "--rate", "4000", "--accounts", "50", "--quiet", "--out", out.toString())).isZero();
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertThat(seconds).isGreaterThanOrEqualTo(0.4).isLessThan(10);
        assertThat(Files.readAllLines(out)).hasSize(2000);
    }

    @Test
    void liveModeReleasesARecordOnlyOnceEventTimeReachesIt() throws Exception {
        double speedup = 86_400 * 4; // a day every 0.25 s
        GeneratorConfig cfg = new GeneratorConfig().accounts(60).days(1).speedup(speedup).seed(9);
        long start = cfg.start().toEpochMilli();
        List<long[]> seen = new ArrayList<>();
        long t0 = System.nanoTime();
        EventGenerator.Summary s = new EventGenerator(cfg).generate(r -> seen.add(new long[] {r.arrivalTime(), System.nanoTime()}));
        double wall = (System.nanoTime() - t0) / 1e9;
        assertThat(s.records).isGreaterThan(500);
        for (long[] x : seen) {
            double simulatedNow = start + (x[1] - t0) / 1e6 * speedup;
            assertThat((double) x[0]).isLessThanOrEqualTo(simulatedNow + 1);
        }
        long last = seen.get(seen.size() - 1)[0];
        assertThat(wall).isGreaterThanOrEqualTo((last - start) / speedup / 1000 * 0.95);
    }

    @Test
    void stopEndsAnUnboundedLiveRun() throws Exception {
        EventGenerator g = new EventGenerator(new GeneratorConfig().accounts(50).speedup(3600));
        List<String> got = new ArrayList<>();
        Thread t = new Thread(() -> {
            try {
                g.generate(r -> got.add(r.json()));
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        t.start();
        Thread.sleep(300);
        g.stop();
        t.join(5000);
        assertThat(t.isAlive()).isFalse();
    }

    // ------------------------------------------------------------------ outputs

    @Test
    void kafkaRecordsAreKeyedByAccount() throws Exception {
        MockProducer<String, String> producer = new MockProducer<>(true, null, new StringSerializer(), new StringSerializer());
        GeneratorConfig cfg = new GeneratorConfig().accounts(40).days(2).badRatio(0.01).seed(1);
        try (KafkaSink sink = new KafkaSink(producer, "usage-events")) {
            new EventGenerator(cfg).generate(sink);
        }
        List<ProducerRecord<String, String>> sent = producer.history();
        assertThat(sent).hasSize(list(cfg).size());
        long i = 0;
        for (ProducerRecord<String, String> r : sent) {
            assertThat(r.topic()).isEqualTo("usage-events");
            ParsedRecord p = parser.parse(r.value().getBytes(UTF_8), new SourcePosition("k", 0, ++i));
            if (p.isValid()) {
                assertThat(r.key()).isEqualTo(p.event.accountId);
            } else {
                assertThat(r.key()).startsWith("acc_");
            }
        }

        var props = KafkaSink.producerProperties("localhost:9092", Map.of("linger.ms", "5"));
        assertThat(props.getProperty(ProducerConfig.ACKS_CONFIG)).isEqualTo("all");
        assertThat(props.getProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)).isEqualTo("true");
        assertThat(props.getProperty(ProducerConfig.LINGER_MS_CONFIG)).isEqualTo("5");
    }

    @Test
    void standardOutputGetsTheLines() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = EventGenerator.run(new String[] {"--accounts", "20", "--events", "300", "--out", "-"},
                new PrintStream(out, true, UTF_8), new PrintStream(err, true, UTF_8));
        assertThat(code).isZero();
        String[] lines = new String(out.toByteArray(), UTF_8).split("\n");
        assertThat(lines).hasSize(300);
        assertThat(lines[0]).startsWith("{\"type\":");
        assertThat(new String(err.toByteArray(), UTF_8)).contains("300 records");
    }

    @Test
    void exitCodes() throws Exception {
        assertThat(runQuietly("--help")).isZero();
        for (String[] bad : new String[][] {
                {"--accounts", "0"}, {"--accounts", "many"}, {"--nonsense", "1"}, {"stray"}, {"--days"},
                {"--days", "0"}, {"--events", "-5"}, {"--max-disorder", "5m"}, {"--max-disorder", "soon"},
                {"--start", "yesterday"}, {"--convert-ratio", "1.5"}, {"--duplicate-ratio", "-0.1"},
                {"--rate", "-1"}, {"--speedup", "0"}, {"--topic", "t"}, {"--kafka-bootstrap-servers", "localhost:9092"},
                {"--kafka-property", "acks=1"}, {"--kafka-bootstrap-servers", "localhost:9092", "--topic", "t", "--kafka-property", "novalue"},
                {"--kafka-bootstrap-servers", "h:1", "--topic", "t", "--out", "x.jsonl"},
                {"--kafka-bootstrap-servers", "localhost:9092", "--topic", "t", "--kafka-property", "acks=sometimes"}}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int code = EventGenerator.run(bad, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, UTF_8));
            assertThat(code).as(String.join(" ", bad)).isEqualTo(2);
            assertThat(err.toString(UTF_8)).as(String.join(" ", bad)).startsWith("pqlscore generate: ");
        }
        Files.writeString(tmp.resolve("file"), "x");
        assertThat(runQuietly("--events", "10", "--out", tmp.resolve("file").resolve("below").toString())).isEqualTo(1);
    }

    @Test
    void outcomesAreTheSimulationsGroundTruthAndLeaveTheRecordsAlone() throws Exception {
        Path with = tmp.resolve("with.jsonl");
        Path without = tmp.resolve("without.jsonl");
        Path outcomes = tmp.resolve("crm/outcomes.csv");
        String[] common = {"--accounts", "150", "--days", "16", "--quiet"};
        assertThat(runQuietly(concat(common, "--out", with.toString(), "--outcomes", outcomes.toString()))).isZero();
        assertThat(runQuietly(concat(common, "--out", without.toString()))).isZero();
        assertThat(Files.readAllBytes(with)).isEqualTo(Files.readAllBytes(without));

        io.pqlscore.backtest.Outcomes o = io.pqlscore.backtest.Outcomes.read(outcomes);
        assertThat(o.won()).isGreaterThan(3);
        assertThat(o.lost()).isGreaterThan(o.won());
        Map<String, List<JsonNode>> checkouts = new HashMap<>();
        Set<String> accounts = new HashSet<>();
        long last = Long.MIN_VALUE;
        for (String line : Files.readAllLines(with, UTF_8)) {
            ParsedRecord r = parser.parse(line.getBytes(UTF_8), new SourcePosition("t", 0, 0));
            accounts.add(r.event.accountId);
            last = Math.max(last, r.event.timestamp);
            JsonNode n = JSON.readTree(line);
            if ("Checkout Started".equals(n.path("event").asText())) {
                ((com.fasterxml.jackson.databind.node.ObjectNode) n).put("_t", r.event.timestamp);
                checkouts.computeIfAbsent(r.event.accountId, k -> new ArrayList<>()).add(n);
            }
        }
        assertThat(accounts).containsAll(o.accountIds());
        int wonInRange = 0;
        for (String id : o.accountIds()) {
            if (!"won".equals(o.outcome(id)) || o.closedAt(id) > last) {
                continue;
            }
            // a won account closes at its (completed) checkout, which the records show
            wonInRange++;
            assertThat(checkouts.get(id)).as(id).isNotNull();
            assertThat(checkouts.get(id).get(0).get("_t").asLong()).as(id).isEqualTo(o.closedAt(id));
        }
        assertThat(wonInRange).isGreaterThan(0);
    }

    // ------------------------------------------------------------------ helpers

    static int runQuietly(String... args) {
        return EventGenerator.run(args, new PrintStream(new ByteArrayOutputStream()), new PrintStream(new ByteArrayOutputStream()));
    }

    static String[] concat(String[] a, String... b) {
        String[] r = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }

}
