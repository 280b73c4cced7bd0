package trade2026;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.http.HttpServerTransport;
import org.opensearch.node.Node;

/**
 * A STAND-IN for OpenSearch's security plugin (opensearch-project/security), which this node does
 * not have: what the opensearchproject/opensearch image serves with the plugin on and its demo
 * configuration (the image's default), as far as our stack depends on it. The node's main class in
 * the stand-in image (tools/docker/images/opensearch); arguments are node settings, as for
 * {@link OpenSearchNode}.
 *
 * <ul>
 * <li>TLS on the HTTP port with the certificate {@link DemoConfiguration} made at first start.
 * <li>HTTP Basic auth for {@code admin} with OPENSEARCH_INITIAL_ADMIN_PASSWORD on every request
 * ({@link SecurityFront}).
 * </ul>
 *
 * The node itself serves plain HTTP on a free loopback port, reached only through the front. Not
 * served: other users, roles, the security REST API and index, client certificates, TLS between
 * nodes, certificates of one's own (plugins.security.ssl.*), and keeping the first password: the
 * plugin stores it in its security index in the data folder, so a later container on the same
 * volume keeps the old login; the stand-in takes the variable at every start.
 *
 * <p>With {@code plugins.security.disabled=true} (the image's entrypoint sets it for
 * DISABLE_SECURITY_PLUGIN=true) the node serves plain HTTP itself with no login, as the image then does.
 */
public final class SecurityStandIn {

    static final String ADMIN = "admin";
    static final String KEYSTORE = "trade2026-stand-in-node.p12";
    // It guards nothing: the key sits beside it, readable by the node's user, as the demo
    // configuration's esnode-key.pem sits unencrypted in config/.
    static final char[] KEYSTORE_PASSWORD = "trade2026-stand-in".toCharArray();
    private static final String DISABLED = "plugins.security.disabled";

    private SecurityStandIn() {}

    public static void main(String[] args) throws Exception {
        Settings given = OpenSearchNode.settings(args);
        Settings.Builder without = Settings.builder().put(given);
        without.remove(DISABLED);  // a setting of the plugin: the node without it refuses it as unknown
        Settings node = without.build();
        if (given.getAsBoolean(DISABLED, false)) {
            OpenSearchNode.runUntilStopped(OpenSearchNode.start(node), () -> {});
            return;
        }
        Environment environment = OpenSearchNode.environment(node);
        Path keystore = environment.configFile().resolve(KEYSTORE);
        String password = System.getenv().getOrDefault("OPENSEARCH_INITIAL_ADMIN_PASSWORD", "");
        if (!Files.exists(keystore) || password.isEmpty()) {
            System.err.println(
                "trade2026 stand-in of the security plugin: it serves only the demo configuration, which was not"
                    + " installed (DISABLE_INSTALL_DEMO_CONFIG=true?): no " + keystore + " or no"
                    + " OPENSEARCH_INITIAL_ADMIN_PASSWORD. Certificates and users of one's own are not served."
            );
            System.exit(1);
        }
        Settings effective = environment.settings();
        InetSocketAddress address = new InetSocketAddress(
            effective.get("http.host", effective.get("network.host", "0.0.0.0")),
            Integer.parseInt(effective.get("http.port", "9200"))
        );
        SSLContext tls = tls(keystore);
        Node started = OpenSearchNode.start(
            Settings.builder().put(node).put("http.host", "127.0.0.1").put("http.port", "0").build()
        );
        InetSocketAddress backend = started.injector()
            .getInstance(HttpServerTransport.class)
            .boundAddress()
            .publishAddress()
            .address();
        Closeable front = SecurityFront.start(address, tls, ADMIN, password, backend);
        System.out.println(
            "trade2026 stand-in of the security plugin: HTTPS and the " + ADMIN + " login on " + address
                + ", in front of the node's plain HTTP on " + backend
        );
        OpenSearchNode.runUntilStopped(started, () -> {
            try {
                front.close();
            } catch (IOException e) {
                e.printStackTrace();
            }
        });
    }

    private static SSLContext tls(Path keystore) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore)) {
            store.load(in, KEYSTORE_PASSWORD);
        }
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(store, KEYSTORE_PASSWORD);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }
}
