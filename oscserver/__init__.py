"""oscserver: neural-network visuals played live over OSC.

Data flows one way: OSC -> controls -> motion -> frame clock -> frame bus -> sinks.
The runtime never imports torch; generator files are ONNX (see docs/generators.md).
"""

__version__ = "0.1.0"
