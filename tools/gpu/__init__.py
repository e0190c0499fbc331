"""The prepared GPU measurement run (``check.py``) and the wheel transport for the GPU machine."""
