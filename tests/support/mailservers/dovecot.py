"""A private Dovecot for tests: temp dir, loopback, passwd-file users, maildir, optional TLS."""

from __future__ import annotations

import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from imapclient import IMAPClient

from casework.mailconfig import Imap, Secret
from mailer.embedded_imap import free_port

from .dovecot_conf import CONF_23, CONF_24, ssl_23, ssl_24

DOVECOT_CANDIDATES = ("/usr/sbin/dovecot", "/usr/local/sbin/dovecot")
MISSING_MESSAGE = (
    "Dovecot is not installed, so the IMAP tests cannot run. Run `./run test` as root "
    "(it installs dovecot-imapd) or `apt-get install dovecot-imapd`."
)


def find_dovecot() -> str | None:
    """Path of the dovecot binary, or None."""
    found = shutil.which("dovecot")
    if found:
        return found
    return next((p for p in DOVECOT_CANDIDATES if os.access(p, os.X_OK)), None)


def dovecot_version(binary: str) -> tuple[int, int]:
    """(major, minor) from ``dovecot --version``, e.g. (2, 3)."""
    out = subprocess.run([binary, "--version"], capture_output=True, text=True, check=True)
    m = re.match(r"(\d+)\.(\d+)", out.stdout.strip())
    if not m:
        raise RuntimeError(f"cannot read the Dovecot version from {out.stdout!r}")
    return int(m.group(1)), int(m.group(2))


def make_self_signed_cert(directory: Path) -> tuple[Path, Path]:
    """A localhost/127.0.0.1 certificate made with the openssl CLI; it is its own CA file."""
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            str(key),
            "-out",
            str(cert),
            "-days",
            "2",
            "-subj",
            "/CN=localhost",
            "-addext",
            "subjectAltName=DNS:localhost,IP:127.0.0.1",
        ],  # fmt: skip
        check=True,
        capture_output=True,
    )
    return cert, key


def _ids() -> tuple[str, int, int, str]:
    """(internal/login user name, mail uid, mail gid, login user) suited to who we run as."""
    if os.geteuid() != 0:
        me = pwd.getpwuid(os.geteuid())
        return me.pw_name, me.pw_uid, me.pw_gid, me.pw_name
    # As root: imap-login refuses to run as root and mail may not be owned by uid 0.
    mail_user = _first_user("dovecot", "nobody")
    login_user = _first_user("dovenull", "nobody")
    return "root", mail_user.pw_uid, mail_user.pw_gid, login_user.pw_name


def _first_user(*names: str) -> pwd.struct_passwd:
    for n in names:
        try:
            return pwd.getpwnam(n)
        except KeyError:
            continue
    raise RuntimeError(f"none of the users {names} exist to run Dovecot's processes")


