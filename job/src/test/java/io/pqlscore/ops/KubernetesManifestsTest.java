package io.pqlscore.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.cfg.MapperConfig;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import io.pqlscore.config.JobOptions;
import io.pqlscore.model.ModelLoader;
import io.pqlscore.model.ScoringModel;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.HighAvailabilityOptions;
import org.apache.flink.configuration.JobManagerOptions;
import org.apache.flink.configuration.MetricOptions;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.metrics.reporter.MetricReporterFactory;
import org.apache.flink.util.TimeUtils;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.representer.Representer;
import picocli.CommandLine;

/**
 * Checks every manifest in {@code k8s/} against what will read it, without a cluster and without
 * kustomize (there is no kubectl or kustomize binary here): {@link Kustomize} builds the base,
 * the overlay and the component the way kustomize does for what they use (resources, the
 * configMapGenerator and its content-hash name suffix, patches, namespace, the name references of
 * the base's configurations/), and the checks run on what it builds:
 *
 * <ul>
 *   <li>every file under k8s/ parses, and every file of a kustomization's directory is listed by
 *       it (as a resource, generator input, patch, configuration or component), except the
 *       Secret templates, which no kustomization lists (so {@code kubectl apply -k} cannot write
 *       them over real Secrets), and every listed file exists;
 *   <li>the model ConfigMap is generated from k8s/base/model.yaml with a content-hash name, the
 *       FlinkDeployment mounts it under that name, and another model gives another name (so the
 *       operator upgrades the job through a savepoint by itself);
 *   <li>a FlinkDeployment (the base's, the production overlay's, with the autoscaler component)
 *       as the job needs it: the image's Flink version ({@code flinkVersion: v2_2}), upgrades
 *       through savepoints, its flinkConfiguration through Flink's own {@link Configuration}
 *       options, and against {@code flink-conf/config.yaml} key by key (flat keys, string values);
 *       its pod template through fabric8's Kubernetes model classes, refusing unknown fields;
 *       its job arguments through {@link JobOptions#parse} (which only records the paths it is
 *       given: the model and secret files are read when the job starts, so parsing needs no
 *       /etc/pqlscore here), including that every file argument lies in a mounted ConfigMap or
 *       Secret key of these manifests;
 *   <li>the model: byte for byte the default model, and valid for {@link ModelLoader};
 *   <li>Secrets: templates only, and none of their values in the FlinkDeployment;
 *   <li>the metrics Service and PodMonitor: they scrape the Prometheus reporter's port;
 *   <li>the FlinkStateSnapshot example (a savepoint now): of the FlinkDeployment, keeping its
 *       savepoint when deleted.
 * </ul>
 *
 * <p>Every FlinkDeployment and FlinkStateSnapshot, as built here, is validated against the
 * operator's CRDs (1.15.0, every field as written, unknown fields refused) by
 * {@link OperatorCrdTest}; the ConfigMaps, Secrets and Services are read with fabric8's Kubernetes
 * model classes, refusing unknown fields ({@link #strictMapper}). The PrometheusRule's and the
 * Grafana dashboard's queries are checked by {@link PrometheusMonitoringTest}, against a real
 * scrape. {@link #main} rewrites {@code k8s/base/model.yaml} from the default model.
 */
class KubernetesManifestsTest {
    static final Path K8S = Path.of("k8s");
    static final Path BASE = K8S.resolve("base");
    static final Path PRODUCTION = K8S.resolve("overlays").resolve("production");
    static final Path AUTOSCALER = K8S.resolve("components").resolve("autoscaler");
    static final Path EXAMPLES = K8S.resolve("examples");
    static final Path BASE_MODEL = BASE.resolve("model.yaml");
    static final String MODEL_CONFIGMAP = "pql-scoring-model";
    static final Path DEFAULT_MODEL = Path.of("core/src/main/resources/models/default.yaml");
    static final Path FLINK_CONF = Path.of("flink-conf", "config.yaml");
    static final Path DOCKERFILE = K8S.resolve("Dockerfile");
    static final String MAIN_CONTAINER = "flink-main-container";
    static final String JOB_JAR = "/opt/flink/usrlib/pql-scoring-job.jar";
    static final String MODEL_KEY = "model.yaml";

    /** apiVersion of each kind a manifest here may have; anything else needs checks first. */
    static final Map<String, String> KINDS = Map.of(
            "FlinkDeployment", OperatorCrds.apiVersion("FlinkDeployment"),
            "ConfigMap", "v1",
            "Secret", "v1",
            "Service", "v1",
            "PodMonitor", "monitoring.coreos.com/v1",
            "PrometheusRule", "monitoring.coreos.com/v1",
            "FlinkStateSnapshot", OperatorCrds.apiVersion("FlinkStateSnapshot"));

    /** Keys of flink-conf/config.yaml a cluster may set otherwise (the local run's choices). */
    static final Set<String> MAY_DIFFER = Set.of(
            TaskManagerOptions.NUM_TASK_SLOTS.key(), "parallelism.default", "rest.port", "rest.bind-port",
            CheckpointingOptions.CHECKPOINTS_DIRECTORY.key(), CheckpointingOptions.SAVEPOINT_DIRECTORY.key());

    /** Keys only a cluster needs, beyond those of flink-conf/config.yaml. */
    static final Set<String> CLUSTER_KEYS = Set.of(
            HighAvailabilityOptions.HA_MODE.key(), HighAvailabilityOptions.HA_STORAGE_PATH.key(),
            MetricOptions.REPORTERS_LIST.key(), JobManagerOptions.SCHEDULER.key(),
            TaskManagerOptions.NUM_TASK_SLOTS.key());

    /** Key prefixes of settings read by the operator itself, or by the reporter named prom. */
    static final List<String> CLUSTER_KEY_PREFIXES =
            List.of("kubernetes.operator.", "job.autoscaler.", "metrics.reporter.prom.");

    /** Options that make no sense on a cluster, or that spec.job / flinkConfiguration own. */
    static final Set<String> NOT_ON_A_CLUSTER = Set.of("local", "flink-conf", "print", "parallelism");

    /** Schemes of durable storage that every JobManager and TaskManager pod reaches. */
    static final Set<String> DURABLE_SCHEMES = Set.of("s3", "s3a", "s3p", "gs", "abfs", "abfss", "wasbs", "oss", "hdfs");

