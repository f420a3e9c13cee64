package io.jlvs.examples.arch;

import com.tngtech.archunit.core.domain.Dependency;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Function;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The module table of DESIGN.md, as rules on the compiled classes: arrows only point down the table
 * (core, then schedulers, then transports, then examples and benchmarks), lvs-core knows nothing of NIO or of the
 * scheduler implementations, lvs-scheduler knows no sockets, and packages do not form cycles.
 *
 * <p>lvs-core has no package cycle ({@link #coreHasNoPackageCycle}; issue 13 removed the last ones: the root
 * package's, once {@code Protocol} moved to {@code io.jlvs.core.net} and {@code JlvsVersion} to
 * {@code io.jlvs.core.listing}). Schedulers see servers only through the read-only view of {@code io.jlvs.core.sched}.
 */
class ArchitectureTest {
    static final JavaClasses ALL = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.jlvs");

    @Test
    void everyModuleIsImported() {
        for (final String p : List.of("io.jlvs.core", "io.jlvs.scheduler", "io.jlvs.transport.nio",
            "io.jlvs.examples")) {
            assertTrue(ALL.containPackage(p), p);
        }
    }

    @Test
    void coreKnowsNoTransportSchedulerImplementationOrApplication() {
        noClasses().that().resideInAPackage("io.jlvs.core..")
            .should().dependOnClassesThat().resideInAnyPackage("io.jlvs.scheduler..", "io.jlvs.transport..",
                "io.jlvs.examples..", "io.jlvs.jmh..")
            .check(ALL);
    }

    @Test
    void schedulersKnowNoSocketsAndNothingAboveThem() {
        noClasses().that().resideInAPackage("io.jlvs.scheduler..")
            .should().dependOnClassesThat().resideInAnyPackage("io.jlvs.transport..", "io.jlvs.examples..",
                "io.jlvs.jmh..", "java.nio.channels..")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.Socket")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.ServerSocket")
            .orShould().dependOnClassesThat().haveFullyQualifiedName("java.net.DatagramSocket")
            .check(ALL);
    }

    @Test
    void transportsKnowNoApplicationAndNoOtherTransport() {
        noClasses().that().resideInAPackage("io.jlvs.transport.nio..")
            .should().dependOnClassesThat().resideInAnyPackage("io.jlvs.examples..", "io.jlvs.jmh..",
                "io.jlvs.transport.epoll..", "io.jlvs.transport.tck..")
            .check(ALL);
    }

    @Test
    void modulesOutsideCoreHaveNoPackageCycles() {
        final JavaClasses outsideCore = new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("io.jlvs.scheduler", "io.jlvs.transport", "io.jlvs.examples");
        slices().matching("io.jlvs.(**)").should().beFreeOfCycles().check(outsideCore);
    }

    @Test
    void schedulersSeeOnlyTheReadOnlyServerView() {
        // A scheduler picks; it does not account: no RealServer (bindConnection, update, connectFailed, ...), no
        // ServerList, no VirtualService, no ServiceTable.
        noClasses().that().resideInAPackage("io.jlvs.scheduler..")
            .should().dependOnClassesThat().resideInAPackage("io.jlvs.core.service..")
            .check(ALL);
    }

    @Test
    void theSchedulerSpiKnowsNoServiceConfigOrInternals() {
        noClasses().that().resideInAPackage("io.jlvs.core.sched")
            .should().dependOnClassesThat().resideInAnyPackage("io.jlvs.core.service..", "io.jlvs.core.config..",
                "io.jlvs.core.internal..", "io.jlvs.core.conn..", "io.jlvs.core.transport..")
            .check(ALL);
    }

    @Test
    void coreHasNoPackageCycle() {
        // Fails with the packages of any cycle, e.g. a type of the root package (which LoadBalancer makes depend on
        // nearly every package) named by a package below it, as Protocol was before it moved to io.jlvs.core.net
        assertEquals(Set.of(), packagesInCycles("io.jlvs.core", c -> c.getPackageName()),
            "lvs-core packages caught in a cycle");
    }

    /**
     * Packages whose name starts with {@code root} that lie on a cycle of package dependencies (Tarjan's strongly
     * connected sets), each class counted in the package {@code packageOf} gives it (nested classes count as their
     * outer class, arrays as their element class).
     */
    static Set<String> packagesInCycles(final String root, final Function<JavaClass, String> packageOf) {
        final Map<String, Set<String>> edges = new TreeMap<>();
        for (final JavaClass c : ALL) {
            final String from = packageOf.apply(outermost(c));
            if (!from.startsWith(root)) {
                continue;
            }
            final Set<String> out = edges.computeIfAbsent(from, k -> new TreeSet<>());
            for (final Dependency d : c.getDirectDependenciesFromSelf()) {
                final String to = packageOf.apply(outermost(d.getTargetClass()));
                if (to.startsWith(root) && !to.equals(from)) {
                    out.add(to);
                    edges.computeIfAbsent(to, k -> new TreeSet<>());
                }
            }
        }
        final Set<String> inCycles = new TreeSet<>();
        new Object() {
            final Map<String, Integer> index = new HashMap<>();
            final Map<String, Integer> low = new HashMap<>();
            final Deque<String> stack = new ArrayDeque<>();
            final Set<String> onStack = new TreeSet<>();

            void run() {
                for (final String v : edges.keySet()) {
                    if (!index.containsKey(v)) {
                        visit(v);
                    }
                }
            }

            void visit(final String v) {
                index.put(v, index.size());
                low.put(v, index.get(v));
                stack.push(v);
                onStack.add(v);
                for (final String w : edges.get(v)) {
                    if (!index.containsKey(w)) {
                        visit(w);
                        low.put(v, Math.min(low.get(v), low.get(w)));
                    } else if (onStack.contains(w)) {
                        low.put(v, Math.min(low.get(v), index.get(w)));
                    }
                }
                if (low.get(v).equals(index.get(v))) {
                    final Set<String> component = new TreeSet<>();
                    String w;
                    do {
                        w = stack.pop();
                        onStack.remove(w);
                        component.add(w);
                    } while (!w.equals(v));
                    if (component.size() > 1) {
                        inCycles.addAll(component);
                    }
                }
            }
        }.run();
        return inCycles;
    }

    /** The class a dependency counts for: an array's element class, a nested class's outermost class. */
    private static JavaClass outermost(final JavaClass c) {
        JavaClass o = c.getBaseComponentType();
        while (o.getEnclosingClass().isPresent()) {
            o = o.getEnclosingClass().get();
        }
        return o;
    }
}
