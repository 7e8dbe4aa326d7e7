package io.pqlscore.testing;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.function.Function;
import java.util.stream.Collectors;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.utils.Exit;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;

/**
 * A real single-node Kafka 4.2 cluster (KRaft, one process acting as broker and controller) in
 * this JVM, on loopback, from Kafka's own server classes: for tests and for a local demo (so it
 * uses no JUnit types). {@link #start()} formats a fresh log directory in a temp dir, as
 * {@code kafka-storage.sh format} does, and starts {@link KafkaRaftServer} on two free ports
 * ({@code PLAINTEXT} for clients, {@code CONTROLLER} for the KRaft quorum of one); {@link #close()}
 * stops it and deletes the directory.
 *
 * <p>Settings are Kafka's defaults except what a one-node cluster needs (replication factor 1
 * and min ISR 1 for the internal offsets, transaction-state and share-state topics, few
 * partitions of them so start-up is quick) and {@code group.initial.rebalance.delay.ms=0}. The
 * maximum transaction timeout stays at the default 15 minutes, the bound a job's
 * {@code --transaction-timeout} must respect on a real cluster too.
 */
public final class EmbeddedKafka implements AutoCloseable {

    /** A consumed record: where it was, its key and value (either may be null). */
    public record Record(String topic, int partition, long offset, byte[] key, byte[] value) {
        public String keyText() {
            return key == null ? null : new String(key, StandardCharsets.UTF_8);
        }

        public String valueText() {
            return value == null ? null : new String(value, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            return topic + "[" + partition + "]@" + offset + " " + keyText() + " = " + valueText();
        }
    }

    private final Map<String, String> overrides = new HashMap<>();
    private final Map<String, String> saslUsers = new java.util.LinkedHashMap<>();
    private String saslBootstrapServers;
    private Path dir;
    private KafkaRaftServer server;
    private KafkaConfig config;
    private String bootstrapServers;
    private Admin admin;
    private boolean exitTrapped;

    public EmbeddedKafka() {}

    /**
     * Produce and consume (not create topics) against a broker that runs elsewhere, e.g. an
     * EmbeddedKafka of another JVM: the same client helpers, no server.
     */
    public static EmbeddedKafka connectTo(String bootstrapServers) {
        EmbeddedKafka k = new EmbeddedKafka();
        k.bootstrapServers = bootstrapServers;
        return k;
    }

    /** A broker setting over the defaults of this class (before {@link #start()}). */
    public EmbeddedKafka withBrokerProperty(String key, String value) {
        overrides.put(key, value);
        return this;
    }

    /**
     * Adds a {@code SASL_PLAINTEXT} listener (mechanism {@code PLAIN}) with this user, beside the
     * plaintext one the test's own clients use (before {@link #start()}). Clients of it need
     * {@code security.protocol=SASL_PLAINTEXT}, {@code sasl.mechanism=PLAIN} and a
     * {@code sasl.jaas.config} with the user and password: {@link #saslBootstrapServers()}.
     */
    public EmbeddedKafka withSaslPlainUser(String user, String password) {
        if (!user.matches("[A-Za-z0-9_-]+") || password.contains("\"")) {
            throw new IllegalArgumentException("a plain user name and a password without quotes");
        }
        saslUsers.put(user, password);
        return this;
    }

    /** The SASL_PLAINTEXT listener's address (see {@link #withSaslPlainUser}). */
    public String saslBootstrapServers() {
        if (saslBootstrapServers == null) {
            throw new IllegalStateException("no SASL listener (withSaslPlainUser before start)");
        }
        return saslBootstrapServers;
    }

