package io.pqlscore.scoring;

/**
 * A sequence or usage-approach firing detected by a pattern operator (Flink CEP), delivered to
 * the scorer with the record that completed it. {@code userId} is null for an account firing.
 */
public class SignalFiring {
    public int signal;
    public String accountId;
    public String userId;
    /** The {@code messageId} of the completing record. */
    public String messageId;
    public long timestamp;

    public SignalFiring() {}

    public SignalFiring(int signal, String accountId, String userId, String messageId, long timestamp) {
        this.signal = signal;
        this.accountId = accountId;
        this.userId = userId;
        this.messageId = messageId;
        this.timestamp = timestamp;
    }

    @Override
    public String toString() {
        return "SignalFiring{" + signal + " " + accountId + "/" + userId + " " + messageId + " @" + timestamp + "}";
    }
}
