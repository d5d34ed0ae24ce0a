"""The mail daemon: inbox watcher (IMAP IDLE), parsing into evidence, outbox sender (SMTP)."""
