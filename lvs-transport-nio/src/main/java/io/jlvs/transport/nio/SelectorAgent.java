package io.jlvs.transport.nio;

import org.jctools.queues.MpscUnboundedArrayQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;

/**
 * The one shape of the engine's threads (the event loops and the health checker), after Agrona's agents: a role
 * name (the thread's name), a duty cycle that drains at most {@value #COMMAND_LIMIT} commands, does the agent's own
 * work ({@link #doWork()}, which returns the work done and never blocks) and then waits for readiness on the
 * agent's selector; the idle strategy is that wait, as long as {@link #idleNs()} allows and only when no command is
 * pending (a command wakes a sleeping agent).
 *
 * <p>Failures: a command that throws is contained ({@link #commandFailed}); a duty cycle that throws is restarted on
 * the same thread, logged at ERROR; more than {@value #RESTARTS} restarts within {@value #RESTART_WINDOW_SECONDS} s
 * end the agent, which records why ({@link #death()}, read by the engine's health) and closes what it owns
 * ({@link #onClose()}). Restarting in place rather than stopping the process: the agent's state is consistent
 * between cycles, and a library must not exit its embedder's JVM; {@code health()} lets the embedder decide.
 *
 * <p>Thread-safe through {@link #execute}, {@link #stop}, {@link #death()} and {@link #alive()}; everything else
 * runs on the agent's thread. {@code running} and {@code death} are volatile (written by the stopping thread and by
 * the agent thread as it dies); the restart bookkeeping is the agent thread's.
 */
abstract class SelectorAgent implements Runnable {
    static final int COMMAND_LIMIT = 1024;
    static final int RESTARTS = 10;
    static final int RESTART_WINDOW_SECONDS = 10;
    private static final Logger LOG = LoggerFactory.getLogger(SelectorAgent.class);

    final Selector selector;
    private final String roleName;
    private final Thread thread;
    private final MpscUnboundedArrayQueue<Runnable> commands = new MpscUnboundedArrayQueue<>(256);
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final Consumer<SelectionKey> dispatch = this::onReady;
    private final long[] restartTimes = new long[RESTARTS];
    private int restarts;
    private volatile boolean running = true;
    private volatile String death;
    /** Test hook: runs at the top of each duty cycle, outside any containment. Set and read on the agent thread. */
    Runnable dutyHook;

    SelectorAgent(final String roleName) throws IOException {
        this.roleName = roleName;
        this.selector = Selector.open();
        this.thread = new Thread(this, roleName);
        this.thread.setDaemon(true);
    }

    /** The agent's own work in one duty cycle, never blocking; returns the work done (0 when idle). */
    abstract int doWork() throws IOException;

    /** How long the agent may wait for readiness when idle, in nanoseconds; 0 or less: do not wait. */
    abstract long idleNs();

    /** A selected key is ready. */
    abstract void onReady(SelectionKey key);

    /** A command threw: count and log it. */
    abstract void commandFailed(Throwable e);

    /** Runs after each wait for readiness. */
    void afterSelect() {
    }

    /** The duty cycle was restarted after a failure. */
    void restarted() {
    }

    /** What the agent's death means, for its health problem. */
    abstract String deathNote();

    /** The agent's thread is ending (stopped, or dead): close what it owns. */
    abstract void onClose();

    final String roleName() {
        return roleName;
    }

    final void start() {
        thread.start();
    }

    final boolean inAgentThread() {
        return Thread.currentThread() == thread;
    }

    final boolean running() {
        return running;
    }

    /**
     * Runs a task on the agent's thread. Thread-safe; wakes the agent if it waits.
     */
    final void execute(final Runnable task) {
        commands.offer(task);
        if (sleeping.get()) {
            selector.wakeup();
        }
    }

    /** Asks the agent to stop at the end of its current cycle. Thread-safe. */
    void stop() {
        running = false;
        selector.wakeup();
    }

    final void join(final long millis) throws InterruptedException {
        thread.join(millis);
    }

    final boolean alive() {
        return thread.isAlive();
    }

    /**
     * Why the agent died, or null while it runs (or after a normal stop).
     *
     * @return the reason, naming the thread
     */
    final String death() {
        return death;
    }

    @Override
    public final void run() {
        try {
            while (running) {
                try {
                    cycle();
                } catch (final ClosedSelectorException e) {
                    if (running) {
                        died(e);
                    }
                    return;
                } catch (final Throwable e) {
                    if (!restart(e)) {
                        return;
                    }
                }
            }
        } finally {
            onClose();
        }
    }

    /** One duty cycle: commands (bounded), the agent's work, then readiness. Returns the work done. */
    private int cycle() throws IOException {
        final Runnable hook = dutyHook;
        if (hook != null) {
            hook.run();
        }
        int work = 0;
        for (int i = 0; i < COMMAND_LIMIT; i++) {
            final Runnable r = commands.poll();
            if (r == null) {
                break;
            }
            work++;
            try {
                r.run();
            } catch (final Throwable e) {
                commandFailed(e);
            }
        }
        work += doWork();
        final long waitNs = idleNs();
        if (!commands.isEmpty() || waitNs <= 0) {
            work += selector.selectNow(dispatch);
        } else {
            sleeping.set(true);
            try {
                if (!commands.isEmpty()) {
                    work += selector.selectNow(dispatch);
                } else {
                    work += selector.select(dispatch, Math.max(1, TimeUnit.NANOSECONDS.toMillis(waitNs)));
                }
            } finally {
                sleeping.set(false);
            }
        }
        afterSelect();
        return work;
    }

    private boolean restart(final Throwable e) {
        final long t = System.nanoTime();
        final long oldest = restartTimes[restarts % RESTARTS];
        restartTimes[restarts % RESTARTS] = t;
        restarts++;
        restarted();
        if (restarts > RESTARTS && t - oldest < TimeUnit.SECONDS.toNanos(RESTART_WINDOW_SECONDS)) {
            died(e);
            return false;
        }
        LOG.error("{}: duty cycle failed, restarting it ({} restart(s) so far)", roleName, restarts, e);
        return true;
    }

    private void died(final Throwable e) {
        death = roleName + " died: " + e + " (" + restarts + " restart(s); " + deathNote() + ")";
        LOG.error("{}", death, e);
    }
}
