package io.jlvs.kernel;

import java.io.IOException;

/**
 * How JLVS talks to nftables. {@link NftCommand} runs the {@code nft} program; a libnftables backend over the
 * Foreign Function API (JDK 22+) can implement the same two calls.
 *
 * <p>Implementations must be thread-safe.
 */
public interface NftBackend {
    /**
     * Applies an nftables script as one transaction: all of it or, on any error, none of it.
     *
     * @param script commands in nft's script syntax, one a line
     * @throws IOException naming nft's error if the transaction was refused (then nothing changed)
     */
    void apply(String script) throws IOException;

    /**
     * Runs a list command and returns nft's JSON answer.
     *
     * @param what what to list, such as {@code counters table inet jlvs_main}
     * @return the JSON text
     * @throws IOException if nft fails
     */
    String listJson(String what) throws IOException;
}
