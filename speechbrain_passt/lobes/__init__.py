"""PaSST lobes: the log-mel front-end, the encoder and its head."""
