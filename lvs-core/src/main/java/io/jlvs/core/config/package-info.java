/**
 * The configuration of a director as immutable values: virtual services ({@link io.jlvs.core.config.VirtualServiceConfig}),
 * real servers ({@link io.jlvs.core.config.RealServerConfig}), the connection timeouts, and the whole set
 * ({@link io.jlvs.core.config.DirectorConfig}). Builders validate eagerly and name the field and value that are wrong.
 * The operations that change a configuration, the way ipvsadm's commands change the kernel's, are
 * {@link io.jlvs.core.config.LvsControl}.
 */
package io.jlvs.core.config;
