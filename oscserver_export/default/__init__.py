"""The default generator: the embedded CPPN, its class pictures, their training and commands."""
