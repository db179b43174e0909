"""Qt's own user-visible strings, translated through our catalog.

PySide6 ships no Khmer translation of Qt (no qtbase_km), so standard buttons
(OK, Cancel, ...) and context menus would stay English. `GettextTranslator`
answers Qt's translate() calls from our gettext catalog, using Qt's context
as msgctxt. The strings below are listed only so extraction puts them in
messages.pot; their contexts and texts are exactly Qt's.
"""

from __future__ import annotations

from PySide6.QtCore import QTranslator

from debc_outreach.i18n import NP_, pgettext

QT_STRINGS = (
    NP_("QPlatformTheme", "OK"), NP_("QPlatformTheme", "Save"),
    NP_("QPlatformTheme", "Save All"), NP_("QPlatformTheme", "Open"),
    NP_("QPlatformTheme", "&Yes"), NP_("QPlatformTheme", "Yes to &All"),
    NP_("QPlatformTheme", "&No"), NP_("QPlatformTheme", "N&o to All"),
    NP_("QPlatformTheme", "Abort"), NP_("QPlatformTheme", "Retry"),
    NP_("QPlatformTheme", "Ignore"), NP_("QPlatformTheme", "Close"),
    NP_("QPlatformTheme", "Cancel"), NP_("QPlatformTheme", "Discard"),
    NP_("QPlatformTheme", "Help"), NP_("QPlatformTheme", "Apply"),
    NP_("QPlatformTheme", "Reset"), NP_("QPlatformTheme", "Restore Defaults"),
    NP_("QPlatformTheme", "Don't Save"), NP_("QPlatformTheme", "Close without Saving"),
    NP_("QWidgetTextControl", "&Undo"), NP_("QWidgetTextControl", "&Redo"),
    NP_("QWidgetTextControl", "Cu&t"), NP_("QWidgetTextControl", "&Copy"),
    NP_("QWidgetTextControl", "&Paste"), NP_("QWidgetTextControl", "Delete"),
    NP_("QWidgetTextControl", "Select All"), NP_("QWidgetTextControl", "Copy &Link Location"),
    NP_("QLineEdit", "&Undo"), NP_("QLineEdit", "&Redo"), NP_("QLineEdit", "Cu&t"),
    NP_("QLineEdit", "&Copy"), NP_("QLineEdit", "&Paste"), NP_("QLineEdit", "Delete"),
    NP_("QLineEdit", "Select All"),
    NP_("QMessageBox", "Show Details..."), NP_("QMessageBox", "Hide Details..."),
    NP_("QMessageBox", "OK"), NP_("QMessageBox", "About Qt"),
    # QFileDialog (Qt 6): the texts it asks for, with their mnemonics ("&Look in:");
    # tests/test_i18n.py opens a dialog and checks that every one is listed here.
    NP_("QFileDialog", "&Look in:"), NP_("QFileDialog", "File &name:"),
    NP_("QFileDialog", "Files of &type:"), NP_("QFileDialog", "&Open"),
    NP_("QFileDialog", "&Save"), NP_("QFileDialog", "&Choose"), NP_("QFileDialog", "Back"),
    NP_("QFileDialog", "Go back"), NP_("QFileDialog", "Forward"),
    NP_("QFileDialog", "Go forward"), NP_("QFileDialog", "Parent Directory"),
    NP_("QFileDialog", "Go to the parent directory"),
    NP_("QFileDialog", "Create New Folder"), NP_("QFileDialog", "Create a New Folder"),
    NP_("QFileDialog", "List View"), NP_("QFileDialog", "Change to list view mode"),
    NP_("QFileDialog", "Detail View"), NP_("QFileDialog", "Change to detail view mode"),
    NP_("QFileDialog", "Sidebar"), NP_("QFileDialog", "List of places and bookmarks"),
    NP_("QFileDialog", "Files"), NP_("QFileDialog", "Directory:"),
    NP_("QFileDialog", "Directories"),
    NP_("QFileDialog", "All Files (*)"), NP_("QFileDialog", "All files (*)"),
    NP_("QFileDialog", "New Folder"), NP_("QFileDialog", "&New Folder"),
    NP_("QFileDialog", "&Rename"), NP_("QFileDialog", "&Delete"),
    NP_("QFileDialog", "Show &hidden files"), NP_("QFileDialog", "Recent Places"),
    NP_("QFileDialog", "Save As"), NP_("QFileDialog", "Open"),
    NP_("QFileDialog", "Find Directory"), NP_("QFileDialog", "Could not delete directory."),
    NP_("QFileDialog", "%1 already exists.\nDo you want to replace it?"),
    NP_("QFileDialog", "%1\nFile not found.\nPlease verify the correct file name was given."),
    NP_("QFileDialog",
        "%1\nDirectory not found.\nPlease verify the correct directory name was given."),
    NP_("QFileDialog", "'%1' is write protected.\nDo you want to delete it anyway?"),
    NP_("QFileDialog", "Are you sure you want to delete '%1'?"),
    NP_("QFileSystemModel", "Name"), NP_("QFileSystemModel", "Size"),
    NP_("QFileSystemModel", "Date Modified"), NP_("QFileSystemModel", "Type"),
    NP_("QFileSystemModel", "Computer"), NP_("QFileSystemModel", "My Computer"),
    NP_("QAbstractFileIconProvider", "Folder"), NP_("QAbstractFileIconProvider", "Drive"),
    NP_("QProgressDialog", "Cancel"),
    NP_("QShortcut", "Esc"), NP_("QShortcut", "Space"),
)
_KNOWN = frozenset(QT_STRINGS)


class GettextTranslator(QTranslator):
    """Serve Qt's translate() requests from the gettext catalog (live-switchable)."""

    def translate(self, context, source_text, disambiguation=None, n=-1):  # noqa: N802
        # None becomes a null QString: "no translation here", so Qt keeps its own text.
        # (An empty string would count as a translation and blank the button.)
        if (context, source_text) not in _KNOWN:
            return None
        translated = pgettext(context, source_text)
        return None if translated == source_text else translated

    def isEmpty(self) -> bool:  # noqa: N802
        return False
