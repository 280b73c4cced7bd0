"""What a supplied credential must be for the image that receives it, checked before any resource
exists: a value the image would refuse, or that would break the file it is written into, is
refused here in one line naming the key (settings.py adds it), never the value.

Each rule says what it rests on. Generated passwords (targets/base.py) satisfy every rule: 32
letters and digits, OpenSearch's with one of `_%@+=` at least.
"""

from __future__ import annotations

import re
import unicodedata

# Shorter values are guessable, and the scrubbers that keep credentials out of verify's and the
# ready-data providers' messages only recognise values of 8 characters or more.
MIN_LENGTH = 8
OPENSEARCH_ADMIN_USER = "admin"

# OpenSearch 2.19's security plugin, when its demo installer takes OPENSEARCH_INITIAL_ADMIN_PASSWORD
# (opensearch-project/security 2.19.1.0, tools/democonfig/SecuritySettingsConfigurer.java and
# dlic/rest/validation/PasswordValidator.java; read, not run here): at least 8 and at most 100
# characters, the regex `(?=.*[A-Z])(?=.*[^a-zA-Z\\d])(?=.*[0-9])(?=.*[a-z]).{8,}`, a zxcvbn score
# of at least 3 ("strong"), and no part of the password matching the user name. Failing any of
# these, the container prints the password to its log and exits.
_OPENSEARCH_MAX = 100
_OPENSEARCH_STRONG = 3
# The image's regex is looser than its message: `\\d` inside its class is a backslash and a `d`,
# so a digit passes for the special character. The message ("one uppercase letter, one lowercase
# letter, one digit, and one special character") is what users are told; this asks for exactly that.
_CLASSES = (re.compile("[A-Z]"), re.compile("[a-z]"), re.compile("[0-9]"), re.compile("[^A-Za-z0-9]"))

# valkey.conf is read with sdssplitargs: whitespace ends the `requirepass` argument, and a quote
# anywhere opens a quoted string (valkey-io/valkey src/sds.c; the healthcheck reads the line back
# verbatim, so a quoted form would not do either).
_VALKEY_BREAKS = re.compile(r"[\s\"']")
# The ClickHouse image's entrypoint writes CLICKHOUSE_PASSWORD unescaped into
# users.d/default-user.xml (`<password>${CLICKHOUSE_PASSWORD}</password>`, ClickHouse/docker
# entrypoint.sh; read, not run here): `<` or `&` breaks the XML, or adds elements to it.
_XML_BREAKS = re.compile(r"[<&]")
# An S3 access key travels in every signed request as `Credential=<key>/<date>/<region>/s3/...`
# inside an Authorization header split on `,`, then `=`, then `/` (SeaweedFS
# weed/s3api/auth_signature_v4.go, read from a public copy; not run here). Characters that are
# unreserved in URLs pass every one of those splits and every client's query-string signing.
_ACCESS_KEY = re.compile(r"[A-Za-z0-9._~-]+")


def _breaks_lines(value: str) -> bool:
    # Control characters (newline, CR, NUL, tab, escape, C1 controls such as NEL) and the Unicode
    # line and paragraph separators: each ends a line for some reader of the files and
    # environments credentials are written into (valkey.conf, an env file, YAML, Java's `.`).
    return any(unicodedata.category(char) in ("Cc", "Zl", "Zp") for char in value)


def _opensearch_problem(value: str) -> str | None:
    if len(value) > _OPENSEARCH_MAX:
        return f"longer than the {_OPENSEARCH_MAX} characters OpenSearch's security plugin accepts"
    if not all(pattern.search(value) for pattern in _CLASSES):
        return (
            "needs an upper-case letter, a lower-case letter, a digit and a special character "
            "(OpenSearch's security plugin refuses it otherwise)"
        )
    # Imported here: its frequency lists take a tenth of a second, needed only for this check.
    from zxcvbn import zxcvbn

    # zxcvbn-python is a port of the same Dropbox zxcvbn as the plugin's zxcvbn4j 1.9.0; their
    # scores agree on typical passwords but can differ by one near the threshold.
    strength = zxcvbn(value, user_inputs=[OPENSEARCH_ADMIN_USER], max_length=_OPENSEARCH_MAX)
    if any(match.get("dictionary_name") == "user_inputs" for match in strength["sequence"]):
        return f"resembles the user name {OPENSEARCH_ADMIN_USER}, which OpenSearch's security plugin refuses"
    if strength["score"] < _OPENSEARCH_STRONG:
        return (
            "too guessable: OpenSearch's security plugin needs zxcvbn strength 3 (strong) or more; "
            "try a longer password with fewer words and patterns"
        )
    return None


def problem(service: str, credential: str, value: str) -> str | None:
    """Why `value` cannot be `service`'s `credential`, in words that never repeat it; None if it can."""
    if _breaks_lines(value):
        return (
            "holds a control character or line break, which would split the config files and environment it goes into"
        )
    if len(value) < MIN_LENGTH:
        return f"shorter than {MIN_LENGTH} characters"
    if service == "valkey" and _VALKEY_BREAKS.search(value):
        return "holds a space or a quote, which valkey.conf's `requirepass` line would split or unquote"
    if service == "clickhouse" and _XML_BREAKS.search(value):
        return "holds < or &, which the ClickHouse image writes unescaped into its users XML"
    if (service, credential) == ("seaweedfs", "s3-access-key") and not _ACCESS_KEY.fullmatch(value):
        return "may hold only letters, digits and - . _ ~ (an S3 access key is split out of signed request headers)"
    if (service, credential) == ("opensearch", "admin-password"):
        return _opensearch_problem(value)
    return None
