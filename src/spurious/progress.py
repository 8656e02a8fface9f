"""Progress of long runs on stderr, with the elapsed time and an estimate of the time left.

A thin wrapper over ``tqdm.auto`` (a terminal bar, or a widget in a notebook), so every command
reports progress the same way: ``Progress(total, label)``, then ``update(done, note)`` with the
amount of work done so far (runs, families, or distance in ``d``), and ``close()``.
"""
import sys

from tqdm.auto import tqdm


class Progress:
    """``Progress(total, label)``; ``update(done, note)`` or ``advance(amount, note)``; ``close()``.

    ``total`` is in the caller's unit of work; the bar shows the fraction done, the elapsed time
    and the remaining time extrapolated from the rate so far. ``enabled=False`` prints nothing.
    """

    def __init__(self, total, label, stream=None, enabled=True):
        self.total = max(float(total), 1e-300)
        self.done = 0.0
        stream = stream or sys.stderr
        tty = hasattr(stream, "isatty") and stream.isatty()
        self._bar = tqdm(total=self.total, desc=label, file=stream, disable=not enabled, leave=True,
                         mininterval=0.2 if tty else 10.0, dynamic_ncols=True,
                         bar_format="{desc}: {percentage:5.1f}%|{bar}| [{elapsed}<{remaining}] {postfix}")

    def advance(self, amount=1.0, note=""):
        self.update(self.done + amount, note)

    def update(self, done, note=""):
        done = min(max(float(done), 0.0), self.total)
        if note:
            self._bar.set_postfix_str(note[:40], refresh=False)
        self._bar.update(done - self.done)
        self.done = done

    def close(self):
        self._bar.close()
