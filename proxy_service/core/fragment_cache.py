"""A cache of rendered page fragments (the shared, expensive parts of a page: a case's steps,
its timeline), in Redis where one is configured, else in this process, bounded in bytes.

A fragment is stored under a key that names everything its HTML depends on (the caller's
`parts`: the object's revision, today's date, the locale, the outcome of every permission check
its template makes, ...) plus this build's code, templates and translations, so that an entry
can never be served after what it shows changed: it is simply never asked for again, and ages
out (least recently used first here, by its time to live in Redis). Per-user parts (forms with
their CSRF token, the bell, flashes) are never put in a fragment.

Templates wrap an include: `{% call cached(fragment) %}{% include "…" %}{% endcall %}`, where
`fragment` comes from the view (`Fragment(name, parts)`, or None: rendered, not cached).
A store that fails (Redis down) costs a render, never the page.

The rows of the long lists are cached too, each by its own values (`cached_rows`): a list page
draws up to 40 rows, most of them the same as on the last request, at ~0.1 ms each in Jinja.
They are kept in this process only (a store round trip per row would cost more than the row).
"""
import functools
import hashlib
import logging
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

from flask import current_app, request
from flask_babel import get_locale
from markupsafe import Markup

from proxy_service.core.lru import BoundedLru

log = logging.getLogger(__name__)
DEFAULT_REDIS_PREFIX = "proxy_service:fragment:"
REDIS_TTL_SECONDS = 36 * 3600     # keys hold today's date: a day and a half covers any clock
DEFAULT_MAX_BYTES = 32 * 2**20
ROW_SHARE = 8           # the rows get 1/ROW_SHARE of FRAGMENT_CACHE_MAX_BYTES, beside the store
ROW_KEY_BYTES = 1024    # what a row's key (its values) is counted as holding


@dataclass(frozen=True)
class Fragment:
    """A fragment to cache: its `name` and the values (`parts`, hashable and with a stable
    repr) its HTML is a function of, besides its template; `html` once found in the store
    (lookup), so that a view loads only what the fragments still to render need."""
    name: str
    parts: tuple
    html: str | None = field(default=None, compare=False, repr=False)

    def key(self, build):
        digest = hashlib.sha256(repr((build, self.name, self.parts)).encode()).hexdigest()
        return f"{self.name}:{digest[:40]}"


class LocalStore(BoundedLru):
    """In-process LRU bounded by the memory its strings take (keys and values)."""

    def __init__(self, max_bytes=DEFAULT_MAX_BYTES):
        super().__init__(max_bytes, weigh=_cost)

    set = BoundedLru.put


def _cost(key, html):
    return sys.getsizeof(key) + sys.getsizeof(html)


def _row_cost(_key, html):
    return ROW_KEY_BYTES + sys.getsizeof(html)


class RedisStore:
    """Fragments in Redis, shared by every worker and host; each with a time to live."""

    def __init__(self, url, prefix=DEFAULT_REDIS_PREFIX):
        import redis  # noqa: PLC0415 — only when a Redis store is configured

        self._redis = redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1)
        self.prefix = prefix

    def get(self, key):
        value = self._redis.get(self.prefix + key)
        return None if value is None else value.decode()

    def set(self, key, html):
        self._redis.set(self.prefix + key, html.encode(), ex=REDIS_TTL_SECONDS)

    def clear(self):
        """Drop every fragment (after a database was restored from a backup: its revisions
        went back, and would name what was cached for the later ones)."""
        for key in self._redis.scan_iter(self.prefix + "*", count=1000):
            self._redis.delete(key)


