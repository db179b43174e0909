"""PyInstaller hook: the Noto Sans Khmer font files and their OFL licence."""

from PyInstaller.utils.hooks import collect_data_files

datas = collect_data_files("fontpkg_noto_sans_khmer", includes=["files/*.ttf", "LICENSE*",
                                                                "metadata.json"])
