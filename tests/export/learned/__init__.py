"""Tests of the learned generators (oscserver_export/learned/): footage, VAE, next-frame, the
learner."""
