package io.jlvs.examples.arch;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.domain.JavaMember;
import com.tngtech.archunit.core.domain.JavaModifier;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchCondition;
import com.tngtech.archunit.lang.ConditionEvents;
import com.tngtech.archunit.lang.SimpleConditionEvent;
import org.junit.jupiter.api.Test;

import java.util.List;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.members;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * No third-party type (Agrona, JCTools, HdrHistogram) appears in a signature a library user can reach: a public or
 * protected constructor, method or field of a public type in an API package of lvs-core, lvs-scheduler or
 * lvs-transport-nio. Fails, naming the member and the type, as soon as one comes back (for example Agrona's
 * {@code NanoClock} as a builder parameter).
 */
class PublicSignatureTest {
    /** Packages whose types are implementation, not API (not exported by the module descriptors). */
    static final String INTERNAL = ".internal";

    static final List<String> THIRD_PARTY = List.of("org.agrona", "org.jctools", "org.HdrHistogram");

    static final JavaClasses LIBRARY = new ClassFileImporter()
        .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.jlvs.core", "io.jlvs.scheduler", "io.jlvs.transport.nio");

    @Test
    void libraryIsImported() {
        // the rule below is only worth something if the classes it checks were found
        assertTrue(LIBRARY.containPackage("io.jlvs.core.service"), "lvs-core classes found");
        assertTrue(LIBRARY.containPackage("io.jlvs.scheduler"), "lvs-scheduler classes found");
        assertTrue(LIBRARY.containPackage("io.jlvs.transport.nio"), "lvs-transport-nio classes found");
    }

    @Test
    void apiSignaturesUseNoThirdPartyType() {
        members().that(reachableByUsers()).should(notInvolveThirdPartyTypes()).check(LIBRARY);
    }

    static DescribedPredicate<JavaMember> reachableByUsers() {
        return DescribedPredicate.describe("are public or protected members of public API types",
            m -> (m.getModifiers().contains(JavaModifier.PUBLIC) || m.getModifiers().contains(JavaModifier.PROTECTED))
                && visible(m.getOwner()) && !m.getOwner().getPackageName().contains(INTERNAL));
    }

    private static boolean visible(final JavaClass c) {
        if (!c.getModifiers().contains(JavaModifier.PUBLIC)) {
            return false;
        }
        return c.getEnclosingClass().map(PublicSignatureTest::visible).orElse(true);
    }

    static ArchCondition<JavaMember> notInvolveThirdPartyTypes() {
        return new ArchCondition<>("not have a parameter, return or field type from " + THIRD_PARTY) {
            @Override
            public void check(final JavaMember member, final ConditionEvents events) {
                for (final JavaClass t : member.getAllInvolvedRawTypes()) {
                    for (final String p : THIRD_PARTY) {
                        if (t.getPackageName().startsWith(p)) {
                            events.add(SimpleConditionEvent.violated(member,
                                member.getFullName() + " exposes " + t.getName()));
                        }
                    }
                }
            }
        };
    }
}
