/**
 * The one small JSON writer and reader of JLVS, for its own modules (the ops endpoints and {@code jlvs tune} in
 * lvs-examples, nft's answers in lvs-kernel, load-tool reports in lvs-jmh). Not an API: the module descriptor
 * exports this package only to those JLVS modules.
 */
package io.jlvs.core.internal.json;
