"""SEGAN: noisy speech in, clean speech out; D judges the (noisy, clean) pair (Pascual et al. 2017)."""

from keras_cgan import _lazy

__getattr__, __dir__, __all__ = _lazy.attach(__name__, {
    "DeEmphasis": "emphasis",
    "PreEmphasis": "emphasis",
    "segan_discriminator": "networks",
    "segan_generator": "networks",
    "SEGAN": "segan",
    "StreamingEnhancer": "streaming",
    "stream_enhance": "streaming",
})
