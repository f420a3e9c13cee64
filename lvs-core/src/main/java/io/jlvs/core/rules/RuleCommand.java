package io.jlvs.core.rules;

import io.jlvs.core.config.LvsControl;
import io.jlvs.core.config.RealServerConfig;
import io.jlvs.core.config.ServiceKey;
import io.jlvs.core.config.VirtualServiceConfig;

import java.net.InetAddress;
import java.util.List;

/**
 * One parsed line of the rules format: an ipvsadm command with its validated arguments.
 *
 * <p>Immutable.
 */
public final class RuleCommand {
    /**
     * The ipvsadm commands, with the names ipvsadm uses in its messages.
     */
    public enum Kind {
        /** {@code -A}. */
        ADD_SERVICE("add-service", true),
        /** {@code -E}. */
        EDIT_SERVICE("edit-service", true),
        /** {@code -D}. */
        DELETE_SERVICE("delete-service", true),
        /** {@code -C}. */
        CLEAR("flush", true),
        /** {@code -L}. */
        LIST("list", false),
        /** {@code -a}. */
        ADD_SERVER("add-server", true),
        /** {@code -d}. */
        DELETE_SERVER("delete-server", true),
        /** {@code -e}. */
        EDIT_SERVER("edit-server", true),
        /** {@code --set}. */
        SET_TIMEOUTS("set", true),
        /** {@code -R}. */
        RESTORE("restore", false),
        /** {@code -S}. */
        SAVE("save", false),
        /** {@code -Z}. */
        ZERO("zero", false),
        /** {@code -h}. */
        HELP("help", false),
        /** {@code -v}. */
        VERSION("version", false);

        private final String ipvsadmName;
        private final boolean changesConfig;

        Kind(final String ipvsadmName, final boolean changesConfig) {
            this.ipvsadmName = ipvsadmName;
            this.changesConfig = changesConfig;
        }

        /**
         * The name ipvsadm uses in messages, for example {@code add-server}.
         *
         * @return the name
         */
        public String ipvsadmName() {
            return ipvsadmName;
        }

        /**
         * Whether the command changes the configuration (and so may appear in a rules file).
         *
         * @return true for -A -E -D -C -a -e -d --set
         */
        public boolean changesConfig() {
            return changesConfig;
        }
    }

    private final int line;
    private final String text;
    private final Kind kind;
    private final ServiceKey service;
    private final VirtualServiceConfig serviceConfig;
    private final RealServerConfig serverConfig;
    private final InetAddress serverAddress;
    private final int serverPort;
    private final int[] timeouts;
    private final ListRequest list;
    private final List<String> warnings;

    RuleCommand(final int line, final String text, final Kind kind, final ServiceKey service,
        final VirtualServiceConfig serviceConfig, final RealServerConfig serverConfig, final InetAddress serverAddress,
        final int serverPort, final int[] timeouts, final ListRequest list, final List<String> warnings) {
        this.line = line;
        this.text = text;
        this.kind = kind;
        this.service = service;
        this.serviceConfig = serviceConfig;
        this.serverConfig = serverConfig;
        this.serverAddress = serverAddress;
        this.serverPort = serverPort;
        this.timeouts = timeouts;
        this.list = list;
        this.warnings = List.copyOf(warnings);
    }

    /**
     * The line number (1-based).
     *
     * @return the line
     */
    public int line() {
        return line;
    }

    /**
     * The line as written, trimmed.
     *
     * @return the text
     */
    public String text() {
        return text;
    }

    /**
     * The command.
     *
     * @return the kind
     */
    public Kind kind() {
        return kind;
    }

    /**
     * The service the command names, or null.
     *
     * @return the key
     */
    public ServiceKey service() {
        return service;
    }

    /**
     * For {@code -A}/{@code -E}: the full service settings (an edit replaces everything).
     *
     * @return the settings, or null
     */
    public VirtualServiceConfig serviceConfig() {
        return serviceConfig;
    }

    /**
     * For {@code -a}/{@code -e}: the full server settings.
     *
     * @return the settings, or null
     */
    public RealServerConfig serverConfig() {
        return serverConfig;
    }

    /**
     * For {@code -d}: the server's address.
     *
     * @return the address, or null
     */
    public InetAddress serverAddress() {
        return serverAddress;
    }

    /**
     * For {@code -d}: the server's port.
     *
     * @return the port
     */
    public int serverPort() {
        return serverPort;
    }

    /**
     * For {@code --set}: tcp, tcpfin and udp seconds (0 keeps a value).
     *
     * @return a copy of the three values, or null
     */
    public int[] timeouts() {
        return timeouts == null ? null : timeouts.clone();
    }

    /**
     * For {@code -L}: what to list.
     *
     * @return the request, or null
     */
    public ListRequest list() {
        return list;
    }

    /**
     * Warnings about the line, for example that direct routing runs as a proxy.
     *
     * @return the warnings, each prefixed with the line number
     */
    public List<String> warnings() {
        return warnings;
    }

    /**
     * Carries out a configuration command.
     *
     * @param control where to apply it
     * @throws io.jlvs.core.config.LvsException when the command cannot be carried out
     * @throws IllegalStateException for a command that does not change configuration
     */
    public void applyTo(final LvsControl control) {
        switch (kind) {
            case ADD_SERVICE:
                control.addService(serviceConfig);
                break;
            case EDIT_SERVICE:
                control.editService(serviceConfig);
                break;
            case DELETE_SERVICE:
                control.deleteService(service);
                break;
            case CLEAR:
                control.clear();
                break;
            case ADD_SERVER:
                control.addServer(service, serverConfig);
                break;
            case EDIT_SERVER:
                control.editServer(service, serverConfig);
                break;
            case DELETE_SERVER:
                control.deleteServer(service, serverAddress, serverPort);
                break;
            case SET_TIMEOUTS:
                control.setTimeouts(timeouts[0], timeouts[1], timeouts[2]);
                break;
            default:
                throw new IllegalStateException(kind.ipvsadmName() + " does not change the configuration");
        }
    }

    @Override
    public String toString() {
        return "line " + line + ": " + text;
    }
}
