"""Generators learned from footage: the VAE, the next-frame model and its parts, the learner."""
