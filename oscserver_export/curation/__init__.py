"""Curation: banks of vectors a classifier reads as chosen classes (``oscserver curate``)."""
