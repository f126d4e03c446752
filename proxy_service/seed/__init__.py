"""Demo data and `seed-scale`: imported by cli.py only, never by the application."""
