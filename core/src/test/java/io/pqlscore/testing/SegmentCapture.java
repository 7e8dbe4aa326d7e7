package io.pqlscore.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.pqlscore.model.JsonValues;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * An in-process stand-in for Segment's HTTP tracking API: accepts the batches a Segment library
 * uploads ({@code POST /v1/import} or {@code /v1/batch}, gzip or not), answers as Segment does, and
 * keeps every message of every batch as the JSON line a Segment destination (a Kafka topic, a
 * file) would carry: the message object itself.
 */
public final class SegmentCapture implements AutoCloseable {
    private final HttpServer server;
    private final List<String> messages = new ArrayList<>();
    private final List<String> paths = new ArrayList<>();

    public SegmentCapture() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/", exchange -> {
            try (exchange) {
                InputStream body = exchange.getRequestBody();
                if ("gzip".equalsIgnoreCase(exchange.getRequestHeaders().getFirst("Content-Encoding"))) {
                    body = new GZIPInputStream(body);
                }
                JsonNode batch = JsonValues.MAPPER.readTree(body.readAllBytes());
                synchronized (this) {
                    paths.add(exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath());
                    for (JsonNode m : batch.path("batch")) {
                        messages.add(JsonValues.toJson(m));
                    }
                    notifyAll();
                }
                byte[] ok = "{\"success\":true}".getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, ok.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(ok);
                }
            }
        });
        server.start();
    }

    /** The base URL to give the library as its endpoint. */
    public String endpoint() {
        return "http://" + server.getAddress().getHostString() + ":" + server.getAddress().getPort();
    }

    /** Waits until {@code count} messages have arrived; returns them in arrival order. */
    public synchronized List<String> await(int count, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (messages.size() < count) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new IllegalStateException("only " + messages.size() + " of " + count + " messages arrived: " + paths);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return new ArrayList<>(messages);
    }

    /** The requests received, as "METHOD /path". */
    public synchronized List<String> requests() {
        return new ArrayList<>(paths);
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
