package io.pqlscore.migration;

/**
 * What travels between the conversion's operators, keyed by account: one v1 operator's state for
 * one account (or for one of its pattern keys), or the converted state of an account. A POJO around
 * bytes written by {@link PieceCodec}, so that no state object needs a serializer of its own (or
 * Kryo) only to cross a shuffle.
 */
public class Piece {
    /** Nothing: a reader's answer for a key without anything to carry (see {@link V1Readers}). */
    public static final int NOTHING = 0;
    /** The sequencer's waiting records and kept ids of an account. */
    public static final int SEQUENCER = 1;
    /** The scorer's entities and waiting records and firings of an account. */
    public static final int SCORER = 2;
    /** One key of a CEP operator: a {@link V1Pattern}. */
    public static final int PATTERN = 3;
    /** An account converted to the account stage's layout: a {@link Converted}. */
    public static final int CONVERTED = 4;
    /** One user of the identity stage (keyed by user): its identity and its waiting records. */
    public static final int IDENTITY = 5;

    public String account;
    public int kind;
    public byte[] bytes;

    public Piece() {}

    Piece(String account, int kind, byte[] bytes) {
        this.account = account;
        this.kind = kind;
        this.bytes = bytes;
    }

    static Piece nothing() {
        return new Piece("", NOTHING, new byte[0]);
    }
}
