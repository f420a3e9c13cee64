package io.jlvs.examples;

import io.jlvs.core.JlvsVersion;
import io.jlvs.core.LoadBalancer;
import io.jlvs.core.config.Extensions;
import io.jlvs.core.config.LvsException;
import io.jlvs.core.listing.IpvsadmListing;
import io.jlvs.core.listing.ServiceSnapshot;
import io.jlvs.core.rules.ListRequest;
import io.jlvs.core.rules.RuleCommand;
import io.jlvs.core.rules.RulesException;
import io.jlvs.core.rules.RulesParser;
import io.jlvs.core.rules.RulesWriter;
import io.jlvs.core.service.VirtualService;

/**
 * Runs one ipvsadm command line against a running director and returns what ipvsadm would print: nothing for a
 * successful change, the listing for {@code -L}, the rules for {@code -S}, or one error line.
 *
 * <p>Thread-safe (the director is).
 */
public final class AdminCommands {
    private final LoadBalancer lb;
    private final RulesParser parser = RulesParser.withExtensions(Extensions.transport());

    /**
     * Commands for a director.
     *
     * @param lb the director
     */
    public AdminCommands(final LoadBalancer lb) {
        this.lb = lb;
    }

    /**
     * Runs a command.
     *
     * @param line the command, for example {@code -e -t 10.0.0.1:80 -r 10.0.0.2:80 -m -w 3}
     * @param lineNumber its number in the session, for error messages
     * @return the output, each line ending with a newline (empty when ipvsadm prints nothing)
     */
    public String execute(final String line, final int lineNumber) {
        final RuleCommand c;
        try {
            c = parser.parseLine(line, lineNumber);
        } catch (final RulesException e) {
            return "error: " + e.getMessage() + "\n";
        }
        if (c == null) {
            return "";
        }
        try {
            switch (c.kind()) {
                case LIST:
                    return list(c.list());
                case ZERO:
                    lb.zero(c.service());
                    return "";
                case SAVE:
                    return RulesWriter.save(lb.config());
                case VERSION:
                    return "JLVS version " + JlvsVersion.version() + "\n";
                case HELP:
                    return help();
                case RESTORE:
                    return "error: -R reads a rules file; start the director with run --rules, or send its lines here "
                        + "one by one\n";
                default:
                    c.applyTo(lb);
                    final StringBuilder sb = new StringBuilder();
                    for (final String w : c.warnings()) {
                        sb.append("warning: ").append(w).append('\n');
                    }
                    return sb.toString();
            }
        } catch (final LvsException e) {
            return e.getMessage() + "\n";
        } catch (final IllegalArgumentException e) {
            return "error: " + e.getMessage() + "\n";
        }
    }

    private String list(final ListRequest r) {
        if (r.connections()) {
            return IpvsadmListing.connections(lb.connections(), r.persistentConn());
        }
        if (r.timeout()) {
            return IpvsadmListing.timeouts(lb.services().timeouts());
        }
        if (r.daemon()) {
            return ""; // JLVS runs no sync daemon, so ipvsadm --daemon would print nothing
        }
        if (r.service() != null) {
            final VirtualService s = lb.services().service(r.service());
            if (s == null) {
                return "No such service\n";
            }
            return IpvsadmListing.listService(ServiceSnapshot.of(s), r.format(), r.exact(), r.noSort());
        }
        return IpvsadmListing.list(lb.snapshot(), r.format(), r.exact(), r.noSort());
    }

    static String help() {
        return "Commands, one per line, in ipvsadm's syntax (numeric addresses only):\n"
            + "  -A|-E -t|-u VIP:PORT [-s SCHED] [-p [SECONDS]] [-M NETMASK] [-o] [-b FLAGS] [--OPTION VALUE ...]\n"
            + "  -D -t|-u VIP:PORT\n"
            + "  -a|-e -t|-u VIP:PORT -r RIP[:PORT] [-m|-g|-i] [-w WEIGHT] [-x UPPER] [-y LOWER] [--proxy-protocol V]\n"
            + "  -d -t|-u VIP:PORT -r RIP[:PORT]\n"
            + "  -C            remove every service\n"
            + "  -L|-l [-n] [-t|-u VIP:PORT] [--stats|--rate|--thresholds|--persistent-conn] [--exact] [--nosort]\n"
            + "  -L -n -c      connections;  -L --timeout   timeouts\n"
            + "  -Z [-t|-u VIP:PORT]   zero counters\n"
            + "  --set TCP TCPFIN UDP  timeouts in seconds (0 keeps a value)\n"
            + "  -S [-n]       the rules, as ipvsadm-save writes them\n"
            + "  -v            version\n";
    }
}
