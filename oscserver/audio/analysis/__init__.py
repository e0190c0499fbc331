"""Reading a song: ``song.py`` decodes it (PyAV) and analyses it (librosa) into
``features.py``'s one row per video frame, what every mapping reads.

Live input makes the same rows frame by frame (``oscserver/audio/live/input.py``).
"""
