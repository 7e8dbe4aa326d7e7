package io.pqlscore.model;

/** Which entities a signal scores: a user (PQL), an account (PQA), or both. */
public enum Scope {
    USER,
    ACCOUNT,
    BOTH;

    public boolean scoresUsers() {
        return this != ACCOUNT;
    }

    public boolean scoresAccounts() {
        return this != USER;
    }
}
