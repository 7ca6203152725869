"""What every importer and export shares: line-numbered readers of YAML, CSV and xlsx, and the file writers.

Features read and write files through these modules, never through each other's private helpers.
"""
