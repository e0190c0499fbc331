"""Audio to visuals: analysis, mappings, a live OSC driver and an offline music-video renderer.

    song (file or sound card) -> analysis/ (features, one row per video frame)
        -> mappings/ (OSC messages per frame: the control trajectory)
        -> live/: OSC bundles time-tagged for the server's frame clock (``oscserver drive``)
        -> video/: the server's own address space, controls and motion, then the generator,
           then H.264 with the song muxed in (``oscserver render``, made offline)

Both paths send the same messages through the same validation and motion, so a mapping looks
the same live and rendered. ``cli.py`` holds both commands' parsers. See docs/audio.md.

Needs the ``audio`` extra (librosa, soundfile, scikit-learn, tqdm); ``--play`` and ``--input``
need ``live`` (sounddevice); the ``lyrics`` mapping needs ``lyrics``; ``render --ray`` (frames
rendered by Ray actors, ``video/ray.py``) needs ``ray``.
"""
