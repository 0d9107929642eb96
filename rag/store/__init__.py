"""Storage: the SQLite catalog (catalog, schema, rows) and Chroma's vectors (vectors,
chroma_server) behind one ChunkStore (chunks); search, BM25 (lexical), browsing and filters
read them, integrity checks they agree."""