class FragmentCache:
    """The app's store and counters; `enabled` False renders every fragment (benchmarks).
    A store that failed is left alone for RETRY_SECONDS: a Redis that does not answer costs
    each page its timeout once, not on every fragment of every page."""

    RETRY_SECONDS = 30

    def __init__(self, store, build, enabled=True, row_bytes=DEFAULT_MAX_BYTES // ROW_SHARE):
        self.store, self.build, self.enabled = store, build, enabled
        self.rows = BoundedLru(row_bytes, weigh=_row_cost)
        self.hits = self.misses = 0
        self._down_until = 0.0

    def lookup(self, fragment):
        """`fragment` with its stored HTML, if any (None and a disabled cache find none)."""
        if fragment is None or not self.enabled or fragment.html is not None:
            return fragment
        html = self._get(fragment.key(self.build))
        return fragment if html is None else replace(fragment, html=html)

    def render(self, fragment, render):
        """The HTML of `fragment`: found by lookup or stored, else `render()`ed and stored."""
        if fragment is None or not self.enabled:
            return render()
        key = None if fragment.html is not None else fragment.key(self.build)
        html = fragment.html if key is None else self._get(key)   # found by the view's lookup
        if html is not None:
            self.hits += 1
            return Markup(html)
        self.misses += 1
        html = render()
        self._set(key, str(html))
        return Markup(html)

    def row_renderer(self, name, macro):
        """A function drawing `macro(*args)`, a row named `name`, kept by the values of `args`,
        the locale and the script root (looked up here, once a page): the macro must read
        nothing else but constants and the page's words (translations: the locale's)."""
        if not self.enabled:
            return macro
        scope = (name, str(get_locale()), request.script_root)
        return lambda *args: self._row(scope + args, macro, args)

    def _row(self, key, macro, args):
        html = self.rows.get(key)
        if html is not None:
            self.hits += 1
            return html
        self.misses += 1
        html = Markup(macro(*args))
        self.rows.put(key, html)
        return html

    def _get(self, key):
        return self._try(self.store.get, key)

    def _set(self, key, html):
        self._try(self.store.set, key, html)

    def _try(self, operation, *args):
        """The store's answer; None while it is down (a failure costs a render, never the
        page, and the store is asked again RETRY_SECONDS later)."""
        if time.monotonic() < self._down_until:
            return None
        try:
            return operation(*args)
        except Exception:
            log.warning("fragment cache: the store failed; rendering without it for %s s",
                        self.RETRY_SECONDS, exc_info=True)
            self._down_until = time.monotonic() + self.RETRY_SECONDS
            return None


def init_app(app):
    """Choose the store (FRAGMENT_CACHE: "on" or "off"; FRAGMENT_CACHE_REDIS_URL: Redis, its
    keys under FRAGMENT_CACHE_REDIS_PREFIX; else in process, FRAGMENT_CACHE_MAX_BYTES) and give
    templates `cached`."""
    url = app.config.get("FRAGMENT_CACHE_REDIS_URL") or ""
    prefix = app.config.get("FRAGMENT_CACHE_REDIS_PREFIX", DEFAULT_REDIS_PREFIX)
    max_bytes = app.config.get("FRAGMENT_CACHE_MAX_BYTES", DEFAULT_MAX_BYTES)
    store = RedisStore(url, prefix) if url else LocalStore(max_bytes)
    cache = FragmentCache(store, build_token(app), app.config.get("FRAGMENT_CACHE", "on") != "off",
                          row_bytes=max_bytes // ROW_SHARE)
    app.extensions["fragment_cache"] = cache
    app.jinja_env.globals["cached"] = cached
    app.jinja_env.globals["cached_rows"] = cached_rows


def lookup(fragments):
    """{name: fragment} with the HTML of those stored (Fragment.html): what a view need not
    load. Each found one is served by `cached` without asking the store again."""
    cache = current_app.extensions["fragment_cache"]
    return {name: cache.lookup(fragment) for name, fragment in fragments.items()}


def to_render(fragments):
    """The names of `fragments` (after lookup) that will be rendered: not found, or None."""
    return {name for name, fragment in fragments.items()
            if fragment is None or fragment.html is None}


def cached(fragment, caller):
    """Template global for `{% call cached(fragment) %}…{% endcall %}`."""
    return current_app.extensions["fragment_cache"].render(fragment, caller)


def cached_rows(name, macro):
    """Template global: `{% set draw = cached_rows("name", row_macro) %}` once, then
    `{{ draw(row, ...) }}` a row (FragmentCache.row_renderer). The rows are the lists' frozen
    dataclasses: hashable, and equal only when what they show is."""
    return current_app.extensions["fragment_cache"].row_renderer(name, macro)


def build_token(app):
    """A digest of what renders fragments besides their data: the package's code, the
    templates and the compiled translations. A deploy that changes any of them starts afresh."""
    return _digest_of(Path(app.root_path), Path(app.root_path, app.template_folder).resolve())


@functools.cache      # once a process: the files do not change under a running app
def _digest_of(package, templates):
    digest = hashlib.sha256()
    for folder, pattern in ((package, "*.py"), (package, "*.mo"), (templates, "*.html")):
        for path in sorted(folder.rglob(pattern)):
            digest.update(str(path.relative_to(folder)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
