"""BigGAN-deep: the package's architecture made traceable, a local weights folder, the export."""
