/**
 * The kernel data path: {@code --forward kernel} services installed as nftables NAT in a table JLVS owns, kept in
 * sync with a running {@link io.jlvs.core.LoadBalancer} by {@link io.jlvs.kernel.KernelDataPath}.
 */
package io.jlvs.kernel;
