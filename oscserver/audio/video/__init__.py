"""``oscserver render``: music videos made offline, song in, H.264 with the song's audio out.

``render.py`` runs the song's control trajectory through the server's own controls
(``offline_controls.py``), renders each frame with the generator and encodes
(``encoder.py``), with a progress bar (``progress.py``). With ``--ray`` the frames are
rendered by Ray actors instead: the pool in ``ray.py``, the driver's in-order window in
``ray_chunks.py``, what runs on a worker in ``ray_worker.py``; nothing else imports Ray.
"""
