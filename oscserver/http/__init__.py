"""The HTTP app: viewer page, WebRTC signalling, status and OSC discovery."""
