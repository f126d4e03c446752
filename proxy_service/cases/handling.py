from . import bp  # noqa: F401  (step updates and staff case actions: filled in next)
