"""The ONNX writer: a torch module in, a checked generator file out (every family uses it)."""
