package io.pqlscore.migration;

import io.pqlscore.events.UsageEvent;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One account in the account stage's layout, as its keyed state will hold it: the {@code account}
 * value ({@code EntityCodec.encodeAccount}, null when nothing of the account is kept), the
 * {@code users} values ({@code EntityCodec.encodeUser}) and the {@code spilled-records} list
 * (records waiting for the watermark, some with the pattern outcomes they already had).
 */
final class Converted {
    byte[] account;
    final Map<String, byte[]> users = new LinkedHashMap<>();
    final List<UsageEvent> spilled = new ArrayList<>();

    boolean isEmpty() {
        return account == null && users.isEmpty() && spilled.isEmpty();
    }
}
