"""Knowledge loading, chunking, embedding, FAISS and search. Never imports `bot` or discord."""
