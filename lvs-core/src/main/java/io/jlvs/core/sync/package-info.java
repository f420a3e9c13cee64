/**
 * State sync between directors, the IPVS sync daemon's model: versioned binary records of persistence templates,
 * UDP flows, TCP connection entries and heartbeats ({@link io.jlvs.core.sync.SyncRecord}), batched into datagrams of
 * at most an MTU by {@link io.jlvs.core.sync.SyncCodec}, and checked whole before anything is applied by
 * {@link io.jlvs.core.sync.SyncDecoder}. No sockets: a runtime that sends and receives the datagrams lives outside
 * the core.
 */
package io.jlvs.core.sync;
