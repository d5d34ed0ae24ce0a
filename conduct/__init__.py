"""The `conduct` command: argument parsing, wiring and the demo."""
