"""Is a writer's process still running? The writer's pid is in the segment's header; the writer
side asks before taking over a name, the reader side before trusting a ring whose frames have
stopped. Standard library only, like the rest of the reader side.
"""

from __future__ import annotations

import os
import sys


def pid_alive(pid: int) -> bool:
    """Is process ``pid`` running? (A pid reused by another program counts as running.)"""
    if pid <= 0 or pid > 0xFFFFFFFF:
        return False
    if sys.platform == "win32":
        return _windows_pid_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # exists, belongs to another user
        return True
    except OSError:
        return False
    return True


if sys.platform == "win32":  # ctypes.WinDLL exists only there (and mypy checks it only there)

    def _windows_pid_alive(pid: int) -> bool:
        # os.kill(pid, 0) would terminate the process on Windows; ask the kernel instead.
        import ctypes
        from ctypes import wintypes

        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        kernel32.OpenProcess.restype = wintypes.HANDLE
        kernel32.OpenProcess.argtypes = (wintypes.DWORD, wintypes.BOOL, wintypes.DWORD)
        kernel32.GetExitCodeProcess.argtypes = (wintypes.HANDLE, ctypes.POINTER(wintypes.DWORD))
        kernel32.CloseHandle.argtypes = (wintypes.HANDLE,)
        query_limited_information, still_active, access_denied = 0x1000, 259, 5
        handle = kernel32.OpenProcess(query_limited_information, False, pid)
        if not handle:
            return ctypes.get_last_error() == access_denied
        try:
            code = wintypes.DWORD()
            if not kernel32.GetExitCodeProcess(handle, ctypes.byref(code)):
                return True
            return code.value == still_active
        finally:
            kernel32.CloseHandle(handle)
