"""Real mail servers for tests: a private Dovecot, pymap (via mailer.embedded_imap), aiosmtpd."""
