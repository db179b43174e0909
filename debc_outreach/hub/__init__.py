"""The sync hub: an HTTP server that devices with a connection sync through.

The hub is an enrolled device of the programme (its own keys, a certificate
with role "hub" and every area in scope). Devices push the same sealed
bundles they would put on a USB stick; the hub verifies them, stores the
events once, and answers each device with the events it lacks, within its
certificate's scope, sealed for it. No Qt here; hub code imports core,
storage and sync only.

db.py (SQLite or PostgreSQL, one schema), service.py (identity, enrolment,
revocation, admin view), ingest.py (verified, idempotent storage of a pushed
bundle), delta.py (what a device lacks, sealed for it), app.py (Starlette
routes, request authentication, limits).
"""
