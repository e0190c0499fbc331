"""Tests of the torch side (oscserver_export/): the generator families, the writer, the learned
ones."""
