package dev.hyperweave.train;

import dev.hyperweave.HyperweaveException;

import java.nio.file.Path;

/** A file the engine reads is not what it should be; the message names the file and the byte offset. */
public class InputException extends HyperweaveException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final long offset;

    /**
     * @param file   the file
     * @param offset the byte offset where the problem is
     * @param what   what is wrong there
     */
    public InputException(Path file, long offset, String what) {
        super(file + " at byte " + offset + ": " + what);
        this.file = file;
        this.offset = offset;
    }

    /** @return the file that was read */
    public Path file() {
        return file;
    }

    /** @return the byte offset of the problem */
    public long offset() {
        return offset;
    }
}
