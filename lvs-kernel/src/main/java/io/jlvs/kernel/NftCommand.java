package io.jlvs.kernel;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * The {@code nft} program as the backend: {@code nft -f -} applies a script as one transaction (nft sends the whole
 * file to the kernel as one netlink batch, committed or aborted as a whole), {@code nft -j list ...} reads JSON.
 * Works on any JDK and needs no native access.
 *
 * <p>Thread-safe (stateless).
 */
public final class NftCommand implements NftBackend {
    private final List<String> prefix;

    /** Runs {@code nft} from the path. */
    public NftCommand() {
        this(List.of("nft"));
    }

    /**
     * Runs the given command line in place of {@code nft} (for example {@code ip netns exec NS nft}).
     *
     * @param command the program and its leading arguments
     */
    public NftCommand(final List<String> command) {
        if (command.isEmpty()) {
            throw new IllegalArgumentException("command: empty (expected the nft program)");
        }
        this.prefix = List.copyOf(command);
    }

    @Override
    public void apply(final String script) throws IOException {
        final List<String> c = new ArrayList<>(prefix);
        c.add("-f");
        c.add("-");
        final Exec.Result r = Exec.run(c, script);
        if (r.exit() != 0) {
            throw new IOException("nft refused the transaction (nothing changed): " + r.err().strip());
        }
    }

    @Override
    public String listJson(final String what) throws IOException {
        final List<String> c = new ArrayList<>(prefix);
        c.add("-j");
        c.add("list");
        c.addAll(List.of(what.trim().split("\\s+")));
        final Exec.Result r = Exec.run(c, null);
        if (r.exit() != 0) {
            throw new IOException("nft list " + what + ": " + r.err().strip());
        }
        return r.out();
    }
}
