package trade2026;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.concurrent.Executor;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * TLS on a public address, each connection's plain bytes relayed both ways to a plain server on
 * loopback ({@link SecurityFront}'s). A client that does not complete a TLS handshake (plain HTTP on
 * the TLS port, for one) is disconnected, as the security plugin disconnects it.
 */
final class TlsTerminator implements Closeable {

    // A client that has not finished its handshake by then is dropped. After it, a connection lasts
    // as long as the plain server keeps it (the JDK's closes one idle for 30 s).
    private static final int HANDSHAKE_MILLIS = 30_000;

    private final SSLServerSocket server;

    private TlsTerminator(SSLServerSocket server) {
        this.server = server;
    }

    static TlsTerminator start(InetSocketAddress address, SSLContext tls, InetSocketAddress plain, Executor threads)
            throws IOException {
        SSLServerSocket server = (SSLServerSocket) tls.getServerSocketFactory().createServerSocket();
        server.setReuseAddress(true);
        server.bind(address, 128);
        Thread accepting = new Thread(() -> {
            while (!server.isClosed()) {
                try {
                    Socket client = server.accept();
                    threads.execute(() -> relay((SSLSocket) client, plain, threads));
                } catch (IOException e) {
                    if (!server.isClosed()) {
                        System.err.println("trade2026 security stand-in: accepting a connection failed: " + e);
                    }
                }
            }
        }, "security-stand-in-accept");
        accepting.setDaemon(true);
        accepting.start();
        return new TlsTerminator(server);
    }

    private static void relay(SSLSocket client, InetSocketAddress plain, Executor threads) {
        Socket backend = new Socket();
        try {
            // Small HTTP writes both ways: Nagle's delay would hold each one back for an ACK.
            client.setTcpNoDelay(true);
            backend.setTcpNoDelay(true);
            client.setSoTimeout(HANDSHAKE_MILLIS);
            client.startHandshake();
            client.setSoTimeout(0);
            backend.connect(plain);
            threads.execute(() -> pump(backend, client));
            pump(client, backend);
        } catch (IOException e) {
            closeBoth(client, backend);
        }
    }

    /** Copies until either side ends, then closes both: an HTTP exchange has nothing left to say then. */
    private static void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16384];
        try {
            InputStream in = from.getInputStream();
            OutputStream out = to.getOutputStream();
            for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
                out.write(buffer, 0, read);
                out.flush();
            }
        } catch (IOException e) {
            // A reset, a timeout or the other pump's close: the connection is over either way.
        } finally {
            closeBoth(from, to);
        }
    }

    private static void closeBoth(Socket one, Socket other) {
        for (Socket socket : new Socket[] {one, other}) {
            try {
                socket.close();
            } catch (IOException e) {
                // Already gone.
            }
        }
    }

    @Override
    public void close() throws IOException {
        server.close();
    }
}
