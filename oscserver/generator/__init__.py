"""A generator: its contract, reading its file, running it with ONNX Runtime, the loaded ones,
and learning while it plays."""
