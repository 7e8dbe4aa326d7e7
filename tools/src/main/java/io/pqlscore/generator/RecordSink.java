package io.pqlscore.generator;

/**
 * Where {@link EventGenerator#generate} pushes records, in arrival order. A lambda will do for
 * in-process use ({@code gen.generate(r -> queue.add(r.json()))}); {@link FileSink} and
 * {@link KafkaSink} are the command's outputs.
 */
@FunctionalInterface
public interface RecordSink extends AutoCloseable {
    void accept(GeneratedRecord record) throws Exception;

    /** Makes what was accepted visible downstream; called before the generator sleeps. */
    default void flush() throws Exception {}

    /** True when the consumer went away (e.g. a closed pipe): the generator stops quietly. */
    default boolean closedDownstream() {
        return false;
    }

    @Override
    default void close() throws Exception {}
}