    static final Pattern SECRET_PROPERTY = Pattern.compile("(?i).*(password|jaas|secret|token|credential).*");
    static final Pattern JAAS_PASSWORD = Pattern.compile("password\\s*=\\s*\"([^\"]*)\"");

    static final ObjectMapper PLAIN = new ObjectMapper();
    static final ObjectMapper STRICT = strictMapper();

    /** One YAML document of a file under k8s/. */
    record Doc(Path file, int index, JsonNode node) {
        String kind() {
            return node.path("kind").asText("");
        }

        String name() {
            return node.path("metadata").path("name").asText("");
        }

        <T> T as(Class<T> type) {
            try {
                return STRICT.treeToValue(node, type);
            } catch (IOException e) {
                throw new AssertionError(this + " does not parse as " + type.getName() + ": " + e.getMessage(), e);
            }
        }

        @Override
        public String toString() {
            return file + " document " + (index + 1) + (kind().isEmpty() ? "" : " (" + kind() + " " + name() + ")");
        }
    }

    private static List<Doc> docs;
    private static Kustomize.Build base;

    // ------------------------------------------------------------------ the manifests

    @Test
    void everyManifestIsAKindWeCheckWithItsApiVersionAndAUniqueName() {
        List<Doc> manifests = manifests();
        assertThat(manifests).as("YAML documents in k8s/").isNotEmpty();
        Set<String> seen = new HashSet<>();
        for (Doc d : manifests) {
            assertThat(KINDS).as(d + ": a kind this test checks (add checks before adding a kind)").containsKey(d.kind());
            assertThat(d.node.path("apiVersion").asText()).as(d + " apiVersion").isEqualTo(KINDS.get(d.kind()));
            if (d.kind().equals("FlinkStateSnapshot")) { // one per savepoint: kubectl create gives each a new name
                assertThat(d.node.path("metadata").path("generateName").asText()).as(d + " metadata.generateName")
                        .matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?-");
                continue;
            }
            assertThat(d.name()).as(d + " metadata.name").matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
            assertThat(seen.add(d.kind() + "/" + d.name())).as(d + " is the only " + d.kind() + " of that name").isTrue();
        }
        for (String kind : KINDS.keySet()) {
            assertThat(ofKind(kind)).as("a " + kind + " in k8s/").isNotEmpty();
        }
    }

    @Test
    void flinkDeploymentRunsTheJobAsAnApplicationCluster() throws Exception {
        for (Doc d : deployments()) {
            JsonNode spec = d.node.path("spec");
            assertThat(spec.path("flinkVersion").asText())
                    .as(d + " flinkVersion: v2_2, the image's Flink 2.2 (operator 1.13+; OperatorCrdTest checks it against the CRD)")
                    .isEqualTo(DEPLOYED_FLINK_VERSION);
            assertThat(spec.path("image").asText()).as(d + " image: a tag of the image k8s/Dockerfile builds")
                    .isNotBlank().contains(":").doesNotEndWith(":latest");
            assertThat(spec.path("serviceAccount").asText()).as(d + " serviceAccount (Kubernetes HA needs its ConfigMap rights)").isNotBlank();
            for (String role : List.of("jobManager", "taskManager")) {
                JsonNode resource = spec.path(role).path("resource");
                assertThat(resource.path("memory").asText()).as(d + " " + role + " memory").isNotBlank();
                assertThat(resource.path("cpu").asDouble()).as(d + " " + role + " cpu").isPositive();
            }

            JsonNode job = spec.path("job");
            assertThat(job.path("upgradeMode").asText()).as(d + " upgradeMode").isEqualTo("savepoint");
            assertThat(job.path("state").asText()).as(d + " job state").isEqualTo("running");
            assertThat(job.path("allowNonRestoredState").asText()).as(d + " allowNonRestoredState (true only for one upgrade)")
                    .isEqualTo("false");
            assertThat(job.path("parallelism").asInt()).as(d + " parallelism").isBetween(1, 720);
            assertThat(job.path("jarURI").asText()).as(d + " jarURI").isEqualTo("local://" + JOB_JAR);
            assertThat(job.path("entryClass").asText()).as(d + " entryClass").isEqualTo(io.pqlscore.ScoringJob.class.getName());
            Method main = io.pqlscore.ScoringJob.class.getMethod("main", String[].class);
            assertThat(Modifier.isStatic(main.getModifiers())).as("ScoringJob.main is static").isTrue();

            String dockerfile = Files.readString(DOCKERFILE, StandardCharsets.UTF_8);
            assertThat(dockerfile).as(DOCKERFILE + ": Flink 2.2.1 on Java 17, the jar where jarURI points")
                    .containsPattern("(?m)^FROM flink:2\\.2\\.1-java17\\s*$")
                    .contains(JOB_JAR);
        }
    }

