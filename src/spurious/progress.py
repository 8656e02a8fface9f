"""A dependency-free progress bar on stderr (redrawn in place on a terminal, sparse lines otherwise)."""
import sys
import time


class Progress:
    """``Progress(total, label)``; call ``update(done)`` or ``advance()``; ``close()`` at the end."""

    def __init__(self, total, label, stream=None, enabled=True):
        self.total = max(float(total), 1e-300)
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = enabled
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()
        self.start = time.perf_counter()
        self.done = 0.0
        self._last_decile = -1

    def advance(self, amount=1.0, note=""):
        self.update(self.done + amount, note)

    def update(self, done, note=""):
        self.done = min(float(done), self.total)
        if not self.enabled:
            return
        frac = self.done / self.total
        elapsed = time.perf_counter() - self.start
        if self.tty:
            bar = "#" * int(30 * frac) + "-" * (30 - int(30 * frac))
            self.stream.write(f"\r{self.label} [{bar}] {100 * frac:5.1f}% {elapsed:6.1f}s {note[:40]:<40}")
            self.stream.flush()
        elif int(10 * frac) > self._last_decile:
            self._last_decile = int(10 * frac)
            self.stream.write(f"{self.label}: {100 * frac:5.1f}% ({elapsed:.1f}s) {note}\n")

    def close(self):
        if self.enabled and self.tty:
            self.stream.write("\n")
            self.stream.flush()
