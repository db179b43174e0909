"""Errors that carry a message meant for the user.

A `UserError` is raised wherever bad input or a broken environment is
detected (a corrupt file, a locked database, a read-only folder). The message
is already translated; the CLI prints it on one line and exits 1, the GUI
shows it in a dialog. Anything else that escapes is a bug and is logged with
its traceback.
"""


class UserError(Exception):
    """A problem the user can understand and act on; `str(err)` is translated."""

    exit_code = 1
