"""Tests of the tools (tools/): the prepared GPU check."""
