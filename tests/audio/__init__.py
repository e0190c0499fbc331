"""Tests of oscserver/audio/: analysis, mappings, live (drive) and video (render)."""
