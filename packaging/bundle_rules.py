"""What the frozen app leaves out: the rules the spec applies to PyInstaller's file lists.

PySide6-Essentials ships every Qt module and plugin; the app uses QtCore,
QtGui, QtWidgets and QtSvg. Kept are the platform plugins (xcb, offscreen,
minimal, windows), the image formats and icon engine for SVG/PNG/JPEG/ICO,
input methods (IBus: Khmer keyboards), the desktop-portal theme, print support
and the Windows style. Dropped are QML/Quick, WebEngine, Designer, Wayland,
Network and the rest, Qt's own translations (the app translates Qt's few
strings through gettext), and Babel's data for languages other than Khmer and
English. On Linux the libraries every desktop has (X11, fontconfig, glib…)
stay with the system, as AppImage's exclude list does.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

# Plugins kept, by folder and file stem (without the "lib" prefix / "q" kept).
KEEP_PLUGINS = {
    "platforms": {"qxcb", "qoffscreen", "qminimal", "qwindows"},
    "imageformats": {"qsvg", "qjpeg", "qico", "qgif"},
    "iconengines": {"qsvgicon"},
    "platforminputcontexts": {"composeplatforminputcontextplugin",
                              "ibusplatforminputcontextplugin"},   # Khmer keyboards via IBus
    "platformthemes": {"qxdgdesktopportal"},   # native file dialogs via the desktop portal
    "printsupport": None,                    # None: the whole folder
    "styles": None,                          # Windows: the modern Windows style
}
# Qt libraries no kept module or plugin needs (PyInstaller may still pick some up).
DROP_LIBS = re.compile(
    r"Qt6(Qml|Quick|Designer|WebEngine|3D|Multimedia|Pdf|VirtualKeyboard|Wayland|Lottie|"
    r"LabsStyleKit|Help|UiTools|Test|Sql|Concurrent|OpenGL|ShaderTools|Network|EglFS|EglFs|"
    r"WlShell)")
# Windows: software OpenGL and the shader compiler serve Qt Quick, which the app does not use.
WINDOWS_DROP = re.compile(r"^(opengl32sw|d3dcompiler_\d+)\.dll$", re.IGNORECASE)
# Linux libraries every desktop provides, left to the system (as AppImage's excludelist
# does): bundled copies of fontconfig, glib or X11 clash with the system's configuration.
SYSTEM_LIBS = re.compile(
    r"^lib(X11|X11-xcb|Xau|Xdmcp|Xext|Xrender|xcb|xcb-(glx|render|shape|shm|sync|xfixes|randr|"
    r"xkb|dri\d|present)|fontconfig|freetype|glib-2\.0|gio-2\.0|gobject-2\.0|gmodule-2\.0|"
    r"gthread-2\.0|dbus-1|systemd|gcrypt|gpg-error|lz4|cap|selinux|mount|blkid|pcre2-8|krb5|"
    r"krb5support|k5crypto|gssapi_krb5|com_err|keyutils|bsd|md|brotli(common|dec)|graphite2|"
    r"harfbuzz|atk-1\.0|cairo|cairo-gobject|pango-1\.0|pangocairo-1\.0|pangoft2-1\.0|pixman-1|"
    r"gdk_pixbuf-2\.0|fribidi|thai|datrie|GL|EGL|GLX|GLdispatch|OpenGL|drm|gbm)\.so")
# Babel's CLDR data: only the locales the app formats in (km, en and their parents).
BABEL_KEEP = re.compile(r"^(root|km|en|en_GB|en_001|en_150)\.dat$")


def keep(dest: str, windows: bool) -> bool:
    """Whether the file at `dest` (its path inside the app folder) belongs in the build."""
    parts = PurePosixPath(dest.replace("\\", "/")).parts
    if "PySide6" in parts:
        rest = parts[parts.index("PySide6") + 1:]
        if rest[:1] == ("Qt",):
            rest = rest[1:]
        if rest[:1] in (("translations",), ("qml",), ("resources",)):
            return False                      # Qt's own .qm (the app uses gettext), QML
        if rest[:1] == ("plugins",) and len(rest) >= 3:
            folder, stem = rest[1], PurePosixPath(rest[-1]).name.split(".")[0]
            stem = stem[3:] if stem.startswith("lib") else stem
            if folder not in KEEP_PLUGINS:
                return False
            allowed = KEEP_PLUGINS[folder]
            return allowed is None or stem in allowed
    name = parts[-1]
    if DROP_LIBS.search(name) or (not windows and SYSTEM_LIBS.match(name)):
        return False
    if windows and WINDOWS_DROP.match(name):
        return False
    if "locale-data" in parts and name.endswith(".dat") and not BABEL_KEEP.match(name):
        return False
    return True
