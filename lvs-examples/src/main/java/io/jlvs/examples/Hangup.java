package io.jlvs.examples;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * Runs an action on SIGHUP (what {@code jlvs run} reloads its rules on), through {@code sun.misc.Signal} of the
 * {@code jdk.unsupported} module: the JDK has no supported signal API, and this is the CLI program, not a library.
 * It is reached by reflection because javac warns of every direct use of that class and the build treats warnings
 * as errors.
 *
 * <p>Installing a handler replaces the JVM's default action for SIGHUP (which is to run the shutdown hooks and
 * exit), so a SIGHUP never stops the director. The action runs on the JVM's signal dispatcher thread: it must
 * return soon (hand long work to another thread).
 *
 * <p>Thread-safe (no state).
 */
final class Hangup {
    private static final Logger LOG = LoggerFactory.getLogger(Hangup.class);

    private Hangup() {
    }

    /**
     * Installs the action for SIGHUP.
     *
     * @param action what to run on each SIGHUP
     * @return null if installed, else why not (no {@code sun.misc.Signal}, or the JVM or OS reserves SIGHUP, as
     *     with {@code -Xrs})
     */
    static String install(final Runnable action) {
        try {
            final Class<?> signal = Class.forName("sun.misc.Signal");
            final Class<?> handler = Class.forName("sun.misc.SignalHandler");
            final Constructor<?> make = signal.getConstructor(String.class);
            final Object hup = make.newInstance("HUP");
            final InvocationHandler ih = (proxy, method, args) -> {
                if (method.getName().equals("handle") && args != null && args.length == 1) {
                    try {
                        action.run();
                    } catch (final RuntimeException e) {
                        LOG.warn("SIGHUP action failed", e);
                    }
                    return null;
                }
                return objectMethod(proxy, method, args);
            };
            final Object h = Proxy.newProxyInstance(Hangup.class.getClassLoader(), new Class<?>[] {handler}, ih);
            final Method handle = signal.getMethod("handle", signal, handler);
            handle.invoke(null, hup, h);
            return null;
        } catch (final java.lang.reflect.InvocationTargetException e) {
            return String.valueOf(e.getCause() != null ? e.getCause().getMessage() : e.getMessage());
        } catch (final ReflectiveOperationException | LinkageError | RuntimeException e) {
            return e.toString();
        }
    }

    private static Object objectMethod(final Object proxy, final Method m, final Object[] args) {
        switch (m.getName()) {
            case "equals":
                return proxy == args[0];
            case "hashCode":
                return System.identityHashCode(proxy);
            case "toString":
                return "jlvs SIGHUP handler";
            default:
                throw new UnsupportedOperationException(m.getName());
        }
    }
}