@dataclass
class Dovecot:
    """A running private Dovecot; ``port`` is plain+STARTTLS, ``tls_port`` implicit TLS."""

    binary: str
    root: Path
    users: dict[str, str]
    tls: bool = False
    # OAuth: the public key (PEM) that signs access tokens and the issuer they must name.
    # Dovecot's oauth2 passdb then validates XOAUTH2 tokens locally (introspection_mode = local).
    oauth_key: bytes | None = None
    oauth_issuer: str = ""
    host: str = "127.0.0.1"
    port: int = 0
    tls_port: int = 0
    ca_file: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @classmethod
    def create(
        cls,
        users: dict[str, str],
        *,
        tls: bool = False,
        oauth_key: bytes | None = None,
        oauth_issuer: str = "",
    ) -> Dovecot:
        """Write the config into a fresh temp dir and start the server."""
        binary = find_dovecot()
        if binary is None:
            raise RuntimeError(MISSING_MESSAGE)
        # Not under pytest's 0700 tmp dir: the unprivileged login process must reach base_dir.
        root = Path(tempfile.mkdtemp(prefix="conduct-dovecot-"))
        root.chmod(0o755)
        server = cls(
            binary, root, dict(users), tls=tls, oauth_key=oauth_key, oauth_issuer=oauth_issuer
        )
        server.port = free_port()
        server.tls_port = free_port() if tls else 0
        server._write_config()
        server.start()
        return server

    @property
    def conf(self) -> Path:
        """The dovecot.conf path."""
        return self.root / "dovecot.conf"

    @property
    def log_path(self) -> Path:
        """Where Dovecot logs; read it when a test fails."""
        return self.root / "dovecot.log"

    def _write_config(self) -> None:
        internal, uid, gid, login_user = _ids()
        mail = self.root / "mail"
        home = self.root / "home"
        for d in (mail, home):
            d.mkdir(exist_ok=True)
            if os.geteuid() == 0:
                os.chown(d, uid, gid)
        (self.root / "users").write_text(
            "".join(f"{u}:{{PLAIN}}{p}\n" for u, p in self.users.items()), encoding="utf-8"
        )
        cert = key = None
        if self.tls:
            cert, key = make_self_signed_cert(self.root)
            self.ca_file = cert
        major, minor = dovecot_version(self.binary)
        values = {
            "root": str(self.root),
            "internal": internal,
            "login_user": login_user,
            "uid": uid,
            "gid": gid,
            "port": self.port,
            "tls_port": self.tls_port,
            "instance": f"conduct-test-{self.port}",
        }
        if (major, minor) >= (2, 4):
            if self.oauth_key is not None:
                raise RuntimeError("the OAuth fixture is written for Dovecot 2.3 (Debian's)")
            text = CONF_24.format(**values) + ssl_24(cert, key)
        else:
            text = CONF_23.format(**values) + ssl_23(cert, key)
            if self.oauth_key is not None:
                text = text.replace(
                    "auth_mechanisms = plain login",
                    "auth_mechanisms = plain login xoauth2 oauthbearer",
                )
                text = text.replace(
                    "passdb {\n  driver = passwd-file\n",
                    "passdb {\n  driver = passwd-file\n  mechanisms = plain login\n",
                )
                text += self._oauth_23()
        self.conf.write_text(text, encoding="utf-8")

    def _oauth_23(self) -> str:
        """The oauth2 passdb with a key dictionary on disk, and a Sent folder marked \\Sent."""
        assert self.oauth_key is not None
        keys = self.root / "oauth-keys"
        # The lookup key is /shared/<azp or "default">/<alg>/<kid or "default">.
        where = keys / "default" / "RS256"
        where.mkdir(parents=True)
        (where / "default").write_bytes(self.oauth_key)
        for d in (keys, keys / "default", where):
            d.chmod(0o755)
        (where / "default").chmod(0o644)
        conf = self.root / "oauth2.conf.ext"
        conf.write_text(
            "introspection_mode = local\n"
            f"local_validation_key_dict = fs:posix:prefix={keys}/\n"
            "username_attribute = email\n"
            f"issuers = {self.oauth_issuer}\n",
            encoding="utf-8",
        )
        return f"""passdb {{
  driver = oauth2
  mechanisms = xoauth2 oauthbearer
  args = {conf}
}}
# Exchange calls it "Sent Items"; only its SPECIAL-USE attribute says what it is for.
namespace inbox {{
  inbox = yes
  mailbox "Sent Items" {{
    special_use = \\Sent
    auto = subscribe
  }}
}}
"""

    def start(self, timeout: float = 20.0) -> None:
        """Start ``dovecot -F -c conf`` and wait for a real greeting on every port."""
        out = open(self.root / "stdout.log", "ab")  # noqa: SIM115 - handed to the child
        self.process = subprocess.Popen(
            [self.binary, "-F", "-c", str(self.conf)],
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            # Its own process group, so stop() can end the master and every child at once.
            start_new_session=True,
        )
        out.close()
        deadline = time.monotonic() + timeout
        ports = [self.port] + ([self.tls_port] if self.tls else [])
        for port in ports:
            while not self._greets(port, tls=port == self.tls_port and self.tls):
                if self.process.poll() is not None:
                    raise RuntimeError(f"dovecot exited at startup:\n{self.log_text()}")
                if time.monotonic() > deadline:
                    self.stop()
                    raise RuntimeError(
                        f"dovecot did not answer within {timeout} s:\n{self.log_text()}"
                    )
                time.sleep(0.05)

    def _greets(self, port: int, tls: bool) -> bool:
        try:
            with socket.create_connection((self.host, port), timeout=1.0) as s:
                if tls:
                    import ssl

                    ctx = ssl.create_default_context(cafile=str(self.ca_file))
                    with ctx.wrap_socket(s, server_hostname=self.host) as t:
                        return b"[CAPABILITY" in t.recv(2048)
                # Until auth is up Dovecot greets "Waiting for authentication process".
                return b"[CAPABILITY" in s.recv(2048)
        except OSError:
            return False

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the master (which ends every IMAP session) and wait for it."""
        # Signal the whole group, as systemd does to dovecot.service: the master alone would
        # leave IMAP sessions to notice on their own, about ten seconds later.
        if self.process is not None and self.process.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout)
        if self.process is not None:
            # Children may outlive the master by a moment; make sure none keeps the ports.
            self._signal_group(signal.SIGKILL)
        self.process = None

    def _signal_group(self, sig: int) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.process.pid, sig)

    def restart(self) -> None:
        """Stop and start again on the same ports, keeping the mail."""
        self.stop()
        self.start()

    def destroy(self) -> None:
        """Stop and delete the temp dir."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_text(self) -> str:
        """Dovecot's own log plus anything it printed."""
        parts = []
        for p in (self.log_path, self.root / "stdout.log"):
            if p.exists():
                parts.append(p.read_text(encoding="utf-8", errors="replace"))
        return "\n".join(parts)

    # --- acting as another mail client ---

    def client(self, user: str | None = None) -> IMAPClient:
        """A logged-in plain IMAPClient (the "other client": a member of staff's mail program)."""
        name = user or next(iter(self.users))
        c = IMAPClient(self.host, port=self.port, ssl=False, timeout=30)
        c.login(name, self.users[name])
        return c

    def deliver(
        self,
        raw: bytes,
        flags: tuple[str, ...] = (),
        folder: str = "INBOX",
        user: str | None = None,
    ) -> int:
        """APPEND a message with flags; return its UID."""
        with self.client(user) as c:
            if not c.folder_exists(folder):
                c.create_folder(folder)
            reply = c.append(folder, raw, flags=flags)
        m = re.search(rb"APPENDUID \d+ (\d+)", reply)
        assert m, reply
        return int(m.group(1))

    def set_flags(self, uid: int, flags: tuple[str, ...], folder: str = "INBOX") -> None:
        """Add flags to a message as another client would (e.g. staff pressing "flag")."""
        with self.client() as c:
            c.select_folder(folder)
            c.add_flags([uid], flags)

    def flags_of(self, uid: int, folder: str = "INBOX") -> tuple[str, ...]:
        """Current flags of a message, read without touching them."""
        with self.client() as c:
            c.select_folder(folder, readonly=True)
            got = c.get_flags([uid]).get(uid, ())
        return tuple(f.decode() if isinstance(f, bytes) else str(f) for f in got)

    def recreate_folder(self, folder: str, user: str | None = None) -> None:
        """DELETE and CREATE a folder, which gives it a new UIDVALIDITY."""
        with self.client(user) as c:
            if c.folder_exists(folder):
                c.delete_folder(folder)
            c.create_folder(folder)

    def imap_settings(
        self, password_env: str, *, user: str | None = None, security: str = "plain", **kw: object
    ) -> Imap:
        """Config pointing at this server; ``security`` "tls" uses ``tls_port`` and our CA."""
        port = self.tls_port if security == "tls" else self.port
        fields: dict[str, object] = {
            "host": self.host,
            "port": port,
            "security": security,
            "user": user or next(iter(self.users)),
            "secret": Secret(password_env=password_env),
            "ca_file": self.ca_file if security != "plain" else None,
        }
        fields.update(kw)
        return Imap(**fields)  # type: ignore[arg-type]
