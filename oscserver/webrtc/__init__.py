"""WebRTC to browsers: one peer connection per viewer, fed by the WebRTC sink."""
