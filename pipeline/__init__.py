"""Briefing-note pipeline: talk sources in, journal-ready briefing-note PDFs out."""

__version__ = "0.1.0"
