"""``oscserver drive``: a mapping's messages sent to a running server over OSC, in real time.

``driver.py`` plays a song file (analysed first) or a sound card input (``input.py``, analysed
as it comes) through a mapping; ``osc_out.py`` checks each frame's messages against the
server's address space and sends them as one time-tagged bundle; ``playback.py`` plays the
song through the sound card in step (``--play``).
"""
