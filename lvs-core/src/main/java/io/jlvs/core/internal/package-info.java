/**
 * Internal access to the engine objects behind a {@code LoadBalancer}; not exported (except to JLVS's transports),
 * not an API.
 */
package io.jlvs.core.internal;
