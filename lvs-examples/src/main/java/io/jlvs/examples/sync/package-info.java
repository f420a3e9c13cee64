/**
 * State sync between a master director and a backup, over UDP (unicast peers or a multicast group): the
 * {@link io.jlvs.examples.sync.SyncDaemon} settings, the sending {@link io.jlvs.examples.sync.SyncMaster}, the
 * receiving {@link io.jlvs.examples.sync.SyncBackup} that takes over when the master's heartbeats stop
 * ({@code jlvs run --sync master|backup} wires them into the director). The records and their codec are in
 * {@code io.jlvs.core.sync}.
 */
package io.jlvs.examples.sync;
