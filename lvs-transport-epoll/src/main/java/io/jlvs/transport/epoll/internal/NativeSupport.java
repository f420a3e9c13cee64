package io.jlvs.transport.epoll.internal;

import java.util.Locale;

/**
 * Whether this JVM can run the native layer: Linux on x86-64 or AArch64 (the layouts of
 * {@code epoll_event} and {@code msghdr} are written for those two) with native access enabled for the
 * module or class path that holds this class ({@code --enable-native-access=ALL-UNNAMED} on the class path).
 *
 * <p>Nothing here touches the native linker, so asking is always safe, also where the answer is no.
 *
 * <p>Immutable (static, computed once).
 */
public final class NativeSupport {
    private static final String REASON = computeReason();

    private NativeSupport() {
    }

    /** {@return true when {@link Syscalls} can be used in this JVM} */
    public static boolean isAvailable() {
        return REASON == null;
    }

    /** {@return why the native layer cannot be used here, or {@code null} when it can} */
    public static String unavailableReason() {
        return REASON;
    }

    /** {@return true on x86-64, where {@code struct epoll_event} is packed (12 bytes); false on AArch64 (16)} */
    static boolean packedEpollEvent() {
        return "amd64".equals(arch()) || "x86_64".equals(arch());
    }

    private static String arch() {
        return System.getProperty("os.arch", "").toLowerCase(Locale.ROOT);
    }

    private static String computeReason() {
        final String os = System.getProperty("os.name", "");
        if (!os.toLowerCase(Locale.ROOT).startsWith("linux")) {
            return "not Linux (os.name=" + os + ")";
        }
        final String arch = arch();
        if (!(arch.equals("amd64") || arch.equals("x86_64") || arch.equals("aarch64"))) {
            return "unsupported architecture (os.arch=" + arch + "; expected amd64 or aarch64)";
        }
        if (!NativeSupport.class.getModule().isNativeAccessEnabled()) {
            return "native access is not enabled (start the JVM with --enable-native-access=ALL-UNNAMED, or "
                + "--enable-native-access=io.jlvs.transport.epoll on the module path)";
        }
        return null;
    }
}