    @Test
    void flinkConfigurationIsTheJobsProductionConfiguration() {
        Map<String, String> local = flatten(yaml().load(read(FLINK_CONF)));
        for (Doc d : deployments()) {
            Map<String, String> conf = flinkConfiguration(d);
            Configuration c = Configuration.fromMap(conf);

            assertThat(c.get(StateBackendOptions.STATE_BACKEND)).as(d + " " + StateBackendOptions.STATE_BACKEND.key())
                    .isEqualToIgnoringCase("rocksdb");
            assertThat(c.get(CheckpointingOptions.INCREMENTAL_CHECKPOINTS)).as(d + " incremental checkpoints").isTrue();
            assertThat(c.get(CheckpointingOptions.CHECKPOINTING_INTERVAL)).as(d + " checkpoint interval")
                    .isNotNull().isPositive();
            assertThat(c.get(PipelineOptions.MAX_PARALLELISM)).as(d + " " + PipelineOptions.MAX_PARALLELISM.key()).isEqualTo(720);
            assertThat(c.get(PipelineOptions.GENERIC_TYPES)).as(d + " " + PipelineOptions.GENERIC_TYPES.key()).isFalse();
            assertThat(c.get(PipelineOptions.AUTO_GENERATE_UIDS)).as(d + " " + PipelineOptions.AUTO_GENERATE_UIDS.key()).isFalse();
            assertThat(c.get(HighAvailabilityOptions.HA_MODE)).as(d + " " + HighAvailabilityOptions.HA_MODE.key()).isEqualTo("kubernetes");
            for (String dir : List.of(c.get(CheckpointingOptions.CHECKPOINTS_DIRECTORY),
                    c.get(CheckpointingOptions.SAVEPOINT_DIRECTORY), c.get(HighAvailabilityOptions.HA_STORAGE_PATH))) {
                assertThat(dir).as(d + ": checkpoint, savepoint and HA directories are set").isNotBlank();
                assertThat(DURABLE_SCHEMES).as(d + ": " + dir + " is durable storage every pod reaches")
                        .contains(URI.create(dir).getScheme());
            }
            String factory = conf.get("metrics.reporter.prom.factory.class");
            assertThat(factory).as(d + " Prometheus reporter").isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(MetricReporterFactory.class.isAssignableFrom(loadClass(factory))).as(factory + " is a reporter factory").isTrue();
            reporterPort(d);

            // The settings of the local configuration, exactly; and no key that is in neither.
            for (Map.Entry<String, String> e : local.entrySet()) {
                if (!MAY_DIFFER.contains(e.getKey())) {
                    assertThat(conf.get(e.getKey())).as(d + " flinkConfiguration " + e.getKey() + " as in " + FLINK_CONF)
                            .isEqualTo(e.getValue());
                }
            }
            for (String key : conf.keySet()) {
                boolean known = local.containsKey(key) || CLUSTER_KEYS.contains(key)
                        || CLUSTER_KEY_PREFIXES.stream().anyMatch(key::startsWith);
                assertThat(known).as(d + " flinkConfiguration key " + key + " is one of " + FLINK_CONF
                        + " or a known cluster key (misspelled?)").isTrue();
            }
        }
    }

    @Test
    void jobArgumentsAreOptionsTheJobAcceptsAndPointAtMountedFiles() {
        for (Doc d : deployments()) {
            String[] args = args(d).toArray(new String[0]);
            assertThat(args).as(d + " job args").isNotEmpty();
            for (String a : args) {
                if (a.startsWith("--")) {
                    String name = a.substring(2).split("=", 2)[0];
                    assertThat(new CommandLine(new JobOptions()).getCommandSpec().findOption("--" + name))
                            .as(d + ": " + a + " is an option of JobOptions").isNotNull();
                    assertThat(NOT_ON_A_CLUSTER).as(d + ": " + a + " does not belong on a cluster").doesNotContain(name);
                }
            }
            // Parsing records the file paths without opening them (Secrets and ModelLoader read
            // them at job start), so the /etc/pqlscore paths need not exist here.
            JobOptions o = JobOptions.parse(args);
            assertThat(o.readsKafka()).as(d + " reads Kafka topics").isTrue();
            assertThat(o.inputs).as(d + " reads no files").isEmpty();
            assertThat(o.transitionsTopic).as(d + " --transitions-topic").isNotBlank();
            assertThat(o.deadLettersTopic).as(d + " --dead-letters-topic").isNotBlank();
            assertThat(o.jdbcUrl).as(d + " --jdbc-url").startsWith("jdbc:postgresql://").doesNotContainIgnoringCase("password");
            assertThat(o.maxParallelism).as(d + " --max-parallelism equals pipeline.max-parallelism")
                    .isEqualTo(Configuration.fromMap(flinkConfiguration(d)).get(PipelineOptions.MAX_PARALLELISM));
            Duration interval = Configuration.fromMap(flinkConfiguration(d)).get(CheckpointingOptions.CHECKPOINTING_INTERVAL);
            assertThat(o.transactionTimeout).as(d + " --transaction-timeout exceeds the checkpoint interval").isGreaterThan(interval);
            for (String key : o.kafkaProperties.keySet()) {
                assertThat(key).as(d + ": a credential in --kafka-property (belongs in the kafka.properties Secret)")
                        .doesNotMatch(SECRET_PROPERTY);
            }

            assertThat(o.model).as(d + " --model").isNotNull();
            assertThat(mountedKey(d, o.model)).as(d + " --model " + o.model)
                    .isEqualTo("ConfigMap/" + base().generatedNames.get(MODEL_CONFIGMAP) + "/" + MODEL_KEY);
            assertThat(o.kafkaPropertiesFile).as(d + " --kafka-properties-file").isNotNull();
            assertThat(mountedKey(d, o.kafkaPropertiesFile)).as(d + " --kafka-properties-file").startsWith("Secret/");
            assertThat(o.jdbcPasswordFile).as(d + " --jdbc-password-file").isNotNull();
            assertThat(mountedKey(d, o.jdbcPasswordFile)).as(d + " --jdbc-password-file").startsWith("Secret/");
        }
    }

    @Test
    void modelConfigMapHoldsTheDefaultModel() throws IOException {
        String defaultModel = Files.readString(DEFAULT_MODEL, StandardCharsets.UTF_8);
        assertThat(read(BASE_MODEL)).as(BASE_MODEL + ": byte for byte " + DEFAULT_MODEL
                + " (regenerate it with KubernetesManifestsTest.main)").isEqualTo(defaultModel);
        List<Doc> models = ofKind("ConfigMap").stream().filter(d -> d.node.path("data").has(MODEL_KEY)).collect(Collectors.toList());
        assertThat(models).as("a ConfigMap holding " + MODEL_KEY).hasSize(1);
        for (Doc d : models) {
            ConfigMap cm = d.as(ConfigMap.class);
            String text = cm.getData().get(MODEL_KEY);
            ScoringModel model = ModelLoader.parse(text, d + " data." + MODEL_KEY);
            assertThat(model.id()).isEqualTo("default");
            assertThat(model.version()).isEqualTo("1");
            assertThat(text).as(d + ": byte for byte " + DEFAULT_MODEL
                            + " (regenerate it with KubernetesManifestsTest.main)")
                    .isEqualTo(defaultModel);
        }
    }

