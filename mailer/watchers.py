"""Threads that watch files for the daemon: config.toml (reload) beside the store's own watcher."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol


class Watcher(Protocol):
    """Something that watches files in a thread of its own."""

    def start(self) -> None:
        """Begin watching."""

    def stop(self) -> None:
        """Stop watching."""


class FileWatcher:
    """Calls back when one file changes (config.toml), editors' rename-saves included."""

    def __init__(self, path: Path, on_change: Callable[[], None]) -> None:
        from watchdog.events import FileSystemEvent, FileSystemEventHandler
        from watchdog.observers import Observer

        target = path

        class Handler(FileSystemEventHandler):
            def on_any_event(self, event: FileSystemEvent) -> None:
                paths = {str(event.src_path), str(getattr(event, "dest_path", "") or "")}
                if str(target) in paths:
                    on_change()

        self._observer = Observer()
        self._observer.schedule(Handler(), str(path.parent), recursive=False)
        self._observer.daemon = True

    def start(self) -> None:
        """Begin watching."""
        self._observer.start()

    def stop(self) -> None:
        """Stop watching."""
        self._observer.stop()
        self._observer.join(timeout=5)
