"""SEGAN: noisy speech in, clean speech out; D judges the (noisy, clean) pair (Pascual et al. 2017)."""

import lazy_loader

__getattr__, __dir__, __all__ = lazy_loader.attach(
    __name__,
    submodules=["defaults", "emphasis", "networks", "presets", "segan", "streaming", "waveform"],
    submod_attrs={
        "emphasis": ["DeEmphasis", "PreEmphasis"],
        "networks": ["segan_discriminator", "segan_generator"],
        "segan": ["SEGAN"],
        "streaming": ["StreamingEnhancer", "stream_enhance"],
    },
)