    /** Formats a fresh log directory and starts the broker; returns once it serves clients. */
    public EmbeddedKafka start() {
        if (server != null) {
            throw new IllegalStateException("already started");
        }
        try {
            dir = Files.createTempDirectory("embedded-kafka-");
            int brokerPort = freePort();
            int controllerPort = freePort();
            Properties p = new Properties();
            p.put("process.roles", "broker,controller");
            p.put("node.id", "1");
            p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
            if (!saslUsers.isEmpty()) {
                int saslPort = freePort();
                p.put("listeners", p.get("listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
                p.put("advertised.listeners", p.get("advertised.listeners") + ",SASL_PLAINTEXT://127.0.0.1:" + saslPort);
                p.put("listener.security.protocol.map", p.get("listener.security.protocol.map") + ",SASL_PLAINTEXT:SASL_PLAINTEXT");
                p.put("sasl.enabled.mechanisms", "PLAIN");
                StringBuilder jaas = new StringBuilder("org.apache.kafka.common.security.plain.PlainLoginModule required");
                saslUsers.forEach((u, pw) -> jaas.append(" user_").append(u).append("=\"").append(pw).append('"'));
                p.put("listener.name.sasl_plaintext.plain.sasl.jaas.config", jaas.append(';').toString());
                saslBootstrapServers = "127.0.0.1:" + saslPort;
            }
            p.put("controller.listener.names", "CONTROLLER");
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("log.dirs", dir.resolve("data").toString());
            p.put("num.partitions", "1");
            p.put("default.replication.factor", "1");
            p.put("min.insync.replicas", "1");
            p.put("offsets.topic.replication.factor", "1");
            p.put("offsets.topic.num.partitions", "5");
            p.put("transaction.state.log.replication.factor", "1");
            p.put("transaction.state.log.min.isr", "1");
            p.put("transaction.state.log.num.partitions", "5");
            p.put("share.coordinator.state.topic.replication.factor", "1");
            p.put("share.coordinator.state.topic.min.isr", "1");
            p.put("share.coordinator.state.topic.num.partitions", "1");
            p.put("group.initial.rebalance.delay.ms", "0");
            // transaction.max.timeout.ms stays at Kafka's default (15 min)
            p.putAll(overrides);
            KafkaConfig config = KafkaConfig.fromProps(p, false);
            format(config);
            // A fatal fault inside the broker must fail the test, not exit the JVM running it.
            Exit.setExitProcedure((code, message) -> {
                throw new IllegalStateException("embedded Kafka asked to exit(" + code + "): " + message);
            });
            Exit.setHaltProcedure((code, message) -> {
                throw new IllegalStateException("embedded Kafka asked to halt(" + code + "): " + message);
            });
            exitTrapped = true;
            this.config = config;
            server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            bootstrapServers = "127.0.0.1:" + brokerPort;
            Properties a = new Properties();
            a.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
            admin = Admin.create(a);
            // the broker answers only once it is registered and unfenced
            admin.describeCluster().nodes().get();
            return this;
        } catch (IOException e) {
            close();
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IllegalStateException(e);
        } catch (Exception e) {
            close();
            throw e instanceof RuntimeException ? (RuntimeException) e : new IllegalStateException(e);
        }
    }

    /**
     * Stops the broker as a clean shutdown does ({@code kafka-server-stop.sh}: logs flushed,
     * leadership and the controller given up), keeping its log directory and ports: an outage.
     * Clients keep trying to reconnect until {@link #restartBroker()}.
     */
    public synchronized void stopBroker() {
        if (server == null) {
            throw new IllegalStateException("not running");
        }
        server.shutdown();
        server.awaitShutdown();
        server = null;
    }

    /** Starts the broker again after {@link #stopBroker()}: same ports, same data. Returns once it serves clients. */
    public synchronized void restartBroker() {
        if (server != null || config == null) {
            throw new IllegalStateException("not stopped");
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                server = new KafkaRaftServer(config, Time.SYSTEM);
                server.startup();
                break;
            } catch (RuntimeException e) {
                // a port of the old instance not released yet
                server = null;
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                sleepQuietly(500);
            }
        }
        try {
            admin.describeCluster().nodes().get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("the restarted broker does not answer", e.getCause());
        }
    }

    private static void sleepQuietly(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** What {@code kafka-storage.sh format} does for a node of a static quorum ({@code controller.quorum.voters}). */
    private static void format(KafkaConfig config) throws Exception {
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8)) {
            Formatter f = new Formatter()
                    .setPrintStream(quiet)
                    .setNodeId(config.nodeId())
                    .setClusterId(Uuid.randomUuid().toString())
                    .setControllerListenerName(config.controllerListenerNames().get(0))
                    .setMetadataLogDirectory(config.metadataLogDir());
            config.logDirs().forEach(f::addDirectory);
            f.run();
        }
    }

    public String bootstrapServers() {
        if (bootstrapServers == null) {
            throw new IllegalStateException("not started");
        }
        return bootstrapServers;
    }

    /** Creates a topic (replication factor 1) and waits until every partition has a leader. */
    public void createTopic(String name, int partitions) {
        createTopic(name, partitions, Map.of());
    }

    /** As {@link #createTopic(String, int)}, with topic configs (e.g. {@code max.message.bytes}). */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        try {
            admin.createTopics(List.of(new NewTopic(name, partitions, (short) 1).configs(configs))).all().get();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (true) {
                TopicDescription d = null;
                try {
                    d = admin.describeTopics(List.of(name)).allTopicNames().get().get(name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                        throw e;
                    }
                    // created, but the broker has not applied the metadata yet
                }
                if (d != null && d.partitions().size() == partitions
                        && d.partitions().stream().map(TopicPartitionInfo::leader).allMatch(l -> l != null && !l.isEmpty())) {
                    return;
                }
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("topic " + name + " has no leader for every partition: " + d);
                }
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create topic " + name, e.getCause());
        }
    }

