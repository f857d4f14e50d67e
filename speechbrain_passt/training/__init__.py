"""Training PaSST with SpeechBrain: the Brain, the paper's augmentations,
objectives, metrics, learning-rate schedule, class-balanced sampling and
SWA."""

from speechbrain_passt.training.augment import (
    BatchMixup,
    random_gain,
    random_roll,
)
from speechbrain_passt.training.brain import PaSSTBrain
from speechbrain_passt.training.dataio import (
    ClipLoader,
    multi_hot,
    one_hot,
    pad_or_truncate,
)
from speechbrain_passt.training.metrics import (
    ClipMetrics,
    accuracy,
    mean_average_precision,
    mean_roc_auc,
)
from speechbrain_passt.training.objectives import TARGET_KINDS, compute_loss
from speechbrain_passt.training.sampling import (
    class_balanced_sampler,
    class_balanced_weights,
)
from speechbrain_passt.training.schedule import (
    ExpWarmupLinearDecay,
    exp_warmup_linear_decay,
)
from speechbrain_passt.training.swa import StochasticWeightAveraging
