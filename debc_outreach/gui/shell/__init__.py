"""The main window and what hangs off it: navigation, home page, settings, help, first run."""
