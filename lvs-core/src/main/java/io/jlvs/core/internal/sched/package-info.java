/**
 * Internal plumbing of scheduler lookup; not exported by the module, not an API.
 */
package io.jlvs.core.internal.sched;
