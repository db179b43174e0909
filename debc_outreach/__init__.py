"""DEBC Outreach: offline-first digital-literacy outreach for Cambodia.

Importing this package must stay cheap: the GUI start-up time is measured
against a bare Qt window (bench/startup.py), so nothing heavy is imported here.
"""

__version__ = "0.1.0"
APP_NAME = "DEBC Outreach"
