"""Audio and dataset files: the audio reader, dataset preparation (checks,
32 kHz cache, manifests), label files of every dataset format and the
synthetic demo sets."""
