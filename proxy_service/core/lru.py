"""One in-process cache shape for the caches of this app (rendered fragments, the dashboard's
figures): least recently used out first, within a bound on the summed weight of what it holds,
and optionally a time to live counted from when a value was put."""
import threading
from collections import OrderedDict
from datetime import timedelta

from proxy_service.core import clock


def _one(_key, _value):
    return 1


class BoundedLru:
    """At most `limit` of weight (`weigh(key, value)`, 1 each by default); with `seconds`, a
    value is given out only that long after it was put (clock.now(): reading it does not make
    it younger). A value heavier than the whole limit is not kept."""

    def __init__(self, limit, *, weigh=_one, seconds=None):
        self.limit, self.weigh, self.size = limit, weigh, 0
        self.seconds = None if seconds is None else timedelta(seconds=seconds)
        self._entries = OrderedDict()   # key: (put at, value), least recently used first
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if self.seconds is not None and clock.now() - entry[0] >= self.seconds:
                self._drop(key)
                return None
            self._entries.move_to_end(key)
            return entry[1]

    def put(self, key, value):
        weight = self.weigh(key, value)
        if weight > self.limit:
            return
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (clock.now() if self.seconds is not None else None, value)
            self.size += weight
            while self.size > self.limit:
                self._drop(next(iter(self._entries)))

    def _drop(self, key):
        _put_at, value = self._entries.pop(key)
        self.size -= self.weigh(key, value)

    def __len__(self):
        return len(self._entries)

    def clear(self):
        with self._lock:
            self._entries.clear()
            self.size = 0
