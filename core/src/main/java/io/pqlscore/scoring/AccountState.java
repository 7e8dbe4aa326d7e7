package io.pqlscore.scoring;

/**
 * The account entity plus what only accounts need: the most recently active identified users,
 * enough of them to decide the {@code min-active-users} gate, and the enterprise-band flag.
 */
public class AccountState {
    public EntityState entity = new EntityState();
    /** Up to {@code min-active-users} users with the latest activity times. */
    public String[] recentUsers = new String[0];
    public long[] recentUserTimes = new long[0];
    /** Whether the account's traits pass the routing {@code enterprise-override} test. */
    public boolean enterprise;

    public AccountState() {}
}