    @Test
    void secretsAreTemplatesWhoseValuesNeverReachTheDeployment() throws IOException {
        List<String> secretValues = new ArrayList<>();
        for (Doc d : ofKind("Secret")) {
            Secret s = d.as(Secret.class);
            assertThat(s.getType()).as(d + " type").isEqualTo("Opaque");
            assertThat(s.getData()).as(d + ": a template writes stringData, no base64 data").isNullOrEmpty();
            assertThat(s.getStringData()).as(d + " stringData").isNotEmpty();
            for (Map.Entry<String, String> e : s.getStringData().entrySet()) {
                if (e.getKey().endsWith(".properties")) {
                    Properties p = new Properties();
                    p.load(new StringReader(e.getValue()));
                    for (String key : p.stringPropertyNames()) {
                        if (SECRET_PROPERTY.matcher(key).matches()) {
                            String value = p.getProperty(key);
                            secretValues.add(value);
                            Matcher m = JAAS_PASSWORD.matcher(value);
                            while (m.find()) {
                                secretValues.add(m.group(1));
                            }
                        }
                    }
                } else {
                    secretValues.add(e.getValue().strip());
                }
            }
        }
        assertThat(secretValues).as("secret values in the Secret templates").isNotEmpty().allSatisfy(v -> assertThat(v).isNotBlank());
        for (Doc d : deployments()) {
            List<String> args = args(d);
            String whole = Files.readString(d.file, StandardCharsets.UTF_8) + PLAIN.writeValueAsString(d.node);
            for (String v : secretValues) {
                for (String a : args) {
                    assertThat(a).as(d + ": a job argument holds a secret value").doesNotContain(v);
                }
                assertThat(whole).as(d + " holds a secret value").doesNotContain(v);
            }
        }
    }

    @Test
    void metricsServiceAndPodMonitorScrapeTheReporterPort() {
        List<Doc> deployments = ofKind("FlinkDeployment");
        assertThat(deployments).hasSize(1);
        Doc d = deployments.get(0);
        int port = reporterPort(d);
        // The labels the operator (Flink's native Kubernetes mode) puts on the pods it creates.
        Map<String, String> podLabels = Map.of("app", d.name(), "type", "flink-native-kubernetes");
        ContainerPort metrics = mainContainer(d).getPorts().stream()
                .filter(p -> p.getContainerPort() == port).findFirst()
                .orElseThrow(() -> new AssertionError(d + ": " + MAIN_CONTAINER + " declares no container port " + port));
        assertThat(metrics.getName()).as(d + " name of the metrics container port").isNotBlank();

        for (Doc s : ofKind("Service")) {
            Service svc = s.as(Service.class);
            assertThat(podLabels).as(s + " selects the FlinkDeployment's pods").containsAllEntriesOf(svc.getSpec().getSelector());
            assertThat(svc.getSpec().getClusterIP()).as(s + " is headless: every pod is scraped").isEqualTo("None");
            ServicePort sp = svc.getSpec().getPorts().stream().filter(p -> p.getPort() == port).findFirst()
                    .orElseThrow(() -> new AssertionError(s + " exposes no port " + port));
            IntOrString target = sp.getTargetPort();
            assertThat(target.getIntVal() != null ? target.getIntVal().toString() : target.getStrVal())
                    .as(s + " targetPort").isIn(String.valueOf(port), metrics.getName());
            String annotated = svc.getMetadata().getAnnotations() == null ? null
                    : svc.getMetadata().getAnnotations().get("prometheus.io/port");
            if (annotated != null) {
                assertThat(annotated).as(s + " prometheus.io/port").isEqualTo(String.valueOf(port));
            }
        }
        for (Doc m : ofKind("PodMonitor")) {
            JsonNode spec2 = m.node.path("spec");
            assertThat(fieldNames(spec2)).as(m + " spec fields").isSubsetOf(
                    "selector", "podMetricsEndpoints", "namespaceSelector", "jobLabel", "podTargetLabels", "sampleLimit");
            Map<String, String> selector = new LinkedHashMap<>();
            spec2.path("selector").path("matchLabels").fields().forEachRemaining(e -> selector.put(e.getKey(), e.getValue().asText()));
            assertThat(selector).as(m + " selector.matchLabels").isNotEmpty();
            assertThat(podLabels).as(m + " selects the FlinkDeployment's pods").containsAllEntriesOf(selector);
            assertThat(spec2.path("podMetricsEndpoints").size()).as(m + " podMetricsEndpoints").isPositive();
            for (JsonNode ep : spec2.path("podMetricsEndpoints")) {
                assertThat(fieldNames(ep)).as(m + " endpoint fields").isSubsetOf("port", "path", "interval", "scrapeTimeout",
                        "scheme", "honorLabels", "relabelings", "metricRelabelings");
                assertThat(ep.path("port").asText()).as(m + " endpoint port: the container port of the reporter")
                        .isEqualTo(metrics.getName());
            }
        }
    }

    @Test
    void autoscalerComponentKeepsTheDeploymentValid() {
        Doc p = load(AUTOSCALER.resolve("autoscaler-patch.yaml")).get(0);
        assertThat(fieldNames(p.node)).as(p + ": a patch of spec only").containsExactlyInAnyOrder("apiVersion", "kind", "metadata", "spec");
        assertThat(fieldNames(p.node.path("spec"))).as(p + ": touches flinkConfiguration only").containsExactly("flinkConfiguration");
        assertThat(p.name()).as(p + ": names the base's FlinkDeployment").isEqualTo(base().one("FlinkDeployment").name());
        Doc m = relabel(withAutoscaler(Kustomize.build(BASE)).one("FlinkDeployment"), AUTOSCALER);
        Map<String, String> conf = flinkConfiguration(m);
        Configuration c = Configuration.fromMap(conf);
        Iterator<String> keys = p.node.path("spec").path("flinkConfiguration").fieldNames();
        while (keys.hasNext()) {
            String key = keys.next();
            assertThat(key.startsWith("job.autoscaler.") || key.equals(JobManagerOptions.SCHEDULER.key()))
                    .as(p + ": " + key + " is an autoscaler setting").isTrue();
            if (key.matches(".*\\.(interval|window|time|duration)")) {
                assertThat(TimeUtils.parseDuration(conf.get(key))).as(p + " " + key).isPositive();
            }
        }
        assertThat(conf.get("job.autoscaler.enabled")).as(p + " job.autoscaler.enabled").isEqualTo("true");
        String maxPar = conf.get("job.autoscaler.vertex.max-parallelism");
        if (maxPar != null) {
            assertThat(Integer.parseInt(maxPar)).as(p + " vertex.max-parallelism within pipeline.max-parallelism")
                    .isBetween(1, c.get(PipelineOptions.MAX_PARALLELISM));
        }
        if (conf.containsKey(JobManagerOptions.SCHEDULER.key())) {
            assertThat(c.get(JobManagerOptions.SCHEDULER)).isEqualTo(JobManagerOptions.SchedulerType.Adaptive);
        }
    }

