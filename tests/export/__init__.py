"""Tests of the torch side (export/): the generator families, the writer, the learned ones."""
