"""Your own torch module as a generator (``oscserver export torch``), its inputs declared."""
