"""Tests of the learned generators (export/learned/): footage, VAE, next-frame, the learner."""
