package trade2026;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import javax.net.ssl.SSLContext;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

/**
 * The HTTP side of {@link SecurityStandIn}: TLS on the node's public HTTP address, HTTP Basic auth
 * for one user on every request, and each authenticated request forwarded to the node's plain HTTP
 * on loopback with the node's answer sent back as it came. A request without that login gets what
 * the security plugin answers then: 401 "Unauthorized" with WWW-Authenticate: Basic realm="OpenSearch
 * Security".
 *
 * TLS ends in {@link TlsTerminator}, which relays the plain bytes to this handler's HTTP server on
 * loopback. Not the JDK's HttpsServer: it names each TLS session after a reverse DNS lookup of the
 * client's address, which blocks every connection until the resolver gives up (10 s for a client
 * behind Docker's port publishing here, where the engine's DNS has nothing to ask).
 */
final class SecurityFront implements HttpHandler {

    // Hop-by-hop headers, the login (the node has no security to show it to) and what java.net.http
    // sets itself and refuses from a caller.
    private static final Set<String> NOT_FORWARDED = Set.of(
        "authorization", "connection", "content-length", "expect", "host", "keep-alive", "proxy-authorization",
        "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"
    );

    private final String user;
    private final byte[] password;
    private final String backend;
    private final HttpClient client;

    private SecurityFront(String user, String password, InetSocketAddress backend) {
        this.user = user;
        this.password = password.getBytes(UTF_8);
        this.backend = "http://" + backend.getAddress().getHostAddress() + ":" + backend.getPort();
        this.client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    }

    /** Serves on {@code address} until the returned handle is closed. */
    static Closeable start(InetSocketAddress address, SSLContext tls, String user, String password,
            InetSocketAddress backend) throws IOException {
        ExecutorService threads = Executors.newCachedThreadPool(runnable -> {
            Thread thread = new Thread(runnable, "security-stand-in");
            thread.setDaemon(true);
            return thread;
        });
        // The JDK's server writes an answer's headers and body apart: without this each one waits
        // for the client's ACK of the other (about 40 ms an exchange).
        System.setProperty("sun.net.httpserver.nodelay", "true");
        HttpServer plain = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 128);
        plain.setExecutor(threads);
        plain.createContext("/", new SecurityFront(user, password, backend));
        plain.start();
        TlsTerminator terminator = TlsTerminator.start(address, tls, plain.getAddress(), threads);
        return () -> {
            terminator.close();
            plain.stop(0);
        };
    }

    @Override
    public void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            byte[] body = exchange.getRequestBody().readAllBytes();
            if (!authenticated(exchange.getRequestHeaders().getFirst("Authorization"))) {
                exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"OpenSearch Security\"");
                exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=UTF-8");
                send(exchange, 401, "Unauthorized".getBytes(UTF_8));
                return;
            }
            HttpResponse<byte[]> answer;
            try {
                answer = client.send(forwarded(exchange, body), HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while forwarding to the node", e);
            }
            for (Map.Entry<String, List<String>> header : answer.headers().map().entrySet()) {
                if (!NOT_FORWARDED.contains(header.getKey().toLowerCase())) {
                    exchange.getResponseHeaders().put(header.getKey(), header.getValue());
                }
            }
            send(exchange, answer.statusCode(), answer.body());
        }
    }

    private boolean authenticated(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Basic ", 0, 6)) {
            return false;
        }
        byte[] login;
        try {
            login = Base64.getDecoder().decode(authorization.substring(6).trim());
        } catch (IllegalArgumentException e) {
            return false;
        }
        byte[] expected = (user + ":").getBytes(UTF_8);
        byte[] prefix = Arrays.copyOf(login, Math.min(login.length, expected.length));
        byte[] key = Arrays.copyOfRange(login, prefix.length, login.length);
        return MessageDigest.isEqual(prefix, expected) & MessageDigest.isEqual(key, password);
    }

    private HttpRequest forwarded(HttpExchange exchange, byte[] body) {
        URI target = URI.create(backend + exchange.getRequestURI().toString());
        HttpRequest.Builder request = HttpRequest.newBuilder(target).method(
            exchange.getRequestMethod(),
            body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body)
        );
        for (Map.Entry<String, List<String>> header : exchange.getRequestHeaders().entrySet()) {
            if (!NOT_FORWARDED.contains(header.getKey().toLowerCase())) {
                for (String value : header.getValue()) {
                    request.header(header.getKey(), value);
                }
            }
        }
        return request.build();
    }

    private static void send(HttpExchange exchange, int status, byte[] body) throws IOException {
        boolean empty = body.length == 0 || "HEAD".equals(exchange.getRequestMethod());
        // -1: no body; 0 would mean a chunked one.
        exchange.sendResponseHeaders(status, empty ? -1 : body.length);
        if (!empty) {
            exchange.getResponseBody().write(body);
        }
    }
}
