"""What every part of oscserver shares, and nothing else: errors and rejection reasons, the frame
type and the frame bus, background tasks, counters, the event loop's lag, addresses and the
folders OSC may name files in. Imports nothing from the rest of oscserver.
"""
