/**
 * The end-to-end loopback benchmark: {@link io.jlvs.jmh.e2e.Bench} starts a backend process, a load-client
 * process and each front (direct, JLVS with one and two event loops, and HAProxy, nginx stream and pen when they are
 * installed) and measures them in rotating order, writing {@code BENCHMARKS.md}.
 */
package io.jlvs.jmh.e2e;
