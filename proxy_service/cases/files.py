from . import bp  # noqa: F401  (documents and messages: filled in next)
