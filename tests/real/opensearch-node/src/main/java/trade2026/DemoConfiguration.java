package trade2026;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.regex.Pattern;

import com.nulabinc.zxcvbn.Strength;
import com.nulabinc.zxcvbn.Zxcvbn;

/**
 * The stand-in's {@code install_demo_configuration.sh -y -i -s} of the security plugin, which the
 * image's entrypoint runs before the node unless DISABLE_INSTALL_DEMO_CONFIG=true; the argument is
 * the node's config folder. As the plugin's installer (security 2.19.1.0, SecuritySettingsConfigurer
 * and PasswordValidator; read, not run here):
 *
 * <ul>
 * <li>already configured (here: the node's keystore exists), it quits with status 0;
 * <li>it refuses OPENSEARCH_INITIAL_ADMIN_PASSWORD when it is missing or empty, shorter than 8 or
 * longer than 100 characters, not matching the installer's regex, under zxcvbn score 3 (zxcvbn4j
 * 1.9.0, the plugin's own) or similar to the user name: the plugin's message and status 255 (the
 * entrypoint then exits 1). The plugin's message also shows the password; this one does not;
 * <li>it writes the node's certificate into the config folder, as the demo configuration does: a
 * self-signed EC P-256 one made here (the plugin writes demo certificates it ships).
 * </ul>
 */
public final class DemoConfiguration {

    // The installer's regex, as the plugin compiles it (^...$ around it); `\\d` inside the class is a
    // backslash and a `d`, so a digit also counts as the special character.
    private static final Pattern REGEX = Pattern.compile("^(?=.*[A-Z])(?=.*[^a-zA-Z\\\\d])(?=.*[0-9])(?=.*[a-z]).{8,}$");
    private static final int MIN_LENGTH = 8;
    private static final int MAX_LENGTH = 100;
    private static final int STRONG = 3;

    private DemoConfiguration() {}

    public static void main(String[] args) throws Exception {
        Path config = Path.of(args[0]);
        Path keystore = config.resolve(SecurityStandIn.KEYSTORE);
        if (Files.exists(keystore)) {
            System.out.println(config.resolve("opensearch.yml") + " seems to be already configured for Security. Quit.");
            return;
        }
        String refused = refusal(System.getenv().getOrDefault("OPENSEARCH_INITIAL_ADMIN_PASSWORD", ""));
        if (refused != null) {
            System.out.println(refused);
            System.exit(-1);
        }
        certificate(keystore);
        System.out.println("Admin password set successfully.");
    }

    /** The installer's message for a password it refuses, without the password; null if it accepts it. */
    static String refusal(String password) {
        String problem = problem(password);
        if (problem == null) {
            return null;
        }
        if (password.isEmpty()) {
            return "No custom admin password found. Please provide a password via the environment variable"
                + " OPENSEARCH_INITIAL_ADMIN_PASSWORD.";
        }
        return "Password (not shown by the trade2026 stand-in) failed validation: \"" + problem + "\". Please re-try"
            + " with a minimum " + MIN_LENGTH + " character password and must contain at least one uppercase letter,"
            + " one lowercase letter, one digit, and one special character that is strong. Password strength can be"
            + " tested here: https://lowe.github.io/tryzxcvbn";
    }

    private static String problem(String password) {
        if (password.length() < MIN_LENGTH) {
            return "Password is too short";
        }
        if (password.length() > MAX_LENGTH) {
            return "Password is too long";
        }
        if (!REGEX.matcher(password).matches()) {
            return "Password does not match validation regex";
        }
        Strength strength = new Zxcvbn().measure(password, List.of(SecurityStandIn.ADMIN));
        if (strength.getScore() < STRONG) {
            return "Weak password";
        }
        boolean similar = strength.getSequence()
            .stream()
            .anyMatch(match -> match.pattern == com.nulabinc.zxcvbn.Pattern.Dictionary && "user_inputs".equals(match.dictionaryName));
        return similar ? "Password is similar to user name" : null;
    }

    /** The node's key and self-signed certificate, made by the runtime's own keytool. */
    private static void certificate(Path keystore) throws IOException, InterruptedException {
        Path partial = keystore.resolveSibling(keystore.getFileName() + ".partial");
        Files.deleteIfExists(partial);
        ProcessBuilder keytool = new ProcessBuilder(
            Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
            "-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-sigalg", "SHA256withECDSA",
            "-dname", "CN=trade2026-stand-in-node, OU=node, O=trade2026 stand-in", "-ext", "SAN=dns:localhost,ip:127.0.0.1",
            "-validity", "3650", "-storetype", "PKCS12", "-keystore", partial.toString(),
            "-storepass:env", "TRADE2026_KEYSTORE_PASSWORD"
        );
        keytool.environment().put("TRADE2026_KEYSTORE_PASSWORD", new String(SecurityStandIn.KEYSTORE_PASSWORD));
        keytool.inheritIO();
        int status = keytool.start().waitFor();
        if (status != 0) {
            throw new IOException("keytool could not make the node's certificate (exit status " + status + ")");
        }
        Files.move(partial, keystore, StandardCopyOption.ATOMIC_MOVE);
    }
}
