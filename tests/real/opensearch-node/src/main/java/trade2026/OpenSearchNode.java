package trade2026;

import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.node.NodeValidationException;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node with the two plugins the distribution ships as modules and our stack relies
 * on (netty4 for HTTP/transport, analysis-common for the usual analyzers), started without the
 * distribution's bootstrap: no security manager, no jar-hell or bootstrap checks, no memory lock.
 *
 * Arguments are node settings, {@code key=value}, as the image's entrypoint turns dotted
 * environment variables into {@code -E} settings. The node stops on SIGTERM.
 */
public final class OpenSearchNode extends Node {

    private OpenSearchNode(Environment environment) {
        super(environment, List.of(Netty4Plugin.class, CommonAnalysisPlugin.class), true);
    }

    public static void main(String[] args) throws Exception {
        runUntilStopped(start(settings(args)), () -> {});
    }

    /** Node settings from {@code key=value} arguments. */
    static Settings settings(String[] args) {
        Settings.Builder builder = Settings.builder();
        for (String arg : args) {
            int equals = arg.indexOf('=');
            if (equals < 1) {
                throw new IllegalArgumentException("expected key=value, got " + arg);
            }
            builder.put(arg.substring(0, equals), arg.substring(equals + 1));
        }
        return builder.build();
    }

    /** What the node runs with: config/opensearch.yml under path.home, overridden by {@code settings}. */
    static Environment environment(Settings settings) {
        return InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "trade2026");
    }

    static Node start(Settings settings) throws NodeValidationException {
        LogConfigurator.configureWithoutConfig(settings);
        return new OpenSearchNode(environment(settings)).start();
    }

    /** Blocks until SIGTERM, then runs {@code first} and closes the node. */
    static void runUntilStopped(Node node, Runnable first) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                first.run();
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }));
        stopped.await();
    }
}
