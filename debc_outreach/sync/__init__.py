"""Sync without internet: enrolled devices exchange signed, encrypted bundles.

keys.py (this device's key pair, the one place keys are loaded and saved),
trust.py (programme, enrolment, certificates, revocation), bundle.py (the
sealed file format), export.py / importer.py (what goes out, what comes in),
scope.py (which records a device may receive), conflicts.py, state.py
(what was sent and acknowledged), folder.py (sync-folder mode).
"""
