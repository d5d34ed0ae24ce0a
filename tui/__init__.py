"""The Textual dashboard: the office manager's full-screen view of every case."""
