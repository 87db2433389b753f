"""Input and output schemas at the boundary (CLI files, JSON API bodies), built on Pydantic.

Adapters parse untrusted data with these models and hand plain domain values to the core.
"""