    /**
     * Writes the values in order with an idempotent producer ({@code acks=all}), keyed by
     * {@code keyFn} (null keys allowed: then Kafka's partitioner picks the partition), flushes,
     * and returns where each value went, in the order of {@code values}.
     */
    public List<RecordMetadata> produce(String topic, List<byte[]> values, Function<byte[], byte[]> keyFn) {
        return produce(topic, values, keyFn, Map.of());
    }

    /** As {@link #produce(String, List, Function)}, with producer settings over ours (e.g. for huge records). */
    public List<RecordMetadata> produce(String topic, List<byte[]> values, Function<byte[], byte[]> keyFn,
            Map<String, Object> producerOverrides) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(values.size());
        for (byte[] v : values) {
            records.add(new ProducerRecord<>(topic, keyFn == null ? null : keyFn.apply(v), v));
        }
        return send(records, producerOverrides);
    }

    /** Writes one record to a given partition (e.g. one per partition, to move every partition's watermark). */
    public RecordMetadata produce(String topic, int partition, byte[] key, byte[] value) {
        return send(List.of(new ProducerRecord<>(topic, partition, key, value)), Map.of()).get(0);
    }

    private List<RecordMetadata> send(List<ProducerRecord<byte[], byte[]>> records, Map<String, Object> overrides) {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.putAll(overrides);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            List<Future<RecordMetadata>> sent = new ArrayList<>(records.size());
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(producer.send(r));
            }
            producer.flush();
            List<RecordMetadata> out = new ArrayList<>(sent.size());
            for (Future<RecordMetadata> f : sent) {
                out.add(f.get());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("producing failed", e.getCause());
        }
    }

    /** The transactional ids the broker knows (open, committed or aborted transactions of live producers' ids). */
    public List<String> transactionalIds() {
        try {
            return admin.listTransactions().all().get().stream().map(TransactionListing::transactionalId).sorted()
                    .collect(Collectors.toList());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot list transactions", e.getCause());
        }
    }

    /**
     * Reads the topic from the beginning as a {@code read_committed} consumer (what downstream
     * consumers of the job's exactly-once output see) until at least {@code expectedCount}
     * records have arrived and the consumer has caught up with the last stable offset of every
     * partition (so committed records beyond the expected count are returned too), or until
     * {@code timeout}; returns what it read, in partition then offset order.
     */
    public List<Record> consumeCommitted(String topic, int expectedCount, Duration timeout) {
        return consume(topic, true, expectedCount, timeout);
    }

    /**
     * As {@link #consumeCommitted} but {@code read_uncommitted}: also the records of aborted
     * (and still open) transactions.
     */
    public List<Record> consumeUncommitted(String topic, int expectedCount, Duration timeout) {
        return consume(topic, false, expectedCount, timeout);
    }

    private List<Record> consume(String topic, boolean committed, int expectedCount, Duration timeout) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committed ? "read_committed" : "read_uncommitted");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        long deadline = System.nanoTime() + timeout.toNanos();
        List<Record> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(i -> new TopicPartition(topic, i.partition())).collect(Collectors.toList());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(100))) {
                    out.add(new Record(r.topic(), r.partition(), r.offset(), r.key(), r.value()));
                }
                if (out.size() >= expectedCount && caughtUp(consumer, partitions)) {
                    break;
                }
            }
        }
        out.sort((a, b) -> a.partition() != b.partition() ? Integer.compare(a.partition(), b.partition())
                : Long.compare(a.offset(), b.offset()));
        return out;
    }

    /** For a read_committed consumer the end offsets are the last stable offsets. */
    private static boolean caughtUp(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> partitions) {
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < end.get(tp)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(5));
            admin = null;
        }
        if (server != null) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } finally {
                server = null;
            }
        }
        if (exitTrapped) {
            Exit.resetExitProcedure();
            Exit.resetHaltProcedure();
            exitTrapped = false;
        }
        bootstrapServers = null;
        saslBootstrapServers = null;
        if (dir != null) {
            deleteRecursively(dir);
            dir = null;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) {
        try {
            Files.walkFileTree(root, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            // best effort: a temp dir left behind must not fail the test that used the broker
        }
    }

    /** For a quick manual check: starts a broker, prints its address, and stops on Enter. */
    public static void main(String[] args) throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedKafka kafka = new EmbeddedKafka().start()) {
            System.out.printf("Kafka at %s (started in %d ms); Enter stops it%n", kafka.bootstrapServers(),
                    (System.nanoTime() - t0) / 1_000_000);
            System.in.read();
        }
    }
}
