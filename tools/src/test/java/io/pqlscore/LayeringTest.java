package io.pqlscore;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.core.importer.Location;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;
import com.tngtech.archunit.library.Architectures.LayeredArchitecture;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The packages of the job and the one direction their dependencies flow, checked on the compiled
 * main classes (imports, fully qualified names and lambdas alike: ArchUnit reads the bytecode).
 * docs/ARCHITECTURE.md ("Packages and layers") explains the same floors.
 *
 * <p>From the ground up, a package may use any package on a lower floor and none above it; the
 * packages of one floor do not use each other (the tools excepted: the generator writes the
 * backtest's outcome files), and no two packages may reach each other in a cycle.
 *
 * <p>It runs in the tools module, the one whose class path has every production class: core's and
 * the job's (their target/classes, or their jars after {@code package}) and the tools' own. The
 * floors are also the module cut (docs/ARCHITECTURE.md): floors 1 to 7 the core module, 8 to 12
 * the job, 13 and 14 the tools; Maven's module dependencies keep a lower module from using a
 * higher one, this test keeps the packages in order within and across them.
 */
@AnalyzeClasses(packages = "io.pqlscore", importOptions = LayeringTest.ProductionClasses.class)
class LayeringTest {

    /**
     * The main classes of the production modules: no test classes, neither as directories nor as the
     * modules' test-jars, and not the test-support module (its classes are the tests' own).
     */
    public static final class ProductionClasses implements ImportOption {
        private final ImportOption noTestDirectories = new ImportOption.DoNotIncludeTests();

        @Override
        public boolean includes(Location location) {
            return noTestDirectories.includes(location) && !location.contains("-tests.jar")
                    && !location.contains("/test-support/target/") && !location.contains("/pqlscore-test-support-");
        }
    }

    /** The rules see the classes of every module (an empty import would pass every rule). */
    @ArchTest
    static void seesTheClassesOfEveryModule(JavaClasses classes) {
        Set<String> names = classes.stream().map(c -> c.getName()).collect(Collectors.toSet());
        assertThat(names).contains(
                "io.pqlscore.scoring.ScoreEngine", "io.pqlscore.time.Durations",   // core
                "io.pqlscore.ScoringJob", "io.pqlscore.jdbc.ApplySchema",           // job
                "io.pqlscore.cli.PqlScore", "io.pqlscore.inspector.SavepointInspector"); // tools
        assertThat(names).as("no test class").doesNotContain("io.pqlscore.LayeringTest", "io.pqlscore.scoring.ScoreEngineTest",
                "io.pqlscore.kafka.KafkaEndToEndTest", "io.pqlscore.demo.LocalDemo")
                .noneMatch(n -> n.startsWith("io.pqlscore.testing.") || n.startsWith("io.pqlscore.bench."));
    }

    /** The floors, ground first. Each name is a package below io.pqlscore; "app" is io.pqlscore itself. */
    static final List<List<String>> FLOORS = List.of(
            List.of("time"),                    // the one duration grammar (model files and command lines)
            List.of("command"),                 // the commands' shared picocli setup (pqlscore validate lives by the model)
            List.of("model", "metrics"),        // the scoring model (plain Java, no Flink); metric names and helpers
            List.of("events"),                  // parsing and routing usage records
            List.of("patterns", "buffer"),      // CEP pattern machines; the event-time ordered operator
            List.of("scoring"),                 // the account stage: dedupe, patterns, scores, transitions
            List.of("identity"),                // the identity stage (SPEC 8)
            List.of("config"),                  // the job's options and secrets
            List.of("pipeline"),                // the job graph, its ports for sources and sinks, the tier census
            List.of("sources", "sinks"),        // files and stdout, through the pipeline's ports
            List.of("kafka", "jdbc"),           // the connectors
            List.of("app"),                     // ScoringJob: options in, job graph out
            List.of("generator", "backtest", "inspector", "migration"), // the tools around the job
            List.of("cli"));                    // pqlscore: one command line over the job and the tools

    /** The packages that become the core module: no connector, no tool, no command line. */
    static final String[] CORE = {"io.pqlscore.model..", "io.pqlscore.metrics..", "io.pqlscore.events..",
        "io.pqlscore.patterns..", "io.pqlscore.buffer..", "io.pqlscore.scoring..", "io.pqlscore.identity.."};

    @ArchTest
    static final ArchRule dependenciesPointDownTheFloors = floors();

    @ArchTest
    static final ArchRule noPackageCycles = slices().matching("io.pqlscore.(*)..").should().beFreeOfCycles();

    @ArchTest
    static final ArchRule theCoreUsesNoConnector = noClasses().that().resideInAnyPackage(CORE)
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.apache.flink.connector..", // Flink's file, Kafka, JDBC and base connectors
                    "org.apache.kafka..", "org.postgresql..", "org.flywaydb..", "java.sql..",
                    "org.apache.flink.state.api..") // the State Processor API: the inspector's
            .because("the core (model to identity) scores records from any source into any sink");

    @ArchTest
    static final ArchRule theModelKnowsNoFlink = noClasses().that().resideInAPackage("io.pqlscore.model..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.flink..")
            .because("a model is read and validated (ValidateModel, the backtest) without a cluster");

    @ArchTest
    static final ArchRule onlyTheKafkaPackageAndTheGeneratorTalkToKafka = noClasses()
            .that().resideOutsideOfPackages("io.pqlscore.kafka..", "io.pqlscore.generator..")
            .should().dependOnClassesThat().resideInAnyPackage("org.apache.kafka..", "org.apache.flink.connector.kafka..");

    @ArchTest
    static final ArchRule onlyTheJdbcPackageTalksToTheDatabase = noClasses()
            .that().resideOutsideOfPackage("io.pqlscore.jdbc..")
            .should().dependOnClassesThat().resideInAnyPackage(
                    "org.apache.flink.connector.jdbc..", "org.postgresql..", "org.flywaydb..", "java.sql..");

    @ArchTest
    static final ArchRule onlyTheSavepointToolsReadSavepoints = noClasses()
            .that().resideOutsideOfPackages("io.pqlscore.inspector..", "io.pqlscore.migration..")
            .should().dependOnClassesThat().resideInAPackage("org.apache.flink.state.api..")
            .because("the State Processor API is a tool's, not the job's");

    /** {@link #FLOORS} as ArchUnit layers: each may only access the floors below it. */
    private static LayeredArchitecture floors() {
        LayeredArchitecture layers = layeredArchitecture().consideringOnlyDependenciesInLayers();
        for (List<String> floor : FLOORS) {
            for (String name : floor) {
                layers = layers.layer(name).definedBy(name.equals("app") ? "io.pqlscore" : "io.pqlscore." + name + "..");
            }
        }
        List<String> below = new ArrayList<>();
        for (List<String> floor : FLOORS) {
            for (String name : floor) {
                List<String> allowed = new ArrayList<>(below);
                if (floor.contains("generator")) {
                    allowed.addAll(floor); // the tools may use each other; the cycle rule keeps them apart
                    allowed.remove(name);
                }
                layers = allowed.isEmpty()
                        ? layers.whereLayer(name).mayNotAccessAnyLayer()
                        : layers.whereLayer(name).mayOnlyAccessLayers(allowed.toArray(new String[0]));
            }
            below.addAll(floor);
        }
        return layers;
    }
}
