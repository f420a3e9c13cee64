/**
 * A soak run (not part of CI): mixed traffic through one director for many minutes, with a report of descriptors,
 * heap and direct memory every interval, to find leaks that short tests cannot. Run it with {@code lvs-jmh/soak.sh}.
 */
package io.jlvs.jmh.soak;
