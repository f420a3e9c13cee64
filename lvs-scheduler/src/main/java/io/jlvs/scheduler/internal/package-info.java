/**
 * Internal: the {@link java.util.ServiceLoader} provider that registers every JLVS scheduler; not exported by the
 * module, not an API (use {@link io.jlvs.scheduler.Schedulers}).
 */
package io.jlvs.scheduler.internal;
