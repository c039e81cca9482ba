"""Readers of raw files: one function per file, raw bytes -> validated DataFrame."""
