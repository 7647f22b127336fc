"""SEGAN's default settings and the windows its networks take, without TensorFlow.

`presets.py` builds from `DEFAULT`; `keras-cgan train segan --help` shows it
before TensorFlow is imported.

Example:

>>> from keras_cgan.models.segan import defaults
>>> defaults.DEFAULT["filters"] == defaults.SMALL_FILTERS, defaults.DEFAULT["sample_rate"]
(True, 16000)
>>> defaults.check_window(16384, len(defaults.SMALL_FILTERS))
16384
"""

SMALL_FILTERS = (16, 32, 32, 64, 64, 128)  # on-device sized
PAPER_FILTERS = (16, 32, 32, 64, 64, 128, 128, 256, 256, 512, 1024)  # the paper's (with `kernel_size=31`)

DEFAULT = {
    "filters": SMALL_FILTERS,
    # Kernel 11 and a 32-channel z (generator and discriminator): a TFLite
    # RTF of 0.042 on one core where kernel 15 and z = 128 took 0.061
    # (benchmarks/speech_peers.py, runs quiet and "kernel 15 model, same day as quiet").
    "kernel_size": 11,
    "latent_channels": 32,
    "sample_rate": 16000,
    "adversarial_weight": 1.0,
    "stft_weight": 3.0,  # +0.12 PESQ-WB at 1,500 steps (benchmarks/speech_peers.py, runs stft_weight=*)
    # Spectral normalization in D, as every SEGAN figure on the docs pages was measured.
    "spectral_norm": True,
    "r1_weight": 0.0,
}


def check_window(window, layers, name="`window`"):
    """`window` (samples) if the encoder's `layers` stride-2 layers halve it evenly; a `ValueError` naming `name`.

    `networks` builds with it, and `keras-cgan train segan` checks `--size`
    with it before TensorFlow is imported.
    """
    step = 2**layers
    if window < step or window % step:
        raise ValueError(
            f"{name} must be a multiple of 2**{layers} = {step} (one halving per encoder layer). Received: {window}"
        )
    return window
