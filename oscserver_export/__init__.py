"""The torch side: generator definitions, their training and their export to ONNX files.

The runtime (``oscserver/``) never imports this package or torch; ``oscserver export``,
``train`` and ``curate`` are handed over to it by name. One subpackage per generator family,
each with its own ``commands`` module, plus the writer they all use:

- ``default/``: the embedded default generator (``export default``, ``train default``);
- ``biggan/``: BigGAN-deep from a local weights folder (``export biggan``);
- ``custom/``: your own torch module with declared inputs (``export torch``);
- ``learned/``: generators learned from footage, VAE and next-frame (``train footage``,
  ``train vae``, ``train nextframe``; the learner ``python -m oscserver_export.learned.learn``);
- ``curation/``: banks of vectors a classifier reads as chosen classes (``curate``);
- ``writer/``: a torch module in, a checked generator file out.

``cli.py`` (``oscserver export``) and ``train_cli.py`` (``oscserver train``) list the
families; ``command_line.py`` runs a parser and a command for all three entry points. See
docs/export.md.
"""
