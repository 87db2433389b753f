"""Data exchange with the tools people already use: FHIR R4, iCalendar, CSV, watch files.

Every module here is format-level and pure: it reads and writes the typed records of
:mod:`retrowalk.exchange.records`; the services fill those from storage.
"""
