/**
 * Runnable programs on JLVS: the demo ({@code java -jar jlvs.jar demo}), the standalone director
 * ({@code jlvs run --rules FILE}) with its ipvsadm-syntax admin socket, the rules checker, and small embedding
 * samples of the builder API, runtime changes and client-side balancing.
 */
package io.jlvs.examples;
