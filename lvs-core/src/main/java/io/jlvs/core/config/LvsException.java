package io.jlvs.core.config;

/**
 * A configuration command that cannot be carried out, with the message ipvsadm prints for the same case
 * (for example {@code Service already exists} or {@code No such destination}).
 *
 * <p>Immutable.
 */
public class LvsException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /**
     * Makes an exception.
     *
     * @param message what is wrong
     */
    public LvsException(final String message) {
        super(message);
    }
}