    // ------------------------------------------------------------------ kustomize

    @Test
    void everyFileUnderK8sParses() throws IOException {
        List<Path> yamls = yamlFiles();
        assertThat(yamls).isNotEmpty();
        for (Path f : yamls) {
            load(f); // fails on invalid YAML, a repeated key, a document that is not a mapping
        }
        try (Stream<Path> files = Files.walk(K8S)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".json")).collect(Collectors.toList())) {
                PLAIN.readTree(Files.readString(f, StandardCharsets.UTF_8));
            }
        }
    }

    /** Every kustomization under k8s/: the base, its monitoring/, the overlay, the component. */
    static List<Path> kustomizationDirs() {
        return yamlFiles().stream().filter(f -> f.getFileName().toString().equals("kustomization.yaml"))
                .map(Path::getParent).collect(Collectors.toList());
    }

    @Test
    void kustomizationsListEveryFileOfTheirDirectoryButTheSecretTemplates() {
        List<Path> dirs = kustomizationDirs();
        assertThat(dirs).contains(BASE, BASE.resolve("monitoring"), PRODUCTION, AUTOSCALER);
        Set<Path> listed = new HashSet<>();
        for (Path dir : List.of(BASE, PRODUCTION)) {
            listed.addAll(Kustomize.build(dir).listed); // fails on a listed file that does not exist
        }
        listed.addAll(withAutoscaler(Kustomize.build(PRODUCTION)).listed);
        for (Path dir : dirs) {
            assertThat(listed).as(dir + " is used by the base, the overlay or its component").contains(dir.resolve("kustomization.yaml"));
            for (Path f : Kustomize.filesOf(dir)) {
                if (f.getFileName().toString().endsWith(".template.yaml")) {
                    assertThat(listed).as(f + ": a template, which no kustomization may list (apply -k would write its "
                            + "placeholders over the real Secrets)").doesNotContain(f);
                } else {
                    assertThat(listed).as(f + " is listed by " + dir.resolve("kustomization.yaml")
                            + " (resources, configMapGenerator files, patches, configurations or components)").contains(f);
                }
            }
        }
        // the files outside every kustomization: the image, the docs and the examples only
        for (Path f : Kustomize.filesOf(K8S)) {
            assertThat(f.equals(DOCKERFILE) || f.equals(K8S.resolve("README.md")) || f.startsWith(EXAMPLES))
                    .as(f + " belongs in a kustomization or k8s/examples").isTrue();
        }
        assertThat(templates()).as("Secret templates").isNotEmpty().allSatisfy(d -> assertThat(d.kind()).isEqualTo("Secret"));
        for (Path dir : List.of(BASE, PRODUCTION)) {
            assertThat(Kustomize.build(dir).ofKind("Secret")).as(dir + " builds no Secret").isEmpty();
        }
    }

    @Test
    void theModelConfigMapIsGeneratedAndAChangedModelRenamesItInTheDeployment() throws IOException {
        Kustomize.Build b = base();
        String generated = b.generatedNames.get(MODEL_CONFIGMAP);
        assertThat(generated).as("the configMapGenerator's name with its content hash").matches(MODEL_CONFIGMAP + "-[a-z0-9]{10}");
        Doc cm = b.ofKind("ConfigMap").stream().filter(d -> d.name().equals(generated)).findFirst().orElseThrow();
        assertThat(cm.node.path("data").path(MODEL_KEY).asText()).isEqualTo(read(BASE_MODEL));
        Doc fd = b.one("FlinkDeployment");
        assertThat(fd.node.at("/spec/job/upgradeMode").asText()).as("a new model upgrades through a savepoint").isEqualTo("savepoint");
        List<String> referenced = podTemplate(fd).getSpec().getVolumes().stream()
                .filter(v -> v.getConfigMap() != null).map(v -> v.getConfigMap().getName()).collect(Collectors.toList());
        assertThat(referenced).as(fd + ": the pod template's configMap volume, rewritten by kustomize's name reference")
                .containsExactly(generated);
        assertThat(read(BASE.resolve("flinkdeployment.yaml"))).as("the source names the generator's name, kustomize the hashed one")
                .contains("name: " + MODEL_CONFIGMAP + "\n");

        // the same kustomization on another model: another name, so another FlinkDeployment spec
        Path copy = Files.createTempDirectory("k8s-base");
        try {
            try (Stream<Path> files = Files.walk(K8S)) {
                for (Path f : files.collect(Collectors.toList())) {
                    Path to = copy.resolve(K8S.relativize(f).toString());
                    if (Files.isDirectory(f)) {
                        Files.createDirectories(to);
                    } else {
                        Files.copy(f, to);
                    }
                }
            }
            Path model = copy.resolve("base").resolve("model.yaml");
            Files.writeString(model, read(BASE_MODEL).replace("version: \"1\"", "version: \"2\""), StandardCharsets.UTF_8);
            ModelLoader.parse(read(model), model.toString());
            for (Path overlay : List.of(Path.of("base"), Path.of("overlays", "production"))) {
                Kustomize.Build before = Kustomize.build(K8S.resolve(overlay));
                Kustomize.Build after = Kustomize.build(copy.resolve(overlay));
                String renamed = after.generatedNames.get(MODEL_CONFIGMAP);
                assertThat(renamed).as(overlay + ": a changed model is a new ConfigMap name")
                        .isNotEqualTo(before.generatedNames.get(MODEL_CONFIGMAP)).startsWith(MODEL_CONFIGMAP + "-");
                JsonNode was = before.one("FlinkDeployment").node();
                JsonNode now = after.one("FlinkDeployment").node();
                assertThat(now).as(overlay + ": the FlinkDeployment's spec changes (the operator upgrades the job)").isNotEqualTo(was);
                assertThat(PLAIN.writeValueAsString(now).replace(renamed, before.generatedNames.get(MODEL_CONFIGMAP)))
                        .as(overlay + ": and only in that name").isEqualTo(PLAIN.writeValueAsString(was));
            }
        } finally {
            try (Stream<Path> files = Files.walk(copy)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
        assertThat(Kustomize.hash("a", PLAIN.createObjectNode().put("k", "<v>"))).as("hash of the content")
                .isNotEqualTo(Kustomize.hash("a", PLAIN.createObjectNode().put("k", "<w>"))).matches("[0-9a-z]{10}");
    }

    @Test
    void theProductionOverlayPatchesImageParallelismAndResources() {
        Doc b = base().one("FlinkDeployment");
        Doc p = relabel(Kustomize.build(PRODUCTION).one("FlinkDeployment"), PRODUCTION);
        JsonNode was = b.node.path("spec");
        JsonNode now = p.node.path("spec");
        String image = was.path("image").asText();
        assertThat(now.path("image").asText()).as(p + " image: another tag of the same image").isNotEqualTo(image)
                .startsWith(image.substring(0, image.lastIndexOf(':') + 1));
        int parallelism = now.at("/job/parallelism").asInt();
        assertThat(parallelism).as(p + " parallelism").isNotEqualTo(was.at("/job/parallelism").asInt());
        assertThat(720 % parallelism).as(p + " parallelism divides the max parallelism 720").isZero();
        assertThat(now.at("/taskManager/resource")).as(p + " TaskManager resources").isNotEqualTo(was.at("/taskManager/resource"));
        int slots = Integer.parseInt(flinkConfiguration(p).get(TaskManagerOptions.NUM_TASK_SLOTS.key()));
        assertThat((double) slots).as(p + ": a slot per TaskManager CPU").isEqualTo(now.at("/taskManager/resource/cpu").asDouble());
        assertThat(p.node.path("metadata").path("namespace").asText()).as(p + " namespace").isNotBlank();
        // everything else as in the base: the patch merges, it does not replace
        assertThat(now.path("podTemplate")).isEqualTo(was.path("podTemplate"));
        assertThat(args(p)).isEqualTo(args(b));
        assertThat(flinkConfiguration(p)).hasSize(flinkConfiguration(b).size());
        assertThat(now.at("/job/upgradeMode").asText()).isEqualTo("savepoint");
    }

    // ------------------------------------------------------------------ FlinkStateSnapshot

    @Test
    void theSavepointExampleIsAFlinkStateSnapshotOfTheDeployment() {
        List<Doc> snapshots = ofKind("FlinkStateSnapshot");
        assertThat(snapshots).as("k8s/examples: a FlinkStateSnapshot").isNotEmpty();
        for (Doc d : snapshots) {
            JsonNode spec = d.node.path("spec");
            assertThat(spec.path("savepoint").isObject()).as(d + " is a savepoint").isTrue();
            assertThat(spec.has("checkpoint")).as(d + ": a savepoint, not a checkpoint").isFalse();
            assertThat(spec.at("/jobReference/kind").asText()).as(d + " jobReference.kind").isEqualTo("FlinkDeployment");
            assertThat(spec.at("/jobReference/name").asText()).as(d + " names the FlinkDeployment")
                    .isEqualTo(base().one("FlinkDeployment").name());
            assertThat(spec.at("/savepoint/disposeOnDelete").asText()).as(d + ": deleting it keeps the savepoint").isEqualTo("false");
        }
        // the runbook asks for snapshots, not for the deprecated nonce
        for (Path doc : List.of(K8S.resolve("README.md"), Path.of("docs", "OPERATIONS.md"))) {
            String text = read(doc);
            assertThat(text).as(doc.toString()).contains("FlinkStateSnapshot");
            assertThat(text.lines().filter(l -> l.contains("savepointTriggerNonce")))
                    .as(doc + ": savepointTriggerNonce only as the deprecated way").allMatch(l -> l.contains("deprecated"));
        }
        assertThat(read(BASE.resolve("flinkdeployment.yaml"))).doesNotContain("savepointTriggerNonce:");
    }

    /**
     * The checks above would catch what they claim to: a misspelled field of a pod template or a
     * Service, a number in the flinkConfiguration, a misspelled job option. (Misspelled fields,
     * unknown enum values and wrong types of the operator resources: {@link OperatorCrdTest}.)
     */
    @Test
    void theChecksRejectMisspelledFieldsAndOptions() {
        Doc d = base().one("FlinkDeployment");
        ObjectNode pod = d.node.deepCopy();
        ((ObjectNode) pod.at("/spec/podTemplate/spec/containers/0")).put("volumeMount", "x");
        assertThatThrownBy(() -> podTemplate(new Doc(d.file, d.index, pod))).hasMessageContaining("volumeMount");

        Doc s = ofKind("Service").get(0);
        ObjectNode svc = s.node.deepCopy();
        ((ObjectNode) svc.path("spec")).put("clusterIp", "None");
        assertThatThrownBy(() -> new Doc(s.file, s.index, svc).as(Service.class)).hasMessageContaining("clusterIp");

        ObjectNode conf = d.node.deepCopy();
        ((ObjectNode) conf.at("/spec/flinkConfiguration")).put(PipelineOptions.MAX_PARALLELISM.key(), 720);
        assertThatThrownBy(() -> flinkConfiguration(new Doc(d.file, d.index, conf)))
                .hasMessageContaining(PipelineOptions.MAX_PARALLELISM.key());

        assertThatThrownBy(() -> JobOptions.parse("--kafka-topics", "t", "--kafka-bootstrap-servers", "k:9092", "--modle", "m"))
                .isInstanceOf(JobOptions.UsageException.class);
    }

    // ------------------------------------------------------------------ regenerate the model

    /** Rewrites k8s/base/model.yaml (the model ConfigMap's content) from the current default model. */
    public static void main(String[] args) throws IOException {
        Files.copy(DEFAULT_MODEL, BASE_MODEL, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        System.out.println("wrote " + BASE_MODEL);
    }

    // ------------------------------------------------------------------ helpers

    /** The YAML documents of a file (empty ones skipped), each a mapping. */
    static List<Doc> load(Path f) {
        List<Object> loaded = new ArrayList<>();
        try {
            yaml().loadAll(read(f)).forEach(loaded::add);
        } catch (YAMLException e) {
            throw new AssertionError(f + " is not valid YAML (or repeats a key): " + e.getMessage(), e);
        }
        List<Doc> out = new ArrayList<>();
        for (int i = 0; i < loaded.size(); i++) {
            Object o = loaded.get(i);
            if (o != null) {
                assertThat(o).as(f + " document " + (i + 1) + " is a mapping").isInstanceOf(Map.class);
                out.add(new Doc(f, i, PLAIN.valueToTree(o)));
            }
        }
        return out;
    }

    /** The base as kustomize builds it (built once; tests that change it build their own). */
    static synchronized Kustomize.Build base() {
        if (base == null) {
            base = Kustomize.build(BASE);
        }
        return base;
    }

    /** The Secret templates: every *.template.yaml under k8s/. */
    static List<Doc> templates() {
        return yamlFiles().stream().filter(f -> f.getFileName().toString().endsWith(".template.yaml"))
                .flatMap(f -> load(f).stream()).collect(Collectors.toList());
    }

    /** The examples (k8s/examples/*.yaml): one-off manifests no kustomization lists. */
    static List<Doc> examples() {
        return yamlFiles().stream().filter(f -> f.startsWith(EXAMPLES)).flatMap(f -> load(f).stream())
                .collect(Collectors.toList());
    }

    /** Everything that reaches a cluster: the base as built, the Secret templates, the examples. */
    static synchronized List<Doc> allDocs() {
        if (docs == null) {
            List<Doc> all = new ArrayList<>(base().resources);
            all.addAll(templates());
            all.addAll(examples());
            docs = all;
        }
        return docs;
    }

    static List<Doc> manifests() {
        return allDocs();
    }

    static List<Doc> ofKind(String kind) {
        return manifests().stream().filter(d -> d.kind().equals(kind)).collect(Collectors.toList());
    }

    /** The FlinkDeployment as deployed: from the base, the production overlay, and that with the autoscaler component. */
    static List<Doc> deployments() {
        List<Doc> out = new ArrayList<>();
        out.add(base().one("FlinkDeployment"));
        out.add(relabel(Kustomize.build(PRODUCTION).one("FlinkDeployment"), PRODUCTION));
        out.add(relabel(withAutoscaler(Kustomize.build(PRODUCTION)).one("FlinkDeployment"), AUTOSCALER));
        return out;
    }

    /** A build's document, named after the kustomization that made it. */
    static Doc relabel(Doc d, Path by) {
        return new Doc(by.resolve("kustomization.yaml"), d.index(), d.node());
    }

    /** The production overlay with the autoscaler component, as the overlay's commented line would add it. */
    static Kustomize.Build withAutoscaler(Kustomize.Build overlay) {
        return Kustomize.applyComponent(AUTOSCALER, overlay);
    }

    /** Every YAML file under k8s/. */
    static List<Path> yamlFiles() {
        try (Stream<Path> files = Files.walk(K8S)) {
            return files.filter(Files::isRegularFile).filter(f -> f.toString().matches(".*\\.ya?ml")).sorted()
                    .map(Path::normalize).collect(Collectors.toList());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** YAML 1.1 as kubectl reads it; a repeated key is an error rather than last-one-wins. */
    static Yaml yaml() {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        options.setCodePointLimit(8 * 1024 * 1024);
        DumperOptions dumper = new DumperOptions();
        return new Yaml(new SafeConstructor(options), new Representer(dumper), dumper, options);
    }

    static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Jackson for fabric8's Kubernetes model classes (ConfigMap, Secret, Service, the pod
     * template), stricter than they are themselves: they keep unknown fields in an any-setter
     * map, so a misspelled field would vanish silently. Here it fails, and so does a number where
     * the API wants a string.
     */
    static ObjectMapper strictMapper() {
        ObjectMapper m = JsonMapper.builder()
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .annotationIntrospector(new JacksonAnnotationIntrospector() {
                    private static final long serialVersionUID = 1L;

                    @Override
                    public JsonIgnoreProperties.Value findPropertyIgnoralByName(MapperConfig<?> config, Annotated a) {
                        return super.findPropertyIgnoralByName(config, a).withoutIgnoreUnknown();
                    }

                    @Override
                    public Boolean hasAnySetter(Annotated a) {
                        return Boolean.FALSE;
                    }
                })
                .build();
        m.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        return m;
    }

    /**
     * The manifest deploys Flink 2.2, so it says {@code flinkVersion: v2_2}, which operators from
     * 1.13 on accept (and need: told an older version, the operator writes the legacy
     * flink-conf.yaml that Flink 2.x no longer reads). {@link OperatorCrdTest} checks it, as
     * written, against the enum of the operator 1.15.0 CRD.
     */
    static final String DEPLOYED_FLINK_VERSION = "v2_2";

    /**
     * A FlinkDeployment's {@code flinkConfiguration}, flat keys with string values. The operator
     * 1.15.0 CRD accepts any YAML there (nested maps, numbers); the manifests keep Flink's own
     * form, flat and string-valued, which every operator reads alike and which is compared key by
     * key with flink-conf/config.yaml, so anything else fails here.
     */
    static Map<String, String> flinkConfiguration(Doc d) {
        JsonNode conf = d.node.path("spec").path("flinkConfiguration");
        assertThat(conf.isObject()).as(d + " spec.flinkConfiguration").isTrue();
        Map<String, String> out = new LinkedHashMap<>();
        conf.fields().forEachRemaining(e -> {
            assertThat(e.getValue().isTextual()).as(d + " flinkConfiguration " + e.getKey() + ": a string (flat keys, "
                    + "string values, as Flink writes them), is " + e.getValue()).isTrue();
            out.put(e.getKey(), e.getValue().asText());
        });
        return out;
    }

    /** A FlinkDeployment's {@code spec.job.args}. */
    static List<String> args(Doc d) {
        JsonNode args = d.node.at("/spec/job/args");
        assertThat(args.isArray()).as(d + " spec.job.args: a list").isTrue();
        List<String> out = new ArrayList<>();
        args.forEach(a -> {
            assertThat(a.isTextual()).as(d + " spec.job.args: strings, is " + a).isTrue();
            out.add(a.asText());
        });
        return out;
    }

    /** A FlinkDeployment's {@code spec.podTemplate} as the operator reads it: a fabric8 Pod (strictly). */
    static Pod podTemplate(Doc d) {
        JsonNode template = d.node.at("/spec/podTemplate");
        assertThat(template.isObject()).as(d + " spec.podTemplate").isTrue();
        try {
            return STRICT.treeToValue(template, Pod.class);
        } catch (IOException e) {
            throw new AssertionError(d + " spec.podTemplate does not parse as a Pod: " + e.getMessage(), e);
        }
    }

    static int reporterPort(Doc d) {
        String port = flinkConfiguration(d).get("metrics.reporter.prom.port");
        assertThat(port).as(d + " metrics.reporter.prom.port: one port (a range cannot be scraped by name)").matches("\\d+");
        return Integer.parseInt(port);
    }

    static Container mainContainer(Doc d) {
        assertThat(d.node.at("/spec/jobManager").has("podTemplate")).as(d + ": mounts live in spec.podTemplate, for both").isFalse();
        assertThat(d.node.at("/spec/taskManager").has("podTemplate")).as(d + ": mounts live in spec.podTemplate, for both").isFalse();
        return podTemplate(d).getSpec().getContainers().stream().filter(c -> MAIN_CONTAINER.equals(c.getName()))
                .findFirst().orElseThrow(() -> new AssertionError(d + ": podTemplate has no container " + MAIN_CONTAINER));
    }

    /**
     * Which ConfigMap or Secret key a file path of the main container is, as
     * {@code Kind/name/key}; fails unless a manifest here defines that object and key.
     */
    static String mountedKey(Doc d, String file) {
        Container c = mainContainer(d);
        PodSpec pod = podTemplate(d).getSpec();
        VolumeMount mount = c.getVolumeMounts().stream()
                .filter(m -> file.startsWith(m.getMountPath().replaceAll("/$", "") + "/"))
                .findFirst().orElseThrow(() -> new AssertionError(d + ": no volume mounted where " + file + " is"));
        assertThat(mount.getSubPath()).as(d + " mount " + mount.getName() + ": no subPath (it would not see updates)").isNull();
        String relative = file.substring(mount.getMountPath().replaceAll("/$", "").length() + 1);
        Volume v = pod.getVolumes().stream().filter(x -> x.getName().equals(mount.getName())).findFirst()
                .orElseThrow(() -> new AssertionError(d + ": no volume " + mount.getName()));
        List<String[]> sources = new ArrayList<>(); // {kind, name} of each ConfigMap or Secret the volume shows
        List<List<KeyToPath>> items = new ArrayList<>(); // and its items (null: every key, as a file of that name)
        if (v.getConfigMap() != null) {
            sources.add(new String[] {"ConfigMap", v.getConfigMap().getName()});
            items.add(v.getConfigMap().getItems());
        } else if (v.getSecret() != null) {
            sources.add(new String[] {"Secret", v.getSecret().getSecretName()});
            items.add(v.getSecret().getItems());
        } else if (v.getProjected() != null) {
            for (VolumeProjection p : v.getProjected().getSources()) {
                if (p.getConfigMap() != null) {
                    sources.add(new String[] {"ConfigMap", p.getConfigMap().getName()});
                    items.add(p.getConfigMap().getItems());
                } else if (p.getSecret() != null) {
                    sources.add(new String[] {"Secret", p.getSecret().getName()});
                    items.add(p.getSecret().getItems());
                }
            }
        } else {
            fail(d + ": volume " + v.getName() + " for " + file + " is no ConfigMap, Secret or projection of them");
        }
        for (int i = 0; i < sources.size(); i++) {
            String kind = sources.get(i)[0];
            String name = sources.get(i)[1];
            Doc obj = ofKind(kind).stream().filter(x -> x.name().equals(name)).findFirst().orElse(null);
            assertThat(obj).as(d + ": volume " + v.getName() + " uses " + kind + " " + name + ", defined in k8s/").isNotNull();
            Set<String> keys = new HashSet<>();
            for (String field : List.of("data", "stringData")) {
                obj.node.path(field).fieldNames().forEachRemaining(keys::add);
            }
            String key = null;
            if (items.get(i) == null || items.get(i).isEmpty()) {
                key = keys.contains(relative) ? relative : null;
            } else {
                for (KeyToPath k : items.get(i)) {
                    assertThat(keys).as(d + ": " + kind + " " + name + " has the key " + k.getKey()).contains(k.getKey());
                    if (k.getPath().equals(relative)) {
                        key = k.getKey();
                    }
                }
            }
            if (key != null) {
                return kind + "/" + name + "/" + key;
            }
        }
        throw new AssertionError(d + ": " + file + " is not a key of what volume " + v.getName() + " mounts");
    }

    /** A YAML tree flattened to Flink's dotted keys, values as Flink reads them. */
    static Map<String, String> flatten(Object yaml) {
        Map<String, String> out = new LinkedHashMap<>();
        flatten("", yaml, out);
        return out;
    }

    private static void flatten(String prefix, Object v, Map<String, String> out) {
        if (v instanceof Map) {
            for (Map.Entry<?, ?> e : ((Map<?, ?>) v).entrySet()) {
                flatten(prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey(), e.getValue(), out);
            }
        } else if (v instanceof List) {
            out.put(prefix, ((List<?>) v).stream().map(String::valueOf).collect(Collectors.joining(";")));
        } else if (v != null) {
            out.put(prefix, String.valueOf(v));
        }
    }

    /** RFC 7386 JSON merge patch, what {@code kubectl patch --type merge} applies. */
    static JsonNode mergePatch(JsonNode target, JsonNode patch) {
        if (!patch.isObject()) {
            return patch;
        }
        ObjectNode t = target != null && target.isObject() ? (ObjectNode) target : PLAIN.createObjectNode();
        patch.fields().forEachRemaining(e -> {
            if (e.getValue().isNull()) {
                t.remove(e.getKey());
            } else {
                t.set(e.getKey(), mergePatch(t.get(e.getKey()), e.getValue()));
            }
        });
        return t;
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> names = new ArrayList<>();
        n.fieldNames().forEachRemaining(names::add);
        return names;
    }

    static Class<?> loadClass(String name) {
        try {
            return Class.forName(name);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(name + " is not on the classpath", e);
        }
    }
}
