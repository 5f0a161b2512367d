"""The deterministic demo generator: Guangzhou, its 11 districts, the IT authority, agencies with
district branches, users of every role, persons and enterprises with valid identifiers. The same
generator feeds `govshare demo`, the tests and the benchmarks, at any size."""
