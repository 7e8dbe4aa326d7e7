package io.pqlscore.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

/**
 * The README's demo command, shortened: it shows transitions and identity at work, and when its
 * time is up it stops in order (generator, job, then broker and database) and returns 0, instead of
 * asking a stopped MiniCluster for the job's status.
 */
class LocalDemoTest {

    @Test
    void theDemoRunsAndStopsInOrderWithExitCodeZero() throws Exception {
        LocalDemo.DemoOptions o = LocalDemo.DemoOptions.parse(new String[] {
            "--duration-seconds", "30", "--plain", "--accounts", "60", "--speedup", "7200", "--web-port", "18081-18099"});
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int code;
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            code = LocalDemo.run(o, out, new CountDownLatch(1));
        }
        String printed = bytes.toString(StandardCharsets.UTF_8);
        assertThat(code).as(printed.length() > 4000 ? printed.substring(printed.length() - 4000) : printed).isZero();
        assertThat(printed).contains("identity (SPEC 8):").contains("memberships from group calls");
        int generator = printed.indexOf("stopped: event generator");
        int job = printed.indexOf("stopped: scoring job");
        int services = printed.indexOf("stopped: Kafka and PostgreSQL");
        assertThat(generator).isPositive();
        assertThat(job).isGreaterThan(generator);
        assertThat(services).isGreaterThan(job);
    }
}
