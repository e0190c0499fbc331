"""Scripts beside the project: the GPU check, the fuzzer, the shared-memory viewer, builders."""
