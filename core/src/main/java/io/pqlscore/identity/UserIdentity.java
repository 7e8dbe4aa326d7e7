package io.pqlscore.identity;

/**
 * What identity resolution keeps per user id (SPEC 8): the accounts the user joined through
 * {@code group} calls, the current one (the latest such call's), the kept traits of its
 * {@code identify} calls, and when a record of the user was last read. A POJO: Flink serializes
 * and evolves it without Kryo.
 */
public class UserIdentity {
    /** Accounts the user is a member of, in the order it joined them. */
    public String[] accounts = new String[0];
    /** The account of the user's latest {@code group} call; null before the first. */
    public String current;
    /** Kept traits the model reads: keys and JSON-text values, merged as SPEC 3 merges traits. */
    public String[] traitKeys = new String[0];
    public String[] traitValues = new String[0];
    /**
     * Whether the kept traits hold at least one key, counting keys the model does not read: only
     * then does a join create the user entity in the account.
     */
    public boolean traitsKept;
    /** Event time of the latest record of this user that identity resolution read. */
    public long lastReadAt = Long.MIN_VALUE;

    public UserIdentity() {}

    public boolean isMember(String account) {
        for (String a : accounts) {
            if (a.equals(account)) {
                return true;
            }
        }
        return false;
    }
}
