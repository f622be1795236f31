"""End-to-end latency benchmark of local mode: end of speech in the audio → webhook receipt, N concurrent calls."""
