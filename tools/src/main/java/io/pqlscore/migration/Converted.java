package io.pqlscore.migration;

import io.pqlscore.events.UsageEvent;
import java.util.ArrayList;
import java.util.List;

/**
 * One account in the account stage's layout, as its keyed state will hold it: the {@code account}
 * value ({@code EntityCodec.encodeAccount}, its users inside it; null when nothing of the account
 * is kept) and the {@code spilled-records} list
 * (records waiting for the watermark, some with the pattern outcomes they already had).
 */
final class Converted {
    byte[] account;
    final List<UsageEvent> spilled = new ArrayList<>();

    boolean isEmpty() {
        return account == null && spilled.isEmpty();
    }
}
