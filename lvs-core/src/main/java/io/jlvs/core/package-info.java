/**
 * JLVS core: the protocol enum and the version. The model, the scheduler SPI, connection tracking,
 * statistics, the rules format and the listings live in sub-packages, one per concept. Nothing in
 * lvs-core opens a socket.
 */
package io.jlvs.core;
