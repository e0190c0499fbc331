"""What can go wrong writing a generator file; the families raise these too."""

from __future__ import annotations


class ExportError(RuntimeError):
    """The generator could not be exported or its specs are inconsistent."""


class ExportCheckError(ExportError):
    """ONNX Runtime and PyTorch disagree by more than the tolerance; no file was written."""
