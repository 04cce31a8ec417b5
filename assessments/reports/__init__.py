"""Builders for files people take away: CSV, JSON, XLSX and PDF."""
