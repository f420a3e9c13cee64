package io.jlvs.core.config;

import java.net.InetAddress;

/**
 * The configuration commands of ipvsadm, as one interface. {@link DirectorConfig.Builder} implements it on an
 * immutable configuration; a running director implements it on live state; the rules format and an admin
 * console drive either through it.
 *
 * <p>Each method either applies completely or throws {@link LvsException} with ipvsadm's message and changes
 * nothing. Implementations say their own thread-safety.
 */
public interface LvsControl {
    /**
     * {@code -A}: adds a service.
     *
     * @param service the service
     * @throws LvsException {@code Service already exists}, or {@code Scheduler or persistence engine not found}
     */
    void addService(VirtualServiceConfig service);

    /**
     * {@code -E}: replaces a service's settings (its servers stay).
     *
     * @param service the new settings, keyed like the service to edit
     * @throws LvsException {@code No such service}, or {@code Scheduler or persistence engine not found}
     */
    void editService(VirtualServiceConfig service);

    /**
     * {@code -D}: removes a service and its servers.
     *
     * @param key the service
     * @throws LvsException {@code No such service}
     */
    void deleteService(ServiceKey key);

    /**
     * {@code -a}: adds a real server at the front of the service's server list.
     *
     * @param key the service
     * @param server the server
     * @throws LvsException {@code Service not defined} or {@code Destination already exists}
     */
    void addServer(ServiceKey key, RealServerConfig server);

    /**
     * {@code -e}: replaces a real server's settings; its place in the list stays.
     *
     * @param key the service
     * @param server the new settings, for a server with the same address and port
     * @throws LvsException {@code Service not defined} or {@code No such destination}
     */
    void editServer(ServiceKey key, RealServerConfig server);

    /**
     * {@code -d}: removes a real server.
     *
     * @param key the service
     * @param address the server's address
     * @param port the server's port
     * @throws LvsException {@code Service not defined} or {@code No such destination}
     */
    void deleteServer(ServiceKey key, InetAddress address, int port);

    /**
     * {@code -C}: removes every service.
     */
    void clear();

    /**
     * {@code --set tcp tcpfin udp}: 0 leaves a value unchanged.
     *
     * @param tcpSeconds ESTABLISHED timeout, or 0
     * @param tcpFinSeconds FIN_WAIT timeout, or 0
     * @param udpSeconds UDP timeout, or 0
     */
    void setTimeouts(int tcpSeconds, int tcpFinSeconds, int udpSeconds);
}
