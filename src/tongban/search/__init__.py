"""Search (SRCH): the analyzer, the in-memory index of the published catalog, ranking, suggestions and their pages."""
