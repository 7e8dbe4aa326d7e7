package io.pqlscore.scoring;

import java.util.Map;

/** Test access to what an {@link AccountEntry} keeps package-private (state migration tests). */
public final class AccountEntries {
    private AccountEntries() {}

    public static KeptMessageIds kept(AccountEntry e) {
        return e.kept;
    }

    public static Map<String, Long> userWakes(AccountEntry e) {
        return e.userWakes.entries();
    }

    public static Map<String, Long> patternWakes(AccountEntry e) {
        return e.patternWakes.entries();
    }

    /** The earliest user wake-up: what the stored account keeps of its users' agenda. */
    public static long earliestUserWake(AccountEntry e) {
        return e.earliestUserWake();
    }

    /** The earliest pattern pruning time of its users: what the stored account keeps of them. */
    public static long earliestPatternWake(AccountEntry e) {
        return e.earliestPatternWake();
    }

    public static long accountPatternWake(AccountEntry e) {
        return e.accountPatternWake;
    }

    /** A decoded entry holding {@code users} (decoded values), as if they had been read from its value. */
    public static AccountEntry boundTo(AccountEntry e, Map<String, EntityState> users) {
        e.bind(stored -> {
            throw new IllegalStateException("users are given decoded");
        });
        e.users.putAll(users);
        e.allUsersRead = true;
        return e;
    }
}
