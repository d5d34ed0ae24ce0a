"""dovecot.conf for a private test Dovecot, in the 2.3 syntax and the 2.4 one."""

from __future__ import annotations

from pathlib import Path

CONF_23 = """\
# Written by tests/support/mailservers/dovecot.py for one test session (Dovecot 2.3 syntax).
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = {instance}
log_path = {root}/dovecot.log
disable_plaintext_auth = no
auth_mechanisms = plain login
# Tests try wrong passwords on purpose; do not make them wait.
auth_failure_delay = 0
default_internal_user = {internal}
default_login_user = {login_user}
first_valid_uid = 0
first_valid_gid = 0
mail_location = maildir:{root}/mail/%u
# Notice flag changes made by other clients within a second while IDLEing.
mailbox_idle_check_interval = 1 secs
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/users
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  # Mode 0 switches off the growing delay after failed logins (tests fail logins on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def ssl_23(cert: Path | None, key: Path | None) -> str:
    """The TLS settings in 2.3 syntax (none without a certificate)."""
    if cert is None or key is None:
        return "ssl = no\n"
    return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}\n"


# Dovecot 2.4 renamed most of these settings. Written from the 2.4 documentation; the
# machine this was developed on has 2.3, so this branch has not been run yet.
CONF_24 = """\
# Written by tests/support/mailservers/dovecot.py for one test session (Dovecot 2.4 syntax).
dovecot_config_version = 2.4.0
dovecot_storage_version = 2.4.0
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/state
instance_name = {instance}
log_path = {root}/dovecot.log
auth_allow_cleartext = yes
auth_mechanisms = plain login
# Tests try wrong passwords on purpose; do not make them wait.
auth_failure_delay = 0
default_internal_user = {internal}
default_login_user = {login_user}
first_valid_uid = 0
first_valid_gid = 0
mail_driver = maildir
mail_path = {root}/mail/%{{user}}
mailbox_idle_check_interval = 1s
passdb passwd-file {{
  passwd_file_path = {root}/users
  default_password_scheme = PLAIN
}}
userdb static {{
  fields {{
    uid = {uid}
    gid = {gid}
    home = {root}/home/%{{user}}
  }}
}}
service imap-login {{
  chroot =
  inet_listener imap {{
    listen = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    listen = 127.0.0.1
    port = {tls_port}
  }}
}}
service anvil {{
  chroot =
  # Mode 0 switches off the growing delay after failed logins (tests fail logins on purpose).
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


def ssl_24(cert: Path | None, key: Path | None) -> str:
    """The TLS settings in 2.4 syntax (none without a certificate)."""
    if cert is None or key is None:
        return "ssl = no\n"
    return f"ssl = yes\nssl_server_cert_file = {cert}\nssl_server_key_file = {key}\n"
