"""Exchange (交换体系): hosted libraries of subject-keyed, versioned records (GD-16), provider
ingest, and — in later parts of issue 5 — provider APIs, files, consumer queries and feeds."""
