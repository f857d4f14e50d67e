"""PaSST weights: the registry of released checkpoints, reading and strict
loading of state dicts, depth reduction, the ImageNet DeiT adaptation and
the SpeechBrain pretrained-folder format."""
