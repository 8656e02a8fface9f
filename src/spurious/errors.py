"""Errors reported to the user in one line (exit code 2)."""


class UserError(Exception):
    """An error the user can fix (a path, an argument)."""
