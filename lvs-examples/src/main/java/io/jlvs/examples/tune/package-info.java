/**
 * {@code jlvs tune}: what a target number of concurrent proxied connections needs on a host (descriptors, ephemeral
 * ports and source addresses, backlogs, kernel socket memory, JVM heap and direct memory), read from {@code /proc}
 * and the JVM and checked against measured per-connection costs; prints the table, a {@code sysctl.d} file and the
 * systemd {@code LimitNOFILE=} line, and gives the director's start-up warnings.
 */
package io.jlvs.examples.tune;
