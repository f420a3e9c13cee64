package io.jlvs.examples;

import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The build's release metadata: the BOM lists every library module, the license is the Apache License 2.0. */
class PackagingTest {
    private static final Path ROOT = Path.of("..");

    private static List<String> all(final String regex, final String text) {
        final List<String> out = new ArrayList<>();
        final Matcher m = Pattern.compile(regex).matcher(text);
        while (m.find()) {
            out.add(m.group(1));
        }
        return out;
    }

    @Test
    void theBomListsEveryLibraryModuleAtTheBuildsVersion() throws Exception {
        final String parent = Files.readString(ROOT.resolve("pom.xml"));
        final String bom = Files.readString(ROOT.resolve("lvs-bom/pom.xml"));
        final List<String> libraries = new ArrayList<>();
        for (final String module : all("<module>([^<]+)</module>", parent)) {
            final String pom = Files.readString(ROOT.resolve(module).resolve("pom.xml"));
            // programs (examples, benchmarks) skip the -sources jar; the BOM itself is a pom
            if (!pom.contains("<packaging>pom</packaging>")
                && !pom.contains("<maven.source.skip>true</maven.source.skip>")) {
                libraries.add(module);
            }
        }
        assertTrue(libraries.containsAll(List.of("lvs-core", "lvs-scheduler", "lvs-transport-nio")), "" + libraries);
        final List<String> managed = all("<artifactId>([^<]+)</artifactId>\\s*<version>\\$\\{project.version}",
            bom);
        assertEquals(libraries, managed, "lvs-bom/pom.xml manages exactly the library modules, in build order");
        final String parentVersion = all("<artifactId>jlvs-parent</artifactId>\\s*<version>([^<]+)</version>",
            parent).get(0);
        assertEquals(parentVersion, all("<artifactId>lvs-bom</artifactId>\\s*<version>([^<]+)</version>", bom)
            .get(0), "the BOM's version follows the parent's");
    }

    @Test
    void theLicenseIsTheApacheLicense() throws Exception {
        final String license = Files.readString(ROOT.resolve("LICENSE"));
        assertTrue(license.contains("Apache License\n                           Version 2.0, January 2004"));
        assertTrue(license.contains("END OF TERMS AND CONDITIONS"));
        final String parent = Files.readString(ROOT.resolve("pom.xml"));
        assertTrue(parent.contains("<name>Apache License, Version 2.0</name>"));
    }
}
