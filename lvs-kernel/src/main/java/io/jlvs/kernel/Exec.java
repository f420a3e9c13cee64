package io.jlvs.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs a short command with input, collecting its output. Stateless. */
final class Exec {
    private static final long TIMEOUT_SECONDS = 30;

    /** The outcome of a command. */
    record Result(int exit, String out, String err) {
    }

    private Exec() {
    }

    static Result run(final List<String> command, final String input) throws IOException {
        final Process p;
        try {
            p = new ProcessBuilder(command).start();
        } catch (final IOException e) {
            throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        final CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> drain(p.getErrorStream()));
        try (OutputStream o = p.getOutputStream()) {
            if (input != null) {
                o.write(input.getBytes(StandardCharsets.UTF_8));
            }
        }
        final String out = drain(p.getInputStream());
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + ": no answer within " + TIMEOUT_SECONDS + " s");
            }
            return new Result(p.exitValue(), out, err.get(TIMEOUT_SECONDS, TimeUnit.SECONDS));
        } catch (final InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted", e);
        } catch (final java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            return new Result(p.exitValue(), out, "");
        }
    }

    private static String drain(final InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (final IOException e) {
            return "";
        }
    }
}
