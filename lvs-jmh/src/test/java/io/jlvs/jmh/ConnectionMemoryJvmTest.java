package io.jlvs.jmh;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** How ConnectionMemory finds the JDK of the epoll director. */
@Timeout(value = 10, unit = TimeUnit.SECONDS)
class ConnectionMemoryJvmTest {
    @Test
    void shouldReadTheFeatureVersionOfEveryScheme() {
        assertEquals(25, ConnectionMemory.major("25.0.3"));
        assertEquals(22, ConnectionMemory.major("22"));
        assertEquals(17, ConnectionMemory.major("17.0.15"));
        assertEquals(8, ConnectionMemory.major("1.8.0_392"));
        assertEquals(-1, ConnectionMemory.major("unknown"));
    }

    @Test
    void shouldReadJavaVersionFromTheReleaseFile(@TempDir final Path jdk) throws Exception {
        Files.writeString(jdk.resolve("release"), "IMPLEMENTOR=\"x\"\nJAVA_VERSION=\"25.0.3\"\nOS_NAME=\"Linux\"\n");
        assertEquals("25.0.3", ConnectionMemory.releaseVersion(jdk));
        Files.delete(jdk.resolve("release"));
        assertEquals("unknown", ConnectionMemory.releaseVersion(jdk));
    }

    @Test
    void shouldTakeAJdk22JavaAndRefuseAnOlderOneOrANonExecutable(@TempDir final Path dir) throws Exception {
        final Path jdk = dir.resolve("jdk");
        Files.createDirectories(jdk.resolve("bin"));
        final Path java = jdk.resolve("bin/java");
        Files.writeString(java, "#!/bin/sh\n");
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"17.0.15\"\n");
        final IllegalArgumentException notExecutable = assertThrows(IllegalArgumentException.class,
            () -> ConnectionMemory.epollHome(java.toString()));
        assertTrue(notExecutable.getMessage().contains("not an executable"), notExecutable.getMessage());
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        final IllegalArgumentException old = assertThrows(IllegalArgumentException.class,
            () -> ConnectionMemory.epollHome(java.toString()));
        assertTrue(old.getMessage().contains("JDK 17.0.15") && old.getMessage().contains("22 or later"),
            old.getMessage());
        Files.writeString(jdk.resolve("release"), "JAVA_VERSION=\"22.0.2\"\n");
        assertEquals(jdk, ConnectionMemory.epollHome(java.toString()));
    }
}
