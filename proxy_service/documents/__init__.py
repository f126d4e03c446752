"""PDF builders: pure functions from domain objects to bytes (always in Chinese)."""
