"""Data files shipped with oscserver (read with ``importlib.resources``).

- ``imagenet_classes.tsv``: the 1000 ImageNet-1k classes in the order BigGAN's class vector
  uses (index, WordNet id, names). Read it with :mod:`oscserver.data.imagenet`.
"""
