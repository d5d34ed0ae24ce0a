"""Change events: tell a process when another one has committed to the store."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

# A commit renames several files into place; wait this long for the burst to end.
DEBOUNCE_S = 0.05
WATCHED_DIRS = ("cases", "events", "people", "letters", "mail")


class _Handler(FileSystemEventHandler):
    def __init__(self, root: Path, fire: Callable[[], None], ignore: frozenset[str]) -> None:
        self.ignored = {root / "tmp", root / "vault"}
        self.ignore_names = ignore
        self.fire = fire

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        path = Path(str(getattr(event, "dest_path", "") or event.src_path))
        if path.name in self.ignore_names or any(p in self.ignored for p in path.parents):
            return
        if path.suffix in (".json", ".jsonl"):
            self.fire()


class StoreWatcher:
    """Calls ``on_change`` (from a background thread) shortly after any commit to the store.

    ``ignore`` names files whose changes do not count (the daemon ignores its own health.json).
    """

    def __init__(
        self, root: Path, on_change: Callable[[], None], ignore: frozenset[str] = frozenset()
    ) -> None:
        self.root = root
        self.ignore = ignore | {"store.lock"}
        self.on_change = on_change
        self._observer = Observer()
        self._timer: threading.Timer | None = None
        self._lock = threading.Lock()

    def _fire(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = threading.Timer(DEBOUNCE_S, self.on_change)
            self._timer.daemon = True
            self._timer.start()

    def start(self) -> None:
        """Begin watching."""
        handler = _Handler(self.root, self._fire, self.ignore)
        # Only the store's own directories: the vault and tmp/ change on every commit and
        # the vault grows a directory per hash prefix, each of which would cost a watch.
        for path in (self.root, *(self.root / d for d in WATCHED_DIRS)):
            self._observer.schedule(handler, str(path), recursive=False)
        self._observer.daemon = True
        self._observer.start()

    def stop(self) -> None:
        """Stop watching and wait for the watcher thread."""
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
        self._observer.stop()
        self._observer.join(timeout=5)
