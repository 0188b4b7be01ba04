"""Admin operations and reports."""
