/**
 * The kernel data path of JLVS: {@code --forward kernel} services installed as nftables NAT rules, kept in sync
 * with a running {@code io.jlvs.core.LoadBalancer} by {@code io.jlvs.kernel.KernelDataPath}. It runs the
 * {@code nft} and {@code conntrack} programs; it needs no JVM flag on the module path or the class path.
 */
module io.jlvs.kernel {
    requires transitive io.jlvs.core;
    requires io.jlvs.scheduler; // the sync loop moves slow-start ramps (no picks run in Java for kernel services)
    requires org.slf4j;

    exports io.jlvs.kernel;
}
