package dev.hyperweave.train;

import dev.hyperweave.HyperweaveException;

import java.nio.file.Path;

/**
 * A file the engine reads is not what it should be; the message names the file and the byte offset.
 * Thrown by {@link Session#load} for a missing, truncated or mismatched checkpoint, before anything
 * in the session is changed.
 */
public class InputException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    /** The byte offset of the problem. */
    private final long offset;

    /**
     * Creates the exception with the message "{@code file} at byte {@code offset}: {@code what}".
     *
     * @param file   the file
     * @param offset the byte offset where the problem is
     * @param what   what is wrong there
     */
    public InputException(Path file, long offset, String what) {
        super(file + " at byte " + offset + ": " + what);
        this.file = file;
        this.offset = offset;
    }

    /**
     * The file that was read. Not serialized: null in a deserialized copy (the message still names it).
     *
     * @return the file that was read
     */
    public Path file() {
        return file;
    }

    /**
     * The byte offset of the problem: where the offending field or record begins (for a truncated
     * file, where the missing data should begin); 0 for a missing file.
     *
     * @return the byte offset of the problem
     */
    public long offset() {
        return offset;
    }
}
